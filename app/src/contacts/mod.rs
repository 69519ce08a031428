//! Contacts and companies: who tickets are about, found by search as the agent types.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
