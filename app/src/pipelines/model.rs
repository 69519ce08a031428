//! Pipeline and status types shared by both sides.

use serde::{Deserialize, Serialize};

/// Whether a status counts as open work or as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StatusCategory {
    Open,
    Closed,
}

impl StatusCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusCategory::Open => "open",
            StatusCategory::Closed => "closed",
        }
    }

    pub fn parse(value: &str) -> Option<StatusCategory> {
        match value {
            "open" => Some(StatusCategory::Open),
            "closed" => Some(StatusCategory::Closed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub id: String,
    pub name: String,
    pub category: StatusCategory,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    pub id: String,
    pub name: String,
    /// In pipeline order.
    pub statuses: Vec<Status>,
}

impl Pipeline {
    pub fn status(&self, id: &str) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id == id)
    }
}
