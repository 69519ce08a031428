//! How big any input may be. Every text and list a user or client sends has a size, and
//! it is checked before anything else looks at the value: refusing a huge input costs no
//! more than reading it, and validation that loops over a list never sees a long one.

use crate::error::{AppError, AppResult};

/// Ticket descriptions and other long free text.
pub const MAX_LONG_TEXT: usize = 20_000;
/// Record ids are 32 hex characters; anything longer is not one of ours.
pub const MAX_ID_BYTES: usize = 64;
/// Contacts on one ticket.
pub const MAX_TICKET_CONTACTS: usize = 50;
/// Custom property values sent with one ticket.
pub const MAX_TICKET_PROPERTIES: usize = 200;
/// Statuses in one pipeline, and required properties of one status.
pub const MAX_STATUSES: usize = 50;
/// Options of one dropdown property.
pub const MAX_OPTIONS: usize = 200;
/// Characters of one dropdown option, and of a property's help text.
pub const MAX_OPTION_CHARS: usize = 200;
/// Fields of the create form's layout.
pub const MAX_FORM_FIELDS: usize = 200;
/// Saved views one user may keep.
pub const MAX_SAVED_VIEWS: i64 = 100;

/// Refuses `value` on `field` when it has more than `max` characters; `what` names it in
/// the message ("The description").
pub fn text(field: &str, what: &str, value: &str, max: usize) -> AppResult<()> {
    // A character is at most four bytes: below max bytes it is short enough, and the
    // count only runs on a value that is at most four times max.
    if value.len() > max && (value.len() > max * 4 || value.chars().count() > max) {
        return Err(AppError::validation(
            field,
            format!("{what} is too long: keep it to {} characters.", thousands(max)),
        ));
    }
    Ok(())
}

/// Refuses a list on `field` of more than `max` items; `what` names the items ("contacts").
pub fn list<T>(field: &str, what: &str, items: &[T], max: usize) -> AppResult<()> {
    if items.len() > max {
        return Err(AppError::validation(field, format!("Too many {what}: at most {max}.")));
    }
    Ok(())
}

/// Refuses an id that cannot be one of ours (as "not found", like any unknown id).
pub fn id(value: &str) -> AppResult<()> {
    if value.len() > MAX_ID_BYTES {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// 20000 as "20,000".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_measured_in_characters_and_refused_past_the_limit() {
        assert!(
            text("name", "The name", &"é".repeat(10), 10).is_ok(),
            "20 bytes, 10 characters"
        );
        let refused = text("name", "The name", &"a".repeat(11), 10).unwrap_err();
        assert_eq!(
            refused.field_message("name").as_deref(),
            Some("The name is too long: keep it to 10 characters.")
        );
        assert!(text("d", "The description", &"x".repeat(1 << 20), MAX_LONG_TEXT).is_err());
        assert_eq!(thousands(20_000), "20,000");
        assert_eq!(thousands(200), "200");
    }

    #[test]
    fn lists_and_ids_have_sizes() {
        assert!(list("contacts", "contacts", &[0; 50], MAX_TICKET_CONTACTS).is_ok());
        assert!(list("contacts", "contacts", &[0; 51], MAX_TICKET_CONTACTS).is_err());
        assert_eq!(id(&"a".repeat(65)), Err(AppError::NotFound));
        assert!(id(&"a".repeat(32)).is_ok());
    }
}
