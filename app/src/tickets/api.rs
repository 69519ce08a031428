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
