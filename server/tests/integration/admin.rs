//! Admin pages' server functions: users, roles, scopes, teams, deactivation (MISSION P1, P2).

use crate::common;

use app::admin::model::{AdminUser, Team};
use common::{Engine, TestApp};

const ADMIN_ENDPOINTS: [&str; 7] = [
    "admin/list_users",
    "admin/create_user",
    "admin/set_user_role",
    "admin/set_user_scope",
    "admin/set_user_active",
    "admin/list_teams",
    "admin/create_team",
];

async fn only_super_admins_reach_the_admin_functions(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for email in ["agent@demo.test", "viewer@demo.test"] {
        let client = app.login_as(email).await;
        for endpoint in ADMIN_ENDPOINTS {
            let answer = client
                .call(
                    endpoint,
                    &[
                        ("id", "x"),
                        ("name", "Team"),
                        ("role", "SuperAdmin"),
                        ("scope", "All"),
                        ("active", "false"),
                        ("email", "x@y.test"),
                        ("password", "long enough"),
                    ],
                )
                .await;
            assert_eq!(answer.status, 404, "{email} reached {endpoint}");
            assert_eq!(answer.error_kind(), "NotFound");
        }
    }
    let admin = app.login_as("admin@demo.test").await;
    let users = admin.call("admin/list_users", &[]).await.ok::<Vec<AdminUser>>();
    assert_eq!(users.len(), 3);
    assert!(users
        .iter()
        .all(|u| u.role != app::auth::model::Role::SuperAdmin || u.email == "admin@demo.test"));
}

async fn bad_user_input_gets_typed_errors_beside_the_field(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let create = |email: &'static str, name: &'static str, password: &'static str| {
        let admin = &admin;
        async move {
            admin
                .call(
                    "admin/create_user",
                    &[
                        ("email", email),
                        ("name", name),
                        ("password", password),
                        ("role", "HelpDesk"),
                        ("scope", "All"),
                    ],
                )
                .await
        }
    };
    let cases = [
        (create("not-an-email", "Ann", "long enough").await, "email"),
        (create("ann@demo.test", "  ", "long enough").await, "name"),
        (create("ann@demo.test", "Ann", "short").await, "password"),
        (create("AGENT@demo.test", "Ann", "long enough").await, "email"),
    ];
    for (answer, field) in cases {
        assert_eq!(answer.status, 422, "{answer:?}");
        assert_eq!(answer.body["Validation"]["field"], field, "{answer:?}");
    }
    let unknown_role = admin
        .call(
            "admin/create_user",
            &[
                ("email", "b@demo.test"),
                ("name", "B"),
                ("password", "long enough"),
                ("role", "Root"),
                ("scope", "All"),
            ],
        )
        .await;
    assert!(
        unknown_role.status >= 400 && unknown_role.status < 500,
        "{unknown_role:?}"
    );
    assert_eq!(
        admin.call("admin/list_users", &[]).await.ok::<Vec<AdminUser>>().len(),
        3,
        "nothing was created"
    );
}

async fn admins_manage_roles_scopes_and_teams(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let id: String = admin
        .call(
            "admin/create_user",
            &[
                ("email", "Sam@Demo.test"),
                ("name", "Sam Support"),
                ("password", "long enough"),
                ("role", "Service"),
                ("scope", "Team"),
            ],
        )
        .await
        .ok();
    let team: String = admin.call("admin/create_team", &[("name", "Escalations")]).await.ok();
    assert_eq!(
        admin.call("admin/create_team", &[("name", "Escalations")]).await.status,
        422,
        "team names are unique"
    );
    admin
        .call("admin/set_user_role", &[("id", &id), ("role", "HelpDesk")])
        .await
        .ok::<()>();
    admin
        .call("admin/set_user_scope", &[("id", &id), ("scope", "All")])
        .await
        .ok::<()>();
    admin
        .call(
            "admin/set_team_member",
            &[("team_id", &team), ("user_id", &id), ("member", "true")],
        )
        .await
        .ok::<()>();
    let users = admin.call("admin/list_users", &[]).await.ok::<Vec<AdminUser>>();
    let sam = users.iter().find(|u| u.id == id).unwrap();
    assert_eq!(sam.email, "sam@demo.test");
    assert_eq!(sam.role, app::auth::model::Role::HelpDesk);
    assert_eq!(sam.scope, app::auth::model::Scope::All);
    assert_eq!(sam.team_ids, vec![team.clone()]);
    let teams = admin.call("admin/list_teams", &[]).await.ok::<Vec<Team>>();
    assert_eq!(teams.iter().find(|t| t.id == team).unwrap().member_count, 1);
    admin
        .call(
            "admin/set_team_member",
            &[("team_id", &team), ("user_id", &id), ("member", "false")],
        )
        .await
        .ok::<()>();
    assert_eq!(
        admin
            .call(
                "admin/set_user_role",
                &[("id", "0123456789abcdef0123456789abcdef"), ("role", "HelpDesk")]
            )
            .await
            .status,
        404
    );
}

async fn deactivating_a_user_ends_their_sessions_everywhere(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let agent = app.login_as("agent@demo.test").await;
    let agent_id = agent.call("me", &[]).await.ok::<app::auth::model::CurrentUser>().id;
    admin
        .call("admin/set_user_active", &[("id", &agent_id), ("active", "false")])
        .await
        .ok::<()>();
    assert_eq!(agent.call("me", &[]).await.status, 401, "the session ended");
    let again = app.client().login("agent@demo.test", "demo", None).await;
    assert_eq!(again.status(), 401, "a deactivated user cannot log in");
    admin
        .call("admin/set_user_active", &[("id", &agent_id), ("active", "true")])
        .await
        .ok::<()>();
    assert_eq!(app.client().login("agent@demo.test", "demo", None).await.status(), 200);
}

async fn admins_cannot_lock_themselves_out(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let id = admin.call("me", &[]).await.ok::<app::auth::model::CurrentUser>().id;
    assert_eq!(
        admin
            .call("admin/set_user_active", &[("id", &id), ("active", "false")])
            .await
            .status,
        422
    );
    assert_eq!(
        admin
            .call("admin/set_user_role", &[("id", &id), ("role", "Service")])
            .await
            .status,
        422
    );
    assert_eq!(admin.call("me", &[]).await.status, 200);
}

on_both_engines!(
    only_super_admins_reach_the_admin_functions,
    bad_user_input_gets_typed_errors_beside_the_field,
    admins_manage_roles_scopes_and_teams,
    deactivating_a_user_ends_their_sessions_everywhere,
    admins_cannot_lock_themselves_out,
);
