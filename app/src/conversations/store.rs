//! SQL for a ticket's conversations and their messages. Callers check the ticket is within
//! the user's scope first (the ticket's own query does).

use sqlx::FromRow;

use super::drafts::split;
use super::model::{Conversation, Delivery, Message, MessageKind};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::on_db;
use crate::tickets::model::Source;

#[derive(FromRow)]
struct ConversationRow {
    id: String,
    channel: String,
    contact_name: Option<String>,
    contact_email: Option<String>,
    email_channel_id: Option<String>,
}

#[derive(FromRow)]
struct MessageRow {
    id: String,
    conversation_id: String,
    kind: String,
    author_name: Option<String>,
    body: String,
    body_html: String,
    created_at: i64,
    from_address: String,
    to_addresses: String,
    cc_addresses: String,
    bcc_addresses: String,
    delivery: Option<String>,
    delivery_error: String,
    send_after: Option<i64>,
    threaded_by: Option<String>,
    auto_kind: Option<String>,
    remote_images: bool,
    raw_key: Option<String>,
}

/// Splits the quoted history off a message's HTML, each part sanitised again: a cut in
/// sanitised HTML can fall inside an attribute value, which must never reach the browser
/// as markup.
pub fn fold_quoted(message: &mut Message) {
    let again = |html: &str| match message.kind {
        // An incoming message's own allow-list (tables, images at our own addresses).
        MessageKind::Incoming => super::html::sanitise_incoming(html, &Default::default()).0,
        _ => super::html::sanitise(html),
    };
    if let (head, Some(quoted)) = super::model::split_quoted_html(&message.body_html) {
        let (head, quoted) = (again(&head), again(&quoted));
        message.body_html = head;
        message.quoted_html = quoted;
    }
}

/// The ticket's conversations, oldest first, each with its messages in order: two queries
/// whatever the number of conversations.
pub async fn ticket_conversations(db: &Db, ticket_id: &str) -> AppResult<Vec<Conversation>> {
    let (conversations, messages): (Vec<ConversationRow>, Vec<MessageRow>) = on_db!(db, pool => {
        let conversations = sqlx::query_as(
            "SELECT cv.id, cv.channel, ct.name AS contact_name, ct.email AS contact_email, cv.email_channel_id
                 FROM conversations cv
                 LEFT JOIN contacts ct ON ct.id = cv.contact_id
                 WHERE cv.ticket_id = $1 ORDER BY cv.created_at, cv.id")
            .bind(ticket_id).fetch_all(pool).await?;
        let messages = sqlx::query_as(
            "SELECT m.id, m.conversation_id, m.kind, COALESCE(u.name, ct.name) AS author_name, m.body, m.body_html,
                        m.created_at, m.from_address, m.to_addresses, m.cc_addresses, m.bcc_addresses, m.delivery,
                        m.delivery_error, o.send_after, m.threaded_by, m.auto_kind, m.remote_images, m.raw_key
                 FROM messages m
                 JOIN conversations cv ON cv.id = m.conversation_id
                 LEFT JOIN outbox o ON o.message_id = m.id
                 LEFT JOIN users u ON u.id = m.author_user_id
                 LEFT JOIN contacts ct ON ct.id = m.author_contact_id
                 WHERE cv.ticket_id = $1 ORDER BY m.created_at, m.id")
            .bind(ticket_id).fetch_all(pool).await?;
        Ok::<_, sqlx::Error>((conversations, messages))
    })?;
    let mut conversations: Vec<Conversation> = conversations
        .into_iter()
        .map(|c| {
            Ok(Conversation {
                channel: Source::parse(&c.channel).ok_or(AppError::Internal)?,
                id: c.id,
                contact_name: c.contact_name,
                contact_email: c.contact_email,
                email_channel_id: c.email_channel_id,
                messages: Vec::new(),
            })
        })
        .collect::<AppResult<_>>()?;
    for m in messages {
        if let Some(conversation) = conversations.iter_mut().find(|c| c.id == m.conversation_id) {
            conversation.messages.push(Message {
                kind: MessageKind::parse(&m.kind).ok_or(AppError::Internal)?,
                id: m.id,
                author_name: m.author_name.unwrap_or_else(|| "Unknown visitor".to_string()),
                body: m.body,
                body_html: m.body_html,
                quoted_html: String::new(),
                created_at: m.created_at,
                from_address: m.from_address,
                to: split(&m.to_addresses),
                cc: split(&m.cc_addresses),
                bcc: split(&m.bcc_addresses),
                delivery: m.delivery.as_deref().and_then(Delivery::parse),
                delivery_error: m.delivery_error,
                next_attempt_at: m.send_after,
                attachments: Vec::new(),
                incoming: m.threaded_by.map(|threaded_by| super::model::IncomingInfo {
                    threaded_by,
                    auto_kind: m.auto_kind,
                    remote_images: m.remote_images,
                    has_original: m.raw_key.is_some(),
                }),
            });
        }
    }
    // The files of every message: one more query.
    let ids: Vec<String> = conversations
        .iter()
        .flat_map(|c| c.messages.iter().map(|m| m.id.clone()))
        .collect();
    let mut files = super::files::of_messages(db, &ids).await?;
    for message in conversations.iter_mut().flat_map(|c| c.messages.iter_mut()) {
        message.attachments = files.remove(&message.id).unwrap_or_default();
        fold_quoted(message);
    }
    Ok(conversations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_inside_an_attribute_never_becomes_markup() {
        use super::super::html::sanitise;
        // Link addresses holding blockquote tags and an <img onerror>: sanitised, an attribute
        // keeps them raw, so a cut there must not reach the browser unsanitised.
        for raw in [
            "<p>Hi <a href=\"https://x.test/</blockquote><blockquote><img src=x onerror=alert(1)>\">l</a></p><blockquote>q</blockquote>",
            "<p>Hi</p><blockquote>q <a href=\"https://x.test/<blockquote>\">l</a></blockquote>",
            "<p>Fixed.</p><blockquote><p>old</p></blockquote>",
        ] {
            let mut message = Message {
                id: "m".into(),
                kind: MessageKind::Reply,
                author_name: String::new(),
                body: String::new(),
                body_html: sanitise(raw),
                created_at: 0,
                from_address: String::new(),
                to: Vec::new(),
                cc: Vec::new(),
                bcc: Vec::new(),
                delivery: None,
                delivery_error: String::new(),
                next_attempt_at: None,
                attachments: Vec::new(),
                quoted_html: String::new(),
                incoming: None,
            };
            fold_quoted(&mut message);
            // Each part is exactly what the allow-list lets through.
            for part in [&message.body_html, &message.quoted_html] {
                assert_eq!(&sanitise(part), part, "{raw}");
            }
        }
    }
}
