//! Email channel settings as the admins' page and the composer see them. The password is
//! never among them: the browser only learns whether one is set.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// How the connection to the outgoing server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TlsMode {
    /// Plain SMTP (only for a server on the same machine or network).
    None,
    /// Plain connection upgraded with STARTTLS (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl TlsMode {
    pub const ALL: [TlsMode; 3] = [TlsMode::StartTls, TlsMode::Tls, TlsMode::None];

    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::None => "none",
            TlsMode::StartTls => "starttls",
            TlsMode::Tls => "tls",
        }
    }

    pub fn parse(value: &str) -> Option<TlsMode> {
        TlsMode::ALL.into_iter().find(|m| m.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            TlsMode::None => "None (plain SMTP)",
            TlsMode::StartTls => "STARTTLS",
            TlsMode::Tls => "TLS",
        }
    }
}

/// A connected team address, as admins see and edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailChannel {
    /// Empty for a channel an admin is creating.
    pub id: String,
    pub address: String,
    pub display_name: String,
    /// Added below every reply sent from it (HTML, sanitised like a reply).
    #[serde(default)]
    pub signature_html: String,
    /// The teams whose members may send from it (super admins may send from every one).
    #[serde(default)]
    pub team_ids: Vec<String>,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: TlsMode,
    #[serde(default)]
    pub smtp_user: String,
    /// A new password, or empty to keep the stored one. Never filled in by the server.
    #[serde(default)]
    pub smtp_password: String,
    /// Whether a password is stored.
    #[serde(default)]
    pub has_password: bool,
    /// Where new tickets from mail to this address land (`None`: the first pipeline's
    /// first status that takes new tickets).
    #[serde(default)]
    pub incoming_status_id: Option<String>,
    /// Mail to this address is not taken for now (the sender's server keeps it and retries).
    #[serde(default)]
    pub incoming_paused: bool,
    /// Whether the address has an endpoint token (mail may be posted to it).
    #[serde(default)]
    pub has_inbound_token: bool,
    /// The incoming server (IMAP) whose folder is followed; empty: none (mail may still be
    /// posted to the endpoint).
    #[serde(default)]
    pub imap: ImapFields,
}

/// An address's incoming server (IMAP), as admins see and edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImapFields {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: String,
    /// A new password, or empty to keep the stored one. Never filled in by the server.
    pub password: String,
    pub has_password: bool,
    pub folder: String,
    /// What went wrong the last time the mailbox was read (empty: nothing).
    pub last_error: String,
    /// When the mailbox was last read (ms since the epoch).
    pub checked_at: Option<i64>,
}

impl Default for ImapFields {
    fn default() -> ImapFields {
        ImapFields {
            host: String::new(),
            port: 993,
            tls: TlsMode::Tls,
            user: String::new(),
            password: String::new(),
            has_password: false,
            folder: "INBOX".into(),
            last_error: String::new(),
            checked_at: None,
        }
    }
}

/// Where a mail server or a provider's webhook posts raw messages for an address, and the
/// token that opens it (shown once, when it is made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundEndpoint {
    pub path: String,
    pub token: String,
}

/// The endpoint's path for the address `id`.
pub fn inbound_path(id: &str) -> String {
    format!("/inbound/email/{id}")
}

/// An address the composer may send from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendingAddress {
    pub id: String,
    pub address: String,
    pub display_name: String,
    pub signature_html: String,
}

impl SendingAddress {
    /// "Support <support@example.com>".
    pub fn label(&self) -> String {
        format!("{} <{}>", self.display_name, self.address)
    }
}

/// Limits of a channel's fields.
pub const MAX_DISPLAY_NAME: usize = 100;
pub const MAX_HOST: usize = 253;
pub const MAX_SMTP_USER: usize = 254;
pub const MAX_SMTP_PASSWORD: usize = 1_000;
pub const MAX_SIGNATURE_HTML: usize = 10_000;
pub const MAX_FOLDER: usize = 200;

fn check_host(host: &str, field: &'static str, message: &'static str) -> AppResult<()> {
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':')
    {
        return Err(AppError::validation(field, message));
    }
    Ok(())
}

/// Refuses an incoming server that cannot work (none at all is fine).
pub fn check_imap(imap: &ImapFields) -> AppResult<()> {
    use crate::limits;
    limits::text("imap_host", "The server name", &imap.host, MAX_HOST)?;
    limits::text("imap_user", "The user name", &imap.user, MAX_SMTP_USER)?;
    limits::text("imap_password", "The password", &imap.password, MAX_SMTP_PASSWORD)?;
    limits::text("imap_folder", "The folder", &imap.folder, MAX_FOLDER)?;
    if imap.host.trim().is_empty() {
        return Ok(());
    }
    check_host(
        imap.host.trim(),
        "imap_host",
        "Enter the incoming server's name, like imap.example.com.",
    )?;
    if imap.port == 0 {
        return Err(AppError::validation(
            "imap_port",
            "Enter the server's port: usually 993 (TLS) or 143 (STARTTLS).",
        ));
    }
    if imap.user.trim().is_empty() || imap.user.chars().any(char::is_control) {
        return Err(AppError::validation(
            "imap_user",
            "Enter the mailbox's user name (often the address itself).",
        ));
    }
    if imap.password.chars().any(|c| c == '\r' || c == '\n') {
        return Err(AppError::validation(
            "imap_password",
            "The password cannot hold line breaks.",
        ));
    }
    if imap.folder.trim().is_empty() || imap.folder.chars().any(char::is_control) {
        return Err(AppError::validation(
            "imap_folder",
            "Enter the folder to follow, usually INBOX.",
        ));
    }
    Ok(())
}

/// Refuses a channel that cannot work (named on its field).
pub fn check_channel(channel: &EmailChannel) -> AppResult<()> {
    use crate::limits;
    limits::text(
        "display_name",
        "The display name",
        &channel.display_name,
        MAX_DISPLAY_NAME,
    )?;
    limits::text("smtp_host", "The server name", &channel.smtp_host, MAX_HOST)?;
    limits::text("smtp_user", "The user name", &channel.smtp_user, MAX_SMTP_USER)?;
    limits::text(
        "smtp_password",
        "The password",
        &channel.smtp_password,
        MAX_SMTP_PASSWORD,
    )?;
    limits::text(
        "signature",
        "The signature",
        &channel.signature_html,
        MAX_SIGNATURE_HTML,
    )?;
    limits::list("teams", "teams", &channel.team_ids, 200)?;
    if !crate::conversations::model::is_address(channel.address.trim()) {
        return Err(AppError::validation(
            "address",
            "Enter the team's email address, like support@example.com.",
        ));
    }
    if channel.display_name.trim().is_empty() || channel.display_name.chars().any(char::is_control) {
        return Err(AppError::validation(
            "display_name",
            "Enter the name customers see, like \"Acme Support\".",
        ));
    }
    check_host(
        channel.smtp_host.trim(),
        "smtp_host",
        "Enter the outgoing server's name, like smtp.example.com.",
    )?;
    if channel.smtp_port == 0 {
        return Err(AppError::validation(
            "smtp_port",
            "Enter the server's port: usually 587 (STARTTLS) or 465 (TLS).",
        ));
    }
    if channel.smtp_user.chars().any(char::is_control) || channel.smtp_password.chars().any(|c| c == '\r' || c == '\n')
    {
        return Err(AppError::validation(
            "smtp_user",
            "The user name and password cannot hold line breaks.",
        ));
    }
    check_imap(&channel.imap)
}

/// A message in "Failed to import": kept whole until an admin retries or deletes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedImport {
    pub id: String,
    /// The address it came in by (`None`: since removed).
    pub address: Option<String>,
    pub reason: String,
    pub size: i64,
    pub subject: String,
    pub from_address: String,
    pub received_at: i64,
}

/// Where an admin views or downloads the kept original of a failed import.
pub fn failed_import_path(id: &str) -> String {
    format!("/admin/failed-imports/{id}/original")
}

/// "Failed to import" a page at a time.
pub const FAILED_IMPORTS_PAGE: usize = 50;

/// What a retry of a failed import came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RetryOutcome {
    /// Imported onto this ticket (new or existing).
    Imported { ticket_id: String },
    /// Already imported: the kept copy went.
    Duplicate { ticket_id: Option<String> },
    /// It still cannot be imported, for this reason (kept, once).
    StillFailing { reason: String },
}
