//! Accessible search comboboxes for "Company" and "Contact" (the ARIA combobox and
//! listbox pattern: type to search, arrow keys to move, Enter to pick, Escape to close),
//! with "Create contact" for someone who is not in the address book yet.

use leptos::prelude::*;

use super::api::{create_contact, search_companies, search_contacts};
use super::model::{NewContact, SearchHit};
use crate::error::AppError;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    Company,
    Contact,
}

async fn search(kind: SearchKind, query: String) -> Result<Vec<SearchHit>, AppError> {
    if query.trim().is_empty() {
        return Ok(Vec::new());
    }
    match kind {
        SearchKind::Company => search_companies(query).await,
        SearchKind::Contact => search_contacts(query).await,
    }
}

/// One combobox. `on_pick` receives the chosen hit; with `allow_create`, a last option
/// offers to create a contact from what was typed.
#[component]
pub fn SearchCombobox(
    id: &'static str,
    label: &'static str,
    kind: SearchKind,
    #[prop(into)] on_pick: Callback<SearchHit>,
    #[prop(optional)] allow_create: bool,
    /// The form requires a pick here (MISSION T2 layouts).
    #[prop(optional)]
    required: bool,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let hits = RwSignal::new(Vec::<SearchHit>::new());
    let expanded = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let creating = RwSignal::new(false);
    let lookup = Action::new(move |q: &String| {
        let q = q.clone();
        async move { (q.clone(), search(kind, q).await) }
    });
    Effect::new(move |_| {
        if let Some((asked, Ok(found))) = lookup.value().get() {
            // Answers can arrive out of order; only the one for the current text counts.
            if asked == query.get_untracked() {
                // Keep the highlighted row if it still exists: an arrow key pressed
                // before the last answer arrived must not be lost.
                let len = found.len();
                hits.set(found);
                active.update(|a| *a = a.filter(|i| *i < len));
            }
        }
    });
    let listbox_id = format!("{id}-listbox");
    let option_id = move |index: usize| format!("{id}-option-{index}");
    // Options: the hits, then (for contacts) "Create contact …".
    let option_count = move || hits.read().len() + usize::from(allow_create && !query.read().trim().is_empty());
    let pick = move |index: usize| {
        let list = hits.get_untracked();
        if let Some(hit) = list.get(index) {
            on_pick.run(hit.clone());
            query.set(String::new());
            hits.set(Vec::new());
            expanded.set(false);
        } else if allow_create {
            creating.set(true);
            expanded.set(false);
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = option_count();
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                expanded.set(true);
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                expanded.set(true);
                active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
            }
            "Enter" => {
                ev.prevent_default();
                if let Some(index) = active.get_untracked() {
                    pick(index);
                }
            }
            "Escape" if expanded.get_untracked() => {
                ev.prevent_default();
                ev.stop_propagation();
                expanded.set(false);
                active.set(None);
            }
            _ => {}
        }
    };

    view! {
        <div class="combobox">
            <label for=id>{label} {required.then(|| view! { <span aria-hidden="true">" *"</span> })}</label>
            <input id=id type="text" role="combobox" autocomplete="off" aria-required=required.then_some("true")
                aria-autocomplete="list" aria-controls=listbox_id.clone()
                aria-expanded={move || if expanded.get() && option_count() > 0 { "true" } else { "false" }}
                aria-activedescendant=move || active.get().map(option_id)
                placeholder="Search by name, email or domain"
                prop:value=move || query.get()
                on:input:target=move |ev| {
                    let text = ev.target().value();
                    query.set(text.clone());
                    expanded.set(true);
                    lookup.dispatch(text);
                }
                on:keydown=on_keydown
                on:blur=move |_| { expanded.set(false) }/>
            <ul id=listbox_id role="listbox" aria-label=label class="combobox-options"
                hidden={move || !(expanded.get() && option_count() > 0)}>
                {move || hits.get().into_iter().enumerate().map(|(index, hit)| view! {
                    <li id=option_id(index) role="option" class="combobox-option"
                        aria-selected=move || if active.get() == Some(index) { "true" } else { "false" }
                        on:mousedown=move |ev| { ev.prevent_default(); pick(index); }>
                        <span>{hit.label}</span>
                        {hit.detail.map(|d| view! { <span class="muted">{d}</span> })}
                    </li>
                }).collect_view()}
                {move || (allow_create && !query.read().trim().is_empty()).then(|| {
                    let index = hits.read().len();
                    view! {
                        <li id=option_id(index) role="option" class="combobox-option create-option"
                            aria-selected=move || if active.get() == Some(index) { "true" } else { "false" }
                            on:mousedown=move |ev| { ev.prevent_default(); pick(index); }>
                            {move || format!("Create contact \u{201c}{}\u{201d}", query.get().trim())}
                        </li>
                    }
                })}
            </ul>
            <Show when=move || creating.get()>
                <NewContactForm initial_name=query.get_untracked() on_created=move |hit: SearchHit| {
                    on_pick.run(hit);
                    creating.set(false);
                    query.set(String::new());
                    hits.set(Vec::new());
                } on_cancel=move |_| creating.set(false)/>
            </Show>
        </div>
    }
}

/// A contact that does not exist yet: name and email, created on the spot.
#[component]
fn NewContactForm(
    initial_name: String,
    #[prop(into)] on_created: Callback<SearchHit>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let name = RwSignal::new(initial_name);
    let email = RwSignal::new(String::new());
    let create = Action::new(move |contact: &NewContact| create_contact(contact.clone()));
    Effect::new(move |_| {
        if let Some(Ok(hit)) = create.value().get() {
            on_created.run(hit);
        }
    });
    let error = move |field: &'static str| {
        move || {
            create.value().get().and_then(|r| r.err()).and_then(|e| {
                e.field_message(field).or_else(|| {
                    (field == "contact_name" && !matches!(e, AppError::Validation { .. })).then(|| e.to_string())
                })
            })
        }
    };
    let submit = move || {
        create.dispatch(NewContact {
            name: name.get_untracked(),
            email: email.get_untracked(),
        });
    };
    view! {
        <div class="new-contact" role="group" aria-label="New contact">
            <div class="field">
                <label for="new-contact-name">"Contact name"</label>
                <input id="new-contact-name" prop:value=move || name.get()
                    on:input:target=move |ev| { name.set(ev.target().value()) }/>
                <p class="field-error" role="alert">{error("contact_name")}</p>
            </div>
            <div class="field">
                <label for="new-contact-email">"Contact email"</label>
                <input id="new-contact-email" type="email" prop:value=move || email.get()
                    on:input:target=move |ev| email.set(ev.target().value())
                    on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); submit(); }/>
                <p class="field-error" role="alert">{error("contact_email")}</p>
            </div>
            <div class="form-actions">
                <button type="button" class="button" on:click=move |_| submit()>"Add contact"</button>
                <button type="button" class="button subtle" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </div>
    }
}

/// A company search with the chosen company shown as a removable chip (the Create ticket
/// panel and the contact form).
#[component]
pub fn CompanyPicker(
    id: &'static str,
    company: RwSignal<Option<SearchHit>>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    view! {
        <SearchCombobox id label="Company" kind=SearchKind::Company required
            on_pick=move |hit: SearchHit| company.set(Some(hit))/>
        {move || company.get().map(|chosen| view! {
            <ul class="chips" aria-label="Chosen company">
                <li class="chip">
                    <span>{chosen.label.clone()}</span>
                    <button type="button" class="chip-remove" aria-label=format!("Remove {}", chosen.label)
                        on:click=move |_| company.set(None)>"×"</button>
                </li>
            </ul>
        })}
    }
}
