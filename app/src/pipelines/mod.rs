//! Pipelines and their statuses: the stages a ticket moves through.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod store;
