//! The vocabulary of ticket lists: views, their counts, order, filters, keyset cursors
//! and the views users save.

use serde::{Deserialize, Serialize};

use crate::auth::model::Role;

use super::{can_edit_tickets, Priority, Source};

/// A left-panel view of tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ViewKey {
    Unassigned,
    AssignedToMe,
    AllOpen,
    Closed,
}

impl ViewKey {
    pub const ALL: [ViewKey; 4] = [
        ViewKey::Unassigned,
        ViewKey::AssignedToMe,
        ViewKey::AllOpen,
        ViewKey::Closed,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            ViewKey::Unassigned => "unassigned",
            ViewKey::AssignedToMe => "assigned-to-me",
            ViewKey::AllOpen => "all-open",
            ViewKey::Closed => "closed",
        }
    }

    pub fn from_slug(slug: &str) -> Option<ViewKey> {
        ViewKey::ALL.into_iter().find(|view| view.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            ViewKey::Unassigned => "Unassigned",
            ViewKey::AssignedToMe => "Assigned to me",
            ViewKey::AllOpen => "All open",
            ViewKey::Closed => "Closed",
        }
    }

    /// What the list says when the view holds no ticket.
    pub fn empty_message(self) -> &'static str {
        match self {
            ViewKey::Unassigned => "No unassigned tickets. New tickets from every channel land here first.",
            ViewKey::AssignedToMe => "Nothing assigned to you. Pick a ticket from another view.",
            ViewKey::AllOpen => "No open tickets. Everything is answered.",
            ViewKey::Closed => "No closed tickets yet.",
        }
    }

    /// The default views a role gets (MISSION P2: service access gets only some).
    pub fn for_role(role: Role) -> &'static [ViewKey] {
        match role {
            Role::SuperAdmin | Role::HelpDesk => &ViewKey::ALL,
            Role::Service => &[ViewKey::AssignedToMe, ViewKey::AllOpen],
        }
    }

    pub fn default_for(role: Role) -> ViewKey {
        ViewKey::for_role(role)
            .iter()
            .copied()
            .find(|v| *v == ViewKey::AllOpen)
            .unwrap_or(ViewKey::AllOpen)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewCount {
    pub view: ViewKey,
    pub count: i64,
}

/// Where a page of a view ends: the keyset of its last ticket (its value of the sort key,
/// then its id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub value: i64,
    pub id: String,
}

/// How a view's list is ordered; always newest or highest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SortKey {
    #[default]
    LastActivity,
    CreateDate,
    Priority,
}

impl SortKey {
    pub const ALL: [SortKey; 3] = [SortKey::LastActivity, SortKey::CreateDate, SortKey::Priority];

    pub fn slug(self) -> &'static str {
        match self {
            SortKey::LastActivity => "activity",
            SortKey::CreateDate => "created",
            SortKey::Priority => "priority",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::LastActivity => "Last activity",
            SortKey::CreateDate => "Create date",
            SortKey::Priority => "Priority",
        }
    }

    pub fn from_slug(slug: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|s| s.slug() == slug)
    }
}

/// Filters and order applied on top of a view (MISSION: filterable by pipeline, status,
/// owner, priority, source). Empty fields filter nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub sort: SortKey,
    #[serde(default)]
    pub pipeline_id: Option<String>,
    #[serde(default)]
    pub status_id: Option<String>,
    /// A user's id, or [`UNASSIGNED`] for tickets without an owner.
    #[serde(default)]
    pub owner_id: Option<String>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub source: Option<Source>,
}

impl ListQuery {
    /// Filters name records by id: an id longer than any of ours matches nothing, and
    /// is refused before it is stored in a saved view or sent to the database.
    pub fn check_sizes(&self) -> Result<(), crate::error::AppError> {
        for id in [&self.pipeline_id, &self.status_id, &self.owner_id]
            .into_iter()
            .flatten()
        {
            crate::limits::id(id)?;
        }
        Ok(())
    }
}

/// A view a user saved for themselves: a base view with sort and filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    pub id: String,
    pub name: String,
    pub view: ViewKey,
    pub query: ListQuery,
    /// Tickets in it now, counted up to one past `SAVED_VIEW_COUNT_CAP`.
    pub count: i64,
}

/// Saved views count their tickets up to this many; past it they show "1000+".
pub const SAVED_VIEW_COUNT_CAP: i64 = 1000;

impl SavedView {
    /// Its count as the views panel shows it.
    pub fn count_label(&self) -> String {
        if self.count > SAVED_VIEW_COUNT_CAP {
            format!("{SAVED_VIEW_COUNT_CAP}+")
        } else {
            self.count.to_string()
        }
    }

    /// The address that opens it.
    pub fn href(&self) -> String {
        let mut href = format!("/?view={}", self.view.slug());
        for (key, value) in self.query.to_pairs() {
            href.push_str(&format!("&{key}={value}"));
        }
        href
    }
}

/// Whether a role may save views (MISSION: not service access).
pub fn can_save_views(role: Role) -> bool {
    can_edit_tickets(role)
}

/// The owner filter's value for "no owner".
pub const UNASSIGNED: &str = "none";

impl ListQuery {
    /// Reads the list's state from the page address (`?sort=created&priority=high...`).
    pub fn from_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> ListQuery {
        let mut query = ListQuery::default();
        for (key, value) in pairs.filter(|(_, v)| !v.is_empty()) {
            match key {
                "sort" => query.sort = SortKey::from_slug(value).unwrap_or_default(),
                "pipeline" => query.pipeline_id = Some(value.to_string()),
                "status" => query.status_id = Some(value.to_string()),
                "owner" => query.owner_id = Some(value.to_string()),
                "priority" => query.priority = Priority::parse(value),
                "source" => query.source = Source::parse(value),
                _ => {}
            }
        }
        query
    }

    /// The address form of this state, as `key=value` pairs to append to a view's link.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if self.sort != SortKey::LastActivity {
            pairs.push(("sort", self.sort.slug().to_string()));
        }
        let optional = [
            ("pipeline", self.pipeline_id.clone()),
            ("status", self.status_id.clone()),
            ("owner", self.owner_id.clone()),
            ("priority", self.priority.map(|p| p.as_str().to_string())),
            ("source", self.source.map(|s| s.as_str().to_string())),
        ];
        pairs.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        pairs
    }

    pub fn is_filtered(&self) -> bool {
        self.pipeline_id.is_some()
            || self.status_id.is_some()
            || self.owner_id.is_some()
            || self.priority.is_some()
            || self.source.is_some()
    }
}

/// The most tickets one page of a view returns.
pub const PAGE_SIZE: u32 = 50;
