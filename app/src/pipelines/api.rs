//! Server functions for pipelines.

use leptos::prelude::*;

use super::model::Pipeline;
use crate::error::AppError;

/// The pipelines and statuses tickets can be in; any logged-in user may read them.
#[server(name = ListPipelines, prefix = "/api", endpoint = "list_pipelines")]
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
