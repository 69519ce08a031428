//! Property definitions and values shared by both sides, and the server's validation of a
//! value by the property's type.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PropertyKind {
    Text,
    Multiline,
    Number,
    Date,
    Dropdown,
    Checkbox,
}

impl PropertyKind {
    pub const ALL: [PropertyKind; 6] = [
        PropertyKind::Text,
        PropertyKind::Multiline,
        PropertyKind::Number,
        PropertyKind::Date,
        PropertyKind::Dropdown,
        PropertyKind::Checkbox,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PropertyKind::Text => "text",
            PropertyKind::Multiline => "multiline",
            PropertyKind::Number => "number",
            PropertyKind::Date => "date",
            PropertyKind::Dropdown => "dropdown",
            PropertyKind::Checkbox => "checkbox",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PropertyKind::Text => "Single-line text",
            PropertyKind::Multiline => "Multi-line text",
            PropertyKind::Number => "Number",
            PropertyKind::Date => "Date",
            PropertyKind::Dropdown => "Dropdown",
            PropertyKind::Checkbox => "Checkbox",
        }
    }

    pub fn parse(value: &str) -> Option<PropertyKind> {
        PropertyKind::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// A custom ticket property as admins define it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Property {
    /// Empty for a property an admin is creating.
    pub id: String,
    /// Internal name: lower case letters, digits and underscores, unique, fixed once created.
    pub name: String,
    pub label: String,
    pub kind: PropertyKind,
    pub help_text: String,
    /// Choices of a dropdown, in order.
    #[serde(default)]
    pub options: Vec<String>,
}

impl Property {
    /// How the property's input shows (the kit's `Field`).
    pub fn field(&self) -> crate::kit::field::FieldSpec {
        use crate::kit::field::InputKind;
        crate::kit::field::FieldSpec {
            label: self.label.clone(),
            kind: match self.kind {
                PropertyKind::Text => InputKind::Text,
                PropertyKind::Multiline => InputKind::Multiline,
                PropertyKind::Number => InputKind::Number,
                PropertyKind::Date => InputKind::Date,
                PropertyKind::Dropdown => InputKind::Dropdown,
                PropertyKind::Checkbox => InputKind::Checkbox,
            },
            help_text: self.help_text.clone(),
            options: self.options.clone(),
        }
    }
}

/// One property's value on one ticket, as text in the property's canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyValue {
    pub property_id: String,
    pub value: String,
}

/// The internal name a label suggests: "Close reason" -> "close_reason".
pub fn internal_name_for(label: &str) -> String {
    let mut name = String::new();
    for c in label.trim().chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('_') && !name.is_empty() {
            name.push('_');
        }
    }
    name.trim_end_matches('_').to_string()
}

/// Names the create form and the history already use for built-in properties.
pub const RESERVED_NAMES: [&str; 12] = [
    "name",
    "pipeline",
    "status",
    "owner",
    "priority",
    "source",
    "description",
    "company",
    "contacts",
    "created_at",
    "last_activity",
    "team",
];

impl Property {
    /// An admin's definition, cleaned: trimmed label and help, options without blanks or
    /// repeats, a valid internal name.
    pub fn checked(&self) -> Result<Property, AppError> {
        use crate::limits;
        limits::list("options", "options", &self.options, limits::MAX_OPTIONS)?;
        for option in &self.options {
            limits::text("options", "An option", option, limits::MAX_OPTION_CHARS)?;
        }
        limits::text("help_text", "The help text", &self.help_text, limits::MAX_OPTION_CHARS)?;
        let label = self.label.trim();
        if label.is_empty() || label.chars().count() > 80 {
            return Err(AppError::validation(
                "label",
                "Give the property a label of 1 to 80 characters.",
            ));
        }
        let name = self.name.trim();
        if name.is_empty()
            || name.len() > 60
            || !name.starts_with(|c: char| c.is_ascii_lowercase())
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(AppError::validation(
                "name",
                "Internal names start with a letter and use only a-z, 0-9 and _.",
            ));
        }
        if RESERVED_NAMES.contains(&name) {
            return Err(AppError::validation(
                "name",
                format!("{name} is the name of a built-in property; choose another."),
            ));
        }
        let mut options: Vec<String> = Vec::new();
        for option in self.options.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
            if !options.iter().any(|o| o == option) {
                options.push(option.to_string());
            }
        }
        if self.kind == PropertyKind::Dropdown && options.is_empty() {
            return Err(AppError::validation("options", "A dropdown needs at least one option."));
        }
        if self.kind != PropertyKind::Dropdown {
            options.clear();
        }
        Ok(Property {
            id: self.id.clone(),
            name: name.to_string(),
            label: label.to_string(),
            kind: self.kind,
            help_text: self.help_text.trim().to_string(),
            options,
        })
    }

    /// A value for this property in canonical form, or `None` for "no value". The error's
    /// field is the property's internal name, so the form shows it beside the input.
    pub fn parse_value(&self, raw: &str) -> Result<Option<String>, AppError> {
        let value = raw.trim();
        if value.is_empty() {
            return Ok(None);
        }
        let refuse = |message: String| Err(AppError::validation(&self.name, message));
        match self.kind {
            PropertyKind::Text => {
                if value.contains('\n') || value.chars().count() > 500 {
                    return refuse(format!("{} takes one line of at most 500 characters.", self.label));
                }
                Ok(Some(value.to_string()))
            }
            PropertyKind::Multiline => {
                if value.chars().count() > 10_000 {
                    return refuse(format!("{} takes at most 10,000 characters.", self.label));
                }
                Ok(Some(value.to_string()))
            }
            PropertyKind::Number => match value.parse::<f64>() {
                Ok(number) if number.is_finite() => Ok(Some(number.to_string())),
                _ => refuse(format!("{} must be a number, like 42 or 3.5.", self.label)),
            },
            PropertyKind::Date => match parse_date(value) {
                Some((y, m, d)) => Ok(Some(format!("{y:04}-{m:02}-{d:02}"))),
                None => refuse(format!("{} must be a date written YYYY-MM-DD.", self.label)),
            },
            PropertyKind::Dropdown => match self.options.iter().find(|o| o.as_str() == value) {
                Some(option) => Ok(Some(option.clone())),
                None => refuse(format!("Choose one of the options of {}.", self.label)),
            },
            PropertyKind::Checkbox => match value {
                "true" | "on" | "yes" => Ok(Some("true".to_string())),
                // An unticked box is a value too: "No" satisfies a required checkbox.
                "false" | "off" | "no" => Ok(Some("false".to_string())),
                _ => refuse(format!("{} is either ticked or not.", self.label)),
            },
        }
    }

    /// How a stored value reads in the sidebar and the history.
    pub fn display(&self, value: &str) -> String {
        match (self.kind, value) {
            (PropertyKind::Checkbox, "true") => "Yes".to_string(),
            (PropertyKind::Checkbox, "false") => "No".to_string(),
            _ => value.to_string(),
        }
    }
}

fn parse_date(value: &str) -> Option<(i32, u32, u32)> {
    let mut parts = value.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&d).then_some((y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn property(kind: PropertyKind) -> Property {
        Property {
            id: "p1".into(),
            name: "close_reason".into(),
            label: "Close reason".into(),
            kind,
            help_text: String::new(),
            options: vec!["Solved".into(), "Duplicate".into()],
        }
    }

    #[test]
    fn values_are_checked_by_type_and_kept_in_canonical_form() {
        let number = property(PropertyKind::Number);
        assert_eq!(number.parse_value(" 3.50 ").unwrap().as_deref(), Some("3.5"));
        assert!(number.parse_value("three").is_err());
        assert!(number.parse_value("NaN").is_err());
        let date = property(PropertyKind::Date);
        assert_eq!(date.parse_value("2024-02-29").unwrap().as_deref(), Some("2024-02-29"));
        assert!(date.parse_value("2023-02-29").is_err());
        assert!(date.parse_value("29/02/2024").is_err());
        let dropdown = property(PropertyKind::Dropdown);
        assert_eq!(dropdown.parse_value("Solved").unwrap().as_deref(), Some("Solved"));
        let error = dropdown.parse_value("Other").unwrap_err();
        assert_eq!(
            error.field_message("close_reason").as_deref(),
            Some("Choose one of the options of Close reason.")
        );
        let checkbox = property(PropertyKind::Checkbox);
        assert_eq!(checkbox.parse_value("on").unwrap().as_deref(), Some("true"));
        assert!(checkbox.parse_value("maybe").is_err());
        assert!(property(PropertyKind::Text).parse_value("two\nlines").is_err());
        assert!(property(PropertyKind::Multiline).parse_value("two\nlines").is_ok());
        assert_eq!(property(PropertyKind::Text).parse_value("   ").unwrap(), None);
    }

    #[test]
    fn definitions_need_a_label_a_clean_unreserved_name_and_dropdown_options() {
        let mut p = property(PropertyKind::Dropdown);
        p.options = vec![" Solved ".into(), "".into(), "Solved".into(), "Spam".into()];
        assert_eq!(p.checked().unwrap().options, ["Solved", "Spam"]);
        p.options.clear();
        assert!(p.checked().is_err());
        let mut p = property(PropertyKind::Text);
        p.name = "Close Reason".into();
        assert!(p.checked().is_err());
        p.name = "priority".into();
        assert!(p.checked().is_err());
        p.name = "order_number".into();
        p.label = " ".into();
        assert!(p.checked().is_err());
        assert_eq!(internal_name_for("  Close reason (final)! "), "close_reason_final");
    }
}
