//! Logging in and out, sessions, throttling and cross-site refusal (MISSION P1).

use crate::common;

use common::{Engine, TestApp};

async fn wrong_credentials_get_one_generic_error(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let client = app.client();
    let wrong_password = client.login("agent@demo.test", "not-the-password", None).await;
    assert_eq!(wrong_password.status(), 401);
    let wrong_password = common::answer(wrong_password).await.body;
    let unknown_email = client.login("nobody@demo.test", "demo", None).await;
    assert_eq!(unknown_email.status(), 401);
    let unknown_email = common::answer(unknown_email).await.body;
    assert_eq!(
        wrong_password, unknown_email,
        "the two failures must be indistinguishable"
    );
    assert_eq!(wrong_password, serde_json::json!("InvalidCredentials"));
}

async fn login_sets_an_http_only_same_site_cookie_and_keeps_the_deep_link(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let client = app.client();
    let response = client
        .login("Agent@Demo.test", "demo", Some("/tickets/abc?view=closed"))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["location"], "/tickets/abc?view=closed");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("sb_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain http must not set Secure");
    let me = client.call("me", &[]).await.ok::<app::auth::model::CurrentUser>();
    assert_eq!(me.email, "agent@demo.test");
}

async fn login_behind_https_proxy_sets_a_secure_cookie(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let response = app
        .client()
        .http
        .post(format!("{}/api/login", app.base))
        .header("x-forwarded-proto", "https")
        .form(&[("email", "agent@demo.test"), ("password", "demo")])
        .send()
        .await
        .unwrap();
    assert!(response.headers()["set-cookie"].to_str().unwrap().contains("; Secure"));
}

async fn login_refuses_offsite_next_paths(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let response = app
        .client()
        .login("agent@demo.test", "demo", Some("https://evil.test/"))
        .await;
    assert_eq!(response.headers()["location"], "/");
}

async fn repeated_failures_are_slowed_down_then_refused(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let client = app.client();
    let started = std::time::Instant::now();
    for _ in 0..5 {
        assert_eq!(client.login("viewer@demo.test", "wrong", None).await.status(), 401);
    }
    // 200 + 400 + 600 + 800 + 1000 ms of added delay.
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(3000),
        "failures were not slowed down"
    );
    let refused = client.login("viewer@demo.test", "demo", None).await;
    assert_eq!(
        refused.status(),
        429,
        "even the right password waits after five failures"
    );
    let body = common::answer(refused).await.body;
    assert!(body["TooManyAttempts"]["retry_after_seconds"].as_u64().unwrap() > 0);
    // Other accounts are unaffected.
    assert_eq!(client.login("agent@demo.test", "demo", None).await.status(), 200);
}

async fn logout_ends_the_session(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let client = app.login_as("agent@demo.test").await;
    assert_eq!(client.call("me", &[]).await.status, 200);
    let response = client.call("logout", &[]).await;
    assert!((200..400).contains(&response.status));
    let after = client.call("me", &[]).await;
    assert_eq!(after.status, 401);
    assert_eq!(after.error_kind(), "Unauthenticated");
}

async fn sessions_are_shared_through_the_database_by_every_instance(engine: Engine) {
    // Two app instances on the same database, as behind a load balancer.
    let first = TestApp::spawn(engine).await;
    let second_server = server::prepare(&common::config(&first.database_url, true))
        .await
        .unwrap();
    assert!(!second_server.seeded, "the second instance must not seed again");
    let second_base = format!("http://{}", second_server.local_addr());
    tokio::spawn(second_server.serve(std::future::pending()));

    let client = first.login_as("agent@demo.test").await;
    assert_eq!(client.call("me", &[]).await.status, 200);
    // The same cookie jar against the second instance: same host, other port, so copy it.
    let cookie = {
        let response = first.client().login("agent@demo.test", "demo", None).await;
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    };
    let http = reqwest::Client::new();
    let on_second = http
        .post(format!("{second_base}/api/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(on_second.status(), 200);
    // Logging out on the first instance ends it on the second.
    let logout = http
        .post(format!("{}/api/logout", first.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(logout.status().is_success() || logout.status().is_redirection());
    let after = http
        .post(format!("{second_base}/api/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
}

async fn cross_site_form_posts_are_refused(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let client = app.login_as("admin@demo.test").await;
    let cross_site = client
        .http
        .post(format!("{}/api/admin/create_team", app.base))
        .header("origin", "https://evil.test")
        .form(&[("name", "Hijacked")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    let fetch_metadata = client
        .http
        .post(format!("{}/api/admin/create_team", app.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "Hijacked")])
        .send()
        .await
        .unwrap();
    assert_eq!(fetch_metadata.status(), 403);
    let teams = client
        .call("admin/list_teams", &[])
        .await
        .ok::<Vec<app::admin::model::Team>>();
    assert!(
        teams.iter().all(|t| t.name != "Hijacked"),
        "the refused post must not have created a team"
    );

    let same_origin = client
        .http
        .post(format!("{}/api/admin/create_team", app.base))
        .header("origin", app.base.clone())
        .form(&[("name", "Escalations")])
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), 200);
}

async fn pages_without_a_session_redirect_to_login_with_the_way_back(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let response = app.client().get("/tickets/some-id?view=closed").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/login?next=/tickets/some-id%3Fview%3Dclosed"
    );
    let login_page = app.client().get("/login").await;
    assert_eq!(login_page.status(), 200);
    let html = login_page.text().await.unwrap();
    for label in ["Email", "Password", "Log in"] {
        assert!(html.contains(label), "login page lacks {label}");
    }
}

async fn server_functions_refuse_callers_without_a_session(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let client = app.client();
    for endpoint in ["me", "view_counts", "get_ticket", "admin/list_users"] {
        let answer = client.call(endpoint, &[("id", "x")]).await;
        assert_eq!(answer.status, 401, "{endpoint}");
        assert_eq!(answer.error_kind(), "Unauthenticated", "{endpoint}");
    }
}

on_both_engines!(
    wrong_credentials_get_one_generic_error,
    login_sets_an_http_only_same_site_cookie_and_keeps_the_deep_link,
    login_behind_https_proxy_sets_a_secure_cookie,
    login_refuses_offsite_next_paths,
    repeated_failures_are_slowed_down_then_refused,
    logout_ends_the_session,
    sessions_are_shared_through_the_database_by_every_instance,
    cross_site_form_posts_are_refused,
    pages_without_a_session_redirect_to_login_with_the_way_back,
    server_functions_refuse_callers_without_a_session,
);
