//! Contact and company types shared by both sides, and the rules for new contacts.

use serde::{Deserialize, Serialize};

use crate::admin::model::{parse_name, EmailAddress};
use crate::error::AppResult;

/// One search result for a combobox: a contact or a company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub id: String,
    pub label: String,
    /// A second line: the contact's email and company, or the company's domain.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewContact {
    pub name: String,
    pub email: String,
}

/// A new contact after the rules: a name and a valid email, lower-cased (contacts are
/// unique by email, case-insensitively).
pub fn check_new_contact(contact: &NewContact) -> AppResult<(String, EmailAddress)> {
    Ok((
        parse_name("contact_name", &contact.name)?,
        EmailAddress::parse("contact_email", &contact.email)?,
    ))
}

/// The domain of an email address, used to match the contact's company.
pub fn email_domain(email: &EmailAddress) -> &str {
    email
        .as_str()
        .rsplit_once('@')
        .map(|(_, domain)| domain)
        .unwrap_or_default()
}

/// `LIKE` pattern for text the user typed: its wildcards taken literally.
pub fn like_pattern(query: &str, contains: bool) -> String {
    let escaped: String = query
        .trim()
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            other => vec![other],
        })
        .collect();
    if contains {
        format!("%{escaped}%")
    } else {
        format!("{escaped}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_contacts_need_a_name_and_an_email() {
        let ok = check_new_contact(&NewContact {
            name: " Zed ".into(),
            email: "Zed@Acme.test".into(),
        })
        .unwrap();
        assert_eq!(ok.0, "Zed");
        assert_eq!(email_domain(&ok.1), "acme.test");
        let error = check_new_contact(&NewContact {
            name: "Zed".into(),
            email: "zed".into(),
        })
        .unwrap_err();
        assert!(error.field_message("contact_email").is_some());
        let error = check_new_contact(&NewContact {
            name: "".into(),
            email: "z@a.test".into(),
        })
        .unwrap_err();
        assert!(error.field_message("contact_name").is_some());
    }

    #[test]
    fn typed_wildcards_match_literally() {
        assert_eq!(like_pattern(" Ma%r_ ", true), "%ma\\%r\\_%");
        assert_eq!(like_pattern("acme", false), "acme%");
    }
}
