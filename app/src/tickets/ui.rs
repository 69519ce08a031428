//! The ticket list of the selected view, and the open ticket with its context sidebar.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use super::api::list_tickets;
use super::model::*;
use crate::conversations::composer::Composer;
use crate::conversations::ui::ConversationThread;
use crate::format::{date, date_time};
use crate::kit::ErrorPanel;

/// The open ticket's id, read from the path so the list can mark it.
fn open_ticket_id() -> Memo<Option<String>> {
    let location = use_location();
    Memo::new(move |_| {
        location
            .pathname
            .read()
            .strip_prefix("/tickets/")
            .map(|id| id.trim_end_matches('/').to_string())
    })
}

/// The address of the list's state: `view=<slug>` and any sort and filters.
pub(crate) fn list_search(view: ViewKey, query: &ListQuery) -> String {
    let mut search = format!("view={}", view.slug());
    for (key, value) in query.to_pairs() {
        search.push_str(&format!("&{key}={}", crate::kit::urlencode(&value)));
    }
    search
}

#[component]
pub fn TicketList(view: Memo<ViewKey>, query: Memo<ListQuery>) -> impl IntoView {
    let changed = expect_context::<crate::kit::Changed>();
    let first_page = expect_context::<crate::workspace::ui::WorkspaceData>().first_page;
    // Pages after the first, appended by "Load more"; cleared when the view changes.
    let later = RwSignal::new(Vec::<TicketSummary>::new());
    let later_next = RwSignal::new(None::<Option<Cursor>>);
    Effect::new(move |_| {
        view.track();
        query.track();
        changed.0.track();
        later.set(Vec::new());
        later_next.set(None);
    });
    let load_more = Action::new(move |cursor: &Cursor| {
        list_tickets(Some(view.get_untracked()), query.get_untracked(), Some(cursor.clone()))
    });
    Effect::new(move |_| {
        if let Some(Ok(page)) = load_more.value().get() {
            later.update(|tickets| tickets.extend(page.tickets));
            later_next.set(Some(page.next));
        }
    });
    let selected = open_ticket_id();

    view! {
        <section class="ticket-list" aria-labelledby="ticket-list-heading">
            <h2 id="ticket-list-heading" class="panel-heading">{move || view.get().label()}</h2>
            <super::filters::ListControls view query/>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading tickets…"</p> }>
                {move || Suspend::new(async move {
                    match first_page.await {
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        Ok(page) if page.tickets.is_empty() => view! {
                            <p class="empty-state">{if query.get_untracked().is_filtered() {
                                "No tickets in this view match the filters. Clear them to see the whole view."
                            } else {
                                view.get_untracked().empty_message()
                            }}</p>
                        }.into_any(),
                        Ok(page) => {
                            let first_next = page.next.clone();
                            let next = move || later_next.get().unwrap_or_else(|| first_next.clone());
                            let search = list_search(view.get_untracked(), &query.get_untracked());
                            let search_for_later = search.clone();
                            view! {
                                <ul class="tickets">
                                    {page.tickets.into_iter().map(|t| view! { <TicketRow ticket=t search=search.clone() selected/> }).collect_view()}
                                    <For each=move || later.get() key=|t| t.id.clone() let:ticket>
                                        <TicketRow ticket search=search_for_later.clone() selected/>
                                    </For>
                                </ul>
                                {move || next().map(|cursor| view! {
                                    <button type="button" class="button subtle load-more"
                                        disabled=move || load_more.pending().get()
                                        on:click=move |_| { load_more.dispatch(cursor.clone()); }>
                                        {move || if load_more.pending().get() { "Loading…" } else { "Load more" }}
                                    </button>
                                })}
                                {move || load_more.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorPanel error/> })}
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TicketRow(ticket: TicketSummary, search: String, selected: Memo<Option<String>>) -> impl IntoView {
    let href = format!("/tickets/{}?{search}", ticket.id);
    let id = ticket.id.clone();
    let is_selected = Signal::derive(move || selected.read().as_deref() == Some(id.as_str()));
    let who = ticket
        .contact_name
        .clone()
        .or(ticket.company_name.clone())
        .unwrap_or_else(|| "No contact".to_string());
    view! {
        <li class="ticket-row" class:selected=is_selected>
            // A plain anchor (the router still handles the click): `<A attr:...>` kept this
            // closure alive after the row was replaced, and it then read a disposed signal.
            <a href=href aria-current=move || is_selected.get().then_some("page")>
                <span class="ticket-name">{ticket.name.clone()}</span>
                <span class="ticket-meta">
                    <span>{who}</span>
                    <span class=format!("priority priority-{}", ticket.priority.as_str())>{ticket.priority.label()}</span>
                </span>
                <span class="ticket-meta">
                    <span>
                        <span class="ticket-number">{format!("#{}", ticket.number)}</span> " "
                        <span class="status" class:closed=!ticket.is_open>{ticket.status_name.clone()}</span>
                    </span>
                    <span>{date(ticket.last_activity_at)}</span>
                </span>
            </a>
        </li>
    }
}

/// The open ticket: its conversation in the middle, its context on the right (MISSION R1).
#[component]
pub fn TicketPane() -> impl IntoView {
    let detail = expect_context::<crate::workspace::ui::WorkspaceData>().ticket;
    let changed = expect_context::<crate::kit::Changed>();
    // After an edit in the sidebar: the ticket again, and the views and their counts.
    let on_changed = Callback::new(move |()| {
        detail.refetch();
        changed.bump();
    });
    let retry = RwSignal::new(0u32);
    view! {
        <Transition fallback=|| view! { <section class="ticket-pane"><p class="muted" role="status">"Opening the ticket…"</p></section> }>
            {move || { retry.track(); Suspend::new(async move {
                match detail.await.unwrap_or(Err(crate::error::AppError::NotFound)) {
                    Ok(detail) => ticket_view(detail, on_changed).await.unwrap_or_else(|_| view! {
                        <section class="ticket-pane" aria-label="Ticket"><crate::kit::lazy::ChunkFailed retry/></section>
                    }.into_any()),
                    Err(error) => view! {
                        <section class="ticket-pane" aria-label="Ticket">
                            <ErrorPanel error/>
                            <a href="/">"Back to the workspace"</a>
                        </section>
                    }.into_any(),
                }
            })}}
        </Transition>
    }
}

/// The open ticket's chunk: its conversations, reply place and sidebar.
pub const CHUNK: crate::kit::lazy::Chunk = crate::kit::lazy::Chunk {
    name: "ticket",
    path_prefixes: &["/tickets/"],
    preloads: &[|| Box::pin(preload_ticket())],
};

crate::kit::lazy::split_view! { ticket, preload = preload_ticket;
    /// The open ticket's view is a chunk of its own (`crate::kit::lazy`): the workspace is
    /// interactive before it arrives, and a directly loaded ticket hydrates once it is in.
    pub(crate) fn ticket_view(detail: TicketDetail, on_changed: Callback<()>) {
        view! { <TicketView detail on_changed/> }
    }
}

#[component]
fn TicketView(detail: TicketDetail, on_changed: Callback<()>) -> impl IntoView {
    let TicketDetail {
        ticket,
        company,
        contacts,
        conversations,
        previous_conversations,
        history,
        properties,
        drafts,
        senders,
    } = detail;
    let title = format!("{} · #{} · Switchboard", ticket.name, ticket.number);
    let editable = use_context::<crate::auth::model::CurrentUser>().is_some_and(|u| can_edit_tickets(u.role));
    // The composer's "More send options": the statuses of the ticket's pipeline, and the
    // properties a conditional one asks for.
    let lookups = use_context::<super::properties::SidebarLookups>();
    let pipeline_id = ticket.pipeline_id.clone();
    let statuses = Signal::derive(move || {
        lookups
            .and_then(|l| l.pipelines.get())
            .and_then(|r| r.ok())
            .and_then(|list| list.into_iter().find(|p| p.id == pipeline_id))
            .map(|p| p.statuses)
            .unwrap_or_default()
    });
    let all_properties = Signal::derive(move || {
        lookups
            .and_then(|l| l.properties.get())
            .and_then(|r| r.ok())
            .unwrap_or_default()
    });
    view! {
        <Title text=title/>
        <section class="ticket-pane" aria-labelledby="ticket-heading">
            <header class="ticket-header">
                <h2 id="ticket-heading">{ticket.name.clone()}</h2>
                <p class="muted">
                    <span class="ticket-number">{format!("#{}", ticket.number)}</span> " · "
                    {ticket.pipeline_name.clone()} " · " {ticket.status_name.clone()} " · created "
                    {date_time(ticket.created_at)}
                </p>
            </header>
            {(!ticket.description.is_empty()).then(|| view! { <p class="ticket-description">{ticket.description.clone()}</p> })}
            {if conversations.is_empty() {
                view! { <AddContact ticket_id=ticket.id.clone() editable on_changed/> }.into_any()
            } else {
                conversations.into_iter().map(|c| {
                    let replying_to = RwSignal::new(None::<String>);
                    let seen = crate::conversations::composer::Seen {
                        status_id: ticket.status_id.clone(),
                        last_message_id: c.messages.last().map(|m| m.id.clone()),
                    };
                    let saved = drafts.iter().find(|d| d.conversation_id == c.id).cloned();
                    let senders = senders.clone();
                    view! {
                        <ConversationThread conversation=c.clone() replying_to can_reply=editable on_changed/>
                        {editable.then(|| view! {
                            <Composer conversation=c seen saved senders statuses properties=all_properties replying_to on_changed/>
                        })}
                    }
                }).collect_view().into_any()
            }}
        </section>
        <TicketSidebar ticket company contacts previous_conversations history properties on_changed/>
    }
}

/// A ticket created by hand has no conversation: "Add contact" picks or creates a contact,
/// which starts the conversation with them.
#[component]
fn AddContact(ticket_id: String, editable: bool, on_changed: Callback<()>) -> impl IntoView {
    let adding = RwSignal::new(false);
    let start =
        Action::new(move |contact_id: &String| super::api::start_conversation(ticket_id.clone(), contact_id.clone()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = start.value().get() {
            on_changed.run(());
        }
    });
    let error = move || start.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    view! {
        <div class="empty-state stack">
            <p>"This ticket has no conversation yet. It was created by hand; add a contact to start one."</p>
            {editable.then(|| view! {
                <Show when=move || adding.get() fallback=move || view! {
                    <button type="button" class="button primary" on:click=move |_| adding.set(true)>"Add contact"</button>
                }>
                    <div class="add-contact">
                        <crate::contacts::ui::SearchCombobox id="add-contact" label="Contact"
                            kind=crate::contacts::ui::SearchKind::Contact allow_create=true
                            on_pick=move |hit: crate::contacts::model::SearchHit| { start.dispatch(hit.id); }/>
                        <p class="muted" role="status">{move || start.pending().get().then_some("Starting the conversation…")}</p>
                    </div>
                </Show>
            })}
            <p class="form-error" role="alert">{error}</p>
        </div>
    }
}

#[component]
fn TicketSidebar(
    ticket: Ticket,
    company: Option<CompanyRef>,
    contacts: Vec<ContactRef>,
    previous_conversations: Vec<PreviousConversation>,
    history: Vec<HistoryEntry>,
    properties: Vec<crate::properties::model::PropertyValue>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let editable = use_context::<crate::auth::model::CurrentUser>().is_some_and(|u| can_edit_tickets(u.role));
    view! {
        <aside class="context-sidebar" aria-label="Ticket context">
            <section class="sidebar-card">
                <h3>"Ticket"</h3>
                <super::properties::TicketProperties ticket values=properties editable on_changed/>
            </section>
            <section class="sidebar-card">
                <h3>"Contacts"</h3>
                {if contacts.is_empty() {
                    view! { <p class="muted">"No contact associated."</p> }.into_any()
                } else {
                    view! {
                        <ul class="plain">
                            {contacts.into_iter().map(|c| view! {
                                <li>
                                    <A href=format!("/contacts/{}", c.id)><strong>{c.name}</strong></A>
                                    {c.email.map(|e| view! { <br/><span class="muted">{e}</span> })}
                                    {c.phone.map(|p| view! { <br/><span class="muted">{p}</span> })}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <section class="sidebar-card">
                <h3>"Company"</h3>
                {match company {
                    Some(c) => view! {
                        <p><A href=format!("/companies/{}", c.id)><strong>{c.name}</strong></A>{c.domain.map(|d| view! { <br/><span class="muted">{d}</span> })}</p>
                    }.into_any(),
                    None => view! { <p class="muted">"No company associated."</p> }.into_any(),
                }}
            </section>
            <section class="sidebar-card">
                <h3>"Previous conversations"</h3>
                {if previous_conversations.is_empty() {
                    view! { <p class="muted">"No earlier conversations with these contacts."</p> }.into_any()
                } else {
                    view! {
                        <ul class="plain">
                            {previous_conversations.into_iter().map(|p| view! {
                                <li>
                                    <A href=format!("/tickets/{}", p.ticket_id)>{p.ticket_name}</A>
                                    <br/>
                                    <span class="muted">{p.channel.label()} " · " {p.status_name} " · " {date(p.created_at)}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <section class="sidebar-card">
                <h3>"History"</h3>
                <super::properties::TicketHistory history/>
            </section>
        </aside>
    }
}
