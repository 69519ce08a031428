//! Server functions for replying: drafts (MISSION R7). Each checks the session, the
//! caller's access to the conversation's ticket, and touches only the caller's own draft.

use leptos::prelude::*;

use super::model::*;
use crate::error::AppError;

/// Drafts listed in the "Drafts" view at most.
pub const DRAFTS_PAGE: i64 = 100;

/// The caller's reply draft on a conversation, if any.
#[server(name = GetDraft, prefix = "/api", endpoint = "get_draft", output = leptos::server_fn::codec::Postcard)]
pub async fn get_draft(conversation_id: String) -> Result<Option<Draft>, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            super::drafts::get_draft(&context.db, &user, &conversation_id).await
        }
        .await,
    )
}

/// Saves the caller's reply draft, made from version `base` (0 for a new one).
#[server(name = SaveDraft, prefix = "/api", endpoint = "save_draft", output = leptos::server_fn::codec::Postcard)]
pub async fn save_draft(conversation_id: String, base: i64, content: DraftContent) -> Result<DraftSaved, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            super::drafts::save_draft(&context.db, &user, &conversation_id, base, &content).await
        }
        .await,
    )
}

/// Discards the caller's reply draft if it is still at `version`.
#[server(name = DiscardDraft, prefix = "/api", endpoint = "discard_draft", output = leptos::server_fn::codec::Postcard)]
pub async fn discard_draft(conversation_id: String, version: i64) -> Result<bool, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            match super::drafts::discard_draft(&context.db, &user, &conversation_id, version).await? {
                Some(files) => {
                    context.files.remove(&files).await;
                    Ok(true)
                }
                None => Ok(false),
            }
        }
        .await,
    )
}

/// What the caller's draft on a conversation has room for (the composer checks each file
/// before uploading it; the upload checks again).
#[server(name = AttachmentRoom, prefix = "/api", endpoint = "attachment_room", output = leptos::server_fn::codec::Postcard)]
pub async fn attachment_room(conversation_id: String) -> Result<super::attachments::Room, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            super::files::room(&context.db, &context.files, &user, &conversation_id).await
        }
        .await,
    )
}

/// Removes a file from the caller's draft (the bytes go too). Another user's file, or one
/// already sent, is `NotFound`.
#[server(name = RemoveAttachment, prefix = "/api", endpoint = "remove_attachment", output = leptos::server_fn::codec::Postcard)]
pub async fn remove_attachment(id: String) -> Result<(), AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            let key = super::files::remove_from_draft(&context.db, &user, &id).await?;
            context.files.remove(&[key]).await;
            Ok(())
        }
        .await,
    )
}

/// The caller's drafts, most recent first, with their count.
#[server(name = ListDrafts, prefix = "/api", endpoint = "list_drafts", output = leptos::server_fn::codec::Postcard)]
pub async fn list_drafts() -> Result<Vec<DraftSummary>, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            super::drafts::list_drafts(&context.db, &user, DRAFTS_PAGE).await
        }
        .await,
    )
}

/// Sends a reply, and with `status_id` sets that status in the same transaction
/// (send-and-set-status). It waits in the outbox for the undo window.
#[server(name = SendReply, prefix = "/api", endpoint = "send_reply", output = leptos::server_fn::codec::Postcard)]
pub async fn send_reply(request: SendRequest) -> Result<SendOutcome, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            let outcome = super::send::send_reply(&context.db, &user, &request).await?;
            if matches!(outcome, SendOutcome::Scheduled { .. }) {
                crate::channels::email::outbox::wake();
            }
            Ok(outcome)
        }
        .await,
    )
}

/// "Send email" from a contact's page (MISSION C2): opens a ticket with that email on it,
/// sent like any reply. Returns the ticket's id.
#[server(name = EmailContact, prefix = "/api", endpoint = "email_contact", output = leptos::server_fn::codec::Postcard)]
pub async fn email_contact(email: super::model::NewEmail) -> Result<String, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            let ticket = super::send::email_contact(&context.db, &user, &email).await?;
            crate::channels::email::outbox::wake();
            tracing::info!(ticket, user = user.id, "ticket opened by an email to a contact");
            Ok(ticket)
        }
        .await,
    )
}

/// "Undo" a reply still waiting in the outbox: it goes back into the draft and the ticket
/// back to how it was. Returns the draft's content.
#[server(name = UndoSend, prefix = "/api", endpoint = "undo_send", output = leptos::server_fn::codec::Postcard)]
pub async fn undo_send(message_id: String) -> Result<DraftContent, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            super::send::undo_send(&context.db, &user, &message_id).await
        }
        .await,
    )
}

/// "Retry" a reply that failed for good: it goes back into the outbox.
#[server(name = RetrySend, prefix = "/api", endpoint = "retry_send", output = leptos::server_fn::codec::Postcard)]
pub async fn retry_send(message_id: String) -> Result<(), AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            crate::limits::id(&message_id)?;
            let conversation: Option<(String,)> = crate::on_db!(&context.db, pool => sqlx::query_as(
                "SELECT conversation_id FROM messages WHERE id = $1 AND kind = 'reply'")
                .bind(&message_id).fetch_optional(pool).await)?;
            let (conversation,) = conversation.ok_or(AppError::NotFound)?;
            super::drafts::conversation_ticket(&context.db, &user, &conversation).await?;
            crate::channels::email::outbox::retry(&context.db, &message_id).await?;
            crate::channels::email::outbox::wake();
            Ok(())
        }
        .await,
    )
}

/// The reply settings, with the status names to choose from (super admins).
#[server(name = GetReplySettings, prefix = "/api", endpoint = "admin/get_reply_settings", output = leptos::server_fn::codec::Postcard)]
pub async fn get_reply_settings() -> Result<ReplySettings, AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            let db = &context.db;
            let mut names: Vec<String> = crate::pipelines::store::active_pipelines(db)
                .await?
                .into_iter()
                .flat_map(|p| p.statuses.into_iter().map(|s| s.name))
                .collect();
            let mut seen = std::collections::HashSet::new();
            names.retain(|n| seen.insert(n.to_lowercase()));
            Ok(ReplySettings {
                undo_seconds: super::send::undo_window_millis(db).await? / 1000,
                after_reply_status: super::send::after_reply_status(db).await?,
                customer_reply_status: crate::channels::email::incoming::store::customer_reply_setting(db).await?,
                status_names: names,
            })
        }
        .await,
    )
}

/// Saves the reply settings (super admins).
#[server(name = SaveReplySettings, prefix = "/api", endpoint = "admin/save_reply_settings", output = leptos::server_fn::codec::Postcard)]
pub async fn save_reply_settings(settings: ReplySettings) -> Result<(), AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, _) = require_admin().await?;
            super::send::save_reply_settings(&context.db, &settings).await
        }
        .await,
    )
}

/// Where an outgoing message stands: its delivery, the reason of a failure, the next try.
#[server(name = DeliveryStateOf, prefix = "/api", endpoint = "delivery_state", output = leptos::server_fn::codec::Postcard)]
pub async fn delivery_state(message_id: String) -> Result<(Option<Delivery>, String, Option<i64>), AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            crate::limits::id(&message_id)?;
            let row: Option<(String, Option<String>, String, Option<i64>)> = crate::on_db!(&context.db, pool => sqlx::query_as(
                "SELECT m.conversation_id, m.delivery, m.delivery_error, o.send_after FROM messages m
                 LEFT JOIN outbox o ON o.message_id = m.id WHERE m.id = $1")
                .bind(&message_id).fetch_optional(pool).await)?;
            let (conversation, delivery, error, next) = row.ok_or(AppError::NotFound)?;
            super::drafts::conversation_ticket(&context.db, &user, &conversation).await?;
            Ok((delivery.as_deref().and_then(Delivery::parse), error, next))
        }
        .await,
    )
}
