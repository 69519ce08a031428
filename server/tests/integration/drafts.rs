//! Drafts (MISSION R7, issue 11): kept on the server as they are typed, versioned so two
//! windows never overwrite each other, sanitised, and visible to their author only.

use crate::common::{self, ticket_named, Client, Engine, TestApp};
use app::conversations::model::{Draft, DraftSaved, DraftSummary};
use app::tickets::model::TicketDetail;

/// The first conversation of the demo ticket called `name`.
pub async fn conversation_of(client: &Client, name: &str) -> String {
    let ticket = ticket_named(client, "AllOpen", name).await;
    let detail: TicketDetail = client.call("get_ticket", &[("id", &ticket)]).await.ok();
    detail.conversations[0].id.clone()
}

/// Saves a reply draft made from `base`, with `extra` fields of the content
/// (`("to][0", "a@b.test")` becomes `content[to][0]`).
pub async fn save(
    client: &Client,
    conversation: &str,
    base: i64,
    body: &str,
    extra: &[(&str, &str)],
) -> common::Answer {
    let base = base.to_string();
    let mut form: Vec<(String, &str)> = vec![
        ("conversation_id".into(), conversation),
        ("base".into(), &base),
        ("content[body_html]".into(), body),
    ];
    form.extend(extra.iter().map(|(k, v)| (format!("content[{k}]"), *v)));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    client.call("save_draft", &form).await
}

async fn draft(client: &Client, conversation: &str) -> Option<Draft> {
    client
        .call("get_draft", &[("conversation_id", conversation)])
        .await
        .ok()
}

async fn a_draft_is_kept_exactly_and_versioned(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let conversation = conversation_of(&agent, "Invoice shows the wrong VAT number").await;
    assert_eq!(draft(&agent, &conversation).await, None);

    let first = save(
        &agent,
        &conversation,
        0,
        "<p>Hello <b>Tom</b>,</p>",
        &[("cc][0", "finance@initech.test")],
    )
    .await;
    assert!(matches!(first.ok::<DraftSaved>(), DraftSaved::Saved { version: 1, .. }));
    let second = save(
        &agent,
        &conversation,
        1,
        "<p>Hello <b>Tom</b>, we fixed it.</p>",
        &[("cc][0", "finance@initech.test")],
    )
    .await;
    assert!(matches!(
        second.ok::<DraftSaved>(),
        DraftSaved::Saved { version: 2, .. }
    ));
    // Another login of the same agent (another computer) gets it back exactly.
    let elsewhere = app.login_as("agent@demo.test").await;
    let kept = draft(&elsewhere, &conversation).await.expect("the draft is kept");
    assert_eq!(kept.version, 2);
    assert_eq!(kept.content.body_html, "<p>Hello <b>Tom</b>, we fixed it.</p>");
    assert_eq!(kept.content.cc, vec!["finance@initech.test".to_string()]);

    // A window still on version 1 is told, and nothing is overwritten.
    match save(&elsewhere, &conversation, 1, "<p>stale</p>", &[])
        .await
        .ok::<DraftSaved>()
    {
        DraftSaved::Conflict { current: Some(current) } => assert_eq!(current.version, 2),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        draft(&agent, &conversation).await.unwrap().content.body_html,
        "<p>Hello <b>Tom</b>, we fixed it.</p>"
    );

    // It is listed in "Drafts" with its ticket and first words.
    let listed: Vec<DraftSummary> = agent.call("list_drafts", &[]).await.ok();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].ticket_name, "Invoice shows the wrong VAT number");
    assert_eq!(listed[0].excerpt, "Hello Tom, we fixed it.");
    assert!(listed[0].ticket_number > 1000);

    // Discarding an older version keeps the newer text; the current one goes.
    let stale: bool = agent
        .call("discard_draft", &[("conversation_id", &conversation), ("version", "1")])
        .await
        .ok();
    assert!(!stale);
    let removed: bool = agent
        .call("discard_draft", &[("conversation_id", &conversation), ("version", "2")])
        .await
        .ok();
    assert!(removed);
    assert_eq!(draft(&agent, &conversation).await, None);
    // A window that still had it is told it is gone rather than bringing it back silently.
    assert!(matches!(
        save(&elsewhere, &conversation, 2, "<p>late</p>", &[])
            .await
            .ok::<DraftSaved>(),
        DraftSaved::Conflict { current: None }
    ));
}

async fn a_draft_is_its_authors_alone(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let admin = app.login_as("admin@demo.test").await;
    let viewer = app.login_as("viewer@demo.test").await;
    let conversation = conversation_of(&agent, "Invoice shows the wrong VAT number").await;
    save(&agent, &conversation, 0, "<p>agent's words</p>", &[])
        .await
        .ok::<DraftSaved>();

    // Another user, whatever they pass, reaches only their own (empty) draft.
    assert_eq!(draft(&admin, &conversation).await, None);
    let discarded: bool = admin
        .call("discard_draft", &[("conversation_id", &conversation), ("version", "1")])
        .await
        .ok();
    assert!(!discarded);
    save(&admin, &conversation, 0, "<p>admin's words</p>", &[])
        .await
        .ok::<DraftSaved>();
    assert_eq!(
        draft(&agent, &conversation).await.unwrap().content.body_html,
        "<p>agent's words</p>"
    );
    let listed: Vec<DraftSummary> = admin.call("list_drafts", &[]).await.ok();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].excerpt, "admin's words");

    // Service access cannot reply, so has no drafts; an unknown or over-long id is not found.
    for (name, answer) in [
        (
            "viewer get",
            viewer.call("get_draft", &[("conversation_id", &conversation)]).await,
        ),
        ("viewer save", save(&viewer, &conversation, 0, "<p>x</p>", &[]).await),
        (
            "unknown id",
            agent
                .call("get_draft", &[("conversation_id", "0123456789abcdef0123456789abcdef")])
                .await,
        ),
        (
            "long id",
            agent.call("get_draft", &[("conversation_id", &"a".repeat(5000))]).await,
        ),
    ] {
        assert_eq!(answer.status, 404, "{name}: {}", answer.body);
    }
    // Logged out: no draft at all.
    let anonymous = app.client();
    assert_eq!(
        anonymous
            .call("get_draft", &[("conversation_id", &conversation)])
            .await
            .status,
        401
    );
}

async fn drafts_are_sanitised_and_checked(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let conversation = conversation_of(&agent, "Invoice shows the wrong VAT number").await;
    save(
        &agent,
        &conversation,
        0,
        r#"<p onclick="steal()">Hi<script>alert(1)</script> <a href="javascript:alert(2)">x</a><img src=x onerror=alert(3)></p>"#,
        &[],
    )
    .await
    .ok::<DraftSaved>();
    let kept = draft(&agent, &conversation).await.unwrap().content.body_html;
    for gone in ["script", "onclick", "javascript:", "<img", "onerror"] {
        assert!(!kept.contains(gone), "{gone} kept: {kept}");
    }
    // An address still being typed is kept with the draft (sending names it, see sending.rs).
    let half_typed = save(&agent, &conversation, 1, "<p>x</p>", &[("cc][0", "not an addr")]).await;
    assert_eq!(half_typed.status, 200, "{}", half_typed.body);
    let header_injection = save(
        &agent,
        &conversation,
        2,
        "<p>x</p>",
        &[("to][0", "a@b.test\r\nBcc: evil@evil.test")],
    )
    .await;
    assert_eq!(header_injection.status, 422);
    let huge = save(
        &agent,
        &conversation,
        2,
        &"x".repeat(app::conversations::model::MAX_REPLY_HTML + 1),
        &[],
    )
    .await;
    assert_eq!(huge.status, 422);
    assert_eq!(
        draft(&agent, &conversation).await.unwrap().version,
        2,
        "refused saves write nothing"
    );
}

on_both_engines!(
    a_draft_is_kept_exactly_and_versioned,
    a_draft_is_its_authors_alone,
    drafts_are_sanitised_and_checked,
);
