//! Sort and filters over the selected view's list (pipeline, status, owner, priority,
//! source). The state lives in the address, so back, forward, reload and shared links keep it.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use super::api::save_view;
use super::model::{ListQuery, Priority, SortKey, Source, ViewKey, UNASSIGNED};

/// Bumped when the user saves or deletes a view, so "My views" fetches again.
#[derive(Clone, Copy)]
pub struct SavedViewsChanged(pub RwSignal<u32>);

/// "Save view": names the current view with its sort and filters (help desk seats, admins).
#[component]
fn SaveViewForm(view: Memo<ViewKey>, query: Memo<ListQuery>) -> impl IntoView {
    let changed = expect_context::<SavedViewsChanged>();
    let naming = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let save = Action::new(move |name: &String| save_view(name.clone(), view.get_untracked(), query.get_untracked()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            naming.set(false);
            name.set(String::new());
            changed.0.update(|n| *n += 1);
        }
    });
    let error = move || save.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    view! {
        <Show when=move || naming.get() fallback=move || view! {
            <button type="button" class="button subtle" on:click=move |_| naming.set(true)>"Save view"</button>
        }>
            <form class="save-view" on:submit=move |ev| { ev.prevent_default(); save.dispatch(name.get_untracked()); }>
                <div class="field">
                    <label for="save-view-name">"View name"</label>
                    <input id="save-view-name" prop:value=move || name.get() on:input:target=move |ev| name.set(ev.target().value())/>
                    <p class="field-error" role="alert">{error}</p>
                </div>
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save"</button>
                    <button type="button" class="button subtle" on:click=move |_| naming.set(false)>"Cancel"</button>
                </div>
            </form>
        </Show>
    }
}

#[component]
pub fn ListControls(view: Memo<ViewKey>, query: Memo<ListQuery>) -> impl IntoView {
    let navigate = use_navigate();
    let location = use_location();
    let super::properties::SidebarLookups {
        pipelines, assignees, ..
    } = expect_context();
    // Applies a change to the list's state by moving to the address that holds it.
    let apply = Callback::new(move |change: Box<dyn FnOnce(&mut ListQuery) + Send + Sync>| {
        let mut next = query.get_untracked();
        change(&mut next);
        let path = location.pathname.get_untracked();
        navigate(
            &format!("{path}?{}", super::ui::list_search(view.get_untracked(), &next)),
            Default::default(),
        );
    });
    let value_or_empty = |v: Option<String>| v.unwrap_or_default();
    let open = Memo::new(move |_| query.read().is_filtered());
    let can_save =
        use_context::<crate::auth::model::CurrentUser>().is_some_and(|u| super::model::can_save_views(u.role));
    view! {
        <div class="list-controls">
            <div class="field inline-field">
                <label for="list-sort">"Sort by"</label>
                <select id="list-sort" prop:value=move || query.read().sort.slug()
                    on:change:target=move |ev| {
                        let sort = SortKey::from_slug(&ev.target().value()).unwrap_or_default();
                        apply.run(Box::new(move |q| q.sort = sort));
                    }>
                    {SortKey::ALL.into_iter().map(|s| view! { <option value=s.slug()>{s.label()}</option> }).collect_view()}
                </select>
            </div>
            <details class="list-filters" prop:open=move || open.get()>
                <summary>{move || if open.get() { "Filters (on)" } else { "Filters" }}</summary>
                <Suspense fallback=|| view! { <p class="muted" role="status">"Loading filters…"</p> }>
                    {move || Suspend::new(async move {
                        let pipelines = pipelines.await.unwrap_or_default();
                        let people = assignees.await.unwrap_or_default();
                        let statuses: Vec<(String, String)> = pipelines.iter().flat_map(|p| {
                            let several = pipelines.len() > 1;
                            p.statuses.iter().map(move |s| {
                                let label = if several { format!("{} · {}", p.name, s.name) } else { s.name.clone() };
                                (s.id.clone(), label)
                            })
                        }).collect();
                        view! {
                            <div class="field">
                                <label for="filter-pipeline">"Pipeline"</label>
                                <select id="filter-pipeline" prop:value=move || value_or_empty(query.read().pipeline_id.clone())
                                    on:change:target=move |ev| {
                                        let v = Some(ev.target().value()).filter(|v| !v.is_empty());
                                        apply.run(Box::new(move |q| { q.pipeline_id = v; q.status_id = None; }));
                                    }>
                                    <option value="">"Any pipeline"</option>
                                    {pipelines.iter().map(|p| view! { <option value=p.id.clone()>{p.name.clone()}</option> }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label for="filter-status">"Ticket status"</label>
                                <select id="filter-status" prop:value=move || value_or_empty(query.read().status_id.clone())
                                    on:change:target=move |ev| {
                                        let v = Some(ev.target().value()).filter(|v| !v.is_empty());
                                        apply.run(Box::new(move |q| q.status_id = v));
                                    }>
                                    <option value="">"Any status"</option>
                                    {statuses.into_iter().map(|(id, label)| view! { <option value=id>{label}</option> }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label for="filter-owner">"Ticket owner"</label>
                                <select id="filter-owner" prop:value=move || value_or_empty(query.read().owner_id.clone())
                                    on:change:target=move |ev| {
                                        let v = Some(ev.target().value()).filter(|v| !v.is_empty());
                                        apply.run(Box::new(move |q| q.owner_id = v));
                                    }>
                                    <option value="">"Anyone"</option>
                                    <option value=UNASSIGNED>"Unassigned"</option>
                                    {people.into_iter().map(|a| view! { <option value=a.id>{a.name}</option> }).collect_view()}
                                </select>
                            </div>
                        }
                    })}
                </Suspense>
                <div class="field">
                    <label for="filter-priority">"Priority"</label>
                    <select id="filter-priority" prop:value=move || query.read().priority.map(|p| p.as_str()).unwrap_or("")
                        on:change:target=move |ev| {
                            let v = Priority::parse(&ev.target().value());
                            apply.run(Box::new(move |q| q.priority = v));
                        }>
                        <option value="">"Any priority"</option>
                        {Priority::ALL.into_iter().map(|p| view! { <option value=p.as_str()>{p.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-source">"Source"</label>
                    <select id="filter-source" prop:value=move || query.read().source.map(|s| s.as_str()).unwrap_or("")
                        on:change:target=move |ev| {
                            let v = Source::parse(&ev.target().value());
                            apply.run(Box::new(move |q| q.source = v));
                        }>
                        <option value="">"Any source"</option>
                        {Source::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                </div>
                <Show when=move || can_save>
                    <SaveViewForm view query/>
                </Show>
                <Show when=move || open.get()>
                    <button type="button" class="button subtle" on:click=move |_| apply.run(Box::new(|q| {
                        *q = ListQuery { sort: q.sort, ..ListQuery::default() };
                    }))>"Clear filters"</button>
                </Show>
            </details>
        </div>
    }
}
