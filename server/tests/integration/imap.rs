//! Incoming email over IMAP (MISSION C1, issue 12), end to end with real servers on
//! loopback: a private Dovecot holds the support mailbox, a customer's mail client sends by
//! SMTP to a relay that delivers into it, the app's follower imports what arrives (IDLE),
//! the agent's reply goes out by SMTP with threading headers, and the customer's answer to
//! it lands on the same ticket. The IMAP server restarted mid-import loses and doubles
//! nothing; a renumbered mailbox (UIDVALIDITY) is read again without storing anything twice;
//! and one instance at a time follows a mailbox.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use app::channels::email::incoming::follow;
use app::channels::email::incoming::imap::{self, ImapSettings};
use app::channels::email::model::{EmailChannel, TlsMode};

use crate::common::{Client, Engine, TestApp};
use crate::sending::{desk, wait_for_mail, Desk};

const USER: &str = "support@demo.test";
const PASSWORD: &str = "mailbox secret";

/// A private Dovecot on a free loopback port, its mail in a folder of its own; stopped
/// and removed when dropped.
pub(crate) struct Dovecot {
    dir: PathBuf,
    pub(crate) port: u16,
    child: Option<Child>,
}

impl Dovecot {
    pub(crate) async fn start() -> Dovecot {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let dir = std::env::temp_dir().join(format!("switchboard-dovecot-{port}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        // Dovecot's own users must reach the mail folder.
        let status = Command::new("chmod").arg("755").arg(&dir).status().unwrap();
        assert!(status.success());
        let status = Command::new("chown")
            .arg("dovecot:dovecot")
            .arg(dir.join("mail"))
            .status()
            .unwrap();
        assert!(status.success(), "chown the mail folder to dovecot");
        std::fs::write(dir.join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();
        let d = dir.display();
        std::fs::write(
            dir.join("dovecot.conf"),
            format!(
                "protocols = imap\nlisten = 127.0.0.1\nbase_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/log\n\
                 first_valid_uid = 1\nssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\n\
                 mail_location = maildir:{d}/mail/%u\ndefault_internal_user = dovecot\ndefault_login_user = dovenull\n\
                 passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN {d}/passwd\n}}\n\
                 userdb {{\n  driver = static\n  args = uid=dovecot gid=dovecot home={d}/mail/%u\n}}\n\
                 service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n\
                 inet_listener imaps {{\n    port = 0\n  }}\n  chroot =\n}}\nservice anvil {{\n  chroot =\n}}\n"
            ),
        )
        .unwrap();
        let mut dovecot = Dovecot { dir, port, child: None };
        dovecot.run().await;
        dovecot
    }

    async fn run(&mut self) {
        let child = Command::new("dovecot")
            .arg("-F")
            .arg("-c")
            .arg(self.dir.join("dovecot.conf"))
            .spawn()
            .expect("dovecot runs (scripts/test installs dovecot-imapd)");
        self.child = Some(child);
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "dovecot did not start: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the server (as its shutdown would), closing every connection.
    pub(crate) async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = tokio::task::spawn_blocking(move || child.wait()).await;
        }
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
            assert!(started.elapsed() < Duration::from_secs(15), "dovecot did not stop");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn restart(&mut self) {
        self.stop().await;
        self.run().await;
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    pub(crate) fn settings(&self) -> ImapSettings {
        ImapSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: TlsMode::None,
            user: USER.into(),
            password: Some(PASSWORD.into()),
            folder: "INBOX".into(),
        }
    }

    /// Delivers raw messages into the mailbox, as the mail server's delivery does.
    pub(crate) async fn deliver(&self, messages: &[String]) {
        let mut session = imap::connect(&self.settings())
            .await
            .expect("the test logs in to dovecot");
        for raw in messages {
            session
                .append("INBOX", None, None, raw.replace("\r\n", "\n").replace('\n', "\r\n"))
                .await
                .expect("dovecot stores the message");
        }
        let _ = session.logout().await;
    }

    /// Makes the mailbox look renumbered (its UID list goes, so its UIDVALIDITY changes),
    /// keeping `keep` of its messages: new mail then gets UIDs below the last one seen.
    pub(crate) fn renumber(&self, keep: usize) {
        let folder = self.dir.join("mail").join(USER);
        let mut messages: Vec<PathBuf> = ["cur", "new"]
            .iter()
            .flat_map(|sub| std::fs::read_dir(folder.join(sub)).into_iter().flatten().flatten())
            .map(|entry| entry.path())
            .collect();
        messages.sort();
        for path in messages.iter().skip(keep) {
            std::fs::remove_file(path).unwrap();
        }
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with("dovecot") {
                let _ = std::fs::remove_file(entry.path()).or_else(|_| std::fs::remove_dir_all(entry.path()));
            }
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The demo address as Settings > Email shows it.
async fn demo_channel(admin: &Client) -> EmailChannel {
    let channels: Vec<EmailChannel> = admin.call("admin/list_email_channels", &[]).await.ok();
    channels.into_iter().find(|c| c.address == USER).unwrap()
}

/// The demo address's form with its incoming server set, as the admin fills it in.
fn imap_form(channel: &EmailChannel, port: u16, password: &str, folder: &str) -> Vec<(String, String)> {
    let mut form = vec![
        ("channel[id]".to_string(), channel.id.clone()),
        ("channel[address]".into(), channel.address.clone()),
        ("channel[display_name]".into(), channel.display_name.clone()),
        ("channel[signature_html]".into(), channel.signature_html.clone()),
        ("channel[smtp_host]".into(), channel.smtp_host.clone()),
        ("channel[smtp_port]".into(), channel.smtp_port.to_string()),
        ("channel[smtp_tls]".into(), "None".into()),
        ("channel[imap][host]".into(), "127.0.0.1".into()),
        ("channel[imap][port]".into(), port.to_string()),
        ("channel[imap][tls]".into(), "None".into()),
        ("channel[imap][user]".into(), USER.into()),
        ("channel[imap][password]".into(), password.into()),
        ("channel[imap][folder]".into(), folder.into()),
    ];
    for (i, team) in channel.team_ids.iter().enumerate() {
        form.push((format!("channel[team_ids][{i}]"), team.clone()));
    }
    form
}

async fn call_form(admin: &Client, endpoint: &str, form: &[(String, String)]) -> crate::common::Answer {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    admin.call(endpoint, &form).await
}

/// Connects the demo address to the Dovecot mailbox through Settings > Email.
async fn follow_mailbox(admin: &Client, dovecot: &Dovecot) {
    let channel = demo_channel(admin).await;
    let saved = call_form(
        admin,
        "admin/save_email_channel",
        &imap_form(&channel, dovecot.port, PASSWORD, "INBOX"),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
}

/// Messages imported so far (the demo's own have no original).
async fn incoming_count(app: &TestApp) -> i64 {
    let (count,): (i64,) = app::on_db!(&app.db, pool => sqlx::query_as(
        "SELECT COUNT(*) FROM messages WHERE kind = 'incoming' AND raw_key IS NOT NULL").fetch_one(pool).await)
    .unwrap();
    count
}

/// Waits until `count` incoming messages are stored (and then a little, to catch extras).
async fn wait_for_incoming(app: &TestApp, count: i64) {
    let started = Instant::now();
    loop {
        let stored = incoming_count(app).await;
        assert!(stored <= count, "{stored} messages stored, {count} expected");
        if stored == count {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(45),
            "only {stored} of {count} messages were imported"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn customer_mail(n: usize) -> String {
    format!(
        "From: Customer {n} <customer{n}@client.test>\nTo: {USER}\nSubject: Question number {n}\nMessage-ID: <question-{n}@client.test>\nDate: Wed, 2 Dec 2026 10:00:00 +0000\n\nThis is question {n}.\n"
    )
}

async fn test_connection_says_what_failed_in_plain_words(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let dovecot = Dovecot::start().await;
    let channel = demo_channel(&admin).await;
    let test = |form: Vec<(String, String)>| {
        let admin = &admin;
        async move { call_form(admin, "admin/test_imap_connection", &form).await }
    };
    let good = test(imap_form(&channel, dovecot.port, PASSWORD, "INBOX")).await;
    assert_eq!(good.status, 200, "{}", good.body);
    let report: String = good.ok();
    assert!(report.starts_with("Connected and logged in."), "{report}");
    assert!(report.contains("IDLE"), "{report}");

    let wrong_password = test(imap_form(&channel, dovecot.port, "not it", "INBOX")).await;
    assert_eq!(wrong_password.status, 422);
    assert!(
        wrong_password
            .body
            .to_string()
            .contains("refused the user name or the password"),
        "{}",
        wrong_password.body
    );
    let no_folder = test(imap_form(&channel, dovecot.port, PASSWORD, "Nowhere")).await;
    assert!(
        no_folder
            .body
            .to_string()
            .contains("the folder \\\"Nowhere\\\" does not exist")
            || no_folder
                .body
                .to_string()
                .contains("the folder \"Nowhere\" does not exist"),
        "{}",
        no_folder.body
    );
    let closed_port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let unreachable = test(imap_form(&channel, closed_port, PASSWORD, "INBOX")).await;
    assert!(
        unreachable.body.to_string().contains("Could not reach"),
        "{}",
        unreachable.body
    );
    // TLS against a plain server: the handshake fails, and the answer names the TLS mode.
    let mut tls = imap_form(&channel, dovecot.port, PASSWORD, "INBOX");
    tls.iter_mut().find(|(k, _)| k == "channel[imap][tls]").unwrap().1 = "Tls".into();
    let handshake = test(tls).await;
    assert!(handshake.body.to_string().contains("TLS"), "{}", handshake.body);
    // Saved without a password in the form, the stored one is used.
    follow_mailbox(&admin, &dovecot).await;
    let stored = test(imap_form(&channel, dovecot.port, "", "INBOX")).await;
    assert_eq!(stored.status, 200, "{}", stored.body);
    let listed = demo_channel(&admin).await;
    assert!(listed.imap.has_password);
    assert!(listed.imap.password.is_empty(), "the password never leaves the server");
    // Agents cannot test (or learn the server's answers).
    let agent = app.login_as("agent@demo.test").await;
    assert_eq!(
        call_form(
            &agent,
            "admin/test_imap_connection",
            &imap_form(&channel, dovecot.port, "", "INBOX")
        )
        .await
        .status,
        404
    );
}

/// The customer's mail client sends by SMTP; the relay delivers into the mailbox.
async fn customer_sends(relay_port: u16, raw: &str) {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(relay_port)
        .build();
    let envelope =
        lettre::address::Envelope::new(Some("tom@globex.test".parse().unwrap()), vec![USER.parse().unwrap()]).unwrap();
    transport
        .send_raw(&envelope, raw.replace('\n', "\r\n").as_bytes())
        .await
        .expect("the relay takes the customer's mail");
}

/// An SMTP server that hands each message it takes to the mailbox (the support address's
/// mail server).
async fn relay_into(dovecot: &Dovecot) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbound = server::mailbox::Mailbox::default();
    tokio::spawn(inbound.clone().serve(listener));
    let settings = dovecot.settings();
    tokio::spawn(async move {
        let mut delivered = 0;
        loop {
            let received = inbound.received();
            if received.len() > delivered {
                let mut session = imap::connect(&settings).await.unwrap();
                for message in &received[delivered..] {
                    session.append("INBOX", None, None, message.text()).await.unwrap();
                }
                let _ = session.logout().await;
                delivered = received.len();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    port
}

async fn mail_to_the_mailbox_becomes_a_ticket_and_the_conversation_threads_both_ways(engine: Engine) {
    let Desk {
        app,
        mailbox: outgoing,
        admin,
        agent,
    } = desk(engine, 0).await;
    let dovecot = Dovecot::start().await;
    let relay = relay_into(&dovecot).await;
    follow_mailbox(&admin, &dovecot).await;

    customer_sends(
        relay,
        "From: Tom Becker <tom@globex.test>\nTo: support@demo.test\nSubject: Printer offline again\nMessage-ID: <printer-1@globex.test>\nDate: Wed, 2 Dec 2026 09:00:00 +0000\n\nThe office printer is offline since this morning.\n",
    )
    .await;
    wait_for_incoming(&app, 1).await;
    let id = crate::common::ticket_named(&agent, "AllOpen", "Printer offline again").await;
    let detail: app::tickets::model::TicketDetail = agent.call("get_ticket", &[("id", &id)]).await.ok();
    assert_eq!(detail.ticket.source, app::tickets::model::Source::Email);
    assert_eq!(
        detail.conversations[0].contact_email.as_deref(),
        Some("tom@globex.test")
    );

    // The agent answers; it reaches the customer with threading headers.
    let reply_id = crate::sending::scheduled(
        crate::sending::send(&agent, &detail, "<p>Could you restart it once?</p>", &[]).await,
    );
    assert!(!reply_id.is_empty());
    let sent = wait_for_mail(&outgoing, 1).await.remove(0).text();
    assert!(sent.contains("In-Reply-To: <printer-1@globex.test>"), "{sent}");
    let our_id = sent
        .lines()
        .find_map(|l| l.strip_prefix("Message-ID: "))
        .unwrap()
        .trim()
        .to_string();

    // The customer's answer, with those headers, lands on the same ticket.
    customer_sends(
        relay,
        &format!("From: Tom Becker <tom@globex.test>\nTo: support@demo.test\nSubject: Re: Printer offline again\nMessage-ID: <printer-2@globex.test>\nIn-Reply-To: {our_id}\nReferences: <printer-1@globex.test> {our_id}\n\nRestarted, it works now. Thanks!\n"),
    )
    .await;
    wait_for_incoming(&app, 2).await;
    let after: app::tickets::model::TicketDetail = agent.call("get_ticket", &[("id", &id)]).await.ok();
    let messages: Vec<_> = after.conversations.iter().flat_map(|c| c.messages.clone()).collect();
    assert_eq!(messages.len(), 3, "question, reply, answer on one ticket");
    let last = messages.last().unwrap();
    assert!(last.body.contains("it works now"));
    assert_eq!(
        last.incoming.as_ref().unwrap().threaded_label(),
        "Threaded by In-Reply-To"
    );

    // Settings show the mailbox as followed.
    let listed = demo_channel(&admin).await;
    assert!(listed.imap.checked_at.is_some());
    assert_eq!(listed.imap.last_error, "");
    // Read, not marked: the follower peeks, so the mailbox's own client still sees it unread.
    let mut session = imap::connect(&dovecot.settings()).await.unwrap();
    session.select("INBOX").await.unwrap();
    let unseen = session.search("UNSEEN").await.unwrap();
    assert_eq!(unseen.len(), 2);
}

async fn a_restarted_imap_server_and_a_renumbered_mailbox_lose_and_double_nothing(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let mut dovecot = Dovecot::start().await;
    dovecot.deliver(&(0..5).map(customer_mail).collect::<Vec<_>>()).await;
    follow_mailbox(&admin, &dovecot).await;
    wait_for_incoming(&app, 5).await;

    // A batch arrives and the server goes down as soon as the follower starts on it.
    dovecot.deliver(&(5..45).map(customer_mail).collect::<Vec<_>>()).await;
    let started = Instant::now();
    let mut at_restart = 5;
    while at_restart == 5 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the follower did not start on the batch"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
        at_restart = incoming_count(&app).await;
    }
    dovecot.restart().await;
    assert!(
        at_restart < 45,
        "the import had ended before the restart: nothing was proven"
    );
    // The follower sees the dropped connection, and says so, then comes back.
    dovecot.deliver(&(45..50).map(customer_mail).collect::<Vec<_>>()).await;
    wait_for_incoming(&app, 50).await;

    // Renumbered (new UIDVALIDITY) with fewer messages, so the next one's UID is below the
    // last seen: read again from the start, the new one taken, nothing stored twice.
    dovecot.stop().await;
    dovecot.renumber(5);
    dovecot.run().await;
    dovecot.deliver(&[customer_mail(50)]).await;
    wait_for_incoming(&app, 51).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(incoming_count(&app).await, 51);
    let (tickets,): (i64,) = app::on_db!(&app.db, pool => sqlx::query_as(
        "SELECT COUNT(DISTINCT c.ticket_id) FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE m.kind = 'incoming' AND m.raw_key IS NOT NULL").fetch_one(pool).await)
    .unwrap();
    assert_eq!(tickets, 51, "one ticket per question");
}

async fn one_instance_at_a_time_follows_a_mailbox(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let channel = demo_channel(&admin).await.id;
    let now = app::db::now_millis();
    // The lease: one holder; renewed by it; taken over only when it runs out or is given up.
    assert!(follow::claim(&app.db, &channel, "instance-a", now).await.unwrap());
    assert!(!follow::claim(&app.db, &channel, "instance-b", now + 1).await.unwrap());
    assert!(follow::claim(&app.db, &channel, "instance-a", now + 2).await.unwrap());
    let expired = now + 2 + follow::LEASE_MILLIS + 1;
    assert!(follow::claim(&app.db, &channel, "instance-b", expired).await.unwrap());
    assert!(!follow::claim(&app.db, &channel, "instance-a", expired + 1)
        .await
        .unwrap());
    follow::release(&app.db, &channel, "instance-b").await.unwrap();
    assert!(follow::claim(&app.db, &channel, "instance-a", expired + 2)
        .await
        .unwrap());
    follow::release(&app.db, &channel, "instance-a").await.unwrap();

    // Two instances on one database, both following: every message stored once, and one
    // of them holds the mailbox.
    let second = TestApp::spawn_on(&app.database_url, false).await;
    let dovecot = Dovecot::start().await;
    follow_mailbox(&admin, &dovecot).await;
    dovecot.deliver(&(0..20).map(customer_mail).collect::<Vec<_>>()).await;
    wait_for_incoming(&app, 20).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(incoming_count(&second).await, 20);
    let (owners,): (i64,) = app::on_db!(&app.db, pool => sqlx::query_as(
        "SELECT COUNT(DISTINCT lease_owner) FROM mailbox_state WHERE lease_owner IS NOT NULL").fetch_one(pool).await)
    .unwrap();
    assert_eq!(owners, 1);
    let logins = dovecot.log().matches("Login: user=<support@demo.test>").count();
    // The test's own delivery logs in once; the follower of one instance once (maybe twice,
    // if the settings change reached it while connecting).
    assert!(logins <= 3, "{logins} logins: {}", dovecot.log());
}

on_both_engines!(
    test_connection_says_what_failed_in_plain_words,
    mail_to_the_mailbox_becomes_a_ticket_and_the_conversation_threads_both_ways,
    a_restarted_imap_server_and_a_renumbered_mailbox_lose_and_double_nothing,
    one_instance_at_a_time_follows_a_mailbox,
);
