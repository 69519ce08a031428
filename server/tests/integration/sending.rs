//! Sending replies (MISSION R9, issue 11): the mail a real SMTP server on loopback
//! receives (From, To, CC, BCC, threading headers, both parts), send-and-set-status in one
//! transaction, Undo, and the outbox through outages, restarts and two instances.

use std::time::{Duration, Instant};

use app::conversations::model::{Delivery, DraftContent, DraftSaved, Message, SendOutcome};
use app::tickets::model::TicketDetail;
use server::mailbox::{Mailbox, Received};

use crate::common::{ticket_named, Client, Engine, TestApp};
use crate::drafts::save;

pub(crate) const TICKET: &str = "Invoice shows the wrong VAT number";

/// A mailbox on a free loopback port, serving for the rest of the test.
async fn mailbox() -> (Mailbox, u16) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mailbox = Mailbox::default();
    tokio::spawn(mailbox.clone().serve(listener));
    (mailbox, port)
}

/// Points the demo team address at `port`, through Settings > Email's own server function.
async fn connect_demo_address(admin: &Client, port: u16) {
    let channels: Vec<app::channels::email::model::EmailChannel> =
        admin.call("admin/list_email_channels", &[]).await.ok();
    let demo = &channels[0];
    let port = port.to_string();
    let mut form = vec![
        ("channel[id]".to_string(), demo.id.clone()),
        ("channel[address]".into(), demo.address.clone()),
        ("channel[display_name]".into(), demo.display_name.clone()),
        ("channel[signature_html]".into(), demo.signature_html.clone()),
        ("channel[smtp_host]".into(), "127.0.0.1".into()),
        ("channel[smtp_port]".into(), port),
        ("channel[smtp_tls]".into(), "None".into()),
        ("channel[smtp_user]".into(), String::new()),
        ("channel[smtp_password]".into(), String::new()),
        ("channel[has_password]".into(), "false".into()),
    ];
    for (i, team) in demo.team_ids.iter().enumerate() {
        form.push((format!("channel[team_ids][{i}]"), team.clone()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = admin.call("admin/save_email_channel", &form).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
}

/// Sets the undo window (an admin setting; here straight in the database).
async fn set_undo_seconds(app: &TestApp, seconds: i64) {
    app::on_db!(&app.db, pool => sqlx::query(
        "INSERT INTO app_settings (name, value) VALUES ('undo_seconds', $1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value")
        .bind(seconds.to_string()).execute(pool).await.map(|_| ()))
    .unwrap();
}

/// A test instance whose demo address sends to a mailbox of the test's own, with the undo
/// window set, and an admin and an agent logged in.
pub(crate) struct Desk {
    pub(crate) app: TestApp,
    pub(crate) mailbox: Mailbox,
    pub(crate) admin: Client,
    pub(crate) agent: Client,
}

pub(crate) async fn desk(engine: Engine, undo_seconds: i64) -> Desk {
    let app = TestApp::spawn(engine).await;
    let (mailbox, port) = mailbox().await;
    let admin = app.login_as("admin@demo.test").await;
    connect_demo_address(&admin, port).await;
    set_undo_seconds(&app, undo_seconds).await;
    let agent = app.login_as("agent@demo.test").await;
    Desk {
        app,
        mailbox,
        admin,
        agent,
    }
}

pub(crate) async fn ticket(client: &Client, name: &str) -> TicketDetail {
    let id = ticket_named(client, "AllOpen", name).await;
    client.call("get_ticket", &[("id", &id)]).await.ok()
}

/// Sends `body` on the ticket's first conversation as the editor saw `detail`.
pub(crate) async fn send(
    client: &Client,
    detail: &TicketDetail,
    body: &str,
    extra: &[(&str, &str)],
) -> crate::common::Answer {
    let conversation = &detail.conversations[0];
    let seen = conversation.messages.last().map(|m| m.id.clone()).unwrap_or_default();
    let mut form: Vec<(String, String)> = vec![
        ("request[conversation_id]".into(), conversation.id.clone()),
        ("request[content][body_html]".into(), body.into()),
        ("request[seen_status_id]".into(), detail.ticket.status_id.clone()),
        ("request[seen_message_id]".into(), seen),
    ];
    if !extra.iter().any(|(k, _)| k.starts_with("content][to]")) {
        form.push((
            "request[content][to][0]".into(),
            conversation.contact_email.clone().unwrap_or_default(),
        ));
    }
    form.extend(extra.iter().map(|(k, v)| (format!("request[{k}]"), v.to_string())));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    client.call("send_reply", &form).await
}

pub(crate) async fn wait_for_mail(mailbox: &Mailbox, count: usize) -> Vec<Received> {
    let started = Instant::now();
    while mailbox.received().len() < count {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "only {} of {count} messages arrived",
            mailbox.received().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    mailbox.received()
}

/// The reply `message_id` on the ticket, once its delivery is `want`.
async fn wait_for_delivery(client: &Client, name: &str, message_id: &str, want: Delivery) -> Message {
    let started = Instant::now();
    loop {
        let detail = ticket(client, name).await;
        let message = detail.conversations[0]
            .messages
            .iter()
            .find(|m| m.id == message_id)
            .cloned();
        if let Some(message) = message.filter(|m| m.delivery == Some(want)) {
            return message;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{message_id} never became {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

fn header<'a>(mail: &'a str, name: &str) -> Option<&'a str> {
    mail.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(": ")))
}

pub(crate) fn scheduled(answer: crate::common::Answer) -> String {
    match answer.ok::<SendOutcome>() {
        SendOutcome::Scheduled { message_id, .. } => message_id,
        other => panic!("expected the reply to be scheduled, got {other:?}"),
    }
}

async fn a_reply_arrives_as_a_proper_threaded_email(engine: Engine) {
    let Desk {
        app: _app,
        mailbox,
        admin: _admin,
        agent,
    } = desk(engine, 0).await;
    let detail = ticket(&agent, TICKET).await;
    let answered = detail.conversations[0]
        .messages
        .iter()
        .rev()
        .find(|m| m.from_address == "tom@globex.test")
        .cloned();
    let waiting = app::pipelines::model::Pipeline::clone(
        &agent
            .call("list_pipelines", &[])
            .await
            .ok::<Vec<app::pipelines::model::Pipeline>>()[0],
    );
    let waiting_on_contact = waiting
        .statuses
        .iter()
        .find(|s| s.name == "Waiting on contact")
        .unwrap();
    // A draft first: sending removes it.
    save(&agent, &detail.conversations[0].id, 0, "<p>draft</p>", &[])
        .await
        .ok::<DraftSaved>();
    let sent = send(
        &agent,
        &detail,
        "<p>Hello <b>Tom</b>,</p><ul><li>the VAT number is fixed</li></ul><script>alert(1)</script>",
        &[
            ("content][cc][0", "finance@globex.test"),
            ("content][bcc][0", "audit@demo.test"),
            ("status_id", &waiting_on_contact.id),
        ],
    )
    .await;
    let message_id = scheduled(sent);
    let mail = wait_for_mail(&mailbox, 1).await.remove(0);
    let text = mail.text();
    assert_eq!(mail.from, "support@demo.test");
    let mut envelope = mail.to.clone();
    envelope.sort();
    assert_eq!(envelope, ["audit@demo.test", "finance@globex.test", "tom@globex.test"]);
    assert_eq!(header(&text, "From"), Some("\"Demo Support\" <support@demo.test>"));
    assert_eq!(header(&text, "To"), Some("tom@globex.test"));
    assert_eq!(header(&text, "Cc"), Some("finance@globex.test"));
    assert_eq!(header(&text, "Bcc"), None, "BCC is in the envelope only");
    let subject = format!("Re: {TICKET} [#{}]", detail.ticket.number);
    assert_eq!(header(&text, "Subject"), Some(subject.as_str()));
    assert_eq!(
        header(&text, "X-Switchboard-Ticket"),
        Some(detail.ticket.number.to_string().as_str())
    );
    let rfc_id = header(&text, "Message-ID").expect("a Message-ID");
    assert!(rfc_id.ends_with("@demo.test>"), "{rfc_id}");
    // Threaded on the customer's message (the demo's carry their Message-IDs).
    let answered = answered.expect("the demo ticket has a message from Tom");
    let in_reply_to = header(&text, "In-Reply-To").expect("In-Reply-To");
    assert!(
        in_reply_to.starts_with('<') && in_reply_to.contains("@globex.test"),
        "{in_reply_to}"
    );
    assert!(header(&text, "References").is_some_and(|r| r.contains(in_reply_to)));
    assert!(text.contains("multipart/alternative") && text.contains("text/plain") && text.contains("text/html"));
    // Quoted-printable unfolded: soft line breaks out, `=3D` back to `=`.
    let decoded = text.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    assert!(
        decoded.contains("<b>Tom</b>") && decoded.contains("* the VAT number is fixed"),
        "both parts: {text}"
    );
    assert!(!decoded.contains("<script"), "sanitised: {text}");
    assert!(
        text.contains("The Demo Support team"),
        "the signature is below the text"
    );
    let _ = answered;

    // The ticket: sent, status set in the same action, draft gone, history kept.
    let message = wait_for_delivery(&agent, TICKET, &message_id, Delivery::Sent).await;
    assert_eq!(message.to, vec!["tom@globex.test".to_string()]);
    let after = ticket(&agent, TICKET).await;
    assert_eq!(after.ticket.status_name, "Waiting on contact");
    assert!(after
        .history
        .iter()
        .any(|h| h.new_value.as_deref() == Some("Waiting on contact")));
    let draft: Option<app::conversations::model::Draft> = agent
        .call("get_draft", &[("conversation_id", &detail.conversations[0].id)])
        .await
        .ok();
    assert_eq!(draft, None);
}

/// The signature is editable per reply: kept with the draft (sanitised), sent instead of
/// the address's, and an emptied one sends none.
async fn a_reply_carries_its_own_signature_when_edited(engine: Engine) {
    let Desk {
        app: _app,
        mailbox,
        admin: _admin,
        agent,
    } = desk(engine, 0).await;
    let detail = ticket(&agent, TICKET).await;
    let conversation = &detail.conversations[0].id;
    let own = "<p>Cheers, Sam from billing<img src=x onerror=alert(1)></p>";
    save(
        &agent,
        conversation,
        0,
        "<p>draft</p>",
        &[("own_signature", "true"), ("signature_html", own)],
    )
    .await
    .ok::<DraftSaved>();
    let kept: app::conversations::model::Draft = agent
        .call("get_draft", &[("conversation_id", conversation)])
        .await
        .ok::<Option<app::conversations::model::Draft>>()
        .expect("the draft");
    assert_eq!(kept.content.edited_signature(), Some("<p>Cheers, Sam from billing</p>"));
    scheduled(
        send(
            &agent,
            &detail,
            "<p>The refund is on its way.</p>",
            &[("content][own_signature", "true"), ("content][signature_html", own)],
        )
        .await,
    );
    let first = wait_for_mail(&mailbox, 1).await.remove(0).text();
    assert!(first.contains("Cheers, Sam from billing"), "{first}");
    assert!(
        !first.contains("The Demo Support team"),
        "the address's signature is replaced: {first}"
    );
    assert!(!first.contains("onerror"), "{first}");
    // Emptied: no signature at all.
    let detail = ticket(&agent, TICKET).await;
    scheduled(
        send(
            &agent,
            &detail,
            "<p>One more thing.</p>",
            &[("content][own_signature", "true"), ("content][signature_html", "")],
        )
        .await,
    );
    let second = wait_for_mail(&mailbox, 2).await.remove(1).text();
    assert!(second.contains("One more thing."), "{second}");
    assert!(
        !second.contains("The Demo Support team") && !second.contains("Cheers"),
        "{second}"
    );
}

async fn send_and_set_status_is_all_or_nothing(engine: Engine) {
    let Desk {
        app,
        mailbox,
        admin: _admin,
        agent,
    } = desk(engine, 0).await;
    let detail = ticket(&agent, TICKET).await;
    let pipeline = agent
        .call("list_pipelines", &[])
        .await
        .ok::<Vec<app::pipelines::model::Pipeline>>()
        .remove(0);
    let closed = pipeline.statuses.iter().find(|s| s.name == "Closed").unwrap();
    // "Closed" requires "Close reason": without it nothing changes and nothing is sent.
    let refused = send(&agent, &detail, "<p>Closing this.</p>", &[("status_id", &closed.id)]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.to_string().contains("close_reason"), "{}", refused.body);
    let unchanged = ticket(&agent, TICKET).await;
    assert_eq!(unchanged.ticket.status_id, detail.ticket.status_id);
    assert_eq!(
        unchanged.conversations[0].messages.len(),
        detail.conversations[0].messages.len()
    );
    // Hostile content and a bad recipient are refused or made harmless.
    let bad = send(
        &agent,
        &detail,
        "<p>x</p>",
        &[("content][to][0", "tom@globex.test\r\nBcc: x@evil.test")],
    )
    .await;
    assert_eq!(bad.status, 422);
    let half_typed = send(&agent, &detail, "<p>x</p>", &[("content][cc][0", "mary@glo")]).await;
    assert_eq!(half_typed.status, 422);
    let named = half_typed.body["Validation"]["message"].as_str().unwrap_or_default();
    assert!(
        named.starts_with("\"mary@glo\" is not an email address"),
        "{}",
        half_typed.body
    );
    let blank = send(&agent, &detail, "<p><br></p>", &[]).await;
    assert_eq!(blank.status, 422);
    // With the reason it sends and closes.
    let reason = app::on_db!(&app.db, pool => sqlx::query_as::<_, (String,)>("SELECT id FROM properties WHERE name = 'close_reason'")
        .fetch_one(pool).await).unwrap().0;
    let sent = send(
        &agent,
        &detail,
        "<p>Closing this.</p>",
        &[
            ("status_id", &closed.id),
            ("properties][0][property_id", &reason),
            ("properties][0][value", "Solved"),
        ],
    )
    .await;
    scheduled(sent);
    wait_for_mail(&mailbox, 1).await;
    let closed_now: TicketDetail = agent.call("get_ticket", &[("id", &detail.ticket.id)]).await.ok();
    assert_eq!(closed_now.ticket.status_name, "Closed");
    // Viewers (service access) cannot send.
    let viewer = app.login_as("viewer@demo.test").await;
    assert_eq!(send(&viewer, &detail, "<p>x</p>", &[]).await.status, 404);
}

async fn undo_puts_the_reply_back_and_the_ticket_as_it_was(engine: Engine) {
    let Desk {
        app: _app,
        mailbox,
        admin,
        agent,
    } = desk(engine, 30).await;
    let detail = ticket(&agent, TICKET).await;
    let pipeline = agent
        .call("list_pipelines", &[])
        .await
        .ok::<Vec<app::pipelines::model::Pipeline>>()
        .remove(0);
    let waiting = pipeline
        .statuses
        .iter()
        .find(|s| s.name == "Waiting on contact")
        .unwrap();
    let body = "<p>Hello <b>Tom</b>, one more thing</p>";
    let message_id = scheduled(
        send(
            &agent,
            &detail,
            body,
            &[("content][cc][0", "finance@globex.test"), ("status_id", &waiting.id)],
        )
        .await,
    );
    let during = ticket(&agent, TICKET).await;
    let scheduled_message = during.conversations[0]
        .messages
        .iter()
        .find(|m| m.id == message_id)
        .unwrap();
    assert_eq!(scheduled_message.delivery, Some(Delivery::Scheduled));
    assert_eq!(during.ticket.status_name, "Waiting on contact");
    // Another user cannot undo it.
    let other = admin.call("undo_send", &[("message_id", &message_id)]).await;
    assert_eq!(other.status, 409);
    let restored: DraftContent = agent.call("undo_send", &[("message_id", &message_id)]).await.ok();
    assert_eq!(restored.body_html, body);
    assert_eq!(restored.cc, vec!["finance@globex.test".to_string()]);
    let after = ticket(&agent, TICKET).await;
    assert_eq!(
        after.ticket.status_id, detail.ticket.status_id,
        "the status is put back"
    );
    assert!(!after.conversations[0].messages.iter().any(|m| m.id == message_id));
    let draft: app::conversations::model::Draft = agent
        .call("get_draft", &[("conversation_id", &detail.conversations[0].id)])
        .await
        .ok::<Option<_>>()
        .unwrap();
    assert_eq!(draft.content.body_html, body);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(mailbox.received().is_empty(), "nothing went out");
    assert_eq!(
        agent.call("undo_send", &[("message_id", &message_id)]).await.status,
        409,
        "undone once"
    );
}

async fn an_outage_delays_mail_and_loses_none(engine: Engine) {
    let Desk {
        app,
        mailbox,
        admin: _admin,
        agent,
    } = desk(engine, 0).await;
    let detail = ticket(&agent, TICKET).await;
    mailbox.refuse_with(451);
    let message_id = scheduled(send(&agent, &detail, "<p>during the outage</p>", &[]).await);
    let retrying = wait_for_delivery(&agent, TICKET, &message_id, Delivery::Retrying).await;
    assert!(
        retrying.delivery_error.contains("try later"),
        "{}",
        retrying.delivery_error
    );
    assert!(retrying.next_attempt_at.is_some());
    // The server recovers; the clock moves past the back-off.
    mailbox.refuse_with(0);
    app::on_db!(&app.db, pool => sqlx::query("UPDATE outbox SET send_after = 0").execute(pool).await.map(|_| ()))
        .unwrap();
    wait_for_delivery(&agent, TICKET, &message_id, Delivery::Sent).await;
    assert_eq!(wait_for_mail(&mailbox, 1).await.len(), 1);

    // A permanent refusal: "Failed" with the reason, then "Retry" sends it.
    mailbox.refuse_with(554);
    let detail = ticket(&agent, TICKET).await;
    let rejected = scheduled(send(&agent, &detail, "<p>rejected</p>", &[]).await);
    let failed = wait_for_delivery(&agent, TICKET, &rejected, Delivery::Failed).await;
    assert!(
        failed.delivery_error.contains("refused the message"),
        "{}",
        failed.delivery_error
    );
    mailbox.refuse_with(0);
    let retried = agent.call("retry_send", &[("message_id", &rejected)]).await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    wait_for_delivery(&agent, TICKET, &rejected, Delivery::Sent).await;
    let all = wait_for_mail(&mailbox, 2).await;
    assert_eq!(all.len(), 2, "each delivered once");
}

async fn a_restart_before_delivery_loses_nothing(engine: Engine) {
    let mut first = TestApp::spawn(engine).await;
    let (mailbox, port) = mailbox().await;
    let admin = first.login_as("admin@demo.test").await;
    connect_demo_address(&admin, port).await;
    set_undo_seconds(&first, 2).await;
    let agent = first.login_as("agent@demo.test").await;
    let detail = ticket(&agent, TICKET).await;
    let message_id = scheduled(send(&agent, &detail, "<p>accepted, then the process stopped</p>", &[]).await);
    first.stop().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(mailbox.received().is_empty(), "the stopped instance sent nothing");
    let second = TestApp::spawn_on(&first.database_url, true).await;
    let agent = second.login_as("agent@demo.test").await;
    let mail = wait_for_mail(&mailbox, 1).await;
    assert!(mail[0].text().contains("accepted, then the process stopped"));
    wait_for_delivery(&agent, TICKET, &message_id, Delivery::Sent).await;
}

async fn two_instances_send_each_message_once(engine: Engine) {
    let first = TestApp::spawn(engine).await;
    let second = TestApp::spawn_on(&first.database_url, true).await;
    let (mailbox, port) = mailbox().await;
    let admin = first.login_as("admin@demo.test").await;
    connect_demo_address(&admin, port).await;
    set_undo_seconds(&first, 1).await;
    let agents = [
        first.login_as("agent@demo.test").await,
        second.login_as("agent@demo.test").await,
    ];
    let mut sent = 0;
    for round in 0..10 {
        for (i, agent) in agents.iter().enumerate() {
            let detail = ticket(agent, TICKET).await;
            let answer = send(
                agent,
                &detail,
                &format!("<p>reply {round}-{i}</p>"),
                &[("force", "true")],
            )
            .await;
            scheduled(answer);
            sent += 1;
        }
    }
    let mail = wait_for_mail(&mailbox, sent).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut ids: Vec<String> = mailbox
        .received()
        .iter()
        .filter_map(|m| header(&m.text(), "Message-ID").map(str::to_string))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(mailbox.received().len(), sent, "no message went out twice");
    assert_eq!(ids.len(), sent);
    let _ = mail;
}

/// A new ticket in "New" with an email conversation with Maria Lopez.
async fn new_ticket_with_conversation(agent: &Client, name: &str) -> TicketDetail {
    let id = crate::hardening::new_ticket(agent, name).await;
    let maria = agent
        .call("search_contacts", &[("query", "maria")])
        .await
        .ok::<Vec<app::contacts::model::SearchHit>>();
    let started = agent
        .call("start_conversation", &[("id", &id), ("contact_id", &maria[0].id)])
        .await;
    assert_eq!(started.status, 200, "{}", started.body);
    agent.call("get_ticket", &[("id", &id)]).await.ok()
}

async fn automation_moves_forward_only_and_never_over_a_chosen_status(engine: Engine) {
    let Desk {
        app: _app,
        mailbox,
        admin: _admin,
        agent,
    } = desk(engine, 0).await;
    // A plain Send on a new ticket: "Waiting on contact", made by automation.
    let fresh = new_ticket_with_conversation(&agent, "Automation moves me").await;
    assert_eq!(fresh.ticket.status_name, "New");
    scheduled(send(&agent, &fresh, "<p>We are on it.</p>", &[]).await);
    let moved: TicketDetail = agent.call("get_ticket", &[("id", &fresh.ticket.id)]).await.ok();
    assert_eq!(moved.ticket.status_name, "Waiting on contact");
    let entry = moved
        .history
        .iter()
        .find(|h| h.new_value.as_deref() == Some("Waiting on contact"))
        .unwrap();
    assert_eq!(entry.who, "Automation");
    assert_eq!(
        moved.ticket.owner_name.as_deref(),
        Some("Alex Agent"),
        "the sender owns an unowned ticket"
    );
    // A ticket further along ("Waiting on us" comes after "Waiting on contact") stays.
    let later = ticket(&agent, TICKET).await;
    assert_eq!(later.ticket.status_name, "Waiting on us");
    scheduled(send(&agent, &later, "<p>Still looking.</p>", &[]).await);
    assert_eq!(
        ticket(&agent, TICKET).await.ticket.status_name,
        "Waiting on us",
        "never backwards"
    );
    // A status the agent chose is kept.
    let chosen = new_ticket_with_conversation(&agent, "Automation keeps my choice").await;
    let pipeline = crate::common::support_pipeline(&agent).await;
    let waiting_on_us = pipeline.statuses.iter().find(|s| s.name == "Waiting on us").unwrap();
    scheduled(
        send(
            &agent,
            &chosen,
            "<p>Over to us.</p>",
            &[("status_id", &waiting_on_us.id)],
        )
        .await,
    );
    let kept: TicketDetail = agent.call("get_ticket", &[("id", &chosen.ticket.id)]).await.ok();
    assert_eq!(kept.ticket.status_name, "Waiting on us");
    assert!(!kept.history.iter().any(|h| h.who == "Automation"));
    wait_for_mail(&mailbox, 3).await;
}

async fn settings_connect_an_address_and_say_what_failed(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (mailbox, port) = mailbox().await;
    let admin = app.login_as("admin@demo.test").await;
    connect_demo_address(&admin, port).await;
    let channels: Vec<app::channels::email::model::EmailChannel> =
        admin.call("admin/list_email_channels", &[]).await.ok();
    let id = channels[0].id.clone();
    assert!(
        channels.iter().all(|c| c.smtp_password.is_empty()),
        "passwords never go back to the browser"
    );
    let sent = admin.call("admin/send_test_email", &[("id", &id)]).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let mail = wait_for_mail(&mailbox, 1).await;
    assert_eq!(mail[0].to, vec!["support@demo.test".to_string()]);
    // A server that refuses connections is named in plain words.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    connect_demo_address(&admin, closed_port).await;
    let refused = admin.call("admin/send_test_email", &[("id", &id)]).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.to_string().contains("refused the connection"),
        "{}",
        refused.body
    );
    // An unknown server name.
    let form = [
        ("channel[id]", id.as_str()),
        ("channel[address]", "support@demo.test"),
        ("channel[display_name]", "Demo Support"),
        ("channel[smtp_host]", "no-such-host.invalid"),
        ("channel[smtp_port]", "25"),
        ("channel[smtp_tls]", "None"),
        ("channel[has_password]", "false"),
    ];
    assert_eq!(admin.call("admin/save_email_channel", &form).await.status, 200);
    let unknown = admin.call("admin/send_test_email", &[("id", &id)]).await;
    assert!(
        unknown.body.to_string().contains("could not be found"),
        "{}",
        unknown.body
    );
    // A password is stored sealed: not in the database as typed.
    let mut with_password = form.to_vec();
    with_password.push(("channel[smtp_user]", "support"));
    with_password.push(("channel[smtp_password]", "hunter2-secret"));
    assert_eq!(admin.call("admin/save_email_channel", &with_password).await.status, 200);
    let stored: (String,) =
        app::on_db!(&app.db, pool => sqlx::query_as("SELECT smtp_password FROM email_channels WHERE id = $1")
        .bind(&id).fetch_one(pool).await)
        .unwrap();
    assert!(!stored.0.is_empty() && !stored.0.contains("hunter2"));
    let listed: Vec<app::channels::email::model::EmailChannel> =
        admin.call("admin/list_email_channels", &[]).await.ok();
    assert!(listed[0].has_password && listed[0].smtp_password.is_empty());
    // Agents cannot see or change the settings.
    let agent = app.login_as("agent@demo.test").await;
    assert_eq!(agent.call("admin/list_email_channels", &[]).await.status, 404);
    assert_eq!(agent.call("admin/save_email_channel", &form).await.status, 404);
    assert_eq!(agent.call("admin/send_test_email", &[("id", &id)]).await.status, 404);
}

on_both_engines!(
    a_reply_carries_its_own_signature_when_edited,
    settings_connect_an_address_and_say_what_failed,
    automation_moves_forward_only_and_never_over_a_chosen_status,
    a_reply_arrives_as_a_proper_threaded_email,
    send_and_set_status_is_all_or_nothing,
    undo_puts_the_reply_back_and_the_ticket_as_it_was,
    an_outage_delays_mail_and_loses_none,
    a_restart_before_delivery_loses_nothing,
    two_instances_send_each_message_once,
);
