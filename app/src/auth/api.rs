//! Server functions for logging in and out and asking who is logged in.

use leptos::prelude::*;

use super::model::CurrentUser;
use crate::error::AppError;

/// Failed logins for one account within this window count towards the limit.
pub const FAILURE_WINDOW_MILLIS: i64 = 15 * 60 * 1000;
/// After this many failures within the window, logins for the account wait.
pub const MAX_FAILURES: i64 = 5;

#[server(name = Login, prefix = "/api", endpoint = "login", output = leptos::server_fn::codec::Postcard)]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use super::session::{is_https, server_context, session_cookie, start_session, verify_password, with_status};
    use super::store;
    use crate::db::now_millis;

    with_status(
        async {
            let context = server_context()?;
            let email = email.trim().to_lowercase();
            if email.is_empty() {
                return Err(AppError::validation("email", "Enter your email address."));
            }
            if password.is_empty() {
                return Err(AppError::validation("password", "Enter your password."));
            }
            let now = now_millis();
            let (failures, oldest) =
                store::recent_login_failures(&context.db, &email, now - FAILURE_WINDOW_MILLIS).await?;
            if failures >= MAX_FAILURES {
                let until = oldest.unwrap_or(now) + FAILURE_WINDOW_MILLIS;
                let retry_after_seconds = ((until - now).max(1000) / 1000) as u64;
                return Err(AppError::TooManyAttempts { retry_after_seconds });
            }
            let credentials = store::credentials_for(&context.db, &email).await?;
            // Verify against a real hash even for unknown emails, so timing does not
            // reveal which accounts exist.
            let (user_id, hash) = credentials.clone().unwrap_or_else(|| (String::new(), dummy_hash()));
            let valid = verify_password(password, hash).await && credentials.is_some();
            if !valid {
                store::record_login_failure(&context.db, &email, now).await?;
                // Each failure in a row costs a little more time.
                let delay = 200 * (failures as u64 + 1);
                tokio::time::sleep(std::time::Duration::from_millis(delay.min(2000))).await;
                return Err(AppError::InvalidCredentials);
            }
            store::clear_login_failures(&context.db, &email).await?;
            let token = start_session(&context, &user_id).await?;
            let parts = use_context::<http::request::Parts>();
            let secure = parts.as_ref().is_some_and(is_https);
            let response = expect_context::<leptos_axum::ResponseOptions>();
            if let Ok(value) = http::HeaderValue::from_str(&session_cookie(&token, secure)) {
                response.append_header(http::header::SET_COOKIE, value);
            }
            leptos_axum::redirect(&super::model::safe_next_path(next.as_deref()));
            tracing::info!(user_id, "logged in");
            Ok(())
        }
        .await,
    )
}

/// An argon2 hash of a random password, verified against when the email is unknown,
/// made with the same parameters as real hashes so both take the same time.
#[cfg(feature = "ssr")]
fn dummy_hash() -> String {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        let password = crate::db::new_id();
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
    .clone()
}

#[server(name = Logout, prefix = "/api", endpoint = "logout", output = leptos::server_fn::codec::Postcard)]
pub async fn logout() -> Result<(), AppError> {
    use super::session::{cleared_session_cookie, is_https, server_context, token_from_headers};

    let context = server_context()?;
    let parts = use_context::<http::request::Parts>().ok_or(AppError::Internal)?;
    if let Some(token) = token_from_headers(&parts.headers) {
        super::store::delete_session(&context.db, &context.token_hash(&token)).await?;
    }
    let response = expect_context::<leptos_axum::ResponseOptions>();
    if let Ok(value) = http::HeaderValue::from_str(&cleared_session_cookie(is_https(&parts))) {
        response.append_header(http::header::SET_COOKIE, value);
    }
    leptos_axum::redirect("/login");
    Ok(())
}

/// The logged-in user, or `Unauthenticated`.
#[server(name = Me, prefix = "/api", endpoint = "me", output = leptos::server_fn::codec::Postcard)]
pub async fn me() -> Result<CurrentUser, AppError> {
    super::session::with_status(super::session::require_user().await.map(|(_, user)| user))
}
