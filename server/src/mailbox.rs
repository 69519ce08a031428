//! A small SMTP server on loopback that keeps what it receives: the demo's mailbox
//! (`demo-mailbox`, which also writes each message to a folder as an `.eml` file) and the
//! receiving end of the tests. It speaks the part of RFC 5321 a sending client uses
//! (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), with no
//! authentication and no TLS, over real TCP. It can be told to refuse mail with a code,
//! to play an outage (4xx) or a rejection (5xx).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub from: String,
    /// The envelope's recipients (To, CC and BCC alike).
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// The mailbox, shared between the server's connections and whoever reads it.
#[derive(Clone, Default)]
pub struct Mailbox {
    received: Arc<Mutex<Vec<Received>>>,
    /// 0: accept mail; otherwise the code to refuse it with (451: try later, 550: never).
    refusing: Arc<AtomicU16>,
    folder: Option<PathBuf>,
}

/// The most a message may hold (bigger ones are refused with 552).
const MAX_MESSAGE: usize = 40 * 1024 * 1024;

impl Mailbox {
    /// A mailbox that also writes every message to `folder` as `<n>.eml`.
    pub fn writing_to(folder: PathBuf) -> Mailbox {
        Mailbox {
            folder: Some(folder),
            ..Mailbox::default()
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Refuse messages with `code` from now on (0: accept again).
    pub fn refuse_with(&self, code: u16) {
        self.refusing.store(code, Ordering::SeqCst);
    }

    /// Serves SMTP on `listener` until the task is dropped.
    pub async fn serve(self, listener: TcpListener) {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let mailbox = self.clone();
            tokio::spawn(async move {
                let _ = mailbox.session(stream).await;
            });
        }
    }

    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 mailbox.switchboard.test ESMTP ready\r\n").await?;
        let (mut from, mut to) = (None::<String>, Vec::<String>::new());
        let mut line = Vec::new();
        loop {
            line.clear();
            if lines.read_until(b'\n', &mut line).await? == 0 {
                return Ok(());
            }
            let command = String::from_utf8_lossy(&line).trim_end().to_string();
            let verb = command.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" => b"250-mailbox.switchboard.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 41943040\r\n",
                "HELO" => b"250 mailbox.switchboard.test\r\n",
                "MAIL" => {
                    from = Some(path_of(&command));
                    to.clear();
                    b"250 OK\r\n"
                }
                "RCPT" if from.is_some() => {
                    to.push(path_of(&command));
                    b"250 OK\r\n"
                }
                "RCPT" => b"503 MAIL first\r\n",
                "DATA" if to.is_empty() => b"503 RCPT first\r\n",
                "DATA" => match self.refusing.load(Ordering::SeqCst) {
                    0 => {
                        write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                        let data = read_data(&mut lines).await?;
                        let reply: &[u8] = match data {
                            None => b"552 Message too big\r\n",
                            Some(data) => {
                                let message = Received {
                                    from: from.take().unwrap_or_default(),
                                    to: std::mem::take(&mut to),
                                    data,
                                };
                                if self.keep(message) {
                                    b"250 OK: queued\r\n"
                                } else {
                                    b"451 Could not store the message\r\n"
                                }
                            }
                        };
                        reply
                    }
                    code if code >= 500 => b"554 Transaction failed (refused by the test mailbox)\r\n",
                    _ => b"451 Try again later (the test mailbox is refusing mail)\r\n",
                },
                "RSET" => {
                    from = None;
                    to.clear();
                    b"250 OK\r\n"
                }
                "NOOP" => b"250 OK\r\n",
                "QUIT" => {
                    write.write_all(b"221 Bye\r\n").await?;
                    return Ok(());
                }
                _ => b"502 Command not implemented\r\n",
            };
            write.write_all(reply).await?;
        }
    }

    fn keep(&self, message: Received) -> bool {
        let Ok(mut received) = self.received.lock() else {
            return false;
        };
        received.push(message.clone());
        if let Some(folder) = &self.folder {
            let path = folder.join(format!("{:04}.eml", received.len()));
            if std::fs::create_dir_all(folder)
                .and_then(|_| std::fs::write(&path, &message.data))
                .is_err()
            {
                return false;
            }
            println!(
                "demo mailbox: {} for {} -> {}",
                message.from,
                message.to.join(", "),
                path.display()
            );
        }
        true
    }
}

/// The address in `MAIL FROM:<a@b>` or `RCPT TO:<a@b>`.
fn path_of(command: &str) -> String {
    match (command.find('<'), command.rfind('>')) {
        (Some(start), Some(end)) if start < end => command[start + 1..end].to_string(),
        _ => command
            .split_once(':')
            .map(|(_, a)| a.trim().to_string())
            .unwrap_or_default(),
    }
}

/// The message up to the line with a single dot, dots at line starts unstuffed; `None`
/// when it grows past the limit.
async fn read_data(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    let mut too_big = false;
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok((!too_big).then_some(data));
        }
        let unstuffed = if line.starts_with(b"..") { &line[1..] } else { &line[..] };
        if data.len() + unstuffed.len() > MAX_MESSAGE {
            too_big = true;
        } else {
            data.extend_from_slice(unstuffed);
        }
    }
}
