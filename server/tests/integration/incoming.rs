//! Incoming email (MISSION C1, issue 12) through the address's HTTP endpoint: new tickets
//! with their contact, customers' replies threaded onto their ticket (and reopening it),
//! duplicates stored once, machines told apart, bounces of our replies, what cannot be read
//! kept in "Failed to import", and HTML rendered harmless with its images held back.

use app::conversations::model::{Delivery, Message, MessageKind};
use app::tickets::model::TicketDetail;

use crate::common::{ticket_named, Client, Engine, TestApp};
use crate::sending::{desk, scheduled, send, ticket, wait_for_mail, Desk, TICKET};

/// The demo address's id and a fresh endpoint token for it.
pub(crate) async fn endpoint(app: &TestApp) -> (String, String) {
    let (id,): (String,) = app::on_db!(&app.db, pool => sqlx::query_as(
        "SELECT id FROM email_channels WHERE address = 'support@demo.test'").fetch_one(pool).await)
    .unwrap();
    let token = app::channels::email::incoming::store::new_inbound_token(&app.db, &id)
        .await
        .unwrap();
    (id, token)
}

/// The demo pipeline's "Waiting on contact" status, as `send`'s extra field.
async fn waiting_on_contact(client: &Client) -> String {
    let pipelines: Vec<app::pipelines::model::Pipeline> = client.call("list_pipelines", &[]).await.ok();
    pipelines[0]
        .statuses
        .iter()
        .find(|s| s.name == "Waiting on contact")
        .unwrap()
        .id
        .clone()
}

/// The agent replies on the demo ticket, setting "Waiting on contact"; the reply's id and
/// the Message-ID it went out with (angle brackets included).
async fn reply_waiting(desk: &Desk, body: &str) -> (String, String) {
    let before = ticket(&desk.agent, TICKET).await;
    let waiting_status = waiting_on_contact(&desk.agent).await;
    let reply_id = scheduled(send(&desk.agent, &before, body, &[("status_id", &waiting_status)]).await);
    let sent = wait_for_mail(&desk.mailbox, 1).await.remove(0).text();
    let our_id = sent
        .lines()
        .find_map(|l| l.strip_prefix("Message-ID: "))
        .unwrap()
        .trim()
        .to_string();
    (reply_id, our_id)
}

/// Posts a raw message to the address's endpoint; the status and the JSON answer.
pub(crate) async fn post(app: &TestApp, channel: &str, token: &str, raw: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/inbound/email/{channel}", app.base))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "message/rfc822")
        .body(raw.replace('\n', "\r\n"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

async fn ticket_by_id(client: &Client, id: &str) -> TicketDetail {
    client.call("get_ticket", &[("id", id)]).await.ok()
}

fn messages(detail: &TicketDetail) -> Vec<Message> {
    detail.conversations.iter().flat_map(|c| c.messages.clone()).collect()
}

async fn a_message_to_the_endpoint_becomes_a_ticket_with_its_sender_as_contact(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (channel, token) = endpoint(&app).await;
    let raw = "From: \"Zoë Newcomer\" <Zoe@NewCo.test>\nTo: support@demo.test\nSubject: Cannot log in since Tuesday\nMessage-ID: <first-1@newco.test>\nDate: Tue, 1 Dec 2026 09:00:00 +0000\n\nHello, my password reset mail never arrives.\n";
    let (status, answer) = post(&app, &channel, &token, raw).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["outcome"], "stored");
    assert_eq!(answer["threaded_by"], "new-ticket");
    let agent = app.login_as("agent@demo.test").await;
    let id = ticket_named(&agent, "AllOpen", "Cannot log in since Tuesday").await;
    assert_eq!(answer["ticket"], id.as_str());
    let detail = ticket_by_id(&agent, &id).await;
    assert_eq!(detail.ticket.source, app::tickets::model::Source::Email);
    let conversation = &detail.conversations[0];
    assert_eq!(conversation.contact_name.as_deref(), Some("Zoë Newcomer"));
    assert_eq!(conversation.contact_email.as_deref(), Some("zoe@newco.test"));
    let message = &conversation.messages[0];
    assert_eq!(message.kind, MessageKind::Incoming);
    assert!(
        message.body.contains("password reset mail never arrives"),
        "{}",
        message.body
    );
    assert_eq!(message.incoming.as_ref().unwrap().threaded_label(), "New ticket");
    assert!(message.incoming.as_ref().unwrap().has_original);

    // The same message again (a retry of the mail server): stored once.
    let (status, again) = post(&app, &channel, &token, raw).await;
    assert_eq!((status, again["outcome"].as_str()), (200, Some("duplicate")), "{again}");
    assert_eq!(messages(&ticket_by_id(&agent, &id).await).len(), 1);

    // Without the token, or with another one, nothing is taken.
    assert_eq!(post(&app, &channel, "wrong", raw).await.0, 401);
    assert_eq!(post(&app, &channel, "", raw).await.0, 401);
    assert_eq!(post(&app, "no-such-address", &token, raw).await.0, 401);
    // A paused address asks the sender to try later (the message stays with the sender).
    app::on_db!(&app.db, pool => sqlx::query("UPDATE email_channels SET incoming_paused = TRUE WHERE id = $1")
        .bind(&channel).execute(pool).await.map(|_| ()))
    .unwrap();
    let (status, _) = post(&app, &channel, &token, &raw.replace("first-1", "first-2")).await;
    assert_eq!(status, 503);
}

async fn a_customers_reply_threads_onto_its_ticket_and_sets_waiting_on_us(engine: Engine) {
    let desk = desk(engine, 0).await;
    let (channel, token) = endpoint(&desk.app).await;
    // The agent asks; automation moves the ticket to "Waiting on contact".
    let (_, our_id) = reply_waiting(&desk, "<p>Could you send the invoice number?</p>").await;
    let Desk { app, agent, .. } = desk;
    let waiting = ticket(&agent, TICKET).await;
    assert_eq!(waiting.ticket.status_name, "Waiting on contact");
    // Tom answers from his mail client: In-Reply-To names our reply.
    let reply = format!(
        "From: Tom <tom@globex.test>\nTo: support@demo.test\nSubject: Re: {TICKET} [#{number}]\nMessage-ID: <tom-answer@globex.test>\nIn-Reply-To: {our_id}\nReferences: {our_id}\n\nIt is INV-2291.\n\n> Could you send the invoice number?\n",
        number = waiting.ticket.number
    );
    let (status, answer) = post(&app, &channel, &token, &reply).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["threaded_by"], "in-reply-to");
    assert_eq!(answer["ticket"], waiting.ticket.id.as_str());
    let after = ticket(&agent, TICKET).await;
    let last = messages(&after).pop().unwrap();
    assert!(last.body.contains("INV-2291"));
    assert_eq!(last.incoming.unwrap().threaded_label(), "Threaded by In-Reply-To");
    assert_eq!(
        after.ticket.status_name, "Waiting on us",
        "the customer's answer puts the ball in our court"
    );
    let history = after
        .history
        .iter()
        .find(|h| h.field == "Ticket status" && h.new_value.as_deref() == Some("Waiting on us"));
    assert!(
        history.is_some_and(|h| h.who == "Automation"),
        "automation, not an agent, changed it"
    );
}

async fn a_subject_reference_threads_only_mail_from_the_tickets_contacts(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (channel, token) = endpoint(&app).await;
    let agent = app.login_as("agent@demo.test").await;
    let target = ticket(&agent, TICKET).await;
    let number = target.ticket.number;
    // A stranger writes with the ticket's reference: a ticket of their own.
    let stranger = format!("From: mallory@evil.test\nSubject: Re: your ticket [#{number}]\nMessage-ID: <m1@evil.test>\n\nPlease wire the refund to me.\n");
    let (_, answer) = post(&app, &channel, &token, &stranger).await;
    assert_eq!(answer["threaded_by"], "new-ticket", "{answer}");
    assert_ne!(answer["ticket"], target.ticket.id.as_str());
    // The ticket's contact writes with it (no In-Reply-To): the same ticket.
    let contact =
        format!("From: tom@globex.test\nSubject: About [#{number}]\nMessage-ID: <t2@globex.test>\n\nOne more thing.\n");
    let (_, answer) = post(&app, &channel, &token, &contact).await;
    assert_eq!(answer["threaded_by"], "ticket-reference", "{answer}");
    assert_eq!(answer["ticket"], target.ticket.id.as_str());
}

async fn someone_cc_d_who_replies_joins_the_ticket(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (channel, token) = endpoint(&app).await;
    let first = "From: Mary <mary@initech.test>\nTo: support@demo.test\nCc: Pat <pat@initech.test>\nSubject: Broken export\nMessage-ID: <m-1@initech.test>\n\nThe export fails.\n";
    let (_, opened) = post(&app, &channel, &token, first).await;
    let answer = "From: Pat <pat@initech.test>\nTo: support@demo.test\nSubject: Re: Broken export\nMessage-ID: <p-1@initech.test>\nIn-Reply-To: <m-1@initech.test>\n\nSame for me.\n";
    let (_, joined) = post(&app, &channel, &token, answer).await;
    assert_eq!(joined["ticket"], opened["ticket"], "{joined}");
    let agent = app.login_as("agent@demo.test").await;
    let detail = ticket_by_id(&agent, opened["ticket"].as_str().unwrap()).await;
    let names: Vec<&str> = detail.contacts.iter().map(|c| c.name.as_str()).collect();
    assert!(names.contains(&"Mary") && names.contains(&"Pat"), "{names:?}");
    assert_eq!(messages(&detail).len(), 2);
}

async fn a_message_to_two_of_our_addresses_is_one_ticket(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (support, support_token) = endpoint(&app).await;
    let sales = app::db::new_id();
    app::on_db!(&app.db, pool => sqlx::query(
        "INSERT INTO email_channels (id, address, display_name, signature_html, smtp_host, smtp_port, smtp_tls, smtp_user,
                                     smtp_password, created_at)
         VALUES ($1, 'sales@demo.test', 'Demo Sales', '', '127.0.0.1', 25, 'none', '', '', 0)")
        .bind(&sales).execute(pool).await.map(|_| ())).unwrap();
    let sales_token = app::channels::email::incoming::store::new_inbound_token(&app.db, &sales)
        .await
        .unwrap();
    let raw = "From: buyer@shop.test\nTo: support@demo.test, sales@demo.test\nSubject: Quote and a problem\nMessage-ID: <both@shop.test>\n\nHi both.\n";
    let (_, first) = post(&app, &support, &support_token, raw).await;
    let (_, second) = post(&app, &sales, &sales_token, raw).await;
    assert_eq!(first["outcome"], "stored");
    assert_eq!(second["outcome"], "duplicate");
    assert_eq!(second["ticket"], first["ticket"]);
    // Without a Message-ID, the same bytes are still one message.
    let bare = "From: buyer@shop.test\nSubject: No id\n\nSame bytes.\n";
    assert_eq!(post(&app, &support, &support_token, bare).await.1["outcome"], "stored");
    assert_eq!(
        post(&app, &support, &support_token, bare).await.1["outcome"],
        "duplicate"
    );
}

async fn auto_replies_are_marked_and_move_no_status(engine: Engine) {
    let desk = desk(engine, 0).await;
    let (channel, token) = endpoint(&desk.app).await;
    let (_, our_id) = reply_waiting(&desk, "<p>Done.</p>").await;
    let before = ticket(&desk.agent, TICKET).await;
    let Desk { app, agent, .. } = desk;
    let out_of_office = format!(
        "From: tom@globex.test\nSubject: Automatic reply: Re: {TICKET}\nAuto-Submitted: auto-replied\nX-Autoreply: yes\nMessage-ID: <ooo@globex.test>\nIn-Reply-To: {our_id}\n\nI am out of the office until Monday.\n"
    );
    let (_, answer) = post(&app, &channel, &token, &out_of_office).await;
    assert_eq!(answer["ticket"], before.ticket.id.as_str(), "{answer}");
    let after = ticket(&agent, TICKET).await;
    let last = messages(&after).pop().unwrap();
    assert_eq!(last.incoming.unwrap().auto_label(), Some("Auto-reply"));
    assert_eq!(
        after.ticket.status_name, "Waiting on contact",
        "an auto-reply is not the customer answering"
    );
    // Bulk mail opens its own ticket, marked, and nobody's status moves.
    let news = "From: news@vendor.test\nSubject: Our November newsletter\nPrecedence: bulk\nList-Id: <news.vendor.test>\nMessage-ID: <n1@vendor.test>\n\nNews.\n";
    let (_, answer) = post(&app, &channel, &token, news).await;
    let news_ticket = ticket_by_id(&agent, answer["ticket"].as_str().unwrap()).await;
    assert_eq!(
        messages(&news_ticket)[0].incoming.as_ref().unwrap().auto_label(),
        Some("Bulk mail")
    );
}

async fn a_bounce_of_our_reply_marks_it_failed_with_the_reason(engine: Engine) {
    let desk = desk(engine, 0).await;
    let (channel, token) = endpoint(&desk.app).await;
    let (reply_id, our_id) = reply_waiting(&desk, "<p>Here is your refund.</p>").await;
    let before = ticket(&desk.agent, TICKET).await;
    let Desk { app, agent, .. } = desk;
    let dsn = format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.globex.test>\nTo: support@demo.test\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <dsn-1@mx.globex.test>\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.globex.test\n\nFinal-Recipient: rfc822; tom@globex.test\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <tom@globex.test>: Recipient address rejected: User unknown\n\n--B\nContent-Type: text/rfc822-headers\n\nFrom: support@demo.test\nTo: tom@globex.test\nMessage-ID: {our_id}\nSubject: Re: {TICKET}\n\n--B--\n"
    );
    let (status, answer) = post(&app, &channel, &token, &dsn).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["ticket"],
        before.ticket.id.as_str(),
        "the report belongs with the reply that bounced"
    );
    let after = ticket(&agent, TICKET).await;
    let reply = messages(&after).into_iter().find(|m| m.id == reply_id).unwrap();
    assert_eq!(reply.delivery, Some(Delivery::Failed));
    assert!(
        reply.delivery_error.contains("550 5.1.1") && reply.delivery_error.contains("User unknown"),
        "{}",
        reply.delivery_error
    );
    let report = messages(&after).pop().unwrap();
    assert_eq!(report.incoming.unwrap().auto_label(), Some("Delivery report"));
    assert_eq!(
        after.ticket.status_name, "Waiting on contact",
        "a bounce is not the customer answering"
    );
}

async fn what_cannot_be_imported_is_kept_in_failed_to_import(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (channel, token) = endpoint(&app).await;
    for raw in [
        "\u{0}\u{1}garbage without any header",
        "Subject: nobody sent this\n\nno From at all\n",
    ] {
        let (status, answer) = post(&app, &channel, &token, raw).await;
        assert_eq!(status, 202, "{answer}");
        assert_eq!(answer["outcome"], "failed_to_import");
        let failed = answer["failed_import"].as_str().unwrap().to_string();
        let (key, size): (String, i64) = app::on_db!(&app.db, pool => sqlx::query_as(
            "SELECT raw_key, size FROM failed_imports WHERE id = $1").bind(&failed).fetch_one(pool).await)
        .unwrap();
        let kept = std::fs::read(app.files_dir.join(key)).unwrap();
        assert_eq!(kept.len() as i64, size);
        assert_eq!(kept, raw.replace('\n', "\r\n").as_bytes(), "kept exactly as received");
    }
}

async fn hostile_html_is_harmless_and_inline_images_are_only_for_those_who_see_the_ticket(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (channel, token) = endpoint(&app).await;
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    let raw = format!(
        "From: html@sender.test\nTo: support@demo.test\nSubject: Fancy mail\nMessage-ID: <html-1@sender.test>\nMIME-Version: 1.0\nContent-Type: multipart/related; boundary=\"R\"\n\n--R\nContent-Type: text/html; charset=utf-8\n\n<html><head><style>body{{display:none}}</style></head><body onload=\"steal()\"><p>Hello <b>team</b></p><script>alert(document.cookie)</script><img src=\"cid:logo@sender\" alt=\"Logo\"><img src=\"https://tracker.test/open.gif\"><a href=\"javascript:alert(1)\">click</a><form action=\"https://evil.test\"><input name=\"password\"></form></body></html>\n--R\nContent-Type: image/png\nContent-ID: <logo@sender>\nContent-Transfer-Encoding: base64\nContent-Disposition: inline; filename=\"logo.png\"\n\n{png}\n--R--\n"
    );
    let (_, answer) = post(&app, &channel, &token, &raw).await;
    let id = answer["ticket"].as_str().unwrap().to_string();
    let agent = app.login_as("agent@demo.test").await;
    let message = messages(&ticket_by_id(&agent, &id).await).remove(0);
    let html = &message.body_html;
    for gone in [
        "<script",
        "onload",
        "javascript:",
        "<form",
        "<input",
        "<style",
        "tracker.test/open.gif\"",
    ] {
        assert!(!html.contains(gone), "{gone} survived: {html}");
    }
    assert!(message.incoming.as_ref().unwrap().remote_images);
    assert!(
        html.contains("/images/remote?src=https%3A%2F%2Ftracker.test%2Fopen.gif"),
        "{html}"
    );
    let inline = html
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(inline.starts_with("/files/") && inline.ends_with("/inline"), "{html}");
    // The page shows the same harmless HTML.
    let page = agent.get(&format!("/tickets/{id}")).await.text().await.unwrap();
    assert!(!page.contains("alert(document.cookie)") && page.contains("Hello <b>team</b>"));
    // The image shows for those who may see the ticket, in place, as a PNG.
    let shown = agent.get(&inline).await;
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["content-type"], "image/png");
    assert_eq!(shown.headers()["content-disposition"], "inline");
    // Not for anyone else: a viewer restricted to their team, or nobody logged in.
    let viewer = app.login_as("viewer@demo.test").await;
    assert_eq!(viewer.get(&inline).await.status(), 404);
    assert_ne!(app.client().get(&inline).await.status(), 200);
    // "Show original": the message as received, as text, for the same people only.
    let original = agent.get(&app::conversations::model::original_path(&message.id)).await;
    assert_eq!(original.status(), 200);
    assert_eq!(original.headers()["content-type"], "text/plain; charset=utf-8");
    assert!(original.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("sandbox"));
    assert!(original
        .text()
        .await
        .unwrap()
        .contains("<script>alert(document.cookie)</script>"));
    let path = app::conversations::model::original_path(&message.id);
    assert_eq!(viewer.get(&path).await.status(), 404);
    // The placeholder of held-back images is ours, and leaves for no one's server.
    let placeholder = agent
        .get("/images/remote?src=https%3A%2F%2Ftracker.test%2Fopen.gif")
        .await;
    assert_eq!(placeholder.status(), 200);
    assert_eq!(placeholder.headers()["content-type"], "image/svg+xml");
}

/// Saves the demo address through Settings > Email with its incoming side set.
async fn save_incoming(admin: &Client, status: Option<&str>, paused: bool) -> crate::common::Answer {
    let channels: Vec<app::channels::email::model::EmailChannel> =
        admin.call("admin/list_email_channels", &[]).await.ok();
    let demo = &channels[0];
    let port = demo.smtp_port.to_string();
    let paused = paused.to_string();
    let mut form: Vec<(&str, &str)> = vec![
        ("channel[id]", &demo.id),
        ("channel[address]", &demo.address),
        ("channel[display_name]", &demo.display_name),
        ("channel[smtp_host]", &demo.smtp_host),
        ("channel[smtp_port]", &port),
        ("channel[smtp_tls]", "None"),
        ("channel[incoming_paused]", &paused),
    ];
    if let Some(status) = status {
        form.push(("channel[incoming_status_id]", status));
    }
    admin.call("admin/save_email_channel", &form).await
}

async fn settings_choose_where_tickets_land_pause_the_address_and_make_its_token(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let pipelines: Vec<app::pipelines::model::Pipeline> = admin.call("list_pipelines", &[]).await.ok();
    let support = &pipelines[0];
    let waiting_on_us = support.statuses.iter().find(|s| s.name == "Waiting on us").unwrap();
    let closed = support.statuses.iter().find(|s| s.name == "Closed").unwrap();
    assert_eq!(save_incoming(&admin, Some(&waiting_on_us.id), false).await.status, 200);
    let channels: Vec<app::channels::email::model::EmailChannel> =
        admin.call("admin/list_email_channels", &[]).await.ok();
    assert_eq!(
        channels[0].incoming_status_id.as_deref(),
        Some(waiting_on_us.id.as_str())
    );
    assert!(!channels[0].has_inbound_token);
    // A status that takes no new tickets is refused on its field.
    if !closed.allows_creation {
        let refused = save_incoming(&admin, Some(&closed.id), false).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
    }
    let refused = save_incoming(&admin, Some("no-such-status"), false).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    // The token made in Settings opens the endpoint; tickets land where chosen.
    let endpoint: app::channels::email::model::InboundEndpoint = admin
        .call("admin/new_inbound_token", &[("id", &channels[0].id)])
        .await
        .ok();
    assert_eq!(endpoint.path, format!("/inbound/email/{}", channels[0].id));
    let raw = "From: lands@example.test\nSubject: Where does this land\nMessage-ID: <land-1@example.test>\n\nHere.\n";
    let (status, answer) = post(&app, &channels[0].id, &endpoint.token, raw).await;
    assert_eq!(status, 200, "{answer}");
    let landed = ticket_by_id(&admin, answer["ticket"].as_str().unwrap()).await;
    assert_eq!(landed.ticket.status_name, "Waiting on us");
    // A new token replaces the old one.
    let newer: app::channels::email::model::InboundEndpoint = admin
        .call("admin/new_inbound_token", &[("id", &channels[0].id)])
        .await
        .ok();
    assert_eq!(post(&app, &channels[0].id, &endpoint.token, raw).await.0, 401);
    assert_eq!(
        post(&app, &channels[0].id, &newer.token, raw).await.1["outcome"],
        "duplicate"
    );
    // Paused: the sender is asked to try later.
    assert_eq!(save_incoming(&admin, None, true).await.status, 200);
    let later = raw.replace("land-1", "land-2");
    assert_eq!(post(&app, &channels[0].id, &newer.token, &later).await.0, 503);
    // Only super admins make tokens.
    let agent = app.login_as("agent@demo.test").await;
    assert_eq!(
        agent
            .call("admin/new_inbound_token", &[("id", &channels[0].id)])
            .await
            .status,
        404
    );
}

async fn every_malformed_message_becomes_a_ticket_or_a_failed_import(engine: Engine) {
    use rand::{Rng, SeedableRng};
    let app = TestApp::spawn(engine).await;
    let (channel, token) = endpoint(&app).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src/channels/email/incoming/golden");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    seeds.sort();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let client = reqwest::Client::new();
    let (mut stored, mut failed) = (0, 0);
    for round in 0..40 {
        let mut raw = seeds[round % seeds.len()].clone();
        for _ in 0..rng.gen_range(1..6) {
            let at = rng.gen_range(0..raw.len());
            match rng.gen_range(0..3) {
                0 => raw[at] = rng.gen(),
                1 => raw.truncate(at.max(1)),
                _ => raw.splice(at..at, b"\r\n\r\n".iter().copied()).for_each(drop),
            }
        }
        let response = client
            .post(format!("{}/inbound/email/{channel}", app.base))
            .header("authorization", format!("Bearer {token}"))
            .body(raw)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let answer: serde_json::Value = response.json().await.unwrap();
        match (status, answer["outcome"].as_str()) {
            (200, Some("stored" | "duplicate")) => stored += 1,
            (202, Some("failed_to_import")) => failed += 1,
            other => panic!("round {round}: {other:?} {answer}"),
        }
    }
    assert_eq!(stored + failed, 40);
    let (kept,): (i64,) = app::on_db!(&app.db, pool => sqlx::query_as("SELECT COUNT(*) FROM failed_imports")
        .fetch_one(pool).await)
    .unwrap();
    assert_eq!(kept, failed as i64, "every message that was not imported is kept");
}

async fn a_failed_import_can_be_viewed_downloaded_retried_and_deleted_by_admins(engine: Engine) {
    use app::channels::email::model::{FailedImport, RetryOutcome};
    let app = TestApp::spawn(engine).await;
    let (channel, token) = endpoint(&app).await;
    let admin = app.login_as("admin@demo.test").await;
    let agent = app.login_as("agent@demo.test").await;
    let files = app::conversations::files::FileStore::new(app.files_dir.clone(), 1).unwrap();
    let (_, first) = post(
        &app,
        &channel,
        &token,
        "Subject: no sender\n\n<script>alert(1)</script>\n",
    )
    .await;
    let first = first["failed_import"].as_str().unwrap().to_string();
    let listed: Vec<FailedImport> = admin.call("admin/list_failed_imports", &[]).await.ok();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, first);
    assert_eq!(listed[0].subject, "no sender");
    assert_eq!(listed[0].address.as_deref(), Some("support@demo.test"));
    assert!(listed[0].reason.contains("no sender"), "{}", listed[0].reason);
    // Only super admins see the list or the original.
    assert_eq!(agent.call("admin/list_failed_imports", &[]).await.status, 404);
    let path = app::channels::email::model::failed_import_path(&first);
    assert_eq!(agent.get(&path).await.status(), 404);
    let logged_out = app.client().get(&path).await;
    assert_eq!(logged_out.status(), 303, "sent to the login page");
    assert!(logged_out.headers()["location"].to_str().unwrap().starts_with("/login"));
    let shown = admin.get(&path).await;
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["content-type"], "text/plain; charset=utf-8");
    assert!(shown.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("sandbox"));
    assert_eq!(
        shown.text().await.unwrap(),
        "Subject: no sender\r\n\r\n<script>alert(1)</script>\r\n"
    );
    let downloaded = admin.get(&format!("{path}?download=1")).await;
    assert_eq!(downloaded.status(), 200);
    assert!(downloaded.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));

    // Retried, it fails again: kept once, under a new entry.
    let again: RetryOutcome = admin.call("admin/retry_failed_import", &[("id", &first)]).await.ok();
    assert!(
        matches!(&again, RetryOutcome::StillFailing { reason } if reason.contains("no sender")),
        "{again:?}"
    );
    let listed: Vec<FailedImport> = admin.call("admin/list_failed_imports", &[]).await.ok();
    assert_eq!(listed.len(), 1);
    assert_ne!(listed[0].id, first);
    assert_eq!(admin.get(&path).await.status(), 404, "the old entry went");

    // One that can be read now (say, a parser fixed since) is imported by its retry.
    let readable =
        "From: later@example.test\r\nSubject: Readable now\r\nMessage-ID: <later-1@example.test>\r\n\r\nHello.\r\n";
    let app::channels::email::incoming::Outcome::Failed { failed_id: later, .. } =
        app::channels::email::incoming::store::keep_failed(
            &app.db,
            &files,
            Some(&channel),
            readable.as_bytes(),
            "The parser failed.",
            None,
        )
        .await
        .unwrap()
    else {
        panic!("kept")
    };
    let imported: RetryOutcome = admin.call("admin/retry_failed_import", &[("id", &later)]).await.ok();
    let RetryOutcome::Imported { ticket_id } = imported else {
        panic!("{imported:?}")
    };
    assert_eq!(ticket_by_id(&admin, &ticket_id).await.ticket.name, "Readable now");

    // Deleted: the row and the kept original go.
    let remaining = listed[0].id.clone();
    let (key,): (String,) = app::on_db!(&app.db, pool => sqlx::query_as(
        "SELECT raw_key FROM failed_imports WHERE id = $1").bind(&remaining).fetch_one(pool).await)
    .unwrap();
    assert_eq!(
        agent
            .call("admin/delete_failed_import", &[("id", &remaining)])
            .await
            .status,
        404
    );
    assert_eq!(
        admin
            .call("admin/delete_failed_import", &[("id", &remaining)])
            .await
            .status,
        200
    );
    assert!(!app.files_dir.join(key).exists());
    let listed: Vec<FailedImport> = admin.call("admin/list_failed_imports", &[]).await.ok();
    assert!(listed.is_empty());
    assert_eq!(
        admin
            .call("admin/delete_failed_import", &[("id", &remaining)])
            .await
            .status,
        404
    );
}

/// "Send email" from Tom's contact page, as the form sends it.
async fn email_tom(desk: &Desk, from: &str, to: &str, subject: &str, body: &str) -> crate::common::Answer {
    email_tom_as(desk, &desk.agent, from, to, subject, body).await
}

async fn email_tom_as(
    desk: &Desk,
    who: &Client,
    from: &str,
    to: &str,
    subject: &str,
    body: &str,
) -> crate::common::Answer {
    let (contact,): (String,) = app::on_db!(&desk.app.db, pool => sqlx::query_as(
        "SELECT contact_id FROM contact_emails WHERE email = 'tom@globex.test'").fetch_one(pool).await)
    .unwrap();
    who.call(
        "email_contact",
        &[
            ("email[contact_id]", &contact),
            ("email[from_channel_id]", from),
            ("email[to]", to),
            ("email[subject]", subject),
            ("email[body_text]", body),
        ],
    )
    .await
}

async fn send_email_from_a_contact_opens_a_ticket_whose_answer_threads_onto_it(engine: Engine) {
    let desk = desk(engine, 0).await;
    let (channel, token) = endpoint(&desk.app).await;
    // Refused, each on its field, and no ticket is left behind.
    let blank = email_tom(&desk, &channel, "tom@globex.test", "  ", "Hello").await;
    assert_eq!(blank.error_kind(), "Validation");
    assert!(blank.body.to_string().contains("subject"), "{}", blank.body);
    let stranger = email_tom(&desk, &channel, "someone@else.test", "Hi", "Hello").await;
    assert!(
        stranger.body.to_string().contains("one of the contact's addresses"),
        "{}",
        stranger.body
    );
    let empty = email_tom(&desk, &channel, "tom@globex.test", "Hi", " \n ").await;
    assert!(
        empty.body.to_string().contains("Write your message first"),
        "{}",
        empty.body
    );
    let nowhere = email_tom(&desk, "no-such-channel", "tom@globex.test", "Hi", "Hello").await;
    assert!(
        nowhere.body.to_string().contains("choose another in From"),
        "{}",
        nowhere.body
    );
    let (tickets,): (i64,) = app::on_db!(&desk.app.db, pool => sqlx::query_as(
        "SELECT COUNT(*) FROM tickets WHERE name = 'Hi'").fetch_one(pool).await)
    .unwrap();
    assert_eq!(tickets, 0);
    // Viewers may not email.
    let viewer = desk.app.login_as("viewer@demo.test").await;
    let refused = email_tom_as(&desk, &viewer, &channel, "tom@globex.test", "Viewer mail", "Hello").await;
    assert_eq!(refused.status, 404, "{}", refused.body);

    let subject = "Your renewal <script>alert(1)</script>";
    let sent = email_tom(
        &desk,
        &channel,
        "tom@globex.test",
        subject,
        "Hello Tom,\n\nyour plan renews <soon> & cheaper.\nBest",
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let ticket_id: String = sent.ok();
    let detail = ticket_by_id(&desk.agent, &ticket_id).await;
    assert_eq!(detail.ticket.name, subject, "the subject is the ticket's name, as text");
    assert_eq!(detail.ticket.source, app::tickets::model::Source::Email);
    assert_eq!(detail.ticket.owner_name.as_deref(), Some("Alex Agent"));
    assert_eq!(
        detail.conversations[0].contact_email.as_deref(),
        Some("tom@globex.test")
    );
    let mail = wait_for_mail(&desk.mailbox, 1).await.remove(0);
    assert_eq!(mail.to, vec!["tom@globex.test".to_string()]);
    let text = mail.text();
    let number = detail.ticket.number;
    assert!(
        text.contains(&format!("Subject: Your renewal <script>alert(1)</script> [#{number}]")),
        "a first email, not a reply: {text}"
    );
    assert!(text.contains("renews &lt;soon&gt; &amp; cheaper.<br>Best"), "{text}");
    let our_id = text
        .lines()
        .find_map(|l| l.strip_prefix("Message-ID: "))
        .unwrap()
        .trim()
        .to_string();

    // Tom answers: it lands on that ticket.
    let answer = format!(
        "From: Tom <tom@globex.test>\nTo: support@demo.test\nSubject: Re: Your renewal [#{number}]\nMessage-ID: <tom-renewal@globex.test>\nIn-Reply-To: {our_id}\n\nSounds good.\n"
    );
    let (status, outcome) = post(&desk.app, &channel, &token, &answer).await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["ticket"], ticket_id.as_str());
    assert_eq!(outcome["threaded_by"], "in-reply-to");
    assert_eq!(messages(&ticket_by_id(&desk.agent, &ticket_id).await).len(), 2);
}

on_both_engines!(
    send_email_from_a_contact_opens_a_ticket_whose_answer_threads_onto_it,
    a_failed_import_can_be_viewed_downloaded_retried_and_deleted_by_admins,
    every_malformed_message_becomes_a_ticket_or_a_failed_import,
    settings_choose_where_tickets_land_pause_the_address_and_make_its_token,
    a_message_to_the_endpoint_becomes_a_ticket_with_its_sender_as_contact,
    a_customers_reply_threads_onto_its_ticket_and_sets_waiting_on_us,
    a_subject_reference_threads_only_mail_from_the_tickets_contacts,
    someone_cc_d_who_replies_joins_the_ticket,
    a_message_to_two_of_our_addresses_is_one_ticket,
    auto_replies_are_marked_and_move_no_status,
    a_bounce_of_our_reply_marks_it_failed_with_the_reason,
    what_cannot_be_imported_is_kept_in_failed_to_import,
    hostile_html_is_harmless_and_inline_images_are_only_for_those_who_see_the_ticket,
);
