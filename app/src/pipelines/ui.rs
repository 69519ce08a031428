//! The admins' Pipelines page: create, rename, reorder and archive pipelines and statuses,
//! set each status's category, whether tickets may start there and which properties it
//! requires, and the pipeline's rules.

use leptos::prelude::*;

use super::api::{archive_pipeline, list_pipelines, save_pipeline};
use super::model::{Pipeline, Status, StatusCategory};
use crate::auth::api::admin_only;
use crate::error::AppError;
use crate::kit::{settings_error_view, SettingsFrame};
use crate::properties::api::list_properties;
use crate::properties::model::Property;

fn new_status(name: &str, category: StatusCategory, allows_creation: bool) -> Status {
    Status {
        id: String::new(),
        name: name.to_string(),
        category,
        allows_creation,
        required_properties: Vec::new(),
    }
}

/// The page's data, created before its chunk's view (resources made inside an already
/// resolving view do not hydrate on a directly loaded page).
#[derive(Clone, Copy)]
pub(crate) struct PipelinesData {
    save: Action<Pipeline, Result<String, AppError>>,
    archive: Action<String, Result<(), AppError>>,
    pipelines: crate::wire::Res<Result<Vec<Pipeline>, AppError>>,
    properties: crate::wire::Res<Result<Vec<Property>, AppError>>,
}

/// The page's chunk of the settings client.
pub const CHUNK: crate::kit::lazy::Chunk = crate::kit::lazy::Chunk {
    name: "pipelines_settings",
    path_prefixes: &["/admin/pipelines"],
    preloads: &[|| Box::pin(preload_pipelines_settings())],
};

crate::kit::lazy::split_view! { settings pipelines_settings, preload = preload_pipelines_settings;
    /// Settings > Pipelines' code.
    pub(crate) fn pipelines_settings(data: PipelinesData) {
        view! { <Pipelines data/> }
    }
}

#[component]
pub fn PipelinesPage() -> impl IntoView {
    let save = Action::new(move |pipeline: &Pipeline| save_pipeline(pipeline.clone()));
    let archive = Action::new(move |id: &String| archive_pipeline(id.clone()));
    let data = PipelinesData {
        save,
        archive,
        pipelines: crate::wire::resource(
            move || (save.version().get(), archive.version().get()),
            |_| admin_only(list_pipelines()),
        ),
        properties: crate::wire::resource(|| (), |_| list_properties()),
    };
    let retry = RwSignal::new(0u32);
    view! {
        <Suspense fallback=|| view! { <p class="muted" role="status">"Opening Pipelines…"</p> }>
            {move || {
                retry.track();
                Suspend::new(async move { crate::kit::lazy::or_failed(pipelines_settings(data).await, retry) })
            }}
        </Suspense>
    }
}

#[component]
fn Pipelines(data: PipelinesData) -> impl IntoView {
    let PipelinesData {
        save,
        archive,
        pipelines,
        properties,
    } = data;
    // The pipeline being edited: an existing one's id, or "" for a new one.
    let selected = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(id)) = save.value().get() {
            selected.set(Some(id));
        }
    });
    let archive_error = move || archive.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    view! {
        <SettingsFrame title="Pipelines">
            <Transition fallback=|| view! { <p role="status">"Loading pipelines…"</p> }>
                {move || Suspend::new(async move {
                    let (list, properties) = match (pipelines.await, properties.await) {
                        (Ok(list), Ok(properties)) => (list, properties),
                        (Err(error), _) | (_, Err(error)) => return settings_error_view(error),
                    };
                    let chosen = selected.get().or_else(|| list.first().map(|p| p.id.clone())).unwrap_or_default();
                    let draft = list.iter().find(|p| p.id == chosen).cloned().unwrap_or_else(|| Pipeline {
                        id: String::new(),
                        name: String::new(),
                        forbid_skipping: false,
                        forbid_backwards: false,
                        statuses: vec![
                            new_status("New", StatusCategory::Open, true),
                            new_status("Closed", StatusCategory::Closed, false),
                        ],
                    });
                    let can_archive = list.len() > 1 && !draft.id.is_empty();
                    view! {
                        <div class="settings-layout">
                            <nav class="settings-list" aria-label="Pipelines">
                                <ul class="plain">
                                    {list.iter().map(|p| {
                                        let id = p.id.clone();
                                        let current = p.id == chosen;
                                        view! {
                                            <li><button type="button" class="settings-item" class:active=current
                                                aria-current=current.then_some("true")
                                                on:click=move |_| selected.set(Some(id.clone()))>{p.name.clone()}</button></li>
                                        }
                                    }).collect_view()}
                                </ul>
                                <button type="button" class="button" on:click=move |_| selected.set(Some(String::new()))>
                                    "Create pipeline"
                                </button>
                            </nav>
                            <PipelineEditor draft properties save/>
                        </div>
                        {can_archive.then(|| {
                            let id = chosen.clone();
                            view! {
                                <div class="form-actions">
                                    <button type="button" class="button danger" on:click=move |_| { archive.dispatch(id.clone()); }>
                                        "Archive pipeline"
                                    </button>
                                </div>
                            }
                        })}
                    }.into_any()
                })}
            </Transition>
            <p class="form-error" role="alert">{archive_error}</p>
        </SettingsFrame>
    }
}

/// Edits one pipeline locally; nothing is stored until "Save pipeline".
#[component]
fn PipelineEditor(
    draft: Pipeline,
    properties: Vec<Property>,
    save: Action<Pipeline, Result<String, AppError>>,
) -> impl IntoView {
    let is_new = draft.id.is_empty();
    let id = draft.id.clone();
    let name = RwSignal::new(draft.name.clone());
    let forbid_skipping = RwSignal::new(draft.forbid_skipping);
    let forbid_backwards = RwSignal::new(draft.forbid_backwards);
    // Each row keeps a local key so reordering does not lose which row is which.
    let statuses = RwSignal::new(draft.statuses.into_iter().enumerate().collect::<Vec<(usize, Status)>>());
    let next_key = StoredValue::new(statuses.with_untracked(|s| s.len()));
    let error = move || save.value().get().and_then(|r| r.err());
    let field_error = move |field: &'static str| move || error().and_then(|e| e.field_message(field));
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    let move_row = move |key: usize, step: isize| {
        statuses.update(|rows| {
            if let Some(index) = rows.iter().position(|(k, _)| *k == key) {
                let target = index as isize + step;
                if target >= 0 && (target as usize) < rows.len() {
                    rows.swap(index, target as usize);
                }
            }
        })
    };
    let edit_row = move |key: usize, change: Box<dyn FnOnce(&mut Status)>| {
        statuses.update(|rows| {
            if let Some((_, status)) = rows.iter_mut().find(|(k, _)| *k == key) {
                change(status);
            }
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(Pipeline {
            id: id.clone(),
            name: name.get_untracked(),
            forbid_skipping: forbid_skipping.get_untracked(),
            forbid_backwards: forbid_backwards.get_untracked(),
            statuses: statuses.get_untracked().into_iter().map(|(_, s)| s).collect(),
        });
    };
    let properties = StoredValue::new(properties);
    let row_keys = move || statuses.with(|rows| rows.iter().map(|(k, _)| *k).collect::<Vec<_>>());
    view! {
        <section class="card settings-editor" aria-labelledby="pipeline-editor-heading">
            <h2 id="pipeline-editor-heading">{if is_new { "New pipeline".to_string() } else { draft.name.clone() }}</h2>
            <form class="stack" novalidate=true on:submit=submit>
                <div class="field">
                    <label for="pipeline-name">"Pipeline name"</label>
                    <input id="pipeline-name" required prop:value=move || name.get()
                        on:input:target=move |ev| name.set(ev.target().value())/>
                    <p class="field-error" role="alert">{field_error("name")}</p>
                </div>
                <fieldset class="rules">
                    <legend>"Pipeline rules"</legend>
                    <label class="inline-check">
                        <input type="checkbox" prop:checked=move || forbid_skipping.get()
                            on:change:target=move |ev| forbid_skipping.set(ev.target().checked())/>
                        "Don't allow skipping statuses"
                    </label>
                    <label class="inline-check">
                        <input type="checkbox" prop:checked=move || forbid_backwards.get()
                            on:change:target=move |ev| forbid_backwards.set(ev.target().checked())/>
                        "Don't allow moving backwards"
                    </label>
                    <p class="field-help">"Super admins may still move tickets freely."</p>
                </fieldset>
                <table class="data-table statuses-table">
                    <caption>"Statuses, in pipeline order"</caption>
                    <thead><tr>
                        <th scope="col">"Status"</th><th scope="col">"Category"</th>
                        <th scope="col">"New tickets"</th><th scope="col">"Requires"</th><th scope="col">"Order"</th>
                    </tr></thead>
                    <tbody>
                        <For each=row_keys key=|k| *k let:key>
                            {
                                let status = move || statuses.with(|rows| rows.iter().find(|(k, _)| *k == key).map(|(_, s)| s.clone()));
                                let label = move || status().map(|s| s.name).filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "new status".into());
                                view! {
                                    <tr>
                                        <td>
                                            <input aria-label=move || format!("Name of {}", label())
                                                prop:value=move || status().map(|s| s.name).unwrap_or_default()
                                                on:change:target=move |ev| { let v = ev.target().value(); edit_row(key, Box::new(move |s| s.name = v)); }/>
                                        </td>
                                        <td>
                                            <select aria-label=move || format!("Category of {}", label())
                                                prop:value=move || status().map(|s| s.category.as_str()).unwrap_or("open")
                                                on:change:target=move |ev| if let Some(c) = StatusCategory::parse(&ev.target().value()) {
                                                    edit_row(key, Box::new(move |s| s.category = c));
                                                }>
                                                {StatusCategory::ALL.into_iter().map(|c| view! { <option value=c.as_str()>{c.label()}</option> }).collect_view()}
                                            </select>
                                        </td>
                                        <td>
                                            <label class="inline-check">
                                                <input type="checkbox" prop:checked=move || status().is_some_and(|s| s.allows_creation)
                                                    on:change:target=move |ev| { let on = ev.target().checked(); edit_row(key, Box::new(move |s| s.allows_creation = on)); }/>
                                                <span>"Allowed"<span class="visually-hidden">{move || format!(" in {}", label())}</span></span>
                                            </label>
                                        </td>
                                        <td>
                                            {properties.with_value(|all| if all.is_empty() {
                                                view! { <span class="muted">"No custom properties"</span> }.into_any()
                                            } else {
                                                all.iter().map(|p| {
                                                    let pid = p.id.clone();
                                                    let for_check = p.id.clone();
                                                    let plabel = p.label.clone();
                                                    view! {
                                                        <label class="inline-check">
                                                            <input type="checkbox"
                                                                aria-label=move || format!("{} required in {}", plabel, label())
                                                                prop:checked=move || status().is_some_and(|s| s.required_properties.contains(&for_check))
                                                                on:change:target=move |ev| {
                                                                    let (on, pid) = (ev.target().checked(), pid.clone());
                                                                    edit_row(key, Box::new(move |s| {
                                                                        s.required_properties.retain(|r| *r != pid);
                                                                        if on { s.required_properties.push(pid) }
                                                                    }));
                                                                }/>
                                                            {p.label.clone()}
                                                        </label>
                                                    }
                                                }).collect_view().into_any()
                                            })}
                                        </td>
                                        <td class="row-actions">
                                            <button type="button" class="button subtle" aria-label=move || format!("Move {} up", label())
                                                on:click=move |_| move_row(key, -1)>"↑"</button>
                                            <button type="button" class="button subtle" aria-label=move || format!("Move {} down", label())
                                                on:click=move |_| move_row(key, 1)>"↓"</button>
                                            <button type="button" class="button subtle" aria-label=move || format!("Remove {}", label())
                                                on:click=move |_| statuses.update(|rows| rows.retain(|(k, _)| *k != key))>"Remove"</button>
                                        </td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
                <p class="field-error" role="alert">{field_error("statuses")}</p>
                <div class="form-actions">
                    <button type="button" class="button" on:click=move |_| {
                        let key = next_key.get_value();
                        next_key.set_value(key + 1);
                        statuses.update(|rows| rows.push((key, new_status("", StatusCategory::Open, false))));
                    }>"Add status"</button>
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save pipeline"</button>
                    <span role="status">{move || saved().then_some("Pipeline saved.")}</span>
                    <p class="form-error" role="alert">
                        {move || error().filter(|e| !matches!(e, AppError::Validation { .. })).map(|e| e.to_string())}
                    </p>
                </div>
            </form>
        </section>
    }
}
