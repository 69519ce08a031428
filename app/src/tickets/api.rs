//! Server functions for the workspace: view counts, a view's page, the open ticket.
//! Each checks the session and applies the caller's scope.

use leptos::prelude::*;

use super::model::*;
use crate::error::AppError;

#[server(name = ViewCounts, prefix = "/api", endpoint = "view_counts", output = leptos::server_fn::codec::Postcard)]
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

#[server(name = ListTickets, prefix = "/api", endpoint = "list_tickets", output = leptos::server_fn::codec::Postcard)]
pub async fn list_tickets(
    /// `None`: the caller's default view.
    view: Option<ViewKey>,
    #[server(default)] query: ListQuery,
    after: Option<Cursor>,
) -> Result<TicketPage, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            query.check_sizes()?;
            let view = view.unwrap_or_else(|| ViewKey::default_for(user.role));
            if !ViewKey::for_role(user.role).contains(&view) {
                return Err(AppError::NotFound);
            }
            super::store::view_page(&context.db, &user, view, &query, after.as_ref(), PAGE_SIZE).await
        }
        .await,
    )
}

#[server(name = GetTicket, prefix = "/api", endpoint = "get_ticket", output = leptos::server_fn::codec::Postcard)]
pub async fn get_ticket(id: String) -> Result<TicketDetail, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            let mut detail = super::store::ticket_detail(&context.db, &user, &id).await?;
            // What the reply composer opens with: one request for the whole pane.
            if can_edit_tickets(user.role) {
                for conversation in &detail.conversations {
                    if let Some(draft) =
                        crate::conversations::drafts::get_draft(&context.db, &user, &conversation.id).await?
                    {
                        detail.drafts.push(draft);
                    }
                }
                detail.senders = crate::channels::email::store::sending_addresses(&context.db, &user).await?;
            }
            Ok(detail)
        }
        .await,
    )
}

/// Users a ticket can be assigned to, for the owner field.
#[server(name = ListAssignees, prefix = "/api", endpoint = "list_assignees", output = leptos::server_fn::codec::Postcard)]
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
/// server checks the same required fields the panel does, from the same form layout.
#[server(name = CreateTicket, prefix = "/api", endpoint = "create_ticket", output = leptos::server_fn::codec::Postcard)]
pub async fn create_ticket(ticket: NewTicket) -> Result<String, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            let pipelines = crate::pipelines::store::active_pipelines(&context.db).await?;
            let properties = crate::properties::store::active_properties(&context.db).await?;
            let layout = crate::forms::store::create_ticket_layout(&context.db).await?;
            let checked = check_new_ticket(&ticket, &pipelines, &properties, &layout)?;
            let id = super::store::insert_ticket(&context.db, &user, &ticket, &checked).await?;
            tracing::info!(ticket = id, user = user.id, "ticket created");
            Ok(id)
        }
        .await,
    )
}

/// Moves a ticket to another status of its pipeline (sidebar, MISSION R1), honouring the
/// pipeline rules (super admins bypass them) and the status's required properties: their
/// values may come along in `properties` and are saved in the same transaction.
#[server(name = SetTicketStatus, prefix = "/api", endpoint = "set_ticket_status", output = leptos::server_fn::codec::Postcard)]
pub async fn set_ticket_status(
    id: String,
    status_id: String,
    #[server(default)] properties: Vec<crate::properties::model::PropertyValue>,
) -> Result<(), AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            let detail = super::store::ticket_detail(&context.db, &user, &id).await?;
            let pipelines = crate::pipelines::store::active_pipelines(&context.db).await?;
            let defined = crate::properties::store::active_properties(&context.db).await?;
            let edits = super::store::status_edits(&user, &detail, &pipelines, &defined, &status_id, &properties)?;
            super::store::edit_ticket(&context.db, &user, &id, &edits).await
        }
        .await,
    )
}

/// Sets or clears one custom property of a ticket. A value the ticket's current status
/// requires cannot be cleared.
#[server(name = SetTicketProperty, prefix = "/api", endpoint = "set_ticket_property", output = leptos::server_fn::codec::Postcard)]
pub async fn set_ticket_property(id: String, property_id: String, value: String) -> Result<(), AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            let detail = super::store::ticket_detail(&context.db, &user, &id).await?;
            let defined = crate::properties::store::active_properties(&context.db).await?;
            let property = defined
                .iter()
                .find(|p| p.id == property_id)
                .ok_or_else(|| AppError::validation("property", "That property no longer exists; reload."))?;
            let value = property.parse_value(&value)?;
            if value.is_none() {
                let pipelines = crate::pipelines::store::active_pipelines(&context.db).await?;
                let status = pipelines
                    .iter()
                    .find(|p| p.id == detail.ticket.pipeline_id)
                    .and_then(|p| p.status(&detail.ticket.status_id));
                if let Some(status) = status.filter(|s| s.required_properties.contains(&property.id)) {
                    return Err(AppError::validation(
                        &property.name,
                        format!("{} is required while the ticket is in {}.", property.label, status.name),
                    ));
                }
            }
            super::store::edit_ticket(
                &context.db,
                &user,
                &id,
                &[super::store::TicketEdit::Property { property, value }],
            )
            .await
        }
        .await,
    )
}

/// Gives a ticket to an active help desk user, or to nobody.
#[server(name = SetTicketOwner, prefix = "/api", endpoint = "set_ticket_owner", output = leptos::server_fn::codec::Postcard)]
pub async fn set_ticket_owner(id: String, owner_id: Option<String>) -> Result<(), AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
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
            super::store::edit_ticket(&context.db, &user, &id, &[edit]).await
        }
        .await,
    )
}

#[server(name = SetTicketPriority, prefix = "/api", endpoint = "set_ticket_priority", output = leptos::server_fn::codec::Postcard)]
pub async fn set_ticket_priority(id: String, priority: Priority) -> Result<(), AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            super::store::edit_ticket(&context.db, &user, &id, &[super::store::TicketEdit::Priority(priority)]).await
        }
        .await,
    )
}

/// "Add contact" on a ticket created by hand: associates the contact and starts the
/// conversation with them, so the reply editor has a recipient.
#[server(name = StartConversation, prefix = "/api", endpoint = "start_conversation", output = leptos::server_fn::codec::Postcard)]
pub async fn start_conversation(id: String, contact_id: String) -> Result<String, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            let conversation = super::store::start_conversation(&context.db, &user, &id, &contact_id).await?;
            tracing::info!(ticket = id, conversation, user = user.id, "conversation started");
            Ok(conversation)
        }
        .await,
    )
}

/// The caller's saved views (empty for service access, who cannot save any).
#[server(name = ListSavedViews, prefix = "/api", endpoint = "saved_views", output = leptos::server_fn::codec::Postcard)]
pub async fn list_saved_views() -> Result<Vec<SavedView>, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            if !can_save_views(user.role) {
                return Ok(Vec::new());
            }
            super::store::saved_views(&context.db, &user).await
        }
        .await,
    )
}

/// Saves the current view with its sort and filters under a name (help desk seats and
/// admins; service access gets `NotFound`).
#[server(name = SaveView, prefix = "/api", endpoint = "save_view", output = leptos::server_fn::codec::Postcard)]
pub async fn save_view(name: String, view: ViewKey, #[server(default)] query: ListQuery) -> Result<String, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            query.check_sizes()?;
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 60 {
                return Err(AppError::validation(
                    "name",
                    "Give the view a name of 1 to 60 characters.",
                ));
            }
            if !ViewKey::for_role(user.role).contains(&view) {
                return Err(AppError::NotFound);
            }
            super::store::insert_saved_view(&context.db, &user, name, view, &query).await
        }
        .await,
    )
}

#[server(name = DeleteSavedView, prefix = "/api", endpoint = "delete_saved_view", output = leptos::server_fn::codec::Postcard)]
pub async fn delete_saved_view(id: String) -> Result<(), AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            super::store::delete_saved_view(&context.db, &user, &id).await
        }
        .await,
    )
}
