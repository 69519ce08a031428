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

/// A contact's record page: details, company and the tickets the caller may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRecord {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company_id: Option<String>,
    pub company_name: Option<String>,
    /// Newest activity first, within the caller's scope.
    pub tickets: Vec<crate::tickets::model::TicketSummary>,
}

/// A company's record page: details, its contacts and the tickets the caller may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyRecord {
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
    pub contacts: Vec<SearchHit>,
    pub tickets: Vec<crate::tickets::model::TicketSummary>,
}

/// An edit of a contact's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactEdit {
    pub name: String,
    pub email: String,
    pub phone: String,
    #[serde(default)]
    pub company_id: Option<String>,
}

/// A contact edit after the rules: a name, an optional valid email (lower-cased, unique
/// case-insensitively), an optional phone of sensible length.
pub fn check_contact_edit(edit: &ContactEdit) -> AppResult<(String, Option<EmailAddress>, Option<String>)> {
    let name = parse_name("name", &edit.name)?;
    let email = match edit.email.trim() {
        "" => None,
        email => Some(EmailAddress::parse("email", email)?),
    };
    let phone = edit.phone.trim();
    if phone.chars().count() > 40 || phone.chars().any(|c| c.is_control()) {
        return Err(crate::error::AppError::validation(
            "phone",
            "Enter a phone number of at most 40 characters.",
        ));
    }
    Ok((name, email, (!phone.is_empty()).then(|| phone.to_string())))
}

/// An edit of a company's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyEdit {
    pub name: String,
    pub domain: String,
}

/// A company edit after the rules: a name and an optional domain like "acme.test".
pub fn check_company_edit(edit: &CompanyEdit) -> AppResult<(String, Option<String>)> {
    let name = parse_name("name", &edit.name)?;
    let domain = edit.domain.trim().trim_start_matches('@').to_lowercase();
    if domain.is_empty() {
        return Ok((name, None));
    }
    let valid = domain.len() <= 253
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !valid {
        return Err(crate::error::AppError::validation(
            "domain",
            "Enter a domain like example.com.",
        ));
    }
    Ok((name, Some(domain)))
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
    fn contact_and_company_edits_are_checked() {
        let edit = |email: &str, phone: &str| ContactEdit {
            name: "Zed".into(),
            email: email.into(),
            phone: phone.into(),
            company_id: None,
        };
        assert_eq!(
            check_contact_edit(&edit("", "")).unwrap(),
            ("Zed".to_string(), None, None)
        );
        assert!(check_contact_edit(&edit("nope", ""))
            .unwrap_err()
            .field_message("email")
            .is_some());
        assert!(check_contact_edit(&edit("", &"1".repeat(41)))
            .unwrap_err()
            .field_message("phone")
            .is_some());
        let company = |domain: &str| CompanyEdit {
            name: "Acme".into(),
            domain: domain.into(),
        };
        assert_eq!(
            check_company_edit(&company(" @Acme.TEST ")).unwrap().1.as_deref(),
            Some("acme.test")
        );
        assert!(check_company_edit(&company("acme")).is_err());
        assert!(check_company_edit(&company("ac me.test")).is_err());
    }

    #[test]
    fn typed_wildcards_match_literally() {
        assert_eq!(like_pattern(" Ma%r_ ", true), "%ma\\%r\\_%");
        assert_eq!(like_pattern("acme", false), "acme%");
    }
}
