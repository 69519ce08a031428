//! SQL for users, sessions and login throttling.

use sqlx::FromRow;

use super::model::{CurrentUser, Role, Scope};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::on_db;

#[derive(FromRow)]
struct UserRow {
    id: String,
    email: String,
    name: String,
    role: String,
    scope: String,
}

impl TryFrom<UserRow> for CurrentUser {
    type Error = AppError;

    fn try_from(row: UserRow) -> AppResult<CurrentUser> {
        let role = Role::parse(&row.role).ok_or(AppError::Internal)?;
        let scope = Scope::parse(&row.scope).ok_or(AppError::Internal)?;
        Ok(CurrentUser {
            id: row.id,
            email: row.email,
            name: row.name,
            role,
            scope,
        })
    }
}

/// The active user of a session that has neither ended nor been idle since `idle_since`,
/// and when the session was last marked as used.
pub async fn session_user(
    db: &Db,
    token_hash: &str,
    now: i64,
    idle_since: i64,
) -> AppResult<Option<(CurrentUser, i64)>> {
    let row: Option<(UserRow, i64)> = on_db!(db, pool => sqlx::query(
    "SELECT u.id, u.email, u.name, u.role, u.scope, s.last_seen_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at >= $3 AND u.active")
    .bind(token_hash)
    .bind(now)
    .bind(idle_since)
    .fetch_optional(pool)
    .await
    .and_then(|row| match row {
        Some(row) => {
            use sqlx::Row;
            Ok(Some((UserRow::from_row(&row)?, row.try_get::<i64, _>("last_seen_at")?)))
        }
        None => Ok(None),
    }))?;
    row.map(|(user, seen)| CurrentUser::try_from(user).map(|user| (user, seen)))
        .transpose()
}

pub async fn insert_session(db: &Db, token_hash: &str, user_id: &str, now: i64, expires_at: i64) -> AppResult<()> {
    on_db!(db, pool => sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $3)")
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete_session(db: &Db, token_hash: &str) -> AppResult<()> {
    on_db!(db, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete_sessions_of(db: &Db, user_id: &str) -> AppResult<()> {
    on_db!(db, pool => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// An active user's id and password hash, by (lower-cased) email.
pub async fn credentials_for(db: &Db, email: &str) -> AppResult<Option<(String, String)>> {
    let row: Option<(String, String)> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, password_hash FROM users WHERE email = $1 AND active")
        .bind(email)
        .fetch_optional(pool)
        .await)?;
    Ok(row)
}

/// The failed logins counted so far for `email` from `client` (a known device's id, or
/// `''`), and when the last was, ignoring a run older than `window_start`.
pub async fn login_failures(db: &Db, email: &str, client: &str, window_start: i64) -> AppResult<(i64, i64)> {
    let row: Option<(i64, i64)> = on_db!(db, pool => sqlx::query_as(
        "SELECT failures, last_at FROM login_throttle WHERE email = $1 AND client = $2 AND last_at >= $3")
        .bind(email)
        .bind(client)
        .bind(window_start)
        .fetch_optional(pool)
        .await)?;
    Ok(row.unwrap_or((0, 0)))
}

/// Counts one more failed login for `email` from `client`, in one statement, and returns
/// the count including it: concurrent attempts each get their own number. A run whose
/// last failure is older than `window_start` starts again at one.
pub async fn count_login_failure(db: &Db, email: &str, client: &str, now: i64, window_start: i64) -> AppResult<i64> {
    let failures: i64 = on_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO login_throttle (email, client, failures, last_at) VALUES ($1, $2, 1, $3)
         ON CONFLICT (email, client) DO UPDATE SET
             failures = CASE WHEN login_throttle.last_at < $4 THEN 1 ELSE login_throttle.failures + 1 END,
             last_at = $3
         RETURNING failures")
        .bind(email)
        .bind(client)
        .bind(now)
        .bind(window_start)
        .fetch_one(pool)
        .await)?;
    Ok(failures)
}

pub async fn clear_login_failures(db: &Db, email: &str, client: &str) -> AppResult<()> {
    on_db!(db, pool => sqlx::query("DELETE FROM login_throttle WHERE email = $1 AND client = $2")
        .bind(email)
        .bind(client)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Marks a session as used now, at most once per `every` milliseconds (a write per
/// request would serialise every request on SQLite).
pub async fn touch_session(db: &Db, token_hash: &str, now: i64, every: i64) -> AppResult<()> {
    on_db!(db, pool => sqlx::query(
        "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $3")
        .bind(token_hash)
        .bind(now)
        .bind(now - every)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes sessions past their end or idle since before `idle_since`, and login-failure
/// runs quiet since before `failures_since`. Returns how many rows went.
pub async fn sweep(db: &Db, now: i64, idle_since: i64, failures_since: i64) -> AppResult<u64> {
    let sessions = on_db!(db, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2")
        .bind(now)
        .bind(idle_since)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    let failures = on_db!(db, pool => sqlx::query("DELETE FROM login_throttle WHERE last_at < $1")
        .bind(failures_since)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    Ok(sessions + failures)
}

/// The active user's password hash, by id.
pub async fn password_hash_of(db: &Db, user_id: &str) -> AppResult<Option<String>> {
    let row: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT password_hash FROM users WHERE id = $1 AND active")
        .bind(user_id)
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(|(hash,)| hash))
}

/// Sets a user's password hash and ends their sessions except `keep` (a token hash), in
/// one transaction: a changed password logs out every other browser at once.
pub async fn set_password(db: &Db, user_id: &str, hash: &str, keep: Option<&str>) -> AppResult<()> {
    use crate::db::WritePool;
    let changed = on_db!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let changed = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(changed)
    })?;
    if changed == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Ends every session of `user_id` but the one with token hash `keep`; returns how many.
pub async fn delete_other_sessions(db: &Db, user_id: &str, keep: &str) -> AppResult<u64> {
    let ended = on_db!(db, pool => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(ended)
}
