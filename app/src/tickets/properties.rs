//! The ticket's properties in the sidebar, edited in place (status, owner, priority), and
//! its history of changes.

use leptos::prelude::*;

use super::api::{list_assignees, set_ticket_owner, set_ticket_priority, set_ticket_status};
use super::model::{HistoryEntry, Priority, Ticket};
use crate::error::AppError;
use crate::format::date_time;
use crate::pipelines::api::list_pipelines;

/// Read-only for service access; selects that save on change for everyone else.
#[component]
pub fn TicketProperties(ticket: Ticket, editable: bool, #[prop(into)] on_changed: Callback<()>) -> impl IntoView {
    let id = ticket.id.clone();
    let edit = Action::new(move |change: &(String, String)| {
        let (field, value) = change.clone();
        let id = id.clone();
        async move {
            match field.as_str() {
                "status" => set_ticket_status(id, value).await,
                "owner" => set_ticket_owner(id, Some(value)).await,
                _ => match Priority::parse(&value) {
                    Some(priority) => set_ticket_priority(id, priority).await,
                    None => Err(AppError::validation("priority", "Choose a priority.")),
                },
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = edit.value().get() {
            on_changed.run(());
        }
    });
    let error = move || edit.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    let fixed = view! {
        <dt>"Pipeline"</dt><dd>{ticket.pipeline_name.clone()}</dd>
        <dt>"Team"</dt><dd>{ticket.team_name.clone().unwrap_or_else(|| "None".to_string())}</dd>
        <dt>"Source"</dt><dd>{ticket.source.label()}</dd>
        <dt>"Last activity"</dt><dd>{date_time(ticket.last_activity_at)}</dd>
    };
    if !editable {
        return view! {
            <dl class="properties">
                <dt>"Ticket status"</dt><dd>{ticket.status_name.clone()}</dd>
                <dt>"Ticket owner"</dt><dd>{ticket.owner_name.clone().unwrap_or_else(|| "Unassigned".to_string())}</dd>
                <dt>"Priority"</dt><dd>{ticket.priority.label()}</dd>
                {fixed}
            </dl>
        }
        .into_any();
    }
    let pipelines = Resource::new(|| (), |_| list_pipelines());
    let assignees = Resource::new(|| (), |_| list_assignees());
    let (pipeline_id, status_id, owner_id, priority) = (
        ticket.pipeline_id.clone(),
        ticket.status_id.clone(),
        ticket.owner_id.clone().unwrap_or_default(),
        ticket.priority,
    );
    view! {
        <div class="stack editable-properties">
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || {
                    let (pipeline_id, status_id, owner_id) = (pipeline_id.clone(), status_id.clone(), owner_id.clone());
                    Suspend::new(async move {
                        let statuses = pipelines.await.unwrap_or_default().into_iter()
                            .find(|p| p.id == pipeline_id).map(|p| p.statuses).unwrap_or_default();
                        let people = assignees.await.unwrap_or_default();
                        view! {
                            <div class="field">
                                <label for="ticket-status">"Ticket status"</label>
                                <select id="ticket-status" disabled=move || edit.pending().get()
                                    on:change:target=move |ev| { edit.dispatch(("status".into(), ev.target().value())); }>
                                    {statuses.into_iter().map(|s| view! {
                                        <option value=s.id.clone() selected=s.id == status_id>{s.name}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label for="ticket-owner">"Ticket owner"</label>
                                <select id="ticket-owner" disabled=move || edit.pending().get()
                                    on:change:target=move |ev| { edit.dispatch(("owner".into(), ev.target().value())); }>
                                    <option value="" selected=owner_id.is_empty()>"Unassigned"</option>
                                    {people.into_iter().map(|a| view! {
                                        <option value=a.id.clone() selected=a.id == owner_id>{a.name}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                        }
                    })
                }}
            </Suspense>
            <div class="field">
                <label for="ticket-priority">"Priority"</label>
                <select id="ticket-priority" disabled=move || edit.pending().get()
                    on:change:target=move |ev| { edit.dispatch(("priority".into(), ev.target().value())); }>
                    {Priority::ALL.into_iter().map(|p| view! {
                        <option value=p.as_str() selected=p == priority>{p.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <p class="form-error" role="alert">{error}</p>
            <dl class="properties">{fixed}</dl>
        </div>
    }
    .into_any()
}

/// Who changed what and when, newest first.
#[component]
pub fn TicketHistory(history: Vec<HistoryEntry>) -> impl IntoView {
    view! {
        <ol class="plain history">
            {history.into_iter().map(|h| {
                let what = if h.field == "created" {
                    "created the ticket".to_string()
                } else {
                    format!(
                        "changed {} from {} to {}",
                        h.field,
                        h.old_value.unwrap_or_else(|| "none".into()),
                        h.new_value.unwrap_or_else(|| "none".into())
                    )
                };
                view! {
                    <li><strong>{h.who}</strong> " " {what} <br/><span class="muted">{date_time(h.at)}</span></li>
                }
            }).collect_view()}
        </ol>
    }
}
