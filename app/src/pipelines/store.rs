//! SQL for pipelines and statuses: reading them with their rules, and the admins' saves.

use crate::db::WritePool;
use sqlx::FromRow;

use super::model::{Pipeline, Status, StatusCategory};
use crate::db::{new_id, now_millis, Db};
use crate::error::{AppError, AppResult};
use crate::on_db;

#[derive(FromRow)]
struct StatusRow {
    pipeline_id: String,
    pipeline_name: String,
    forbid_skipping: bool,
    forbid_backwards: bool,
    id: String,
    name: String,
    category: String,
    allows_creation: bool,
}

/// Every pipeline that is not archived, with its statuses in order and what each status
/// requires, in two queries whatever the number of pipelines.
pub async fn active_pipelines(db: &Db) -> AppResult<Vec<Pipeline>> {
    let rows: Vec<StatusRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT p.id AS pipeline_id, p.name AS pipeline_name, p.forbid_skipping, p.forbid_backwards,
                s.id, s.name, s.category, s.allows_creation
         FROM pipelines p JOIN statuses s ON s.pipeline_id = p.id
         WHERE NOT p.archived AND NOT s.archived
         ORDER BY p.position, p.name, s.position")
        .fetch_all(pool)
        .await)?;
    let required: Vec<(String, String)> = on_db!(db, pool => sqlx::query_as(
        "SELECT r.status_id, r.property_id FROM status_required_properties r
         JOIN properties p ON p.id = r.property_id WHERE NOT p.archived ORDER BY p.position")
        .fetch_all(pool)
        .await)?;
    let mut pipelines: Vec<Pipeline> = Vec::new();
    for row in rows {
        let status = Status {
            category: StatusCategory::parse(&row.category).ok_or(AppError::Internal)?,
            required_properties: required
                .iter()
                .filter(|(status, _)| *status == row.id)
                .map(|(_, property)| property.clone())
                .collect(),
            id: row.id,
            name: row.name,
            allows_creation: row.allows_creation,
        };
        match pipelines.last_mut() {
            Some(pipeline) if pipeline.id == row.pipeline_id => pipeline.statuses.push(status),
            _ => pipelines.push(Pipeline {
                id: row.pipeline_id,
                name: row.pipeline_name,
                forbid_skipping: row.forbid_skipping,
                forbid_backwards: row.forbid_backwards,
                statuses: vec![status],
            }),
        }
    }
    Ok(pipelines)
}

/// Creates (empty id) or updates a pipeline with its statuses in the given order, in one
/// transaction. Statuses left out are archived, which is refused while tickets are in them.
/// The caller has checked the pipeline's own rules and the required properties.
pub async fn save_pipeline(db: &Db, pipeline: &Pipeline) -> AppResult<String> {
    let existing: Vec<(String, String)> = if pipeline.id.is_empty() {
        Vec::new()
    } else {
        let known: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
            "SELECT id FROM pipelines WHERE id = $1 AND NOT archived")
            .bind(&pipeline.id)
            .fetch_optional(pool)
            .await)?;
        if known.is_none() {
            return Err(AppError::NotFound);
        }
        on_db!(db, pool => sqlx::query_as(
            "SELECT id, name FROM statuses WHERE pipeline_id = $1 AND NOT archived")
            .bind(&pipeline.id)
            .fetch_all(pool)
            .await)?
    };
    for status in pipeline.statuses.iter().filter(|s| !s.id.is_empty()) {
        if !existing.iter().any(|(id, _)| *id == status.id) {
            return Err(AppError::validation(
                "statuses",
                "A status was removed meanwhile; reload the page.",
            ));
        }
    }
    for (id, name) in &existing {
        if pipeline.statuses.iter().any(|s| &s.id == id) {
            continue;
        }
        let (tickets,): (i64,) = on_db!(db, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM tickets WHERE status_id = $1")
            .bind(id)
            .fetch_one(pool)
            .await)?;
        if tickets > 0 {
            return Err(AppError::validation(
                "statuses",
                format!("{tickets} tickets are in {name}; move them to another status before removing it."),
            ));
        }
    }
    let id = if pipeline.id.is_empty() {
        new_id()
    } else {
        pipeline.id.clone()
    };
    let now = now_millis();
    on_db!(db, pool => {
        let mut tx = pool.begin_write().await?;
        if pipeline.id.is_empty() {
            sqlx::query(
                "INSERT INTO pipelines (id, name, position, forbid_skipping, forbid_backwards, created_at)
                 VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM pipelines), $3, $4, $5)")
                .bind(&id).bind(pipeline.name.trim()).bind(pipeline.forbid_skipping)
                .bind(pipeline.forbid_backwards).bind(now)
                .execute(&mut *tx).await?;
        } else {
            sqlx::query("UPDATE pipelines SET name = $1, forbid_skipping = $2, forbid_backwards = $3 WHERE id = $4")
                .bind(pipeline.name.trim()).bind(pipeline.forbid_skipping)
                .bind(pipeline.forbid_backwards).bind(&id)
                .execute(&mut *tx).await?;
        }
        for (old_id, _) in existing.iter().filter(|(old, _)| !pipeline.statuses.iter().any(|s| &s.id == old)) {
            sqlx::query("UPDATE statuses SET archived = TRUE WHERE id = $1")
                .bind(old_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM status_required_properties WHERE status_id = $1")
                .bind(old_id).execute(&mut *tx).await?;
        }
        for (position, status) in pipeline.statuses.iter().enumerate() {
            let status_id = if status.id.is_empty() { new_id() } else { status.id.clone() };
            if status.id.is_empty() {
                sqlx::query(
                    "INSERT INTO statuses (id, pipeline_id, name, position, category, allows_creation)
                     VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&status_id).bind(&id).bind(status.name.trim()).bind(position as i64)
                    .bind(status.category.as_str()).bind(status.allows_creation)
                    .execute(&mut *tx).await?;
            } else {
                sqlx::query(
                    "UPDATE statuses SET name = $1, position = $2, category = $3, allows_creation = $4 WHERE id = $5")
                    .bind(status.name.trim()).bind(position as i64).bind(status.category.as_str())
                    .bind(status.allows_creation).bind(&status_id)
                    .execute(&mut *tx).await?;
                sqlx::query("DELETE FROM status_required_properties WHERE status_id = $1")
                    .bind(&status_id).execute(&mut *tx).await?;
            }
            for property in &status.required_properties {
                sqlx::query("INSERT INTO status_required_properties (status_id, property_id) VALUES ($1, $2)")
                    .bind(&status_id).bind(property).execute(&mut *tx).await?;
            }
            // A status moving between open and closed takes its tickets along.
            sqlx::query("UPDATE tickets SET is_open = $1 WHERE status_id = $2 AND is_open <> $1")
                .bind(status.category == StatusCategory::Open).bind(&status_id)
                .execute(&mut *tx).await?;
        }
        tx.commit().await
    })?;
    Ok(id)
}

/// Archives a pipeline; refused for the last one and while it holds open tickets.
pub async fn archive_pipeline(db: &Db, id: &str) -> AppResult<()> {
    let pipelines = active_pipelines(db).await?;
    let Some(pipeline) = pipelines.iter().find(|p| p.id == id) else {
        return Err(AppError::NotFound);
    };
    if pipelines.len() == 1 {
        return Err(AppError::validation(
            "pipeline",
            "The last pipeline cannot be archived.",
        ));
    }
    let (open,): (i64,) = on_db!(db, pool => sqlx::query_as(
        "SELECT COUNT(*) FROM tickets WHERE pipeline_id = $1 AND is_open")
        .bind(id)
        .fetch_one(pool)
        .await)?;
    if open > 0 {
        return Err(AppError::validation(
            "pipeline",
            format!(
                "{} still has {open} open tickets; close or move them first.",
                pipeline.name
            ),
        ));
    }
    on_db!(db, pool => sqlx::query("UPDATE pipelines SET archived = TRUE WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}
