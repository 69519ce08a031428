//! Hostile text stays text: the page title, the Content-Security-Policy, and an attacker's
//! corpus through every field on every server-rendered page.

use crate::common::{create_ticket, support_pipeline, Engine, TestApp};

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
            .call_postcard::<app::properties::api::SaveProperty>(
                "admin/save_property",
                &json!({ "property": { "id": "", "name": format!("hostile_{n}"), "label": label, "kind": "Text",
                                       "help_text": text, "options": [] } }),
            )
            .await;
        assert_eq!(property.status, 200, "{}", property.body);
        let status =
            json!({ "id": "", "name": label, "category": "Open", "allows_creation": true, "required_properties": [] });
        let saved_pipeline = admin
            .call_postcard::<app::pipelines::api::SavePipeline>(
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

on_both_engines!(
    a_hostile_name_is_text_in_the_page_title,
    pages_carry_a_strict_policy_and_their_scripts_its_nonce,
    hostile_text_in_every_field_stays_text_on_every_page,
);
