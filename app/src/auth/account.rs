//! The account page (`/account`, every user): "Change password" and "Log out other
//! sessions". Served by the settings client, like the admin pages.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{ChangePassword, LogOutOtherSessions};

/// The value of the input behind `node`.
fn input_value(node: NodeRef<leptos::html::Input>) -> String {
    node.get_untracked().map(|input| input.value()).unwrap_or_default()
}

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Account · Switchboard"/>
        <div class="admin-page">
            <header class="topbar">
                <a class="brand" href="/" rel="external">"Switchboard"</a>
                <nav class="topbar-links" aria-label="Main">
                    <a href="/" rel="external">"Workspace"</a>
                </nav>
            </header>
            <main class="admin-main">
                <h1>"Account"</h1>
                <ChangePasswordForm/>
                <OtherSessions/>
            </main>
        </div>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let (current, new) = (NodeRef::new(), NodeRef::new());
    let error = move || change.value().get().and_then(|r| r.err());
    let field_error = move |name: &'static str| move || error().and_then(|e| e.field_message(name));
    let general_error =
        move || error().filter(|e| e.field_message("current").is_none() && e.field_message("new").is_none());
    let done = move || matches!(change.value().get(), Some(Ok(())));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change.dispatch(ChangePassword {
            current: input_value(current),
            new: input_value(new),
        });
    };
    view! {
        <section class="card" aria-labelledby="change-password-heading">
            <h2 id="change-password-heading">"Change password"</h2>
            <form class="stack" novalidate on:submit=submit>
                <div class="field">
                    <label for="current-password">"Current password"</label>
                    <input id="current-password" node_ref=current type="password" autocomplete="current-password"
                        required aria-describedby="current-password-error"/>
                    <p id="current-password-error" class="field-error" role="alert">{field_error("current")}</p>
                </div>
                <div class="field">
                    <label for="new-password">"New password"</label>
                    <input id="new-password" node_ref=new type="password" autocomplete="new-password" minlength="8"
                        required aria-describedby="new-password-error"/>
                    <p id="new-password-error" class="field-error" role="alert">{field_error("new")}</p>
                </div>
                <div class="form-error" role="alert">{move || general_error().map(|e| e.to_string())}</div>
                <p role="status">{move || done().then_some("Password changed. Your other sessions were logged out.")}</p>
                <button type="submit" class="button primary" disabled=move || change.pending().get()>
                    {move || if change.pending().get() { "Changing…" } else { "Change password" }}
                </button>
            </form>
        </section>
    }
}

#[component]
fn OtherSessions() -> impl IntoView {
    let log_out = ServerAction::<LogOutOtherSessions>::new();
    let outcome = move || {
        log_out.value().get().map(|result| match result {
            Ok(0) => "There were no other sessions.".to_string(),
            Ok(1) => "1 other session was logged out.".to_string(),
            Ok(n) => format!("{n} other sessions were logged out."),
            Err(error) => error.to_string(),
        })
    };
    view! {
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Sessions"</h2>
            <p class="muted">"Logged in on another computer or a lost phone? End every session but this one."</p>
            <button type="button" class="button" disabled=move || log_out.pending().get()
                on:click=move |_| { log_out.dispatch(LogOutOtherSessions {}); }>
                "Log out other sessions"
            </button>
            <p role="status">{outcome}</p>
        </section>
    }
}
