//! The workspace page and its frame. The open ticket renders in the `Outlet`, so moving
//! between tickets keeps the panel and the list in place.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::{use_location, use_query_map};

use crate::auth::api::{me, Logout};
use crate::auth::model::CurrentUser;
use crate::error::AppError;
use crate::kit::{Changed, ErrorPanel, LoginRedirect};
use crate::tickets::api::view_counts;
use crate::tickets::create_panel::CreateTicketPanel;
use crate::tickets::model::{can_edit_tickets, ListQuery, ViewKey};
use crate::tickets::ui::TicketList;

/// The view the URL asks for, if the user has it; otherwise their default view.
fn current_view(user: &CurrentUser, slug: Option<String>) -> ViewKey {
    slug.and_then(|s| ViewKey::from_slug(&s))
        .filter(|v| ViewKey::for_role(user.role).contains(v))
        .unwrap_or_else(|| ViewKey::default_for(user.role))
}

/// What the workspace loads, created once when the page starts and shared through context.
///
/// On the server, `Suspense` runs its children several times (to find their resources, to
/// resolve them, to render); anything created inside the user-gated part below ran its
/// queries once per run, three times in all. Resources made here, before the first await,
/// are fetched once.
#[derive(Clone, Copy)]
pub struct WorkspaceData {
    pub counts: crate::wire::Res<Result<Vec<crate::tickets::model::ViewCount>, AppError>>,
    pub first_page: crate::wire::Res<Result<crate::tickets::model::TicketPage, AppError>>,
    pub saved_views: crate::wire::Res<Result<Vec<crate::tickets::model::SavedView>, AppError>>,
    /// The open ticket (`/tickets/:id`), if any.
    pub ticket: crate::wire::Res<Option<Result<crate::tickets::model::TicketDetail, AppError>>>,
    /// The open contact (`/contacts/:id`) or company (`/companies/:id`) record, if any.
    pub contact: crate::wire::Res<Option<Result<crate::contacts::model::ContactRecord, AppError>>>,
    pub company: crate::wire::Res<Option<Result<crate::contacts::model::CompanyRecord, AppError>>>,
    pub list_query: Memo<ListQuery>,
}

/// The list's sort and filters, as the address holds them.
fn list_query_from(query: &leptos_router::params::ParamsMap) -> ListQuery {
    let pairs: Vec<(&str, String)> = ["sort", "pipeline", "status", "owner", "priority", "source"]
        .into_iter()
        .filter_map(|key| query.get(key).map(|value| (key, value)))
        .collect();
    ListQuery::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
}

#[component]
pub fn WorkspacePage() -> impl IntoView {
    let user = crate::wire::resource(|| (), |_| me());
    let changed = Changed(RwSignal::new(0));
    provide_context(crate::conversations::ui::DraftsChanged(RwSignal::new(0)));
    provide_context(crate::conversations::ui::JustSent(RwSignal::new(None)));
    let saved_changed = crate::tickets::filters::SavedViewsChanged(RwSignal::new(0));
    provide_context(changed);
    provide_context(saved_changed);
    let query = use_query_map();
    let location = use_location();
    let slug = Memo::new(move |_| query.read().get("view"));
    let list_query = Memo::new(move |_| list_query_from(&query.read()));
    // The id in `/{prefix}/:id`, when the pane shows that kind of record.
    let id_under = move |prefix: &'static str| {
        Memo::new(move |_| {
            location
                .pathname
                .read()
                .strip_prefix(prefix)
                .map(|id| id.trim_end_matches('/').to_string())
        })
    };
    let (ticket_id, contact_id, company_id) = (id_under("/tickets/"), id_under("/contacts/"), id_under("/companies/"));
    let data = WorkspaceData {
        counts: crate::wire::resource(move || changed.version(), |_| view_counts()),
        // No view in the address: the server picks the role's default, as current_view does.
        first_page: crate::wire::resource(
            move || {
                (
                    slug.get().and_then(|s| ViewKey::from_slug(&s)),
                    list_query.get(),
                    changed.version(),
                )
            },
            |(view, query, _)| crate::tickets::api::list_tickets(view, query, None),
        ),
        // Saved views carry their counts, so they reload when tickets change too.
        saved_views: crate::wire::resource(
            move || (saved_changed.0.get(), changed.version()),
            |_| crate::tickets::api::list_saved_views(),
        ),
        ticket: crate::wire::resource(
            move || ticket_id.get(),
            |id| async move { Some(crate::tickets::api::get_ticket(id?).await) },
        ),
        contact: crate::wire::resource(
            move || contact_id.get(),
            |id| async move { Some(crate::contacts::api::get_contact(id?).await) },
        ),
        company: crate::wire::resource(
            move || company_id.get(),
            |id| async move { Some(crate::contacts::api::get_company(id?).await) },
        ),
        list_query,
    };
    provide_context(data);
    provide_context(crate::tickets::properties::SidebarLookups::load());
    view! {
        <Title text="Workspace · Switchboard"/>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the workspace…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(user) => view! { <Workspace user/> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <LoginRedirect/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Workspace(user: CurrentUser) -> impl IntoView {
    let query = use_query_map();
    let view_user = user.clone();
    let view = Memo::new(move |_| current_view(&view_user, query.read().get("view")));
    let list_query = expect_context::<WorkspaceData>().list_query;
    provide_context(user.clone());
    let create_open = RwSignal::new(false);
    let can_create = can_edit_tickets(user.role);
    view! {
        <div class="workspace">
            <TopBar user=user.clone()/>
            <ViewsPanel current=view can_create create_open/>
            <TicketList view query=list_query/>
            <Outlet/>
            <Show when=move || create_open.get()>
                <CreateTicketPanel open=create_open/>
            </Show>
        </div>
    }
}

#[component]
fn TopBar(user: CurrentUser) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let is_admin = user.role.is_admin();
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Switchboard"</a>
            <nav class="topbar-links" aria-label="Main">
                <A href="/" exact=true>"Workspace"</A>
                // The settings pages are the other wasm client: full page loads.
                <Show when=move || is_admin>
                    <a href="/admin/users" rel="external">"Users"</a>
                    <a href="/admin/teams" rel="external">"Teams"</a>
                    <a href="/admin/pipelines" rel="external">"Pipelines"</a>
                    <a href="/admin/properties" rel="external">"Properties"</a>
                </Show>
            </nav>
            <div class="topbar-user">
                <span class="user-name">{user.name.clone()}</span>
                <span class="user-role">{user.role.label()}</span>
                // The account page is in the settings client: a full page load.
                <a href="/account" rel="external">"Account"</a>
                <form action={<Logout as leptos::server_fn::ServerFn>::url()} method="post" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    logout.dispatch(Logout {});
                }>
                    <button type="submit" class="button subtle">"Log out"</button>
                </form>
            </div>
        </header>
    }
}

#[component]
fn ViewsPanel(current: Memo<ViewKey>, can_create: bool, create_open: RwSignal<bool>) -> impl IntoView {
    let counts = expect_context::<WorkspaceData>().counts;
    view! {
        <nav class="views-panel" aria-label="Views">
            <h2 class="panel-heading">"Views"</h2>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Counting…"</p> }>
                {move || Suspend::new(async move {
                    match counts.await {
                        Ok(counts) => view! {
                            <ul class="view-list">
                                {counts.into_iter().map(|entry| {
                                    let href = format!("/?view={}", entry.view.slug());
                                    let selected = move || current.get() == entry.view;
                                    view! {
                                        <li>
                                            <a href=href class="view-link"
                                                aria-current=move || selected().then_some("page")>
                                                <span class="view-name">{entry.view.label()}</span>
                                                <span class="count">
                                                    {entry.count}
                                                </span>
                                            </a>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Suspense>
            <Show when=move || can_create>
                <crate::conversations::ui::DraftsLink/>
                <SavedViewsList/>
            </Show>
            <Show when=move || can_create>
                <div class="create-ticket-slot">
                    <button type="button" class="button primary create-ticket" on:click=move |_| create_open.set(true)>
                        "Create ticket"
                    </button>
                </div>
            </Show>
        </nav>
    }
}

/// The middle of the workspace before a ticket is chosen.
#[component]
pub fn NoTicketSelected() -> impl IntoView {
    view! {
        <section class="ticket-pane empty-state" aria-label="Ticket">
            <h2>"No ticket open"</h2>
            <p>"Choose a ticket from the list to read its conversation and reply."</p>
        </section>
    }
}

/// The user's own saved views, under the built-in ones.
#[component]
fn SavedViewsList() -> impl IntoView {
    let changed = expect_context::<crate::tickets::filters::SavedViewsChanged>();
    let views = expect_context::<WorkspaceData>().saved_views;
    let delete = Action::new(|id: &String| crate::tickets::api::delete_saved_view(id.clone()));
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            changed.0.update(|n| *n += 1);
        }
    });
    view! {
        <h2 class="panel-heading">"My views"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match views.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted saved-hint">"Filter a view, then \"Save view\" keeps it here."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="view-list saved-views">
                            {list.into_iter().map(|saved| {
                                let id = saved.id.clone();
                                view! {
                                    <li class="saved-view">
                                        <a href=saved.href() class="view-link">
                                            <span class="view-name">{saved.name.clone()}</span>
                                            <span class="count">{saved.count_label()}</span>
                                        </a>
                                        <button type="button" class="button subtle chip-remove" aria-label=format!("Delete view {}", saved.name)
                                            on:click=move |_| { delete.dispatch(id.clone()); }>"×"</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}
