//! Ticket types shared by the server and the wasm client.

use serde::{Deserialize, Serialize};

use crate::auth::model::Role;

mod views;
pub use views::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Priority {
    Low,
    Medium,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Medium, Priority::High, Priority::Urgent];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(value: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Medium => "Medium",
            Priority::High => "High",
            Priority::Urgent => "Urgent",
        }
    }
}

/// The channel a ticket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Source {
    Email,
    Chat,
    Form,
    Call,
    Manual,
}

impl Source {
    pub const ALL: [Source; 5] = [Source::Email, Source::Chat, Source::Form, Source::Call, Source::Manual];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Email => "email",
            Source::Chat => "chat",
            Source::Form => "form",
            Source::Call => "call",
            Source::Manual => "manual",
        }
    }

    pub fn parse(value: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Source::Email => "Email",
            Source::Chat => "Chat",
            Source::Form => "Form",
            Source::Call => "Call",
            Source::Manual => "Manual",
        }
    }
}

/// One row of the ticket list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub id: String,
    /// The short human number (`#1042`).
    pub number: i64,
    pub name: String,
    pub status_name: String,
    pub is_open: bool,
    pub priority: Priority,
    pub source: Source,
    pub owner_name: Option<String>,
    pub company_name: Option<String>,
    pub contact_name: Option<String>,
    pub last_activity_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketPage {
    pub tickets: Vec<TicketSummary>,
    /// Present when there may be more tickets after this page.
    pub next: Option<Cursor>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: String,
    /// The short human number (`#1042`): the ticket's reference in mail subjects and headers.
    pub number: i64,
    pub name: String,
    pub description: String,
    pub pipeline_id: String,
    pub pipeline_name: String,
    pub status_id: String,
    pub status_name: String,
    pub is_open: bool,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub team_name: Option<String>,
    pub priority: Priority,
    pub source: Source,
    pub created_at: i64,
    pub last_activity_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRef {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyRef {
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
}

/// A conversation the ticket's contacts had on another ticket (MISSION R1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousConversation {
    pub ticket_id: String,
    pub ticket_name: String,
    pub channel: Source,
    pub status_name: String,
    pub created_at: i64,
}

/// Everything the open ticket's pane shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDetail {
    pub ticket: Ticket,
    pub company: Option<CompanyRef>,
    pub contacts: Vec<ContactRef>,
    pub conversations: Vec<crate::conversations::model::Conversation>,
    pub previous_conversations: Vec<PreviousConversation>,
    /// Newest first.
    pub history: Vec<HistoryEntry>,
    /// Values of the ticket's custom properties.
    pub properties: Vec<crate::properties::model::PropertyValue>,
    /// The caller's own reply drafts on the ticket's conversations (only `get_ticket` fills
    /// these in, for those who may reply).
    #[serde(default)]
    pub drafts: Vec<crate::conversations::model::Draft>,
    /// The addresses the caller may send from (likewise).
    #[serde(default)]
    pub senders: Vec<crate::channels::email::model::SendingAddress>,
}

/// One change to a ticket: who, when, which field, old and new value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub who: String,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub at: i64,
}

/// What the "Create ticket" panel sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTicket {
    pub name: String,
    pub pipeline_id: String,
    pub status_id: String,
    pub priority: Priority,
    pub owner_id: Option<String>,
    pub description: String,
    /// The company the ticket is about (MISSION T4).
    #[serde(default)]
    pub company_id: Option<String>,
    /// Any number of contacts (MISSION T4).
    #[serde(default)]
    pub contact_ids: Vec<String>,
    /// Values of custom properties the form asked for.
    #[serde(default)]
    pub properties: Vec<crate::properties::model::PropertyValue>,
}

/// A user a ticket can be assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignee {
    pub id: String,
    pub name: String,
}

pub const MAX_TICKET_NAME: usize = 300;

/// A new ticket that passed the rules, ready to store.
#[derive(Debug)]
pub struct CheckedTicket {
    pub name: String,
    pub is_open: bool,
    /// Custom property values in canonical form.
    pub values: Vec<(crate::properties::model::Property, String)>,
}

/// A new ticket after the rules: a name, a status of the chosen pipeline that allows
/// creation, every field the form layout requires, valid custom property values, and the
/// properties the starting status requires.
pub fn check_new_ticket(
    ticket: &NewTicket,
    pipelines: &[crate::pipelines::model::Pipeline],
    properties: &[crate::properties::model::Property],
    layout: &crate::forms::model::FormLayout,
) -> Result<CheckedTicket, crate::error::AppError> {
    use crate::error::AppError;
    use crate::limits;
    use crate::pipelines::model::StatusCategory;
    limits::text(
        "description",
        "The description",
        &ticket.description,
        limits::MAX_LONG_TEXT,
    )?;
    limits::list("contacts", "contacts", &ticket.contact_ids, limits::MAX_TICKET_CONTACTS)?;
    limits::list(
        "properties",
        "property values",
        &ticket.properties,
        limits::MAX_TICKET_PROPERTIES,
    )?;
    let name = ticket.name.trim();
    if name.is_empty() {
        return Err(AppError::validation("name", "Enter a ticket name."));
    }
    if name.chars().count() > MAX_TICKET_NAME {
        return Err(AppError::validation(
            "name",
            format!("Keep the ticket name under {MAX_TICKET_NAME} characters."),
        ));
    }
    let pipeline = pipelines
        .iter()
        .find(|p| p.id == ticket.pipeline_id)
        .ok_or_else(|| AppError::validation("pipeline", "Choose a pipeline."))?;
    let status = pipeline
        .status(&ticket.status_id)
        .ok_or_else(|| AppError::validation("status", "Choose a status of this pipeline."))?;
    if !status.allows_creation {
        return Err(AppError::validation(
            "status",
            format!("New tickets cannot start in {}; choose another status.", status.name),
        ));
    }
    let mut values = Vec::new();
    for given in &ticket.properties {
        let property = properties.iter().find(|p| p.id == given.property_id).ok_or_else(|| {
            AppError::validation("properties", "One of the properties no longer exists; reload the form.")
        })?;
        if let Some(value) = property.parse_value(&given.value)? {
            values.push((property.clone(), value));
        }
    }
    let has_value = |id: &str| values.iter().any(|(p, _)| p.id == id);
    for field in layout.fields.iter().filter(|f| f.required) {
        let missing = match field.key.as_str() {
            "description" => ticket.description.trim().is_empty(),
            "owner" => ticket.owner_id.as_deref().is_none_or(str::is_empty),
            "company" => ticket.company_id.as_deref().is_none_or(str::is_empty),
            "contacts" => ticket.contact_ids.is_empty(),
            "priority" => false,
            _ => match field.property_id() {
                Some(id) => !has_value(id) && properties.iter().any(|p| p.id == id),
                None => false,
            },
        };
        if missing {
            let label = crate::forms::model::field_label(&field.key, properties);
            let field_name = match field.property_id() {
                Some(id) => properties
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                None => field.key.clone(),
            };
            return Err(AppError::validation(&field_name, format!("{label} is required.")));
        }
    }
    for required in &status.required_properties {
        if let Some(property) = properties.iter().find(|p| &p.id == required) {
            if !has_value(&property.id) {
                return Err(AppError::validation(
                    &property.name,
                    format!("{} is required for tickets in {}.", property.label, status.name),
                ));
            }
        }
    }
    Ok(CheckedTicket {
        name: name.to_string(),
        is_open: status.category == StatusCategory::Open,
        values,
    })
}

/// Whether a role may create tickets and change their properties (MISSION P1, P2).
pub fn can_edit_tickets(role: Role) -> bool {
    matches!(role, Role::SuperAdmin | Role::HelpDesk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_access_lacks_unassigned_and_closed_views() {
        let views = ViewKey::for_role(Role::Service);
        assert!(!views.contains(&ViewKey::Unassigned));
        assert!(!views.contains(&ViewKey::Closed));
        assert!(views.contains(&ViewKey::AllOpen));
        assert_eq!(ViewKey::for_role(Role::HelpDesk).len(), 4);
    }

    use crate::forms::model::{FormField, FormLayout};
    use crate::properties::model::{Property, PropertyKind, PropertyValue};

    fn support_pipeline() -> Vec<crate::pipelines::model::Pipeline> {
        use crate::pipelines::model::{Pipeline, Status, StatusCategory};
        let status = |id: &str, category, allows_creation, required: &[&str]| Status {
            id: id.into(),
            name: id.into(),
            category,
            allows_creation,
            required_properties: required.iter().map(|r| r.to_string()).collect(),
        };
        vec![Pipeline {
            id: "p".into(),
            name: "Support pipeline".into(),
            forbid_skipping: false,
            forbid_backwards: false,
            statuses: vec![
                status("new", StatusCategory::Open, true, &[]),
                status("review", StatusCategory::Open, false, &[]),
                status("closed", StatusCategory::Closed, true, &["reason"]),
            ],
        }]
    }

    fn reason() -> Vec<Property> {
        vec![Property {
            id: "reason".into(),
            name: "close_reason".into(),
            label: "Close reason".into(),
            kind: PropertyKind::Dropdown,
            help_text: String::new(),
            options: vec!["Solved".into()],
        }]
    }

    fn new_ticket(name: &str, pipeline: &str, status: &str) -> NewTicket {
        NewTicket {
            name: name.into(),
            pipeline_id: pipeline.into(),
            status_id: status.into(),
            priority: Priority::Medium,
            owner_id: None,
            description: String::new(),
            company_id: None,
            contact_ids: Vec::new(),
            properties: Vec::new(),
        }
    }

    fn check(ticket: &NewTicket) -> Result<CheckedTicket, crate::error::AppError> {
        check_new_ticket(
            ticket,
            &support_pipeline(),
            &reason(),
            &FormLayout::default_create_ticket(),
        )
    }

    #[test]
    fn a_new_ticket_needs_a_name_a_pipeline_and_a_status_of_that_pipeline() {
        let error = check(&new_ticket("  ", "p", "new")).unwrap_err();
        assert!(error.field_message("name").is_some());
        let error = check(&new_ticket("Printer", "nope", "new")).unwrap_err();
        assert!(error.field_message("pipeline").is_some());
        let error = check(&new_ticket("Printer", "p", "elsewhere")).unwrap_err();
        assert!(error.field_message("status").is_some());
        let error = check(&new_ticket(&"x".repeat(301), "p", "new")).unwrap_err();
        assert!(error.field_message("name").is_some());
        let checked = check(&new_ticket(" Printer ", "p", "new")).unwrap();
        assert_eq!((checked.name.as_str(), checked.is_open), ("Printer", true));
    }

    #[test]
    fn new_tickets_start_only_in_statuses_that_allow_it_and_with_what_they_require() {
        let error = check(&new_ticket("Printer", "p", "review")).unwrap_err();
        assert!(error
            .field_message("status")
            .unwrap()
            .contains("cannot start in review"));
        let mut closed = new_ticket("Printer", "p", "closed");
        let error = check(&closed).unwrap_err();
        assert!(error.field_message("close_reason").is_some());
        closed.properties.push(PropertyValue {
            property_id: "reason".into(),
            value: "Nope".into(),
        });
        assert!(
            check(&closed).unwrap_err().field_message("close_reason").is_some(),
            "not an option"
        );
        closed.properties[0].value = "Solved".into();
        let checked = check(&closed).unwrap();
        assert!(!checked.is_open);
        assert_eq!(checked.values[0].1, "Solved");
    }

    #[test]
    fn the_form_layout_decides_which_fields_are_required() {
        let mut layout = FormLayout::default_create_ticket();
        layout.fields.iter_mut().find(|f| f.key == "contacts").unwrap().required = true;
        layout.fields.push(FormField {
            key: "property:reason".into(),
            required: true,
        });
        let mut ticket = new_ticket("Printer", "p", "new");
        let error = check_new_ticket(&ticket, &support_pipeline(), &reason(), &layout).unwrap_err();
        assert_eq!(error.field_message("contacts").as_deref(), Some("Contact is required."));
        ticket.contact_ids.push("c1".into());
        let error = check_new_ticket(&ticket, &support_pipeline(), &reason(), &layout).unwrap_err();
        assert_eq!(
            error.field_message("close_reason").as_deref(),
            Some("Close reason is required.")
        );
        ticket.properties.push(PropertyValue {
            property_id: "reason".into(),
            value: "Solved".into(),
        });
        assert!(check_new_ticket(&ticket, &support_pipeline(), &reason(), &layout).is_ok());
    }

    #[test]
    fn only_help_desk_seats_and_admins_edit_tickets() {
        assert!(can_edit_tickets(Role::SuperAdmin));
        assert!(can_edit_tickets(Role::HelpDesk));
        assert!(!can_edit_tickets(Role::Service));
    }

    #[test]
    fn the_list_state_round_trips_through_the_address() {
        let query = ListQuery {
            sort: SortKey::Priority,
            owner_id: Some(UNASSIGNED.into()),
            priority: Some(Priority::High),
            source: Some(Source::Email),
            ..ListQuery::default()
        };
        let pairs = query.to_pairs();
        let back = ListQuery::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, query);
        assert!(ListQuery::default().to_pairs().is_empty());
        assert_eq!(
            ListQuery::from_pairs([("sort", "nonsense"), ("priority", "")].into_iter()),
            ListQuery::default()
        );
    }

    #[test]
    fn view_slugs_round_trip() {
        for view in ViewKey::ALL {
            assert_eq!(ViewKey::from_slug(view.slug()), Some(view));
        }
        assert_eq!(ViewKey::from_slug("everything"), None);
    }
}
