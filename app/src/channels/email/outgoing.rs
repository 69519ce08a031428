//! The mail a reply becomes, and its delivery over SMTP with `lettre`. Headers are built
//! from checked parts only (plain addresses, ids of our own making, text with control
//! characters removed): nothing a user typed can add a header.

use std::time::Duration;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::model::{SendingAddress, TlsMode};
use super::store::SmtpSettings;

/// One outgoing email, as the outbox holds it.
#[derive(Debug, Clone, Default)]
pub struct OutgoingMail {
    pub from_name: String,
    pub from_address: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    /// The whole subject (`reply_subject`).
    pub subject: String,
    /// Without angle brackets, like every id here.
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub ticket_number: i64,
    pub html: String,
    pub text: String,
    /// Files sent with it, in order.
    pub attachments: Vec<MailFile>,
}

/// A file of an outgoing email (name and type were cleaned when it was stored).
#[derive(Debug, Clone, Default)]
pub struct MailFile {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// `X-Switchboard-Ticket: 1042`: the ticket a reply belongs to, for incoming mail to find it.
#[derive(Clone)]
struct TicketHeader(String);

impl Header for TicketHeader {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Switchboard-Ticket")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(TicketHeader(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// A new Message-ID under the sending address's domain: `<random.t1042@example.com>`.
pub fn new_message_id(from_address: &str, ticket_number: i64) -> String {
    let domain = from_address.rsplit_once('@').map_or("switchboard.invalid", |(_, d)| d);
    format!("{}.t{ticket_number}@{domain}", crate::db::new_id())
}

/// The subject of a reply: `Re: <ticket name> [#1042]`, on one line.
pub fn reply_subject(ticket_name: &str, ticket_number: i64) -> String {
    format!("Re: {}", first_subject(ticket_name, ticket_number))
}

/// The subject of the first email of a conversation (nothing answered yet): the ticket's
/// name and reference, without "Re:".
pub fn first_subject(ticket_name: &str, ticket_number: i64) -> String {
    let name: String = ticket_name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let name = name.trim();
    let name = name.strip_prefix("Re: ").unwrap_or(name);
    format!("{name} [#{ticket_number}]")
}

/// Whether an id is one we can write between angle brackets (`local@domain`, visible ASCII).
fn is_msg_id(id: &str) -> bool {
    id.contains('@') && id.len() <= 250 && id.bytes().all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
}

fn mailbox(address: &str, name: Option<&str>) -> Result<Mailbox, String> {
    let parsed = address
        .parse()
        .map_err(|_| format!("{address:?} is not an email address"))?;
    Ok(Mailbox::new(
        name.map(|n| n.chars().filter(|c| !c.is_control()).collect()),
        parsed,
    ))
}

/// The RFC 5322 message: From, To, CC, BCC (envelope only), Subject, Message-ID,
/// In-Reply-To, References, the ticket header, multipart/alternative text and HTML, and
/// the files (multipart/mixed around it) when there are any.
pub fn build(mail: &OutgoingMail) -> Result<Message, String> {
    let mut builder = Message::builder()
        .from(mailbox(&mail.from_address, Some(&mail.from_name))?)
        .subject(
            mail.subject
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect::<String>(),
        )
        .message_id(Some(format!("<{}>", mail.message_id)))
        .header(TicketHeader(mail.ticket_number.to_string()));
    for to in &mail.to {
        builder = builder.to(mailbox(to, None)?);
    }
    for cc in &mail.cc {
        builder = builder.cc(mailbox(cc, None)?);
    }
    for bcc in &mail.bcc {
        builder = builder.bcc(mailbox(bcc, None)?);
    }
    if let Some(parent) = mail.in_reply_to.as_deref().filter(|id| is_msg_id(id)) {
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    let references: Vec<String> = mail
        .references
        .iter()
        .filter(|id| is_msg_id(id))
        .map(|id| format!("<{id}>"))
        .collect();
    if !references.is_empty() {
        builder = builder.references(references.join(" "));
    }
    let body = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(mail.text.clone()),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(html_document(&mail.html)),
        );
    if mail.attachments.is_empty() {
        return builder.multipart(body).map_err(|e| e.to_string());
    }
    let mut mixed = MultiPart::mixed().multipart(body);
    for file in &mail.attachments {
        let content_type = ContentType::parse(&file.content_type)
            .unwrap_or_else(|_| ContentType::parse("application/octet-stream").expect("a valid type"));
        mixed = mixed.singlepart(
            lettre::message::Attachment::new(file.file_name.clone()).body(file.bytes.clone(), content_type),
        );
    }
    builder.multipart(mixed).map_err(|e| e.to_string())
}

/// Sanitised reply HTML in a minimal document.
fn html_document(body: &str) -> String {
    format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>{body}</body></html>")
}

/// Why a delivery failed, in plain words, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    pub permanent: bool,
    pub reason: String,
}

fn transport(settings: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, DeliveryError> {
    let tls_parameters = || {
        TlsParameters::new(settings.host.clone()).map_err(|e| DeliveryError {
            permanent: true,
            reason: format!("TLS could not be set up for {}: {e}", settings.host),
        })
    };
    let tls = match settings.tls {
        TlsMode::None => Tls::None,
        TlsMode::StartTls => Tls::Required(tls_parameters()?),
        TlsMode::Tls => Tls::Wrapper(tls_parameters()?),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.as_str())
        .port(settings.port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(30)));
    if !settings.user.is_empty() {
        builder = builder.credentials(Credentials::new(
            settings.user.clone(),
            settings.password.clone().unwrap_or_default(),
        ));
    }
    Ok(builder.build())
}

/// Says in plain words what went wrong talking to `host` (DNS, refused, TLS,
/// authentication, the server's own answer).
fn describe(host: &str, port: u16, error: &lettre::transport::smtp::Error) -> DeliveryError {
    let mut chain = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    let lower = chain.to_lowercase();
    let code = error.status().map(|c| c.to_string());
    let (permanent, reason) = if code
        .as_deref()
        .is_some_and(|c| c.starts_with("535") || c.starts_with("534"))
    {
        (true, format!("{host} refused the user name or password ({chain})"))
    } else if error.is_permanent() {
        (true, format!("{host} refused the message: {chain}"))
    } else if error.is_transient() {
        (false, format!("{host} asked to try later: {chain}"))
    } else if lower.contains("failed to lookup")
        || lower.contains("name or service not known")
        || lower.contains("no such host")
    {
        (
            false,
            format!("the server name {host} could not be found (DNS): {chain}"),
        )
    } else if lower.contains("connection refused") {
        (false, format!("{host} refused the connection on port {port}: {chain}"))
    } else if error.is_timeout() || lower.contains("timed out") {
        (false, format!("{host} did not answer in time: {chain}"))
    } else if error.is_tls() || lower.contains("tls") || lower.contains("certificate") {
        (false, format!("a secure (TLS) connection to {host} failed: {chain}"))
    } else {
        (false, format!("sending through {host} failed: {chain}"))
    };
    DeliveryError { permanent, reason }
}

/// Delivers one message through the channel's outgoing server.
pub async fn deliver(settings: &SmtpSettings, message: Message) -> Result<(), DeliveryError> {
    if !settings.user.is_empty() && settings.password.is_none() {
        return Err(DeliveryError {
            permanent: true,
            reason: "the channel's password cannot be read (the server's secret key changed): enter it again in Settings > Email".into(),
        });
    }
    let transport = transport(settings)?;
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| describe(&settings.host, settings.port, &e))
}

/// "Send test email": a short message from the channel to its own address.
pub async fn send_test(address: &SendingAddress, settings: &SmtpSettings) -> Result<(), DeliveryError> {
    let message = Message::builder()
        .from(
            mailbox(&address.address, Some(&address.display_name)).map_err(|reason| DeliveryError {
                permanent: true,
                reason,
            })?,
        )
        .to(mailbox(&address.address, None).map_err(|reason| DeliveryError {
            permanent: true,
            reason,
        })?)
        .subject("Switchboard test email")
        .message_id(Some(format!("<{}>", new_message_id(&address.address, 0))))
        .body("This is a test from Switchboard: the outgoing server of this address works.".to_string())
        .map_err(|e| DeliveryError {
            permanent: true,
            reason: e.to_string(),
        })?;
    deliver(settings, message).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> OutgoingMail {
        OutgoingMail {
            from_name: "Acme Support".into(),
            from_address: "support@acme.test".into(),
            to: vec!["tom@initech.test".into()],
            cc: vec!["finance@initech.test".into()],
            bcc: vec!["audit@acme.test".into()],
            subject: reply_subject("Invoice shows the wrong VAT number", 1042),
            message_id: "abc.t1042@acme.test".into(),
            in_reply_to: Some("orig-1@initech.test".into()),
            references: vec!["orig-0@initech.test".into(), "orig-1@initech.test".into()],
            ticket_number: 1042,
            html: "<p>Hello <b>Tom</b></p>".into(),
            text: "Hello Tom".into(),
            attachments: Vec::new(),
        }
    }

    #[test]
    fn a_reply_is_a_proper_threaded_email() {
        let formatted = String::from_utf8(build(&mail()).unwrap().formatted()).unwrap();
        for header in [
            "From: \"Acme Support\" <support@acme.test>",
            "To: tom@initech.test",
            "Cc: finance@initech.test",
            "Subject: Re: Invoice shows the wrong VAT number [#1042]",
            "Message-ID: <abc.t1042@acme.test>",
            "In-Reply-To: <orig-1@initech.test>",
            "References: <orig-0@initech.test> <orig-1@initech.test>",
            "X-Switchboard-Ticket: 1042",
            "multipart/alternative",
            "text/plain",
            "text/html",
        ] {
            assert!(formatted.contains(header), "{header} missing from:\n{formatted}");
        }
        assert!(!formatted.contains("audit@acme.test"), "BCC stays out of the headers");
    }

    #[test]
    fn nothing_typed_adds_a_header() {
        let mut hostile = mail();
        hostile.subject = "Hi\r\nBcc: evil@evil.test".into();
        hostile.from_name = "Support\r\nX-Evil: 1".into();
        hostile.in_reply_to = Some("x@y>\r\nBcc: evil@evil.test".into());
        let formatted = String::from_utf8(build(&hostile).unwrap().formatted()).unwrap();
        assert!(!formatted.contains("\r\nBcc: evil"), "{formatted}");
        assert!(!formatted.contains("\r\nX-Evil"), "{formatted}");
        assert!(!formatted.contains("In-Reply-To"), "an id that is not one is left out");
        hostile.to = vec!["evil@evil.test\r\nBcc: x@y.test".into()];
        assert!(build(&hostile).is_err());
    }

    #[test]
    fn files_go_in_a_mixed_part_beside_the_text_and_html() {
        let mut with_files = mail();
        with_files.attachments = vec![MailFile {
            file_name: "résumé.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: vec![0x25, 0x50, 0xff, 0x00, 0x81],
        }];
        let formatted = String::from_utf8(build(&with_files).unwrap().formatted()).unwrap();
        assert!(formatted.contains("multipart/mixed"), "{formatted}");
        assert!(formatted.contains("multipart/alternative"), "{formatted}");
        assert!(formatted.contains("Content-Type: application/pdf"), "{formatted}");
        assert!(formatted.contains("Content-Disposition: attachment"), "{formatted}");
        assert!(formatted.contains("JVD/AIE="), "the bytes, base64: {formatted}");
        assert!(!String::from_utf8(build(&mail()).unwrap().formatted())
            .unwrap()
            .contains("multipart/mixed"));
    }

    #[test]
    fn subjects_are_one_line_with_the_ticket_number() {
        assert_eq!(reply_subject("Re: Printer\njammed", 7), "Re: Printer jammed [#7]");
    }
}
