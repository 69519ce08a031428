//! Hostile clients are limited and refused with typed errors: login limits, redirects, request
//! ids, unknown hosts, input sizes.

use crate::common::{self, create_ticket, support_pipeline, Engine, TestApp};

async fn login_redirects_only_to_a_path_on_this_site(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\n",
        "//evil.example",
        "/\\evil.example",
    ] {
        let client = app.client();
        let response = client.login("agent@demo.test", "demo", Some(next)).await;
        assert_eq!(response.status(), 200, "{next:?}: the login itself works");
        assert_eq!(response.headers()["location"], "/", "{next:?}");
    }
    // The server is still answering (a newline in `next` used to panic after the session was made).
    assert_eq!(app.client().get("/healthz").await.status(), 200);
}

async fn a_client_cannot_choose_its_request_id(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let response = app
        .client()
        .http
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "forged-id")
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(id, "forged-id");
    assert!(!id.is_empty());
}

async fn requests_for_an_unknown_host_are_refused(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let client = app.client();
    // A page on evil.example whose DNS name was rebound to our address.
    let rebound = client
        .http
        .get(format!("{}/login", app.base))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421);
    let ours = client
        .http
        .get(format!("{}/login", app.base))
        .header("host", format!("localhost:{}", app.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(ours.status(), 200);
}

async fn every_input_has_a_size_and_an_oversized_one_a_clear_error(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    // One 192 KB search took 25 s and held a connection.
    let search = agent
        .call("search_contacts", &[("query", &"a".repeat(192 * 1024))])
        .await;
    assert_eq!(search.status, 422);
    assert_eq!(search.body["Validation"]["field"], "query");
    let pipeline = support_pipeline(&agent).await;
    // A megabyte of text, and a third of one in markup (three times its size once encoded).
    let megabyte = "a".repeat(1 << 20);
    let markup = "<b>".repeat(120_000);
    let base = [
        ("pipeline_id", pipeline.id.as_str()),
        ("status_id", pipeline.statuses[0].id.as_str()),
        ("priority", "Medium"),
    ];
    fn with<'a>(base: &[(&'a str, &'a str)], extra: [(&'a str, &'a str); 2]) -> Vec<(&'a str, &'a str)> {
        let mut fields = base.to_vec();
        fields.extend(extra);
        fields
    }
    let long_name = create_ticket(&agent, &with(&base, [("name", &megabyte), ("description", "")])).await;
    assert_eq!(long_name.status, 422, "{}", long_name.body);
    assert_eq!(long_name.body["Validation"]["field"], "name");
    let markup_name = create_ticket(&agent, &with(&base, [("name", &markup), ("description", "")])).await;
    assert_eq!(markup_name.body["Validation"]["field"], "name");
    let long_description = create_ticket(&agent, &with(&base, [("name", "Fine"), ("description", &markup)])).await;
    assert_eq!(long_description.status, 422);
    assert_eq!(long_description.body["Validation"]["field"], "description");
    assert!(long_description.body["Validation"]["message"]
        .as_str()
        .unwrap()
        .contains("20,000 characters"));
    // A body over the request limit is answered without being read (only its headers are
    // sent here), still with the typed error.
    let (status, error) = declare_a_huge_body(&app).await;
    assert_eq!(status, 413);
    assert!(error.field_message("request").is_some(), "{error:?}");
    // Oversized credentials are refused before any hashing or database work.
    let long_email = app
        .client()
        .login(&format!("{}@example.test", "a".repeat(300)), "x", None)
        .await;
    assert_eq!(long_email.status(), 422);
    let long_password = app.client().login("agent@demo.test", &"p".repeat(2000), None).await;
    assert_eq!(long_password.status(), 401);
}

/// Sends only the headers of a 3 MB server-function call and reads the answer.
async fn declare_a_huge_body(app: &TestApp) -> (u16, app::error::AppError) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let request = format!(
        "POST /api/search_contacts HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        app.addr,
        3 * 1024 * 1024
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer")
        + 4;
    let head = String::from_utf8_lossy(&answer[..split]).to_string();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let error = app::wire::decode(&answer[split..]).expect("a typed error in the body");
    (status, error)
}

async fn saved_views_per_user_are_capped(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let limit = app::limits::MAX_SAVED_VIEWS;
    for n in 0..limit {
        let saved = agent
            .call("save_view", &[("name", &format!("View {n}")), ("view", "AllOpen")])
            .await;
        assert_eq!(saved.status, 200, "view {n}: {}", saved.body);
    }
    let over = agent
        .call("save_view", &[("name", "One too many"), ("view", "AllOpen")])
        .await;
    assert_eq!(over.status, 422);
    assert!(over.body["Validation"]["message"]
        .as_str()
        .unwrap()
        .contains("delete one"));
}

async fn parallel_guesses_cannot_pass_the_failure_limit(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let guesses = (0..16).map(|n| {
        let client = app.client();
        async move {
            client
                .login("viewer@demo.test", &format!("guess-{n}"), None)
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + refused, 16, "{statuses:?}");
    assert!(
        checked <= app::auth::api::MAX_FAILURES as usize,
        "{checked} parallel guesses had their password checked: {statuses:?}"
    );
}

async fn strangers_guessing_never_lock_the_owner_out_of_a_known_browser(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // The owner's browser has logged in before: it carries the known-device cookie.
    let owner = app.login_as("viewer@demo.test").await;
    assert_eq!(owner.call("logout", &[]).await.status, 200);
    let stranger = app.client();
    for _ in 0..app::auth::api::MAX_FAILURES {
        assert_eq!(stranger.login("viewer@demo.test", "wrong", None).await.status(), 401);
    }
    let locked = stranger.login("viewer@demo.test", "demo", None).await;
    assert_eq!(locked.status(), 429, "strangers wait, even with the right password");
    let retry = common::answer(locked).await.body["TooManyAttempts"]["retry_after_seconds"]
        .as_u64()
        .unwrap();
    assert!((1..=30).contains(&retry), "a back-off, not a long lock: {retry}");
    assert_eq!(
        owner.login("viewer@demo.test", "demo", None).await.status(),
        200,
        "the owner's known browser is not locked by others' failures"
    );
}

async fn one_address_has_a_budget_of_failed_logins(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let client = app.client();
    // Random accounts, so no account limit applies: only the address's budget.
    let mut statuses = Vec::new();
    let started = std::time::Instant::now();
    for n in 0..26 {
        statuses.push(
            client
                .login(&format!("nobody{n}@example.test"), "x", None)
                .await
                .status()
                .as_u16(),
        );
    }
    assert!(statuses[..20].iter().all(|s| *s == 401), "{statuses:?}");
    // The budget refills by one every few seconds (the failures above took seconds):
    // past it, the address gets at most the refill, the rest are refused unchecked.
    // How many the refill allowed depends on how long the attempts took (a loaded machine
    // is slower): one per refill period, plus the one in progress.
    let later = &statuses[20..];
    let refilled = (started.elapsed().as_secs_f64() / 3.0).floor() as usize + 1;
    let checked = later.iter().filter(|s| **s == 401).count();
    assert!(
        checked <= refilled,
        "{checked} checked past the budget in {:?}: {statuses:?}",
        started.elapsed()
    );
    if refilled < later.len() {
        assert!(later.contains(&429), "{statuses:?}");
    }
    assert!(later.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
}

on_both_engines!(
    login_redirects_only_to_a_path_on_this_site,
    a_client_cannot_choose_its_request_id,
    requests_for_an_unknown_host_are_refused,
    every_input_has_a_size_and_an_oversized_one_a_clear_error,
    saved_views_per_user_are_capped,
    parallel_guesses_cannot_pass_the_failure_limit,
    strangers_guessing_never_lock_the_owner_out_of_a_known_browser,
    one_address_has_a_budget_of_failed_logins,
);
