//! What goes over the wire: health, server-rendered pages, 404s, compression, caching,
//! request ids, and typed errors for bad input (never a 500 with a trace).

use crate::common;

use common::{ticket_named, Engine, TestApp};

async fn health_check_answers_when_the_database_does(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let response = app.client().get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
    app.db.close().await;
    assert_eq!(app.client().get("/healthz").await.status(), 503);
}

async fn the_workspace_is_rendered_on_the_server_with_the_agents_views(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let response = agent.get("/").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    let html = response.text().await.unwrap();
    for text in [
        "Unassigned",
        "Assigned to me",
        "All open",
        "Closed",
        "Cannot log in after password reset",
        "Log out",
    ] {
        assert!(html.contains(text), "the first paint lacks {text}");
    }
    assert!(!html.contains("Users</a>"), "agents have no admin links");

    let viewer = app.login_as("viewer@demo.test").await;
    let html = viewer.get("/").await.text().await.unwrap();
    assert!(html.contains("All open"));
    assert!(
        !html.contains("<span class=\"view-name\">Unassigned<"),
        "service access lacks the Unassigned view"
    );
}

async fn a_deep_link_renders_the_ticket_on_the_server(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let ticket = ticket_named(&agent, "AllOpen", "Invoice shows the wrong VAT number").await;
    let html = agent
        .get(&format!("/tickets/{ticket}?view=all-open"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Our November invoice lists an old VAT number"));
    assert!(html.contains("Previous conversations"));
}

/// The preload links a page names: the wasm chunks it hydrates with (`app::lazy`).
fn chunk_preloads(html: &str) -> Vec<String> {
    html.split("<link rel=\"preload\" href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.ends_with(".wasm") && !href.ends_with("/frontend_bg.wasm"))
        .map(str::to_string)
        .collect()
}

/// A directly loaded ticket or record page has the browser fetch its chunk's files with the
/// main module (the page hydrates once they are in); the workspace alone needs none. Needs
/// the built client (scripts/test builds it first).
async fn pages_preload_the_chunks_they_hydrate_with(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let manifest: std::collections::HashMap<String, Vec<String>> = serde_json::from_slice(
        &std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site/pkg/split-manifest.json"))
            .expect("the wasm client is built (scripts/test builds it before the tests)"),
    )
    .unwrap();
    let agent = app.login_as("agent@demo.test").await;
    let workspace = agent.get("/").await.text().await.unwrap();
    assert_eq!(chunk_preloads(&workspace), Vec::<String>::new());
    assert!(
        workspace.contains("/__wasm_split.js\" crossorigin"),
        "the chunk loader is preloaded"
    );

    let ticket = ticket_named(&agent, "AllOpen", "Invoice shows the wrong VAT number").await;
    let detail = agent
        .call("get_ticket", &[("id", &ticket)])
        .await
        .ok::<app::tickets::model::TicketDetail>();
    let contact = &detail.contacts[0].id;
    for (path, chunk) in [
        (format!("/tickets/{ticket}"), "ticket"),
        (format!("/contacts/{contact}"), "records"),
    ] {
        let html = agent.get(&path).await.text().await.unwrap();
        let preloads = chunk_preloads(&html);
        let names: Vec<&str> = preloads.iter().map(|href| href.rsplit('/').next().unwrap()).collect();
        assert_eq!(names, manifest[chunk], "{path}");
        assert!(names.contains(&format!("split_{chunk}.wasm").as_str()));
        for href in &preloads {
            let file = agent
                .http
                .get(format!("{}{href}", app.base))
                .header("accept-encoding", "br")
                .send()
                .await
                .unwrap();
            assert_eq!(file.status(), 200, "{href}");
            assert_eq!(file.headers()["content-type"], "application/wasm", "{href}");
            assert_eq!(file.headers()["content-encoding"], "br", "{href}");
            assert_eq!(
                file.headers()["cache-control"],
                "public, max-age=31536000, immutable",
                "{href}"
            );
        }
    }
}

async fn unknown_routes_get_a_real_404_page(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let response = agent.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
    let missing_api = agent.call("no_such_function", &[]).await;
    assert!(
        missing_api.status == 400 || missing_api.status == 404,
        "{missing_api:?}"
    );
}

async fn pages_and_assets_go_out_compressed_and_cached(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    // Pages go out gzip-compressed, also to a browser that takes brotli (cheaper per page,
    // see router.rs); the static files have brotli made ahead of time (above).
    let html = agent
        .http
        .get(format!("{}/", app.base))
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .send()
        .await
        .unwrap();
    assert_eq!(html.headers()["content-encoding"], "gzip");
    let gz = agent
        .http
        .get(format!("{}/", app.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let css = agent
        .http
        .get(format!("{}{}", app.base, server::assets::stylesheet_path()))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["cache-control"], "public, max-age=31536000, immutable");
}

async fn malformed_arguments_get_a_typed_error_not_a_crash(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let answer = agent.call("list_tickets", &[("view", "Everything")]).await;
    assert!(answer.status >= 400, "{answer:?}");
    assert_eq!(answer.error_kind(), "Transport", "{answer:?}");
    let answer = agent.call("get_ticket", &[]).await;
    assert!(answer.status >= 400);
    assert!(!answer.body.to_string().contains("panicked"));
    assert_eq!(agent.call("me", &[]).await.status, 200, "the server is still fine");
}

async fn a_fresh_database_without_demo_data_starts_empty(engine: Engine) {
    let app = TestApp::spawn_with(engine, false).await;
    assert_eq!(app.client().login("admin@demo.test", "demo", None).await.status(), 401);
    assert_eq!(app.client().get("/healthz").await.status(), 200);
}

/// Two wasm clients: the workspace pages load the workspace client; the settings pages
/// (`/admin/*`) load the settings client from `settings/`, and the links between the two
/// are full page loads.
async fn each_page_names_its_own_wasm_client(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let workspace = admin.get("/").await.text().await.unwrap();
    let settings = admin.get("/admin/users").await.text().await.unwrap();
    let script = |html: &str| {
        let marker = "rel=\"modulepreload\" href=\"";
        let at = html.find(marker).expect("a client script") + marker.len();
        html[at..at + html[at..].find('"').unwrap()].to_string()
    };
    let (workspace_js, settings_js) = (script(&workspace), script(&settings));
    assert!(
        workspace_js.starts_with("/pkg/") && workspace_js.ends_with("/frontend.js"),
        "{workspace_js}"
    );
    assert!(!workspace_js.contains("/settings/"), "{workspace_js}");
    assert_eq!(
        settings_js,
        workspace_js.replace("/frontend.js", "/settings/frontend.js")
    );
    assert!(workspace.contains("<a href=\"/admin/users\" rel=\"external\">"));
    assert!(settings.contains("<a href=\"/\" rel=\"external\">Workspace"));
}

on_both_engines!(
    health_check_answers_when_the_database_does,
    each_page_names_its_own_wasm_client,
    the_workspace_is_rendered_on_the_server_with_the_agents_views,
    a_deep_link_renders_the_ticket_on_the_server,
    pages_preload_the_chunks_they_hydrate_with,
    unknown_routes_get_a_real_404_page,
    pages_and_assets_go_out_compressed_and_cached,
    malformed_arguments_get_a_typed_error_not_a_crash,
    a_fresh_database_without_demo_data_starts_empty,
);

/// SIGTERM handling: once shutdown starts, requests in flight still get their answer and
/// the server then stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_requests_in_flight_finish() {
    let config = common::config(&common::fresh_database_url(Engine::Sqlite).await, true);
    let server = server::prepare(&config).await.unwrap();
    let base = format!("http://{}", server.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));
    // A login takes a while (argon2, and a deliberate delay on failure): start one...
    let in_flight = tokio::spawn(async move {
        reqwest::Client::new()
            .post(format!("{base}/api/login"))
            .form(&[("email", "agent@demo.test"), ("password", "wrong")])
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    // ...then ask the server to stop while it is being answered.
    stop.send(()).unwrap();
    assert_eq!(
        in_flight.await.unwrap().unwrap(),
        401,
        "the request in flight got its answer"
    );
    tokio::time::timeout(std::time::Duration::from_secs(10), serving)
        .await
        .expect("the server stopped")
        .unwrap()
        .unwrap();
}
