//! Contact and company records (issue 3): read by anyone logged in, tickets listed within
//! the caller's scope, edited by help desk seats and admins with typed errors.

mod common;

use app::contacts::model::{CompanyRecord, ContactRecord, SearchHit};
use common::{Engine, TestApp};

async fn records_show_their_tickets_within_the_callers_scope_and_are_edited_in_place(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let viewer = app.login_as("viewer@demo.test").await;
    let tom = agent
        .call("search_contacts", &[("query", "tom")])
        .await
        .ok::<Vec<SearchHit>>()[0]
        .id
        .clone();
    let record: ContactRecord = agent.call("get_contact", &[("id", &tom)]).await.ok();
    assert_eq!(record.name, "Tom Becker");
    assert_eq!(record.company_name.as_deref(), Some("Globex"));
    assert!(record.tickets.iter().any(|t| t.name == "Refund for duplicate charge"));
    // The viewer (Support team only) does not see Tom's Billing tickets on his record.
    let seen_by_viewer: ContactRecord = viewer.call("get_contact", &[("id", &tom)]).await.ok();
    assert!(!seen_by_viewer
        .tickets
        .iter()
        .any(|t| t.name == "Refund for duplicate charge"));
    assert!(seen_by_viewer.tickets.len() < record.tickets.len());
    assert_eq!(agent.call("get_contact", &[("id", "nobody")]).await.status, 404);

    let globex = record.company_id.clone().unwrap();
    let company: CompanyRecord = agent.call("get_company", &[("id", &globex)]).await.ok();
    assert_eq!(company.domain.as_deref(), Some("globex.test"));
    assert!(company.contacts.iter().any(|c| c.label == "Tom Becker"));
    assert!(!company.tickets.is_empty());

    // Edits: service access cannot; bad values come back by field; a taken email is refused.
    let edit = |email: &'static str, phone: &'static str| {
        [
            ("id", tom.as_str()),
            ("contact[name]", "Tom Becker-Ruiz"),
            ("contact[email]", email),
            ("contact[phone]", phone),
        ]
    };
    assert_eq!(
        viewer.call("update_contact", &edit("tom@globex.test", "")).await.status,
        404
    );
    let bad = agent.call("update_contact", &edit("tom", "")).await;
    assert_eq!(bad.body["Validation"]["field"], "email");
    let taken = agent.call("update_contact", &edit("MARIA@acme.test", "")).await;
    assert_eq!(taken.body["Validation"]["field"], "email");
    agent
        .call("update_contact", &edit("tom.b@globex.test", "+49 30 1234"))
        .await
        .ok::<()>();
    let record: ContactRecord = agent.call("get_contact", &[("id", &tom)]).await.ok();
    assert_eq!(record.name, "Tom Becker-Ruiz");
    assert_eq!(record.email.as_deref(), Some("tom.b@globex.test"));
    assert_eq!(record.phone.as_deref(), Some("+49 30 1234"));
    assert_eq!(record.company_id, None, "no company was sent, so it is cleared");

    let bad = agent
        .call(
            "update_company",
            &[
                ("id", &globex),
                ("company[name]", "Globex"),
                ("company[domain]", "globex"),
            ],
        )
        .await;
    assert_eq!(bad.body["Validation"]["field"], "domain");
    agent
        .call(
            "update_company",
            &[
                ("id", &globex),
                ("company[name]", "Globex Corp"),
                ("company[domain]", "Globex.example"),
            ],
        )
        .await
        .ok::<()>();
    let company: CompanyRecord = agent.call("get_company", &[("id", &globex)]).await.ok();
    assert_eq!(
        (company.name.as_str(), company.domain.as_deref()),
        ("Globex Corp", Some("globex.example"))
    );
}

on_both_engines!(records_show_their_tickets_within_the_callers_scope_and_are_edited_in_place);
