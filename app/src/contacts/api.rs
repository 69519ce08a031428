//! Server functions for finding and creating contacts and companies.

use leptos::prelude::*;

use super::model::{NewContact, SearchHit};
use crate::error::AppError;

#[server(name = SearchCompanies, prefix = "/api", endpoint = "search_companies", output = leptos::server_fn::codec::Postcard)]
pub async fn search_companies(query: String) -> Result<Vec<SearchHit>, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            let query = super::model::check_search(&query)?;
            super::store::search_companies(&context.db, &user, query).await
        }
        .await,
    )
}

#[server(name = SearchContacts, prefix = "/api", endpoint = "search_contacts", output = leptos::server_fn::codec::Postcard)]
pub async fn search_contacts(query: String) -> Result<Vec<SearchHit>, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            let query = super::model::check_search(&query)?;
            super::store::search_contacts(&context.db, &user, query).await
        }
        .await,
    )
}

/// Creates a contact (help desk seats and admins), matching its company by email domain.
#[server(name = CreateContact, prefix = "/api", endpoint = "create_contact", output = leptos::server_fn::codec::Postcard)]
pub async fn create_contact(contact: NewContact) -> Result<SearchHit, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            let (name, email) = super::model::check_new_contact(&contact)?;
            super::store::insert_contact(&context.db, &user, &name, &email).await
        }
        .await,
    )
}

/// Creates a company (help desk seats and admins).
#[server(name = CreateCompany, prefix = "/api", endpoint = "create_company", output = leptos::server_fn::codec::Postcard)]
pub async fn create_company(company: super::model::NewCompany) -> Result<SearchHit, AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            let (name, domain) = super::model::check_new_company(&company)?;
            super::store::insert_company(&context.db, &user, &name, domain.as_deref()).await
        }
        .await,
    )
}

/// A contact's record page; its tickets honour the caller's scope.
#[server(name = GetContact, prefix = "/api", endpoint = "get_contact", output = leptos::server_fn::codec::Postcard)]
pub async fn get_contact(id: String) -> Result<super::model::ContactRecord, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            super::store::require_visible_contact(&context.db, &user, &id).await?;
            super::store::contact_record(&context.db, &user, &id).await
        }
        .await,
    )
}

#[server(name = GetCompany, prefix = "/api", endpoint = "get_company", output = leptos::server_fn::codec::Postcard)]
pub async fn get_company(id: String) -> Result<super::model::CompanyRecord, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            super::store::require_visible_company(&context.db, &user, &id).await?;
            super::store::company_record(&context.db, &user, &id).await
        }
        .await,
    )
}

/// The next page of a contact's or company's tickets ("Load more tickets"), within the
/// caller's scope.
#[server(name = MoreRecordTickets, prefix = "/api", endpoint = "more_record_tickets", output = leptos::server_fn::codec::Postcard)]
pub async fn more_record_tickets(
    kind: super::model::RecordKind,
    id: String,
    after: crate::tickets::model::Cursor,
) -> Result<crate::tickets::model::TicketPage, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, user) = require_user().await?;
            match kind {
                super::model::RecordKind::Contact => {
                    super::store::require_visible_contact(&context.db, &user, &id).await?
                }
                super::model::RecordKind::Company => {
                    super::store::require_visible_company(&context.db, &user, &id).await?
                }
            }
            super::store::more_record_tickets(&context.db, &user, kind, &id, &after).await
        }
        .await,
    )
}

/// Edits a contact (help desk seats and admins).
#[server(name = UpdateContact, prefix = "/api", endpoint = "update_contact", output = leptos::server_fn::codec::Postcard)]
pub async fn update_contact(id: String, contact: super::model::ContactEdit) -> Result<(), AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            super::store::require_visible_contact(&context.db, &user, &id).await?;
            let (name, emails, phone) = super::model::check_contact_edit(&contact)?;
            let company = contact.company_id.as_deref().filter(|c| !c.is_empty());
            super::store::update_contact(&context.db, &id, &name, &emails, phone.as_deref(), company).await
        }
        .await,
    )
}

/// Edits a company (help desk seats and admins).
#[server(name = UpdateCompany, prefix = "/api", endpoint = "update_company", output = leptos::server_fn::codec::Postcard)]
pub async fn update_company(id: String, company: super::model::CompanyEdit) -> Result<(), AppError> {
    use crate::auth::session::{require_editor, with_status};
    with_status(
        async {
            let (context, user) = require_editor().await?;
            super::store::require_visible_company(&context.db, &user, &id).await?;
            let (name, domain) = super::model::check_company_edit(&company)?;
            super::store::update_company(&context.db, &id, &name, domain.as_deref()).await
        }
        .await,
    )
}
