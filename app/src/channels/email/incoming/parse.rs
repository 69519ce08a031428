//! What an incoming message says, read with `mail-parser` into plain values: ids for
//! threading, sender and recipients, subject, bodies, files, whether a machine sent it, and
//! for a delivery report (DSN) the message of ours that bounced. Nothing here touches the
//! database; every field is cut to our limits, so a hostile message cannot grow a row.

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};

/// How long an id, a name or a subject may be once read (longer ones are cut).
const MAX_ID: usize = 250;
const MAX_NAME: usize = 200;
pub const MAX_SUBJECT: usize = 500;
/// At most this many ids of References are kept (the newest).
const MAX_REFERENCES: usize = 50;
/// At most this many recipients per field are kept.
const MAX_RECIPIENTS: usize = 100;
/// The text body kept (the original is kept whole beside it).
pub const MAX_BODY: usize = 1_000_000;

/// A sender or recipient: the address lower-cased, the display name as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub address: String,
    pub name: Option<String>,
}

/// Why no person wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoKind {
    /// Out-of-office and other automatic answers (Auto-Submitted, X-Autoreply, ...).
    AutoReply,
    /// Newsletters, lists and other bulk mail (Precedence, List-Id).
    Bulk,
    /// A delivery status report: a message could not be delivered.
    Bounce,
}

impl AutoKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AutoKind::AutoReply => "auto-reply",
            AutoKind::Bulk => "bulk",
            AutoKind::Bounce => "bounce",
        }
    }
}

/// A file of the message (`inline` ones with a Content-ID are shown inside its HTML).
#[derive(Debug, Clone)]
pub struct IncomingFile {
    pub file_name: String,
    pub content_type: String,
    pub content_id: Option<String>,
    pub inline: bool,
    pub bytes: Vec<u8>,
}

/// A report that a message of ours could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    /// The Message-ID of the message that bounced, when the report names it.
    pub original_message_id: Option<String>,
    /// What the receiving server said, in its words ("550 5.1.1 User unknown").
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct IncomingMail {
    /// Without angle brackets. A message without one gets `<sha256>@no-message-id.invalid`,
    /// so the same bytes delivered twice are still one message.
    pub message_id: String,
    pub in_reply_to: Vec<String>,
    /// Oldest first.
    pub references: Vec<String>,
    pub from: Option<Person>,
    pub reply_to: Option<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub subject: String,
    /// Milliseconds since the epoch, when the Date header could be read.
    pub date: Option<i64>,
    pub text: String,
    /// The HTML body as sent (not yet sanitised).
    pub html: Option<String>,
    pub files: Vec<IncomingFile>,
    pub auto: Option<AutoKind>,
    pub bounce: Option<Bounce>,
    /// `X-Switchboard-Ticket`, or `[#1042]` in the subject.
    pub ticket_reference: Option<i64>,
    /// For "Fwd:" mail: who wrote the forwarded message.
    pub forwarded_from: Option<Person>,
    /// The header block exactly as received (for "Show original" and the record).
    pub raw_headers: String,
}

/// Why a message could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    Empty,
    NotAMessage,
}

impl Unreadable {
    pub fn reason(&self) -> &'static str {
        match self {
            Unreadable::Empty => "The message was empty.",
            Unreadable::NotAMessage => "This is not an email message: no headers could be read.",
        }
    }
}

fn cut(text: &str, chars: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .take(chars)
        .collect()
}

fn one_line(text: &str, chars: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    flat.chars().take(chars).collect()
}

/// An id as we store it: no brackets or spaces, visible ASCII, at most `MAX_ID` bytes.
fn clean_id(id: &str) -> Option<String> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>').trim();
    (!id.is_empty() && id.len() <= MAX_ID && id.bytes().all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>'))
        .then(|| id.to_string())
}

fn ids(value: &HeaderValue) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => clean_id(id).into_iter().collect(),
        HeaderValue::TextList(list) => list.iter().filter_map(|id| clean_id(id)).collect(),
        _ => Vec::new(),
    }
}

fn person(address: &str, name: Option<&str>) -> Option<Person> {
    let address = address.trim().to_lowercase();
    if !crate::conversations::model::is_address(&address) {
        return None;
    }
    let name = name
        .map(|n| one_line(n.trim_matches('"'), MAX_NAME))
        .filter(|n| !n.is_empty() && *n != address);
    Some(Person { address, name })
}

fn people(address: Option<&Address>) -> Vec<Person> {
    let Some(address) = address else {
        return Vec::new();
    };
    let mut found: Vec<Person> = Vec::new();
    for addr in address.iter() {
        if let Some(p) = addr.address.as_deref().and_then(|a| person(a, addr.name.as_deref())) {
            if !found.iter().any(|f| f.address == p.address) {
                found.push(p);
            }
        }
        if found.len() == MAX_RECIPIENTS {
            break;
        }
    }
    found
}

/// `[#1042]` in a subject.
pub fn subject_reference(subject: &str) -> Option<i64> {
    let start = subject.rfind("[#")?;
    let rest = &subject[start + 2..];
    let end = rest.find(']')?;
    let digits = &rest[..end];
    (!digits.is_empty() && digits.len() <= 12 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The subject without reply and forward prefixes and our `[#1042]`: a new ticket's name.
pub fn ticket_name(subject: &str) -> String {
    let mut name = subject.trim();
    if let Some(start) = name.rfind("[#") {
        if name[start..]
            .find(']')
            .is_some_and(|end| subject_reference(&name[start..start + end + 1]).is_some())
        {
            let end = start + name[start..].find(']').unwrap_or(0) + 1;
            let without = format!("{}{}", &name[..start], &name[end..]);
            return ticket_name(&without);
        }
    }
    loop {
        let lower = name.to_lowercase();
        let prefix = ["re:", "aw:", "sv:", "fwd:", "fw:", "wg:", "tr:", "rv:"]
            .into_iter()
            .find(|p| lower.starts_with(p));
        match prefix {
            Some(p) => name = name[p.len()..].trim_start(),
            None => break,
        }
    }
    let name = one_line(name, crate::tickets::model::MAX_TICKET_NAME);
    if name.is_empty() {
        "(no subject)".to_string()
    } else {
        name
    }
}

/// Whether a subject says the message is a forward.
pub fn is_forward(subject: &str) -> bool {
    let lower = subject.trim().to_lowercase();
    ["fwd:", "fw:", "wg:", "tr:", "i:", "rv:"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// The first "From: Name <address>" line of a forwarded message's quoted header block.
fn forwarded_sender(text: &str) -> Option<Person> {
    for line in text.lines().take(400) {
        let line = line.trim_start_matches(['>', ' ', '*']).trim();
        let lower = line.to_lowercase();
        let rest = ["from:", "von:", "de :", "de:", "van:", "da:"]
            .iter()
            .find(|p| lower.starts_with(**p))
            .map(|p| line[p.len()..].trim());
        let Some(rest) = rest else { continue };
        let rest = rest.trim_matches('*').trim();
        if let (Some(open), Some(close)) = (rest.rfind('<'), rest.rfind('>')) {
            if open < close {
                let name = rest[..open].trim().trim_matches('"').trim();
                if let Some(p) = person(&rest[open + 1..close], (!name.is_empty()).then_some(name)) {
                    return Some(p);
                }
            }
        }
        // "From: mary@example.com" or "From: Mary [mailto:mary@example.com]".
        let address = rest
            .split(|c: char| c.is_whitespace() || c == '[' || c == ']')
            .map(|w| w.trim_start_matches("mailto:"))
            .find(|w| w.contains('@'));
        if let Some(p) = address.and_then(|a| person(a, None)) {
            return Some(p);
        }
    }
    None
}

fn header_text<'a>(message: &'a mail_parser::Message, name: &'static str) -> Option<&'a str> {
    message.header_raw(name).map(str::trim)
}

/// Auto-Submitted other than "no", X-Autoreply, X-Autorespond, Precedence auto_reply, a
/// mailer-daemon sender: automatic. Precedence bulk/list/junk or List-Id: bulk.
fn automatic(message: &mail_parser::Message, from: Option<&Person>) -> Option<AutoKind> {
    let lower = |name: &'static str| header_text(message, name).map(str::to_lowercase);
    let from_daemon = from.is_some_and(|f| {
        let local = f.address.split('@').next().unwrap_or_default();
        local == "mailer-daemon" || local == "postmaster"
    });
    let is_report = message.content_type().is_some_and(|t| {
        t.ctype().eq_ignore_ascii_case("multipart") && t.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    if is_report
        || (from_daemon
            && message.subject().is_some_and(|s| {
                let s = s.to_lowercase();
                s.contains("undeliver") || s.contains("delivery") || s.contains("returned") || s.contains("failure")
            }))
    {
        return Some(AutoKind::Bounce);
    }
    if lower("auto-submitted").is_some_and(|v| !v.starts_with("no"))
        || message.header_raw("x-autoreply").is_some()
        || message.header_raw("x-autorespond").is_some()
        || lower("x-auto-response-suppress").is_some_and(|v| v.contains("all") || v.contains("oof"))
        || lower("precedence").is_some_and(|v| v.starts_with("auto_reply"))
        || from_daemon
    {
        return Some(AutoKind::AutoReply);
    }
    if lower("precedence").is_some_and(|v| v.starts_with("bulk") || v.starts_with("list") || v.starts_with("junk"))
        || message.header_raw("list-id").is_some()
        || message.header_raw("list-unsubscribe").is_some()
    {
        return Some(AutoKind::Bulk);
    }
    None
}

/// The original message and the server's words in a delivery report: the
/// message/delivery-status part's Diagnostic-Code or Status, and the Message-ID of the
/// returned message or headers.
fn bounce_of(message: &mail_parser::Message, text: &str) -> Bounce {
    let mut reason = String::new();
    let mut original = None;
    for part in message.parts.iter() {
        let kind = part
            .content_type()
            .map(|t| format!("{}/{}", t.ctype(), t.subtype().unwrap_or_default()).to_lowercase());
        match (&part.body, kind.as_deref()) {
            (PartType::Message(returned), _) if original.is_none() => {
                original = returned.message_id().and_then(clean_id);
            }
            (_, Some("message/delivery-status" | "message/global-delivery-status")) => {
                let status = String::from_utf8_lossy(part.contents());
                for line in status.lines() {
                    let lower = line.to_lowercase();
                    if lower.starts_with("diagnostic-code:") {
                        reason = one_line(line["diagnostic-code:".len()..].trim(), 500);
                        reason = reason
                            .strip_prefix("smtp;")
                            .map(str::trim)
                            .unwrap_or(&reason)
                            .to_string();
                    } else if lower.starts_with("status:") && reason.is_empty() {
                        reason = format!("Status {}", one_line(line["status:".len()..].trim(), 50));
                    }
                }
            }
            (_, Some("text/rfc822-headers" | "text/rfc822-header")) if original.is_none() => {
                let headers = String::from_utf8_lossy(part.contents());
                original = headers
                    .lines()
                    .find(|l| l.to_lowercase().starts_with("message-id:"))
                    .and_then(|l| clean_id(&l["message-id:".len()..]));
            }
            _ => {}
        }
    }
    if original.is_none() {
        // Reports without a machine part often quote the returned headers in their text.
        original = text
            .lines()
            .find(|l| l.trim_start().to_lowercase().starts_with("message-id:"))
            .and_then(|l| clean_id(&l.trim_start()["message-id:".len()..]));
    }
    if reason.is_empty() {
        reason = text
            .lines()
            .map(str::trim)
            .find(|l| {
                l.len() > 10
                    && (l.starts_with('5') || l.starts_with('4'))
                    && l.as_bytes().get(1).is_some_and(u8::is_ascii_digit)
            })
            .map(|l| one_line(l, 500))
            .unwrap_or_else(|| "The receiving server did not accept the message.".to_string());
    }
    Bounce {
        original_message_id: original,
        reason,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn file_name_of(part: &mail_parser::MessagePart, content_type: &str, n: usize) -> String {
    let name = part.attachment_name().map(|n| one_line(n, 200)).unwrap_or_default();
    let name: String = name.chars().filter(|c| !matches!(c, '/' | '\\' | '\0')).collect();
    if name.trim().is_empty() {
        let extension = content_type.split('/').nth(1).unwrap_or("bin");
        format!(
            "attachment-{}.{}",
            n + 1,
            extension
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(10)
                .collect::<String>()
        )
    } else {
        name
    }
}

/// Reads one raw RFC 5322 message. Anything with a header block is read, however broken its
/// other parts (an unknown charset becomes replacement characters, not an error).
pub fn parse(raw: &[u8]) -> Result<IncomingMail, Unreadable> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(Unreadable::Empty);
    }
    let message = MessageParser::default().parse(raw).ok_or(Unreadable::NotAMessage)?;
    if message.headers().is_empty() {
        return Err(Unreadable::NotAMessage);
    }
    let header_end = message.root_part().raw_body_offset() as usize;
    let raw_headers = String::from_utf8_lossy(&raw[..header_end.min(raw.len())]).into_owned();
    let from = people(message.from())
        .into_iter()
        .next()
        .or_else(|| people(message.sender()).into_iter().next());
    let reply_to = people(message.reply_to()).into_iter().next();
    let subject = one_line(message.subject().unwrap_or_default(), MAX_SUBJECT);
    // Only a real text/html part: mail-parser makes HTML of a plain text body too.
    let html = message
        .html_part(0)
        .filter(|part| part.is_text_html())
        .and_then(|part| part.text_contents())
        .map(str::to_string)
        .filter(|h| !h.trim().is_empty());
    let mut text = message.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    if text.trim().is_empty() {
        if let Some(html) = &html {
            text = crate::conversations::html::to_text(&crate::conversations::html::sanitise(html));
        }
    }
    let text = cut(&text.replace("\r\n", "\n"), MAX_BODY);
    let auto = automatic(&message, from.as_ref());
    let bounce = (auto == Some(AutoKind::Bounce)).then(|| bounce_of(&message, &text));
    let mut files = Vec::new();
    for (n, part) in message.attachments().enumerate() {
        let content_type = part
            .content_type()
            .map(|t| format!("{}/{}", t.ctype(), t.subtype().unwrap_or("octet-stream")).to_lowercase())
            .unwrap_or_else(|| "application/octet-stream".to_string());
        let bytes = match &part.body {
            PartType::Message(inner) => inner.raw_message().to_vec(),
            _ => part.contents().to_vec(),
        };
        let content_id = part.content_id().and_then(clean_id);
        let inline = content_id.is_some()
            && part.content_disposition().is_none_or(|d| !d.is_attachment())
            && content_type.starts_with("image/");
        files.push(IncomingFile {
            file_name: file_name_of(part, &content_type, n),
            content_type: one_line(&content_type, 100),
            content_id,
            inline,
            bytes,
        });
    }
    let ticket_reference = header_text(&message, "x-switchboard-ticket")
        .and_then(|v| v.parse().ok())
        .or_else(|| subject_reference(&subject));
    let forwarded_from = is_forward(&subject)
        .then(|| {
            message
                .attachments()
                .find_map(|part| match &part.body {
                    PartType::Message(inner) => people(inner.from()).into_iter().next(),
                    _ => None,
                })
                .or_else(|| forwarded_sender(&text))
        })
        .flatten();
    let mut references = ids(message.references());
    if references.len() > MAX_REFERENCES {
        references.drain(..references.len() - MAX_REFERENCES);
    }
    Ok(IncomingMail {
        message_id: message
            .message_id()
            .and_then(clean_id)
            .unwrap_or_else(|| format!("{}@no-message-id.invalid", sha256_hex(raw))),
        in_reply_to: ids(message.in_reply_to()),
        references,
        to: people(message.to()),
        cc: people(message.cc()),
        date: message.date().map(|d| d.to_timestamp().saturating_mul(1000)),
        subject,
        text,
        html,
        files,
        auto,
        bounce,
        ticket_reference,
        forwarded_from,
        raw_headers,
        from,
        reply_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_tickets_without_prefixes_or_our_reference() {
        assert_eq!(ticket_name("Re: AW: Printer jammed [#1042]"), "Printer jammed");
        assert_eq!(ticket_name("Fwd: Invoice"), "Invoice");
        assert_eq!(ticket_name("   "), "(no subject)");
        assert_eq!(subject_reference("Re: x [#1042]"), Some(1042));
        assert_eq!(subject_reference("Re: x [#abc]"), None);
        assert_eq!(subject_reference("[#99999999999999999999]"), None);
    }

    #[test]
    fn a_plain_message_is_read_with_its_ids_people_and_text() {
        let raw = b"From: \"Mary Jones\" <Mary@Example.COM>\r\nTo: support@acme.test, Bob <bob@acme.test>\r\nCc: pat@example.com\r\nSubject: Re: Printer [#1042]\r\nMessage-ID: <abc@example.com>\r\nIn-Reply-To: <x.t1042@acme.test>\r\nReferences: <first@example.com> <x.t1042@acme.test>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nIt still jams.\r\n";
        let mail = parse(raw).unwrap();
        assert_eq!(mail.message_id, "abc@example.com");
        assert_eq!(mail.in_reply_to, vec!["x.t1042@acme.test"]);
        assert_eq!(mail.references, vec!["first@example.com", "x.t1042@acme.test"]);
        assert_eq!(
            mail.from,
            Some(Person {
                address: "mary@example.com".into(),
                name: Some("Mary Jones".into())
            })
        );
        assert_eq!(mail.to.len(), 2);
        assert_eq!(mail.cc[0].address, "pat@example.com");
        assert_eq!(mail.ticket_reference, Some(1042));
        assert_eq!(mail.text.trim(), "It still jams.");
        assert_eq!(mail.date, Some(1_796_119_200_000));
        assert_eq!(mail.auto, None);
        assert!(mail.raw_headers.contains("Message-ID: <abc@example.com>"));
    }

    #[test]
    fn a_message_without_an_id_gets_one_from_its_bytes() {
        let raw = b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
        let first = parse(raw).unwrap().message_id;
        assert!(first.ends_with("@no-message-id.invalid"));
        assert_eq!(parse(raw).unwrap().message_id, first);
        assert_ne!(
            parse(b"From: a@example.com\r\nSubject: hi\r\n\r\nother\r\n")
                .unwrap()
                .message_id,
            first
        );
    }

    #[test]
    fn machines_are_told_apart_from_people() {
        let with = |headers: &str| {
            parse(format!("From: a@example.com\r\n{headers}\r\nSubject: x\r\n\r\nbody").as_bytes())
                .unwrap()
                .auto
        };
        assert_eq!(with("Auto-Submitted: auto-replied"), Some(AutoKind::AutoReply));
        assert_eq!(with("Auto-Submitted: no"), None);
        assert_eq!(with("X-Autoreply: yes"), Some(AutoKind::AutoReply));
        assert_eq!(with("X-Autorespond: yes"), Some(AutoKind::AutoReply));
        assert_eq!(with("Precedence: bulk"), Some(AutoKind::Bulk));
        assert_eq!(with("Precedence: junk"), Some(AutoKind::Bulk));
        assert_eq!(with("List-Id: <news.example.com>"), Some(AutoKind::Bulk));
        assert_eq!(with("X-Mailer: Thunderbird"), None);
        let daemon = parse(b"From: MAILER-DAEMON@mx.example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\n550 5.1.1 <nobody@example.com>: User unknown\r\n").unwrap();
        assert_eq!(daemon.auto, Some(AutoKind::Bounce));
        assert_eq!(
            daemon.bounce.unwrap().reason,
            "550 5.1.1 <nobody@example.com>: User unknown"
        );
    }

    #[test]
    fn what_is_not_a_message_is_unreadable() {
        assert_eq!(parse(b"").unwrap_err(), Unreadable::Empty);
        assert_eq!(parse(b"  \r\n ").unwrap_err(), Unreadable::Empty);
    }

    #[test]
    fn a_forward_names_the_original_sender() {
        let raw = "From: Agent <agent@acme.test>\r\nSubject: Fwd: Broken invoice\r\n\r\nPlease help her.\r\n\r\n---------- Forwarded message ---------\r\nFrom: Mary Jones <mary@example.com>\r\nDate: Mon, 30 Nov 2026\r\nSubject: Broken invoice\r\n\r\nMy invoice is wrong.\r\n";
        let mail = parse(raw.as_bytes()).unwrap();
        assert_eq!(
            mail.forwarded_from,
            Some(Person {
                address: "mary@example.com".into(),
                name: Some("Mary Jones".into())
            })
        );
        let outlook = "From: agent@acme.test\r\nSubject: WG: Rechnung\r\n\r\n> Von: Hans [mailto:hans@example.de]\r\n> Gesendet: Montag\r\n";
        assert_eq!(
            parse(outlook.as_bytes()).unwrap().forwarded_from.unwrap().address,
            "hans@example.de"
        );
    }

    #[test]
    fn hostile_headers_are_cut_to_size_and_one_line() {
        let long = "x".repeat(5000);
        let raw = format!(
            "From: a@example.com\r\nSubject: {long}\r\nMessage-ID: <{long}@example.com>\r\nReferences: {}\r\n\r\nbody",
            (0..500)
                .map(|n| format!("<r{n}@example.com>"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let mail = parse(raw.as_bytes()).unwrap();
        assert_eq!(mail.subject.chars().count(), MAX_SUBJECT);
        assert!(
            mail.message_id.ends_with("@no-message-id.invalid"),
            "an over-long id is not ours to store"
        );
        assert_eq!(mail.references.len(), MAX_REFERENCES);
        assert_eq!(mail.references.last().unwrap(), "r499@example.com");
    }
}

/// Golden tests: each `.eml` in `golden/` beside the `.json` of what we read from it (run
/// with `UPDATE_GOLDEN=1` to write the `.json` files after a deliberate change, then review
/// the diff).
#[cfg(test)]
mod golden {
    use super::*;

    fn summary(mail: &IncomingMail) -> serde_json::Value {
        let inline: std::collections::HashMap<String, String> = mail
            .files
            .iter()
            .filter(|f| f.inline)
            .filter_map(|f| f.content_id.clone().map(|id| (id, "/files/ID/inline".to_string())))
            .collect();
        let html = mail
            .html
            .as_deref()
            .map(|h| crate::conversations::html::sanitise_incoming(h, &inline));
        serde_json::json!({
            "message_id": mail.message_id,
            "in_reply_to": mail.in_reply_to,
            "references": mail.references,
            "from": mail.from.as_ref().map(|p| serde_json::json!({ "address": p.address, "name": p.name })),
            "to": mail.to.iter().map(|p| p.address.clone()).collect::<Vec<_>>(),
            "cc": mail.cc.iter().map(|p| p.address.clone()).collect::<Vec<_>>(),
            "subject": mail.subject,
            "ticket_name": ticket_name(&mail.subject),
            "date": mail.date,
            "text": mail.text.trim(),
            "html": html.as_ref().map(|(h, _)| h.trim().to_string()),
            "remote_images": html.as_ref().is_some_and(|(_, r)| *r),
            "files": mail.files.iter().map(|f| serde_json::json!({
                "name": f.file_name, "type": f.content_type, "size": f.bytes.len(),
                "content_id": f.content_id, "inline": f.inline,
            })).collect::<Vec<_>>(),
            "auto": mail.auto.map(AutoKind::as_str),
            "bounce": mail.bounce.as_ref().map(|b| serde_json::json!({ "original": b.original_message_id, "reason": b.reason })),
            "ticket_reference": mail.ticket_reference,
        })
    }

    #[test]
    fn every_golden_message_reads_as_recorded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/channels/email/incoming/golden");
        let mut checked = 0;
        let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        names.sort();
        for path in names.into_iter().filter(|p| p.extension().is_some_and(|e| e == "eml")) {
            let raw = std::fs::read(&path).unwrap();
            let got = summary(&parse(&raw).unwrap_or_else(|e| panic!("{}: {e:?}", path.display())));
            let expected_path = path.with_extension("json");
            if std::env::var_os("UPDATE_GOLDEN").is_some() {
                std::fs::write(&expected_path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
            }
            let expected: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(&expected_path)
                    .unwrap_or_else(|_| panic!("{} has no .json beside it", path.display())),
            )
            .unwrap();
            assert_eq!(got, expected, "{}", path.display());
            checked += 1;
        }
        assert!(checked >= 8, "only {checked} golden messages");
    }
}

/// Malformed input: the golden messages cut, flipped and shuffled thousands of ways. Reading
/// never panics, and whatever it reads stays within our limits.
#[cfg(test)]
mod malformed {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn mutate(rng: &mut rand::rngs::StdRng, raw: &[u8]) -> Vec<u8> {
        let mut bytes = raw.to_vec();
        for _ in 0..rng.gen_range(1..8) {
            if bytes.is_empty() {
                break;
            }
            let at = rng.gen_range(0..bytes.len());
            match rng.gen_range(0..6) {
                0 => bytes[at] = rng.gen(),
                1 => bytes.truncate(at),
                2 => bytes.splice(at..at, b"\r\n".iter().copied()).for_each(drop),
                3 => bytes.splice(at..at, b"=?utf-8?B?////?=".iter().copied()).for_each(drop),
                4 => bytes
                    .splice(
                        at..at,
                        b"\r\n--B\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
                            .iter()
                            .copied(),
                    )
                    .for_each(drop),
                _ => {
                    let end = (at + rng.gen_range(0..64)).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    bytes.splice(at..at, copy).for_each(drop);
                }
            }
        }
        bytes
    }

    #[test]
    fn no_mutation_of_a_real_message_makes_reading_panic() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/channels/email/incoming/golden");
        let seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(12);
        let mut read = 0;
        for round in 0..4000 {
            let raw = mutate(&mut rng, &seeds[round % seeds.len()]);
            if let Ok(mail) = parse(&raw) {
                read += 1;
                assert!(mail.subject.chars().count() <= MAX_SUBJECT);
                assert!(mail.message_id.len() <= 250 || mail.message_id.ends_with("@no-message-id.invalid"));
                assert!(!mail.subject.contains(['\r', '\n']));
                if let Some(html) = &mail.html {
                    let (clean, _) = crate::conversations::html::sanitise_incoming(html, &Default::default());
                    assert!(!clean.contains("<script"), "{clean}");
                }
            }
        }
        assert!(read > 1000, "most mutations still read as messages ({read})");
    }
}
