//! The one error type every server function returns, shared by server and client.

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What can go wrong across the server-function boundary. The client matches on it to
/// show the right message beside the right field; the server maps it to an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The caller is not logged in (or the session ended).
    #[error("Your session has ended. Log in again to continue.")]
    Unauthenticated,
    /// The record does not exist, or the caller may not see it: deliberately the same.
    #[error("Not found. It may have been deleted, or you do not have access to it.")]
    NotFound,
    /// A field was rejected; `field` is the form field's name.
    #[error("{message}")]
    Validation { field: String, message: String },
    /// The write lost a race with another writer.
    #[error("{0}")]
    Conflict(String),
    /// Wrong email or password; always the same words, whichever was wrong.
    #[error("Email or password is incorrect.")]
    InvalidCredentials,
    /// Too many failed logins recently for this account or from this network.
    #[error("Too many failed attempts. Wait {retry_after_seconds} seconds and try again.")]
    TooManyAttempts { retry_after_seconds: u64 },
    /// The database or another dependency is not answering.
    #[error("The service is temporarily unavailable. Try again in a moment.")]
    Unavailable,
    /// A defect on the server; details are in the server log under the request id.
    #[error("Something went wrong on the server. Try again; if it keeps happening, tell your administrator.")]
    Internal,
    /// The request never reached the server or its answer could not be read.
    #[error("Could not reach the server ({0}). Check your connection and try again.")]
    Transport(String),
    /// The server is too busy to take this right now (nothing was changed): retryable.
    #[error("The server is busy. Nothing was changed: try again in {retry_after_seconds} seconds.")]
    Busy { retry_after_seconds: u64 },
}

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// The message for a given form field, if this error is about that field.
    pub fn field_message(&self, name: &str) -> Option<String> {
        match self {
            AppError::Validation { field, message } if field == name => Some(message.clone()),
            _ => None,
        }
    }

    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::InvalidCredentials => 401,
            AppError::NotFound => 404,
            AppError::Validation { .. } => 422,
            AppError::Conflict(_) => 409,
            AppError::TooManyAttempts { .. } => 429,
            AppError::Unavailable | AppError::Busy { .. } => 503,
            AppError::Internal => 500,
            AppError::Transport(_) => 400,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::PostcardEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(detail)
            | ServerFnErrorErr::Response(detail)
            | ServerFnErrorErr::Deserialization(detail)
            | ServerFnErrorErr::Serialization(detail)
            | ServerFnErrorErr::Args(detail)
            | ServerFnErrorErr::MissingArg(detail)
            | ServerFnErrorErr::UnsupportedRequestMethod(detail) => AppError::Transport(detail),
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::error!(%error, "database unavailable");
                AppError::Unavailable
            }
            sqlx::Error::Database(ref database) if is_contention(database.code().as_deref()) => {
                tracing::warn!(%error, "a write lost to other writers; the caller may retry");
                AppError::Busy { retry_after_seconds: 1 }
            }
            other => {
                tracing::error!(error = %other, "database error");
                AppError::Internal
            }
        }
    }
}

/// Database error codes that mean "others were writing; nothing was changed, try again":
/// SQLite busy and locked (with their extended codes, e.g. 517 for a stale snapshot);
/// PostgreSQL serialization failure, deadlock, lock timeout and statement timeout.
#[cfg(feature = "ssr")]
fn is_contention(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("5" | "6" | "261" | "262" | "517" | "40001" | "40P01" | "55P03" | "57014")
    )
}

pub type AppResult<T> = Result<T, AppError>;
