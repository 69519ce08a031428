//! Conversations: the thread of messages on a ticket (MISSION R1-R3), and, as they land,
//! the reply composer and drafts (R4-R7).

pub mod api;
pub mod attachments;
pub mod browser;
pub mod composer;
#[cfg(feature = "ssr")]
pub mod drafts;
#[cfg(feature = "ssr")]
pub mod files;
#[cfg(feature = "ssr")]
pub mod html;
pub mod model;
#[cfg(feature = "ssr")]
pub mod send;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
