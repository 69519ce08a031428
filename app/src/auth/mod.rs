//! Accounts, sessions and who may do what (MISSION P1-P3).

#[cfg(any(feature = "ssr", feature = "settings-client"))]
pub mod account;
pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod throttle;
pub mod ui;
