//! SQL for pipelines and statuses.

use sqlx::FromRow;

use super::model::{Pipeline, Status, StatusCategory};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::on_db;

#[derive(FromRow)]
struct StatusRow {
    pipeline_id: String,
    pipeline_name: String,
    id: String,
    name: String,
    category: String,
}

/// Every pipeline that is not archived, with its statuses in order, in two joined passes.
pub async fn active_pipelines(db: &Db) -> AppResult<Vec<Pipeline>> {
    let rows: Vec<StatusRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT p.id AS pipeline_id, p.name AS pipeline_name, s.id, s.name, s.category
         FROM pipelines p JOIN statuses s ON s.pipeline_id = p.id
         WHERE NOT p.archived AND NOT s.archived
         ORDER BY p.position, p.name, s.position")
        .fetch_all(pool)
        .await)?;
    let mut pipelines: Vec<Pipeline> = Vec::new();
    for row in rows {
        let status = Status {
            category: StatusCategory::parse(&row.category).ok_or(AppError::Internal)?,
            id: row.id,
            name: row.name,
        };
        match pipelines.last_mut() {
            Some(pipeline) if pipeline.id == row.pipeline_id => pipeline.statuses.push(status),
            _ => pipelines.push(Pipeline {
                id: row.pipeline_id,
                name: row.pipeline_name,
                statuses: vec![status],
            }),
        }
    }
    Ok(pipelines)
}
