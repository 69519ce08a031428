//! Pipeline and status types shared by both sides, and the pipeline rules (which statuses
//! new tickets may start in, no skipping, no moving backwards) as plain functions.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Whether a status counts as open work or as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StatusCategory {
    Open,
    Closed,
}

impl StatusCategory {
    pub const ALL: [StatusCategory; 2] = [StatusCategory::Open, StatusCategory::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            StatusCategory::Open => "open",
            StatusCategory::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusCategory::Open => "Open",
            StatusCategory::Closed => "Closed",
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
    /// Empty for a status an admin is adding in the settings.
    pub id: String,
    pub name: String,
    pub category: StatusCategory,
    /// New tickets may be created in this status.
    pub allows_creation: bool,
    /// Custom properties (ids) a ticket must have a value for before it may enter this status.
    #[serde(default)]
    pub required_properties: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    /// Empty for a pipeline an admin is creating.
    pub id: String,
    pub name: String,
    /// Moves may only go to the next status (super admins bypass).
    pub forbid_skipping: bool,
    /// Moves may not go to an earlier status (super admins bypass).
    pub forbid_backwards: bool,
    /// In pipeline order.
    pub statuses: Vec<Status>,
}

impl Pipeline {
    pub fn status(&self, id: &str) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id == id)
    }

    /// The statuses a new ticket may start in.
    pub fn creation_statuses(&self) -> impl Iterator<Item = &Status> {
        self.statuses.iter().filter(|s| s.allows_creation)
    }

    /// Whether a ticket from another pipeline may enter this one at `to`: only through a
    /// status that new tickets may be created in (the pipeline's way in), unless `bypass`
    /// (super admins).
    pub fn check_entry(&self, to: &str, bypass: bool) -> Result<(), AppError> {
        let Some(target) = self.status(to) else {
            return Err(AppError::validation(
                "status",
                "That status no longer exists: reload the ticket.",
            ));
        };
        if bypass || target.allows_creation {
            return Ok(());
        }
        let entries: Vec<&str> = self.creation_statuses().map(|s| s.name.as_str()).collect();
        Err(AppError::validation(
            "status",
            format!(
                "Tickets enter {} through {}: choose one of them.",
                self.name,
                entries.join(" or ")
            ),
        ))
    }

    /// Whether the pipeline rules let a ticket move from one status to another; the error
    /// names the rule. `bypass` is for super admins.
    pub fn check_move(&self, from: &str, to: &str, bypass: bool) -> Result<(), AppError> {
        let position = |id: &str| self.statuses.iter().position(|s| s.id == id);
        let Some(target) = position(to) else {
            return Err(AppError::validation(
                "status",
                "Choose a status of this ticket's pipeline.",
            ));
        };
        // A ticket in an archived status may leave it for any status.
        let Some(current) = position(from) else { return Ok(()) };
        if bypass || current == target {
            return Ok(());
        }
        if self.forbid_backwards && target < current {
            return Err(AppError::validation(
                "status",
                format!("{} does not allow moving tickets back to an earlier status.", self.name),
            ));
        }
        if self.forbid_skipping && target > current + 1 {
            return Err(AppError::validation(
                "status",
                format!(
                    "{} does not allow skipping statuses: move the ticket to {} first.",
                    self.name,
                    self.statuses[current + 1].name
                ),
            ));
        }
        Ok(())
    }

    /// The settings' rules for a pipeline an admin saves: a name, at least one status,
    /// status names unique within it, and somewhere new tickets can start.
    pub fn check(&self) -> Result<(), AppError> {
        use crate::limits;
        limits::list("statuses", "statuses", &self.statuses, limits::MAX_STATUSES)?;
        for status in &self.statuses {
            limits::list(
                "statuses",
                "required properties",
                &status.required_properties,
                limits::MAX_STATUSES,
            )?;
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(AppError::validation(
                "name",
                "Give the pipeline a name of 1 to 80 characters.",
            ));
        }
        if self.statuses.is_empty() {
            return Err(AppError::validation(
                "statuses",
                "A pipeline needs at least one status.",
            ));
        }
        for (index, status) in self.statuses.iter().enumerate() {
            let status_name = status.name.trim();
            if status_name.is_empty() || status_name.chars().count() > 80 {
                return Err(AppError::validation(
                    "statuses",
                    format!("Status {} needs a name of 1 to 80 characters.", index + 1),
                ));
            }
            if self.statuses[..index]
                .iter()
                .any(|other| other.name.trim().eq_ignore_ascii_case(status_name))
            {
                return Err(AppError::validation(
                    "statuses",
                    format!("Two statuses are called {status_name}; give each its own name."),
                ));
            }
        }
        if !self.statuses.iter().any(|s| s.allows_creation) {
            return Err(AppError::validation(
                "statuses",
                "Allow creating tickets in at least one status.",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline(forbid_skipping: bool, forbid_backwards: bool) -> Pipeline {
        let status = |id: &str| Status {
            id: id.to_string(),
            name: id.to_uppercase(),
            category: StatusCategory::Open,
            allows_creation: id == "a",
            required_properties: vec![],
        };
        Pipeline {
            id: "p".into(),
            name: "Support".into(),
            forbid_skipping,
            forbid_backwards,
            statuses: vec![status("a"), status("b"), status("c")],
        }
    }

    #[test]
    fn tickets_enter_another_pipeline_through_its_creation_statuses() {
        let p = pipeline(true, true);
        assert!(p.check_entry("a", false).is_ok());
        let refused = p.check_entry("b", false).unwrap_err();
        assert!(refused.field_message("status").is_some_and(|m| m.contains("through A")));
        assert!(p.check_entry("b", true).is_ok(), "super admins bypass");
        assert!(p.check_entry("zzz", true).is_err());
    }

    #[test]
    fn without_rules_any_move_is_allowed() {
        let p = pipeline(false, false);
        assert!(p.check_move("a", "c", false).is_ok());
        assert!(p.check_move("c", "a", false).is_ok());
        assert!(p.check_move("a", "zzz", false).is_err(), "a status of another pipeline");
    }

    #[test]
    fn no_skipping_allows_only_the_next_status_forward() {
        let p = pipeline(true, false);
        assert!(p.check_move("a", "b", false).is_ok());
        let error = p.check_move("a", "c", false).unwrap_err();
        assert!(error.to_string().contains("move the ticket to B first"), "{error}");
        assert!(p.check_move("c", "a", false).is_ok(), "backwards is still allowed");
        assert!(p.check_move("a", "c", true).is_ok(), "super admins bypass");
    }

    #[test]
    fn no_backwards_refuses_earlier_statuses() {
        let p = pipeline(false, true);
        assert!(p.check_move("b", "a", false).is_err());
        assert!(p.check_move("b", "b", false).is_ok());
        assert!(p.check_move("a", "c", false).is_ok());
        assert!(p.check_move("b", "a", true).is_ok());
    }

    #[test]
    fn a_ticket_in_an_archived_status_may_move_anywhere() {
        assert!(pipeline(true, true).check_move("gone", "c", false).is_ok());
    }

    #[test]
    fn a_pipeline_needs_a_name_statuses_unique_names_and_a_creation_status() {
        let mut p = pipeline(false, false);
        assert!(p.check().is_ok());
        p.statuses[1].name = " a ".into();
        assert!(p.check().unwrap_err().to_string().contains("Two statuses"));
        p.statuses[1].name = "B".into();
        p.statuses[0].allows_creation = false;
        assert!(p.check().is_err());
        p.statuses.clear();
        assert!(p.check().is_err());
        let mut unnamed = pipeline(false, false);
        unnamed.name = "  ".into();
        assert!(unnamed.check().is_err());
    }
}
