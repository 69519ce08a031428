//! SQL for custom property definitions and their values on tickets.

use crate::db::WritePool;
use sqlx::FromRow;

use super::model::{Property, PropertyKind, PropertyValue};
use crate::db::{new_id, now_millis, unique_or, Db};
use crate::error::{AppError, AppResult};
use crate::on_db;

#[derive(FromRow)]
struct PropertyRow {
    id: String,
    name: String,
    label: String,
    kind: String,
    help_text: String,
    options: String,
}

impl PropertyRow {
    fn into_property(self) -> AppResult<Property> {
        Ok(Property {
            kind: PropertyKind::parse(&self.kind).ok_or(AppError::Internal)?,
            id: self.id,
            name: self.name,
            label: self.label,
            help_text: self.help_text,
            options: self.options.lines().map(str::to_string).collect(),
        })
    }
}

/// Every property that is not archived, in the admins' order.
pub async fn active_properties(db: &Db) -> AppResult<Vec<Property>> {
    let rows: Vec<PropertyRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, name, label, kind, help_text, options FROM properties
         WHERE NOT archived ORDER BY position, label")
        .fetch_all(pool)
        .await)?;
    rows.into_iter().map(PropertyRow::into_property).collect()
}

/// Creates the property (empty id) or updates its label, help text and options; the internal
/// name and the type are fixed once created, so stored values never change meaning.
pub async fn save_property(db: &Db, property: &Property) -> AppResult<String> {
    let options = property.options.join("\n");
    if property.id.is_empty() {
        let id = new_id();
        let result = on_db!(db, pool => sqlx::query(
            "INSERT INTO properties (id, name, label, kind, help_text, options, position, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, (SELECT COALESCE(MAX(position), 0) + 1 FROM properties), $7)")
            .bind(&id)
            .bind(&property.name)
            .bind(&property.label)
            .bind(property.kind.as_str())
            .bind(&property.help_text)
            .bind(&options)
            .bind(now_millis())
            .execute(pool)
            .await
            .map(|_| ()));
        return unique_or(
            result.map(|_| id),
            "name",
            "A property with this internal name already exists.",
        );
    }
    let kind: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT kind FROM properties WHERE id = $1 AND NOT archived")
        .bind(&property.id)
        .fetch_optional(pool)
        .await)?;
    match kind {
        None => return Err(AppError::NotFound),
        Some((kind,)) if kind != property.kind.as_str() => {
            return Err(AppError::validation(
                "kind",
                "A property's type cannot change once it has been created.",
            ))
        }
        Some(_) => {}
    }
    on_db!(db, pool => sqlx::query(
        "UPDATE properties SET label = $1, help_text = $2, options = $3 WHERE id = $4")
        .bind(&property.label)
        .bind(&property.help_text)
        .bind(&options)
        .bind(&property.id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(property.id.clone())
}

/// Archives a property: it leaves forms, sidebars and status requirements; stored values stay.
pub async fn archive_property(db: &Db, id: &str) -> AppResult<()> {
    let done = on_db!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let updated = sqlx::query("UPDATE properties SET archived = TRUE WHERE id = $1 AND NOT archived")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM status_required_properties WHERE property_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(updated)
    })?;
    if done == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The ticket's values of active properties (the caller has checked access).
pub async fn ticket_values(db: &Db, ticket_id: &str) -> AppResult<Vec<PropertyValue>> {
    let rows: Vec<(String, String)> = on_db!(db, pool => sqlx::query_as(
        "SELECT v.property_id, v.value FROM ticket_property_values v
         JOIN properties p ON p.id = v.property_id
         WHERE v.ticket_id = $1 AND NOT p.archived ORDER BY p.position")
        .bind(ticket_id)
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(property_id, value)| PropertyValue { property_id, value })
        .collect())
}
