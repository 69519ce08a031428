//! Server-side sessions: tokens, cookies, and finding the caller of a server function.

use std::sync::Arc;

use http::request::Parts;
use leptos::prelude::*;
use sha2::{Digest, Sha256};

use super::model::CurrentUser;
use crate::db::{new_id, now_millis, Db};
use crate::error::{AppError, AppResult};

pub const SESSION_COOKIE: &str = "sb_session";
/// The cookie's name over https: the `__Host-` prefix makes browsers refuse it unless it
/// is `Secure`, for the whole site and set by this host (no sibling domain can plant one).
pub const SECURE_SESSION_COOKIE: &str = "__Host-sb_session";
/// Sessions last two weeks from login.
pub const SESSION_TTL_MILLIS: i64 = 14 * 24 * 60 * 60 * 1000;
/// And end after twelve hours without a request (the idle timeout).
pub const SESSION_IDLE_MILLIS: i64 = 12 * 60 * 60 * 1000;
/// How stale a session's "last used" time may get before a request refreshes it.
const SESSION_TOUCH_MILLIS: i64 = 5 * 60 * 1000;

/// What every request may use: set once in the router, reached through context.
#[derive(Clone, Debug)]
pub struct ServerContext {
    pub db: Db,
    /// Keys the session-token hashes, so a copy of the database alone opens no session.
    pub secret_key: Arc<Vec<u8>>,
    /// Login limits of this process (`throttle`).
    pub login_guard: Arc<super::throttle::LoginGuard>,
    /// Cookies are `Secure` (and `__Host-` named) on every request, not only on those
    /// that say they came over https: set when every public origin is https.
    pub secure_cookies: bool,
    /// Where attachments are kept, and how big the files of one reply may be together.
    pub files: Arc<crate::conversations::files::FileStore>,
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

/// The value of the cookie called `name`, if the request carries a non-empty one.
pub fn cookie_from_headers(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
}

/// The session token the request carries, if any (the https cookie first).
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<String> {
    cookie_from_headers(headers, SECURE_SESSION_COOKIE).or_else(|| cookie_from_headers(headers, SESSION_COOKIE))
}

/// Looks the session up in the database (so every instance agrees, and logout or
/// deactivation ends it everywhere); a session idle too long has ended.
pub async fn user_for_token(context: &ServerContext, token: &str) -> AppResult<Option<CurrentUser>> {
    let now = now_millis();
    let hash = context.token_hash(token);
    let found = super::store::session_user(&context.db, &hash, now, now - SESSION_IDLE_MILLIS).await?;
    let Some((user, last_seen_at)) = found else {
        return Ok(None);
    };
    if last_seen_at < now - SESSION_TOUCH_MILLIS {
        super::store::touch_session(&context.db, &hash, now, SESSION_TOUCH_MILLIS).await?;
    }
    Ok(Some(user))
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

/// Whether this request's cookies are `Secure`: it came over https, or the
/// configuration says every public origin is https.
pub fn secure_request(context: &ServerContext, parts: &Parts) -> bool {
    context.secure_cookies || is_https(parts)
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    let max_age = SESSION_TTL_MILLIS / 1000;
    if secure {
        format!("{SECURE_SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}; Secure")
    } else {
        format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}")
    }
}

pub fn cleared_session_cookie(secure: bool) -> String {
    if secure {
        format!("{SECURE_SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure")
    } else {
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }
}

/// The known-device cookie (`throttle`), kept for a year.
pub fn device_cookie(value: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    let name = super::throttle::DEVICE_COOKIE;
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000{secure}")
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

/// An argon2id hash of `password` (deliberately slow: call it off the async threads).
pub fn argon2_hash(password: &str) -> AppResult<String> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| {
            tracing::error!(%error, "password hashing failed");
            AppError::Internal
        })
}

/// Hashes a password on a blocking thread once a hashing permit is free (the permits
/// keep argon2 from taking every core).
pub async fn hash_password(context: &ServerContext, password: String) -> AppResult<String> {
    context.login_guard.hash(move || argon2_hash(&password)).await?
}

/// Checks a password against a stored argon2 hash, like [`hash_password`].
pub async fn verify_password(context: &ServerContext, password: String, hash: String) -> AppResult<bool> {
    context
        .login_guard
        .hash(move || {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookie_is_http_only_and_same_site() {
        let cookie = session_cookie("abc", false);
        assert!(cookie.starts_with("sb_session=abc;"));
        assert!(cookie.contains("HttpOnly"));
        assert!(cookie.contains("SameSite=Lax"));
        assert!(!cookie.contains("Secure"));
        let secure = session_cookie("abc", true);
        assert!(
            secure.starts_with("__Host-sb_session=abc;") && secure.contains("; Secure") && secure.contains("Path=/")
        );
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
        headers.insert(
            http::header::COOKIE,
            "sb_session=plain; __Host-sb_session=tls".parse().unwrap(),
        );
        assert_eq!(token_from_headers(&headers).as_deref(), Some("tls"));
    }
}
