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
    /// A contact's primary address (recipient search fills it in).
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewContact {
    pub name: String,
    pub email: String,
}

/// Longest text a contact or company search takes: no name or address needs more, and a
/// long pattern makes every `LIKE` and trigram lookup slower.
pub const MAX_SEARCH_CHARS: usize = 100;

/// A search text after the rules: at most [`MAX_SEARCH_CHARS`] characters (checked by
/// bytes first, so an enormous input costs nothing to refuse).
pub fn check_search(query: &str) -> AppResult<&str> {
    if query.len() > MAX_SEARCH_CHARS * 4 || query.chars().count() > MAX_SEARCH_CHARS {
        return Err(crate::error::AppError::validation(
            "query",
            format!("Search for at most {MAX_SEARCH_CHARS} characters."),
        ));
    }
    Ok(query)
}

/// A new contact after the rules: a name and a valid email, lower-cased (contacts are
/// unique by email, case-insensitively).
pub fn check_new_contact(contact: &NewContact) -> AppResult<(String, EmailAddress)> {
    Ok((
        parse_name("contact_name", &contact.name)?,
        EmailAddress::parse("contact_email", &contact.email)?,
    ))
}

/// A contact's record page: details, company, and the tickets and conversations the caller
/// may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRecord {
    pub id: String,
    pub name: String,
    /// Every address, the primary one (where replies go) first.
    pub emails: Vec<String>,
    pub phone: Option<String>,
    pub company_id: Option<String>,
    pub company_name: Option<String>,
    /// Newest activity first, within the caller's scope: the first page.
    pub tickets: Vec<crate::tickets::model::TicketSummary>,
    /// Where the next page starts, when there is one.
    pub tickets_next: Option<crate::tickets::model::Cursor>,
    /// Newest first, on tickets within the caller's scope.
    pub conversations: Vec<RecordConversation>,
}

/// A conversation listed on a contact's or company's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordConversation {
    pub id: String,
    pub ticket_id: String,
    pub ticket_name: String,
    pub contact_name: Option<String>,
    /// "email", "chat", "form", "call" or "manual".
    pub channel: String,
    pub started_at: i64,
    pub messages: i64,
    /// The latest message to or from the contact (not internal comments), shortened.
    pub last_message: Option<String>,
    pub last_message_at: Option<i64>,
}

impl RecordConversation {
    pub fn channel_label(&self) -> &'static str {
        match self.channel.as_str() {
            "email" => "Email",
            "chat" => "Chat",
            "form" => "Form",
            "call" => "Call",
            _ => "Manual",
        }
    }
}

/// At most this many addresses per contact.
pub const MAX_EMAILS: usize = 10;

/// How many of a record's tickets one page holds; "Load more tickets" fetches the next.
pub const RECORD_TICKETS_PAGE: u32 = 100;

/// Which kind of record a page of tickets belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordKind {
    Contact,
    Company,
}

/// Text folded for search: lower-cased, common Latin accents removed, so "garcia" finds
/// "García". The same folding is applied to what is stored and to what is typed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
            'ď' | 'đ' | 'ð' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
            'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
            'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'į' | 'ı' => "i",
            'ķ' => "k",
            'ĺ' | 'ļ' | 'ľ' | 'ł' => "l",
            'ñ' | 'ń' | 'ņ' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
            'œ' => "oe",
            'ŕ' | 'ř' => "r",
            'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
            'ß' => "ss",
            'ţ' | 'ť' | 'ț' => "t",
            'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(plain);
    }
    out
}

/// What contact search reads: the folded name, and the folded name with every address.
pub fn search_fields(name: &str, emails: &[&str]) -> (String, String) {
    let folded = fold(name);
    let mut text = folded.clone();
    for email in emails {
        text.push(' ');
        text.push_str(&email.to_lowercase());
    }
    (folded, text)
}

/// How well a contact matches typed (folded) text: the name's start, then a word or an
/// address starting with it, then anything containing it.
pub fn match_rank(folded_name: &str, search_text: &str, query: &str) -> u8 {
    if folded_name.starts_with(query) {
        0
    } else if search_text
        .split([' ', '.', '-', '@'])
        .any(|word| word.starts_with(query))
    {
        1
    } else {
        2
    }
}

/// A company's record page: details, its contacts and the tickets the caller may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyRecord {
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
    pub contacts: Vec<SearchHit>,
    /// Newest activity first, within the caller's scope: the first page.
    pub tickets: Vec<crate::tickets::model::TicketSummary>,
    /// Where the next page starts, when there is one.
    pub tickets_next: Option<crate::tickets::model::Cursor>,
    /// Conversations with the company's contacts, newest first, within the caller's scope.
    pub conversations: Vec<RecordConversation>,
}

/// An edit of a contact's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactEdit {
    pub name: String,
    /// The primary address first; blank entries are dropped.
    #[serde(default)]
    pub emails: Vec<String>,
    pub phone: String,
    #[serde(default)]
    pub company_id: Option<String>,
}

/// A contact edit after the rules: a name, valid addresses (lower-cased, each once, at most
/// [`MAX_EMAILS`]), an optional phone of sensible length. Address errors are on "emails".
pub fn check_contact_edit(edit: &ContactEdit) -> AppResult<(String, Vec<EmailAddress>, Option<String>)> {
    // The count first: the loop below compares each address with the ones before it.
    if edit.emails.len() > MAX_EMAILS {
        return Err(crate::error::AppError::validation(
            "emails",
            format!("A contact can have at most {MAX_EMAILS} email addresses."),
        ));
    }
    let name = parse_name("name", &edit.name)?;
    let mut emails: Vec<EmailAddress> = Vec::new();
    for email in edit.emails.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let email = EmailAddress::parse("emails", email).map_err(|_| {
            crate::error::AppError::validation(
                "emails",
                format!("\"{email}\" is not an email address: enter one like name@example.com."),
            )
        })?;
        if emails.contains(&email) {
            return Err(crate::error::AppError::validation(
                "emails",
                format!("{} is listed twice: remove one.", email.as_str()),
            ));
        }
        emails.push(email);
    }
    let phone = edit.phone.trim();
    if phone.chars().count() > 40 || phone.chars().any(|c| c.is_control()) {
        return Err(crate::error::AppError::validation(
            "phone",
            "Enter a phone number of at most 40 characters.",
        ));
    }
    Ok((name, emails, (!phone.is_empty()).then(|| phone.to_string())))
}

/// An edit of a company's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyEdit {
    pub name: String,
    pub domain: String,
}

/// A company edit after the rules: a name and an optional domain like "acme.test".
pub fn check_company_edit(edit: &CompanyEdit) -> AppResult<(String, Option<String>)> {
    Ok((parse_name("name", &edit.name)?, parse_domain("domain", &edit.domain)?))
}

/// A company created from the Company combobox: a name, and a domain to match contacts by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCompany {
    pub name: String,
    pub domain: String,
}

/// A new company after the rules; errors on "company_name" and "company_domain".
pub fn check_new_company(company: &NewCompany) -> AppResult<(String, Option<String>)> {
    Ok((
        parse_name("company_name", &company.name)?,
        parse_domain("company_domain", &company.domain)?,
    ))
}

/// An optional domain like "acme.test" (a leading "@" is dropped), lower-cased.
fn parse_domain(field: &str, value: &str) -> AppResult<Option<String>> {
    let domain = value.trim().trim_start_matches('@').to_lowercase();
    if domain.is_empty() {
        return Ok(None);
    }
    let valid = domain.len() <= 253
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !valid {
        return Err(crate::error::AppError::validation(
            field,
            "Enter a domain like example.com.",
        ));
    }
    Ok(Some(domain))
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
            emails: vec![email.into()],
            phone: phone.into(),
            company_id: None,
        };
        assert_eq!(
            check_contact_edit(&edit("", "")).unwrap(),
            ("Zed".to_string(), vec![], None)
        );
        assert!(check_contact_edit(&edit("nope", ""))
            .unwrap_err()
            .field_message("emails")
            .is_some_and(|m| m.contains("\"nope\"")));
        let two = ContactEdit {
            emails: vec!["Z@a.test".into(), " ".into(), "z@b.test".into()],
            ..edit("", "")
        };
        let (_, emails, _) = check_contact_edit(&two).unwrap();
        assert_eq!(
            emails.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
            ["z@a.test", "z@b.test"]
        );
        let twice = ContactEdit {
            emails: vec!["z@a.test".into(), "Z@A.test".into()],
            ..edit("", "")
        };
        assert!(check_contact_edit(&twice)
            .unwrap_err()
            .field_message("emails")
            .is_some_and(|m| m.contains("twice")));
        let many = ContactEdit {
            emails: (0..=MAX_EMAILS).map(|i| format!("z{i}@a.test")).collect(),
            ..edit("", "")
        };
        assert!(check_contact_edit(&many).is_err());
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
        let new = |name: &str, domain: &str| NewCompany {
            name: name.into(),
            domain: domain.into(),
        };
        assert_eq!(
            check_new_company(&new("Hooli", "")).unwrap(),
            ("Hooli".to_string(), None)
        );
        assert!(check_new_company(&new("Hooli", "hooli"))
            .unwrap_err()
            .field_message("company_domain")
            .is_some());
        assert!(check_new_company(&new(" ", "hooli.test"))
            .unwrap_err()
            .field_message("company_name")
            .is_some());
        assert!(check_company_edit(&company("ac me.test")).is_err());
    }

    #[test]
    fn search_folds_accents_and_ranks_name_starts_first() {
        assert_eq!(fold("García Øster"), "garcia oster");
        assert_eq!(fold("STRAßE"), "strasse");
        let (name, text) = search_fields("María López", &["M.Lopez@acme.test"]);
        assert_eq!(
            (name.as_str(), text.as_str()),
            ("maria lopez", "maria lopez m.lopez@acme.test")
        );
        assert_eq!(match_rank(&name, &text, "mar"), 0);
        assert_eq!(match_rank(&name, &text, "lop"), 1);
        assert_eq!(match_rank(&name, &text, "acme"), 1);
        assert_eq!(match_rank(&name, &text, "opez"), 2);
    }

    #[test]
    fn typed_wildcards_match_literally() {
        assert_eq!(like_pattern(" Ma%r_ ", true), "%ma\\%r\\_%");
        assert_eq!(like_pattern("acme", false), "acme%");
    }
}
