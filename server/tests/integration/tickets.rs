//! Creating tickets by hand (MISSION T1, T3, T5): required fields checked on the server,
//! the new ticket in the right views at once, history kept, roles honoured.

use crate::common;

use app::contacts::model::SearchHit;
use app::tickets::model::{TicketDetail, TicketPage, ViewCount};
use common::{create_ticket as create, support_pipeline, Client, Engine, TestApp};

async fn count(client: &Client, label: &str) -> i64 {
    let counts = client.call("view_counts", &[]).await.ok::<Vec<ViewCount>>();
    counts
        .into_iter()
        .find(|c| c.view.label() == label)
        .map(|c| c.count)
        .unwrap_or(-1)
}

async fn a_created_ticket_appears_in_the_right_views_at_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let pipeline = support_pipeline(&agent).await;
    let (open_before, unassigned_before) = (count(&agent, "All open").await, count(&agent, "Unassigned").await);
    let id: String = create(
        &agent,
        &[
            ("name", "  Printer on floor 3 is jammed "),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[0].id),
            ("priority", "High"),
            ("description", "Paper everywhere."),
        ],
    )
    .await
    .ok();
    assert_eq!(count(&agent, "All open").await, open_before + 1);
    assert_eq!(count(&agent, "Unassigned").await, unassigned_before + 1);
    let page = agent
        .call("list_tickets", &[("view", "Unassigned")])
        .await
        .ok::<TicketPage>();
    assert_eq!(page.tickets[0].id, id, "newest activity first");
    assert_eq!(page.tickets[0].name, "Printer on floor 3 is jammed");

    let detail = agent.call("get_ticket", &[("id", &id)]).await.ok::<TicketDetail>();
    assert!(
        detail.conversations.is_empty(),
        "a ticket created by hand has no conversation"
    );
    assert_eq!(detail.ticket.description, "Paper everywhere.");
    assert_eq!(detail.ticket.source, app::tickets::model::Source::Manual);

    let history: (i64,) = app::on_db!(&app.db, pool => sqlx::query_as(
        "SELECT COUNT(*) FROM ticket_history WHERE ticket_id = $1 AND field = 'created'")
        .bind(&id).fetch_one(pool).await)
    .unwrap();
    assert_eq!(history.0, 1);
}

async fn a_ticket_created_with_an_owner_and_a_closed_status_lands_in_those_views(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let me = agent.call("me", &[]).await.ok::<app::auth::model::CurrentUser>().id;
    let pipeline = support_pipeline(&agent).await;
    let mine_before = count(&agent, "Assigned to me").await;
    create(
        &agent,
        &[
            ("name", "Mine"),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[1].id),
            ("priority", "Low"),
            ("description", ""),
            ("owner_id", &me),
        ],
    )
    .await
    .ok::<String>();
    assert_eq!(count(&agent, "Assigned to me").await, mine_before + 1);
    let closed_before = count(&agent, "Closed").await;
    create(
        &agent,
        &[
            ("name", "Done already"),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[3].id),
            ("priority", "Low"),
            ("description", ""),
            (
                "properties[0][property_id]",
                &pipeline.statuses[3].required_properties[0],
            ),
            ("properties[0][value]", "Solved"),
        ],
    )
    .await
    .ok::<String>();
    assert_eq!(count(&agent, "Closed").await, closed_before + 1);
}

async fn required_fields_are_enforced_by_the_server(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let pipeline = support_pipeline(&agent).await;
    let status = pipeline.statuses[0].id.clone();
    let cases = [
        (
            create(
                &agent,
                &[
                    ("name", " "),
                    ("pipeline_id", &pipeline.id),
                    ("status_id", &status),
                    ("priority", "Low"),
                    ("description", ""),
                ],
            )
            .await,
            "name",
        ),
        (
            create(
                &agent,
                &[
                    ("name", "A"),
                    ("pipeline_id", "nope"),
                    ("status_id", &status),
                    ("priority", "Low"),
                    ("description", ""),
                ],
            )
            .await,
            "pipeline",
        ),
        (
            create(
                &agent,
                &[
                    ("name", "A"),
                    ("pipeline_id", &pipeline.id),
                    ("status_id", "nope"),
                    ("priority", "Low"),
                    ("description", ""),
                ],
            )
            .await,
            "status",
        ),
        (
            create(
                &agent,
                &[
                    ("name", "A"),
                    ("pipeline_id", &pipeline.id),
                    ("status_id", &status),
                    ("priority", "Low"),
                    ("description", ""),
                    ("owner_id", "nobody"),
                ],
            )
            .await,
            "owner",
        ),
    ];
    for (answer, field) in cases {
        assert_eq!(answer.status, 422, "{answer:?}");
        assert_eq!(answer.body["Validation"]["field"], field, "{answer:?}");
    }
    let missing_pipeline = create(&agent, &[("name", "A"), ("priority", "Low"), ("description", "")]).await;
    assert_eq!(missing_pipeline.status, 400, "{missing_pipeline:?}");
    assert_eq!(count(&agent, "All open").await, 6, "nothing was created");
}

async fn service_access_cannot_create_tickets(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let viewer = app.login_as("viewer@demo.test").await;
    let pipeline = support_pipeline(&viewer).await;
    let answer = create(
        &viewer,
        &[
            ("name", "Sneaky"),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[0].id),
            ("priority", "Low"),
            ("description", ""),
        ],
    )
    .await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.error_kind(), "NotFound");
    let anonymous = create(
        &app.client(),
        &[
            ("name", "Anon"),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[0].id),
            ("priority", "Low"),
            ("description", ""),
        ],
    )
    .await;
    assert_eq!(anonymous.status, 401);
}

async fn companies_and_contacts_are_found_as_the_agent_types(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let labels = |hits: Vec<SearchHit>| hits.into_iter().map(|h| h.label).collect::<Vec<_>>();
    assert_eq!(
        labels(agent.call("search_companies", &[("query", "acm")]).await.ok()),
        ["Acme Corp"]
    );
    assert_eq!(
        labels(agent.call("search_companies", &[("query", "GLOBEX.t")]).await.ok()),
        ["Globex"],
        "by domain"
    );
    assert_eq!(
        labels(agent.call("search_contacts", &[("query", "lopez")]).await.ok()),
        ["Maria Lopez"]
    );
    assert_eq!(
        labels(agent.call("search_contacts", &[("query", "tom@")]).await.ok()),
        ["Tom Becker"],
        "by email"
    );
    assert!(
        labels(agent.call("search_contacts", &[("query", "%")]).await.ok()).is_empty(),
        "wildcards are literal"
    );
    let hit = agent
        .call("search_contacts", &[("query", "maria")])
        .await
        .ok::<Vec<SearchHit>>()
        .remove(0);
    assert_eq!(hit.detail.as_deref(), Some("maria@acme.test · Acme Corp"));
}

async fn a_new_contact_is_unique_by_email_and_matched_to_its_company(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let created: SearchHit = agent
        .call(
            "create_contact",
            &[("contact[name]", "Zed Zulu"), ("contact[email]", "Zed@ACME.test")],
        )
        .await
        .ok();
    assert_eq!(created.detail.as_deref(), Some("zed@acme.test · Acme Corp"));
    let again = agent
        .call(
            "create_contact",
            &[("contact[name]", "Zed Again"), ("contact[email]", "zed@acme.TEST")],
        )
        .await;
    assert_eq!(again.status, 422);
    assert_eq!(again.body["Validation"]["field"], "contact_email");
    let viewer = app.login_as("viewer@demo.test").await;
    let refused = viewer
        .call(
            "create_contact",
            &[("contact[name]", "V"), ("contact[email]", "v@x.test")],
        )
        .await;
    assert_eq!(refused.status, 404);
}

async fn a_ticket_is_created_with_a_company_and_several_contacts(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let pipeline = support_pipeline(&agent).await;
    let company = agent
        .call("search_companies", &[("query", "initech")])
        .await
        .ok::<Vec<SearchHit>>()
        .remove(0);
    let priya = agent
        .call("search_contacts", &[("query", "priya")])
        .await
        .ok::<Vec<SearchHit>>()
        .remove(0);
    let jonas = agent
        .call("search_contacts", &[("query", "jonas")])
        .await
        .ok::<Vec<SearchHit>>()
        .remove(0);
    let id: String = create(
        &agent,
        &[
            ("name", "Two people, one problem"),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[0].id),
            ("priority", "Medium"),
            ("description", ""),
            ("company_id", &company.id),
            ("contact_ids[0]", &priya.id),
            ("contact_ids[1]", &jonas.id),
        ],
    )
    .await
    .ok();
    let detail = agent.call("get_ticket", &[("id", &id)]).await.ok::<TicketDetail>();
    assert_eq!(detail.company.map(|c| c.name).as_deref(), Some("Initech"));
    let names: Vec<String> = detail.contacts.into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["Jonas Berg", "Priya Shah"]);
    assert!(detail.conversations.is_empty());

    let bogus = create(
        &agent,
        &[
            ("name", "Ghost"),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[0].id),
            ("priority", "Medium"),
            ("description", ""),
            ("contact_ids[0]", "0123456789abcdef0123456789abcdef"),
        ],
    )
    .await;
    assert_eq!(bogus.status, 422);
    assert_eq!(bogus.body["Validation"]["field"], "contacts");
    let bogus = create(
        &agent,
        &[
            ("name", "Ghost"),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[0].id),
            ("priority", "Medium"),
            ("description", ""),
            ("company_id", "nope"),
        ],
    )
    .await;
    assert_eq!(bogus.body["Validation"]["field"], "company");
}

async fn the_sidebar_edits_status_owner_and_priority_and_keeps_history(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let pipeline = support_pipeline(&agent).await;
    let me = agent.call("me", &[]).await.ok::<app::auth::model::CurrentUser>().id;
    let id: String = create(
        &agent,
        &[
            ("name", "Edit me"),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[0].id),
            ("priority", "Low"),
            ("description", ""),
        ],
    )
    .await
    .ok();
    let closed_before = count(&agent, "Closed").await;
    let refused = agent
        .call(
            "set_ticket_status",
            &[("id", &id), ("status_id", &pipeline.statuses[3].id)],
        )
        .await;
    assert_eq!(
        refused.body["Validation"]["field"], "close_reason",
        "Closed requires a close reason in the demo"
    );
    let reason = &pipeline.statuses[3].required_properties[0];
    agent
        .call(
            "set_ticket_status",
            &[
                ("id", &id),
                ("status_id", &pipeline.statuses[3].id),
                ("properties[0][property_id]", reason),
                ("properties[0][value]", "Duplicate"),
            ],
        )
        .await
        .ok::<()>();
    agent
        .call("set_ticket_owner", &[("id", &id), ("owner_id", &me)])
        .await
        .ok::<()>();
    agent
        .call("set_ticket_priority", &[("id", &id), ("priority", "Urgent")])
        .await
        .ok::<()>();
    assert_eq!(
        count(&agent, "Closed").await,
        closed_before + 1,
        "closing moves it to the Closed view"
    );

    let detail = agent.call("get_ticket", &[("id", &id)]).await.ok::<TicketDetail>();
    assert_eq!(detail.ticket.status_name, "Closed");
    assert!(!detail.ticket.is_open);
    assert_eq!(detail.ticket.owner_name.as_deref(), Some("Alex Agent"));
    assert_eq!(detail.ticket.priority, app::tickets::model::Priority::Urgent);
    let changes: Vec<(String, Option<String>, Option<String>)> = detail
        .history
        .iter()
        .map(|h| (h.field.clone(), h.old_value.clone(), h.new_value.clone()))
        .collect();
    assert_eq!(
        changes,
        [
            (
                "Priority".to_string(),
                Some("Low".to_string()),
                Some("Urgent".to_string())
            ),
            ("Ticket owner".to_string(), None, Some("Alex Agent".to_string())),
            (
                "Ticket status".to_string(),
                Some("New".to_string()),
                Some("Closed".to_string())
            ),
            ("Close reason".to_string(), None, Some("Duplicate".to_string())),
            ("created".to_string(), None, Some("Edit me".to_string())),
        ]
    );
    assert!(detail.history.iter().all(|h| h.who == "Alex Agent"));

    // Setting the same value again writes no history; bad values are refused by field.
    agent
        .call("set_ticket_priority", &[("id", &id), ("priority", "Urgent")])
        .await
        .ok::<()>();
    let again = agent.call("get_ticket", &[("id", &id)]).await.ok::<TicketDetail>();
    assert_eq!(again.history.len(), 5);
    let bad = agent
        .call("set_ticket_status", &[("id", &id), ("status_id", "elsewhere")])
        .await;
    assert_eq!(bad.body["Validation"]["field"], "status");
    let bad = agent
        .call("set_ticket_owner", &[("id", &id), ("owner_id", "nobody")])
        .await;
    assert_eq!(bad.body["Validation"]["field"], "owner");
}

async fn edits_honour_role_and_scope(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let viewer = app.login_as("viewer@demo.test").await;
    let page = agent
        .call("list_tickets", &[("view", "Closed")])
        .await
        .ok::<TicketPage>();
    let billing = page
        .tickets
        .iter()
        .find(|t| t.name == "Refund for duplicate charge")
        .unwrap()
        .id
        .clone();
    let page = agent
        .call("list_tickets", &[("view", "AllOpen")])
        .await
        .ok::<TicketPage>();
    let support = page.tickets[0].id.clone();
    for id in [&billing, &support] {
        let answer = viewer
            .call("set_ticket_priority", &[("id", id), ("priority", "High")])
            .await;
        assert_eq!(answer.status, 404, "service access cannot edit");
    }
    // An agent limited to their own tickets cannot edit others'.
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
    let own = app.client();
    own.login("own@demo.test", "long enough", None).await;
    assert_eq!(
        own.call("set_ticket_priority", &[("id", &support), ("priority", "High")])
            .await
            .status,
        404
    );
    let unchanged = agent.call("get_ticket", &[("id", &support)]).await.ok::<TicketDetail>();
    assert_ne!(unchanged.ticket.priority, app::tickets::model::Priority::Urgent);
    assert!(
        unchanged.history.is_empty(),
        "demo tickets start without history: {:?}",
        unchanged.history
    );
}

async fn adding_a_contact_to_a_manual_ticket_starts_a_conversation_with_them(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let viewer = app.login_as("viewer@demo.test").await;
    let pipeline = support_pipeline(&agent).await;
    let id: String = create(
        &agent,
        &[
            ("name", "Call back about the invoice"),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[0].id),
            ("priority", "Medium"),
            ("description", ""),
        ],
    )
    .await
    .ok();
    let hits = agent
        .call("search_contacts", &[("query", "maria")])
        .await
        .ok::<Vec<SearchHit>>();
    let maria = &hits[0].id;
    let denied = viewer
        .call("start_conversation", &[("id", &id), ("contact_id", maria)])
        .await;
    assert_eq!(denied.status, 404, "service access cannot start conversations");
    let bogus = agent
        .call("start_conversation", &[("id", &id), ("contact_id", "nobody")])
        .await;
    assert_eq!(bogus.body["Validation"]["field"], "contact");
    agent
        .call("start_conversation", &[("id", &id), ("contact_id", maria)])
        .await
        .ok::<String>();
    let detail = agent.call("get_ticket", &[("id", &id)]).await.ok::<TicketDetail>();
    assert_eq!(detail.conversations.len(), 1);
    let conversation = &detail.conversations[0];
    assert_eq!(conversation.contact_name.as_deref(), Some("Maria Lopez"));
    assert_eq!(conversation.contact_email.as_deref(), Some("maria@acme.test"));
    assert_eq!(conversation.channel, app::tickets::model::Source::Email);
    assert!(detail.contacts.iter().any(|c| c.name == "Maria Lopez"));
    assert_eq!(detail.history[0].field, "Contact");
    let again = agent
        .call("start_conversation", &[("id", &id), ("contact_id", maria)])
        .await;
    assert_eq!(again.status, 409);
}

async fn views_filter_and_sort_with_keyset_pages(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let pipeline = support_pipeline(&agent).await;
    let priorities = ["Low", "Medium", "High", "Urgent"];
    for n in 0..56 {
        let name = format!("Bulk {n}");
        create(
            &agent,
            &[
                ("name", &name),
                ("pipeline_id", &pipeline.id),
                ("status_id", &pipeline.statuses[n % 2].id),
                ("priority", priorities[n % 4]),
                ("description", ""),
            ],
        )
        .await
        .ok::<String>();
    }
    let list = |query: Vec<(&'static str, String)>| {
        let agent = &agent;
        async move {
            let mut all = Vec::new();
            let mut after: Option<app::tickets::model::Cursor> = None;
            loop {
                let mut form: Vec<(String, String)> = vec![("view".into(), "AllOpen".into())];
                form.extend(query.iter().map(|(k, v)| (format!("query[{k}]"), v.clone())));
                if let Some(cursor) = &after {
                    form.push(("after[value]".into(), cursor.value.to_string()));
                    form.push(("after[id]".into(), cursor.id.clone()));
                }
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let page = agent.call("list_tickets", &form).await.ok::<TicketPage>();
                assert!(page.tickets.len() <= 50);
                all.extend(page.tickets);
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            all
        }
    };
    let everything = list(vec![]).await;
    assert!(
        everything.len() > 56,
        "the demo's open tickets and ours, over two pages"
    );
    let ids: std::collections::HashSet<_> = everything.iter().map(|t| t.id.clone()).collect();
    assert_eq!(ids.len(), everything.len(), "no ticket twice across pages");

    let by_priority = list(vec![("sort", "Priority".into())]).await;
    assert_eq!(by_priority.len(), everything.len());
    let ranks: Vec<u8> = by_priority
        .iter()
        .map(|t| match t.priority {
            app::tickets::model::Priority::Urgent => 4,
            app::tickets::model::Priority::High => 3,
            app::tickets::model::Priority::Medium => 2,
            app::tickets::model::Priority::Low => 1,
        })
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] >= w[1]),
        "highest priority first, across pages"
    );

    let urgent = list(vec![("priority", "Urgent".into())]).await;
    assert!(urgent.len() >= 14);
    assert!(urgent
        .iter()
        .all(|t| t.priority == app::tickets::model::Priority::Urgent));
    let waiting = list(vec![("status_id", pipeline.statuses[1].id.clone())]).await;
    assert!(waiting.iter().all(|t| t.status_name == "Waiting on contact"));
    assert!(waiting.len() >= 28);
    let unowned = list(vec![("owner_id", "none".into()), ("source", "Manual".into())]).await;
    assert!(unowned.len() >= 56, "ours and the demo's hand-made unassigned ticket");
    assert!(unowned
        .iter()
        .all(|t| t.owner_name.is_none() && t.source == app::tickets::model::Source::Manual));
    let by_creation = list(vec![("sort", "CreateDate".into())]).await;
    assert_eq!(by_creation.len(), everything.len());
    assert!(
        by_creation.iter().take(56).all(|t| t.name.starts_with("Bulk ")),
        "newest created first: ours before the demo's older tickets"
    );
}

on_both_engines!(
    views_filter_and_sort_with_keyset_pages,
    adding_a_contact_to_a_manual_ticket_starts_a_conversation_with_them,
    the_sidebar_edits_status_owner_and_priority_and_keeps_history,
    edits_honour_role_and_scope,
    companies_and_contacts_are_found_as_the_agent_types,
    a_new_contact_is_unique_by_email_and_matched_to_its_company,
    a_ticket_is_created_with_a_company_and_several_contacts,
    a_created_ticket_appears_in_the_right_views_at_once,
    a_ticket_created_with_an_owner_and_a_closed_status_lands_in_those_views,
    required_fields_are_enforced_by_the_server,
    service_access_cannot_create_tickets,
);
