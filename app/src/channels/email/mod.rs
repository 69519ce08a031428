//! Email channels: a team address with its outgoing server (settings, stored with the
//! password encrypted), and building and delivering the mail a reply becomes.

pub mod api;
#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod incoming;
pub mod model;
#[cfg(feature = "ssr")]
pub mod outbox;
#[cfg(feature = "ssr")]
pub mod outgoing;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
