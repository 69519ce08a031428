//! Server-side sessions: tokens, cookies, and finding the caller of a server function.

use std::sync::Arc;

use http::request::Parts;
use leptos::prelude::*;
use sha2::{Digest, Sha256};

use super::model::CurrentUser;
use crate::db::{new_id, now_millis, Db};
use crate::error::{AppError, AppResult};

pub const SESSION_COOKIE: &str = "sb_session";
/// Sessions last two weeks from login.
pub const SESSION_TTL_MILLIS: i64 = 14 * 24 * 60 * 60 * 1000;

/// What every request may use: set once in the router, reached through context.
#[derive(Clone, Debug)]
pub struct ServerContext {
    pub db: Db,
    /// Keys the session-token hashes, so a copy of the database alone opens no session.
    pub secret_key: Arc<Vec<u8>>,
}

impl ServerContext {
    pub fn token_hash(&self, token: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.secret_key.as_slice());
        hasher.update(b":session:");
        hasher.update(token.as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// The server context of the current request.
pub fn server_context() -> AppResult<ServerContext> {
    use_context::<ServerContext>().ok_or_else(|| {
        tracing::error!("server context missing from the request");
        AppError::Internal
    })
}

fn request_parts() -> AppResult<Parts> {
    use_context::<Parts>().ok_or_else(|| {
        tracing::error!("request parts missing from the request");
        AppError::Internal
    })
}

/// The session token the request carries, if any.
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
}

/// Looks the session up in the database (so every instance agrees, and logout or
/// deactivation ends it everywhere).
pub async fn user_for_token(context: &ServerContext, token: &str) -> AppResult<Option<CurrentUser>> {
    super::store::session_user(&context.db, &context.token_hash(token), now_millis()).await
}

/// The logged-in caller of this server function, or `Unauthenticated`.
pub async fn require_user() -> AppResult<(ServerContext, CurrentUser)> {
    let context = server_context()?;
    let parts = request_parts()?;
    // The router's middleware has usually looked the session up already.
    if let Some(user) = parts.extensions.get::<CurrentUser>() {
        return Ok((context, user.clone()));
    }
    let token = token_from_headers(&parts.headers).ok_or(AppError::Unauthenticated)?;
    let user = user_for_token(&context, &token)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok((context, user))
}

/// Like [`require_user`], but only for super admins; others get `NotFound`, as if the
/// admin feature did not exist for them.
pub async fn require_admin() -> AppResult<(ServerContext, CurrentUser)> {
    let (context, user) = require_user().await?;
    if !user.role.is_admin() {
        return Err(AppError::NotFound);
    }
    Ok((context, user))
}

/// The session's user if they may change tickets (help desk seats and admins, MISSION P2);
/// `NotFound` for service access, as if the action did not exist.
pub async fn require_editor() -> AppResult<(ServerContext, CurrentUser)> {
    let (context, user) = require_user().await?;
    if !crate::tickets::model::can_edit_tickets(user.role) {
        return Err(AppError::NotFound);
    }
    Ok((context, user))
}

/// Starts a session for `user_id`; returns the token for the cookie.
pub async fn start_session(context: &ServerContext, user_id: &str) -> AppResult<String> {
    let token = format!("{}{}", new_id(), new_id());
    let now = now_millis();
    super::store::insert_session(
        &context.db,
        &context.token_hash(&token),
        user_id,
        now,
        now + SESSION_TTL_MILLIS,
    )
    .await?;
    Ok(token)
}

/// Whether the request arrived over https (directly or through a proxy that says so).
pub fn is_https(parts: &Parts) -> bool {
    parts.uri.scheme_str() == Some("https")
        || parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    let max_age = SESSION_TTL_MILLIS / 1000;
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

pub fn cleared_session_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// Sets the HTTP status of a server function's response from its error, so the wire
/// carries both the typed error (JSON body) and a matching status code.
pub fn with_status<T>(result: AppResult<T>) -> AppResult<T> {
    if let Err(error) = &result {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(code) = http::StatusCode::from_u16(error.status_code()) {
                response.set_status(code);
            }
        }
    }
    result
}

/// Hashes a password with argon2id on a blocking thread (it is deliberately slow).
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| {
                tracing::error!(%error, "password hashing failed");
                AppError::Internal
            })
    })
    .await
    .map_err(|_| AppError::Internal)?
}

/// Checks a password against a stored argon2 hash, on a blocking thread.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        PasswordHash::new(&hash)
            .map(|parsed| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookie_is_http_only_and_same_site() {
        let cookie = session_cookie("abc", false);
        assert!(cookie.contains("HttpOnly"));
        assert!(cookie.contains("SameSite=Lax"));
        assert!(!cookie.contains("Secure"));
        assert!(session_cookie("abc", true).contains("; Secure"));
    }

    #[test]
    fn token_is_read_from_among_other_cookies() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            "theme=dark; sb_session=tok123; x=y".parse().unwrap(),
        );
        assert_eq!(token_from_headers(&headers).as_deref(), Some("tok123"));
        headers.insert(http::header::COOKIE, "sb_session=".parse().unwrap());
        assert_eq!(token_from_headers(&headers), None);
    }
}
