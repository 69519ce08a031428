//! The outbox: replies waiting to go out. Plain functions the server's worker calls in a
//! loop (`server/src/outbox.rs`): claim what is due with a lease (one UPDATE, so two
//! instances never claim the same row), deliver each over SMTP, then record the outcome.
//! A temporary failure is retried with back-off, a permanent one (or too many tries) ends
//! as "Failed" with the reason. An outage delays mail and loses none; a process that dies
//! mid-delivery leaves its lease to run out and the row is delivered again.

use sqlx::FromRow;

use super::outgoing::{build, deliver, DeliveryError, MailFile, OutgoingMail};
use crate::conversations::attachments::Attachment;
use crate::conversations::files::FileStore;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::{on_db, on_tx};

/// How long a claimed row is left to one worker.
pub const LEASE_MILLIS: i64 = 5 * 60 * 1000;
/// Rows one worker claims at a time.
pub const CLAIM_LIMIT: i64 = 5;
/// Tries before a message that keeps failing temporarily is marked "Failed".
pub const MAX_ATTEMPTS: i64 = 12;

static WAKE: std::sync::LazyLock<tokio::sync::Notify> = std::sync::LazyLock::new(tokio::sync::Notify::new);

/// Tells this process's worker a message was queued (it also looks every few seconds).
pub fn wake() {
    WAKE.notify_one();
}

/// Waits for `wake`.
pub async fn woken() {
    WAKE.notified().await;
}

/// The wait before try number `attempts + 1`: 30 s, doubling, at most an hour.
pub fn backoff_millis(attempts: i64) -> i64 {
    let doublings = attempts.clamp(1, 8) - 1;
    (30_000i64 << doublings).min(3_600_000)
}

#[derive(FromRow)]
struct DueRow {
    message_id: String,
    attempts: i64,
    email_channel_id: Option<String>,
    from_name: Option<String>,
    from_address: String,
    to_addresses: String,
    cc_addresses: String,
    bcc_addresses: String,
    subject: String,
    rfc_message_id: Option<String>,
    in_reply_to: Option<String>,
    references_ids: String,
    ticket_number: i64,
    body_html: String,
    body: String,
}

/// One claimed message, ready to deliver.
pub struct Claimed {
    pub message_id: String,
    pub attempts: i64,
    pub channel_id: Option<String>,
    pub mail: OutgoingMail,
}

/// Claims up to `CLAIM_LIMIT` due rows for `owner` (a token unique to this round).
pub async fn claim_due(db: &Db, owner: &str, now: i64) -> AppResult<Vec<Claimed>> {
    let claimed: Vec<(String,)> = on_db!(db, pool => sqlx::query_as(
        "UPDATE outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
         WHERE message_id IN (SELECT message_id FROM outbox
                              WHERE send_after <= $3 AND (lease_until IS NULL OR lease_until < $3)
                              ORDER BY send_after LIMIT $4)
           AND send_after <= $3 AND (lease_until IS NULL OR lease_until < $3)
         RETURNING message_id")
        .bind(owner).bind(now + LEASE_MILLIS).bind(now).bind(CLAIM_LIMIT)
        .fetch_all(pool).await)?;
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<DueRow> = on_db!(db, pool => {
        sqlx::query("UPDATE messages SET delivery = 'sending' WHERE id IN (SELECT message_id FROM outbox WHERE lease_owner = $1)")
            .bind(owner).execute(pool).await?;
        sqlx::query_as(
            "SELECT m.id AS message_id, o.attempts, m.email_channel_id, ch.display_name AS from_name, m.from_address,
                    m.to_addresses, m.cc_addresses, m.bcc_addresses, m.subject, m.message_id AS rfc_message_id,
                    m.in_reply_to, m.references_ids, t.number AS ticket_number, m.body_html, m.body
             FROM outbox o
             JOIN messages m ON m.id = o.message_id
             JOIN conversations cv ON cv.id = m.conversation_id
             JOIN tickets t ON t.id = cv.ticket_id
             LEFT JOIN email_channels ch ON ch.id = m.email_channel_id
             WHERE o.lease_owner = $1")
            .bind(owner).fetch_all(pool).await
    })?;
    let split = crate::conversations::drafts::split;
    Ok(rows
        .into_iter()
        .map(|r| Claimed {
            mail: OutgoingMail {
                from_name: r.from_name.unwrap_or_default(),
                from_address: r.from_address,
                to: split(&r.to_addresses),
                cc: split(&r.cc_addresses),
                bcc: split(&r.bcc_addresses),
                subject: r.subject,
                message_id: r.rfc_message_id.unwrap_or_default(),
                in_reply_to: r.in_reply_to,
                references: r.references_ids.split_whitespace().map(str::to_string).collect(),
                ticket_number: r.ticket_number,
                html: r.body_html,
                text: r.body,
                attachments: Vec::new(),
            },
            message_id: r.message_id,
            attempts: r.attempts,
            channel_id: r.email_channel_id,
        })
        .collect())
}

/// Records a delivered message (if `owner` still holds its lease).
pub async fn mark_sent(db: &Db, owner: &str, message_id: &str) -> AppResult<()> {
    let mut tx = db.begin_write().await?;
    let removed = on_tx!(&mut tx, conn => sqlx::query("DELETE FROM outbox WHERE message_id = $1 AND lease_owner = $2")
        .bind(message_id).bind(owner).execute(&mut **conn).await.map(|r| r.rows_affected()))?;
    if removed > 0 {
        on_tx!(&mut tx, conn => sqlx::query("UPDATE messages SET delivery = 'sent', delivery_error = '' WHERE id = $1")
            .bind(message_id).execute(&mut **conn).await.map(|_| ()))?;
    }
    tx.commit().await?;
    Ok(())
}

/// Records a failed try: another one after the back-off, or "Failed" for good.
pub async fn mark_failed(db: &Db, owner: &str, claimed: &Claimed, error: &DeliveryError, now: i64) -> AppResult<()> {
    let give_up = error.permanent || claimed.attempts >= MAX_ATTEMPTS;
    let reason: String = error.reason.chars().take(500).collect();
    let mut tx = db.begin_write().await?;
    let touched = if give_up {
        on_tx!(&mut tx, conn => sqlx::query("DELETE FROM outbox WHERE message_id = $1 AND lease_owner = $2")
            .bind(&claimed.message_id).bind(owner).execute(&mut **conn).await.map(|r| r.rows_affected()))?
    } else {
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE outbox SET lease_owner = NULL, lease_until = NULL, send_after = $1 WHERE message_id = $2 AND lease_owner = $3")
            .bind(now + backoff_millis(claimed.attempts)).bind(&claimed.message_id).bind(owner)
            .execute(&mut **conn).await.map(|r| r.rows_affected()))?
    };
    if touched > 0 {
        on_tx!(&mut tx, conn => sqlx::query("UPDATE messages SET delivery = $1, delivery_error = $2 WHERE id = $3")
            .bind(if give_up { "failed" } else { "retrying" }).bind(&reason).bind(&claimed.message_id)
            .execute(&mut **conn).await.map(|_| ()))?;
    }
    tx.commit().await?;
    Ok(())
}

/// Puts a message that failed for good back into the outbox, due now.
pub async fn retry(db: &Db, message_id: &str) -> AppResult<()> {
    let now = crate::db::now_millis();
    let mut tx = db.begin_write().await?;
    let failed = on_tx!(&mut tx, conn => sqlx::query(
        "UPDATE messages SET delivery = 'scheduled', delivery_error = '' WHERE id = $1 AND delivery = 'failed'")
        .bind(message_id).execute(&mut **conn).await.map(|r| r.rows_affected()))?;
    if failed == 0 {
        return Err(AppError::Conflict(
            "This reply is not failed: reload to see where it stands.".into(),
        ));
    }
    on_tx!(&mut tx, conn => sqlx::query(
        "INSERT INTO outbox (message_id, send_after, attempts, undo_until, created_at) VALUES ($1, $2, 0, $2, $2)")
        .bind(message_id).bind(now).execute(&mut **conn).await.map(|_| ()))?;
    tx.commit().await?;
    Ok(())
}

/// One round of the worker: claims what is due and delivers it. Returns how many were
/// claimed (the worker goes again at once when that was a full batch).
pub async fn deliver_due(db: &Db, secret_key: &[u8], files: &FileStore, instance: &str) -> AppResult<usize> {
    let owner = format!("{instance}:{}", crate::db::new_id());
    let now = crate::db::now_millis();
    let mut claimed = claim_due(db, &owner, now).await?;
    let ids: Vec<String> = claimed.iter().map(|c| c.message_id.clone()).collect();
    let mut stored = crate::conversations::files::stored_of_messages(db, &ids).await?;
    for item in &mut claimed {
        let files_read = read_files(files, stored.remove(&item.message_id).unwrap_or_default()).await;
        let outcome = match files_read {
            Ok(read) => {
                item.mail.attachments = read;
                deliver_one(db, secret_key, item).await?
            }
            Err(error) => Err(error),
        };
        match outcome {
            Ok(()) => mark_sent(db, &owner, &item.message_id).await?,
            Err(error) => {
                tracing::warn!(message = %item.message_id, attempt = item.attempts, reason = %error.reason, "delivery failed");
                mark_failed(db, &owner, item, &error, crate::db::now_millis()).await?;
            }
        }
    }
    Ok(claimed.len())
}

/// The bytes of a message's files. A file gone from the folder fails the message for good
/// (it names the file); a folder that cannot be read now is tried again later.
async fn read_files(files: &FileStore, stored: Vec<(Attachment, String)>) -> Result<Vec<MailFile>, DeliveryError> {
    let mut read = Vec::with_capacity(stored.len());
    for (attachment, key) in stored {
        match files.read(&key).await {
            Ok(bytes) => read.push(MailFile {
                file_name: attachment.file_name,
                content_type: attachment.content_type,
                bytes,
            }),
            Err(error) => {
                return Err(DeliveryError {
                    permanent: error.kind() == std::io::ErrorKind::NotFound,
                    reason: format!(
                        "the file {:?} could not be read from the files folder ({error})",
                        attachment.file_name
                    ),
                })
            }
        }
    }
    Ok(read)
}

/// Builds and delivers one claimed message over its address's SMTP server.
async fn deliver_one(db: &Db, secret_key: &[u8], item: &Claimed) -> AppResult<Result<(), DeliveryError>> {
    let removed = || DeliveryError {
        permanent: true,
        reason: "its email address was removed from Settings > Email".into(),
    };
    let Some(channel) = item.channel_id.as_deref() else {
        return Ok(Err(removed()));
    };
    let Some((_, settings)) = super::store::smtp_settings(db, secret_key, channel).await? else {
        return Ok(Err(removed()));
    };
    Ok(match build(&item.mail) {
        Err(reason) => Err(DeliveryError {
            permanent: true,
            reason,
        }),
        Ok(message) => deliver(&settings, message).await,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(backoff_millis(1), 30_000);
        assert_eq!(backoff_millis(2), 60_000);
        assert_eq!(backoff_millis(3), 120_000);
        assert_eq!(backoff_millis(20), 3_600_000);
    }
}
