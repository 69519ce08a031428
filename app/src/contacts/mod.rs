//! Contacts and companies: who tickets are about, found by search as the agent types, with
//! a record page each.

pub mod api;
pub mod model;
pub mod records;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
