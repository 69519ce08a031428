//! The form layout shared by both sides and its rules.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::properties::model::Property;

/// The form a layout belongs to; one for now.
pub const CREATE_TICKET_FORM: &str = "create_ticket";

/// Built-in properties the form may ask for, beside Ticket name, Pipeline and Ticket status,
/// which it always asks for first and always requires.
pub const BUILT_IN_FIELDS: [(&str, &str); 5] = [
    ("description", "Description"),
    ("owner", "Ticket owner"),
    ("priority", "Priority"),
    ("company", "Company"),
    ("contacts", "Contact"),
];

/// Keys of custom properties start with this, then the property's id.
pub const PROPERTY_PREFIX: &str = "property:";

/// One field of the form after the three fixed ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// A built-in key ("priority") or `property:<id>`.
    pub key: String,
    pub required: bool,
}

impl FormField {
    pub fn property_id(&self) -> Option<&str> {
        self.key.strip_prefix(PROPERTY_PREFIX)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormLayout {
    /// Rises by one on every save; a save must name the version it started from.
    pub version: i64,
    pub fields: Vec<FormField>,
}

impl FormLayout {
    /// The layout before any admin edits it.
    pub fn default_create_ticket() -> FormLayout {
        FormLayout {
            version: 0,
            fields: BUILT_IN_FIELDS
                .iter()
                .map(|(key, _)| FormField {
                    key: key.to_string(),
                    required: false,
                })
                .collect(),
        }
    }

    pub fn field(&self, key: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn requires(&self, key: &str) -> bool {
        self.field(key).is_some_and(|f| f.required)
    }

    /// Drops fields whose custom property no longer exists (archived), so the form never asks
    /// for something it cannot show.
    pub fn without_missing(mut self, properties: &[Property]) -> FormLayout {
        self.fields.retain(|f| match f.property_id() {
            Some(id) => properties.iter().any(|p| p.id == id),
            None => true,
        });
        self
    }

    /// An admin's layout before it is saved: known keys only, each once.
    pub fn check(&self, properties: &[Property]) -> Result<(), AppError> {
        crate::limits::list("fields", "fields", &self.fields, crate::limits::MAX_FORM_FIELDS)?;
        for (index, field) in self.fields.iter().enumerate() {
            let known = match field.property_id() {
                Some(id) => properties.iter().any(|p| p.id == id),
                None => BUILT_IN_FIELDS.iter().any(|(key, _)| *key == field.key),
            };
            if !known {
                return Err(AppError::validation(
                    "fields",
                    format!("{} is not a ticket property.", field.key),
                ));
            }
            if self.fields[..index].iter().any(|f| f.key == field.key) {
                return Err(AppError::validation("fields", "Each property can be on the form once."));
            }
        }
        Ok(())
    }
}

/// The label a field shows in the form and in the editor.
pub fn field_label(key: &str, properties: &[Property]) -> String {
    if let Some(id) = key.strip_prefix(PROPERTY_PREFIX) {
        return properties
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.label.clone())
            .unwrap_or_else(|| "Removed property".to_string());
    }
    BUILT_IN_FIELDS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, label)| label.to_string())
        .unwrap_or_else(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::properties::model::PropertyKind;

    fn reason() -> Property {
        Property {
            id: "r".into(),
            name: "close_reason".into(),
            label: "Close reason".into(),
            kind: PropertyKind::Text,
            help_text: String::new(),
            options: vec![],
        }
    }

    #[test]
    fn a_layout_takes_known_fields_once() {
        let mut layout = FormLayout::default_create_ticket();
        layout.fields.push(FormField {
            key: "property:r".into(),
            required: true,
        });
        assert!(layout.check(&[reason()]).is_ok());
        assert!(layout.check(&[]).is_err(), "unknown property");
        layout.fields.push(FormField {
            key: "priority".into(),
            required: false,
        });
        assert!(layout.check(&[reason()]).is_err(), "twice");
        assert_eq!(field_label("property:r", &[reason()]), "Close reason");
        assert_eq!(field_label("contacts", &[]), "Contact");
    }

    #[test]
    fn archived_properties_leave_the_form() {
        let mut layout = FormLayout::default_create_ticket();
        layout.fields.push(FormField {
            key: "property:gone".into(),
            required: true,
        });
        assert_eq!(layout.without_missing(&[reason()]).fields.len(), BUILT_IN_FIELDS.len());
    }
}
