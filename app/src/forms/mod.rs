//! The create ticket form's layout (which properties it asks for, in which order, which are
//! required), its versioned storage and the admins' "Edit this form" editor.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
