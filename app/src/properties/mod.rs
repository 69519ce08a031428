//! Custom ticket properties defined by admins (text, number, date, dropdown, checkbox, ...),
//! their values on tickets, and the admin page that manages them.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
