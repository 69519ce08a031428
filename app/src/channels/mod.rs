//! Channels tickets come in on and replies go out on. Email is the first (issue 11: the
//! outgoing half; incoming mail is the next issue).

pub mod email;
