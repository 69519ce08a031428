//! Attachments over HTTP. `POST /files?conversation=<id>&name=<file name>` stores the
//! request's body as a file on the caller's reply draft: streamed to disk, cut off the moment
//! it passes what the reply has room for, recorded only once it is complete. `GET
//! /files/<id>` downloads a file the caller may see, always as a download (never shown by
//! the browser as a page), in a sandbox. The answers are the typed errors server functions
//! give, in the same postcard encoding.

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http::{header, HeaderValue, StatusCode};
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use app::auth::model::CurrentUser;
use app::auth::session::ServerContext;
use app::conversations::files::{self, FileStore};
use app::error::AppError;

#[derive(Deserialize)]
pub struct UploadQuery {
    conversation: String,
    name: String,
}

fn answer_error(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let status = match &error {
        // A file over the reply's limit: the status says so too.
        AppError::Validation { field, .. } if field == "attachments" => StatusCode::PAYLOAD_TOO_LARGE,
        _ => status,
    };
    (status, app::wire::encode(&error)).into_response()
}

fn editor(request: &Request) -> Result<CurrentUser, AppError> {
    let user = request
        .extensions()
        .get::<CurrentUser>()
        .cloned()
        .ok_or(AppError::Unauthenticated)?;
    if !app::tickets::model::can_edit_tickets(user.role) {
        return Err(AppError::NotFound);
    }
    Ok(user)
}

/// Stores an uploaded file on the caller's draft; answers with the attachment.
pub async fn upload(
    State(context): State<ServerContext>,
    Query(query): Query<UploadQuery>,
    request: Request,
) -> Response {
    match store_upload(&context, &query, request).await {
        Ok(attachment) => (StatusCode::OK, app::wire::encode(&attachment)).into_response(),
        Err(error) => answer_error(error),
    }
}

async fn store_upload(
    context: &ServerContext,
    query: &UploadQuery,
    request: Request,
) -> Result<app::conversations::attachments::Attachment, AppError> {
    let user = editor(&request)?;
    app::limits::id(&query.conversation)?;
    app::limits::text("name", "The file name", &query.name, 1000)?;
    let store: &FileStore = &context.files;
    let room = files::room(&context.db, store, &user, &query.conversation).await?;
    room.check(0).map_err(files::refused)?;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    if let Some(length) = declared {
        room.check(length).map_err(files::refused)?;
    }
    let left = (room.limit - room.attached).max(0) as u64;
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();

    let (key, partial) = store.new_upload();
    let written = write_body(request.into_body(), &partial, left).await;
    let size = match written {
        Ok(size) => size,
        Err(error) => {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(match error {
                WriteError::TooBig(size) => files::refused(room.check(size as i64).err().unwrap_or_default()),
                WriteError::Io(error) => {
                    tracing::error!(%error, "could not write an upload to the files folder");
                    AppError::Internal
                }
                WriteError::Cut => {
                    AppError::validation("attachments", "The upload was interrupted: add the file again.")
                }
            });
        }
    };
    if let Err(error) = store.keep(&key, &partial).await {
        tracing::error!(%error, "could not keep an upload in the files folder");
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(AppError::Internal);
    }
    let added = files::add(
        &context.db,
        store,
        &user,
        &query.conversation,
        &files::Uploaded {
            file_name: &query.name,
            content_type: &content_type,
            size,
            storage_key: &key,
        },
    )
    .await;
    if added.is_err() {
        store.remove(std::slice::from_ref(&key)).await;
    }
    added
}

enum WriteError {
    /// More than there is room for: how much had arrived when it was cut off.
    TooBig(u64),
    /// The client stopped sending before the end.
    Cut,
    Io(std::io::Error),
}

/// Writes the body to `path`, at most `room` bytes; returns the size.
async fn write_body(body: Body, path: &std::path::Path, room: u64) -> Result<u64, WriteError> {
    let mut file = tokio::fs::File::create(path).await.map_err(WriteError::Io)?;
    let mut stream = body.into_data_stream();
    let mut size: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| WriteError::Cut)?;
        size += chunk.len() as u64;
        if size > room {
            return Err(WriteError::TooBig(size));
        }
        file.write_all(&chunk).await.map_err(WriteError::Io)?;
    }
    file.flush().await.map_err(WriteError::Io)?;
    file.sync_all().await.map_err(WriteError::Io)?;
    Ok(size)
}

/// Downloads a file the caller may see (their own draft's, or one sent on a ticket in their
/// scope); anything else is "not found", whatever the id.
pub async fn download(State(context): State<ServerContext>, Path(id): Path<String>, request: Request) -> Response {
    serve(context, id, request, false).await
}

/// Shows an image inside an incoming message (its `cid:` images): the same access check as
/// a download; only PNG, JPEG, GIF and WebP are shown in place (never SVG, which can hold
/// script), anything else still downloads.
pub async fn inline(State(context): State<ServerContext>, Path(id): Path<String>, request: Request) -> Response {
    serve(context, id, request, true).await
}

const SHOWN_IN_PLACE: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

async fn serve(context: ServerContext, id: String, request: Request, inline: bool) -> Response {
    let Some(user) = request.extensions().get::<CurrentUser>().cloned() else {
        return answer_error(AppError::Unauthenticated);
    };
    let (attachment, key) = match files::for_download(&context.db, &user, &id).await {
        Ok(found) => found,
        Err(AppError::NotFound) => return (StatusCode::NOT_FOUND, "No such file.").into_response(),
        Err(error) => return answer_error(error),
    };
    let file = match context.files.open(&key).await {
        Ok(file) => file,
        Err(error) => {
            tracing::error!(%error, file = %attachment.id, "a stored file is missing");
            return (
                StatusCode::NOT_FOUND,
                "This file is missing from the server's files folder.",
            )
                .into_response();
        }
    };
    let mut response = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&attachment.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    let in_place = inline && SHOWN_IN_PLACE.contains(&attachment.content_type.as_str());
    if in_place {
        headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
    } else if let Ok(value) = HeaderValue::from_str(&content_disposition(&attachment.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Ok(value) = HeaderValue::from_str(&attachment.size.to_string()) {
        headers.insert(header::CONTENT_LENGTH, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    // Whatever the file holds, it runs nothing: no script, no form, no same-origin access.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    response
}

/// `attachment; filename="report.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`: an ASCII
/// fallback (anything else as `_`) and the exact name percent-encoded.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        app::kit::urlencode(name)
    )
}

/// `GET /messages/<id>/original`: an incoming message exactly as it was received ("Show
/// original"), as plain text in a sandbox, for users who may see its ticket.
pub async fn original(State(context): State<ServerContext>, Path(id): Path<String>, request: Request) -> Response {
    let Some(user) = request.extensions().get::<CurrentUser>().cloned() else {
        return answer_error(AppError::Unauthenticated);
    };
    let key = match app::channels::email::incoming::store::original_key(&context.db, &user, &id).await {
        Ok(key) => key,
        Err(AppError::NotFound | AppError::Validation { .. }) => {
            return (StatusCode::NOT_FOUND, "No such message.").into_response()
        }
        Err(error) => return answer_error(error),
    };
    let bytes = match context.files.read(&key).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, message = %id, "the original of a message is missing");
            return (
                StatusCode::NOT_FOUND,
                "This message's original is missing from the files folder.",
            )
                .into_response();
        }
    };
    raw_message(bytes, None)
}

/// A raw message as plain text in a sandbox: shown, or downloaded as `download` (.eml).
fn raw_message(bytes: Vec<u8>, download: Option<&str>) -> Response {
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    let (kind, disposition) = match download {
        Some(name) => ("message/rfc822", content_disposition(name)),
        None => ("text/plain; charset=utf-8", "inline".to_string()),
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    response
}

#[derive(Deserialize)]
pub struct OriginalQuery {
    #[serde(default)]
    download: Option<String>,
}

/// `GET /admin/failed-imports/<id>/original[?download=1]`: a message kept in "Failed to
/// import", for super admins: shown as plain text, or downloaded as an `.eml` file.
pub async fn failed_import(
    State(context): State<ServerContext>,
    Path(id): Path<String>,
    Query(query): Query<OriginalQuery>,
    request: Request,
) -> Response {
    match request.extensions().get::<CurrentUser>() {
        None => return answer_error(AppError::Unauthenticated),
        // Others are told nothing exists (as for any record they may not see).
        Some(user) if !user.role.is_admin() => return (StatusCode::NOT_FOUND, "No such message.").into_response(),
        Some(_) => {}
    }
    match app::channels::email::incoming::store::failed_import_raw(&context.db, &context.files, &id).await {
        Ok((bytes, _)) => raw_message(bytes, query.download.is_some().then_some("failed-import.eml")),
        Err(AppError::NotFound | AppError::Validation { .. }) => (
            StatusCode::NOT_FOUND,
            "No such message: it may have been retried or deleted.",
        )
            .into_response(),
        Err(error) => answer_error(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_are_named_safely() {
        assert_eq!(
            content_disposition("résumé \"v2\".pdf"),
            "attachment; filename=\"r_sum_ _v2_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.pdf"
        );
    }
}
