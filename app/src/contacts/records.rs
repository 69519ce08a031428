//! The contact and company record pages, shown in the workspace's main pane: details (edited
//! in place by help desk seats and admins), a company's contacts, and the tickets the user
//! may see.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::api::{get_company, get_contact, update_company, update_contact};
use super::model::{CompanyEdit, ContactEdit, SearchHit};
use super::ui::{SearchCombobox, SearchKind};
use crate::error::AppError;
use crate::format::date;
use crate::tickets::model::{can_edit_tickets, TicketSummary};
use crate::workspace::ui::ErrorPanel;

fn can_edit() -> bool {
    use_context::<crate::auth::model::CurrentUser>().is_some_and(|u| can_edit_tickets(u.role))
}

/// The record's tickets, each a link into the workspace.
#[component]
fn RecordTickets(tickets: Vec<TicketSummary>) -> impl IntoView {
    view! {
        <section class="record-section" aria-labelledby="record-tickets-heading">
            <h3 id="record-tickets-heading">{format!("Tickets ({})", tickets.len())}</h3>
            {if tickets.is_empty() {
                view! { <p class="muted">"No tickets you can see."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain record-tickets">
                        {tickets.into_iter().map(|t| view! {
                            <li>
                                <A href=format!("/tickets/{}", t.id)>{t.name}</A>
                                <span class="muted">" · " {t.status_name} " · " {t.priority.label()} " · " {date(t.last_activity_at)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn ContactPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let saved = RwSignal::new(0u32);
    let record = Resource::new(move || (id.get(), saved.get()), |(id, _)| get_contact(id));
    let editable = can_edit();
    view! {
        <section class="ticket-pane record-pane" aria-labelledby="record-heading">
            <Transition fallback=|| view! { <p class="muted" role="status">"Opening the contact…"</p> }>
                {move || Suspend::new(async move {
                    let contact = match record.await {
                        Ok(contact) => contact,
                        Err(error) => return view! { <ErrorPanel error/> }.into_any(),
                    };
                    let editing = RwSignal::new(false);
                    let edit = ContactEdit {
                        name: contact.name.clone(),
                        email: contact.email.clone().unwrap_or_default(),
                        phone: contact.phone.clone().unwrap_or_default(),
                        company_id: contact.company_id.clone(),
                    };
                    let company = contact.company_id.clone().zip(contact.company_name.clone());
                    let contact_id = contact.id.clone();
                    view! {
                        <Title text=format!("{} · Switchboard", contact.name)/>
                        <header class="ticket-header">
                            <p class="muted">"Contact"</p>
                            <h2 id="record-heading">{contact.name.clone()}</h2>
                        </header>
                        <Show when=move || !editing.get() fallback=move || {
                            let (edit, company, contact_id) = (edit.clone(), company.clone(), contact_id.clone());
                            view! { <ContactForm id=contact_id edit company editing saved/> }
                        }>
                            <dl class="properties record-details">
                                <dt>"Email"</dt><dd>{contact.email.clone().unwrap_or_else(|| "None".into())}</dd>
                                <dt>"Phone"</dt><dd>{contact.phone.clone().unwrap_or_else(|| "None".into())}</dd>
                                <dt>"Company"</dt>
                                <dd>{match contact.company_id.clone().zip(contact.company_name.clone()) {
                                    Some((id, name)) => view! { <A href=format!("/companies/{id}")>{name}</A> }.into_any(),
                                    None => "None".into_any(),
                                }}</dd>
                            </dl>
                            {editable.then(|| view! {
                                <button type="button" class="button" on:click=move |_| editing.set(true)>"Edit contact"</button>
                            })}
                        </Show>
                        <RecordTickets tickets=contact.tickets.clone()/>
                    }.into_any()
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ContactForm(
    id: String,
    edit: ContactEdit,
    company: Option<(String, String)>,
    editing: RwSignal<bool>,
    saved: RwSignal<u32>,
) -> impl IntoView {
    let name = RwSignal::new(edit.name);
    let email = RwSignal::new(edit.email);
    let phone = RwSignal::new(edit.phone);
    let company = RwSignal::new(company);
    let save = Action::new(move |edit: &ContactEdit| update_contact(id.clone(), edit.clone()));
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            editing.set(false);
            saved.update(|n| *n += 1);
        }
    });
    let error = move || save.value().get().and_then(|r| r.err());
    let field_error = move |field: &'static str| move || error().and_then(|e| e.field_message(field));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(ContactEdit {
            name: name.get_untracked(),
            email: email.get_untracked(),
            phone: phone.get_untracked(),
            company_id: company.get_untracked().map(|(id, _)| id),
        });
    };
    view! {
        <form class="stack record-form" novalidate=true on:submit=submit aria-label="Edit contact">
            <div class="field">
                <label for="contact-name">"Name"</label>
                <input id="contact-name" prop:value=move || name.get() on:input:target=move |ev| name.set(ev.target().value())/>
                <p class="field-error" role="alert">{field_error("name")}</p>
            </div>
            <div class="field">
                <label for="contact-email">"Email"</label>
                <input id="contact-email" type="email" prop:value=move || email.get() on:input:target=move |ev| email.set(ev.target().value())/>
                <p class="field-error" role="alert">{field_error("email")}</p>
            </div>
            <div class="field">
                <label for="contact-phone">"Phone"</label>
                <input id="contact-phone" type="tel" prop:value=move || phone.get() on:input:target=move |ev| phone.set(ev.target().value())/>
                <p class="field-error" role="alert">{field_error("phone")}</p>
            </div>
            <div class="field">
                <SearchCombobox id="contact-company" label="Company" kind=SearchKind::Company
                    on_pick=move |hit: SearchHit| company.set(Some((hit.id, hit.label)))/>
                {move || company.get().map(|(_, label)| view! {
                    <ul class="chips" aria-label="Chosen company">
                        <li class="chip">
                            <span>{label.clone()}</span>
                            <button type="button" class="chip-remove" aria-label=format!("Remove {label}")
                                on:click=move |_| company.set(None)>"×"</button>
                        </li>
                    </ul>
                })}
                <p class="field-error" role="alert">{field_error("company")}</p>
            </div>
            <p class="form-error" role="alert">{move || error().filter(|e| !matches!(e, AppError::Validation { .. })).map(|e| e.to_string())}</p>
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save contact"</button>
                <button type="button" class="button subtle" on:click=move |_| editing.set(false)>"Cancel"</button>
            </div>
        </form>
    }
}

#[component]
pub fn CompanyPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let saved = RwSignal::new(0u32);
    let record = Resource::new(move || (id.get(), saved.get()), |(id, _)| get_company(id));
    let editable = can_edit();
    view! {
        <section class="ticket-pane record-pane" aria-labelledby="record-heading">
            <Transition fallback=|| view! { <p class="muted" role="status">"Opening the company…"</p> }>
                {move || Suspend::new(async move {
                    let company = match record.await {
                        Ok(company) => company,
                        Err(error) => return view! { <ErrorPanel error/> }.into_any(),
                    };
                    let editing = RwSignal::new(false);
                    let name = RwSignal::new(company.name.clone());
                    let domain = RwSignal::new(company.domain.clone().unwrap_or_default());
                    let company_id = company.id.clone();
                    let save = Action::new(move |edit: &CompanyEdit| update_company(company_id.clone(), edit.clone()));
                    Effect::new(move |_| {
                        if let Some(Ok(())) = save.value().get() {
                            editing.set(false);
                            saved.update(|n| *n += 1);
                        }
                    });
                    let error = move || save.value().get().and_then(|r| r.err());
                    let field_error = move |field: &'static str| move || error().and_then(|e| e.field_message(field));
                    let submit = move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        save.dispatch(CompanyEdit { name: name.get_untracked(), domain: domain.get_untracked() });
                    };
                    view! {
                        <Title text=format!("{} · Switchboard", company.name)/>
                        <header class="ticket-header">
                            <p class="muted">"Company"</p>
                            <h2 id="record-heading">{company.name.clone()}</h2>
                        </header>
                        <Show when=move || !editing.get() fallback=move || view! {
                            <form class="stack record-form" novalidate=true on:submit=submit aria-label="Edit company">
                                <div class="field">
                                    <label for="company-name">"Name"</label>
                                    <input id="company-name" prop:value=move || name.get() on:input:target=move |ev| name.set(ev.target().value())/>
                                    <p class="field-error" role="alert">{field_error("name")}</p>
                                </div>
                                <div class="field">
                                    <label for="company-domain">"Domain"</label>
                                    <input id="company-domain" prop:value=move || domain.get() on:input:target=move |ev| domain.set(ev.target().value())/>
                                    <p class="field-error" role="alert">{field_error("domain")}</p>
                                </div>
                                <div class="form-actions">
                                    <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save company"</button>
                                    <button type="button" class="button subtle" on:click=move |_| editing.set(false)>"Cancel"</button>
                                </div>
                            </form>
                        }>
                            <dl class="properties record-details">
                                <dt>"Domain"</dt><dd>{company.domain.clone().unwrap_or_else(|| "None".into())}</dd>
                            </dl>
                            {editable.then(|| view! {
                                <button type="button" class="button" on:click=move |_| editing.set(true)>"Edit company"</button>
                            })}
                        </Show>
                        <section class="record-section" aria-labelledby="record-contacts-heading">
                            <h3 id="record-contacts-heading">{format!("Contacts ({})", company.contacts.len())}</h3>
                            <ul class="plain">
                                {company.contacts.clone().into_iter().map(|c| view! {
                                    <li>
                                        <A href=format!("/contacts/{}", c.id)>{c.label}</A>
                                        {c.detail.map(|d| view! { <span class="muted">" · " {d}</span> })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        </section>
                        <RecordTickets tickets=company.tickets.clone()/>
                    }.into_any()
                })}
            </Transition>
        </section>
    }
}
