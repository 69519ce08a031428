//! The ticket's properties in the sidebar, edited in place (status, owner, priority, custom
//! properties; a move into a status that requires properties asks for them right there),
//! and its history of changes.

use leptos::prelude::*;

use super::api::{list_assignees, set_ticket_owner, set_ticket_priority, set_ticket_property, set_ticket_status};
use super::model::{HistoryEntry, Priority, Ticket};
use crate::error::AppError;
use crate::format::date_time;
use crate::kit::field::Field;
use crate::pipelines::api::list_pipelines;
use crate::pipelines::model::Status;
use crate::properties::api::list_properties;
use crate::properties::model::{Property, PropertyValue};

/// What the sidebar looks up besides the ticket. Created by the ticket pane before it awaits
/// anything: resources created inside an already-resolving `Suspend` were the cause of a
/// directly loaded ticket page failing to hydrate.
#[derive(Clone, Copy)]
pub struct SidebarLookups {
    pub pipelines: crate::wire::Res<Result<Vec<crate::pipelines::model::Pipeline>, AppError>>,
    pub assignees: crate::wire::Res<Result<Vec<super::model::Assignee>, AppError>>,
    pub properties: crate::wire::Res<Result<Vec<Property>, AppError>>,
}

impl SidebarLookups {
    pub fn load() -> SidebarLookups {
        SidebarLookups {
            pipelines: crate::wire::resource(|| (), |_| list_pipelines()),
            assignees: crate::wire::resource(|| (), |_| list_assignees()),
            properties: crate::wire::resource(|| (), |_| list_properties()),
        }
    }
}

/// One edit the sidebar sends.
#[derive(Clone)]
enum Change {
    Status(String, Vec<PropertyValue>),
    Owner(String),
    Priority(String),
    Property(String, String),
}

/// Read-only for service access; controls that save on change for everyone else.
#[component]
pub fn TicketProperties(
    ticket: Ticket,
    values: Vec<PropertyValue>,
    editable: bool,
    #[prop(into)] on_changed: Callback<()>,
) -> impl IntoView {
    let id = ticket.id.clone();
    let edit = Action::new(move |change: &Change| {
        let (change, id) = (change.clone(), id.clone());
        async move {
            match change {
                Change::Status(status, values) => set_ticket_status(id, status, values).await,
                Change::Owner(owner) => set_ticket_owner(id, Some(owner)).await,
                Change::Priority(value) => match Priority::parse(&value) {
                    Some(priority) => set_ticket_priority(id, priority).await,
                    None => Err(AppError::validation("priority", "Choose a priority.")),
                },
                Change::Property(property, value) => set_ticket_property(id, property, value).await,
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = edit.value().get() {
            on_changed.run(());
        }
    });
    let server_error = move || edit.value().get().and_then(|r| r.err());
    let error = move || server_error().map(|e| e.to_string());
    let SidebarLookups {
        pipelines,
        assignees,
        properties,
    } = expect_context::<SidebarLookups>();
    let values = StoredValue::new(values);
    let value_of = move |property_id: &str| {
        values.with_value(|all| {
            all.iter()
                .find(|v| v.property_id == property_id)
                .map(|v| v.value.clone())
        })
    };
    let fixed = view! {
        <dt>"Pipeline"</dt><dd>{ticket.pipeline_name.clone()}</dd>
        <dt>"Team"</dt><dd>{ticket.team_name.clone().unwrap_or_else(|| "None".to_string())}</dd>
        <dt>"Source"</dt><dd>{ticket.source.label()}</dd>
        <dt>"Create date"</dt><dd>{date_time(ticket.created_at)}</dd>
        <dt>"Last activity"</dt><dd>{date_time(ticket.last_activity_at)}</dd>
    };
    if !editable {
        return view! {
            <dl class="properties">
                <dt>"Ticket status"</dt><dd>{ticket.status_name.clone()}</dd>
                <dt>"Ticket owner"</dt><dd>{ticket.owner_name.clone().unwrap_or_else(|| "Unassigned".to_string())}</dd>
                <dt>"Priority"</dt><dd>{ticket.priority.label()}</dd>
                {fixed}
                <Suspense>
                    {move || Suspend::new(async move {
                        properties.await.unwrap_or_default().into_iter().filter_map(|p| {
                            value_of(&p.id).map(|v| view! { <dt>{p.label.clone()}</dt><dd>{p.display(&v)}</dd> })
                        }).collect_view()
                    })}
                </Suspense>
            </dl>
        }
        .into_any();
    }
    let (pipeline_id, status_id, owner_id, priority) = (
        ticket.pipeline_id.clone(),
        ticket.status_id.clone(),
        ticket.owner_id.clone().unwrap_or_default(),
        ticket.priority,
    );
    let shown_status = RwSignal::new(status_id.clone());
    // A status the user picked that needs property values first.
    let asking = RwSignal::new(None::<Status>);
    view! {
        <div class="stack editable-properties">
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || {
                    let (pipeline_id, status_id, owner_id) = (pipeline_id.clone(), status_id.clone(), owner_id.clone());
                    Suspend::new(async move {
                        // The ticket's own statuses, then (when there are other pipelines) the
                        // ways into each of them: picking one moves the ticket there.
                        let all = pipelines.await.unwrap_or_default();
                        let (own, others): (Vec<_>, Vec<_>) = all.into_iter().partition(|p| p.id == pipeline_id);
                        let own_name = own.first().map(|p| p.name.clone()).unwrap_or_default();
                        let statuses: Vec<Status> = own.into_iter().flat_map(|p| p.statuses).collect();
                        let entries: Vec<(String, Vec<Status>)> = others.into_iter()
                            .map(|p| (p.name.clone(), p.creation_statuses().cloned().collect::<Vec<_>>()))
                            .filter(|(_, ways_in)| !ways_in.is_empty())
                            .collect();
                        let for_change: Vec<Status> = statuses.iter().cloned()
                            .chain(entries.iter().flat_map(|(_, s)| s.iter().cloned()))
                            .collect();
                        let people = assignees.await.unwrap_or_default();
                        let defined = properties.await.unwrap_or_default();
                        let for_prompt = defined.clone();
                        let custom = defined.clone();
                        let current = status_id.clone();
                        view! {
                            <div class="field">
                                <label for="ticket-status">"Ticket status"</label>
                                <select id="ticket-status" disabled=move || edit.pending().get()
                                    prop:value=move || shown_status.get()
                                    on:change:target=move |ev| {
                                        let target = ev.target().value();
                                        shown_status.set(target.clone());
                                        let Some(status) = for_change.iter().find(|s| s.id == target) else { return };
                                        let missing = status.required_properties.iter()
                                            .any(|r| defined.iter().any(|p| &p.id == r) && value_of(r).is_none());
                                        if missing {
                                            asking.set(Some(status.clone()));
                                        } else {
                                            asking.set(None);
                                            edit.dispatch(Change::Status(target, Vec::new()));
                                        }
                                    }>
                                    {if entries.is_empty() {
                                        status_options(statuses, &status_id).into_any()
                                    } else {
                                        view! {
                                            <optgroup label=own_name>{status_options(statuses, &status_id)}</optgroup>
                                            {entries.into_iter().map(|(name, ways_in)| view! {
                                                <optgroup label=format!("Move to {name}")>{status_options(ways_in, &status_id)}</optgroup>
                                            }).collect_view()}
                                        }.into_any()
                                    }}
                                </select>
                            </div>
                            {move || asking.get().map(|status| {
                                let current = current.clone();
                                let needed: Vec<Property> = for_prompt.iter()
                                    .filter(|p| status.required_properties.contains(&p.id) && value_of(&p.id).is_none())
                                    .cloned().collect();
                                view! {
                                    <RequiredPrompt status needed edit
                                        on_cancel=move |_| { asking.set(None); shown_status.set(current.clone()); }/>
                                }
                            })}
                            <div class="field">
                                <label for="ticket-owner">"Ticket owner"</label>
                                <select id="ticket-owner" disabled=move || edit.pending().get()
                                    on:change:target=move |ev| { edit.dispatch(Change::Owner(ev.target().value())); }>
                                    <option value="" selected=owner_id.is_empty()>"Unassigned"</option>
                                    {people.into_iter().map(|a| view! {
                                        <option value=a.id.clone() selected=a.id == owner_id>{a.name}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label for="ticket-priority">"Priority"</label>
                                <select id="ticket-priority" disabled=move || edit.pending().get()
                                    on:change:target=move |ev| { edit.dispatch(Change::Priority(ev.target().value())); }>
                                    {Priority::ALL.into_iter().map(|p| view! {
                                        <option value=p.as_str() selected=p == priority>{p.label()}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            // One Suspense for every field: a second one over the same
                            // resources failed to hydrate on a directly loaded ticket page.
                            {custom.into_iter().map(|property| {
                                let value = RwSignal::new(value_of(&property.id).unwrap_or_default());
                                let (name, pid) = (property.name.clone(), property.id.clone());
                                let input_id = format!("ticket-property-{}", property.name);
                                view! {
                                    <Field spec=property.field() input_id value
                                        error=Signal::derive(move || server_error().and_then(|e| e.field_message(&name)))
                                        on_commit=move |v: String| { edit.dispatch(Change::Property(pid.clone(), v)); }/>
                                }
                            }).collect_view()}
                        }
                    })
                }}
            </Suspense>
            <p class="form-error" role="alert">{move || if asking.get().is_some() { None } else { error() }}</p>
            <dl class="properties">{fixed}</dl>
        </div>
    }
    .into_any()
}

fn status_options(statuses: Vec<Status>, selected: &str) -> impl IntoView {
    statuses
        .into_iter()
        .map(|s| {
            let is_selected = s.id == selected;
            view! { <option value=s.id selected=is_selected>{s.name}</option> }
        })
        .collect_view()
}

/// Asks, in place, for the properties a status requires before the ticket moves there.
#[component]
fn RequiredPrompt(
    status: Status,
    needed: Vec<Property>,
    edit: Action<Change, Result<(), AppError>>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let fields: Vec<(Property, RwSignal<String>)> =
        needed.into_iter().map(|p| (p, RwSignal::new(String::new()))).collect();
    let for_submit = fields.clone();
    let target = status.id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let values = for_submit
            .iter()
            .map(|(p, v)| PropertyValue {
                property_id: p.id.clone(),
                value: v.get_untracked(),
            })
            .collect();
        edit.dispatch(Change::Status(target.clone(), values));
    };
    let error = move || edit.value().get().and_then(|r| r.err());
    view! {
        <form class="required-prompt stack" aria-label=format!("Needed for {}", status.name) novalidate=true on:submit=submit>
            <p><strong>{format!("To move this ticket to {}, fill in:", status.name)}</strong></p>
            {fields.into_iter().map(|(property, value)| {
                let name = property.name.clone();
                let input_id = format!("required-{}", property.name);
                view! {
                    <Field spec=property.field() input_id value required=true
                        error=Signal::derive(move || error().and_then(|e| e.field_message(&name)))/>
                }
            }).collect_view()}
            <p class="form-error" role="alert">
                {move || error().filter(|e| e.field_message("status").is_some()).map(|e| e.to_string())}
            </p>
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || edit.pending().get()>
                    {format!("Move to {}", status.name)}
                </button>
                <button type="button" class="button subtle" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </form>
    }
}

/// Who changed what and when, newest first.
#[component]
pub fn TicketHistory(history: Vec<HistoryEntry>) -> impl IntoView {
    view! {
        <ol class="plain history">
            {history.into_iter().map(|h| {
                let what = if h.field == "created" {
                    "created the ticket".to_string()
                } else if h.field == "Contact" && h.old_value.is_none() {
                    format!("added contact {}", h.new_value.unwrap_or_default())
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
