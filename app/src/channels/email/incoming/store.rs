//! SQL of incoming mail: what is already stored, what the threading rules need to know, and
//! the one transaction that writes a message with its contact, ticket, conversation, status
//! change and files. Also the "Failed to import" rows.

use super::parse::{IncomingFile, IncomingMail, Person};
use super::threading::{self, Found, Thread};
use super::{Inbox, Outcome, ThreadedBy};
use crate::conversations::files::FileStore;
use crate::db::{new_id, now_millis, Db, WritePool};
use crate::error::{AppError, AppResult};
use crate::sql::Sql;
use crate::{bind_all, on_db};

/// A file of the message, written to disk under `storage_key`, its row still to write.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub id: String,
    pub storage_key: String,
    pub file: IncomingFile,
}

/// The setting "When the customer replies, set the status to" (`app_settings`), and its
/// value when none is stored.
pub const CUSTOMER_REPLY_SETTING: &str = "customer_reply_status";
pub const DEFAULT_CUSTOMER_REPLY_STATUS: &str = "Waiting on us";

/// The longest name a contact gets from a display name.
const MAX_CONTACT_NAME: usize = 200;

/// "When the customer replies, set the status to": the status name, `None` when off.
pub async fn customer_reply_setting(db: &Db) -> AppResult<Option<String>> {
    let setting: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT value FROM app_settings WHERE name = $1").bind(CUSTOMER_REPLY_SETTING).fetch_optional(pool).await)?;
    Ok(match setting {
        None => Some(DEFAULT_CUSTOMER_REPLY_STATUS.to_string()),
        Some((v,)) if v.trim().is_empty() => None,
        Some((v,)) => Some(v.trim().to_string()),
    })
}

pub fn disk_error(error: std::io::Error) -> AppError {
    tracing::error!(%error, "could not write an incoming message's files");
    AppError::Unavailable
}

/// The ticket of a message already stored under this Message-ID (incoming or our own).
pub async fn already_stored(db: &Db, message_id: &str) -> AppResult<Option<String>> {
    let row: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT cv.ticket_id FROM messages m JOIN conversations cv ON cv.id = m.conversation_id
         WHERE m.message_id = $1 LIMIT 1")
        .bind(message_id).fetch_optional(pool).await)?;
    Ok(row.map(|(t,)| t))
}

/// Keeps a message that cannot be imported, raw, for admins to look at, retry or delete.
pub async fn keep_failed(
    db: &Db,
    files: &FileStore,
    channel_id: Option<&str>,
    raw: &[u8],
    reason: &str,
    mail: Option<&IncomingMail>,
) -> AppResult<Outcome> {
    let key = files.write_new(raw).await.map_err(disk_error)?;
    let id = new_id();
    let subject = mail.map(|m| m.subject.clone()).unwrap_or_default();
    let from = mail
        .and_then(|m| m.from.as_ref())
        .map(|p| p.address.clone())
        .unwrap_or_default();
    let written = on_db!(db, pool => sqlx::query(
        "INSERT INTO failed_imports (id, channel_id, reason, raw_key, size, subject, from_address, received_at)
         VALUES ($1, (SELECT id FROM email_channels WHERE id = $2), $3, $4, $5, $6, $7, $8)")
        .bind(&id).bind(channel_id).bind(reason).bind(&key).bind(raw.len() as i64).bind(&subject).bind(&from)
        .bind(now_millis()).execute(pool).await.map(|_| ()));
    if let Err(error) = written {
        files.remove(&[key]).await;
        return Err(error.into());
    }
    tracing::warn!(failed_import = %id, reason, "an incoming message could not be imported; kept in Failed to import");
    Ok(Outcome::Failed {
        failed_id: id,
        reason: reason.to_string(),
    })
}

/// The domains of our connected addresses (our own Message-IDs are made under them).
async fn our_domains(db: &Db) -> AppResult<Vec<String>> {
    let rows: Vec<(String,)> =
        on_db!(db, pool => sqlx::query_as("SELECT address FROM email_channels").fetch_all(pool).await)?;
    let mut domains: Vec<String> = rows
        .into_iter()
        .filter_map(|(a,)| a.rsplit_once('@').map(|(_, d)| d.to_lowercase()))
        .collect();
    domains.sort();
    domains.dedup();
    Ok(domains)
}

/// What the threading rules need: the tickets of the message's ids, of our ids' numbers and
/// of its ticket reference, and who the sender is.
async fn find(db: &Db, mail: &IncomingMail, sender: &str) -> AppResult<Found> {
    let ids = threading::ids_to_look_up(mail);
    let mut found = Found::default();
    if !ids.is_empty() {
        let mut sql = Sql::new(
            "SELECT m.message_id, cv.ticket_id FROM messages m JOIN conversations cv ON cv.id = m.conversation_id
             WHERE m.message_id IN (",
        );
        for (i, id) in ids.iter().enumerate() {
            let p = sql.text_param(id);
            sql.push(if i == 0 { "" } else { ", " }).push(&p);
        }
        sql.push(")");
        found.by_message_id =
            on_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_all(pool).await)?;
        let domains = our_domains(db).await?;
        let numbered: Vec<(String, i64)> = ids
            .iter()
            .filter_map(|id| threading::our_ticket_number(id, &domains).map(|n| (id.clone(), n)))
            .collect();
        for (id, number) in numbered.into_iter().take(5) {
            let ticket: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
                "SELECT id FROM tickets WHERE number = $1").bind(number).fetch_optional(pool).await)?;
            if let Some((ticket,)) = ticket {
                found.by_our_id.push((id, ticket));
            }
        }
    }
    if let Some(number) = mail.ticket_reference {
        let row: Option<(String, i64)> = on_db!(db, pool => sqlx::query_as(
            "SELECT t.id, (SELECT COUNT(*) FROM ticket_contacts tc JOIN contact_emails ce ON ce.contact_id = tc.contact_id
                           WHERE tc.ticket_id = t.id AND ce.email = $2) AS known
             FROM tickets t WHERE t.number = $1")
            .bind(number).bind(sender).fetch_optional(pool).await)?;
        found.by_reference = row.map(|(id, known)| (id, known > 0));
    }
    let agent: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT id FROM users WHERE lower(email) = $1 AND active = TRUE").bind(sender).fetch_optional(pool).await)?;
    found.sender_is_agent = agent.is_some();
    Ok(found)
}

/// The pipeline and status a new ticket from `inbox` lands in: the address's choice while
/// it still exists and takes new tickets, else the first pipeline's first such status.
pub(crate) async fn landing(db: &Db, inbox: &Inbox) -> AppResult<Option<(String, String, bool)>> {
    let chosen: Option<(String, String, String)> = match (&inbox.pipeline_id, &inbox.status_id) {
        (Some(pipeline), Some(status)) => on_db!(db, pool => sqlx::query_as(
            "SELECT pipeline_id, id, category FROM statuses WHERE id = $1 AND pipeline_id = $2 AND allows_creation = TRUE AND archived = FALSE")
            .bind(status).bind(pipeline).fetch_optional(pool).await)?,
        _ => None,
    };
    let chosen = match chosen {
        Some(c) => Some(c),
        None => on_db!(db, pool => sqlx::query_as(
            "SELECT s.pipeline_id, s.id, s.category FROM statuses s JOIN pipelines p ON p.id = s.pipeline_id
             WHERE s.allows_creation = TRUE AND s.archived = FALSE AND p.archived = FALSE ORDER BY p.position, p.id, s.position, s.id LIMIT 1")
            .fetch_optional(pool).await)?,
    };
    Ok(chosen.map(|(p, s, category)| (p, s, category == "open")))
}

/// The status a customer's reply moves its ticket to, if any: the setting's status in the
/// ticket's pipeline, when the ticket is closed or waits on the customer (the status
/// replies set), and the new status has every property it requires. A status an agent
/// chose otherwise is left alone.
async fn customer_reply_status(db: &Db, ticket_id: &str) -> AppResult<Option<(String, String, String, bool)>> {
    let Some(target) = customer_reply_setting(db).await? else {
        return Ok(None);
    };
    let waiting = crate::conversations::send::after_reply_status(db)
        .await?
        .unwrap_or_default();
    let row: Option<(String, String, String, String, String)> = on_db!(db, pool => sqlx::query_as(
        "SELECT s.id, s.name, cur.name, cur.category, s.category FROM tickets t
         JOIN statuses cur ON cur.id = t.status_id
         JOIN statuses s ON s.pipeline_id = t.pipeline_id AND lower(s.name) = lower($2) AND s.archived = FALSE
         WHERE t.id = $1 AND s.id <> t.status_id
           AND NOT EXISTS (SELECT 1 FROM status_required_properties r
                           JOIN properties p ON p.id = r.property_id AND p.archived = FALSE
                           WHERE r.status_id = s.id AND NOT EXISTS (
                               SELECT 1 FROM ticket_property_values v WHERE v.ticket_id = t.id AND v.property_id = r.property_id))
         LIMIT 1")
        .bind(ticket_id).bind(&target).fetch_optional(pool).await)?;
    Ok(row.and_then(|(id, name, current, current_category, category)| {
        let closed = current_category != "open";
        let waiting_on_customer = !waiting.is_empty() && current.eq_ignore_ascii_case(&waiting);
        (closed || waiting_on_customer).then_some((id, name, current, category == "open"))
    }))
}

fn joined(people: &[Person]) -> String {
    people.iter().map(|p| p.address.as_str()).collect::<Vec<_>>().join("\n")
}

/// A new contact's name: the display name, else the address's local part.
fn contact_name(person: &Person) -> String {
    person
        .name
        .clone()
        .unwrap_or_else(|| person.address.split('@').next().unwrap_or(&person.address).to_string())
        .chars()
        .take(MAX_CONTACT_NAME)
        .collect()
}

/// Writes the message: contact, ticket (new or found), conversation, the message with its
/// files, the reply status change; and for a bounce, marks our reply failed.
pub async fn store_message(
    db: &Db,
    inbox: &Inbox,
    mail: &IncomingMail,
    html: &str,
    remote_images: bool,
    raw_key: &str,
    files: &[StoredFile],
) -> AppResult<Outcome> {
    // A contact created by another message between our read and write: once more.
    match store_once(db, inbox, mail, html, remote_images, raw_key, files).await {
        Err(Retry) => store_once(db, inbox, mail, html, remote_images, raw_key, files)
            .await
            .map_err(|_| AppError::Busy { retry_after_seconds: 1 })?,
        Ok(outcome) => outcome,
    }
}

struct Retry;

async fn store_once(
    db: &Db,
    inbox: &Inbox,
    mail: &IncomingMail,
    html: &str,
    remote_images: bool,
    raw_key: &str,
    files: &[StoredFile],
) -> Result<AppResult<Outcome>, Retry> {
    let result = write(db, inbox, mail, html, remote_images, raw_key, files).await;
    match result {
        Err(Written::Sql(sqlx::Error::Database(e))) if e.is_unique_violation() => {
            // The message itself (a parallel delivery of it won) or a contact's address.
            match already_stored(db, &mail.message_id).await {
                Ok(Some(ticket_id)) => Ok(Ok(Outcome::Duplicate {
                    ticket_id: Some(ticket_id),
                })),
                Ok(None) => Err(Retry),
                Err(error) => Ok(Err(error)),
            }
        }
        Err(Written::Sql(error)) => Ok(Err(error.into())),
        Err(Written::App(error)) => Ok(Err(error)),
        Ok(outcome) => Ok(Ok(outcome)),
    }
}

enum Written {
    Sql(sqlx::Error),
    App(AppError),
}

impl From<sqlx::Error> for Written {
    fn from(error: sqlx::Error) -> Self {
        Written::Sql(error)
    }
}

impl From<AppError> for Written {
    fn from(error: AppError) -> Self {
        Written::App(error)
    }
}

async fn write(
    db: &Db,
    inbox: &Inbox,
    mail: &IncomingMail,
    html: &str,
    remote_images: bool,
    raw_key: &str,
    files: &[StoredFile],
) -> Result<Outcome, Written> {
    let sender_person = mail.from.clone().ok_or(AppError::Internal)?;
    let found = find(db, mail, &sender_person.address).await?;
    let thread = threading::decide(mail, &found);
    // A forward by an agent is the original sender's ticket.
    let customer = match (&thread, &mail.forwarded_from) {
        (
            Thread::New {
                by: ThreadedBy::Forward,
            },
            Some(original),
        ) => original.clone(),
        _ => sender_person.clone(),
    };
    let is_machine = mail.auto.is_some();
    let landing = match &thread {
        Thread::New { .. } => Some(
            landing(db, inbox)
                .await?
                .ok_or_else(|| AppError::validation("pipeline", "No pipeline has a status that takes new tickets."))?,
        ),
        Thread::Existing { .. } => None,
    };
    let reply_status = match (&thread, is_machine) {
        (Thread::Existing { ticket_id, .. }, false) => customer_reply_status(db, ticket_id).await?,
        _ => None,
    };
    let customer_name = contact_name(&customer);
    let (folded_name, search_text) = crate::contacts::model::search_fields(&customer_name, &[&customer.address]);
    let domain = customer
        .address
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_default();
    let now = now_millis();
    let message_row_id = new_id();
    let threaded_by = match &thread {
        Thread::Existing { by, .. } | Thread::New { by } => *by,
    };
    let ticket_id: String = on_db!(db, pool => async {
        let mut tx = pool.begin_write().await?;
        // The contact: found by any of their addresses, or created with the display name
        // and the company of their domain.
        let existing: Option<(String,)> = sqlx::query_as("SELECT contact_id FROM contact_emails WHERE email = $1")
            .bind(&customer.address).fetch_optional(&mut *tx).await?;
        let contact_id = match existing {
            Some((id,)) => id,
            None => {
                let id = new_id();
                sqlx::query(
                    "INSERT INTO contacts (id, name, email, phone, company_id, created_at, folded_name, search_text, created_by)
                     VALUES ($1, $2, $3, NULL,
                             (SELECT id FROM companies WHERE lower(domain) = $4 ORDER BY name LIMIT 1), $5, $6, $7, NULL)")
                    .bind(&id).bind(&customer_name).bind(&customer.address).bind(&domain).bind(now)
                    .bind(&folded_name).bind(&search_text).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO contact_emails (email, contact_id, position) VALUES ($1, $2, 0)")
                    .bind(&customer.address).bind(&id).execute(&mut *tx).await?;
                id
            }
        };
        let (ticket_id, conversation_id) = match (&thread, &landing) {
            (Thread::New { .. }, Some((pipeline_id, status_id, is_open))) => {
                let ticket_id = new_id();
                let (number,): (i64,) = sqlx::query_as(crate::tickets::store::NEXT_TICKET_NUMBER).fetch_one(&mut *tx).await?;
                let name = super::parse::ticket_name(&mail.subject);
                sqlx::query(
                    "INSERT INTO tickets (id, name, description, pipeline_id, status_id, is_open, owner_id, team_id,
                                          priority, source, company_id, created_by, created_at, last_activity_at, number)
                     VALUES ($1, $2, '', $3, $4, $5, NULL, NULL, 'medium', 'email',
                             (SELECT company_id FROM contacts WHERE id = $6), NULL, $7, $7, $8)")
                    .bind(&ticket_id).bind(&name).bind(pipeline_id).bind(status_id).bind(*is_open)
                    .bind(&contact_id).bind(now).bind(number).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO ticket_history (id, ticket_id, user_id, field, old_value, new_value, at, seq)
                     VALUES ($1, $2, NULL, 'created', NULL, $3, $4, 1)")
                    .bind(new_id()).bind(&ticket_id).bind(&name).bind(now).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO ticket_contacts (ticket_id, contact_id) VALUES ($1, $2)")
                    .bind(&ticket_id).bind(&contact_id).execute(&mut *tx).await?;
                let conversation_id = new_id();
                sqlx::query(
                    "INSERT INTO conversations (id, ticket_id, contact_id, channel, created_at, email_channel_id)
                     VALUES ($1, $2, $3, 'email', $4, (SELECT id FROM email_channels WHERE id = $5))")
                    .bind(&conversation_id).bind(&ticket_id).bind(&contact_id).bind(now).bind(&inbox.channel_id)
                    .execute(&mut *tx).await?;
                (ticket_id, conversation_id)
            }
            (Thread::Existing { ticket_id, .. }, _) => {
                // Someone CC'd who answers joins the ticket as a contact.
                sqlx::query(
                    "INSERT INTO ticket_contacts (ticket_id, contact_id) VALUES ($1, $2)
                     ON CONFLICT (ticket_id, contact_id) DO NOTHING")
                    .bind(ticket_id).bind(&contact_id).execute(&mut *tx).await?;
                // The email conversation with this contact, else the ticket's first email one.
                let conversation: Option<(String,)> = sqlx::query_as(
                    "SELECT id FROM conversations WHERE ticket_id = $1 AND channel = 'email'
                     ORDER BY CASE WHEN contact_id = $2 THEN 0 ELSE 1 END, created_at, id LIMIT 1")
                    .bind(ticket_id).bind(&contact_id).fetch_optional(&mut *tx).await?;
                let conversation_id = match conversation {
                    Some((id,)) => id,
                    None => {
                        let id = new_id();
                        sqlx::query(
                            "INSERT INTO conversations (id, ticket_id, contact_id, channel, created_at, email_channel_id)
                             VALUES ($1, $2, $3, 'email', $4, (SELECT id FROM email_channels WHERE id = $5))")
                            .bind(&id).bind(ticket_id).bind(&contact_id).bind(now).bind(&inbox.channel_id)
                            .execute(&mut *tx).await?;
                        id
                    }
                };
                sqlx::query("UPDATE tickets SET last_activity_at = $1 WHERE id = $2")
                    .bind(now).bind(ticket_id).execute(&mut *tx).await?;
                if let Some((status_id, status_name, current, is_open)) = &reply_status {
                    sqlx::query("UPDATE tickets SET status_id = $1, is_open = $2 WHERE id = $3")
                        .bind(status_id).bind(*is_open).bind(ticket_id).execute(&mut *tx).await?;
                    sqlx::query(
                        "INSERT INTO ticket_history (id, ticket_id, user_id, field, old_value, new_value, at, seq)
                         VALUES ($1, $2, NULL, 'Ticket status', $3, $4, $5,
                                 (SELECT COALESCE(MAX(seq), 0) + 1 FROM ticket_history WHERE ticket_id = $2))")
                        .bind(new_id()).bind(ticket_id).bind(current).bind(status_name).bind(now)
                        .execute(&mut *tx).await?;
                }
                (ticket_id.clone(), conversation_id)
            }
            (Thread::New { .. }, None) => return Err(Written::App(AppError::Internal)),
        };
        sqlx::query(
            "INSERT INTO messages (id, conversation_id, kind, author_user_id, author_contact_id, body, created_at,
                                   message_id, in_reply_to, references_ids, from_address, to_addresses, cc_addresses,
                                   body_html, subject, email_channel_id, raw_key, threaded_by, auto_kind, remote_images)
             VALUES ($1, $2, 'incoming', NULL, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                     (SELECT id FROM email_channels WHERE id = $14), $15, $16, $17, $18)")
            .bind(&message_row_id).bind(&conversation_id).bind(&contact_id).bind(&mail.text).bind(now)
            .bind(&mail.message_id).bind(mail.in_reply_to.first()).bind(mail.references.join(" "))
            .bind(&sender_person.address).bind(joined(&mail.to)).bind(joined(&mail.cc)).bind(html).bind(&mail.subject)
            .bind(&inbox.channel_id).bind(raw_key).bind(threaded_by.as_str()).bind(mail.auto.map(|a| a.as_str()))
            .bind(remote_images).execute(&mut *tx).await?;
        for stored in files {
            sqlx::query(
                "INSERT INTO attachments (id, conversation_id, uploader_id, message_id, file_name, content_type, size,
                                          storage_key, created_at, content_id, inline)
                 VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(&stored.id).bind(&conversation_id).bind(&message_row_id).bind(&stored.file.file_name)
                .bind(&stored.file.content_type).bind(stored.file.bytes.len() as i64).bind(&stored.storage_key)
                .bind(now).bind(&stored.file.content_id).bind(stored.file.inline).execute(&mut *tx).await?;
        }
        if let Some(bounce) = &mail.bounce {
            if let Some(original) = &bounce.original_message_id {
                sqlx::query(
                    "UPDATE messages SET delivery = 'failed', delivery_error = $1
                     WHERE message_id = $2 AND kind = 'reply' AND delivery IS NOT NULL")
                    .bind(format!("Bounced: {}", bounce.reason)).bind(original).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok::<String, Written>(ticket_id)
    }.await)?;
    Ok(Outcome::Stored {
        ticket_id,
        message_id: message_row_id,
        threaded_by,
    })
}

fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// Equal in time whatever the contents (the hashes are of the same length).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The address whose endpoint `token` opens, and whether it is paused. `None` for an
/// unknown address, an address without a token, or a wrong token: one answer for all.
pub async fn inbox_for_token(db: &Db, channel_id: &str, token: &str) -> AppResult<Option<(Inbox, bool)>> {
    if channel_id.len() > 64 || token.is_empty() || token.len() > 200 {
        return Ok(None);
    }
    type Row = (String, String, Option<String>, Option<String>, bool, String);
    let row: Option<Row> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, address, incoming_pipeline_id, incoming_status_id, incoming_paused, inbound_token_hash
         FROM email_channels WHERE id = $1")
        .bind(channel_id).fetch_optional(pool).await)?;
    Ok(row.and_then(|(id, address, pipeline_id, status_id, paused, hash)| {
        (!hash.is_empty() && same(&hash, &token_hash(token))).then_some((
            Inbox {
                channel_id: id,
                address,
                pipeline_id,
                status_id,
            },
            paused,
        ))
    }))
}

/// Gives an address a new endpoint token (the old one stops working) and returns it: the
/// only time it is ever shown, since only its hash is kept.
pub async fn new_inbound_token(db: &Db, channel_id: &str) -> AppResult<String> {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let done = on_db!(db, pool => sqlx::query("UPDATE email_channels SET inbound_token_hash = $1 WHERE id = $2")
        .bind(token_hash(&token)).bind(channel_id).execute(pool).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(AppError::NotFound);
    }
    Ok(token)
}

/// Where the original of an incoming message is kept, for a user who may see its ticket
/// (`NotFound` for anyone else, as for a message that does not exist).
pub async fn original_key(db: &Db, user: &crate::auth::model::CurrentUser, message_id: &str) -> AppResult<String> {
    crate::limits::id(message_id)?;
    let row: Option<(String, Option<String>)> = on_db!(db, pool => sqlx::query_as(
        "SELECT cv.ticket_id, m.raw_key FROM messages m JOIN conversations cv ON cv.id = m.conversation_id
         WHERE m.id = $1")
        .bind(message_id).fetch_optional(pool).await)?;
    let (ticket_id, key) = row.ok_or(AppError::NotFound)?;
    if !crate::tickets::store::can_see(db, user, &ticket_id).await? {
        return Err(AppError::NotFound);
    }
    key.ok_or(AppError::NotFound)
}

/// One message in "Failed to import", as admins see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FailedImportRow {
    pub id: String,
    pub address: Option<String>,
    pub reason: String,
    pub size: i64,
    pub subject: String,
    pub from_address: String,
    pub received_at: i64,
}

/// "Failed to import", newest first, a page of `limit` after the keyset `before`
/// (`received_at`, `id` of the last row seen).
pub async fn failed_imports(db: &Db, before: Option<(i64, String)>, limit: i64) -> AppResult<Vec<FailedImportRow>> {
    let (at, id) = before.unwrap_or((i64::MAX, String::new()));
    let rows: Vec<FailedImportRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT f.id, c.address, f.reason, f.size, f.subject, f.from_address, f.received_at
         FROM failed_imports f LEFT JOIN email_channels c ON c.id = f.channel_id
         WHERE f.received_at < $1 OR (f.received_at = $1 AND f.id < $2)
         ORDER BY f.received_at DESC, f.id DESC LIMIT $3")
        .bind(at).bind(&id).bind(limit).fetch_all(pool).await)?;
    Ok(rows)
}

/// The original of a failed import (for download) and its address, if it still exists.
pub async fn failed_import_raw(db: &Db, files: &FileStore, id: &str) -> AppResult<(Vec<u8>, Option<String>)> {
    crate::limits::id(id)?;
    let row: Option<(String, Option<String>)> = on_db!(db, pool => sqlx::query_as(
        "SELECT raw_key, channel_id FROM failed_imports WHERE id = $1").bind(id).fetch_optional(pool).await)?;
    let (key, channel) = row.ok_or(AppError::NotFound)?;
    let raw = files.read(&key).await.map_err(disk_error)?;
    Ok((raw, channel))
}

/// Deletes a failed import and its kept original.
pub async fn delete_failed_import(db: &Db, files: &FileStore, id: &str) -> AppResult<()> {
    crate::limits::id(id)?;
    let row: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
        "DELETE FROM failed_imports WHERE id = $1 RETURNING raw_key").bind(id).fetch_optional(pool).await)?;
    let (key,) = row.ok_or(AppError::NotFound)?;
    files.remove(&[key]).await;
    Ok(())
}

/// The address a retried import goes through: its own, else the first connected one.
pub async fn inbox_of(db: &Db, channel_id: Option<&str>) -> AppResult<Option<Inbox>> {
    type Row = (String, String, Option<String>, Option<String>);
    let row: Option<Row> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, address, incoming_pipeline_id, incoming_status_id FROM email_channels
         ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END, created_at, id LIMIT 1")
        .bind(channel_id.unwrap_or_default()).fetch_optional(pool).await)?;
    Ok(row.map(|(channel_id, address, pipeline_id, status_id)| Inbox {
        channel_id,
        address,
        pipeline_id,
        status_id,
    }))
}

/// Opens a ticket for an email an agent starts from a contact's page (MISSION C2): Source
/// "Email", owned by the agent, landing where the address's new tickets land, with an email
/// conversation with the contact from that address. The ticket's id, its conversation's and
/// the status it is in.
pub async fn open_outgoing_ticket(
    db: &Db,
    inbox: &Inbox,
    contact_id: &str,
    name: &str,
    owner: &crate::auth::model::CurrentUser,
) -> AppResult<(String, String, String)> {
    let (pipeline_id, status_id, is_open) = landing(db, inbox)
        .await?
        .ok_or_else(|| AppError::validation("from", "No pipeline has a status that takes new tickets."))?;
    let now = now_millis();
    let (ticket_id, conversation_id) = (new_id(), new_id());
    on_db!(db, pool => async {
        let mut tx = pool.begin_write().await?;
        let (number,): (i64,) = sqlx::query_as(crate::tickets::store::NEXT_TICKET_NUMBER).fetch_one(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO tickets (id, name, description, pipeline_id, status_id, is_open, owner_id, team_id,
                                  priority, source, company_id, created_by, created_at, last_activity_at, number)
             VALUES ($1, $2, '', $3, $4, $5, $6, NULL, 'medium', 'email',
                     (SELECT company_id FROM contacts WHERE id = $7), $6, $8, $8, $9)")
            .bind(&ticket_id).bind(name).bind(&pipeline_id).bind(&status_id).bind(is_open).bind(&owner.id)
            .bind(contact_id).bind(now).bind(number).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO ticket_history (id, ticket_id, user_id, field, old_value, new_value, at, seq)
             VALUES ($1, $2, $3, 'created', NULL, $4, $5, 1)")
            .bind(new_id()).bind(&ticket_id).bind(&owner.id).bind(name).bind(now).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO ticket_contacts (ticket_id, contact_id) VALUES ($1, $2)")
            .bind(&ticket_id).bind(contact_id).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO conversations (id, ticket_id, contact_id, channel, created_at, email_channel_id)
             VALUES ($1, $2, $3, 'email', $4, $5)")
            .bind(&conversation_id).bind(&ticket_id).bind(contact_id).bind(now).bind(&inbox.channel_id)
            .execute(&mut *tx).await?;
        tx.commit().await
    }.await)?;
    Ok((ticket_id, conversation_id, status_id))
}

/// Removes a ticket `open_outgoing_ticket` opened whose first email was refused.
pub async fn forget_outgoing_ticket(db: &Db, ticket_id: &str) -> AppResult<()> {
    on_db!(db, pool => sqlx::query("DELETE FROM tickets WHERE id = $1 AND NOT EXISTS
        (SELECT 1 FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.ticket_id = $1)")
        .bind(ticket_id).execute(pool).await.map(|_| ()))?;
    Ok(())
}
