//! Where attachments live: their bytes in a folder on disk (the data folder's `files/`, or
//! `SWITCHBOARD_FILES`; shared storage when several instances serve one database), their
//! rows in `attachments`. A file added to a reply belongs to its uploader's draft until the
//! reply is sent; only the uploader sees it then. A sent file is seen by whoever may see its
//! ticket. Every query names the caller, and the reply's limits are checked inside the
//! transaction that writes the row.

use std::collections::HashMap;
use std::path::PathBuf;

use sqlx::FromRow;

use super::attachments::{Attachment, Room};
use crate::auth::model::CurrentUser;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::sql::Sql;
use crate::{bind_all, on_db, on_tx};

/// The folder of stored files, and the size the files of one reply may reach together.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
    limit_bytes: u64,
}

impl FileStore {
    /// Opens (creating it when missing) the folder files are kept in.
    pub fn new(dir: PathBuf, limit_bytes: u64) -> std::io::Result<FileStore> {
        std::fs::create_dir_all(&dir)?;
        Ok(FileStore { dir, limit_bytes })
    }

    pub fn limit_bytes(&self) -> u64 {
        self.limit_bytes
    }

    /// A new storage key, and the path a file is written to before it is kept under it.
    pub fn new_upload(&self) -> (String, PathBuf) {
        let key = crate::db::new_id();
        let partial = self.dir.join(format!("{key}.part"));
        (key, partial)
    }

    /// The path of a stored file. Keys are ids of our own making (letters and digits), so
    /// no key can name a path outside the folder.
    fn path(&self, key: &str) -> Option<PathBuf> {
        (!key.is_empty() && key.len() <= 64 && key.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then(|| self.dir.join(key))
    }

    /// Writes bytes under a new key (through a partial file, so a crash leaves no half file
    /// under a key). Returns the key.
    pub async fn write_new(&self, bytes: &[u8]) -> std::io::Result<String> {
        let (key, partial) = self.new_upload();
        tokio::fs::write(&partial, bytes).await?;
        self.keep(&key, &partial).await?;
        Ok(key)
    }

    /// Keeps an upload that was written completely under its key.
    pub async fn keep(&self, key: &str, partial: &std::path::Path) -> std::io::Result<()> {
        let path = self.path(key).ok_or(std::io::ErrorKind::InvalidInput)?;
        tokio::fs::rename(partial, path).await
    }

    pub async fn read(&self, key: &str) -> std::io::Result<Vec<u8>> {
        let path = self.path(key).ok_or(std::io::ErrorKind::InvalidInput)?;
        tokio::fs::read(path).await
    }

    pub async fn open(&self, key: &str) -> std::io::Result<tokio::fs::File> {
        let path = self.path(key).ok_or(std::io::ErrorKind::InvalidInput)?;
        tokio::fs::File::open(path).await
    }

    /// Removes stored files (best effort: a file left behind has no row and is never served).
    pub async fn remove(&self, keys: &[String]) {
        for key in keys {
            if let Some(path) = self.path(key) {
                if let Err(error) = tokio::fs::remove_file(&path).await {
                    if error.kind() != std::io::ErrorKind::NotFound {
                        tracing::warn!(%error, path = %path.display(), "could not remove a stored file");
                    }
                }
            }
        }
    }
}

/// A refusal on the reply's files, named on "attachments".
pub fn refused(message: String) -> AppError {
    AppError::validation("attachments", message)
}

#[derive(FromRow)]
struct AttachmentRow {
    id: String,
    file_name: String,
    content_type: String,
    size: i64,
    message_id: Option<String>,
    storage_key: String,
}

impl AttachmentRow {
    fn attachment(&self) -> Attachment {
        Attachment {
            id: self.id.clone(),
            file_name: self.file_name.clone(),
            content_type: self.content_type.clone(),
            size: self.size,
        }
    }
}

const COLUMNS: &str = "SELECT id, file_name, content_type, size, message_id, storage_key FROM attachments";

/// What the caller's draft on a conversation has room for, after checking the caller may
/// reply there.
pub async fn room(db: &Db, files: &FileStore, user: &CurrentUser, conversation_id: &str) -> AppResult<Room> {
    super::drafts::conversation_ticket(db, user, conversation_id).await?;
    let (count, bytes): (i64, i64) = on_db!(db, pool => sqlx::query_as(ROOM)
        .bind(&user.id).bind(conversation_id).fetch_one(pool).await)?;
    Ok(Room {
        limit: files.limit_bytes as i64,
        attached: bytes,
        files: count as usize,
    })
}

const ROOM: &str = "SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachments
     WHERE uploader_id = $1 AND conversation_id = $2 AND message_id IS NULL";

/// A file written completely to the files folder, as the browser named it.
#[derive(Debug, Clone, Copy)]
pub struct Uploaded<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: u64,
    pub storage_key: &'a str,
}

/// Records an uploaded file on the caller's draft. The limits are checked again here, in the
/// writing transaction with the conversation locked, so two uploads at once cannot pass
/// them together.
pub async fn add(
    db: &Db,
    files: &FileStore,
    user: &CurrentUser,
    conversation_id: &str,
    upload: &Uploaded<'_>,
) -> AppResult<Attachment> {
    let Uploaded {
        file_name,
        content_type,
        size,
        storage_key,
    } = *upload;
    super::drafts::conversation_ticket(db, user, conversation_id).await?;
    let mut tx = db.begin_write().await?;
    let lock = format!("SELECT id FROM conversations WHERE id = $1{}", tx.for_update());
    on_tx!(&mut tx, conn => sqlx::query_as::<_, (String,)>(&lock).bind(conversation_id).fetch_one(&mut **conn).await)?;
    let (count, bytes): (i64, i64) = on_tx!(&mut tx, conn => sqlx::query_as(ROOM)
        .bind(&user.id).bind(conversation_id).fetch_one(&mut **conn).await)?;
    let room = Room {
        limit: files.limit_bytes as i64,
        attached: bytes,
        files: count as usize,
    };
    room.check(size as i64).map_err(refused)?;
    let attachment = Attachment {
        id: crate::db::new_id(),
        file_name: super::attachments::clean_file_name(file_name),
        content_type: super::attachments::clean_content_type(content_type),
        size: size as i64,
    };
    on_tx!(&mut tx, conn => sqlx::query(
        "INSERT INTO attachments (id, conversation_id, uploader_id, message_id, file_name, content_type, size,
                                  storage_key, created_at)
         VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8)")
        .bind(&attachment.id).bind(conversation_id).bind(&user.id).bind(&attachment.file_name)
        .bind(&attachment.content_type).bind(attachment.size).bind(storage_key).bind(crate::db::now_millis())
        .execute(&mut **conn).await.map(|_| ()))?;
    tx.commit().await?;
    Ok(attachment)
}

/// The files on the caller's draft of a conversation, in the order they were added.
pub async fn on_draft(db: &Db, user: &CurrentUser, conversation_id: &str) -> AppResult<Vec<Attachment>> {
    let sql = format!(
        "{COLUMNS} WHERE uploader_id = $1 AND conversation_id = $2 AND message_id IS NULL ORDER BY created_at, id"
    );
    let rows: Vec<AttachmentRow> = on_db!(db, pool => sqlx::query_as(&sql)
        .bind(&user.id).bind(conversation_id).fetch_all(pool).await)?;
    Ok(rows.iter().map(AttachmentRow::attachment).collect())
}

/// Removes a file from the caller's draft (never one that was sent, never another user's).
/// Returns its storage key, for the caller to remove the bytes after the row is gone.
pub async fn remove_from_draft(db: &Db, user: &CurrentUser, id: &str) -> AppResult<String> {
    crate::limits::id(id)?;
    let removed: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
        "DELETE FROM attachments WHERE id = $1 AND uploader_id = $2 AND message_id IS NULL RETURNING storage_key")
        .bind(id).bind(&user.id).fetch_optional(pool).await)?;
    removed.map(|(key,)| key).ok_or(AppError::NotFound)
}

/// Removes every file on the caller's draft of a conversation inside the caller's
/// transaction (the draft was discarded); returns their storage keys.
pub async fn clear_draft_in(tx: &mut Tx, user: &CurrentUser, conversation_id: &str) -> AppResult<Vec<String>> {
    let keys: Vec<(String,)> = on_tx!(tx, conn => sqlx::query_as(
        "DELETE FROM attachments WHERE uploader_id = $1 AND conversation_id = $2 AND message_id IS NULL
         RETURNING storage_key")
        .bind(&user.id).bind(conversation_id).fetch_all(&mut **conn).await)?;
    Ok(keys.into_iter().map(|(k,)| k).collect())
}

/// Moves the files `ids` of the caller's draft onto the sent message, inside the sending
/// transaction. Every id must still be on the draft; otherwise nothing is sent.
pub async fn send_in(
    tx: &mut Tx,
    user: &CurrentUser,
    conversation_id: &str,
    ids: &[String],
    message_id: &str,
) -> AppResult<()> {
    for id in ids {
        let moved = on_tx!(tx, conn => sqlx::query(
            "UPDATE attachments SET message_id = $1
             WHERE id = $2 AND uploader_id = $3 AND conversation_id = $4 AND message_id IS NULL")
            .bind(message_id).bind(id).bind(&user.id).bind(conversation_id)
            .execute(&mut **conn).await.map(|r| r.rows_affected()))?;
        if moved != 1 {
            return Err(AppError::validation(
                "attachments",
                "A file on this reply was removed meanwhile: check the files and send again.",
            ));
        }
    }
    Ok(())
}

/// Undo: the files of a message go back onto its sender's draft (before the message goes).
pub async fn unsend_in(tx: &mut Tx, message_id: &str) -> AppResult<()> {
    on_tx!(tx, conn => sqlx::query("UPDATE attachments SET message_id = NULL WHERE message_id = $1")
        .bind(message_id).execute(&mut **conn).await.map(|_| ()))?;
    Ok(())
}

/// The files of sent messages, by message: one query for all of them.
pub async fn of_messages(db: &Db, message_ids: &[String]) -> AppResult<HashMap<String, Vec<Attachment>>> {
    Ok(stored_of_messages(db, message_ids)
        .await?
        .into_iter()
        .map(|(message, rows)| (message, rows.into_iter().map(|(a, _)| a).collect()))
        .collect())
}

/// Like [`of_messages`], with each file's storage key (the outbox reads the bytes).
pub async fn stored_of_messages(
    db: &Db,
    message_ids: &[String],
) -> AppResult<HashMap<String, Vec<(Attachment, String)>>> {
    let mut found: HashMap<String, Vec<(Attachment, String)>> = HashMap::new();
    if message_ids.is_empty() {
        return Ok(found);
    }
    let mut sql = Sql::new(&format!("{COLUMNS} WHERE message_id IN ("));
    for (i, id) in message_ids.iter().enumerate() {
        let p = sql.text_param(id);
        sql.push(if i == 0 { "" } else { ", " }).push(&p);
    }
    sql.push(") ORDER BY created_at, id");
    let rows: Vec<AttachmentRow> =
        on_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_all(pool).await)?;
    for row in rows {
        if let Some(message) = row.message_id.clone() {
            found
                .entry(message)
                .or_default()
                .push((row.attachment(), row.storage_key.clone()));
        }
    }
    Ok(found)
}

/// A file the caller may download, with its storage key: one on their own draft, or one
/// sent on a ticket within their scope. Anything else is `NotFound`, whatever the id.
pub async fn for_download(db: &Db, user: &CurrentUser, id: &str) -> AppResult<(Attachment, String)> {
    crate::limits::id(id)?;
    let mut sql = Sql::new(
        "SELECT a.id, a.file_name, a.content_type, a.size, a.message_id, a.storage_key
         FROM attachments a JOIN conversations cv ON cv.id = a.conversation_id JOIN tickets t ON t.id = cv.ticket_id
         WHERE a.id = ",
    );
    let p = sql.text_param(id);
    sql.push(&p);
    let me = sql.text_param(&user.id);
    sql.push(&format!(" AND (a.message_id IS NOT NULL OR a.uploader_id = {me})"));
    crate::tickets::store::push_scope(&mut sql, user);
    let row: Option<AttachmentRow> =
        on_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_optional(pool).await)?;
    let row = row.ok_or(AppError::NotFound)?;
    Ok((row.attachment(), row.storage_key))
}
