//! Server functions for pipelines: everyone reads them, only super admins change them.

use leptos::prelude::*;

use super::model::Pipeline;
use crate::error::AppError;

/// The pipelines and statuses tickets can be in, with their rules; any logged-in user may
/// read them.
#[server(name = ListPipelines, prefix = "/api", endpoint = "list_pipelines", output = leptos::server_fn::codec::Postcard)]
pub async fn list_pipelines() -> Result<Vec<Pipeline>, AppError> {
    use crate::auth::session::{require_user, with_status};
    with_status(
        async {
            let (context, _) = require_user().await?;
            super::store::active_pipelines(&context.db).await
        }
        .await,
    )
}

/// Creates (empty id) or updates a pipeline: name, rules, statuses in order with their
/// category, creation flag and required properties. Returns the pipeline's id.
#[server(name = SavePipeline, prefix = "/api", endpoint = "admin/save_pipeline", input = leptos::server_fn::codec::Postcard, output = leptos::server_fn::codec::Postcard)]
pub async fn save_pipeline(pipeline: Pipeline) -> Result<String, AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, admin) = require_admin().await?;
            pipeline.check()?;
            let properties = crate::properties::store::active_properties(&context.db).await?;
            for status in &pipeline.statuses {
                if status
                    .required_properties
                    .iter()
                    .any(|r| !properties.iter().any(|p| &p.id == r))
                {
                    return Err(AppError::validation(
                        "statuses",
                        "A required property no longer exists; reload.",
                    ));
                }
            }
            let id = super::store::save_pipeline(&context.db, &pipeline).await?;
            tracing::info!(admin = admin.id, pipeline = id, "pipeline saved");
            Ok(id)
        }
        .await,
    )
}

#[server(name = ArchivePipeline, prefix = "/api", endpoint = "admin/archive_pipeline", output = leptos::server_fn::codec::Postcard)]
pub async fn archive_pipeline(id: String) -> Result<(), AppError> {
    use crate::auth::session::{require_admin, with_status};
    with_status(
        async {
            let (context, admin) = require_admin().await?;
            super::store::archive_pipeline(&context.db, &id).await?;
            tracing::info!(admin = admin.id, pipeline = id, "pipeline archived");
            Ok(())
        }
        .await,
    )
}
