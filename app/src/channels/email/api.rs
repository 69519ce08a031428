//! Server functions for email channels: the admins' Settings > Email (list, save, "Send
//! test email") and, for agents, the addresses they may send from.

use leptos::prelude::*;

use super::model::*;
use crate::error::AppError;

/// Every email channel (super admins).
#[server(name = ListEmailChannels, prefix = "/api", endpoint = "admin/list_email_channels", output = leptos::server_fn::codec::Postcard)]
pub async fn list_email_channels() -> Result<Vec<EmailChannel>, AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            super::store::list_channels(&context.db).await
        }
        .await,
    )
}

/// Creates or updates an email channel (super admins). Returns its id.
#[server(name = SaveEmailChannel, prefix = "/api", endpoint = "admin/save_email_channel", output = leptos::server_fn::codec::Postcard)]
pub async fn save_email_channel(channel: EmailChannel) -> Result<String, AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            super::store::save_channel(&context.db, &context.secret_key, &channel).await
        }
        .await,
    )
}

/// Sends a test email from a saved channel to its own address; the error says in plain
/// words what failed.
#[server(name = SendTestEmail, prefix = "/api", endpoint = "admin/send_test_email", output = leptos::server_fn::codec::Postcard)]
pub async fn send_test_email(id: String) -> Result<(), AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            crate::limits::id(&id)?;
            let (address, settings) = super::store::smtp_settings(&context.db, &context.secret_key, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            super::outgoing::send_test(&address, &settings)
                .await
                .map_err(|e| AppError::validation("test", format!("The test email was not sent: {}.", e.reason)))
        }
        .await,
    )
}

/// "Test connection": connects to the incoming server as entered in the form (the stored
/// password when the field is empty), logs in and opens the folder; says what it found, or
/// in plain words what failed.
#[server(name = TestImapConnection, prefix = "/api", endpoint = "admin/test_imap_connection", output = leptos::server_fn::codec::Postcard)]
pub async fn test_imap_connection(channel: EmailChannel) -> Result<String, AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            let settings = super::store::imap_settings_to_test(&context.db, &context.secret_key, &channel).await?;
            super::incoming::imap::test_connection(&settings)
                .await
                .map_err(|e| AppError::validation("imap_test", e.0))
        }
        .await,
    )
}

/// Makes a new endpoint token for an address (super admins): mail posted with it to the
/// path becomes tickets. The old token stops working; the new one is shown only now.
#[server(name = NewInboundToken, prefix = "/api", endpoint = "admin/new_inbound_token", output = leptos::server_fn::codec::Postcard)]
pub async fn new_inbound_token(id: String) -> Result<InboundEndpoint, AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            crate::limits::id(&id)?;
            let token = super::incoming::store::new_inbound_token(&context.db, &id).await?;
            Ok(InboundEndpoint {
                path: inbound_path(&id),
                token,
            })
        }
        .await,
    )
}

/// "Failed to import", newest first (super admins); `before` is the last row of the page
/// before (`received_at`, `id`).
#[server(name = ListFailedImports, prefix = "/api", endpoint = "admin/list_failed_imports", output = leptos::server_fn::codec::Postcard)]
pub async fn list_failed_imports(before: Option<(i64, String)>) -> Result<Vec<FailedImport>, AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            if let Some((_, id)) = &before {
                crate::limits::id(id)?;
            }
            let rows = super::incoming::store::failed_imports(&context.db, before, FAILED_IMPORTS_PAGE as i64).await?;
            Ok(rows
                .into_iter()
                .map(|r| FailedImport {
                    id: r.id,
                    address: r.address,
                    reason: r.reason,
                    size: r.size,
                    subject: r.subject,
                    from_address: r.from_address,
                    received_at: r.received_at,
                })
                .collect())
        }
        .await,
    )
}

/// Imports a failed message again (super admins), after a fix or once an address is set up.
#[server(name = RetryFailedImport, prefix = "/api", endpoint = "admin/retry_failed_import", output = leptos::server_fn::codec::Postcard)]
pub async fn retry_failed_import(id: String) -> Result<RetryOutcome, AppError> {
    use super::incoming::Outcome;
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            crate::limits::id(&id)?;
            Ok(
                match super::incoming::retry_failed(&context.db, &context.files, &id).await? {
                    Outcome::Stored { ticket_id, .. } => RetryOutcome::Imported { ticket_id },
                    Outcome::Duplicate { ticket_id } => RetryOutcome::Duplicate { ticket_id },
                    Outcome::Failed { reason, .. } => RetryOutcome::StillFailing { reason },
                },
            )
        }
        .await,
    )
}

/// Deletes a failed import and its kept original (super admins).
#[server(name = DeleteFailedImport, prefix = "/api", endpoint = "admin/delete_failed_import", output = leptos::server_fn::codec::Postcard)]
pub async fn delete_failed_import(id: String) -> Result<(), AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            super::incoming::store::delete_failed_import(&context.db, &context.files, &id).await
        }
        .await,
    )
}

/// The addresses the caller may send replies from.
#[server(name = SendingAddresses, prefix = "/api", endpoint = "sending_addresses", output = leptos::server_fn::codec::Postcard)]
pub async fn sending_addresses() -> Result<Vec<SendingAddress>, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            super::store::sending_addresses(&context.db, &user).await
        }
        .await,
    )
}
