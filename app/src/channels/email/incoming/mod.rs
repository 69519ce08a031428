//! Incoming email (MISSION C1): one ingest function for every path mail comes in by (the
//! IMAP follower, the HTTP endpoint, a retried failed import). It reads the message,
//! threads it onto a ticket or opens a new one, and stores it with its files and original,
//! in one transaction. A message is never dropped: what cannot be read is kept raw in
//! "Failed to import", and the same message delivered twice is stored once.

pub mod follow;
pub mod imap;
pub mod parse;
pub mod store;
pub mod threading;

use std::collections::HashMap;

use crate::conversations::files::FileStore;
use crate::db::Db;
use crate::error::AppResult;

/// The largest raw message taken (bigger ones go to "Failed to import", kept whole).
pub const MAX_RAW_BYTES: usize = 40 * 1024 * 1024;

/// The address a message came in by, and where its new tickets land.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbox {
    pub channel_id: String,
    pub address: String,
    pub pipeline_id: Option<String>,
    pub status_id: Option<String>,
}

/// How a message found its ticket (shown on the message: "Threaded by In-Reply-To").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadedBy {
    InReplyTo,
    References,
    TicketReference,
    NewTicket,
    Forward,
}

impl ThreadedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadedBy::InReplyTo => "in-reply-to",
            ThreadedBy::References => "references",
            ThreadedBy::TicketReference => "ticket-reference",
            ThreadedBy::NewTicket => "new-ticket",
            ThreadedBy::Forward => "forward",
        }
    }
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored on a ticket (a new one or an existing one, as `threaded_by` says).
    Stored {
        ticket_id: String,
        message_id: String,
        threaded_by: ThreadedBy,
    },
    /// Already here (same Message-ID, or the same bytes): nothing was written.
    Duplicate { ticket_id: Option<String> },
    /// Kept raw in "Failed to import".
    Failed { failed_id: String, reason: String },
}

/// Imports one raw message that came in by `inbox`.
pub async fn ingest(db: &Db, files: &FileStore, inbox: &Inbox, raw: &[u8]) -> AppResult<Outcome> {
    if raw.len() > MAX_RAW_BYTES {
        let reason = format!(
            "The message is {} MB; messages up to {} MB are imported.",
            raw.len() / (1024 * 1024),
            MAX_RAW_BYTES / (1024 * 1024)
        );
        return store::keep_failed(db, files, Some(&inbox.channel_id), raw, &reason, None).await;
    }
    let mail = match parse::parse(raw) {
        Ok(mail) => mail,
        Err(unreadable) => {
            return store::keep_failed(db, files, Some(&inbox.channel_id), raw, unreadable.reason(), None).await;
        }
    };
    if mail.from.is_none() {
        return store::keep_failed(
            db,
            files,
            Some(&inbox.channel_id),
            raw,
            "The message has no sender address to answer.",
            Some(&mail),
        )
        .await;
    }
    if let Some(ticket_id) = store::already_stored(db, &mail.message_id).await? {
        return Ok(Outcome::Duplicate {
            ticket_id: Some(ticket_id),
        });
    }
    // The original and the files go to disk first; the rows that name them are written in
    // one transaction after. A failure in between leaves files without rows, never rows
    // without files.
    let raw_key = files.write_new(raw).await.map_err(store::disk_error)?;
    let mut stored_files = Vec::with_capacity(mail.files.len());
    let mut inline = HashMap::new();
    for file in &mail.files {
        let key = match files.write_new(&file.bytes).await {
            Ok(key) => key,
            Err(error) => {
                let mut keys: Vec<String> = stored_files
                    .iter()
                    .map(|f: &store::StoredFile| f.storage_key.clone())
                    .collect();
                keys.push(raw_key);
                files.remove(&keys).await;
                return Err(store::disk_error(error));
            }
        };
        let id = crate::db::new_id();
        if let Some(content_id) = file.content_id.as_ref().filter(|_| file.inline) {
            inline.insert(content_id.clone(), crate::conversations::attachments::inline_path(&id));
        }
        stored_files.push(store::StoredFile {
            id,
            storage_key: key,
            file: file.clone(),
        });
    }
    let (html, remote_images) = match &mail.html {
        Some(html) => crate::conversations::html::sanitise_incoming(html, &inline),
        None => (String::new(), false),
    };
    let written = store::store_message(db, inbox, &mail, &html, remote_images, &raw_key, &stored_files).await;
    if !matches!(written, Ok(Outcome::Stored { .. })) {
        let mut keys: Vec<String> = stored_files.iter().map(|f| f.storage_key.clone()).collect();
        keys.push(raw_key);
        files.remove(&keys).await;
    }
    written
}

/// Imports a message from "Failed to import" again (after a fix, or an address set up). On
/// success the failed row and its copy go; if it fails again, the new failure is kept and
/// the old one goes, so the list holds each message once.
pub async fn retry_failed(db: &Db, files: &FileStore, id: &str) -> AppResult<Outcome> {
    let (raw, channel) = store::failed_import_raw(db, files, id).await?;
    let inbox = store::inbox_of(db, channel.as_deref())
        .await?
        .ok_or_else(|| crate::error::AppError::validation("retry", "Connect an address in Settings > Email first."))?;
    let outcome = ingest(db, files, &inbox, &raw).await?;
    store::delete_failed_import(db, files, id).await?;
    Ok(outcome)
}
