//! Users and teams as the admin pages see them, and the rules for their fields.

use serde::{Deserialize, Serialize};

use crate::auth::model::{Role, Scope};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    pub active: bool,
    pub team_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub member_count: i64,
}

/// A lower-cased, trimmed email address with one `@` and a dotted domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(field: &str, value: &str) -> AppResult<EmailAddress> {
        if value.len() > 1024 {
            return Err(AppError::validation(
                field,
                "That is longer than any email address can be.",
            ));
        }
        let value = value.trim().to_lowercase();
        // Characters that end or split an address in a mail header (`To: a@b.test, c@d.test`,
        // `"Name" <a@b.test>`), and control characters, are never part of one here.
        let header_safe = !value.chars().any(|c| c.is_control() || "<>()[]\\,;:\"".contains(c));
        let valid = match value.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !value.contains(char::is_whitespace)
                    && !domain.contains('@')
                    && value.len() <= 254
                    && header_safe
            }
            None => false,
        };
        if valid {
            Ok(EmailAddress(value))
        } else {
            Err(AppError::validation(
                field,
                "Enter an email address like name@example.com.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One entry of the audit log: who changed whose role, scope or active state, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Milliseconds since the epoch, UTC.
    pub at: i64,
    pub actor: String,
    pub subject: String,
    /// "role", "scope" or "active".
    pub action: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// A required single-line name of at most 200 characters.
pub fn parse_name(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::validation(field, "Enter a name."));
    }
    if value.chars().count() > 200 {
        return Err(AppError::validation(field, "Keep the name under 200 characters."));
    }
    Ok(value.to_string())
}

pub const MIN_PASSWORD_LENGTH: usize = 8;

pub fn check_password(field: &str, value: &str) -> AppResult<()> {
    if value.chars().count() < MIN_PASSWORD_LENGTH {
        return Err(AppError::validation(
            field,
            format!("Use at least {MIN_PASSWORD_LENGTH} characters."),
        ));
    }
    if value.len() > crate::auth::model::MAX_PASSWORD_BYTES {
        return Err(AppError::validation(
            field,
            format!("Use at most {} characters.", crate::auth::model::MAX_PASSWORD_BYTES),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_normalised_and_checked() {
        assert_eq!(
            EmailAddress::parse("email", " Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(EmailAddress::parse("email", bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn names_are_required_and_bounded() {
        assert!(parse_name("name", "   ").is_err());
        assert!(parse_name("name", &"x".repeat(201)).is_err());
        assert_eq!(parse_name("name", " Ann ").unwrap(), "Ann");
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_password("password", "short").is_err());
        assert!(check_password("password", "long enough").is_ok());
    }
}
