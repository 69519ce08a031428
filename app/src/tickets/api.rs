//! Server functions for the workspace: view counts, a view's page, the open ticket.
//! Each checks the session and applies the caller's scope.

use leptos::prelude::*;

use super::model::*;
use crate::error::AppError;

#[server(name = ViewCounts, prefix = "/api", endpoint = "view_counts")]
pub async fn view_counts() -> Result<Vec<ViewCount>, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            super::store::view_counts(&context.db, &user).await
        }
        .await,
    )
}

#[server(name = ListTickets, prefix = "/api", endpoint = "list_tickets")]
pub async fn list_tickets(view: ViewKey, after: Option<Cursor>) -> Result<TicketPage, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            if !ViewKey::for_role(user.role).contains(&view) {
                return Err(AppError::NotFound);
            }
            super::store::view_page(&context.db, &user, view, after.as_ref(), PAGE_SIZE).await
        }
        .await,
    )
}

#[server(name = GetTicket, prefix = "/api", endpoint = "get_ticket")]
pub async fn get_ticket(id: String) -> Result<TicketDetail, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            super::store::ticket_detail(&context.db, &user, &id).await
        }
        .await,
    )
}

/// Users a ticket can be assigned to, for the owner field.
#[server(name = ListAssignees, prefix = "/api", endpoint = "list_assignees")]
pub async fn list_assignees() -> Result<Vec<Assignee>, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, _) = require_user().await?;
            super::store::assignees(&context.db).await
        }
        .await,
    )
}

/// Creates a ticket by hand (MISSION T1, T3). Help desk seats and admins only; the
/// server checks the same required fields the panel does.
#[server(name = CreateTicket, prefix = "/api", endpoint = "create_ticket")]
pub async fn create_ticket(ticket: NewTicket) -> Result<String, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            if !can_edit_tickets(user.role) {
                return Err(AppError::NotFound);
            }
            let pipelines = crate::pipelines::store::active_pipelines(&context.db).await?;
            let (name, is_open) = check_new_ticket(&ticket, &pipelines)?;
            let id = super::store::insert_ticket(&context.db, &user, &ticket, &name, is_open).await?;
            tracing::info!(ticket = id, user = user.id, "ticket created");
            Ok(id)
        }
        .await,
    )
}

/// Moves a ticket to another status of its pipeline (sidebar, MISSION R1).
#[server(name = SetTicketStatus, prefix = "/api", endpoint = "set_ticket_status")]
pub async fn set_ticket_status(id: String, status_id: String) -> Result<(), AppError> {
    use crate::auth::session::{require_user, with_status};
    use crate::pipelines::model::StatusCategory;
    with_status(
        async {
            let (context, user) = require_user().await?;
            if !can_edit_tickets(user.role) {
                return Err(AppError::NotFound);
            }
            let detail = super::store::ticket_detail(&context.db, &user, &id).await?;
            let pipelines = crate::pipelines::store::active_pipelines(&context.db).await?;
            let status = pipelines
                .iter()
                .find(|p| p.id == detail.ticket.pipeline_id)
                .and_then(|p| p.status(&status_id))
                .ok_or_else(|| AppError::validation("status", "Choose a status of this ticket's pipeline."))?;
            let edit = super::store::TicketEdit::Status {
                id: &status.id,
                name: &status.name,
                is_open: status.category == StatusCategory::Open,
            };
            super::store::edit_ticket(&context.db, &user, &id, edit).await
        }
        .await,
    )
}

/// Gives a ticket to an active help desk user, or to nobody.
#[server(name = SetTicketOwner, prefix = "/api", endpoint = "set_ticket_owner")]
pub async fn set_ticket_owner(id: String, owner_id: Option<String>) -> Result<(), AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            if !can_edit_tickets(user.role) {
                return Err(AppError::NotFound);
            }
            let owner_id = owner_id.filter(|o| !o.is_empty());
            let assignees = super::store::assignees(&context.db).await?;
            let owner = match &owner_id {
                Some(owner) => Some(
                    assignees
                        .iter()
                        .find(|a| &a.id == owner)
                        .ok_or_else(|| AppError::validation("owner", "Choose an active help desk user as owner."))?,
                ),
                None => None,
            };
            let edit = super::store::TicketEdit::Owner {
                id: owner.map(|o| o.id.as_str()),
                name: owner.map(|o| o.name.as_str()),
            };
            super::store::edit_ticket(&context.db, &user, &id, edit).await
        }
        .await,
    )
}

#[server(name = SetTicketPriority, prefix = "/api", endpoint = "set_ticket_priority")]
pub async fn set_ticket_priority(id: String, priority: Priority) -> Result<(), AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            if !can_edit_tickets(user.role) {
                return Err(AppError::NotFound);
            }
            super::store::edit_ticket(&context.db, &user, &id, super::store::TicketEdit::Priority(priority)).await
        }
        .await,
    )
}
