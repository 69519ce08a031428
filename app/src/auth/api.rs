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
    use super::model::{MAX_EMAIL_BYTES, MAX_PASSWORD_BYTES};
    use super::session::{
        cookie_from_headers, device_cookie, secure_request, server_context, session_cookie, start_session,
        verify_password, with_status,
    };
    use super::store;
    use super::throttle::{back_off_millis, device_cookie_value, known_device, ClientAddress, DEVICE_COOKIE};
    use crate::db::now_millis;

    with_status(
        async {
            let context = server_context()?;
            let parts = use_context::<http::request::Parts>().ok_or(AppError::Internal)?;
            // Sizes first: nothing below (hashing, the database) sees an oversized value.
            if email.len() > MAX_EMAIL_BYTES {
                return Err(AppError::validation(
                    "email",
                    "That is longer than any email address can be.",
                ));
            }
            if password.len() > MAX_PASSWORD_BYTES {
                return Err(AppError::InvalidCredentials);
            }
            let email = email.trim().to_lowercase();
            if email.is_empty() {
                return Err(AppError::validation("email", "Enter your email address."));
            }
            if password.is_empty() {
                return Err(AppError::validation("password", "Enter your password."));
            }
            let address = parts
                .extensions
                .get::<ClientAddress>()
                .map(|address| address.0)
                .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
            let ticket = match context.login_guard.admit(address) {
                Ok(ticket) => ticket,
                Err(refused) => {
                    // Refusals wait a second before they are answered: a client retrying at
                    // once (an attack loops on its answers) costs the server a timer, not a
                    // core, and everyone else's requests keep theirs.
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    return Err(refused);
                }
            };

            // Failures are counted per kind of client: a browser this account logged in
            // from before keeps its own count, so strangers' guesses never lock the owner out.
            let device = cookie_from_headers(&parts.headers, DEVICE_COOKIE)
                .and_then(|cookie| known_device(&context.secret_key, &email, &cookie));
            let client = device.as_deref().unwrap_or("");
            let now = now_millis();
            let window_start = now - FAILURE_WINDOW_MILLIS;
            let (before, last_at) = store::login_failures(&context.db, &email, client, window_start).await?;
            let wait = back_off_millis(before) - (now - last_at);
            if before >= MAX_FAILURES && wait > 0 {
                return Err(AppError::TooManyAttempts {
                    retry_after_seconds: (wait as u64).div_ceil(1000),
                });
            }
            // Counted before the password is checked, in one statement: of concurrent
            // guesses each gets its own number, and only those the rules allow go on.
            let counted = store::count_login_failure(&context.db, &email, client, now, window_start).await?;
            if counted > MAX_FAILURES && counted != before + 1 {
                return Err(AppError::TooManyAttempts {
                    retry_after_seconds: (back_off_millis(counted) as u64).div_ceil(1000),
                });
            }
            let credentials = store::credentials_for(&context.db, &email).await?;
            // Verify against a real hash even for unknown emails, so timing does not
            // reveal which accounts exist.
            let (user_id, hash) = credentials.clone().unwrap_or_else(|| (String::new(), dummy_hash()));
            let valid = verify_password(&context, password, hash).await? && credentials.is_some();
            if !valid {
                context.login_guard.record_failure(address);
                drop(ticket);
                // Each failure in a row costs a little more time.
                let delay = 200 * counted.clamp(1, 10) as u64;
                tokio::time::sleep(std::time::Duration::from_millis(delay.min(2000))).await;
                return Err(AppError::InvalidCredentials);
            }
            store::clear_login_failures(&context.db, &email, client).await?;
            let token = start_session(&context, &user_id).await?;
            let secure = secure_request(&context, &parts);
            let response = expect_context::<leptos_axum::ResponseOptions>();
            let device_id = device.unwrap_or_else(crate::db::new_id);
            let device_value = device_cookie_value(&context.secret_key, &email, &device_id);
            for cookie in [session_cookie(&token, secure), device_cookie(&device_value, secure)] {
                if let Ok(value) = http::HeaderValue::from_str(&cookie) {
                    response.append_header(http::header::SET_COOKIE, value);
                }
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
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| super::session::argon2_hash(&crate::db::new_id()).unwrap_or_default())
        .clone()
}

#[server(name = Logout, prefix = "/api", endpoint = "logout", output = leptos::server_fn::codec::Postcard)]
pub async fn logout() -> Result<(), AppError> {
    use super::session::{cleared_session_cookie, secure_request, server_context, token_from_headers};

    let context = server_context()?;
    let parts = use_context::<http::request::Parts>().ok_or(AppError::Internal)?;
    if let Some(token) = token_from_headers(&parts.headers) {
        super::store::delete_session(&context.db, &context.token_hash(&token)).await?;
    }
    let response = expect_context::<leptos_axum::ResponseOptions>();
    if let Ok(value) = http::HeaderValue::from_str(&cleared_session_cookie(secure_request(&context, &parts))) {
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

/// The caller's own session token hash (to keep it while ending the others).
#[cfg(feature = "ssr")]
fn current_token_hash(context: &super::session::ServerContext) -> crate::error::AppResult<String> {
    let parts = use_context::<http::request::Parts>().ok_or(AppError::Internal)?;
    let token = super::session::token_from_headers(&parts.headers).ok_or(AppError::Unauthenticated)?;
    Ok(context.token_hash(&token))
}

/// Changes the caller's password ("Change password"): the current one is checked first,
/// and every other session of theirs ends (this browser stays logged in).
#[server(name = ChangePassword, prefix = "/api", endpoint = "change_password", output = leptos::server_fn::codec::Postcard)]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    use super::session::{hash_password, require_user, verify_password, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            if current.len() > super::model::MAX_PASSWORD_BYTES {
                return Err(AppError::validation("current", "That is not your current password."));
            }
            crate::admin::model::check_password("new", &new)?;
            let hash = super::store::password_hash_of(&context.db, &user.id)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            if !verify_password(&context, current, hash).await? {
                return Err(AppError::validation("current", "That is not your current password."));
            }
            let new_hash = hash_password(&context, new).await?;
            let keep = current_token_hash(&context)?;
            super::store::set_password(&context.db, &user.id, &new_hash, Some(&keep)).await?;
            tracing::info!(user_id = user.id, "password changed; other sessions ended");
            Ok(())
        }
        .await,
    )
}

/// Ends every session of the caller except this one ("Log out other sessions"); returns
/// how many ended.
#[server(name = LogOutOtherSessions, prefix = "/api", endpoint = "log_out_other_sessions", output = leptos::server_fn::codec::Postcard)]
pub async fn log_out_other_sessions() -> Result<u64, AppError> {
    use super::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            let keep = current_token_hash(&context)?;
            super::store::delete_other_sessions(&context.db, &user.id, &keep).await
        }
        .await,
    )
}

/// Loads data for a settings page only for super admins; everyone else gets `NotFound`,
/// as if the page did not exist (the server functions behind saves check again).
pub async fn admin_only<T>(load: impl std::future::Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let user = me().await?;
    if !user.role.is_admin() {
        return Err(AppError::NotFound);
    }
    load.await
}
