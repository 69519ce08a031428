//! The contact and company record pages, shown in the workspace's main pane: details (edited
//! in place by help desk seats and admins), a company's contacts, and the tickets the user
//! may see.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::api::{more_record_tickets, update_company, update_contact};
use super::model::{
    CompanyEdit, CompanyRecord, ContactEdit, ContactRecord, RecordConversation, RecordKind, SearchHit, MAX_EMAILS,
};
use super::ui::CompanyPicker;
use crate::error::AppError;
use crate::format::date;
use crate::kit::lazy::{or_failed, split_view};
use crate::kit::ErrorPanel;
use crate::tickets::model::{can_edit_tickets, Cursor, TicketSummary};
use crate::workspace::ui::WorkspaceData;

fn can_edit() -> bool {
    use_context::<crate::auth::model::CurrentUser>().is_some_and(|u| can_edit_tickets(u.role))
}

/// The record's tickets, each a link into the workspace, a page at a time: "Load more
/// tickets" appends the next.
#[component]
fn RecordTickets(tickets: Vec<TicketSummary>, next: Option<Cursor>, kind: RecordKind, id: String) -> impl IntoView {
    let shown = RwSignal::new(tickets);
    let next = RwSignal::new(next);
    let more = Action::new(move |after: &Cursor| more_record_tickets(kind, id.clone(), after.clone()));
    Effect::new(move |_| {
        if let Some(Ok(page)) = more.value().get() {
            shown.update(|tickets| tickets.extend(page.tickets));
            next.set(page.next);
        }
    });
    let error = move || more.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    let heading = move || {
        let more = if next.read().is_some() { "+" } else { "" };
        format!("Tickets ({}{more})", shown.read().len())
    };
    view! {
        <section class="record-section" aria-labelledby="record-tickets-heading">
            <h3 id="record-tickets-heading">{heading}</h3>
            {move || if shown.read().is_empty() {
                view! { <p class="muted">"No tickets you can see."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain record-tickets">
                        {shown.get().into_iter().map(|t| view! {
                            <li>
                                <A href=format!("/tickets/{}", t.id)>{t.name}</A>
                                <span class="muted">" · " {t.status_name} " · " {t.priority.label()} " · " {date(t.last_activity_at)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <Show when=move || next.read().is_some()>
                <button type="button" class="button" disabled=move || more.pending().get()
                    on:click=move |_| if let Some(after) = next.get_untracked() { more.dispatch(after); }>
                    {move || if more.pending().get() { "Loading more tickets…" } else { "Load more tickets" }}
                </button>
            </Show>
            <p class="form-error" role="alert">{error}</p>
        </section>
    }
}

/// The record's conversations: ticket, channel, who, when, and the latest message.
#[component]
fn RecordConversations(conversations: Vec<RecordConversation>) -> impl IntoView {
    view! {
        <section class="record-section" aria-labelledby="record-conversations-heading">
            <h3 id="record-conversations-heading">{format!("Conversations ({})", conversations.len())}</h3>
            {if conversations.is_empty() {
                view! { <p class="muted">"No conversations you can see."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain record-conversations">
                        {conversations.into_iter().map(|c| {
                            let when = date(c.last_message_at.unwrap_or(c.started_at));
                            let channel = c.channel_label();
                            let messages = match c.messages {
                                1 => "1 message".to_string(),
                                n => format!("{n} messages"),
                            };
                            view! {
                                <li>
                                    <A href=format!("/tickets/{}", c.ticket_id)>{c.ticket_name.clone()}</A>
                                    <span class="muted">
                                        " · " {channel}
                                        {c.contact_name.clone().map(|name| format!(" with {name}"))}
                                        " · " {messages} " · " {when}
                                    </span>
                                    {c.last_message.clone().map(|text| view! { <p class="excerpt">{text}</p> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn ContactPage() -> impl IntoView {
    let record = expect_context::<WorkspaceData>().contact;
    let editable = can_edit();
    let retry = RwSignal::new(0u32);
    view! {
        <section class="ticket-pane record-pane" aria-labelledby="record-heading">
            <Transition fallback=|| view! { <p class="muted" role="status">"Opening the contact…"</p> }>
                {move || {
                    retry.track();
                    Suspend::new(async move {
                        match record.await.unwrap_or(Err(AppError::NotFound)) {
                            Ok(contact) => or_failed(contact_record(contact, record, editable).await, retry),
                            Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

/// One address row of the contact form; `key` keeps rows apart while they move.
#[derive(Clone, Copy)]
struct EmailRow {
    key: u32,
    value: RwSignal<String>,
}

#[component]
fn ContactForm(
    id: String,
    edit: ContactEdit,
    company: Option<SearchHit>,
    editing: RwSignal<bool>,
    on_saved: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let name = RwSignal::new(edit.name);
    let next_key = StoredValue::new(0u32);
    let new_row = move |value: String| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        EmailRow {
            key,
            value: RwSignal::new(value),
        }
    };
    let mut first_rows: Vec<EmailRow> = edit.emails.into_iter().map(new_row).collect();
    if first_rows.is_empty() {
        first_rows.push(new_row(String::new()));
    }
    let emails = RwSignal::new(first_rows);
    let phone = RwSignal::new(edit.phone);
    let company = RwSignal::new(company);
    let save = Action::new(move |edit: &ContactEdit| update_contact(id.clone(), edit.clone()));
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            editing.set(false);
            on_saved();
        }
    });
    let error = move || save.value().get().and_then(|r| r.err());
    let field_error = move |field: &'static str| move || error().and_then(|e| e.field_message(field));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(ContactEdit {
            name: name.get_untracked(),
            emails: emails
                .get_untracked()
                .iter()
                .map(|row| row.value.get_untracked())
                .collect(),
            phone: phone.get_untracked(),
            company_id: company.get_untracked().map(|hit| hit.id),
        });
    };
    let position = move |key: u32| emails.with(|rows| rows.iter().position(|row| row.key == key).unwrap_or(0));
    let label = move |key: u32| match position(key) {
        0 => "Primary email".to_string(),
        n => format!("Other email {n}"),
    };
    let add = move |_| {
        let row = new_row(String::new());
        emails.update(|rows| rows.push(row));
        crate::kit::focus_by_id(format!("contact-email-{}", row.key));
    };
    view! {
        <form class="stack record-form" novalidate=true on:submit=submit aria-label="Edit contact">
            <div class="field">
                <label for="contact-name">"Name"</label>
                <input id="contact-name" prop:value=move || name.get() on:input:target=move |ev| name.set(ev.target().value())/>
                <p class="field-error" role="alert">{field_error("name")}</p>
            </div>
            <fieldset class="field email-list">
                <legend>"Email addresses"</legend>
                <p class="hint">"Replies go to the primary address. Mail from any of them reaches this contact."</p>
                <For each=move || emails.get() key=|row| row.key let:row>
                    <div class="email-row">
                        <label for=format!("contact-email-{}", row.key)>{move || label(row.key)}</label>
                        <input id=format!("contact-email-{}", row.key) type="email" autocomplete="off"
                            prop:value=move || row.value.get() on:input:target=move |ev| row.value.set(ev.target().value())/>
                        <div class="row-actions">
                            <Show when=move || { position(row.key) > 0 }>
                                <button type="button" class="button subtle" aria-label=move || format!("Make {} primary", label(row.key).to_lowercase())
                                    on:click=move |_| emails.update(|rows| {
                                        if let Some(at) = rows.iter().position(|r| r.key == row.key) {
                                            let moved = rows.remove(at);
                                            rows.insert(0, moved);
                                        }
                                    })>"Make primary"</button>
                            </Show>
                            <button type="button" class="button subtle" aria-label=move || format!("Remove {}", label(row.key).to_lowercase())
                                on:click=move |_| emails.update(|rows| rows.retain(|r| r.key != row.key))>"Remove"</button>
                        </div>
                    </div>
                </For>
                <button type="button" class="button" disabled=move || { emails.with(Vec::len) >= MAX_EMAILS } on:click=add>
                    "Add email address"
                </button>
                <p class="field-error" role="alert">{field_error("emails")}</p>
            </fieldset>
            <div class="field">
                <label for="contact-phone">"Phone"</label>
                <input id="contact-phone" type="tel" prop:value=move || phone.get() on:input:target=move |ev| phone.set(ev.target().value())/>
                <p class="field-error" role="alert">{field_error("phone")}</p>
            </div>
            <div class="field">
                <CompanyPicker id="contact-company" company/>
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
    let record = expect_context::<WorkspaceData>().company;
    let editable = can_edit();
    let retry = RwSignal::new(0u32);
    view! {
        <section class="ticket-pane record-pane" aria-labelledby="record-heading">
            <Transition fallback=|| view! { <p class="muted" role="status">"Opening the company…"</p> }>
                {move || {
                    retry.track();
                    Suspend::new(async move {
                        match record.await.unwrap_or(Err(AppError::NotFound)) {
                            Ok(company) => or_failed(company_record(company, record, editable).await, retry),
                            Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

/// Records are a chunk of their own (`crate::kit::lazy`): an agent opens them now and then,
/// tickets all day. A directly loaded record page hydrates once the chunk is in.
type ContactResource = crate::wire::Res<Option<Result<ContactRecord, AppError>>>;
type CompanyResource = crate::wire::Res<Option<Result<CompanyRecord, AppError>>>;

/// The contact and company pages' chunk.
pub const CHUNK: crate::kit::lazy::Chunk = crate::kit::lazy::Chunk {
    name: "records",
    path_prefixes: &["/contacts/", "/companies/"],
    preloads: &[|| Box::pin(preload_records()), || Box::pin(preload_company_record())],
};

split_view! { records, preload = preload_records;
pub(crate) fn contact_record(contact: ContactRecord, record: ContactResource, editable: bool) {
    let editing = RwSignal::new(false);
    let edit = ContactEdit {
        name: contact.name.clone(),
        emails: contact.emails.clone(),
        phone: contact.phone.clone().unwrap_or_default(),
        company_id: contact.company_id.clone(),
    };
    let company = contact.company_id.clone().zip(contact.company_name.clone())
        .map(|(id, label)| SearchHit {
            id,
            label,
            detail: None,
            email: None,
        });
    let contact_id = contact.id.clone();
    let send_email = editable.then(|| (contact.id.clone(), contact.emails.clone()));
    view! {
        <Title text=format!("{} · Switchboard", contact.name)/>
        <header class="ticket-header">
            <p class="muted">"Contact"</p>
            <h2 id="record-heading">{contact.name.clone()}</h2>
        </header>
        <Show when=move || !editing.get() fallback=move || {
            let (edit, company, contact_id) = (edit.clone(), company.clone(), contact_id.clone());
            view! { <ContactForm id=contact_id edit company editing on_saved=move || record.refetch()/> }
        }>
            <dl class="properties record-details">
                <dt>"Email addresses"</dt>
                <dd>{if contact.emails.is_empty() {
                    "None".into_any()
                } else {
                    view! {
                        <ul class="plain">
                            {contact.emails.iter().enumerate().map(|(i, email)| view! {
                                <li>{email.clone()}{(i == 0 && contact.emails.len() > 1).then_some(" (primary)")}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}</dd>
                <dt>"Phone"</dt><dd>{contact.phone.clone().unwrap_or_else(|| "None".into())}</dd>
                <dt>"Company"</dt>
                <dd>{match contact.company_id.clone().zip(contact.company_name.clone()) {
                    Some((id, name)) => view! { <A href=format!("/companies/{id}")>{name}</A> }.into_any(),
                    None => "None".into_any(),
                }}</dd>
            </dl>
            {editable.then(|| view! {
                <div class="form-actions">
                    <button type="button" class="button" on:click=move |_| editing.set(true)>"Edit contact"</button>
                </div>
            })}
        </Show>
        {send_email.map(|(contact_id, emails)| view! { <SendEmail contact_id emails/> })}
        <RecordTickets tickets=contact.tickets.clone() next=contact.tickets_next.clone() kind=RecordKind::Contact id=contact.id.clone()/>
        <RecordConversations conversations=contact.conversations.clone()/>
    }
}
}

split_view! { records, preload = preload_company_record;
pub(crate) fn company_record(company: CompanyRecord, record: CompanyResource, editable: bool) {
    let editing = RwSignal::new(false);
    let name = RwSignal::new(company.name.clone());
    let domain = RwSignal::new(company.domain.clone().unwrap_or_default());
    let company_id = company.id.clone();
    let save = Action::new(move |edit: &CompanyEdit| update_company(company_id.clone(), edit.clone()));
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            editing.set(false);
            record.refetch();
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
        <RecordTickets tickets=company.tickets.clone() next=company.tickets_next.clone() kind=RecordKind::Company id=company.id.clone()/>
        <RecordConversations conversations=company.conversations.clone()/>
    }
}
}

/// "Send email" on a contact's page (MISSION C2): From a connected address, To one of the
/// contact's addresses, a subject (the new ticket's name) and the message. Sending opens
/// the ticket, whose conversation then goes on like any other; the agent lands on it.
#[component]
fn SendEmail(contact_id: String, emails: Vec<String>) -> impl IntoView {
    use crate::conversations::model::NewEmail;
    let open = RwSignal::new(false);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(emails.first().cloned().unwrap_or_default());
    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let addresses = LocalResource::new(move || {
        let wanted = open.get();
        async move {
            if wanted {
                crate::channels::email::api::sending_addresses().await
            } else {
                Ok(Vec::new())
            }
        }
    });
    let send = Action::new(move |email: &NewEmail| crate::conversations::api::email_contact(email.clone()));
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(ticket)) = send.value().get() {
            navigate(&format!("/tickets/{ticket}"), Default::default());
        }
    });
    let error = move |field: &'static str| {
        move || {
            send.value()
                .get()
                .and_then(|r| r.err())
                .and_then(|e| e.field_message(field))
        }
    };
    let other = move || {
        send.value()
            .get()
            .and_then(|r| r.err())
            .filter(|e| !matches!(e, AppError::Validation { .. }))
            .map(|e| e.to_string())
    };
    let contact = StoredValue::new(contact_id);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send.dispatch(NewEmail {
            contact_id: contact.get_value(),
            from_channel_id: from.get_untracked(),
            to: to.get_untracked(),
            subject: subject.get_untracked(),
            body_text: body.get_untracked(),
        });
    };
    view! {
        <Show when=move || open.get() fallback=move || view! {
            <button type="button" class="button primary" on:click=move |_| open.set(true)>"Send email"</button>
        }>
            <form class="stack settings-form" aria-label="Send email" novalidate=true on:submit=submit>
                <h3>"New email"</h3>
                <div class="field">
                    <label for="new-email-from">"From"</label>
                    <select id="new-email-from" on:change:target=move |ev| from.set(ev.target().value())>
                        {move || match addresses.get() {
                            None => view! { <option value="">"Loading addresses…"</option> }.into_any(),
                            Some(Err(error)) => view! { <option value="">{error.to_string()}</option> }.into_any(),
                            Some(Ok(list)) if list.is_empty() => view! {
                                <option value="">"No address is connected for your team"</option>
                            }.into_any(),
                            Some(Ok(list)) => {
                                if from.get_untracked().is_empty() {
                                    from.set(list[0].id.clone());
                                }
                                list.into_iter().map(|a| {
                                    let id = a.id.clone();
                                    view! { <option value=a.id.clone() selected=move || from.get() == id>{a.label()}</option> }
                                }).collect_view().into_any()
                            }
                        }}
                    </select>
                    <p class="field-error" role="alert">{error("from")}</p>
                </div>
                <div class="field">
                    <label for="new-email-to">"To"</label>
                    <select id="new-email-to" on:change:target=move |ev| to.set(ev.target().value())>
                        {emails.iter().map(|email| {
                            let value = email.clone();
                            view! { <option value=email.clone() selected=move || to.get() == value>{email.clone()}</option> }
                        }).collect_view()}
                    </select>
                    <p class="field-error" role="alert">{error("to")}</p>
                </div>
                <div class="field">
                    <label for="new-email-subject">"Subject"</label>
                    <input id="new-email-subject" type="text" maxlength="300" prop:value=move || subject.get()
                        on:input:target=move |ev| subject.set(ev.target().value())/>
                    <p class="field-help">"It also names the new ticket."</p>
                    <p class="field-error" role="alert">{error("subject")}</p>
                </div>
                <div class="field">
                    <label for="new-email-body">"Message"</label>
                    <textarea id="new-email-body" rows="8" prop:value=move || body.get()
                        on:input:target=move |ev| body.set(ev.target().value())></textarea>
                    <p class="field-error" role="alert">{error("body")}</p>
                </div>
                <p class="form-error" role="alert">{other}</p>
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || send.pending().get()>
                        {move || if send.pending().get() { "Sending…" } else { "Send" }}
                    </button>
                    <button type="button" class="button subtle" on:click=move |_| open.set(false)>"Cancel"</button>
                </div>
            </form>
        </Show>
    }
}
