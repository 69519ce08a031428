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

pub async fn session_user(db: &Db, token_hash: &str, now: i64) -> AppResult<Option<CurrentUser>> {
    let row: Option<UserRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT u.id, u.email, u.name, u.role, u.scope
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active")
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await)?;
    row.map(CurrentUser::try_from).transpose()
}

pub async fn insert_session(db: &Db, token_hash: &str, user_id: &str, now: i64, expires_at: i64) -> AppResult<()> {
    on_db!(db, pool => sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
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

pub async fn recent_login_failures(db: &Db, email: &str, since: i64) -> AppResult<(i64, Option<i64>)> {
    let row: (i64, Option<i64>) = on_db!(db, pool => sqlx::query_as(
        "SELECT COUNT(*), MIN(at) FROM login_failures WHERE email = $1 AND at > $2")
        .bind(email)
        .bind(since)
        .fetch_one(pool)
        .await)?;
    Ok(row)
}

pub async fn record_login_failure(db: &Db, email: &str, at: i64) -> AppResult<()> {
    on_db!(db, pool => sqlx::query("INSERT INTO login_failures (email, at) VALUES ($1, $2)")
        .bind(email)
        .bind(at)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn clear_login_failures(db: &Db, email: &str) -> AppResult<()> {
    on_db!(db, pool => sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}
