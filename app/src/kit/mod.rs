//! The UI kit: the pieces every feature's screens share (error and redirect views, focus
//! handling, the "something changed" signal, labelled fields, code splitting). It imports
//! no feature; features import it, and never each other's screens.

pub mod field;
pub mod lazy;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::error::AppError;

/// Bumped whenever tickets (or what lists show of them) change here, so the views, their
/// counts and the open record fetch again.
#[derive(Clone, Copy)]
pub struct Changed(pub RwSignal<u32>);

impl Changed {
    pub fn version(self) -> u32 {
        self.0.get()
    }

    pub fn bump(self) {
        self.0.update(|n| *n += 1);
    }
}

/// Percent-encodes a query or form value (every byte but unreserved ASCII).
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The login page's address that brings the user back to `target` afterwards.
pub fn login_path_for(target: &str) -> String {
    let encoded: String = target
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    format!("/login?next={encoded}")
}

/// Sends a logged-out visitor to the login page, keeping where they were going.
#[component]
pub fn LoginRedirect() -> impl IntoView {
    let location = use_location();
    let target = format!(
        "{}{}",
        location.pathname.get_untracked(),
        location.search.get_untracked()
    );
    view! { <Redirect path=login_path_for(&target)/> }
}

/// A failure a person can act on.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    view! {
        <div class="error-panel" role="alert">
            <p>{error.to_string()}</p>
        </div>
    }
}

/// Moves the keyboard focus to the element with `id` once the view has re-rendered (for
/// controls that appear or move in answer to a key press or click).
pub fn focus_by_id(id: String) {
    use leptos::wasm_bindgen::JsCast;
    leptos::task::spawn_local(async move {
        leptos::task::tick().await;
        if let Some(element) = document()
            .get_element_by_id(&id)
            .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    });
}

/// Unknown routes: a real page with a way back, and a 404 status on the server.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found · Switchboard"/>
        <main class="not-found">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <a class="button primary" href="/" rel="external">"Go to the workspace"</a>
        </main>
    }
}

/// Frame of a settings page: a header with a way back, and the error cases every page shares.
#[component]
pub fn SettingsFrame(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Switchboard")/>
        <div class="admin-page">
            <header class="topbar">
                <a class="brand" href="/" rel="external">"Switchboard"</a>
                <nav class="topbar-links" aria-label="Main">
                    <a href="/" rel="external">"Workspace"</a>
                    <a href="/admin/users">"Users"</a>
                    <a href="/admin/teams">"Teams"</a>
                    <a href="/admin/pipelines">"Pipelines"</a>
                    <a href="/admin/properties">"Properties"</a>
                    <a href="/admin/email">"Email"</a>
                </nav>
            </header>
            <main class="admin-main">
                <h1>{title}</h1>
                {children()}
            </main>
        </div>
    }
}

/// What a settings page shows when its data did not load: the login for a visitor, "Page
/// not found" for someone without access, otherwise the error.
pub fn settings_error_view(error: AppError) -> AnyView {
    match error {
        AppError::Unauthenticated => view! { <LoginRedirect/> }.into_any(),
        AppError::NotFound => view! { <NotFoundPage/> }.into_any(),
        error => view! { <ErrorPanel error/> }.into_any(),
    }
}
