//! The IMAP side of an address: connecting (plain, STARTTLS or TLS by rustls on ring),
//! logging in, and "Test connection", whose failures are told in plain words. The follower
//! that reads new mail with these sessions is `follow`.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::channels::email::model::TlsMode;

/// How long connecting, the TLS handshake and logging in may take each.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// How to reach an address's mailbox, password opened.
#[derive(Clone, PartialEq, Eq)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: String,
    /// `None` when none is stored, or when it was sealed under another secret key.
    pub password: Option<String>,
    pub folder: String,
}

impl std::fmt::Debug for ImapSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

/// A connection to an IMAP server, encrypted or not.
#[derive(Debug)]
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

pub type Session = async_imap::Session<Stream>;

/// Why a mailbox could not be read, in words an admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ImapError(pub String);

fn timed_out(what: &str, settings: &ImapSettings) -> ImapError {
    ImapError(format!(
        "{what} {}:{} took longer than {} seconds. Check the server name, the port and any firewall.",
        settings.host,
        settings.port,
        CONNECT_TIMEOUT.as_secs()
    ))
}

/// What went wrong with the server after connecting, for an admin.
pub fn explain(error: &async_imap::error::Error) -> ImapError {
    use async_imap::error::Error;
    ImapError(match error {
        Error::Io(e) => format!("The connection to the IMAP server broke ({e}). It is tried again shortly."),
        Error::ConnectionLost => "The IMAP server closed the connection. It is tried again shortly.".into(),
        Error::No(text) | Error::Bad(text) => format!("The IMAP server refused: {}", text.trim()),
        Error::Parse(_) => "The IMAP server sent an answer that could not be read.".into(),
        Error::Validate(_) => "The folder or user name holds characters IMAP does not allow.".into(),
        Error::Append => "The IMAP server refused to store a message.".into(),
        other => format!("The IMAP server could not be used: {other}."),
    })
}

fn tls_connector() -> Result<tokio_rustls::TlsConnector, ImapError> {
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ImapError(format!("TLS could not be set up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

async fn wrap_tls(settings: &ImapSettings, tcp: TcpStream) -> Result<Stream, ImapError> {
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(settings.host.clone())
        .map_err(|_| ImapError(format!("\"{}\" is not a server name TLS can check.", settings.host)))?;
    let connector = tls_connector()?;
    match tokio::time::timeout(CONNECT_TIMEOUT, connector.connect(name, tcp)).await {
        Err(_) => Err(timed_out("The TLS handshake with", settings)),
        Ok(Err(e)) => Err(ImapError(format!(
            "The TLS handshake with {} failed ({e}). Check the TLS mode: port 993 is usually TLS, 143 STARTTLS.",
            settings.host
        ))),
        Ok(Ok(tls)) => Ok(Stream::Tls(Box::new(tls))),
    }
}

async fn greeting(client: &mut async_imap::Client<Stream>, settings: &ImapSettings) -> Result<(), ImapError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, client.read_response()).await {
        Err(_) => Err(timed_out("Waiting for the greeting of", settings)),
        Ok(Ok(Some(_))) => Ok(()),
        Ok(_) => Err(ImapError(format!(
            "{}:{} closed the connection without greeting: is it an IMAP server? Check the port and the TLS mode.",
            settings.host, settings.port
        ))),
    }
}

/// Connects and logs in; the session has no folder selected yet.
pub async fn connect(settings: &ImapSettings) -> Result<Session, ImapError> {
    let password = settings.password.as_deref().ok_or_else(|| {
        ImapError("No IMAP password is stored (or it was sealed under another secret key): enter it again.".into())
    })?;
    let address = (settings.host.as_str(), settings.port);
    let tcp = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address)).await {
        Err(_) => return Err(timed_out("Connecting to", settings)),
        Ok(Err(e)) => {
            return Err(ImapError(format!(
                "Could not reach {}:{} ({e}). Check the server name and the port.",
                settings.host, settings.port
            )))
        }
        Ok(Ok(tcp)) => tcp,
    };
    let _ = tcp.set_nodelay(true);
    let mut client = match settings.tls {
        TlsMode::Tls => async_imap::Client::new(wrap_tls(settings, tcp).await?),
        TlsMode::None => async_imap::Client::new(Stream::Plain(tcp)),
        TlsMode::StartTls => {
            let mut plain = async_imap::Client::new(Stream::Plain(tcp));
            greeting(&mut plain, settings).await?;
            match tokio::time::timeout(CONNECT_TIMEOUT, plain.run_command_and_check_ok("STARTTLS", None)).await {
                Err(_) => return Err(timed_out("STARTTLS with", settings)),
                Ok(Err(e)) => {
                    return Err(ImapError(format!(
                        "{} does not offer STARTTLS ({}). Choose TLS (port 993) or ask the provider.",
                        settings.host,
                        explain(&e)
                    )))
                }
                Ok(Ok(())) => {}
            }
            let Stream::Plain(tcp) = plain.into_inner() else {
                unreachable!("the stream before STARTTLS is plain")
            };
            async_imap::Client::new(wrap_tls(settings, tcp).await?)
        }
    };
    if settings.tls != TlsMode::StartTls {
        greeting(&mut client, settings).await?;
    }
    match tokio::time::timeout(CONNECT_TIMEOUT, client.login(&settings.user, password)).await {
        Err(_) => Err(timed_out("Logging in to", settings)),
        Ok(Err((async_imap::error::Error::No(_), _))) => Err(ImapError(format!(
            "{} refused the user name or the password. Check both (some providers need an app password).",
            settings.host
        ))),
        Ok(Err((e, _))) => Err(explain(&e)),
        Ok(Ok(session)) => Ok(session),
    }
}

/// Whether the server offers IDLE (new mail is then pushed instead of polled for).
pub async fn offers_idle(session: &mut Session) -> Result<bool, ImapError> {
    let capabilities = session.capabilities().await.map_err(|e| explain(&e))?;
    Ok(capabilities.has_str("IDLE"))
}

/// Connects, logs in and opens the folder read-only: what "Test connection" reports.
pub async fn test_connection(settings: &ImapSettings) -> Result<String, ImapError> {
    let mut session = connect(settings).await?;
    let idle = offers_idle(&mut session).await?;
    let mailbox = session.examine(&settings.folder).await.map_err(|e| match e {
        async_imap::error::Error::No(_) => ImapError(format!(
            "Logged in, but the folder \"{}\" does not exist on the server. Check its name (usually INBOX).",
            settings.folder
        )),
        other => explain(&other),
    })?;
    let _ = session.logout().await;
    Ok(format!(
        "Connected and logged in. \"{}\" holds {} message{}; new mail is {}.",
        settings.folder,
        mailbox.exists,
        if mailbox.exists == 1 { "" } else { "s" },
        if idle {
            "pushed by the server (IDLE)"
        } else {
            "checked every minute"
        }
    ))
}
