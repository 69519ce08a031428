//! Switchboard's shared crate: domain types, server functions and the UI, compiled into
//! the server (`ssr`) and into the wasm client (`hydrate`).

pub mod admin;
pub mod auth;
pub mod channels;
pub mod contacts;
pub mod conversations;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod demo;
pub mod error;
pub mod format;
pub mod forms;
pub mod kit;
pub mod limits;
pub mod pipelines;
pub mod properties;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod sql;
pub mod tickets;
pub mod wire;
pub mod workspace;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, Title};
#[cfg(any(feature = "ssr", not(feature = "settings-client")))]
use leptos_router::components::ParentRoute;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The workspace client's wasm chunks, each declared by its feature beside its views.
pub const CHUNKS: [kit::lazy::Chunk; 3] = [
    tickets::ui::CHUNK,
    tickets::create_panel::CHUNK,
    contacts::records::CHUNK,
];

/// The settings client's wasm chunks: its larger pages, each loaded on its own.
pub const SETTINGS_CHUNKS: [kit::lazy::Chunk; 2] = [channels::email::ui::CHUNK, pipelines::ui::CHUNK];

/// The chunks of the client that serves `path` (workspace or settings).
pub fn client_chunks(path: &str) -> &'static [kit::lazy::Chunk] {
    if settings_client_for(path) {
        &SETTINGS_CHUNKS
    } else {
        &CHUNKS
    }
}

/// The chunks whose views the server renders at `path`: the page hydrates once they are in.
pub fn chunks_for_path(path: &str) -> impl Iterator<Item = kit::lazy::Chunk> + '_ {
    client_chunks(path)
        .iter()
        .copied()
        .filter(move |chunk| chunk.renders(path))
}

/// Where the shared stylesheet is served; the server fills in a content hash.
#[derive(Clone, Debug)]
pub struct AssetPaths {
    pub stylesheet: String,
}

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions, assets: AssetPaths) -> impl IntoView {
    #[cfg(feature = "ssr")]
    security::set_page_policy();
    let options = client_options(options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href=assets.stylesheet/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options=options.clone()/>
                {chunk_preloads(&options)}
                <leptos_meta::MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The app ships as two wasm clients, so an agent's browser loads only the help desk:
/// the workspace client (login, workspace, records) and the settings client (`/admin/*`,
/// built with the `settings-client` feature). The server renders every page and names the
/// client for it (`settings_client_for`); links from one client's pages to the other's are
/// `rel="external"`, full page loads.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|text: String| if text.is_empty() { "Switchboard".to_string() } else { text }/>
        <Meta name="description" content="Switchboard help desk"/>
        <Link rel="preload" href="/favicon.svg" as_="image"/>
        <Router>
            <AppRoutes/>
        </Router>
    }
}

/// Whether the page at `path` is hydrated by the settings client (else the workspace client).
pub fn settings_client_for(path: &str) -> bool {
    path.starts_with("/admin/") || path == "/account"
}

/// The hydration scripts' options for this request: the settings client lives in the
/// `settings/` folder of the client files.
#[cfg(feature = "ssr")]
fn client_options(mut options: LeptosOptions) -> LeptosOptions {
    let path = use_context::<http::request::Parts>().map(|parts| parts.uri.path().to_string());
    if path.is_some_and(|path| settings_client_for(&path)) {
        options.site_pkg_dir = format!("{}/settings", options.site_pkg_dir).into();
    }
    options
}

#[cfg(not(feature = "ssr"))]
fn client_options(options: LeptosOptions) -> LeptosOptions {
    options
}

/// Has the browser fetch, alongside the main module, the split loader it imports and the
/// wasm chunks this page hydrates with (`chunks_for_path`).
#[cfg(feature = "ssr")]
fn chunk_preloads(options: &LeptosOptions) -> impl IntoView {
    let path = use_context::<http::request::Parts>()
        .map(|parts| parts.uri.path().to_string())
        .unwrap_or_default();
    let pkg = options.site_pkg_dir.clone();
    let files = use_context::<kit::lazy::ChunkFiles>().unwrap_or_default();
    let chunks = chunks_for_path(&path).flat_map(|chunk| files.of(&chunk).to_vec()).collect::<Vec<_>>().into_iter().map(|file| {
        view! { <link rel="preload" href=format!("/{pkg}/{file}") r#as="fetch" type="application/wasm" crossorigin=""/> }
    });
    view! {
        <link rel="modulepreload" href=format!("/{pkg}/__wasm_split.js") crossorigin=""/>
        {chunks.collect_view()}
    }
}

#[cfg(not(feature = "ssr"))]
fn chunk_preloads(_: &LeptosOptions) {}

/// Every route: the server renders all of them.
#[cfg(feature = "ssr")]
#[component]
fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=kit::NotFoundPage>
            <LoginRoute/>
            <Route path=path!("/admin/users") view=admin::ui::UsersPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/teams") view=admin::ui::TeamsPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/pipelines") view=pipelines::ui::PipelinesPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/properties") view=properties::ui::PropertiesPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/email") view=channels::email::ui::EmailSettingsPage ssr=SsrMode::Async/>
            <Route path=path!("/account") view=auth::account::AccountPage ssr=SsrMode::Async/>
            <WorkspaceRoutes/>
        </Routes>
    }
}

/// The workspace client's routes.
#[cfg(all(not(feature = "ssr"), not(feature = "settings-client")))]
#[component]
fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=kit::NotFoundPage>
            <LoginRoute/>
            <WorkspaceRoutes/>
        </Routes>
    }
}

/// The settings client's routes.
#[cfg(all(not(feature = "ssr"), feature = "settings-client"))]
#[component]
fn AppRoutes() -> impl IntoView {
    view! {
        // The settings pages (admins only), as in the server's list.
        <Routes fallback=kit::NotFoundPage>
            <Route path=path!("/admin/users") view=admin::ui::UsersPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/teams") view=admin::ui::TeamsPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/pipelines") view=pipelines::ui::PipelinesPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/properties") view=properties::ui::PropertiesPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/email") view=channels::email::ui::EmailSettingsPage ssr=SsrMode::Async/>
            <Route path=path!("/account") view=auth::account::AccountPage ssr=SsrMode::Async/>
        </Routes>
    }
}

#[cfg(any(feature = "ssr", not(feature = "settings-client")))]
#[component(transparent)]
fn LoginRoute() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! { <Route path=path!("/login") view=auth::ui::LoginPage ssr=SsrMode::Async/> }.into_inner()
}

/// The workspace: the list and one ticket, contact or company beside it.
#[cfg(any(feature = "ssr", not(feature = "settings-client")))]
#[component(transparent)]
fn WorkspaceRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/") view=workspace::ui::WorkspacePage ssr=SsrMode::Async>
            <Route path=path!("") view=workspace::ui::NoTicketSelected/>
            <Route path=path!("tickets/:id") view=tickets::ui::TicketPane/>
            <Route path=path!("drafts") view=conversations::ui::DraftsPage/>
            <Route path=path!("contacts/:id") view=contacts::records::ContactPage/>
            <Route path=path!("companies/:id") view=contacts::records::CompanyPage/>
        </ParentRoute>
    }
    .into_inner()
}
