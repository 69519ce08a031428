//! SQL for users, teams and memberships.

use sqlx::FromRow;

use super::model::{AdminUser, Team};
use crate::auth::model::{Role, Scope};
use crate::db::unique_or;
use crate::db::{new_id, now_millis, Db};
use crate::error::{AppError, AppResult};
use crate::on_db;

#[derive(FromRow)]
struct AdminUserRow {
    id: String,
    email: String,
    name: String,
    role: String,
    scope: String,
    active: bool,
}

pub async fn list_users(db: &Db) -> AppResult<Vec<AdminUser>> {
    let (rows, memberships): (Vec<AdminUserRow>, Vec<(String, String)>) = on_db!(db, pool => {
        let rows = sqlx::query_as("SELECT id, email, name, role, scope, active FROM users ORDER BY name, email")
            .fetch_all(pool).await?;
        let memberships = sqlx::query_as("SELECT user_id, team_id FROM team_members").fetch_all(pool).await?;
        Ok::<_, sqlx::Error>((rows, memberships))
    })?;
    rows.into_iter()
        .map(|row| {
            Ok(AdminUser {
                team_ids: memberships
                    .iter()
                    .filter(|(u, _)| *u == row.id)
                    .map(|(_, t)| t.clone())
                    .collect(),
                role: Role::parse(&row.role).ok_or(AppError::Internal)?,
                scope: Scope::parse(&row.scope).ok_or(AppError::Internal)?,
                id: row.id,
                email: row.email,
                name: row.name,
                active: row.active,
            })
        })
        .collect()
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub scope: Scope,
}

/// Inserts a user; a taken email is a validation error on the "email" field.
pub async fn insert_user(db: &Db, user: NewUser<'_>) -> AppResult<String> {
    let id = new_id();
    let result = on_db!(db, pool => sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, role, scope, active, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7)")
        .bind(&id)
        .bind(user.email)
        .bind(user.name)
        .bind(user.password_hash)
        .bind(user.role.as_str())
        .bind(user.scope.as_str())
        .bind(now_millis())
        .execute(pool)
        .await.map(|r| r.rows_affected()));
    unique_or(result.map(|_| id), "email", "A user with this email already exists.")
}

/// Applies one change to a user, with its audit-log entry, in one transaction; `NotFound`
/// when there is no such user. The last active super admin cannot lose the role or be
/// deactivated: checked after the change, inside the transaction, with every active super
/// admin's row locked, so two admins demoting each other at once cannot both succeed.
pub async fn update_user_field(
    db: &Db,
    actor: &str,
    id: &str,
    column: UserColumn,
    value: UserValue<'_>,
) -> AppResult<()> {
    use crate::db::WritePool;
    let (sql, read, action) = match column {
        UserColumn::Role => (
            "UPDATE users SET role = $1 WHERE id = $2",
            "SELECT role FROM users WHERE id = $1",
            "role",
        ),
        UserColumn::Scope => (
            "UPDATE users SET scope = $1 WHERE id = $2",
            "SELECT scope FROM users WHERE id = $1",
            "scope",
        ),
        UserColumn::Active => (
            "UPDATE users SET active = $1 WHERE id = $2",
            "SELECT CASE WHEN active THEN 'active' ELSE 'inactive' END FROM users WHERE id = $1",
            "active",
        ),
    };
    let new_value = match value {
        UserValue::Text(text) => text.to_string(),
        UserValue::Flag(true) => "active".to_string(),
        UserValue::Flag(false) => "inactive".to_string(),
    };
    let lock_admins = format!(
        "SELECT id FROM users WHERE role = 'super_admin' AND active{}",
        db.for_update()
    );
    let outcome: Option<bool> = on_db!(db, pool => {
        let mut tx = pool.begin_write().await?;
        sqlx::query(&lock_admins).fetch_all(&mut *tx).await?;
        let old: Option<(String,)> = sqlx::query_as(read).bind(id).fetch_optional(&mut *tx).await?;
        let Some((old,)) = old else {
            return Err(AppError::NotFound);
        };
        if old == new_value {
            return Ok(());
        }
        let query = sqlx::query(sql);
        let query = match value {
            UserValue::Text(text) => query.bind(text),
            UserValue::Flag(flag) => query.bind(flag),
        };
        query.bind(id).execute(&mut *tx).await?;
        let (admins,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE role = 'super_admin' AND active")
            .fetch_one(&mut *tx)
            .await?;
        if admins == 0 {
            Ok::<_, sqlx::Error>(Some(false))
        } else {
            sqlx::query(
                "INSERT INTO audit_log (id, at, actor_id, subject_id, action, old_value, new_value)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(new_id())
                .bind(now_millis())
                .bind(actor)
                .bind(id)
                .bind(action)
                .bind(&old)
                .bind(&new_value)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(true))
        }
    })?;
    match outcome {
        Some(false) => Err(AppError::validation(
            match column {
                UserColumn::Active => "active",
                _ => "role",
            },
            "This is the last active super admin: make someone else a super admin first.",
        )),
        _ => Ok(()),
    }
}

/// at, actor, subject, action, old value, new value.
type AuditRow = (
    i64,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

/// The latest `limit` audit-log entries, newest first, with the names of who and whom.
pub async fn audit_log(db: &Db, limit: i64) -> AppResult<Vec<super::model::AuditEntry>> {
    let rows: Vec<AuditRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT a.at, actor.name, subject.name, a.action, a.old_value, a.new_value
         FROM audit_log a
         LEFT JOIN users actor ON actor.id = a.actor_id
         LEFT JOIN users subject ON subject.id = a.subject_id
         ORDER BY a.at DESC, a.id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .map(
            |(at, actor, subject, action, old_value, new_value)| super::model::AuditEntry {
                at,
                actor: actor.unwrap_or_else(|| "(deleted user)".to_string()),
                subject: subject.unwrap_or_else(|| "(deleted user)".to_string()),
                action,
                old_value,
                new_value,
            },
        )
        .collect())
}

#[derive(Clone, Copy)]
pub enum UserColumn {
    Role,
    Scope,
    Active,
}

pub enum UserValue<'a> {
    Text(&'a str),
    Flag(bool),
}

pub async fn list_teams(db: &Db) -> AppResult<Vec<Team>> {
    let rows: Vec<(String, String, i64)> = on_db!(db, pool => sqlx::query_as(
        "SELECT t.id, t.name, (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id) FROM teams t ORDER BY t.name")
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, member_count)| Team { id, name, member_count })
        .collect())
}

pub async fn insert_team(db: &Db, name: &str) -> AppResult<String> {
    let id = new_id();
    let result = on_db!(db, pool => sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(&id)
        .bind(name)
        .bind(now_millis())
        .execute(pool)
        .await.map(|r| r.rows_affected()));
    unique_or(result.map(|_| id), "name", "A team with this name already exists.")
}

pub async fn set_team_member(db: &Db, team_id: &str, user_id: &str, member: bool) -> AppResult<()> {
    let exists: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT t.id FROM teams t, users u WHERE t.id = $1 AND u.id = $2")
        .bind(team_id)
        .bind(user_id)
        .fetch_optional(pool)
        .await)?;
    if exists.is_none() {
        return Err(AppError::NotFound);
    }
    let sql = if member {
        "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2"
    };
    on_db!(db, pool => sqlx::query(sql).bind(team_id).bind(user_id).execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// On a database with no users yet, creates the first super admin with `email` and a
/// generated password, and returns that password (to be shown once; only its hash is
/// stored). `None` when there are users already. Runs under the seed lock, like the demo
/// seed, so instances starting together create one admin.
pub async fn create_first_admin(db: &Db, email: &super::model::EmailAddress) -> AppResult<Option<String>> {
    use crate::db::WritePool;
    let password = format!("{}{}", &new_id()[..12], &new_id()[..12]);
    let hash = {
        let password = password.clone();
        tokio::task::spawn_blocking(move || crate::auth::session::argon2_hash(&password))
            .await
            .map_err(|_| AppError::Internal)??
    };
    let lock = match db {
        Db::Postgres(_) => Some(crate::db::SEED_LOCK_SQL),
        Db::Sqlite(_) => None,
    };
    let now = now_millis();
    let created = on_db!(db, pool => {
        let mut tx = pool.begin_write().await?;
        if let Some(lock) = lock {
            sqlx::query(lock).execute(&mut *tx).await?;
        }
        let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(&mut *tx).await?;
        if users == 0 {
            sqlx::query(
                "INSERT INTO users (id, email, name, password_hash, role, scope, active, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7)")
                .bind(new_id())
                .bind(email.as_str())
                .bind("Administrator")
                .bind(&hash)
                .bind(Role::SuperAdmin.as_str())
                .bind(Scope::All.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok::<_, sqlx::Error>(users == 0)
    })?;
    Ok(created.then_some(password))
}

/// Whether the database has any users (a fresh production database has none).
pub async fn has_users(db: &Db) -> AppResult<bool> {
    let (users,): (i64,) = on_db!(db, pool => sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(pool).await)?;
    Ok(users > 0)
}

/// Writes an audit-log entry with no old or new value (e.g. "password reset").
pub async fn record_audit(db: &Db, actor: &str, subject: &str, action: &str) -> AppResult<()> {
    on_db!(db, pool => sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, subject_id, action) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id())
        .bind(now_millis())
        .bind(actor)
        .bind(subject)
        .bind(action)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
