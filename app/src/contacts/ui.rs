//! Accessible search comboboxes for "Company" and "Contact" (the ARIA combobox and
//! listbox pattern: type to search, arrow keys to move, Enter to pick, Escape to close),
//! with "Create contact" / "Create company" for a record that does not exist yet.

use leptos::prelude::*;

use super::api::{create_company, create_contact, search_companies, search_contacts};
use super::model::{NewCompany, NewContact, SearchHit};
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
    // Why the last search failed, said under the field (a session that ended, the server
    // out of reach); cleared by the next answer.
    let failure = RwSignal::new(None::<String>);
    // Each answer is checked against the text when it arrives: answers come back out of
    // order, and only the one for the current text counts. (An Action's value read from an
    // Effect loses answers: two arriving in one tick run the Effect once, with the last.)
    let lookup = move |asked: String| {
        leptos::task::spawn_local(async move {
            let answer = search(kind, asked.clone()).await;
            if query.try_with_untracked(|now| *now == asked) != Some(true) {
                return;
            }
            match answer {
                Ok(found) => {
                    // Keep the highlighted row if it still exists: an arrow key pressed
                    // before the last answer arrived must not be lost.
                    let len = found.len();
                    hits.set(found);
                    active.update(|a| *a = a.filter(|i| *i < len));
                    failure.set(None);
                }
                Err(error) => {
                    hits.set(Vec::new());
                    active.set(None);
                    failure.set(Some(format!("Search failed. {error}")));
                }
            }
        });
    };
    let listbox_id = format!("{id}-listbox");
    let failure_id = format!("{id}-search-error");
    let option_id = move |index: usize| format!("{id}-option-{index}");
    // Options: the hits, then (with allow_create) "Create contact …" or "Create company …".
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
                aria-autocomplete="list" aria-controls=listbox_id.clone() aria-describedby=failure_id.clone()
                aria-expanded={move || if expanded.get() && option_count() > 0 { "true" } else { "false" }}
                aria-activedescendant=move || active.get().map(option_id)
                placeholder="Search by name, email or domain"
                prop:value=move || query.get()
                on:input:target=move |ev| {
                    let text = ev.target().value();
                    query.set(text.clone());
                    expanded.set(true);
                    lookup(text);
                }
                on:keydown=on_keydown
                on:blur=move |_| { expanded.set(false) }/>
            <p id=failure_id class="field-error" role="alert">{move || failure.get()}</p>
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
                            {move || format!("Create {} \u{201c}{}\u{201d}", kind.new_record().noun, query.get().trim())}
                        </li>
                    }
                })}
            </ul>
            <Show when=move || creating.get()>
                <NewRecordForm kind initial_name=query.get_untracked() on_created=move |hit: SearchHit| {
                    on_pick.run(hit);
                    creating.set(false);
                    query.set(String::new());
                    hits.set(Vec::new());
                } on_cancel=move |_| creating.set(false)/>
            </Show>
        </div>
    }
}

/// The words and field names of a record created from a combobox.
struct NewRecordKind {
    noun: &'static str,
    second_label: &'static str,
    second_type: &'static str,
    name_field: &'static str,
    second_field: &'static str,
}

impl SearchKind {
    fn new_record(self) -> NewRecordKind {
        match self {
            SearchKind::Contact => NewRecordKind {
                noun: "contact",
                second_label: "Contact email",
                second_type: "email",
                name_field: "contact_name",
                second_field: "contact_email",
            },
            SearchKind::Company => NewRecordKind {
                noun: "company",
                second_label: "Company domain",
                second_type: "text",
                name_field: "company_name",
                second_field: "company_domain",
            },
        }
    }
}

/// Creates a contact (name, email) or a company (name, domain).
async fn create_record(kind: SearchKind, name: String, second: String) -> Result<SearchHit, AppError> {
    match kind {
        SearchKind::Contact => create_contact(NewContact { name, email: second }).await,
        SearchKind::Company => create_company(NewCompany { name, domain: second }).await,
    }
}

/// A contact or company that does not exist yet, created on the spot from what was typed.
#[component]
fn NewRecordForm(
    kind: SearchKind,
    initial_name: String,
    #[prop(into)] on_created: Callback<SearchHit>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let words = kind.new_record();
    let name = RwSignal::new(initial_name);
    let second = RwSignal::new(String::new());
    let create =
        Action::new(move |(name, second): &(String, String)| create_record(kind, name.clone(), second.clone()));
    Effect::new(move |_| {
        if let Some(Ok(hit)) = create.value().get() {
            on_created.run(hit);
        }
    });
    let name_field = words.name_field;
    let error = move |field: &'static str| {
        move || {
            create.value().get().and_then(|r| r.err()).and_then(|e| {
                e.field_message(field).or_else(|| {
                    (field == name_field && !matches!(e, AppError::Validation { .. })).then(|| e.to_string())
                })
            })
        }
    };
    let submit = move || {
        create.dispatch((name.get_untracked(), second.get_untracked()));
    };
    let (name_id, second_id) = (format!("new-{}-name", words.noun), format!("new-{}-second", words.noun));
    let capitalised = if words.noun == "contact" { "Contact" } else { "Company" };
    view! {
        <div class=format!("new-{}", words.noun) role="group" aria-label=format!("New {}", words.noun)>
            <div class="field">
                <label for=name_id.clone()>{format!("{capitalised} name")}</label>
                <input id=name_id prop:value=move || name.get()
                    on:input:target=move |ev| { name.set(ev.target().value()) }/>
                <p class="field-error" role="alert">{error(words.name_field)}</p>
            </div>
            <div class="field">
                <label for=second_id.clone()>{words.second_label}</label>
                <input id=second_id type=words.second_type prop:value=move || second.get()
                    on:input:target=move |ev| second.set(ev.target().value())
                    on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); submit(); }/>
                <p class="field-error" role="alert">{error(words.second_field)}</p>
            </div>
            <div class="form-actions">
                <button type="button" class="button" on:click=move |_| submit()>{format!("Add {}", words.noun)}</button>
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
        <SearchCombobox id label="Company" kind=SearchKind::Company required allow_create=true
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
