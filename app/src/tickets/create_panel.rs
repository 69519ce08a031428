//! The "Create ticket" panel (MISSION T1-T3): opens on the right without leaving the
//! workspace; "Ticket name", "Pipeline" and "Ticket status" come first and are required, the
//! rest follows the form layout admins edit with "Edit this form".

use leptos::prelude::*;
use leptos::web_sys;
use leptos_router::hooks::use_navigate;

use super::api::{create_ticket, list_assignees};
use super::model::{NewTicket, Priority};
use crate::contacts::model::SearchHit;
use crate::contacts::ui::{CompanyPicker, SearchCombobox, SearchKind};
use crate::forms::api::get_form_layout;
use crate::forms::model::FormField;
use crate::forms::ui::FormEditor;
use crate::kit::field::Field;
use crate::kit::lazy::{split_view, Chunk, ChunkError, ChunkFailed};
use crate::kit::{Changed, ErrorPanel};
use crate::pipelines::api::list_pipelines;
use crate::pipelines::model::Pipeline;
use crate::properties::api::list_properties;
use crate::properties::model::PropertyValue;

fn first_status(pipelines: &[Pipeline], pipeline_id: &str) -> String {
    pipelines
        .iter()
        .find(|p| p.id == pipeline_id)
        .and_then(|p| p.creation_statuses().next())
        .map(|s| s.id.clone())
        .unwrap_or_default()
}

/// Focuses `input` as soon as it is attached to the document (a few frames at most),
/// unless the user has already gone to another field: typing must never jump fields.
fn focus_when_connected(input: web_sys::HtmlInputElement, frames_left: u8) {
    request_animation_frame(move || {
        let typing_elsewhere = document()
            .active_element()
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if typing_elsewhere {
            return;
        }
        if input.is_connected() {
            let _ = input.focus();
        } else if frames_left > 0 {
            focus_when_connected(input, frames_left - 1);
        }
    });
}

/// The panel, loaded from its own wasm chunk on first use (`crate::kit::lazy`): while it loads
/// (it is normally prefetched already) the panel says so, and if it cannot load it says
/// what to do.
#[component]
pub fn CreateTicketPanel(open: RwSignal<bool>) -> impl IntoView {
    let retry = RwSignal::new(0u32);
    let frame = move |body: AnyView| {
        view! {
            <aside class="create-panel" role="dialog" aria-labelledby="create-ticket-heading"
                on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
                <header class="create-panel-header">
                    <h2 id="create-ticket-heading">"Create ticket"</h2>
                    <button type="button" class="button subtle" aria-label="Close" on:click=move |_| open.set(false)>"×"</button>
                </header>
                {body}
            </aside>
        }
    };
    view! {
        <Suspense fallback=move || frame(view! { <p class="muted" role="status">"Opening the form…"</p> }.into_any())>
            {move || {
                retry.track();
                Suspend::new(async move {
                    match create_panel(open).await {
                        Ok(panel) => panel,
                        Err(ChunkError) => frame(view! { <ChunkFailed retry/> }.into_any()).into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The "Create ticket" panel's chunk: the panel, its form editor and the contact search.
pub const CHUNK: Chunk = Chunk {
    name: "create_panel",
    path_prefixes: &[],
    preloads: &[|| Box::pin(preload_create_panel())],
};

split_view! { create_panel, preload = preload_create_panel;
    /// The panel's code: `scripts/split-client` moves what only this reaches into its chunk.
    pub(crate) fn create_panel(open: RwSignal<bool>) {
        view! { <CreateTicketForm open/> }
    }
}

#[component]
fn CreateTicketForm(open: RwSignal<bool>) -> impl IntoView {
    let is_admin = use_context::<crate::auth::model::CurrentUser>().is_some_and(|u| u.role.is_admin());
    let layout_version = RwSignal::new(0u32);
    let editing_form = RwSignal::new(false);
    let pipelines = crate::wire::resource(|| (), |_| list_pipelines());
    let assignees = crate::wire::resource(|| (), |_| list_assignees());
    let properties = crate::wire::resource(move || layout_version.get(), |_| list_properties());
    let layout = crate::wire::resource(move || layout_version.get(), |_| get_form_layout());
    let name = RwSignal::new(String::new());
    let pipeline_id = RwSignal::new(String::new());
    let status_id = RwSignal::new(String::new());
    let priority = RwSignal::new(Priority::Medium);
    let owner_id = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let company = RwSignal::new(None::<SearchHit>);
    let contacts = RwSignal::new(Vec::<SearchHit>::new());
    // The custom properties on the form, with what the user typed.
    let property_values = StoredValue::new(Vec::<(String, RwSignal<String>)>::new());
    let name_missing = RwSignal::new(false);
    let name_input = NodeRef::<leptos::html::Input>::new();
    let changed = expect_context::<Changed>();
    let navigate = use_navigate();
    let create = Action::new(move |ticket: &NewTicket| create_ticket(ticket.clone()));

    // Preselect the first pipeline and its first status once they arrive.
    Effect::new(move |_| {
        if let Some(Ok(list)) = pipelines.get() {
            if pipeline_id.get_untracked().is_empty() {
                if let Some(first) = list.first() {
                    pipeline_id.set(first.id.clone());
                    status_id.set(first_status(&list, &first.id));
                }
            }
        }
    });
    // Focus the first field once the panel is in the document.
    Effect::new(move |_| {
        if let Some(input) = name_input.get() {
            focus_when_connected(input, 10);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            open.set(false);
            changed.bump();
            navigate(&format!("/tickets/{id}?view=all-open"), Default::default());
        }
    });

    let server_error = move || create.value().get().and_then(|r| r.err());
    let field_error = move |field: String| {
        move || {
            if field == "name" && name_missing.get() {
                return Some("Enter a ticket name.".to_string());
            }
            server_error().and_then(|e| e.field_message(&field))
        }
    };
    let other_error = move || server_error().filter(|e| !matches!(e, crate::error::AppError::Validation { .. }));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if name.get_untracked().trim().is_empty() {
            name_missing.set(true);
            return;
        }
        name_missing.set(false);
        let owner = owner_id.get_untracked();
        create.dispatch(NewTicket {
            name: name.get_untracked(),
            pipeline_id: pipeline_id.get_untracked(),
            status_id: status_id.get_untracked(),
            priority: priority.get_untracked(),
            owner_id: (!owner.is_empty()).then_some(owner),
            description: description.get_untracked(),
            company_id: company.get_untracked().map(|c| c.id),
            contact_ids: contacts.get_untracked().into_iter().map(|c| c.id).collect(),
            properties: property_values.with_value(|all| {
                all.iter()
                    .map(|(id, value)| PropertyValue {
                        property_id: id.clone(),
                        value: value.get_untracked(),
                    })
                    .filter(|v| !v.value.trim().is_empty())
                    .collect()
            }),
        });
    };
    let star = |required: bool| required.then(|| view! { <span aria-hidden="true">" *"</span> });

    // One field of the layout, by key.
    let layout_field = move |field: FormField, defined: &[crate::properties::model::Property]| -> AnyView {
        let required = field.required;
        let aria_required = required.then_some("true");
        match field.key.as_str() {
            "priority" => view! {
                <div class="field">
                    <label for="new-ticket-priority">"Priority" {star(required)}</label>
                    <select id="new-ticket-priority"
                        on:change:target=move |ev| if let Some(p) = Priority::parse(&ev.target().value()) { priority.set(p) }>
                        {Priority::ALL.into_iter().map(|p| view! {
                            <option value=p.as_str() selected=p == priority.get_untracked()>{p.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
            }.into_any(),
            "owner" => view! {
                <div class="field">
                    <label for="new-ticket-owner">"Ticket owner" {star(required)}</label>
                    <select id="new-ticket-owner" aria-required=aria_required
                        prop:value=move || owner_id.get()
                        on:change:target=move |ev| owner_id.set(ev.target().value())>
                        <option value="">"Unassigned"</option>
                        <Suspense>
                            {move || Suspend::new(async move {
                                assignees.await.unwrap_or_default().into_iter().map(|a| view! {
                                    <option value=a.id.clone() selected=a.id == owner_id.get_untracked()>{a.name}</option>
                                }).collect_view()
                            })}
                        </Suspense>
                    </select>
                    <p class="field-error" role="alert">{field_error("owner".into())}</p>
                </div>
            }.into_any(),
            "company" => view! {
                <div class="field">
                    <CompanyPicker id="new-ticket-company" company required/>
                    <p class="field-error" role="alert">{field_error("company".into())}</p>
                </div>
            }.into_any(),
            "contacts" => view! {
                <div class="field">
                    <SearchCombobox id="new-ticket-contact" label="Contact" kind=SearchKind::Contact allow_create=true required
                        on_pick=move |hit: SearchHit| contacts.update(|list| {
                            if !list.iter().any(|c| c.id == hit.id) { list.push(hit) }
                        })/>
                    <ul class="chips" aria-label="Chosen contacts">
                        <For each=move || contacts.get() key=|c| c.id.clone() let:chosen>
                            <li class="chip">
                                <span>{chosen.label.clone()}</span>
                                <button type="button" class="chip-remove" aria-label=format!("Remove {}", chosen.label)
                                    on:click=move |_| contacts.update(|list| list.retain(|c| c.id != chosen.id))>"×"</button>
                            </li>
                        </For>
                    </ul>
                    <p class="field-error" role="alert">{field_error("contacts".into())}</p>
                </div>
            }.into_any(),
            "description" => view! {
                <div class="field">
                    <label for="new-ticket-description">"Description" {star(required)}</label>
                    <textarea id="new-ticket-description" rows="4" aria-required=aria_required
                        prop:value=move || description.get()
                        on:input:target=move |ev| description.set(ev.target().value())></textarea>
                    <p class="field-error" role="alert">{field_error("description".into())}</p>
                </div>
            }.into_any(),
            _ => {
                let Some(property) = field.property_id().and_then(|id| defined.iter().find(|p| p.id == id)).cloned() else {
                    return ().into_any();
                };
                let value = RwSignal::new(String::new());
                property_values.update_value(|all| all.push((property.id.clone(), value)));
                let input_id = format!("new-ticket-{}", property.name);
                let error = Signal::derive(field_error(property.name.clone()));
                view! { <Field spec=property.field() input_id value required error/> }.into_any()
            }
        }
    };

    view! {
        <aside class="create-panel" role="dialog" aria-labelledby="create-ticket-heading"
            on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <header class="create-panel-header">
                <h2 id="create-ticket-heading">"Create ticket"</h2>
                {is_admin.then(|| view! {
                    <button type="button" class="button" aria-pressed=move || editing_form.get().to_string()
                        on:click=move |_| editing_form.update(|e| *e = !*e)>"Edit this form"</button>
                })}
                <button type="button" class="button subtle" aria-label="Close" on:click=move |_| open.set(false)>"×"</button>
            </header>
            <Show when=move || editing_form.get()>
                <Suspense fallback=|| view! { <p class="muted" role="status">"Loading the form…"</p> }>
                    {move || Suspend::new(async move {
                        match (layout.await, properties.await) {
                            (Ok(layout), Ok(properties)) => view! {
                                <FormEditor layout properties
                                    on_saved=move |_| { layout_version.update(|v| *v += 1); editing_form.set(false); }
                                    on_reload=move |_| layout_version.update(|v| *v += 1)
                                    on_close=move |_| editing_form.set(false)/>
                            }.into_any(),
                            (Err(error), _) | (_, Err(error)) => view! { <ErrorPanel error/> }.into_any(),
                        }
                    })}
                </Suspense>
            </Show>
            <form class="stack" class:hidden=move || editing_form.get() novalidate=true on:submit=submit>
                <div class="field">
                    <label for="new-ticket-name">"Ticket name" <span aria-hidden="true">" *"</span></label>
                    <input id="new-ticket-name" node_ref=name_input required aria-required="true"
                        aria-describedby="new-ticket-name-error"
                        prop:value=move || name.get() on:input:target=move |ev| name.set(ev.target().value())/>
                    <p id="new-ticket-name-error" class="field-error" role="alert">{field_error("name".into())}</p>
                </div>
                <Suspense fallback=|| view! { <p class="muted" role="status">"Loading pipelines…"</p> }>
                    {move || Suspend::new(async move {
                        let list = match pipelines.await {
                            Ok(list) => list,
                            Err(error) => return view! { <ErrorPanel error/> }.into_any(),
                        };
                        let for_statuses = list.clone();
                        let for_change = list.clone();
                        view! {
                            <div class="field">
                                <label for="new-ticket-pipeline">"Pipeline" <span aria-hidden="true">" *"</span></label>
                                <select id="new-ticket-pipeline" required aria-required="true"
                                    prop:value=move || pipeline_id.get()
                                    on:change:target=move |ev| {
                                        let id = ev.target().value();
                                        status_id.set(first_status(&for_change, &id));
                                        pipeline_id.set(id);
                                    }>
                                    {list.iter().map(|p| view! { <option value=p.id.clone()>{p.name.clone()}</option> }).collect_view()}
                                </select>
                                <p class="field-error" role="alert">{field_error("pipeline".into())}</p>
                            </div>
                            <div class="field">
                                <label for="new-ticket-status">"Ticket status" <span aria-hidden="true">" *"</span></label>
                                <select id="new-ticket-status" required aria-required="true"
                                    prop:value=move || status_id.get()
                                    on:change:target=move |ev| status_id.set(ev.target().value())>
                                    {move || {
                                        let chosen = pipeline_id.get();
                                        for_statuses.iter().find(|p| p.id == chosen).map(|p| {
                                            p.creation_statuses().map(|s| view! {
                                                <option value=s.id.clone() selected=s.id == status_id.get_untracked()>{s.name.clone()}</option>
                                            }).collect_view()
                                        })
                                    }}
                                </select>
                                <p class="field-error" role="alert">{field_error("status".into())}</p>
                            </div>
                        }.into_any()
                    })}
                </Suspense>
                <Suspense fallback=|| view! { <p class="muted" role="status">"Loading the form…"</p> }>
                    {move || Suspend::new(async move {
                        let (layout, defined) = match (layout.await, properties.await) {
                            (Ok(layout), Ok(defined)) => (layout, defined),
                            (Err(error), _) | (_, Err(error)) => return view! { <ErrorPanel error/> }.into_any(),
                        };
                        property_values.set_value(Vec::new());
                        layout.fields.into_iter().map(|field| layout_field(field, &defined)).collect_view().into_any()
                    })}
                </Suspense>
                <div class="form-error" role="alert">{move || other_error().map(|e| e.to_string())}</div>
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>
                        {move || if create.pending().get() { "Creating…" } else { "Create" }}
                    </button>
                    <button type="button" class="button subtle" on:click=move |_| open.set(false)>"Cancel"</button>
                </div>
            </form>
        </aside>
    }
}
