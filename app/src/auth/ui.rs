//! The login page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::Login;

/// The value of the input behind `node`, empty before the page is hydrated.
fn input_value(node: NodeRef<leptos::html::Input>) -> String {
    node.get_untracked().map(|input| input.value()).unwrap_or_default()
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || login.value().get().and_then(|result| result.err());
    let field_error = move |name: &'static str| move || error().and_then(|e| e.field_message(name));
    let general_error = move || error().filter(|e| !matches!(e, crate::error::AppError::Validation { .. }));
    let (email, password) = (NodeRef::new(), NodeRef::new());
    // A plain form that posts to the server function, so logging in works before (or
    // without) the wasm client; once hydrated, the submit goes through the action.
    // (Leptos's `ActionForm` would do the same, but brings a query-string decoder into
    // the client for it.)
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let next = Some(next()).filter(|next| !next.is_empty());
        login.dispatch(Login {
            email: input_value(email),
            password: input_value(password),
            next,
        });
    };

    view! {
        <Title text="Log in · Switchboard"/>
        <main class="login-page">
            <section class="login-card" aria-labelledby="login-heading">
                <h1 id="login-heading" class="brand">"Switchboard"</h1>
                <p class="muted">"Log in to your help desk workspace."</p>
                <form action={<Login as leptos::server_fn::ServerFn>::url()} method="post" class="stack" novalidate on:submit=submit>
                    <input type="hidden" name="next" value=next/>
                    <div class="field">
                        <label for="login-email">"Email"</label>
                        <input id="login-email" node_ref=email name="email" type="email" autocomplete="username" required
                            aria-describedby="login-email-error"/>
                        <p id="login-email-error" class="field-error" role="alert">{field_error("email")}</p>
                    </div>
                    <div class="field">
                        <label for="login-password">"Password"</label>
                        <input id="login-password" node_ref=password name="password" type="password" autocomplete="current-password"
                            required aria-describedby="login-password-error"/>
                        <p id="login-password-error" class="field-error" role="alert">{field_error("password")}</p>
                    </div>
                    <div class="form-error" role="alert" aria-live="polite">
                        {move || general_error().map(|e| e.to_string())}
                    </div>
                    <button type="submit" class="button primary" disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "Logging in…" } else { "Log in" }}
                    </button>
                </form>
            </section>
        </main>
    }
}
