//! Server functions for finding and creating contacts and companies.

use leptos::prelude::*;

use super::model::{NewContact, SearchHit};
use crate::error::AppError;

#[server(name = SearchCompanies, prefix = "/api", endpoint = "search_companies")]
pub async fn search_companies(query: String) -> Result<Vec<SearchHit>, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, _) = require_user().await?;
            super::store::search_companies(&context.db, &query).await
        }
        .await,
    )
}

#[server(name = SearchContacts, prefix = "/api", endpoint = "search_contacts")]
pub async fn search_contacts(query: String) -> Result<Vec<SearchHit>, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, _) = require_user().await?;
            super::store::search_contacts(&context.db, &query).await
        }
        .await,
    )
}

/// Creates a contact (help desk seats and admins), matching its company by email domain.
#[server(name = CreateContact, prefix = "/api", endpoint = "create_contact")]
pub async fn create_contact(contact: NewContact) -> Result<SearchHit, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            if !crate::tickets::model::can_edit_tickets(user.role) {
                return Err(AppError::NotFound);
            }
            let (name, email) = super::model::check_new_contact(&contact)?;
            super::store::insert_contact(&context.db, &name, &email).await
        }
        .await,
    )
}
