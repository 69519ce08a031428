//! The admins' Properties page.

use leptos::prelude::*;

use super::api::{archive_property, list_properties, save_property};
use super::model::{internal_name_for, Property, PropertyKind};
use crate::auth::api::admin_only;
use crate::kit::{settings_error_view, SettingsFrame};

/// Super admins define the custom properties tickets can carry.
#[component]
pub fn PropertiesPage() -> impl IntoView {
    let save = Action::new(move |property: &Property| save_property(property.clone()));
    let archive = Action::new(move |id: &String| archive_property(id.clone()));
    let properties = crate::wire::resource(
        move || (save.version().get(), archive.version().get()),
        |_| admin_only(list_properties()),
    );
    let editing = RwSignal::new(None::<Property>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    let archive_error = move || archive.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    view! {
        <SettingsFrame title="Properties">
            <p class="muted">"Custom ticket properties appear in the ticket sidebar, can be added to the Create ticket form, and can be required by a status."</p>
            <Transition fallback=|| view! { <p role="status">"Loading properties…"</p> }>
                {move || Suspend::new(async move {
                    match properties.await {
                        Err(error) => settings_error_view(error),
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty-state">"No custom properties yet. Add one below."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <table class="data-table">
                                <caption class="visually-hidden">"Custom ticket properties"</caption>
                                <thead><tr>
                                    <th scope="col">"Label"</th><th scope="col">"Internal name"</th>
                                    <th scope="col">"Field type"</th><th scope="col">"Options"</th><th scope="col">"Actions"</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|p| {
                                        let (for_edit, id) = (p.clone(), p.id.clone());
                                        view! {
                                            <tr>
                                                <td>{p.label.clone()}</td>
                                                <td><code>{p.name.clone()}</code></td>
                                                <td>{p.kind.label()}</td>
                                                <td>{p.options.join(", ")}</td>
                                                <td class="row-actions">
                                                    <button type="button" class="button subtle" aria-label=format!("Edit {}", p.label)
                                                        on:click=move |_| editing.set(Some(for_edit.clone()))>"Edit"</button>
                                                    <button type="button" class="button subtle" aria-label=format!("Archive {}", p.label)
                                                        on:click=move |_| { archive.dispatch(id.clone()); }>"Archive"</button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Transition>
            <p class="form-error" role="alert">{archive_error}</p>
            {move || {
                let current = editing.get();
                view! { <PropertyForm current save editing/> }
            }}
        </SettingsFrame>
    }
}

/// The form that adds a property, or edits the one chosen in the table.
#[component]
fn PropertyForm(
    current: Option<Property>,
    save: Action<Property, Result<String, crate::error::AppError>>,
    editing: RwSignal<Option<Property>>,
) -> impl IntoView {
    let is_new = current.is_none();
    let start = current.unwrap_or(Property {
        id: String::new(),
        name: String::new(),
        label: String::new(),
        kind: PropertyKind::Text,
        help_text: String::new(),
        options: Vec::new(),
    });
    let id = start.id.clone();
    let label = RwSignal::new(start.label.clone());
    let name = RwSignal::new(start.name.clone());
    let name_edited = RwSignal::new(!is_new);
    let kind = RwSignal::new(start.kind);
    let help = RwSignal::new(start.help_text.clone());
    let options = RwSignal::new(start.options.join("\n"));
    let error = move || save.value().get().and_then(|r| r.err());
    let field_error = move |field: &'static str| move || error().and_then(|e| e.field_message(field));
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(Property {
            id: id.clone(),
            name: name.get_untracked(),
            label: label.get_untracked(),
            kind: kind.get_untracked(),
            help_text: help.get_untracked(),
            options: options.get_untracked().lines().map(str::to_string).collect(),
        });
    };
    let heading = if is_new {
        "Add a property".to_string()
    } else {
        format!("Edit {}", start.label)
    };
    view! {
        <section class="card" aria-labelledby="property-form-heading">
            <h2 id="property-form-heading">{heading}</h2>
            <form class="form-grid" novalidate=true on:submit=submit>
                <div class="field">
                    <label for="property-label">"Label"</label>
                    <input id="property-label" required prop:value=move || label.get()
                        on:input:target=move |ev| {
                            let text = ev.target().value();
                            if !name_edited.get_untracked() { name.set(internal_name_for(&text)); }
                            label.set(text);
                        }/>
                    <p class="field-error" role="alert">{field_error("label")}</p>
                </div>
                <div class="field">
                    <label for="property-name">"Internal name"</label>
                    <input id="property-name" required disabled=!is_new prop:value=move || name.get()
                        on:input:target=move |ev| { name_edited.set(true); name.set(ev.target().value()); }/>
                    <p class="field-error" role="alert">{field_error("name")}</p>
                </div>
                <div class="field">
                    <label for="property-kind">"Field type"</label>
                    <select id="property-kind" disabled=!is_new
                        on:change:target=move |ev| if let Some(k) = PropertyKind::parse(&ev.target().value()) { kind.set(k) }>
                        {PropertyKind::ALL.into_iter().map(|k| view! {
                            <option value=k.as_str() selected=k == start.kind>{k.label()}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-error" role="alert">{field_error("kind")}</p>
                </div>
                <div class="field">
                    <label for="property-help">"Help text"</label>
                    <input id="property-help" prop:value=move || help.get()
                        on:input:target=move |ev| help.set(ev.target().value())/>
                </div>
                <Show when=move || kind.get() == PropertyKind::Dropdown>
                    <div class="field">
                        <label for="property-options">"Options (one per line)"</label>
                        <textarea id="property-options" rows="4" prop:value=move || options.get()
                            on:input:target=move |ev| options.set(ev.target().value())></textarea>
                        <p class="field-error" role="alert">{field_error("options")}</p>
                    </div>
                </Show>
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>
                        {if is_new { "Add property" } else { "Save property" }}
                    </button>
                    {(!is_new).then(|| view! {
                        <button type="button" class="button subtle" on:click=move |_| editing.set(None)>"Cancel"</button>
                    })}
                    <span role="status">{move || saved().then_some("Property saved.")}</span>
                    <p class="form-error" role="alert">
                        {move || error().filter(|e| !matches!(e, crate::error::AppError::Validation { .. })).map(|e| e.to_string())}
                    </p>
                </div>
            </form>
        </section>
    }
}
