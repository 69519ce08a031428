//! Sending a reply (MISSION R9, R10): one transaction writes the message, its outbox entry,
//! the status change the agent chose (or the owner, if the ticket had none) with their
//! history entries, and removes the draft. All of it lands, or none of it. The outbox holds
//! the message for the undo window; `undo_send` puts everything back as it was.

use sqlx::FromRow;

use super::html;
use super::model::{DraftContent, Message, SendOutcome, SendRequest};
use crate::auth::model::CurrentUser;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::tickets::store::TicketEdit;
use crate::{on_db, on_tx};

/// How long a sent reply waits in the outbox for "Undo", unless an admin set another.
pub const DEFAULT_UNDO_SECONDS: i64 = 10;

/// The undo window in milliseconds (`app_settings.undo_seconds`).
pub async fn undo_window_millis(db: &Db) -> AppResult<i64> {
    let value: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT value FROM app_settings WHERE name = 'undo_seconds'").fetch_optional(pool).await)?;
    let seconds = value
        .and_then(|(v,)| v.parse::<i64>().ok())
        .unwrap_or(DEFAULT_UNDO_SECONDS)
        .clamp(0, 60);
    Ok(seconds * 1000)
}

#[derive(FromRow)]
struct Answered {
    message_id: Option<String>,
    references_ids: String,
}

#[derive(FromRow)]
struct Newer {
    id: String,
}

/// Joins `text` and the From address's signature (already sanitised) below it.
fn with_signature(body: &str, signature: &str) -> String {
    if html::is_blank(signature) || body.contains("data-signature") {
        body.to_string()
    } else {
        format!("{body}<div data-signature=\"\">{signature}</div>")
    }
}

/// Sends a reply as the request describes it: checked, written in one transaction, and
/// left in the outbox for the undo window. `Changed` (nothing written) when the ticket
/// moved on since the editor loaded and the agent did not say "Send anyway".
pub async fn send_reply(db: &Db, user: &CurrentUser, request: &SendRequest) -> AppResult<SendOutcome> {
    let content = &request.content;
    super::model::check_content(content)?;
    super::model::check_recipients(content)?;
    crate::limits::list(
        "properties",
        "properties",
        &request.properties,
        crate::limits::MAX_TICKET_PROPERTIES,
    )?;
    let ticket_id = super::drafts::conversation_ticket(db, user, &request.conversation_id).await?;
    let body_html = html::sanitise(&content.body_html);
    if html::is_blank(&body_html) {
        return Err(AppError::validation("body", "Write your reply first."));
    }
    if content.to.is_empty() {
        return Err(AppError::validation(
            "to",
            "Add a recipient: who should get this reply?",
        ));
    }
    let detail = crate::tickets::store::ticket_detail(db, user, &ticket_id).await?;
    let conversation = detail
        .conversations
        .iter()
        .find(|c| c.id == request.conversation_id)
        .ok_or(AppError::NotFound)?;

    // From: the chosen address, or the conversation's, or the first the user may use.
    let addresses = crate::channels::email::store::sending_addresses(db, user).await?;
    if addresses.is_empty() {
        return Err(AppError::validation(
            "from",
            "No email address is connected for your team: ask an admin to connect one in Settings > Email.",
        ));
    }
    let wanted = content
        .from_channel_id
        .clone()
        .or_else(|| conversation.email_channel_id.clone());
    let from = match wanted {
        Some(id) => addresses.iter().find(|a| a.id == id).or_else(|| {
            // The conversation's own address when the user may not use it: the first they may.
            content.from_channel_id.is_none().then(|| &addresses[0])
        }),
        None => addresses.first(),
    }
    .ok_or_else(|| AppError::validation("from", "You cannot send from that address: choose another in From."))?;

    // The message answered: the one chosen, or the latest from the customer.
    let answered: Option<Answered> = match &content.reply_to_message_id {
        Some(id) => {
            let found: Option<Answered> = on_db!(db, pool => sqlx::query_as(
                "SELECT message_id, references_ids FROM messages WHERE id = $1 AND conversation_id = $2")
                .bind(id).bind(&request.conversation_id).fetch_optional(pool).await)?;
            Some(found.ok_or_else(|| {
                AppError::validation("reply_to", "That message is gone: reply to the latest instead.")
            })?)
        }
        None => on_db!(db, pool => sqlx::query_as(
            "SELECT message_id, references_ids FROM messages WHERE conversation_id = $1 AND kind = 'incoming'
             ORDER BY created_at DESC, id DESC LIMIT 1")
            .bind(&request.conversation_id).fetch_optional(pool).await)?,
    };
    let in_reply_to = answered.as_ref().and_then(|a| a.message_id.clone());
    let mut references: Vec<String> = answered
        .as_ref()
        .map(|a| a.references_ids.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    references.extend(in_reply_to.clone());

    // The ticket's edits: the chosen status (with its required properties), the owner.
    let pipelines = crate::pipelines::store::active_pipelines(db).await?;
    let defined = crate::properties::store::active_properties(db).await?;
    let mut edits: Vec<TicketEdit> = match &request.status_id {
        Some(status) if *status != detail.ticket.status_id => {
            crate::tickets::store::status_edits(user, &detail, &pipelines, &defined, status, &request.properties)?
        }
        _ => Vec::new(),
    };
    let owner_changed = detail.ticket.owner_id.is_none();
    if owner_changed {
        edits.push(TicketEdit::Owner {
            id: Some(&user.id),
            name: Some(&user.name),
        });
    }
    let mut planned = crate::tickets::store::plan_edits(db, &ticket_id, &edits).await?;
    // Ticket automation (R10): with no status chosen, "after an agent emails the customer"
    // moves the ticket forward to the configured status; never backwards, never over a
    // status the agent chose, never into one whose required properties are missing.
    let automatic: Vec<TicketEdit> = match &request.status_id {
        Some(_) => Vec::new(),
        None => automation_target(db, &detail, &pipelines).await?.into_iter().collect(),
    };
    for edit in crate::tickets::store::plan_edits(db, &ticket_id, &automatic).await? {
        planned.push(edit.by_automation());
    }
    let status_changed = planned.iter().any(|p| p.is_status());

    let now = crate::db::now_millis();
    let undo_until = now + undo_window_millis(db).await?;
    let message_id = crate::db::new_id();
    let rfc_id = crate::channels::email::outgoing::new_message_id(&from.address, detail.ticket.number);
    let subject = if answered.is_some() {
        crate::channels::email::outgoing::reply_subject(&detail.ticket.name, detail.ticket.number)
    } else {
        crate::channels::email::outgoing::first_subject(&detail.ticket.name, detail.ticket.number)
    };
    // The signature as edited on this reply, or the From address's.
    let signature = content
        .edited_signature()
        .map_or_else(|| from.signature_html.clone(), html::sanitise);
    let body_html = with_signature(&body_html, &signature);
    let body_text = html::to_text(&body_html);
    // What Undo puts back into the editor.
    let draft_json = serde_json::to_string(&DraftContent {
        body_html: html::sanitise(&content.body_html),
        signature_html: html::sanitise(&content.signature_html),
        ..content.clone()
    })
    .map_err(|_| AppError::Internal)?;

    let mut tx = db.begin_write().await?;
    // The ticket is locked from here: the collision check sees every committed reply.
    let lock = format!("SELECT status_id FROM tickets WHERE id = $1{}", tx.for_update());
    let (status_now,): (String,) =
        on_tx!(&mut tx, conn => sqlx::query_as(&lock).bind(&ticket_id).fetch_one(&mut **conn).await)?;
    if !request.force {
        let newer = newer_messages(
            &mut tx,
            user,
            &request.conversation_id,
            request.seen_message_id.as_deref(),
        )
        .await?;
        let status_moved = status_now != request.seen_status_id;
        if !newer.is_empty() || status_moved {
            drop(tx);
            let all = super::store::ticket_conversations(db, &ticket_id).await?;
            let new_messages: Vec<Message> = all
                .into_iter()
                .flat_map(|c| c.messages)
                .filter(|m| newer.iter().any(|n| n.id == m.id))
                .collect();
            let status_now = status_moved.then(|| {
                pipelines
                    .iter()
                    .flat_map(|p| &p.statuses)
                    .find(|s| s.id == status_now)
                    .map_or_else(|| "another status".to_string(), |s| s.name.clone())
            });
            return Ok(SendOutcome::Changed {
                new_messages,
                status_now,
            });
        }
    }
    crate::tickets::store::apply_edits(&mut tx, user, &ticket_id, &planned, now).await?;
    let join = |list: &[String]| list.join("\n");
    on_tx!(&mut tx, conn => sqlx::query(
        "INSERT INTO messages (id, conversation_id, kind, author_user_id, author_contact_id, body, created_at, message_id,
                               in_reply_to, references_ids, from_address, to_addresses, cc_addresses, bcc_addresses,
                               body_html, subject, delivery, email_channel_id)
         VALUES ($1, $2, 'reply', $3, NULL, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'scheduled', $15)")
        .bind(&message_id).bind(&request.conversation_id).bind(&user.id).bind(&body_text).bind(now).bind(&rfc_id)
        .bind(&in_reply_to).bind(references.join(" ")).bind(&from.address).bind(join(&content.to))
        .bind(join(&content.cc)).bind(join(&content.bcc)).bind(&body_html).bind(&subject).bind(&from.id)
        .execute(&mut **conn).await.map(|_| ()))?;
    on_tx!(&mut tx, conn => sqlx::query(
        "INSERT INTO outbox (message_id, send_after, attempts, undo_until, undo_status_id, undo_owner_id,
                             undo_owner_changed, draft_json, created_at)
         VALUES ($1, $2, 0, $2, $3, NULL, $4, $5, $6)")
        .bind(&message_id).bind(undo_until)
        .bind(status_changed.then(|| detail.ticket.status_id.clone()))
        .bind(i64::from(owner_changed)).bind(&draft_json).bind(now)
        .execute(&mut **conn).await.map(|_| ()))?;
    super::files::send_in(
        &mut tx,
        user,
        &request.conversation_id,
        &content.attachments,
        &message_id,
    )
    .await?;
    super::drafts::remove_in(&mut tx, user, &request.conversation_id).await?;
    tx.commit().await?;
    Ok(SendOutcome::Scheduled { message_id, undo_until })
}

/// "Send email" from a contact's page (MISSION C2): opens a ticket (Source "Email", named
/// after the subject, owned by the agent, where the address's new tickets land) and sends
/// the message on its email conversation as any reply goes: the outbox, the undo window,
/// threading headers, so the contact's answer threads onto it. The new ticket's id.
pub async fn email_contact(db: &Db, user: &CurrentUser, email: &super::model::NewEmail) -> AppResult<String> {
    use crate::limits;
    limits::id(&email.contact_id)?;
    limits::id(&email.from_channel_id)?;
    limits::text(
        "subject",
        "The subject",
        &email.subject,
        crate::tickets::model::MAX_TICKET_NAME,
    )?;
    limits::text(
        "body",
        "The message",
        &email.body_text,
        super::model::MAX_NEW_EMAIL_TEXT,
    )?;
    limits::text("to", "The address", &email.to, 254)?;
    let subject = email.subject.trim();
    if subject.is_empty() || subject.chars().any(char::is_control) {
        return Err(AppError::validation(
            "subject",
            "Write a subject: it also names the ticket.",
        ));
    }
    let body_html = super::model::text_to_html(&email.body_text);
    if html::is_blank(&body_html) {
        return Err(AppError::validation("body", "Write your message first."));
    }
    crate::contacts::store::require_visible_contact(db, user, &email.contact_id).await?;
    let addresses: Vec<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT email FROM contact_emails WHERE contact_id = $1 ORDER BY position")
        .bind(&email.contact_id).fetch_all(pool).await)?;
    let to = email.to.trim().to_lowercase();
    if !addresses.iter().any(|(a,)| *a == to) {
        return Err(AppError::validation(
            "to",
            if addresses.is_empty() {
                "This contact has no email address: add one with \"Edit contact\" first."
            } else {
                "Choose one of the contact's addresses."
            },
        ));
    }
    let from = crate::channels::email::store::sending_addresses(db, user)
        .await?
        .into_iter()
        .find(|a| a.id == email.from_channel_id)
        .ok_or_else(|| AppError::validation("from", "You cannot send from that address: choose another in From."))?;
    let inbox = crate::channels::email::incoming::store::inbox_of(db, Some(&from.id))
        .await?
        .filter(|inbox| inbox.channel_id == from.id)
        .ok_or(AppError::NotFound)?;
    let (ticket_id, conversation_id, status_id) =
        crate::channels::email::incoming::store::open_outgoing_ticket(db, &inbox, &email.contact_id, subject, user)
            .await?;
    let request = SendRequest {
        conversation_id,
        content: DraftContent {
            body_html,
            from_channel_id: Some(from.id.clone()),
            to: vec![to],
            ..DraftContent::default()
        },
        status_id: None,
        properties: Vec::new(),
        seen_message_id: None,
        seen_status_id: status_id,
        force: true,
    };
    match send_reply(db, user, &request).await {
        Ok(_) => Ok(ticket_id),
        Err(error) => {
            // Nothing went out: the ticket made for it goes too.
            crate::channels::email::incoming::store::forget_outgoing_ticket(db, &ticket_id).await?;
            Err(error)
        }
    }
}

/// Saves the undo window and the automation status (checked: 0-60 s, a name of at most
/// 100 characters).
pub async fn save_reply_settings(db: &Db, settings: &super::model::ReplySettings) -> AppResult<()> {
    if !(0..=60).contains(&settings.undo_seconds) {
        return Err(AppError::validation(
            "undo_seconds",
            "Enter a number of seconds from 0 to 60.",
        ));
    }
    let after = settings.after_reply_status.clone().unwrap_or_default();
    crate::limits::text("after_reply_status", "The status name", &after, 100)?;
    let customer = settings.customer_reply_status.clone().unwrap_or_default();
    crate::limits::text("customer_reply_status", "The status name", &customer, 100)?;
    let mut tx = db.begin_write().await?;
    for (name, value) in [
        ("undo_seconds", settings.undo_seconds.to_string()),
        ("after_reply_status", after),
        ("customer_reply_status", customer),
    ] {
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO app_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
            .bind(name).bind(value).execute(&mut **conn).await.map(|_| ()))?;
    }
    tx.commit().await?;
    Ok(())
}

/// The setting's value when none is stored: replies move tickets to "Waiting on contact".
pub const DEFAULT_AFTER_REPLY_STATUS: &str = "Waiting on contact";

/// The status name "after an agent emails the customer, set the status to" (`None`: off).
pub async fn after_reply_status(db: &Db) -> AppResult<Option<String>> {
    let value: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT value FROM app_settings WHERE name = 'after_reply_status'").fetch_optional(pool).await)?;
    Ok(match value {
        None => Some(DEFAULT_AFTER_REPLY_STATUS.to_string()),
        Some((v,)) if v.trim().is_empty() => None,
        Some((v,)) => Some(v),
    })
}

/// The status edit automation makes after a reply on this ticket, if any.
async fn automation_target<'a>(
    db: &Db,
    detail: &crate::tickets::model::TicketDetail,
    pipelines: &'a [crate::pipelines::model::Pipeline],
) -> AppResult<Option<TicketEdit<'a>>> {
    let Some(name) = after_reply_status(db).await? else {
        return Ok(None);
    };
    let Some(pipeline) = pipelines.iter().find(|p| p.id == detail.ticket.pipeline_id) else {
        return Ok(None);
    };
    let Some(current) = pipeline.statuses.iter().position(|s| s.id == detail.ticket.status_id) else {
        return Ok(None);
    };
    let target = pipeline
        .statuses
        .iter()
        .enumerate()
        .find(|(_, s)| s.name.eq_ignore_ascii_case(name.trim()))
        .filter(|(position, _)| *position > current)
        .map(|(_, s)| s)
        .filter(|s| {
            s.required_properties
                .iter()
                .all(|p| detail.properties.iter().any(|v| &v.property_id == p))
        });
    Ok(target.map(|s| TicketEdit::Status {
        id: &s.id,
        name: &s.name,
        is_open: s.category == crate::pipelines::model::StatusCategory::Open,
    }))
}

/// Messages of the conversation after `seen` (by time) that the caller did not write.
async fn newer_messages(
    tx: &mut Tx,
    user: &CurrentUser,
    conversation_id: &str,
    seen: Option<&str>,
) -> AppResult<Vec<Newer>> {
    let rows: Vec<Newer> = match seen {
        Some(seen) => on_tx!(tx, conn => sqlx::query_as(
            "SELECT m.id FROM messages m, messages s
             WHERE s.id = $1 AND m.conversation_id = $2 AND (m.author_user_id IS NULL OR m.author_user_id <> $3)
               AND (m.created_at > s.created_at OR (m.created_at = s.created_at AND m.id > s.id))")
            .bind(seen).bind(conversation_id).bind(&user.id).fetch_all(&mut **conn).await)?,
        None => on_tx!(tx, conn => sqlx::query_as(
            "SELECT id FROM messages WHERE conversation_id = $1 AND (author_user_id IS NULL OR author_user_id <> $2)")
            .bind(conversation_id).bind(&user.id).fetch_all(&mut **conn).await)?,
    };
    Ok(rows)
}

#[derive(FromRow)]
struct Undoable {
    conversation_id: String,
    ticket_id: String,
    undo_until: i64,
    undo_status_id: Option<String>,
    undo_owner_changed: i64,
    draft_json: String,
    lease_owner: Option<String>,
}

/// "Undo": while the message still waits in the outbox, removes it, reverts the status
/// change and owner it made, and puts the text back into the draft exactly as it was.
/// Returns the restored draft's content. Only the sender can undo, and only in time.
pub async fn undo_send(db: &Db, user: &CurrentUser, message_id: &str) -> AppResult<DraftContent> {
    crate::limits::id(message_id)?;
    let mut tx = db.begin_write().await?;
    let sql = format!(
        "SELECT m.conversation_id, cv.ticket_id, o.undo_until, o.undo_status_id, o.undo_owner_changed, o.draft_json,
                o.lease_owner
         FROM outbox o JOIN messages m ON m.id = o.message_id JOIN conversations cv ON cv.id = m.conversation_id
         WHERE o.message_id = $1 AND m.author_user_id = $2{}",
        tx.for_update()
    );
    let row: Option<Undoable> = on_tx!(&mut tx, conn => sqlx::query_as(&sql)
        .bind(message_id).bind(&user.id).fetch_optional(&mut **conn).await)?;
    let row =
        row.ok_or_else(|| AppError::Conflict("This reply has already gone out: it can no longer be undone.".into()))?;
    if row.lease_owner.is_some() || crate::db::now_millis() >= row.undo_until {
        return Err(AppError::Conflict(
            "This reply has already gone out: it can no longer be undone.".into(),
        ));
    }
    let content: DraftContent = serde_json::from_str(&row.draft_json).map_err(|_| AppError::Internal)?;
    // Its files go back onto the draft, then the message goes.
    super::files::unsend_in(&mut tx, message_id).await?;
    on_tx!(&mut tx, conn => sqlx::query("DELETE FROM messages WHERE id = $1")
        .bind(message_id).execute(&mut **conn).await.map(|_| ()))?;
    // Put the ticket back: its status (if the send changed it) and owner (if it set one).
    let pipelines = crate::pipelines::store::active_pipelines(db).await?;
    let mut edits = Vec::new();
    if let Some(status) = row
        .undo_status_id
        .as_deref()
        .and_then(|id| pipelines.iter().flat_map(|p| &p.statuses).find(|s| s.id == id))
    {
        let pipeline = pipelines
            .iter()
            .find(|p| p.status(&status.id).is_some())
            .ok_or(AppError::Internal)?;
        edits.push(TicketEdit::Pipeline {
            id: &pipeline.id,
            name: &pipeline.name,
        });
        edits.push(TicketEdit::Status {
            id: &status.id,
            name: &status.name,
            is_open: status.category == crate::pipelines::model::StatusCategory::Open,
        });
    }
    if row.undo_owner_changed != 0 {
        edits.push(TicketEdit::Owner { id: None, name: None });
    }
    let planned = crate::tickets::store::plan_edits(db, &row.ticket_id, &edits).await?;
    crate::tickets::store::apply_edits(&mut tx, user, &row.ticket_id, &planned, crate::db::now_millis()).await?;
    super::drafts::restore_in(&mut tx, user, &row.conversation_id, &content).await?;
    tx.commit().await?;
    Ok(content)
}
