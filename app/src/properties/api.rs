//! Server functions for custom properties: everyone reads the definitions, only super
//! admins change them.

use leptos::prelude::*;

use super::model::Property;
use crate::error::AppError;

#[server(name = ListProperties, prefix = "/api", endpoint = "list_properties", output = leptos::server_fn::codec::Postcard)]
pub async fn list_properties() -> Result<Vec<Property>, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, _) = require_user().await?;
            super::store::active_properties(&context.db).await
        }
        .await,
    )
}

/// Creates (empty id) or updates a property's label, help text and options.
#[server(name = SaveProperty, prefix = "/api", endpoint = "admin/save_property", input = leptos::server_fn::codec::Postcard, output = leptos::server_fn::codec::Postcard)]
pub async fn save_property(property: Property) -> Result<String, AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, admin) = require_admin().await?;
            let property = property.checked()?;
            let id = super::store::save_property(&context.db, &property).await?;
            tracing::info!(admin = admin.id, property = id, "property saved");
            Ok(id)
        }
        .await,
    )
}

#[server(name = ArchiveProperty, prefix = "/api", endpoint = "admin/archive_property", output = leptos::server_fn::codec::Postcard)]
pub async fn archive_property(id: String) -> Result<(), AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, admin) = require_admin().await?;
            super::store::archive_property(&context.db, &id).await?;
            tracing::info!(admin = admin.id, property = id, "property archived");
            Ok(())
        }
        .await,
    )
}
