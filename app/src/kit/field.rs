//! A labelled input of a few kinds (text, multi-line, number, date, dropdown, checkbox) with
//! its help text and error: custom properties on the create form, in the sidebar and in the
//! conditional status prompt are these.

use leptos::prelude::*;

/// The kinds of input `Field` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Text,
    Multiline,
    Number,
    Date,
    Dropdown,
    Checkbox,
}

/// What a field shows: its label, kind, help text and (for a dropdown) choices.
#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub label: String,
    pub kind: InputKind,
    pub help_text: String,
    pub options: Vec<String>,
}

/// One labelled input. `value` holds the text form ("true"/"false" for a checkbox);
/// `on_commit` runs when the user finishes an edit (change, not every key).
#[component]
pub fn Field(
    spec: FieldSpec,
    input_id: String,
    value: RwSignal<String>,
    #[prop(optional)] required: bool,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] on_commit: Option<Callback<String>>,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
    let commit = move |new: String| {
        value.set(new.clone());
        if let Some(callback) = on_commit {
            callback.run(new);
        }
    };
    let error_id = format!("{input_id}-error");
    let help_id = format!("{input_id}-help");
    let described = format!("{help_id} {error_id}");
    let label = view! {
        <label for=input_id.clone()>
            {spec.label.clone()}
            {required.then(|| view! { <span aria-hidden="true">" *"</span> })}
        </label>
    };
    let control = match spec.kind {
        InputKind::Checkbox => view! {
            <input type="checkbox" id=input_id.clone() disabled=disabled aria-describedby=described.clone()
                prop:checked=move || value.get() == "true"
                on:change:target=move |ev| commit(if ev.target().checked() { "true".into() } else { "false".into() })/>
        }
        .into_any(),
        InputKind::Dropdown => view! {
            <select id=input_id.clone() disabled=disabled aria-required=required.then_some("true")
                aria-describedby=described.clone()
                prop:value=move || value.get()
                on:change:target=move |ev| commit(ev.target().value())>
                <option value="">"Choose…"</option>
                {spec.options.iter().map(|o| view! {
                    <option value=o.clone() selected={let o = o.clone(); move || value.get_untracked() == o}>{o.clone()}</option>
                }).collect_view()}
            </select>
        }
        .into_any(),
        InputKind::Multiline => view! {
            <textarea id=input_id.clone() rows="3" disabled=disabled aria-required=required.then_some("true")
                aria-describedby=described.clone()
                prop:value=move || value.get()
                on:input:target=move |ev| value.set(ev.target().value())
                on:change:target=move |ev| commit(ev.target().value())></textarea>
        }
        .into_any(),
        kind => {
            let (input_type, mode) = match kind {
                InputKind::Number => ("text", "decimal"),
                InputKind::Date => ("date", "text"),
                _ => ("text", "text"),
            };
            view! {
                <input type=input_type inputmode=mode id=input_id.clone() disabled=disabled
                    aria-required=required.then_some("true") aria-describedby=described.clone()
                    prop:value=move || value.get()
                    on:input:target=move |ev| value.set(ev.target().value())
                    on:change:target=move |ev| commit(ev.target().value())/>
            }
            .into_any()
        }
    };
    let checkbox = spec.kind == InputKind::Checkbox;
    view! {
        <div class="field" class:field-check=checkbox>
            {label}
            {control}
            <p id=help_id class="field-help">{spec.help_text.clone()}</p>
            <p id=error_id class="field-error" role="alert">{move || error.get()}</p>
        </div>
    }
}
