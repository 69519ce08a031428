//! A ticket's conversations and their messages (MISSION R1).

use serde::{Deserialize, Serialize};

use crate::tickets::model::Source;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageKind {
    /// From the contact (an email, chat message, form submission or call).
    Incoming,
    /// From an agent to the contact.
    Reply,
    /// Internal note between teammates; the contact never sees it.
    Comment,
}

impl MessageKind {
    pub fn parse(value: &str) -> Option<MessageKind> {
        match value {
            "incoming" => Some(MessageKind::Incoming),
            "reply" => Some(MessageKind::Reply),
            "comment" => Some(MessageKind::Comment),
            _ => None,
        }
    }
}

/// Where an outgoing message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    /// Waiting in the outbox for the undo window to end.
    Scheduled,
    Sending,
    Sent,
    /// A try failed for a reason that may pass; another try is due.
    Retrying,
    /// Failed for good (the reason says why); "Retry" queues it again.
    Failed,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Scheduled => "scheduled",
            Delivery::Sending => "sending",
            Delivery::Sent => "sent",
            Delivery::Retrying => "retrying",
            Delivery::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<Delivery> {
        [
            Delivery::Scheduled,
            Delivery::Sending,
            Delivery::Sent,
            Delivery::Retrying,
            Delivery::Failed,
        ]
        .into_iter()
        .find(|d| d.as_str() == value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub kind: MessageKind,
    pub author_name: String,
    /// The plain text (for email, the text part or the HTML's text).
    pub body: String,
    /// Sanitised HTML, when the message has it (empty: show `body` as text).
    #[serde(default)]
    pub body_html: String,
    pub created_at: i64,
    #[serde(default)]
    pub from_address: String,
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    #[serde(default)]
    pub bcc: Vec<String>,
    /// For outgoing email: where it stands, why it failed, when the next try or the end of
    /// the undo window is.
    #[serde(default)]
    pub delivery: Option<Delivery>,
    #[serde(default)]
    pub delivery_error: String,
    #[serde(default)]
    pub next_attempt_at: Option<i64>,
    /// Files sent with it.
    #[serde(default)]
    pub attachments: Vec<super::attachments::Attachment>,
    /// The quoted history at the end of `body_html`, split off and sanitised again on the
    /// server (shown behind "Show quoted text"); empty when there is none.
    #[serde(default)]
    pub quoted_html: String,
    /// For a message that came in by email: how it was threaded and what it is.
    #[serde(default)]
    pub incoming: Option<IncomingInfo>,
}

/// What an agent may want to know about a message that came in by email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomingInfo {
    /// `in-reply-to`, `references`, `ticket-reference`, `new-ticket` or `forward`.
    pub threaded_by: String,
    /// `auto-reply`, `bulk` or `bounce` when a machine sent it.
    pub auto_kind: Option<String>,
    /// Its HTML has remote images, held back until "Show images".
    pub remote_images: bool,
    /// Its original is kept ("Show original").
    pub has_original: bool,
}

impl IncomingInfo {
    /// Why the message is on this ticket, in the agent's words.
    pub fn threaded_label(&self) -> &'static str {
        match self.threaded_by.as_str() {
            "in-reply-to" => "Threaded by In-Reply-To",
            "references" => "Threaded by References",
            "ticket-reference" => "Threaded by subject reference",
            "forward" => "New ticket from a forward",
            _ => "New ticket",
        }
    }

    /// What sent it, when it was not a person.
    pub fn auto_label(&self) -> Option<&'static str> {
        match self.auto_kind.as_deref()? {
            "auto-reply" => Some("Auto-reply"),
            "bulk" => Some("Bulk mail"),
            "bounce" => Some("Delivery report"),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub channel: Source,
    pub contact_name: Option<String>,
    /// Where replies go (the contact is the recipient).
    #[serde(default)]
    pub contact_email: Option<String>,
    /// The email channel the conversation came in on (replies go out from it by default).
    #[serde(default)]
    pub email_channel_id: Option<String>,
    pub messages: Vec<Message>,
}

/// The tags a reply's HTML keeps: the server's sanitiser (`html`) and the browser's paste
/// cleaning (`browser::clean_html`) use this one list.
pub const REPLY_TAGS: &[&str] = &[
    "p",
    "br",
    "div",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
];

/// Characters of a reply's HTML (what the editor sends; the sanitised text is shorter).
pub const MAX_REPLY_HTML: usize = 200_000;
/// Recipients on each of To, CC and BCC.
pub const MAX_RECIPIENTS: usize = 50;
/// An email address, as RFC 5321 bounds it.
pub const MAX_ADDRESS: usize = 254;

/// What the agent has written and chosen in the composer: the draft's content, saved as it
/// is typed and sent as it was at the click.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DraftContent {
    /// The editor's HTML; the server keeps only what its allow-list lets through.
    pub body_html: String,
    /// The email channel replies go out from (`None`: the conversation's, or the first the
    /// user may send from).
    pub from_channel_id: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    /// The message answered (`None`: the latest message from the customer).
    pub reply_to_message_id: Option<String>,
    /// The status chosen to set on sending, if any.
    pub status_id: Option<String>,
    /// The files on the reply, by id (the composer's list; sending takes exactly these).
    pub attachments: Vec<String>,
    /// Whether the agent edited the signature on this reply: then `signature_html` goes
    /// below the text (empty: none); otherwise the From address's signature does.
    #[serde(default)]
    pub own_signature: bool,
    #[serde(default)]
    pub signature_html: String,
}

impl DraftContent {
    /// The signature edited for this reply, if it was.
    pub fn edited_signature(&self) -> Option<&str> {
        self.own_signature.then_some(self.signature_html.as_str())
    }
}

/// A saved draft: its content and the version the server holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub conversation_id: String,
    /// Bumped by every save; a save names the version it was made from.
    pub version: i64,
    pub content: DraftContent,
    pub updated_at: i64,
    /// The files on the draft (what `content.attachments` names).
    #[serde(default)]
    pub attachments: Vec<super::attachments::Attachment>,
}

/// The answer to a save. (A conflict is rare and carries the whole draft; boxing it would
/// only move the copy.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)]
pub enum DraftSaved {
    /// Saved as this version.
    Saved { version: i64, updated_at: i64 },
    /// Another window saved (or sent, or discarded) the draft since this one loaded it:
    /// nothing was written. `current` is what the server holds now (`None`: no draft).
    Conflict { current: Option<Draft> },
}

/// One row of the "Drafts" view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftSummary {
    pub ticket_id: String,
    pub ticket_number: i64,
    pub ticket_name: String,
    pub conversation_id: String,
    /// The first recipient, or the conversation's contact.
    pub recipient: Option<String>,
    /// The first words of the text.
    pub excerpt: String,
    pub updated_at: i64,
}

/// Refuses a draft's content that is too big. Recipients are only held to their size here
/// (a draft may hold an address still being typed); `check_recipients` checks them at send.
pub fn check_content(content: &DraftContent) -> crate::error::AppResult<()> {
    use crate::limits;
    limits::text("body", "The reply", &content.body_html, MAX_REPLY_HTML)?;
    limits::text(
        "signature",
        "The signature",
        &content.signature_html,
        crate::channels::email::model::MAX_SIGNATURE_HTML,
    )?;
    for (field, what, list) in recipient_lists(content) {
        limits::list(field, &format!("{what} recipients"), list, MAX_RECIPIENTS)?;
        for entry in list {
            limits::text(field, &format!("An address in {what}"), entry, MAX_ADDRESS)?;
            // Nobody types a line break into an address: that is a header being forged.
            if entry.chars().any(char::is_control) {
                return Err(crate::error::AppError::validation(
                    field,
                    bad_address(std::slice::from_ref(entry)).unwrap_or_default(),
                ));
            }
        }
    }
    limits::list(
        "attachments",
        "files",
        &content.attachments,
        super::attachments::MAX_FILES,
    )?;
    for id in content.attachments.iter() {
        limits::id(id)?;
    }
    for id in [
        &content.from_channel_id,
        &content.reply_to_message_id,
        &content.status_id,
    ]
    .into_iter()
    .flatten()
    {
        limits::id(id)?;
    }
    Ok(())
}

fn recipient_lists(content: &DraftContent) -> [(&'static str, &'static str, &Vec<String>); 3] {
    [
        ("to", "To", &content.to),
        ("cc", "CC", &content.cc),
        ("bcc", "BCC", &content.bcc),
    ]
}

/// What is wrong with the first entry of `list` that is not an email address, in words
/// for the field beside it.
pub fn bad_address(list: &[String]) -> Option<String> {
    list.iter().find(|a| !is_address(a)).map(|bad| {
        let shown: String = bad.chars().take(60).collect();
        format!("{shown:?} is not an email address: write it like name@example.com.")
    })
}

/// Refuses recipients that are not addresses, named on their field (`to`, `cc`, `bcc`).
pub fn check_recipients(content: &DraftContent) -> crate::error::AppResult<()> {
    for (field, _, list) in recipient_lists(content) {
        if let Some(message) = bad_address(list) {
            return Err(crate::error::AppError::validation(field, message));
        }
    }
    Ok(())
}

/// Whether `value` is a plain email address (`local@domain.tld`): no display name, no
/// spaces, control characters, quotes or angle brackets (nothing that could break a header).
pub fn is_address(value: &str) -> bool {
    if value.len() > MAX_ADDRESS
        || value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"(),;:\\[]".contains(c))
    {
        return false;
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.')
}

/// A plain-text body and the quoted history at its end (`> ` lines, with the "On …
/// wrote:" line before them), if it has one.
/// Where an incoming message's original (its raw source) opens: "Show original".
pub fn original_path(message_id: &str) -> String {
    format!("/messages/{message_id}/original")
}

/// Where a held-back remote image points (`html::sanitise_incoming`), as it appears in
/// sanitised HTML.
const HELD_BACK: &str = "src=\"/images/remote?src=";

/// An incoming message's sanitised HTML with its remote images shown ("Show images"): each
/// held-back `https://` address put back, escaped as an attribute value. Text that merely
/// looks like the pattern stays text (the address is escaped either way); `http://` images
/// stay held back (the page's policy loads images over https only).
pub fn with_remote_images(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(HELD_BACK) {
        out.push_str(&rest[..start]);
        let after = &rest[start + HELD_BACK.len()..];
        let Some(end) = after.find('"') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let address = percent_decode(&after[..end]);
        if address.starts_with("https://") {
            out.push_str("src=\"");
            for c in address.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '"' => out.push_str("&quot;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    c => out.push(c),
                }
            }
            out.push('"');
        } else {
            out.push_str(&rest[start..start + HELD_BACK.len() + end + 1]);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn split_quoted_text(body: &str) -> (String, Option<String>) {
    let lines: Vec<&str> = body.lines().collect();
    let mut start = lines.len();
    while start > 0 && (lines[start - 1].trim_start().starts_with('>') || lines[start - 1].trim().is_empty()) {
        start -= 1;
    }
    if !lines[start..].iter().any(|l| l.trim_start().starts_with('>')) {
        return (body.to_string(), None);
    }
    if start > 0 && lines[start - 1].trim_end().ends_with("wrote:") {
        start -= 1;
    }
    if start == 0 {
        return (body.to_string(), None);
    }
    (
        lines[..start].join("\n").trim_end().to_string(),
        Some(lines[start..].join("\n").trim().to_string()),
    )
}

/// Where to split HTML and the quoted history at its end: never trust the two parts as
/// they come (a cut can fall inside an attribute); `store` sanitises each again.
/// The last top-level `<blockquote>` the last top-level `<blockquote>`
/// when nothing but space and line breaks follows it, and something comes before it.
pub fn split_quoted_html(html: &str) -> (String, Option<String>) {
    let (mut depth, mut last_top, mut end_of_last) = (0usize, None, 0usize);
    let mut at = 0;
    while let Some(offset) = html[at..]
        .find("<blockquote")
        .into_iter()
        .chain(html[at..].find("</blockquote>"))
        .min()
    {
        let position = at + offset;
        if html[position..].starts_with("</blockquote>") {
            depth = depth.saturating_sub(1);
            at = position + "</blockquote>".len();
            if depth == 0 {
                end_of_last = at;
            }
        } else {
            if depth == 0 {
                last_top = Some(position);
            }
            depth += 1;
            at = position + "<blockquote".len();
        }
    }
    let Some(start) = last_top.filter(|_| depth == 0 && end_of_last > 0) else {
        return (html.to_string(), None);
    };
    let tail = html[end_of_last..]
        .replace("<br>", "")
        .replace("</div>", "")
        .replace("</p>", "");
    let head = &html[..start];
    let head_has_text = head
        .split(['<', '>'])
        .enumerate()
        .any(|(i, part)| i % 2 == 0 && !part.trim().is_empty());
    if !tail.trim().is_empty() || !head_has_text {
        return (html.to_string(), None);
    }
    (head.to_string(), Some(html[start..end_of_last].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_images_puts_back_https_addresses_escaped_and_nothing_else() {
        let html = r#"<p>Hi</p><img src="/images/remote?src=https%3A%2F%2Fcdn.test%2Fa.png%3Fx%3D1%26y%3D%22%3E" alt="a"><img src="/images/remote?src=http%3A%2F%2Fplain.test%2Fb.png">"#;
        assert_eq!(
            with_remote_images(html),
            r#"<p>Hi</p><img src="https://cdn.test/a.png?x=1&amp;y=&quot;&gt;" alt="a"><img src="/images/remote?src=http%3A%2F%2Fplain.test%2Fb.png">"#
        );
        // The pattern inside text stays text: the decoded address is escaped.
        let text = r#"<p>src="/images/remote?src=https%3A%2F%2Fx.test%2F%3Cscript%3E"</p>"#;
        assert_eq!(
            with_remote_images(text),
            r#"<p>src="https://x.test/&lt;script&gt;"</p>"#
        );
        assert_eq!(with_remote_images("<p>none</p>"), "<p>none</p>");
    }

    #[test]
    fn quoted_history_at_the_end_is_split_off() {
        let (text, quoted) = split_quoted_text("Thanks!\n\nOn Mon, Tom wrote:\n> the printer\n> is broken\n");
        assert_eq!(text, "Thanks!");
        assert_eq!(
            quoted.as_deref(),
            Some("On Mon, Tom wrote:\n> the printer\n> is broken")
        );
        assert_eq!(split_quoted_text("> only a quote").1, None);
        assert_eq!(split_quoted_text("Hi\n> inline\nmore").1, None);

        let html = "<p>Fixed it.</p><p>On Mon, Tom wrote:</p><blockquote><p>old</p><blockquote>older</blockquote></blockquote><br>";
        let (head, quoted) = split_quoted_html(html);
        assert_eq!(head, "<p>Fixed it.</p><p>On Mon, Tom wrote:</p>");
        assert_eq!(
            quoted.as_deref(),
            Some("<blockquote><p>old</p><blockquote>older</blockquote></blockquote>")
        );
        // A quote in the middle, or with nothing before it, stays where it is.
        assert_eq!(split_quoted_html("<p>a</p><blockquote>q</blockquote><p>b</p>").1, None);
        assert_eq!(split_quoted_html("<blockquote>q</blockquote>").1, None);
        assert_eq!(split_quoted_html("<p>no quote</p>").1, None);
    }

    #[test]
    fn addresses_are_plain_and_header_safe() {
        for good in ["tom@example.com", "a.b+c@sub.example.co.uk", "ü@bücher.de"] {
            assert!(is_address(good), "{good}");
        }
        for bad in [
            "",
            "tom",
            "tom@",
            "@example.com",
            "tom@example",
            "tom@.example.com",
            "tom@example..com",
            "Tom <tom@example.com>",
            "tom@example.com\r\nBcc: evil@example.com",
            "to m@example.com",
            "tom@exa_mple.com",
        ] {
            assert!(!is_address(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_bad_recipient_is_named_on_its_field() {
        let content = DraftContent {
            cc: vec!["ok@example.com".into(), "not an address".into()],
            ..Default::default()
        };
        // A draft may hold it (still being typed); sending names it.
        assert!(check_content(&content).is_ok());
        let error = check_recipients(&content).unwrap_err();
        assert!(error
            .field_message("cc")
            .unwrap()
            .contains("\"not an address\" is not an email address"));
        let many = DraftContent {
            to: vec!["a@example.com".to_string(); MAX_RECIPIENTS + 1],
            ..Default::default()
        };
        assert!(check_content(&many).unwrap_err().field_message("to").is_some());
        let long = DraftContent {
            bcc: vec!["x".repeat(MAX_ADDRESS + 1)],
            ..Default::default()
        };
        assert!(check_content(&long).unwrap_err().field_message("bcc").is_some());
    }
}

/// A reply as sent: what was on screen at the click, and how the editor saw the ticket then
/// (for the collision check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendRequest {
    pub conversation_id: String,
    pub content: DraftContent,
    /// The status to set in the same action (send-and-set-status), if any.
    #[serde(default)]
    pub status_id: Option<String>,
    /// Values a conditional status requires, asked for in place.
    #[serde(default)]
    pub properties: Vec<crate::properties::model::PropertyValue>,
    /// The newest message the editor had loaded (`None`: none).
    #[serde(default)]
    pub seen_message_id: Option<String>,
    /// The ticket's status when the editor loaded.
    pub seen_status_id: String,
    /// "Send anyway": send even though the ticket changed meanwhile.
    #[serde(default)]
    pub force: bool,
}

/// The answer to a send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendOutcome {
    /// In the outbox; it goes out when the undo window ends.
    Scheduled { message_id: String, undo_until: i64 },
    /// Nothing was sent: the customer wrote again, another agent replied, or the status
    /// changed since the editor loaded. The composer shows what is new.
    Changed {
        new_messages: Vec<Message>,
        /// The status now, when it is not the one the editor saw.
        status_now: Option<String>,
    },
}

/// The help desk's reply settings (Settings > Email).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplySettings {
    /// How long a sent reply can be undone (0 to 60).
    pub undo_seconds: i64,
    /// "After an agent emails the customer, set the status to" (`None`: off).
    pub after_reply_status: Option<String>,
    /// "When the customer replies, set the status to" (`None`: off).
    #[serde(default)]
    pub customer_reply_status: Option<String>,
    /// The status names of every pipeline, to choose from (filled in by the server).
    #[serde(default)]
    pub status_names: Vec<String>,
}

/// An email an agent starts from a contact's page ("Send email", MISSION C2): it opens a
/// ticket named after its subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewEmail {
    pub contact_id: String,
    /// The connected address it goes out from.
    pub from_channel_id: String,
    /// One of the contact's addresses.
    pub to: String,
    pub subject: String,
    /// Plain text; each blank-line-separated part becomes a paragraph.
    pub body_text: String,
}

/// The longest message "Send email" takes.
pub const MAX_NEW_EMAIL_TEXT: usize = 100_000;

/// Plain text as reply HTML: escaped, paragraphs at blank lines, line breaks kept.
pub fn text_to_html(text: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.lines().map(escape).collect::<Vec<_>>().join("<br>")))
        .collect()
}
