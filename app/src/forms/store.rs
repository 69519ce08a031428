//! SQL for form layouts: read the current one, save a new version only over the version the
//! admin started from.

use super::model::{FormField, FormLayout, CREATE_TICKET_FORM};
use crate::db::{now_millis, Db};
use crate::error::{AppError, AppResult};
use crate::on_db;

/// The create form's layout as last saved, or the default one.
pub async fn create_ticket_layout(db: &Db) -> AppResult<FormLayout> {
    let row: Option<(i64, String)> = on_db!(db, pool => sqlx::query_as(
        "SELECT version, fields FROM form_layouts WHERE form = $1")
        .bind(CREATE_TICKET_FORM)
        .fetch_optional(pool)
        .await)?;
    match row {
        None => Ok(FormLayout::default_create_ticket()),
        Some((version, fields)) => {
            let fields: Vec<FormField> = serde_json::from_str(&fields).map_err(|error| {
                tracing::error!(%error, "stored form layout is unreadable");
                AppError::Internal
            })?;
            Ok(FormLayout { version, fields })
        }
    }
}

/// Saves the layout as the next version, only if nobody saved since `layout.version`;
/// otherwise a `Conflict` that tells the admin to reload. Returns the new version.
pub async fn save_create_ticket_layout(db: &Db, user_id: &str, layout: &FormLayout) -> AppResult<i64> {
    let fields = serde_json::to_string(&layout.fields).map_err(|_| AppError::Internal)?;
    let next = layout.version + 1;
    let now = now_millis();
    let changed = if layout.version == 0 {
        let inserted = on_db!(db, pool => sqlx::query(
            "INSERT INTO form_layouts (form, version, fields, updated_by, updated_at)
             VALUES ($1, 1, $2, $3, $4) ON CONFLICT (form) DO NOTHING")
            .bind(CREATE_TICKET_FORM)
            .bind(&fields)
            .bind(user_id)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        inserted
    } else {
        let updated = on_db!(db, pool => sqlx::query(
            "UPDATE form_layouts SET version = $1, fields = $2, updated_by = $3, updated_at = $4
             WHERE form = $5 AND version = $6")
            .bind(next)
            .bind(&fields)
            .bind(user_id)
            .bind(now)
            .bind(CREATE_TICKET_FORM)
            .bind(layout.version)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        updated
    };
    if changed == 0 {
        return Err(AppError::Conflict(
            "Another admin saved this form while you were editing it. Reload to see their version, then make your changes again."
                .to_string(),
        ));
    }
    Ok(next)
}
