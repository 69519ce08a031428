//! Tickets: the left-panel views, the ticket list and the open ticket (MISSION W1, R1).

pub mod api;
pub mod create_panel;
pub mod filters;
pub mod model;
pub mod properties;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
