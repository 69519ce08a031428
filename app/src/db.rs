//! The database handle: one of two engines, the same SQL where the engines agree.
//!
//! Queries are written once with `$1`-style placeholders (both SQLite and PostgreSQL
//! accept them through sqlx) and run through [`on_db!`], which compiles the body once
//! per engine with native types. Where the engines differ, the store matches on [`Db`].

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

/// Taken (PostgreSQL) by the transaction that seeds an empty database, so instances
/// starting at once seed it one after the other (the later ones find it seeded).
pub const SEED_LOCK_SQL: &str = "SELECT pg_advisory_xact_lock(7270010)";

/// PostgreSQL's `statement_timeout` for every connection of the pool.
const STATEMENT_TIMEOUT: &str = "15s";

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the engine's own pool type.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    /// Connects to `url` (`sqlite://...` or `postgres://...`) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // No statement may hold a connection for long: a runaway query fails (and
            // frees its connection) instead of starving every other request.
            // (`SWITCHBOARD_STATEMENT_TIMEOUT` overrides it: the storage benchmark's bulk seed
            // sets 0, no limit.)
            let timeout =
                std::env::var("SWITCHBOARD_STATEMENT_TIMEOUT").unwrap_or_else(|_| STATEMENT_TIMEOUT.to_string());
            let options = PgConnectOptions::from_str(url)?.options([("statement_timeout", timeout.as_str())]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                // A failed connection surfaces as a query error anyway; pinging before
                // every checkout would double the round trips of every request.
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await?;
            Db::Postgres(pool)
        } else {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                .pragma("cache_size", "-32000")
                .pragma("temp_store", "memory");
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .test_before_acquire(false)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await?;
            Db::Sqlite(pool)
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), sqlx::Error> {
        match self {
            Db::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// What ends a `SELECT` that locks the rows it reads for the rest of the transaction:
    /// `FOR UPDATE` on PostgreSQL; nothing on SQLite, whose write transactions
    /// (`WritePool::begin_write`) hold the database's write lock from their start.
    pub fn for_update(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => " FOR UPDATE",
        }
    }

    pub fn engine(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

/// Starting a transaction that will write. On SQLite it begins `IMMEDIATE`: it takes the
/// write lock at the start, waiting for it (up to the busy timeout) while another writer
/// holds it. A deferred transaction that reads first cannot upgrade to a writer once
/// another has written (WAL answers "database is locked" at once, and no wait helps), so
/// concurrent read-then-write transactions failed. On PostgreSQL it is a plain `BEGIN`:
/// rules are checked against rows locked with `FOR UPDATE` or by conditional writes.
pub trait WritePool {
    type Database: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>> + Send;
}

impl WritePool for SqlitePool {
    type Database = sqlx::Sqlite;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error>> + Send {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl WritePool for PgPool {
    type Database = sqlx::Postgres;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error>> + Send {
        self.begin()
    }
}

/// A write transaction on either engine, begun with [`Db::begin_write`]: what store
/// functions take when their writes must land together with the caller's (sending a reply
/// writes the message, its outbox entry, a status change with its history and the draft's
/// removal in one). Dropped without [`Tx::commit`], it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs `$body` with `$conn` bound to the transaction's own type; `&mut **$conn` is the
/// engine's connection, an executor.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite($conn) => $body,
            $crate::db::Tx::Postgres($conn) => $body,
        }
    };
}

impl Db {
    /// Begins a write transaction (`WritePool::begin_write`: on SQLite it holds the write
    /// lock from the start).
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_write().await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin_write().await?),
        })
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }

    /// `Db::for_update` for the transaction's engine.
    pub fn for_update(&self) -> &'static str {
        match self {
            Tx::Sqlite(_) => "",
            Tx::Postgres(_) => " FOR UPDATE",
        }
    }
}

/// Milliseconds since the Unix epoch, UTC: how every timestamp is stored.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A new random record id: 128 bits as 32 hex characters, so ids cannot be guessed.
pub fn new_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Turns a unique-constraint violation into a validation error on `field`.
pub fn unique_or<T>(result: Result<T, sqlx::Error>, field: &str, message: &str) -> crate::error::AppResult<T> {
    match result {
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            Err(crate::error::AppError::validation(field, message))
        }
        other => other.map_err(crate::error::AppError::from),
    }
}
