//! Following an address's mailbox over IMAP: which mailboxes to follow, the lease that lets
//! one instance at a time follow each (several instances share one PostgreSQL), and the
//! import of what is new since the last UID stored. The place in the mailbox (UIDVALIDITY
//! and last UID) advances after each message is stored, so a restart or a dropped
//! connection resumes where it stopped: nothing is skipped, and what was stored just before
//! a crash is caught as a duplicate by ingest. The loop that runs this is the server's
//! `follower` task.

use futures_util::TryStreamExt;

use super::imap::{explain, ImapError, ImapSettings, Session};
use super::{ingest, Inbox, MAX_RAW_BYTES};
use crate::channels::email::model::TlsMode;
use crate::conversations::files::FileStore;
use crate::db::Db;
use crate::error::AppError;
use crate::on_db;

/// How long a lease lasts without being renewed (the follower renews it every
/// `RENEW_EVERY`, and gives the mailbox up when it cannot).
pub const LEASE_MILLIS: i64 = 90_000;
/// How often a follower renews its lease: also the longest an IDLE lasts, and the poll
/// interval of a server without IDLE.
pub const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(20);
/// Messages fetched in one command (fewer when they are large).
const BATCH: usize = 25;
const BATCH_BYTES: u64 = 8 * 1024 * 1024;

/// A mailbox to follow: the address it belongs to and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    pub inbox: Inbox,
    pub settings: ImapSettings,
}

/// Why following stopped for now.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("{0}")]
    Imap(#[from] ImapError),
    #[error("the message could not be stored: {0}")]
    Store(#[from] AppError),
    /// Another instance holds the mailbox now.
    #[error("another instance follows this mailbox now")]
    LeaseLost,
}

impl From<async_imap::error::Error> for FollowError {
    fn from(error: async_imap::error::Error) -> FollowError {
        FollowError::Imap(explain(&error))
    }
}

impl From<sqlx::Error> for FollowError {
    fn from(error: sqlx::Error) -> FollowError {
        FollowError::Store(error.into())
    }
}

type ChannelRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
    String,
    String,
    String,
    String,
);

/// Every address with a mailbox to follow: an IMAP server set and not paused.
pub async fn followed(db: &Db, secret_key: &[u8]) -> Result<Vec<Followed>, AppError> {
    let rows: Vec<ChannelRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, address, incoming_pipeline_id, incoming_status_id, imap_host, imap_port, imap_tls, imap_user,
                imap_password, imap_folder
         FROM email_channels WHERE imap_host <> '' AND incoming_paused = FALSE ORDER BY id")
        .fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(channel_id, address, pipeline_id, status_id, host, port, tls, user, password, folder)| Followed {
                inbox: Inbox {
                    channel_id,
                    address,
                    pipeline_id,
                    status_id,
                },
                settings: ImapSettings {
                    host,
                    port: u16::try_from(port).unwrap_or(993),
                    tls: TlsMode::parse(&tls).unwrap_or(TlsMode::Tls),
                    user,
                    password: (!password.is_empty())
                        .then(|| crate::channels::email::crypto::open(secret_key, &password))
                        .flatten(),
                    folder,
                },
            },
        )
        .collect())
}

/// Takes the lease of `channel`'s mailbox for `owner`, or renews it: whether `owner` holds
/// it now. One statement decides, so two instances never both hold it.
pub async fn claim(db: &Db, channel: &str, owner: &str, now: i64) -> Result<bool, AppError> {
    let claimed = on_db!(db, pool => {
        sqlx::query("INSERT INTO mailbox_state (channel_id) VALUES ($1) ON CONFLICT (channel_id) DO NOTHING")
            .bind(channel).execute(pool).await?;
        sqlx::query(
            "UPDATE mailbox_state SET lease_owner = $2, lease_until = $3
             WHERE channel_id = $1 AND (lease_owner = $2 OR lease_owner IS NULL OR lease_until < $4)")
            .bind(channel).bind(owner).bind(now + LEASE_MILLIS).bind(now)
            .execute(pool).await.map(|done| done.rows_affected() == 1)
    })?;
    Ok(claimed)
}

/// Gives the lease up (a follower that stops), so another instance takes over at once.
pub async fn release(db: &Db, channel: &str, owner: &str) -> Result<(), AppError> {
    on_db!(db, pool => sqlx::query(
        "UPDATE mailbox_state SET lease_owner = NULL, lease_until = 0 WHERE channel_id = $1 AND lease_owner = $2")
        .bind(channel).bind(owner).execute(pool).await.map(|_| ()))?;
    Ok(())
}

/// Records how the last look at the mailbox went (an empty `error`: it went well), shown
/// in Settings > Email.
pub async fn note(db: &Db, channel: &str, error: &str) -> Result<(), AppError> {
    let error: String = error.chars().take(500).collect();
    on_db!(db, pool => sqlx::query(
        "UPDATE mailbox_state SET last_error = $2, checked_at = $3 WHERE channel_id = $1")
        .bind(channel).bind(&error).bind(crate::db::now_millis()).execute(pool).await.map(|_| ()))?;
    Ok(())
}

/// How following an address's mailbox goes, for Settings > Email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxStatus {
    pub last_error: String,
    pub checked_at: Option<i64>,
    pub last_uid: i64,
}

/// The status of every followed mailbox, by channel id.
pub async fn statuses(db: &Db) -> Result<Vec<(String, MailboxStatus)>, AppError> {
    let rows: Vec<(String, String, Option<i64>, i64)> = on_db!(db, pool => sqlx::query_as(
        "SELECT channel_id, last_error, checked_at, last_uid FROM mailbox_state").fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, last_error, checked_at, last_uid)| {
            (
                id,
                MailboxStatus {
                    last_error,
                    checked_at,
                    last_uid,
                },
            )
        })
        .collect())
}

/// The UIDVALIDITY read last time and the last UID stored.
async fn place(db: &Db, channel: &str) -> Result<(Option<i64>, i64), AppError> {
    let row: Option<(Option<i64>, i64)> = on_db!(db, pool => sqlx::query_as(
        "SELECT uid_validity, last_uid FROM mailbox_state WHERE channel_id = $1")
        .bind(channel).fetch_optional(pool).await)?;
    Ok(row.unwrap_or((None, 0)))
}

/// Moves the place on, while `owner` still holds the lease (false: it does not).
async fn advance(
    db: &Db,
    channel: &str,
    owner: &str,
    uid_validity: Option<i64>,
    last_uid: i64,
) -> Result<bool, AppError> {
    let moved = on_db!(db, pool => sqlx::query(
        "UPDATE mailbox_state SET uid_validity = $3, last_uid = $4 WHERE channel_id = $1 AND lease_owner = $2")
        .bind(channel).bind(owner).bind(uid_validity).bind(last_uid)
        .execute(pool).await.map(|done| done.rows_affected() == 1))?;
    Ok(moved)
}

/// Imports every message of the folder after the last UID stored, in UID order; the
/// number imported (duplicates and failed imports count: each was dealt with).
pub async fn import_new(
    db: &Db,
    files: &FileStore,
    followed: &Followed,
    owner: &str,
    session: &mut Session,
) -> Result<usize, FollowError> {
    let channel = followed.inbox.channel_id.as_str();
    let mailbox = session.select(&followed.settings.folder).await.map_err(|e| match e {
        async_imap::error::Error::No(_) => FollowError::Imap(ImapError(format!(
            "The folder \"{}\" does not exist on the server: check its name in Settings > Email.",
            followed.settings.folder
        ))),
        other => other.into(),
    })?;
    let validity = mailbox.uid_validity.map(i64::from);
    let (stored_validity, mut last_uid) = place(db, channel).await?;
    if stored_validity != validity {
        // A new mailbox, or the server renumbered it (UIDVALIDITY changed): every UID is
        // new. Ingest knows each message already stored, so none is stored twice.
        if stored_validity.is_some() {
            tracing::warn!(
                channel,
                "the mailbox's UIDVALIDITY changed; reading it again from the start"
            );
        }
        last_uid = 0;
        if !advance(db, channel, owner, validity, 0).await? {
            return Err(FollowError::LeaseLost);
        }
    }
    if mailbox.exists == 0 {
        return Ok(0);
    }
    // The new UIDs and their sizes ("N:*" also names the last message when none is newer).
    let mut sizes: Vec<(u32, u64)> = session
        .uid_fetch(format!("{}:*", last_uid + 1), "(UID RFC822.SIZE)")
        .await?
        .try_filter_map(|fetch| async move { Ok(fetch.uid.map(|uid| (uid, u64::from(fetch.size.unwrap_or(0))))) })
        .try_collect()
        .await?;
    sizes.retain(|(uid, _)| i64::from(*uid) > last_uid);
    sizes.sort_unstable();
    let mut imported = 0;
    let mut start = 0;
    while start < sizes.len() {
        // A batch of up to BATCH messages and BATCH_BYTES (a large message on its own).
        let mut end = start + 1;
        let mut bytes = sizes[start].1;
        while end < sizes.len() && end - start < BATCH && bytes + sizes[end].1 <= BATCH_BYTES {
            bytes += sizes[end].1;
            end += 1;
        }
        let batch = &sizes[start..end];
        start = end;
        let set: Vec<String> = batch.iter().map(|(uid, _)| uid.to_string()).collect();
        // No more than the largest message taken is read (a bigger one is kept, cut, in
        // "Failed to import" with its size named).
        let query = if batch.len() == 1 && batch[0].1 > MAX_RAW_BYTES as u64 {
            format!("(UID BODY.PEEK[]<0.{}>)", MAX_RAW_BYTES + 1)
        } else {
            "(UID BODY.PEEK[])".to_string()
        };
        let mut fetched: Vec<(u32, Vec<u8>)> = session
            .uid_fetch(set.join(","), query)
            .await?
            .try_filter_map(|fetch| async move {
                Ok(fetch
                    .uid
                    .map(|uid| (uid, fetch.body().map(<[u8]>::to_vec).unwrap_or_default())))
            })
            .try_collect()
            .await?;
        fetched.sort_unstable_by_key(|(uid, _)| *uid);
        for (uid, raw) in fetched {
            if i64::from(uid) <= last_uid {
                continue;
            }
            ingest(db, files, &followed.inbox, &raw).await?;
            last_uid = i64::from(uid);
            if !advance(db, channel, owner, validity, last_uid).await? {
                return Err(FollowError::LeaseLost);
            }
            imported += 1;
        }
        // Messages expunged between the two commands are passed over.
        let batch_end = i64::from(batch[batch.len() - 1].0);
        if batch_end > last_uid {
            last_uid = batch_end;
            if !advance(db, channel, owner, validity, last_uid).await? {
                return Err(FollowError::LeaseLost);
            }
        }
    }
    while session.unsolicited_responses.try_recv().is_ok() {}
    Ok(imported)
}

static WAKE: std::sync::LazyLock<tokio::sync::Notify> = std::sync::LazyLock::new(tokio::sync::Notify::new);

/// Tells this process's followers that an address's settings changed (they also look every
/// few seconds).
pub fn wake() {
    WAKE.notify_waiters();
}

/// Waits for `wake`.
pub async fn woken() {
    WAKE.notified().await;
}
