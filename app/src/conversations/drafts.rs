//! SQL for drafts (MISSION R7): one reply draft per user and conversation, saved as it is
//! typed, versioned so that two windows never silently overwrite each other. Every query
//! names the caller: no function reads, saves over or removes another user's draft, whatever
//! id it is given.

use sqlx::FromRow;

use super::html;
use super::model::{Draft, DraftContent, DraftSaved, DraftSummary};
use crate::auth::model::CurrentUser;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::sql::Sql;
use crate::{bind_all, on_db, on_tx};

/// Addresses are stored one per line.
fn join(list: &[String]) -> String {
    list.join("\n")
}

pub(crate) fn split(stored: &str) -> Vec<String> {
    stored.lines().filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[derive(FromRow)]
struct DraftRow {
    conversation_id: String,
    version: i64,
    body_html: String,
    from_channel_id: Option<String>,
    to_addresses: String,
    cc_addresses: String,
    bcc_addresses: String,
    reply_to_message_id: Option<String>,
    status_id: Option<String>,
    signature_html: Option<String>,
    updated_at: i64,
}

impl DraftRow {
    fn into_draft(self) -> Draft {
        Draft {
            conversation_id: self.conversation_id,
            version: self.version,
            content: DraftContent {
                body_html: self.body_html,
                from_channel_id: self.from_channel_id,
                to: split(&self.to_addresses),
                cc: split(&self.cc_addresses),
                bcc: split(&self.bcc_addresses),
                reply_to_message_id: self.reply_to_message_id,
                status_id: self.status_id,
                attachments: Vec::new(),
                own_signature: self.signature_html.is_some(),
                signature_html: self.signature_html.unwrap_or_default(),
            },
            updated_at: self.updated_at,
            attachments: Vec::new(),
        }
    }
}

const DRAFT_COLUMNS: &str = "SELECT conversation_id, version, body_html, from_channel_id, to_addresses, cc_addresses,
        bcc_addresses, reply_to_message_id, status_id, signature_html, updated_at FROM drafts";

/// The ticket of a conversation the caller may see, or `NotFound` (an unknown id and one
/// outside the caller's scope look the same).
pub async fn conversation_ticket(db: &Db, user: &CurrentUser, conversation_id: &str) -> AppResult<String> {
    crate::limits::id(conversation_id)?;
    let mut sql = Sql::new("SELECT t.id FROM conversations cv JOIN tickets t ON t.id = cv.ticket_id WHERE cv.id = ");
    let id = sql.text_param(conversation_id);
    sql.push(&id);
    crate::tickets::store::push_scope(&mut sql, user);
    let found: Option<(String,)> =
        on_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_optional(pool).await)?;
    found.map(|(id,)| id).ok_or(AppError::NotFound)
}

/// The caller's reply draft on a conversation they may see, if they have one.
pub async fn get_draft(db: &Db, user: &CurrentUser, conversation_id: &str) -> AppResult<Option<Draft>> {
    conversation_ticket(db, user, conversation_id).await?;
    let sql = format!("{DRAFT_COLUMNS} WHERE user_id = $1 AND conversation_id = $2 AND kind = 'reply'");
    let row: Option<DraftRow> = on_db!(db, pool => sqlx::query_as(&sql)
        .bind(&user.id).bind(conversation_id).fetch_optional(pool).await)?;
    let Some(mut draft) = row.map(DraftRow::into_draft) else {
        return Ok(None);
    };
    draft.attachments = super::files::on_draft(db, user, conversation_id).await?;
    draft.content.attachments = draft.attachments.iter().map(|a| a.id.clone()).collect();
    Ok(Some(draft))
}

/// The caller's draft read inside a write transaction, locked on PostgreSQL.
async fn locked_draft(tx: &mut Tx, user: &CurrentUser, conversation_id: &str) -> AppResult<Option<Draft>> {
    let sql = format!(
        "{DRAFT_COLUMNS} WHERE user_id = $1 AND conversation_id = $2 AND kind = 'reply'{}",
        tx.for_update()
    );
    let row: Option<DraftRow> = on_tx!(tx, conn => sqlx::query_as(&sql)
        .bind(&user.id).bind(conversation_id).fetch_optional(&mut **conn).await)?;
    Ok(row.map(DraftRow::into_draft))
}

/// Saves the caller's draft made from version `base` (0: a new draft). When the server
/// holds another version (another window saved, sent or discarded it meanwhile) nothing is
/// written and the answer says what the server holds. The HTML is kept sanitised.
pub async fn save_draft(
    db: &Db,
    user: &CurrentUser,
    conversation_id: &str,
    base: i64,
    content: &DraftContent,
) -> AppResult<DraftSaved> {
    super::model::check_content(content)?;
    conversation_ticket(db, user, conversation_id).await?;
    let body_html = html::sanitise(&content.body_html);
    let body_text = html::to_text(&body_html);
    let signature = content.edited_signature().map(html::sanitise);
    let now = crate::db::now_millis();
    let mut tx = db.begin_write().await?;
    let current = locked_draft(&mut tx, user, conversation_id).await?;
    let version = match &current {
        None if base == 0 => 1,
        Some(draft) if draft.version == base => base + 1,
        _ => return Ok(DraftSaved::Conflict { current }),
    };
    let params = (join(&content.to), join(&content.cc), join(&content.bcc));
    let written = if version == 1 {
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO drafts (id, user_id, conversation_id, kind, version, body_html, body_text, from_channel_id,
                                 to_addresses, cc_addresses, bcc_addresses, reply_to_message_id, status_id,
                                 created_at, updated_at, signature_html)
             VALUES ($1, $2, $3, 'reply', 1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)")
            .bind(crate::db::new_id()).bind(&user.id).bind(conversation_id).bind(&body_html).bind(&body_text)
            .bind(&content.from_channel_id).bind(&params.0).bind(&params.1).bind(&params.2)
            .bind(&content.reply_to_message_id).bind(&content.status_id).bind(now).bind(&signature)
            .execute(&mut **conn).await.map(|_| ()))
    } else {
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE drafts SET version = $1, body_html = $2, body_text = $3, from_channel_id = $4, to_addresses = $5,
                               cc_addresses = $6, bcc_addresses = $7, reply_to_message_id = $8, status_id = $9,
                               updated_at = $10, signature_html = $14
             WHERE user_id = $11 AND conversation_id = $12 AND kind = 'reply' AND version = $13")
            .bind(version).bind(&body_html).bind(&body_text).bind(&content.from_channel_id)
            .bind(&params.0).bind(&params.1).bind(&params.2).bind(&content.reply_to_message_id)
            .bind(&content.status_id).bind(now).bind(&user.id).bind(conversation_id).bind(base).bind(&signature)
            .execute(&mut **conn).await.map(|_| ()))
    };
    match written {
        Ok(()) => {}
        // Two first saves at once (two windows, PostgreSQL): the later one lost the race.
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            drop(tx);
            return Ok(DraftSaved::Conflict {
                current: get_draft(db, user, conversation_id).await?,
            });
        }
        Err(error) => return Err(error.into()),
    }
    tx.commit().await?;
    Ok(DraftSaved::Saved {
        version,
        updated_at: now,
    })
}

/// Removes the caller's draft, and the files on it, if it is still at `version` (a newer
/// save from another window is kept). Returns the storage keys of the files removed, or
/// `None` when nothing was.
pub async fn discard_draft(
    db: &Db,
    user: &CurrentUser,
    conversation_id: &str,
    version: i64,
) -> AppResult<Option<Vec<String>>> {
    conversation_ticket(db, user, conversation_id).await?;
    let mut tx = db.begin_write().await?;
    let removed = on_tx!(&mut tx, conn => sqlx::query(
        "DELETE FROM drafts WHERE user_id = $1 AND conversation_id = $2 AND kind = 'reply' AND version = $3")
        .bind(&user.id).bind(conversation_id).bind(version).execute(&mut **conn).await.map(|r| r.rows_affected()))?;
    if removed == 0 {
        return Ok(None);
    }
    let keys = super::files::clear_draft_in(&mut tx, user, conversation_id).await?;
    tx.commit().await?;
    Ok(Some(keys))
}

/// Removes the caller's reply draft on a conversation inside the caller's transaction (a
/// sent reply's), whatever its version.
pub async fn remove_in(tx: &mut Tx, user: &CurrentUser, conversation_id: &str) -> AppResult<()> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM drafts WHERE user_id = $1 AND conversation_id = $2 AND kind = 'reply'")
        .bind(&user.id).bind(conversation_id).execute(&mut **conn).await.map(|_| ()))?;
    Ok(())
}

/// Puts `content` back as the caller's draft inside the caller's transaction (Undo), as a
/// newer version than any window holds.
pub async fn restore_in(
    tx: &mut Tx,
    user: &CurrentUser,
    conversation_id: &str,
    content: &DraftContent,
) -> AppResult<()> {
    let now = crate::db::now_millis();
    let current = locked_draft(tx, user, conversation_id).await?;
    let version = current.map_or(1, |d| d.version + 1);
    let body_text = html::to_text(&content.body_html);
    on_tx!(tx, conn => sqlx::query("DELETE FROM drafts WHERE user_id = $1 AND conversation_id = $2 AND kind = 'reply'")
        .bind(&user.id).bind(conversation_id).execute(&mut **conn).await.map(|_| ()))?;
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO drafts (id, user_id, conversation_id, kind, version, body_html, body_text, from_channel_id,
                             to_addresses, cc_addresses, bcc_addresses, reply_to_message_id, status_id, created_at, updated_at,
                             signature_html)
         VALUES ($1, $2, $3, 'reply', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)")
        .bind(crate::db::new_id()).bind(&user.id).bind(conversation_id).bind(version).bind(&content.body_html)
        .bind(&body_text).bind(&content.from_channel_id).bind(join(&content.to)).bind(join(&content.cc))
        .bind(join(&content.bcc)).bind(&content.reply_to_message_id).bind(&content.status_id).bind(now)
        .bind(content.edited_signature())
        .execute(&mut **conn).await.map(|_| ()))?;
    Ok(())
}

#[derive(FromRow)]
struct SummaryRow {
    ticket_id: String,
    ticket_number: i64,
    ticket_name: String,
    conversation_id: String,
    to_addresses: String,
    contact_email: Option<String>,
    body_html: String,
    updated_at: i64,
}

/// The caller's drafts, most recently saved first, on tickets they can still see.
pub async fn list_drafts(db: &Db, user: &CurrentUser, limit: i64) -> AppResult<Vec<DraftSummary>> {
    let mut sql = Sql::new(
        "SELECT t.id AS ticket_id, t.number AS ticket_number, t.name AS ticket_name, d.conversation_id, d.to_addresses,
                ct.email AS contact_email, d.body_html, d.updated_at
         FROM drafts d
         JOIN conversations cv ON cv.id = d.conversation_id
         JOIN tickets t ON t.id = cv.ticket_id
         LEFT JOIN contacts ct ON ct.id = cv.contact_id
         WHERE d.user_id = ",
    );
    let me = sql.text_param(&user.id);
    sql.push(&me);
    crate::tickets::store::push_scope(&mut sql, user);
    let limit = sql.int_param(limit);
    sql.push(&format!(" ORDER BY d.updated_at DESC, d.id DESC LIMIT {limit}"));
    let rows: Vec<SummaryRow> =
        on_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|r| DraftSummary {
            recipient: split(&r.to_addresses).into_iter().next().or(r.contact_email),
            excerpt: html::excerpt(&r.body_html, 80),
            ticket_id: r.ticket_id,
            ticket_number: r.ticket_number,
            ticket_name: r.ticket_name,
            conversation_id: r.conversation_id,
            updated_at: r.updated_at,
        })
        .collect())
}

/// How many drafts the caller has on tickets they can still see (the "Drafts" view's count).
pub async fn count_drafts(db: &Db, user: &CurrentUser) -> AppResult<i64> {
    let mut sql = Sql::new(
        "SELECT COUNT(*) FROM drafts d JOIN conversations cv ON cv.id = d.conversation_id
         JOIN tickets t ON t.id = cv.ticket_id WHERE d.user_id = ",
    );
    let me = sql.text_param(&user.id);
    sql.push(&me);
    crate::tickets::store::push_scope(&mut sql, user);
    let (count,): (i64,) = on_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_one(pool).await)?;
    Ok(count)
}
