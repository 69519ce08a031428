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
