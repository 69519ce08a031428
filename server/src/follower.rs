//! The mailbox follower: a task of the server process that follows the IMAP mailbox of
//! every address that has one (the plain functions it calls are in
//! `app::channels::email::incoming::follow`). Every instance runs one; a lease per mailbox
//! keeps each followed by one instance at a time. New mail is pushed by IMAP IDLE where the
//! server offers it, polled for otherwise; a dropped connection is tried again with a
//! growing pause, and each attempt resumes from the last UID stored.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use app::channels::email::incoming::follow::{self, FollowError, Followed, RENEW_EVERY};
use app::channels::email::incoming::imap;
use app::conversations::files::FileStore;
use app::db::Db;
use tokio::task::JoinHandle;

/// How often the list of mailboxes is read again without being woken (a settings change
/// wakes it at once).
const RESCAN: Duration = Duration::from_secs(15);
/// The longest pause between attempts to reach a failing server.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The followers running, by address; dropped with the task, which stops them all.
#[derive(Default)]
struct Running(HashMap<String, (Followed, JoinHandle<()>)>);

impl Drop for Running {
    fn drop(&mut self) {
        for (_, (_, task)) in self.0.drain() {
            task.abort();
        }
    }
}

/// Follows every mailbox until the task is aborted.
pub async fn follow_forever(db: Db, secret_key: Arc<Vec<u8>>, files: Arc<FileStore>) {
    let owner = app::db::new_id();
    let mut running = Running::default();
    loop {
        let running = &mut running.0;
        match follow::followed(&db, &secret_key).await {
            Ok(mailboxes) => {
                // Stop the followers of mailboxes removed, paused or changed.
                running.retain(|id, (settings, task)| {
                    let keep =
                        !task.is_finished() && mailboxes.iter().any(|m| m.inbox.channel_id == *id && m == settings);
                    if !keep {
                        task.abort();
                    }
                    keep
                });
                for mailbox in mailboxes {
                    if !running.contains_key(&mailbox.inbox.channel_id) {
                        let task = tokio::spawn(follow_one(db.clone(), files.clone(), mailbox.clone(), owner.clone()));
                        running.insert(mailbox.inbox.channel_id.clone(), (mailbox, task));
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "the mailboxes to follow could not be read; trying again shortly"),
        }
        let _ = tokio::time::timeout(RESCAN, app::channels::email::incoming::follow::woken()).await;
    }
}

/// Follows one mailbox while this instance holds its lease, for as long as it is wanted.
async fn follow_one(db: Db, files: Arc<FileStore>, mailbox: Followed, owner: String) {
    let channel = mailbox.inbox.channel_id.clone();
    let mut backoff = Duration::from_secs(1);
    loop {
        match follow::claim(&db, &channel, &owner, app::db::now_millis()).await {
            Ok(true) => {}
            // Another instance follows it; take over if its lease runs out.
            Ok(false) => {
                tokio::time::sleep(RENEW_EVERY).await;
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, channel, "the mailbox's lease could not be read; trying again shortly");
                tokio::time::sleep(RENEW_EVERY).await;
                continue;
            }
        }
        let error = match session(&db, &files, &mailbox, &owner, &mut backoff).await {
            Err(FollowError::LeaseLost) => continue,
            Err(error) => error,
        };
        tracing::warn!(%error, channel, pause = ?backoff, "following the mailbox stopped; trying again");
        let _ = follow::note(&db, &channel, &error.to_string()).await;
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection: imports what is new, then waits for more (IDLE, or a pause), renewing
/// the lease each round, until something fails.
async fn session(
    db: &Db,
    files: &FileStore,
    mailbox: &Followed,
    owner: &str,
    backoff: &mut Duration,
) -> Result<std::convert::Infallible, FollowError> {
    let channel = mailbox.inbox.channel_id.as_str();
    let mut session = imap::connect(&mailbox.settings).await?;
    let idle = imap::offers_idle(&mut session).await?;
    loop {
        let imported = follow::import_new(db, files, mailbox, owner, &mut session).await?;
        if imported > 0 {
            tracing::info!(channel, imported, "imported new mail");
        }
        *backoff = Duration::from_secs(1);
        follow::note(db, channel, "").await?;
        if !follow::claim(db, channel, owner, app::db::now_millis()).await? {
            return Err(FollowError::LeaseLost);
        }
        if idle {
            let mut handle = session.idle();
            handle.init().await?;
            let (wait, stop) = handle.wait_with_timeout(RENEW_EVERY);
            wait.await?;
            drop(stop);
            session = tokio::time::timeout(Duration::from_secs(30), handle.done())
                .await
                .map_err(|_| imap::ImapError("The IMAP server stopped answering.".into()))??;
        } else {
            tokio::time::sleep(RENEW_EVERY).await;
        }
    }
}
