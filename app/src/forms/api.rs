//! Server functions for the create form's layout.

use leptos::prelude::*;

use super::model::FormLayout;
use crate::error::AppError;

/// The layout every help desk user's Create ticket panel follows.
#[server(name = GetFormLayout, prefix = "/api", endpoint = "form_layout", output = leptos::server_fn::codec::Postcard)]
pub async fn get_form_layout() -> Result<FormLayout, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, _) = require_user().await?;
            let properties = crate::properties::store::active_properties(&context.db).await?;
            Ok(super::store::create_ticket_layout(&context.db)
                .await?
                .without_missing(&properties))
        }
        .await,
    )
}

/// Saves a new version of the layout over the version the admin started from; a `Conflict`
/// when another admin saved first. Returns the new version.
#[server(name = SaveFormLayout, prefix = "/api", endpoint = "admin/save_form_layout", input = leptos::server_fn::codec::Postcard, output = leptos::server_fn::codec::Postcard)]
pub async fn save_form_layout(layout: FormLayout) -> Result<i64, AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, admin) = require_admin().await?;
            let properties = crate::properties::store::active_properties(&context.db).await?;
            layout.check(&properties)?;
            let version = super::store::save_create_ticket_layout(&context.db, &admin.id, &layout).await?;
            tracing::info!(admin = admin.id, version, "create form layout saved");
            Ok(version)
        }
        .await,
    )
}
