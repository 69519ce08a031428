//! Who sees what: views per role, ticket scope, and "not found" for anything outside it
//! (MISSION P2, P3, W1, R1).

use crate::common;

use app::auth::model::CurrentUser;
use app::tickets::model::{TicketDetail, TicketPage, ViewCount, ViewKey};
use common::{ticket_named, Client, Engine, TestApp};

async fn counts(client: &Client) -> Vec<(String, i64)> {
    client
        .call("view_counts", &[])
        .await
        .ok::<Vec<ViewCount>>()
        .into_iter()
        .map(|c| (c.view.label().to_string(), c.count))
        .collect()
}

async fn each_role_sees_its_views_with_exact_counts(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let agent = app.login_as("agent@demo.test").await;
    let viewer = app.login_as("viewer@demo.test").await;
    let pairs = |list: &[(&str, i64)]| list.iter().map(|(l, c)| (l.to_string(), *c)).collect::<Vec<_>>();
    assert_eq!(
        counts(&agent).await,
        pairs(&[("Unassigned", 3), ("Assigned to me", 2), ("All open", 6), ("Closed", 1)])
    );
    assert_eq!(
        counts(&admin).await,
        pairs(&[("Unassigned", 3), ("Assigned to me", 1), ("All open", 6), ("Closed", 1)])
    );
    // Service access: fewer default views, and only their team's tickets.
    assert_eq!(counts(&viewer).await, pairs(&[("Assigned to me", 0), ("All open", 6)]));
    let refused = viewer.call("list_tickets", &[("view", "Unassigned")]).await;
    assert_eq!(refused.status, 404);
    assert_eq!(refused.error_kind(), "NotFound");
}

async fn a_ticket_outside_the_scope_is_not_found_like_a_missing_one(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let viewer = app.login_as("viewer@demo.test").await;
    let billing_ticket = ticket_named(&agent, "Closed", "Refund for duplicate charge").await;
    assert_eq!(
        billing_ticket.len(),
        32,
        "ids are 128-bit random hex, not sequential numbers"
    );

    let outside = viewer.call("get_ticket", &[("id", &billing_ticket)]).await;
    let missing = viewer
        .call("get_ticket", &[("id", "0123456789abcdef0123456789abcdef")])
        .await;
    assert_eq!((outside.status, &outside.body), (missing.status, &missing.body));
    assert_eq!(outside.status, 404);
    assert_eq!(outside.error_kind(), "NotFound");

    // The same ticket opens for a user whose scope covers it.
    let detail = agent
        .call("get_ticket", &[("id", &billing_ticket)])
        .await
        .ok::<TicketDetail>();
    assert_eq!(detail.ticket.name, "Refund for duplicate charge");
}

async fn a_user_limited_to_their_own_tickets_sees_only_those(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    admin
        .call(
            "admin/create_user",
            &[
                ("email", "own@demo.test"),
                ("name", "Olga Own"),
                ("password", "long enough"),
                ("role", "HelpDesk"),
                ("scope", "Own"),
            ],
        )
        .await
        .ok::<String>();
    let any_open = ticket_named(&admin, "AllOpen", "Cannot log in after password reset").await;
    let own = app.client();
    own.login("own@demo.test", "long enough", None).await;
    let own_counts = counts(&own).await;
    assert!(own_counts.iter().all(|(_, count)| *count == 0), "{own_counts:?}");
    assert_eq!(
        own.call("get_ticket", &[("id", &any_open)]).await.error_kind(),
        "NotFound"
    );
    let page = own
        .call("list_tickets", &[("view", "AllOpen")])
        .await
        .ok::<TicketPage>();
    assert!(page.tickets.is_empty());
}

async fn views_page_by_keyset_without_repeats_or_gaps(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent_client = app.login_as("agent@demo.test").await;
    let agent: CurrentUser = agent_client.call("me", &[]).await.ok();
    let everything = app::tickets::store::view_page(&app.db, &agent, ViewKey::AllOpen, &Default::default(), None, 100)
        .await
        .unwrap();
    assert_eq!(everything.tickets.len(), 6);
    assert!(everything.next.is_none());
    assert!(
        everything
            .tickets
            .windows(2)
            .all(|w| w[0].last_activity_at >= w[1].last_activity_at),
        "newest activity first"
    );

    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = app::tickets::store::view_page(
            &app.db,
            &agent,
            ViewKey::AllOpen,
            &Default::default(),
            cursor.as_ref(),
            4,
        )
        .await
        .unwrap();
        assert!(page.tickets.len() <= 4);
        seen.extend(page.tickets.into_iter().map(|t| t.id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = everything.tickets.into_iter().map(|t| t.id).collect();
    assert_eq!(seen, expected);

    // The same through the server function, passing the cursor back.
    let first = agent_client
        .call("list_tickets", &[("view", "AllOpen")])
        .await
        .ok::<TicketPage>();
    assert_eq!(first.tickets.len(), 6);
}

async fn the_open_ticket_shows_its_conversation_and_the_contacts_previous_ones(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let id = ticket_named(&agent, "AllOpen", "Cannot log in after password reset").await;
    let detail = agent.call("get_ticket", &[("id", &id)]).await.ok::<TicketDetail>();
    assert_eq!(detail.ticket.status_name, "New");
    assert_eq!(detail.ticket.pipeline_name, "Support pipeline");
    assert_eq!(detail.contacts.len(), 1);
    assert_eq!(detail.contacts[0].name, "Maria Lopez");
    assert_eq!(detail.company.as_ref().map(|c| c.name.as_str()), Some("Acme Corp"));
    assert_eq!(detail.conversations.len(), 1);
    assert_eq!(detail.conversations[0].messages[0].author_name, "Maria Lopez");
    let previous: Vec<&str> = detail
        .previous_conversations
        .iter()
        .map(|p| p.ticket_name.as_str())
        .collect();
    assert_eq!(previous, vec!["Call: delivery arrived damaged"]);

    // A ticket created by hand has no conversation.
    let manual = ticket_named(&agent, "AllOpen", "Set up onboarding call for the new team").await;
    let manual = agent.call("get_ticket", &[("id", &manual)]).await.ok::<TicketDetail>();
    assert!(manual.conversations.is_empty());
    assert!(manual.contacts.is_empty());
}

async fn previous_conversations_respect_the_scope_too(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let viewer = app.login_as("viewer@demo.test").await;
    // Tom Becker has a Support ticket and a Billing ticket; the viewer sees only Support.
    let support = ticket_named(&agent, "AllOpen", "Invoice shows the wrong VAT number").await;
    let names = |detail: TicketDetail| {
        detail
            .previous_conversations
            .into_iter()
            .map(|p| p.ticket_name)
            .collect::<Vec<_>>()
    };
    let for_agent = names(agent.call("get_ticket", &[("id", &support)]).await.ok());
    assert_eq!(for_agent, vec!["Refund for duplicate charge".to_string()]);
    let for_viewer = names(viewer.call("get_ticket", &[("id", &support)]).await.ok());
    assert!(for_viewer.is_empty(), "{for_viewer:?}");
}

async fn every_role_reads_the_pipelines_in_order(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let viewer = app.login_as("viewer@demo.test").await;
    let pipelines = viewer
        .call("list_pipelines", &[])
        .await
        .ok::<Vec<app::pipelines::model::Pipeline>>();
    assert_eq!(pipelines.len(), 1);
    assert_eq!(pipelines[0].name, "Support pipeline");
    let statuses: Vec<&str> = pipelines[0].statuses.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(statuses, ["New", "Waiting on contact", "Waiting on us", "Closed"]);
    assert_eq!(app.client().call("list_pipelines", &[]).await.status, 401);
}

on_both_engines!(
    every_role_reads_the_pipelines_in_order,
    each_role_sees_its_views_with_exact_counts,
    a_ticket_outside_the_scope_is_not_found_like_a_missing_one,
    a_user_limited_to_their_own_tickets_sees_only_those,
    views_page_by_keyset_without_repeats_or_gaps,
    the_open_ticket_shows_its_conversation_and_the_contacts_previous_ones,
    previous_conversations_respect_the_scope_too,
);
