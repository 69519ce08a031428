//! The outbox worker: a task of the server process that delivers replies once their undo
//! window ends (the plain functions it calls are in `app::channels::email::outbox`). Every
//! instance runs one; leases keep them from sending a message twice.

use std::sync::Arc;
use std::time::Duration;

use app::conversations::files::FileStore;
use app::db::Db;

/// How often the worker looks for due mail without being woken.
const POLL: Duration = Duration::from_secs(2);

/// Delivers due mail until the task is aborted.
pub async fn deliver_forever(db: Db, secret_key: Arc<Vec<u8>>, files: Arc<FileStore>) {
    let instance = app::db::new_id();
    loop {
        match app::channels::email::outbox::deliver_due(&db, &secret_key, &files, &instance).await {
            // A full batch: more may be due.
            Ok(claimed) if claimed as i64 >= app::channels::email::outbox::CLAIM_LIMIT => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "the outbox could not be read; trying again shortly"),
        }
        // Woken by a new reply, or the next poll (the end of an undo window, a retry).
        let _ = tokio::time::timeout(POLL, app::channels::email::outbox::woken()).await;
    }
}
