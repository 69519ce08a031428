//! SQL that changes tickets: creating one, the sidebar's edits and starting a
//! conversation, each in one transaction with its history entries.

use super::*;
use crate::db::{Tx, WritePool};
use crate::on_tx;

/// Inserts a checked ticket and its "created" history entry in one transaction.
pub async fn insert_ticket(
    db: &Db,
    user: &CurrentUser,
    ticket: &NewTicket,
    checked: &CheckedTicket,
) -> AppResult<String> {
    let (name, is_open) = (checked.name.as_str(), checked.is_open);
    let id = crate::db::new_id();
    let now = crate::db::now_millis();
    if let Some(owner) = &ticket.owner_id {
        let owner_ok = assignees(db).await?.iter().any(|a| &a.id == owner);
        if !owner_ok {
            return Err(AppError::validation(
                "owner",
                "Choose an active help desk user as owner.",
            ));
        }
    }
    if let Some(company) = &ticket.company_id {
        if !crate::contacts::store::company_visible(db, user, company).await? {
            return Err(AppError::validation(
                "company",
                "That company no longer exists: search again.",
            ));
        }
    }
    let mut contact_ids = ticket.contact_ids.clone();
    contact_ids.sort();
    contact_ids.dedup();
    if crate::contacts::store::count_contacts(db, user, &contact_ids).await? != contact_ids.len() {
        return Err(AppError::validation(
            "contacts",
            "A chosen contact no longer exists: search again.",
        ));
    }
    on_db!(db, pool => {
        let mut tx = pool.begin_write().await?;
        let (number,): (i64,) = sqlx::query_as(super::NEXT_TICKET_NUMBER).fetch_one(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO tickets (id, name, description, pipeline_id, status_id, is_open, owner_id, team_id,
                                  priority, source, company_id, created_by, created_at, last_activity_at, number)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, 'manual', $9, $10, $11, $11, $12)")
            .bind(&id)
            .bind(name)
            .bind(ticket.description.trim())
            .bind(&ticket.pipeline_id)
            .bind(&ticket.status_id)
            .bind(is_open)
            .bind(&ticket.owner_id)
            .bind(ticket.priority.as_str())
            .bind(&ticket.company_id)
            .bind(&user.id)
            .bind(now)
            .bind(number)
            .execute(&mut *tx)
            .await?;
        for contact in &contact_ids {
            sqlx::query("INSERT INTO ticket_contacts (ticket_id, contact_id) VALUES ($1, $2)")
                .bind(&id)
                .bind(contact)
                .execute(&mut *tx)
                .await?;
        }
        for (property, value) in &checked.values {
            sqlx::query("INSERT INTO ticket_property_values (ticket_id, property_id, value) VALUES ($1, $2, $3)")
                .bind(&id)
                .bind(&property.id)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO ticket_history (id, ticket_id, user_id, field, old_value, new_value, at, seq)
             VALUES ($1, $2, $3, 'created', NULL, $4, $5, 1)")
            .bind(crate::db::new_id())
            .bind(&id)
            .bind(&user.id)
            .bind(name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    })?;
    Ok(id)
}

/// A change to one property of a ticket, as the sidebar makes it.
pub enum TicketEdit<'a> {
    /// Into another pipeline; always together with a status of it.
    Pipeline {
        id: &'a str,
        name: &'a str,
    },
    Status {
        id: &'a str,
        name: &'a str,
        is_open: bool,
    },
    Owner {
        id: Option<&'a str>,
        name: Option<&'a str>,
    },
    Priority(Priority),
    /// A custom property's new value in canonical form, or `None` to clear it.
    Property {
        property: &'a crate::properties::model::Property,
        value: Option<String>,
    },
}

/// An edit with what it changes, for its history entry.
pub struct PlannedEdit<'a> {
    edit: &'a TicketEdit<'a>,
    field: String,
    old: Option<String>,
    new: Option<String>,
    /// Made by ticket automation, not by the user: the history says so.
    automated: bool,
}

impl PlannedEdit<'_> {
    /// Whether this edit changes the ticket's status.
    pub fn is_status(&self) -> bool {
        matches!(self.edit, TicketEdit::Status { .. })
    }

    /// Marks the edit as made by ticket automation.
    pub fn by_automation(mut self) -> Self {
        self.automated = true;
        self
    }
}

/// The edits that change something, each with its history entry's field and values.
pub async fn plan_edits<'a>(db: &Db, ticket_id: &str, edits: &'a [TicketEdit<'a>]) -> AppResult<Vec<PlannedEdit<'a>>> {
    let current: (String, Option<String>, String, String, String) = on_db!(db, pool => sqlx::query_as(
        "SELECT s.name, u.name, t.priority, p.name, t.status_id FROM tickets t JOIN statuses s ON s.id = t.status_id
         JOIN pipelines p ON p.id = t.pipeline_id
         LEFT JOIN users u ON u.id = t.owner_id WHERE t.id = $1")
        .bind(ticket_id)
        .fetch_one(pool)
        .await)?;
    let values = crate::properties::store::ticket_values(db, ticket_id).await?;
    let mut changes: Vec<PlannedEdit<'a>> = Vec::new();
    for edit in edits {
        let (field, old, new) = match edit {
            TicketEdit::Pipeline { name, .. } => {
                ("Pipeline".to_string(), Some(current.3.clone()), Some(name.to_string()))
            }
            TicketEdit::Status { name, .. } => (
                "Ticket status".to_string(),
                Some(current.0.clone()),
                Some(name.to_string()),
            ),
            TicketEdit::Owner { name, .. } => ("Ticket owner".to_string(), current.1.clone(), name.map(str::to_string)),
            TicketEdit::Priority(p) => (
                "Priority".to_string(),
                Priority::parse(&current.2).map(|p| p.label().to_string()),
                Some(p.label().to_string()),
            ),
            TicketEdit::Property { property, value } => (
                property.label.clone(),
                values
                    .iter()
                    .find(|v| v.property_id == property.id)
                    .map(|v| property.display(&v.value)),
                value.as_deref().map(|v| property.display(v)),
            ),
        };
        // Statuses of two pipelines may share a name: a status change is by id.
        let changed = match edit {
            TicketEdit::Status { id, .. } => *id != current.4,
            _ => old != new,
        };
        if changed {
            changes.push(PlannedEdit {
                edit,
                field,
                old,
                new,
                automated: false,
            });
        }
    }
    Ok(changes)
}

/// Applies planned edits in the caller's transaction, each with its history entry, then
/// checks the pipeline's rule on what the transaction leaves: the ticket's status has a
/// value for every property it requires (a move into a conditional status lands with the
/// values it requires, or not at all). The caller commits.
pub async fn apply_edits(
    tx: &mut Tx,
    user: &CurrentUser,
    ticket_id: &str,
    changes: &[PlannedEdit<'_>],
    now: i64,
) -> AppResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    // Edits of one ticket take turns from here, so the rule check below sees every edit
    // committed before this one.
    let lock = format!("SELECT id FROM tickets WHERE id = $1{}", tx.for_update());
    on_tx!(tx, conn => sqlx::query(&lock).bind(ticket_id).fetch_one(&mut **conn).await.map(|_| ()))?;
    for PlannedEdit {
        edit,
        field,
        old,
        new,
        automated,
    } in changes
    {
        use crate::sql::Param::{Bool, OptText, Text};
        let id = || Text(ticket_id.to_string());
        let (update, params) = match edit {
            TicketEdit::Pipeline { id: pipeline, .. } => (
                "UPDATE tickets SET pipeline_id = $1 WHERE id = $2",
                vec![Text(pipeline.to_string()), id()],
            ),
            TicketEdit::Status {
                id: status, is_open, ..
            } => (
                "UPDATE tickets SET status_id = $1, is_open = $2 WHERE id = $3",
                vec![Text(status.to_string()), Bool(*is_open), id()],
            ),
            TicketEdit::Owner { id: owner, .. } => (
                "UPDATE tickets SET owner_id = $1 WHERE id = $2",
                vec![OptText(owner.map(str::to_string)), id()],
            ),
            TicketEdit::Priority(p) => (
                "UPDATE tickets SET priority = $1 WHERE id = $2",
                vec![Text(p.as_str().to_string()), id()],
            ),
            TicketEdit::Property {
                property,
                value: Some(value),
            } => (
                "INSERT INTO ticket_property_values (ticket_id, property_id, value) VALUES ($1, $2, $3)
                 ON CONFLICT (ticket_id, property_id) DO UPDATE SET value = excluded.value",
                vec![id(), Text(property.id.clone()), Text(value.clone())],
            ),
            TicketEdit::Property { property, value: None } => (
                "DELETE FROM ticket_property_values WHERE ticket_id = $1 AND property_id = $2",
                vec![id(), Text(property.id.clone())],
            ),
        };
        on_tx!(tx, conn => crate::bind_all!(sqlx::query(update), &params).execute(&mut **conn).await.map(|_| ()))?;
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO ticket_history (id, ticket_id, user_id, field, old_value, new_value, at, seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7,
                     (SELECT COALESCE(MAX(seq), 0) + 1 FROM ticket_history WHERE ticket_id = $2))")
            .bind(crate::db::new_id())
            .bind(ticket_id)
            .bind((!*automated).then_some(&user.id))
            .bind(field)
            .bind(old)
            .bind(new)
            .bind(now)
            .execute(&mut **conn)
            .await
            .map(|_| ()))?;
    }
    on_tx!(tx, conn => sqlx::query("UPDATE tickets SET last_activity_at = $1 WHERE id = $2")
        .bind(now)
        .bind(ticket_id)
        .execute(&mut **conn)
        .await
        .map(|_| ()))?;
    // Checked before, against what the caller read, two agents (one clearing "Close
    // reason", one closing) could both pass and break the rule.
    let missing: Option<(String, String, String)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT p.name, p.label, s.name FROM tickets t
         JOIN statuses s ON s.id = t.status_id
         JOIN status_required_properties r ON r.status_id = s.id
         JOIN properties p ON p.id = r.property_id AND p.archived = FALSE
         WHERE t.id = $1
           AND NOT EXISTS (SELECT 1 FROM ticket_property_values v
                           WHERE v.ticket_id = t.id AND v.property_id = r.property_id)
         LIMIT 1")
        .bind(ticket_id)
        .fetch_optional(&mut **conn)
        .await)?;
    if let Some((name, label, status)) = missing {
        return Err(AppError::validation(
            &name,
            format!("{label} is required while the ticket is in {status}: someone may have just changed it. Reload the ticket and try again."),
        ));
    }
    Ok(())
}

/// Applies edits together, each with its history entry, in one transaction. Edits that
/// change nothing write nothing. `NotFound` when the ticket does not exist or is outside
/// the caller's scope.
pub async fn edit_ticket(db: &Db, user: &CurrentUser, ticket_id: &str, edits: &[TicketEdit<'_>]) -> AppResult<()> {
    if !can_see(db, user, ticket_id).await? {
        return Err(AppError::NotFound);
    }
    let changes = plan_edits(db, ticket_id, edits).await?;
    if changes.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    apply_edits(&mut tx, user, ticket_id, &changes, crate::db::now_millis()).await?;
    tx.commit().await?;
    Ok(())
}

/// The edits that move a ticket to `status_id` (sidebar, send-and-set-status), honouring
/// the pipeline rules (super admins bypass them) and the status's required properties:
/// their values may come along in `properties`. A status of another pipeline moves the
/// ticket there by that pipeline's way in.
pub fn status_edits<'a>(
    user: &CurrentUser,
    detail: &TicketDetail,
    pipelines: &'a [crate::pipelines::model::Pipeline],
    defined: &'a [crate::properties::model::Property],
    status_id: &str,
    properties: &[crate::properties::model::PropertyValue],
) -> AppResult<Vec<TicketEdit<'a>>> {
    use crate::auth::model::Role;
    use crate::pipelines::model::StatusCategory;
    // The status names its pipeline: in the ticket's own one, the pipeline's rules
    // apply; into another one, the ticket moves pipeline and enters by its way in.
    let bypass = user.role == Role::SuperAdmin;
    let pipeline = pipelines
        .iter()
        .find(|p| p.status(status_id).is_some())
        .ok_or_else(|| AppError::validation("status", "That status no longer exists: reload the ticket."))?;
    let mut edits = Vec::new();
    if pipeline.id == detail.ticket.pipeline_id {
        pipeline.check_move(&detail.ticket.status_id, status_id, bypass)?;
    } else {
        pipeline.check_entry(status_id, bypass)?;
        edits.push(TicketEdit::Pipeline {
            id: &pipeline.id,
            name: &pipeline.name,
        });
    }
    let status = pipeline.status(status_id).ok_or(AppError::Internal)?;
    for given in properties {
        let property = defined
            .iter()
            .find(|p| p.id == given.property_id)
            .ok_or_else(|| AppError::validation("properties", "That property no longer exists; reload."))?;
        let value = property.parse_value(&given.value)?;
        edits.push(TicketEdit::Property { property, value });
    }
    for required in &status.required_properties {
        let Some(property) = defined.iter().find(|p| &p.id == required) else {
            continue;
        };
        let given = edits.iter().find_map(|e| match e {
            TicketEdit::Property { property: p, value } if p.id == property.id => Some(value.is_some()),
            _ => None,
        });
        let stored = detail.properties.iter().any(|v| v.property_id == property.id);
        if !given.unwrap_or(stored) {
            return Err(AppError::validation(
                &property.name,
                format!("{} is required to move a ticket to {}.", property.label, status.name),
            ));
        }
    }
    edits.push(TicketEdit::Status {
        id: &status.id,
        name: &status.name,
        is_open: status.category == StatusCategory::Open,
    });
    Ok(edits)
}

/// Associates a contact with a ticket that has no conversation yet and starts one with them
/// (by email when they have an address), in one transaction with its history entry. Returns
/// the conversation's id. `NotFound` for tickets outside the caller's scope.
pub async fn start_conversation(db: &Db, user: &CurrentUser, ticket_id: &str, contact_id: &str) -> AppResult<String> {
    if !can_see(db, user, ticket_id).await? {
        return Err(AppError::NotFound);
    }
    let contact: Option<(String, Option<String>)> = on_db!(db, pool => sqlx::query_as(
        "SELECT name, email FROM contacts WHERE id = $1")
        .bind(contact_id)
        .fetch_optional(pool)
        .await)?;
    let (name, email) =
        contact.ok_or_else(|| AppError::validation("contact", "That contact no longer exists: search again."))?;
    let id = crate::db::new_id();
    let now = crate::db::now_millis();
    let channel = if email.is_some() { "email" } else { "manual" };
    let lock = format!("SELECT id FROM tickets WHERE id = $1{}", db.for_update());
    let started = on_db!(db, pool => {
        let mut tx = pool.begin_write().await?;
        // Checked with the ticket locked: a double click starts one conversation.
        sqlx::query(&lock).bind(ticket_id).fetch_one(&mut *tx).await?;
        let (existing,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM conversations WHERE ticket_id = $1")
            .bind(ticket_id)
            .fetch_one(&mut *tx)
            .await?;
        if existing > 0 {
            return Err(AppError::Conflict(
                "This ticket already has a conversation; reload to see it.".to_string(),
            ));
        }
        sqlx::query(
            "INSERT INTO ticket_contacts (ticket_id, contact_id) VALUES ($1, $2)
             ON CONFLICT (ticket_id, contact_id) DO NOTHING")
            .bind(ticket_id).bind(contact_id).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO conversations (id, ticket_id, contact_id, channel, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id).bind(ticket_id).bind(contact_id).bind(channel).bind(now)
            .execute(&mut *tx).await?;
        sqlx::query("UPDATE tickets SET last_activity_at = $1 WHERE id = $2")
            .bind(now).bind(ticket_id).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO ticket_history (id, ticket_id, user_id, field, old_value, new_value, at, seq)
             VALUES ($1, $2, $3, 'Contact', NULL, $4, $5,
                     (SELECT COALESCE(MAX(seq), 0) + 1 FROM ticket_history WHERE ticket_id = $2))")
            .bind(crate::db::new_id()).bind(ticket_id).bind(&user.id).bind(&name).bind(now)
            .execute(&mut *tx).await?;
        tx.commit().await
    });
    started?;
    Ok(id)
}
