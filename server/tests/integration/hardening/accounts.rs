//! Accounts fit for production and records within the ticket scope: the first admin, contacts
//! and companies per scope, the last super admin and the audit log, passwords and sessions.

use super::new_user;
use crate::common::{self, create_ticket, support_pipeline, Engine, TestApp};

/// A production start (no demo data) on an empty database creates the first super admin
/// from the environment with a generated password, once, and never a known one.
async fn a_fresh_production_database_gets_its_first_admin_once(engine: Engine) {
    let url = common::fresh_database_url(engine).await;
    let mut config = common::config(&url, false);
    config.first_admin_email = Some("Root@Example.test".to_string());
    let server = server::prepare(&config).await.expect("the server starts");
    let (email, password) = server.first_admin.clone().expect("the first admin was created");
    assert_eq!(email, "root@example.test");
    assert!(password.len() >= 20 && password != "demo");
    assert!(!server.no_users);
    let base = format!("http://{}", server.local_addr());
    tokio::spawn(server.serve(std::future::pending()));
    let client = common::Client {
        base: base.clone(),
        http: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    };
    assert_eq!(client.login("root@example.test", &password, None).await.status(), 200);
    let me = client.call("me", &[]).await.ok::<app::auth::model::CurrentUser>();
    assert_eq!(me.role, app::auth::model::Role::SuperAdmin);
    assert_eq!(
        client.login("admin@demo.test", "demo", None).await.status(),
        401,
        "no demo users"
    );
    // A second start on the same database creates no one.
    let again = server::prepare(&config).await.expect("the server starts again");
    assert!(again.first_admin.is_none());
}

/// Contacts and companies follow the ticket scope (MISSION P3): a user limited to their
/// own or their teams' tickets finds, opens and edits only the contacts and companies on
/// those tickets, and the ones they created; anything else answers like a missing record.
async fn contacts_and_companies_follow_the_ticket_scope(engine: Engine) {
    use app::contacts::model::{ContactRecord, SearchHit};
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let agent = app.login_as("agent@demo.test").await;
    let viewer = app.login_as("viewer@demo.test").await;
    let own = new_user(&app, &admin, "own@demo.test", "own-password", "HelpDesk", "Own").await;
    let names = |hits: Vec<SearchHit>| hits.into_iter().map(|h| h.label).collect::<Vec<_>>();

    // A contact on no ticket, made by the agent (scope all).
    let hidden: SearchHit = agent
        .call(
            "create_contact",
            &[
                ("contact[name]", "Hidden Person"),
                ("contact[email]", "hidden@elsewhere.test"),
            ],
        )
        .await
        .ok();
    assert_eq!(
        names(agent.call("search_contacts", &[("query", "hidden")]).await.ok()),
        ["Hidden Person"]
    );
    for (who, client) in [("viewer", &viewer), ("own", &own)] {
        assert!(
            names(client.call("search_contacts", &[("query", "hidden")]).await.ok()).is_empty(),
            "{who}"
        );
        assert_eq!(
            client.call("get_contact", &[("id", &hidden.id)]).await.status,
            404,
            "{who}"
        );
    }
    // The viewer's team has Maria's tickets; the own-scope user owns none of them.
    let maria = names(viewer.call("search_contacts", &[("query", "maria")]).await.ok());
    assert_eq!(maria, ["Maria Lopez"]);
    assert!(names(own.call("search_contacts", &[("query", "maria")]).await.ok()).is_empty());
    let maria_id = agent
        .call("search_contacts", &[("query", "maria")])
        .await
        .ok::<Vec<SearchHit>>()[0]
        .id
        .clone();
    let edit = [
        ("id", maria_id.as_str()),
        ("contact[name]", "Maria Changed"),
        ("contact[emails][0]", "maria@acme.test"),
        ("contact[phone]", ""),
    ];
    assert_eq!(
        own.call("update_contact", &edit).await.status,
        404,
        "no edits out of scope"
    );
    let record: ContactRecord = agent.call("get_contact", &[("id", &maria_id)]).await.ok();
    assert_eq!(record.name, "Maria Lopez");
    // Companies: Acme is on the viewer's team's tickets, not on anything the own user has.
    let acme = agent
        .call("search_companies", &[("query", "acme")])
        .await
        .ok::<Vec<SearchHit>>()[0]
        .id
        .clone();
    assert_eq!(viewer.call("get_company", &[("id", &acme)]).await.status, 200);
    assert_eq!(own.call("get_company", &[("id", &acme)]).await.status, 404);
    assert!(names(own.call("search_companies", &[("query", "acme")]).await.ok()).is_empty());
    // What a restricted user creates, they see.
    let theirs: SearchHit = own
        .call(
            "create_contact",
            &[
                ("contact[name]", "Own Person"),
                ("contact[email]", "own.person@elsewhere.test"),
            ],
        )
        .await
        .ok();
    assert_eq!(
        names(own.call("search_contacts", &[("query", "own pers")]).await.ok()),
        ["Own Person"]
    );
    assert_eq!(own.call("get_contact", &[("id", &theirs.id)]).await.status, 200);
    // A ticket cannot be linked to a contact the caller may not see.
    let pipeline = support_pipeline(&own).await;
    let linked = create_ticket(
        &own,
        &[
            ("name", "Linking a hidden contact"),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[0].id),
            ("priority", "Medium"),
            ("description", ""),
            ("contact_ids[0]", &hidden.id),
        ],
    )
    .await;
    assert_eq!(linked.status, 422);
    assert_eq!(linked.body["Validation"]["field"], "contacts");
}

/// Two super admins demoting each other at once: one of them stays, and the change that
/// landed is in the audit log with who made it.
async fn the_last_super_admin_stays_and_changes_are_audited(engine: Engine) {
    use app::admin::model::{AdminUser, AuditEntry};
    let app = TestApp::spawn(engine).await;
    let ada = app.login_as("admin@demo.test").await;
    let bea = new_user(&app, &ada, "bea@demo.test", "bea-password", "SuperAdmin", "All").await;
    let users: Vec<AdminUser> = ada.call("admin/list_users", &[]).await.ok();
    let id_of = |email: &str| users.iter().find(|u| u.email == email).unwrap().id.clone();
    let (ada_id, bea_id) = (id_of("admin@demo.test"), id_of("bea@demo.test"));
    let (demote_bea, demote_ada) = (
        [("id", bea_id.as_str()), ("role", "HelpDesk")],
        [("id", ada_id.as_str()), ("role", "HelpDesk")],
    );
    let (first, second) = tokio::join!(
        ada.call("admin/set_user_role", &demote_bea),
        bea.call("admin/set_user_role", &demote_ada),
    );
    let landed = [&first, &second].iter().filter(|a| a.status == 200).count();
    assert_eq!(landed, 1, "{first:?} {second:?}");
    let refused = if first.status == 200 { &second } else { &first };
    // The loser is either refused by the rule or no longer an admin at all.
    assert!(refused.status == 422 || refused.status == 404, "{refused:?}");
    let survivor = if first.status == 200 { &ada } else { &bea };
    let log: Vec<AuditEntry> = survivor.call("admin/audit_log", &[]).await.ok();
    let entry = &log[0];
    assert_eq!(
        (
            entry.action.as_str(),
            entry.old_value.as_deref(),
            entry.new_value.as_deref()
        ),
        ("role", Some("super_admin"), Some("help_desk"))
    );
    assert!(entry.actor == "Ada Admin" || entry.actor == "User bea");
    let agent = app.login_as("agent@demo.test").await;
    assert_eq!(agent.call("admin/audit_log", &[]).await.status, 404, "admins only");
}

/// "Change password" ends the user's other sessions, "Log out other sessions" does too,
/// and an admin's reset ends all of them; each keeps the browser that asked.
async fn passwords_change_and_other_sessions_end(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let here = app.login_as("agent@demo.test").await;
    let elsewhere = app.login_as("agent@demo.test").await;
    let wrong = here
        .call("change_password", &[("current", "not-it"), ("new", "a-new-password")])
        .await;
    assert_eq!(wrong.body["Validation"]["field"], "current");
    let short = here
        .call("change_password", &[("current", "demo"), ("new", "short")])
        .await;
    assert_eq!(short.body["Validation"]["field"], "new");
    assert_eq!(
        here.call("change_password", &[("current", "demo"), ("new", "a-new-password")])
            .await
            .status,
        200
    );
    assert_eq!(here.call("me", &[]).await.status, 200, "this browser stays logged in");
    assert_eq!(elsewhere.call("me", &[]).await.status, 401, "the other session ended");
    assert_eq!(app.client().login("agent@demo.test", "demo", None).await.status(), 401);
    let again = app.client();
    assert_eq!(
        again.login("agent@demo.test", "a-new-password", None).await.status(),
        200
    );

    let ended: u64 = here.call("log_out_other_sessions", &[]).await.ok();
    assert_eq!(ended, 1);
    assert_eq!(again.call("me", &[]).await.status, 401);
    assert_eq!(here.call("me", &[]).await.status, 200);

    let admin = app.login_as("admin@demo.test").await;
    let me = here.call("me", &[]).await.ok::<app::auth::model::CurrentUser>();
    let reset = admin
        .call(
            "admin/reset_password",
            &[("id", &me.id), ("password", "reset-by-admin")],
        )
        .await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    assert_eq!(here.call("me", &[]).await.status, 401, "a reset ends every session");
    assert_eq!(
        app.client()
            .login("agent@demo.test", "reset-by-admin", None)
            .await
            .status(),
        200
    );
    let log: Vec<app::admin::model::AuditEntry> = admin.call("admin/audit_log", &[]).await.ok();
    assert_eq!(log[0].action, "password reset");
    assert_eq!(
        here.call("admin/reset_password", &[("id", &me.id), ("password", "x-y-z-w-1")])
            .await
            .status,
        401
    );
}

on_both_engines!(
    a_fresh_production_database_gets_its_first_admin_once,
    contacts_and_companies_follow_the_ticket_scope,
    the_last_super_admin_stays_and_changes_are_audited,
    passwords_change_and_other_sessions_end,
);
