//! `POST /inbound/email/<address id>`: a raw RFC 5322 message from a mail server's pipe or
//! a provider's inbound webhook, authenticated by the address's secret token (`Authorization:
//! Bearer <token>`). It goes through the same ingest as the IMAP follower. Answers are JSON
//! a script can act on; a temporary failure is a 503 with Retry-After, so the sender keeps
//! the message and tries again.
//!
//! Also `GET /images/remote`: what a remote image of an incoming message shows until an
//! agent chooses "Show images" (a placeholder of our own; no request leaves for the sender).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde_json::json;

use app::auth::session::ServerContext;
use app::channels::email::incoming::{self, store, Outcome};
use app::error::AppError;

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn try_later(message: &str) -> Response {
    let mut response = answer(StatusCode::SERVICE_UNAVAILABLE, json!({ "error": message }));
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    response
}

pub async fn receive(
    State(context): State<ServerContext>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .trim();
    let inbox = match store::inbox_for_token(&context.db, &channel, token).await {
        Ok(Some((inbox, false))) => inbox,
        Ok(Some((_, true))) => return try_later("This address is paused in Settings > Email; try again later."),
        Ok(None) => {
            return answer(
                StatusCode::UNAUTHORIZED,
                json!({ "error": "Unknown address or wrong token: copy both from Settings > Email." }),
            )
        }
        Err(_) => return try_later("The help desk cannot reach its database; try again later."),
    };
    match incoming::ingest(&context.db, &context.files, &inbox, &body).await {
        Ok(Outcome::Stored {
            ticket_id,
            message_id,
            threaded_by,
        }) => answer(
            StatusCode::OK,
            json!({ "outcome": "stored", "ticket": ticket_id, "message": message_id, "threaded_by": threaded_by.as_str() }),
        ),
        Ok(Outcome::Duplicate { ticket_id }) => {
            answer(StatusCode::OK, json!({ "outcome": "duplicate", "ticket": ticket_id }))
        }
        // Kept: the sender must not try again (the message is safe with us).
        Ok(Outcome::Failed { failed_id, reason }) => answer(
            StatusCode::ACCEPTED,
            json!({ "outcome": "failed_to_import", "failed_import": failed_id, "reason": reason }),
        ),
        Err(AppError::Busy { .. } | AppError::Unavailable) => {
            try_later("The help desk is busy; try again in a minute.")
        }
        Err(error) => {
            tracing::error!(%error, channel = %inbox.channel_id, "an incoming message could not be stored");
            try_later("The message could not be stored; try again later.")
        }
    }
}

/// A grey picture frame with a crossed corner: "an image is held back here".
const PLACEHOLDER: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="48" height="32" viewBox="0 0 48 32"><rect x="1" y="1" width="46" height="30" rx="3" fill="#f1f3f5" stroke="#adb5bd" stroke-width="2" stroke-dasharray="4 3"/><path d="M10 24l8-9 6 6 4-4 10 7z" fill="#ced4da"/><circle cx="33" cy="10" r="3" fill="#ced4da"/></svg>"##;

pub async fn remote_image() -> Response {
    let mut response = PLACEHOLDER.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    response
}
