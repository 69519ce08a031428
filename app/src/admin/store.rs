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

/// Applies one change to a user; `NotFound` when there is no such user.
pub async fn update_user_field(db: &Db, id: &str, column: UserColumn, value: UserValue<'_>) -> AppResult<()> {
    let sql = match column {
        UserColumn::Role => "UPDATE users SET role = $1 WHERE id = $2",
        UserColumn::Scope => "UPDATE users SET scope = $1 WHERE id = $2",
        UserColumn::Active => "UPDATE users SET active = $1 WHERE id = $2",
    };
    let result = on_db!(db, pool => {
        let query = sqlx::query(sql);
        let query = match value {
            UserValue::Text(text) => query.bind(text),
            UserValue::Flag(flag) => query.bind(flag),
        };
        query.bind(id).execute(pool).await.map(|r| r.rows_affected())
    })?;
    if result == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
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
