//! Safe under attack and under concurrency: hostile text stays text, hostile clients are
//! limited and refused with typed errors, and concurrent writers all land (issue 10).

mod common;

use common::{create_ticket, support_pipeline, Engine, TestApp};

/// A new ticket called `name` in the first status of the support pipeline.
async fn new_ticket(client: &common::Client, name: &str) -> String {
    let pipeline = support_pipeline(client).await;
    create_ticket(
        client,
        &[
            ("name", name),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[0].id),
            ("priority", "Medium"),
            ("description", ""),
        ],
    )
    .await
    .ok()
}

/// A user made by `admin` and a client logged in as them.
async fn new_user(
    app: &TestApp,
    admin: &common::Client,
    email: &str,
    password: &str,
    role: &str,
    scope: &str,
) -> common::Client {
    let name = format!("User {}", email.split('@').next().unwrap_or(email));
    let form = [
        ("email", email),
        ("name", name.as_str()),
        ("password", password),
        ("role", role),
        ("scope", scope),
    ];
    let made = admin.call("admin/create_user", &form).await;
    assert_eq!(made.status, 200, "{}", made.body);
    let client = app.client();
    assert_eq!(client.login(email, password, None).await.status(), 200);
    client
}

const HOSTILE_TITLE: &str = "</title><script>alert(document.cookie)</script>";

/// The text of the page's `<title>` element.
fn title_of(html: &str) -> &str {
    let start = html.find("<title>").expect("the page has a title") + "<title>".len();
    let end = start + html[start..].find("</title>").expect("the title is closed");
    &html[start..end]
}

async fn a_hostile_name_is_text_in_the_page_title(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let pipeline = support_pipeline(&agent).await;
    let ticket: String = create_ticket(
        &agent,
        &[
            ("name", HOSTILE_TITLE),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[0].id),
            ("priority", "Medium"),
            ("description", ""),
        ],
    )
    .await
    .ok();
    let contact: app::contacts::model::SearchHit = agent
        .call(
            "create_contact",
            &[
                ("contact[name]", HOSTILE_TITLE),
                ("contact[email]", "hostile@example.test"),
            ],
        )
        .await
        .ok();
    for path in [format!("/tickets/{ticket}"), format!("/contacts/{}", contact.id)] {
        let html = agent.get(&path).await.text().await.unwrap();
        let title = title_of(&html);
        assert!(
            title.starts_with("&lt;/title&gt;&lt;script&gt;alert(document.cookie)&lt;/script&gt;"),
            "{path}: the title is escaped text, got {title:?}"
        );
        assert!(!html.contains("<script>alert("), "{path}: no script was injected");
    }
}

async fn pages_carry_a_strict_policy_and_their_scripts_its_nonce(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let response = agent.get("/").await;
    let headers = response.headers().clone();
    let policy = headers["content-security-policy"].to_str().unwrap().to_string();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the page's policy names a nonce")
        .to_string();
    assert!(policy.contains("'wasm-unsafe-eval'") && policy.contains("frame-ancestors 'none'"));
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["cache-control"], "private, no-store");
    assert!(
        !headers.contains_key("strict-transport-security"),
        "plain http gets no HSTS"
    );
    let html = response.text().await.unwrap();
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty());
    for script in scripts {
        let tag = &script[..script.find('>').unwrap()];
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "a script without the nonce: <script{tag}>"
        );
    }
    // Another response, another nonce.
    let again = agent.get("/").await.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(again, policy);
    // Answers of server functions are private too, and carry the default policy.
    let me = agent.http.post(format!("{}/api/me", app.base)).send().await.unwrap();
    assert_eq!(me.headers()["cache-control"], "private, no-store");
    assert!(me.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
}

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
    let later = &statuses[20..];
    assert!(later.iter().filter(|s| **s == 429).count() >= 4, "{statuses:?}");
    assert!(later.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
}

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

on_both_engines!(
    a_hostile_name_is_text_in_the_page_title,
    pages_carry_a_strict_policy_and_their_scripts_its_nonce,
    login_redirects_only_to_a_path_on_this_site,
    a_client_cannot_choose_its_request_id,
    requests_for_an_unknown_host_are_refused,
    every_input_has_a_size_and_an_oversized_one_a_clear_error,
    saved_views_per_user_are_capped,
    parallel_guesses_cannot_pass_the_failure_limit,
    strangers_guessing_never_lock_the_owner_out_of_a_known_browser,
    one_address_has_a_budget_of_failed_logins,
    concurrent_writers_all_land,
);

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

on_both_engines!(a_fresh_production_database_gets_its_first_admin_once);

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

on_both_engines!(
    contacts_and_companies_follow_the_ticket_scope,
    company_domains_are_unique_even_when_added_at_once,
);

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
    concurrent_edits_never_break_a_status_rule,
    parallel_add_contact_starts_one_conversation
);

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

on_both_engines!(the_last_super_admin_stays_and_changes_are_audited);

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

on_both_engines!(passwords_change_and_other_sessions_end);

/// Text an attacker (or an email) would write, for every text field a user can set.
const CORPUS: &[&str] = &[
    "<script>window.__pwned=1</script>",
    "</title><script>window.__pwned=2</script>",
    "</textarea></style></script><img src=x onerror=window.__pwned=3>",
    "\"><svg onload=window.__pwned=4>",
    "' onmouseover='window.__pwned=5",
    "javascript:window.__pwned=6",
    "\u{202E}fdp.exe\u{202C} zero\u{200B}width",
    "🧨🦀 four-byte",
];

/// What must never appear in a rendered page: any of the corpus's tags, unescaped. (Its
/// attribute breakers may appear as text: quotes are only escaped inside attributes, and
/// every attribute is double-quoted with `"` escaped, which `<svg onload` shows.)
fn assert_no_markup_from_corpus(page: &str, html: &str) {
    for injected in [
        "<script>window.__pwned",
        "<img src=x",
        "<svg onload",
        "</title><script",
        "</textarea></style>",
    ] {
        assert!(
            !html.contains(injected),
            "{page}: {injected:?} reached the page as markup"
        );
    }
}

/// The corpus through every text field (ticket name and description, contact and company
/// names, saved view, pipeline, status and property names), then every page that shows them
/// rendered by the server: no element or attribute is injected, and the text is there.
async fn hostile_text_in_every_field_stays_text_on_every_page(engine: Engine) {
    use serde_json::json;
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let pipeline = support_pipeline(&admin).await;
    let mut pages = vec![
        "/".to_string(),
        "/admin/pipelines".to_string(),
        "/admin/properties".to_string(),
    ];
    for (n, text) in CORPUS.iter().enumerate() {
        let ticket: String = create_ticket(
            &admin,
            &[
                ("name", text),
                ("pipeline_id", &pipeline.id),
                ("status_id", &pipeline.statuses[0].id),
                ("priority", "Medium"),
                ("description", text),
            ],
        )
        .await
        .ok();
        let email = format!("hostile{n}@corpus.test");
        let contact: app::contacts::model::SearchHit = admin
            .call("create_contact", &[("contact[name]", text), ("contact[email]", &email)])
            .await
            .ok();
        let domain = format!("corpus{n}.test");
        let company: app::contacts::model::SearchHit = admin
            .call(
                "create_company",
                &[("company[name]", text), ("company[domain]", &domain)],
            )
            .await
            .ok();
        let view_name: String = text.chars().take(60).collect();
        let saved = admin
            .call("save_view", &[("name", view_name.as_str()), ("view", "AllOpen")])
            .await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        let label: String = text.chars().take(80).collect();
        let property = admin
            .call_json(
                "admin/save_property",
                &json!({ "property": { "id": "", "name": format!("hostile_{n}"), "label": label, "kind": "Text",
                                       "help_text": text, "options": [] } }),
            )
            .await;
        assert_eq!(property.status, 200, "{}", property.body);
        let status =
            json!({ "id": "", "name": label, "category": "Open", "allows_creation": true, "required_properties": [] });
        let saved_pipeline = admin
            .call_json(
                "admin/save_pipeline",
                &json!({ "pipeline": { "id": "", "name": label, "forbid_skipping": false, "forbid_backwards": false,
                                       "statuses": [status] } }),
            )
            .await;
        assert_eq!(saved_pipeline.status, 200, "{}", saved_pipeline.body);
        pages.push(format!("/tickets/{ticket}"));
        pages.push(format!("/contacts/{}", contact.id));
        pages.push(format!("/companies/{}", company.id));
    }
    for page in &pages {
        let response = admin.get(page).await;
        assert_eq!(response.status(), 200, "{page}");
        let html = response.text().await.unwrap();
        assert_no_markup_from_corpus(page, &html);
    }
    // The text itself is shown, escaped, where it belongs.
    let html = admin.get(&pages[3]).await.text().await.unwrap();
    assert!(
        html.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"),
        "the ticket's name is shown as text"
    );
}

on_both_engines!(hostile_text_in_every_field_stays_text_on_every_page);
