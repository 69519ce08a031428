//! Accounts, sessions and who may do what (MISSION P1-P3).

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
