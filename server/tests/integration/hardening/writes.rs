//! Writes that hold under concurrency: concurrent writers, status rules inside the transaction,
//! one conversation per ticket, unique domains and history numbers, instances starting
//! together.

use super::new_ticket;
use crate::common::{self, support_pipeline, Engine, TestApp};

async fn concurrent_writers_all_land(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = std::sync::Arc::new(app.login_as("agent@demo.test").await);
    // Creating a contact reads (its company by domain) before it writes: under SQLite's
    // deferred transactions most of these failed with "database is locked".
    let writers = (0..8).map(|writer| {
        let agent = agent.clone();
        async move {
            let mut statuses = Vec::new();
            for n in 0..25 {
                let email = format!("writer{writer}-{n}@acme.test");
                let name = format!("Writer {writer} {n}");
                let answer = agent
                    .call(
                        "create_contact",
                        &[("contact[name]", &name), ("contact[email]", &email)],
                    )
                    .await;
                statuses.push(answer.status);
            }
            statuses
        }
    });
    let statuses: Vec<u16> = futures::future::join_all(writers).await.into_iter().flatten().collect();
    let failed: Vec<&u16> = statuses.iter().filter(|s| **s != 200).collect();
    assert!(
        failed.is_empty(),
        "{} of {} writes failed: {failed:?}",
        failed.len(),
        statuses.len()
    );
}

/// Two instances behind a load balancer, started at once on one empty PostgreSQL
/// database: both come up, and the demo data is seeded once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_start_together_on_one_empty_postgres_database() {
    let url = common::fresh_database_url(Engine::Postgres).await;
    let (config_one, config_two) = (common::config(&url, true), common::config(&url, true));
    let (first, second) = tokio::join!(server::prepare(&config_one), server::prepare(&config_two));
    let (first, second) = (
        first.expect("the first instance starts"),
        second.expect("the second instance starts"),
    );
    assert_eq!(
        u8::from(first.seeded) + u8::from(second.seeded),
        1,
        "exactly one of them seeds"
    );
    let (users,): (i64,) = match &first.db {
        app::db::Db::Postgres(pool) => sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(pool)
            .await
            .unwrap(),
        app::db::Db::Sqlite(_) => unreachable!("a PostgreSQL test"),
    };
    assert_eq!(users, 3);
}

/// Two people adding a company with the same domain at once: one gets it, the other a
/// clear error naming the field.
async fn company_domains_are_unique_even_when_added_at_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = std::sync::Arc::new(app.login_as("agent@demo.test").await);
    let adds = (0..6).map(|n| {
        let agent = agent.clone();
        async move {
            let name = format!("Twin {n}");
            agent
                .call(
                    "create_company",
                    &[("company[name]", name.as_str()), ("company[domain]", "twins.test")],
                )
                .await
        }
    });
    let answers = futures::future::join_all(adds).await;
    assert_eq!(answers.iter().filter(|a| a.status == 200).count(), 1, "{answers:?}");
    for refused in answers.iter().filter(|a| a.status != 200) {
        assert_eq!(refused.status, 422, "{refused:?}");
        assert_eq!(refused.body["Validation"]["field"], "company_domain");
    }
}

/// Counts rows of `sql` (a `SELECT COUNT(*) ...` with one text parameter) on either engine.
async fn count_rows(db: &app::db::Db, sql: &str, param: &str) -> i64 {
    let (n,): (i64,) = app::on_db!(db, pool => sqlx::query_as(sql).bind(param).fetch_one(pool).await).unwrap();
    n
}

/// Agents closing a ticket while others clear its "Close reason", all at once: the rule
/// (Closed needs a reason) holds whatever order they land in, every accepted edit is in
/// the history, and history numbers never repeat.
async fn concurrent_edits_never_break_a_status_rule(engine: Engine) {
    use app::tickets::model::TicketDetail;
    let app = TestApp::spawn(engine).await;
    let agent = std::sync::Arc::new(app.login_as("agent@demo.test").await);
    let pipeline = support_pipeline(&agent).await;
    let (open, closed) = (pipeline.statuses[0].id.clone(), pipeline.statuses[3].id.clone());
    let reason = closed_reason(&pipeline);
    let ticket = new_ticket(&agent, "Raced over").await;
    for round in 0..6 {
        // Open, with a reason already there: closing needs nothing more, clearing is allowed.
        let set = [
            ("id", ticket.as_str()),
            ("property_id", reason.as_str()),
            ("value", "Solved"),
        ];
        agent.call("set_ticket_property", &set).await.ok::<()>();
        let reopen = [("id", ticket.as_str()), ("status_id", open.as_str())];
        let reopened = agent.call("set_ticket_status", &reopen).await;
        assert!(reopened.status == 200, "round {round}: {reopened:?}");
        let edits = (0..8).map(|n| {
            let (agent, ticket, reason, closed) = (agent.clone(), ticket.clone(), reason.clone(), closed.clone());
            async move {
                if n % 2 == 0 {
                    agent
                        .call(
                            "set_ticket_status",
                            &[("id", ticket.as_str()), ("status_id", closed.as_str())],
                        )
                        .await
                } else {
                    agent
                        .call(
                            "set_ticket_property",
                            &[("id", ticket.as_str()), ("property_id", reason.as_str()), ("value", "")],
                        )
                        .await
                }
            }
        });
        for answer in futures::future::join_all(edits).await {
            assert!(
                answer.status == 200 || answer.body["Validation"]["field"] == "close_reason",
                "round {round}: every answer is a success or the rule's own error: {answer:?}"
            );
        }
        let detail: TicketDetail = agent.call("get_ticket", &[("id", &ticket)]).await.ok();
        if detail.ticket.status_id == closed {
            assert!(
                detail.properties.iter().any(|v| v.property_id == reason),
                "round {round}: Closed without a Close reason"
            );
        }
    }
    let rows = count_rows(
        &app.db,
        "SELECT COUNT(*) FROM ticket_history WHERE ticket_id = $1",
        &ticket,
    )
    .await;
    let numbers = count_rows(
        &app.db,
        "SELECT COUNT(DISTINCT seq) FROM ticket_history WHERE ticket_id = $1",
        &ticket,
    )
    .await;
    assert_eq!(rows, numbers, "history numbers repeat");
}

fn closed_reason(pipeline: &app::pipelines::model::Pipeline) -> String {
    pipeline.statuses[3].required_properties[0].clone()
}

/// A double (or tenfold) click on "Add contact" starts one conversation.
async fn parallel_add_contact_starts_one_conversation(engine: Engine) {
    use app::contacts::model::SearchHit;
    let app = TestApp::spawn(engine).await;
    let agent = std::sync::Arc::new(app.login_as("agent@demo.test").await);
    let ticket = new_ticket(&agent, "Clicked twice").await;
    let maria = agent
        .call("search_contacts", &[("query", "maria")])
        .await
        .ok::<Vec<SearchHit>>()[0]
        .id
        .clone();
    let clicks = (0..10).map(|_| {
        let (agent, ticket, maria) = (agent.clone(), ticket.clone(), maria.clone());
        async move {
            agent
                .call(
                    "start_conversation",
                    &[("id", ticket.as_str()), ("contact_id", maria.as_str())],
                )
                .await
        }
    });
    let answers = futures::future::join_all(clicks).await;
    assert_eq!(answers.iter().filter(|a| a.status == 200).count(), 1, "{answers:?}");
    assert!(
        answers.iter().all(|a| a.status == 200 || a.status == 409),
        "{answers:?}"
    );
    assert_eq!(
        count_rows(
            &app.db,
            "SELECT COUNT(*) FROM conversations WHERE ticket_id = $1",
            &ticket
        )
        .await,
        1
    );
}

on_both_engines!(
    concurrent_writers_all_land,
    company_domains_are_unique_even_when_added_at_once,
    concurrent_edits_never_break_a_status_rule,
    parallel_add_contact_starts_one_conversation,
);
