//! Pipelines and their statuses: the stages a ticket moves through, their rules, and the
//! admins' settings page.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
