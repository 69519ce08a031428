//! "Edit this form": the admins' editor of the Create ticket form (add, remove, reorder by
//! drag and drop or keyboard, mark required, preview, save with conflict detection).

use leptos::prelude::*;

use super::api::save_form_layout;
use super::model::{field_label, FormField, FormLayout, BUILT_IN_FIELDS, PROPERTY_PREFIX};
use crate::error::AppError;
use crate::properties::model::Property;

/// The three fields every create form starts with; they cannot be removed or made optional.
const FIXED_FIELDS: [&str; 3] = ["Ticket name", "Pipeline", "Ticket status"];

/// Puts the keyboard focus back on a field's handle once the list has re-rendered (moving a
/// focused element in the document drops its focus), before the next key press arrives.
fn focus_handle(key: &str) {
    crate::kit::focus_by_id(handle_id(key));
}

fn handle_id(key: &str) -> String {
    format!("form-field-handle-{}", key.replace(':', "-"))
}

fn moved(mut fields: Vec<FormField>, from: usize, to: usize) -> Vec<FormField> {
    if from < fields.len() && to < fields.len() && from != to {
        let field = fields.remove(from);
        fields.insert(to, field);
    }
    fields
}

#[component]
pub fn FormEditor(
    layout: FormLayout,
    properties: Vec<Property>,
    /// Runs after a save.
    #[prop(into)]
    on_saved: Callback<()>,
    /// Fetches the layout again (after a conflict).
    #[prop(into)]
    on_reload: Callback<()>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let version = layout.version;
    let fields = RwSignal::new(layout.fields);
    let preview = RwSignal::new(false);
    let dragging = RwSignal::new(None::<usize>);
    let adding = RwSignal::new(String::new());
    let properties = StoredValue::new(properties);
    let save = Action::new(move |fields: &Vec<FormField>| {
        save_form_layout(FormLayout {
            version,
            fields: fields.clone(),
        })
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            on_saved.run(());
        }
    });
    let error = move || save.value().get().and_then(|r| r.err());
    let conflict = move || matches!(error(), Some(AppError::Conflict(_)));
    let label = move |key: &str| properties.with_value(|all| field_label(key, all));
    let absent = move || {
        let present = fields.get();
        let mut keys: Vec<String> = BUILT_IN_FIELDS.iter().map(|(k, _)| k.to_string()).collect();
        properties.with_value(|all| keys.extend(all.iter().map(|p| format!("{PROPERTY_PREFIX}{}", p.id))));
        keys.retain(|k| !present.iter().any(|f| &f.key == k));
        keys
    };
    let field_keys = move || fields.with(|f| f.iter().map(|x| x.key.clone()).collect::<Vec<_>>());
    let move_field = move |from: usize, to: usize| fields.update(|list| *list = moved(std::mem::take(list), from, to));

    view! {
        <section class="form-editor stack" aria-labelledby="form-editor-heading">
            <h3 id="form-editor-heading">"Edit the Create ticket form"</h3>
            <p class="field-help">"Drag fields to reorder them, or focus a field's handle and use the arrow keys. Changes apply to everyone once saved."</p>
            <ol class="plain editor-fields" aria-label="Form fields">
                {FIXED_FIELDS.map(|name| view! {
                    <li class="editor-field fixed">
                        <span class="editor-label">{name}</span>
                        <span class="muted">"Always required"</span>
                    </li>
                }).collect_view()}
                <For each=field_keys key=|k| k.clone() let:key>
                    {
                        let name = label(&key);
                        let position = {
                            let key = key.clone();
                            Memo::new(move |_| fields.with(|f| f.iter().position(|x| x.key == key).unwrap_or(0)))
                        };
                        let required = {
                            let key = key.clone();
                            Memo::new(move |_| fields.with(|f| f.iter().any(|x| x.key == key && x.required)))
                        };
                        let count = move || fields.with(|f| f.len());
                        let (for_required, for_remove, for_focus) = (key.clone(), key.clone(), key.clone());
                        view! {
                            <li class="editor-field" draggable="true" class:dragging=move || dragging.get() == Some(position.get())
                                on:dragstart=move |_| dragging.set(Some(position.get()))
                                on:dragend=move |_| dragging.set(None)
                                on:dragover=move |ev| ev.prevent_default()
                                on:drop=move |ev| {
                                    ev.prevent_default();
                                    if let Some(from) = dragging.get_untracked() { move_field(from, position.get()); }
                                    dragging.set(None);
                                }>
                                <button type="button" class="drag-handle" id=handle_id(&key) aria-label=format!("Reorder {name}")
                                    aria-describedby="form-editor-heading"
                                    on:keydown=move |ev| {
                                        let index = position.get();
                                        match ev.key().as_str() {
                                            "ArrowUp" if index > 0 => { ev.prevent_default(); move_field(index, index - 1); focus_handle(&for_focus); }
                                            "ArrowDown" if index + 1 < count() => { ev.prevent_default(); move_field(index, index + 1); focus_handle(&for_focus); }
                                            _ => {}
                                        }
                                    }>"⠿"</button>
                                <span class="editor-label">{name.clone()}</span>
                                <label class="inline-check">
                                    <input type="checkbox" prop:checked=required aria-label=format!("{name} required")
                                        on:change:target=move |ev| {
                                            let on = ev.target().checked();
                                            fields.update(|list| if let Some(f) = list.iter_mut().find(|f| f.key == for_required) { f.required = on });
                                        }/>
                                    "Required"
                                </label>
                                <button type="button" class="button subtle" aria-label=format!("Move {name} up")
                                    disabled={move || position.get() == 0}
                                    on:click=move |_| { let i = position.get(); move_field(i, i.saturating_sub(1)) }>"↑"</button>
                                <button type="button" class="button subtle" aria-label=format!("Move {name} down")
                                    disabled={move || position.get() + 1 >= count()}
                                    on:click=move |_| { let i = position.get(); move_field(i, i + 1) }>"↓"</button>
                                <button type="button" class="button subtle" aria-label=format!("Remove {name}")
                                    disabled=required
                                    title=move || if required.get() { "Make it optional to remove it" } else { "" }
                                    on:click=move |_| fields.update(|list| list.retain(|f| f.key != for_remove))>"Remove"</button>
                            </li>
                        }
                    }
                </For>
            </ol>
            <div class="add-field">
                <div class="field">
                    <label for="form-editor-add">"Add a property"</label>
                    <select id="form-editor-add" prop:value=move || adding.get()
                        on:change:target=move |ev| adding.set(ev.target().value())>
                        <option value="">"Choose a property…"</option>
                        {move || absent().into_iter().map(|key| view! {
                            <option value=key.clone()>{label(&key)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="button" class="button" on:click=move |_| {
                    let key = adding.get_untracked();
                    if !key.is_empty() {
                        fields.update(|list| list.push(FormField { key, required: false }));
                        adding.set(String::new());
                    }
                }>"Add to form"</button>
            </div>
            <Show when=move || preview.get()>
                <div class="form-preview" aria-label="Preview of the form" role="group">
                    <h4>"Preview"</h4>
                    <ul class="plain">
                        {FIXED_FIELDS.map(|name| view! { <li>{name} " *"</li> }).collect_view()}
                        {move || fields.get().into_iter().map(|f| view! {
                            <li>{label(&f.key)} {f.required.then_some(" *")}</li>
                        }).collect_view()}
                    </ul>
                </div>
            </Show>
            <p class="form-error" role="alert">{move || error().map(|e| e.to_string())}</p>
            <div class="form-actions">
                <button type="button" class="button primary" disabled=move || save.pending().get()
                    on:click=move |_| { save.dispatch(fields.get_untracked()); }>"Save form"</button>
                <button type="button" class="button" aria-pressed=move || preview.get().to_string()
                    on:click=move |_| preview.update(|p| *p = !*p)>"Preview"</button>
                <Show when=conflict>
                    <button type="button" class="button" on:click=move |_| on_reload.run(())>"Reload the form"</button>
                </Show>
                <button type="button" class="button subtle" on:click=move |_| on_close.run(())>"Close editor"</button>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_a_field_keeps_the_others_in_order() {
        let field = |key: &str| FormField {
            key: key.into(),
            required: false,
        };
        let keys = |fields: Vec<FormField>| fields.into_iter().map(|f| f.key).collect::<Vec<_>>();
        let list = vec![field("a"), field("b"), field("c")];
        assert_eq!(keys(moved(list.clone(), 2, 0)), ["c", "a", "b"]);
        assert_eq!(keys(moved(list.clone(), 0, 1)), ["b", "a", "c"]);
        assert_eq!(keys(moved(list, 0, 9)), ["a", "b", "c"]);
    }
}
