//! The login page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::Login;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || login.value().get().and_then(|result| result.err());
    let field_error = move |name: &'static str| move || error().and_then(|e| e.field_message(name));
    let general_error = move || error().filter(|e| !matches!(e, crate::error::AppError::Validation { .. }));

    view! {
        <Title text="Log in · Switchboard"/>
        <main class="login-page">
            <section class="login-card" aria-labelledby="login-heading">
                <h1 id="login-heading" class="brand">"Switchboard"</h1>
                <p class="muted">"Log in to your help desk workspace."</p>
                <ActionForm action=login attr:class="stack" attr:novalidate="true">
                    <input type="hidden" name="next" value=next/>
                    <div class="field">
                        <label for="login-email">"Email"</label>
                        <input id="login-email" name="email" type="email" autocomplete="username" required
                            aria-describedby="login-email-error"/>
                        <p id="login-email-error" class="field-error" role="alert">{field_error("email")}</p>
                    </div>
                    <div class="field">
                        <label for="login-password">"Password"</label>
                        <input id="login-password" name="password" type="password" autocomplete="current-password"
                            required aria-describedby="login-password-error"/>
                        <p id="login-password-error" class="field-error" role="alert">{field_error("password")}</p>
                    </div>
                    <div class="form-error" role="alert" aria-live="polite">
                        {move || general_error().map(|e| e.to_string())}
                    </div>
                    <button type="submit" class="button primary" disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "Logging in…" } else { "Log in" }}
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
