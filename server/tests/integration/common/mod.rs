//! Starts the real app on port 0 against a fresh database (SQLite file or a new
//! PostgreSQL database), seeded with the demo data, and talks to it over HTTP.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use reqwest::redirect::Policy;
use serde::de::DeserializeOwned;
use serde_json::Value;

#[derive(Clone, Copy, Debug)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Declares one test per engine from an `async fn(Engine)`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_sqlite() { super::$name($crate::common::Engine::Sqlite).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_postgres() { super::$name($crate::common::Engine::Postgres).await }
            }
        )*
    };
}

fn random_suffix() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 6];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A fresh, empty database of the given engine.
pub async fn fresh_database_url(engine: Engine) -> String {
    match engine {
        Engine::Sqlite => {
            let dir = std::env::temp_dir().join(format!("switchboard-test-{}", random_suffix()));
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join("test.db").display())
        }
        Engine::Postgres => {
            let admin_url = std::env::var("TEST_DATABASE_URL").expect(
                "TEST_DATABASE_URL is not set: run scripts/test (it starts a private PostgreSQL), \
                 or point TEST_DATABASE_URL at a PostgreSQL server you may create databases on",
            );
            let name = format!("switchboard_test_{}", random_suffix());
            let mut connection = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
                .await
                .unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut connection)
                .await
                .unwrap();
            let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin_url);
            format!("{base}/{name}")
        }
    }
}

/// The configuration of a test instance on `database_url`, listening on a free port.
pub fn config(database_url: &str, seed_demo: bool) -> server::Config {
    let data_dir = std::env::temp_dir().join(format!("switchboard-data-{}", random_suffix()));
    server::Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        files_dir: data_dir.join("files"),
        attachment_limit_bytes: 2 * 1024 * 1024,
        data_dir,
        database_url: database_url.to_string(),
        seed_demo,
        secret_key: b"test-secret-key-test-secret-key-0123456789".to_vec(),
        site_root: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/site"),
        public_origins: Vec::new(),
        first_admin_email: None,
        trust_proxy: false,
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub database_url: String,
    pub db: app::db::Db,
    /// Where this instance keeps attachments.
    pub files_dir: PathBuf,
    stop: Option<(
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<std::io::Result<()>>,
    )>,
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> TestApp {
        Self::spawn_with(engine, true).await
    }

    pub async fn spawn_with(engine: Engine, seed_demo: bool) -> TestApp {
        let database_url = fresh_database_url(engine).await;
        Self::spawn_on(&database_url, seed_demo).await
    }

    /// Another instance on an existing database (two instances behind a load balancer, or
    /// the one that starts after a restart).
    pub async fn spawn_on(database_url: &str, seed_demo: bool) -> TestApp {
        let config = config(database_url, seed_demo);
        let files_dir = config.files_dir.clone();
        let server = server::prepare(&config).await.expect("the server starts");
        let addr = server.local_addr();
        let db = server.db.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(server.serve(async move {
            let _ = stopped.await;
        }));
        TestApp {
            addr,
            base: format!("http://{addr}"),
            database_url: database_url.to_string(),
            db,
            files_dir,
            stop: Some((stop, running)),
        }
    }

    /// Stops the instance as a shutdown would: it stops serving and its outbox worker ends.
    pub async fn stop(&mut self) {
        if let Some((stop, running)) = self.stop.take() {
            let _ = stop.send(());
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), running).await;
        }
    }

    /// A client with its own cookie jar that does not follow redirects.
    pub fn client(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                // A request the server never answers fails its test instead of hanging it.
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    /// A client logged in as one of the demo users.
    pub async fn login_as(&self, email: &str) -> Client {
        let client = self.client();
        let response = client.login(email, "demo", None).await;
        assert_eq!(response.status(), 200, "login of {email} failed");
        client
    }
}

pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
}

/// What a server function answered: its status, the postcard bytes (`app::wire`), and,
/// for an error, the typed `AppError` as JSON so tests can look inside it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    bytes: Vec<u8>,
}

impl Answer {
    pub fn ok<T: DeserializeOwned>(self) -> T {
        assert!(
            (200..300).contains(&self.status),
            "expected success, got {} {}",
            self.status,
            self.body
        );
        app::wire::decode(&self.bytes).expect("the answer has the expected shape")
    }

    /// The error variant's name: "NotFound", "Validation", ...
    pub fn error_kind(&self) -> String {
        match &self.body {
            Value::String(name) => name.clone(),
            Value::Object(map) => map.keys().next().cloned().unwrap_or_default(),
            other => panic!("not an error: {other}"),
        }
    }
}

/// A server function's answer. An error is decoded as the typed `AppError` (or kept as
/// text when it is not one).
pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap().to_vec();
    let body = if (200..300).contains(&status) {
        Value::Null
    } else {
        match app::wire::decode::<app::error::AppError>(&bytes) {
            Some(error) => serde_json::to_value(error).unwrap(),
            None => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
        }
    };
    Answer { status, body, bytes }
}

impl Client {
    pub async fn login(&self, email: &str, password: &str, next: Option<&str>) -> reqwest::Response {
        let mut form = vec![("email", email), ("password", password)];
        if let Some(next) = next {
            form.push(("next", next));
        }
        self.http
            .post(format!("{}/api/login", self.base))
            .form(&form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /api/login as {email}: {e:?}"))
    }

    /// Calls a server function with url-encoded arguments.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Answer {
        let response = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /api/{endpoint}: {e:?}"));
        answer(response).await
    }

    /// Calls a server function that takes postcard (`input = Postcard`): `body` is its
    /// argument struct `T` written as JSON, checked against `T` and sent as postcard.
    pub async fn call_postcard<T: serde::Serialize + DeserializeOwned>(&self, endpoint: &str, body: &Value) -> Answer {
        let typed: T = serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{endpoint}: {e}"));
        let response = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .header("content-type", "application/x-postcard")
            .body(app::wire::encode(&typed))
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /api/{endpoint}: {e:?}"));
        answer(response).await
    }

    /// GETs a page. A GET that fails in transport is tried once more (it changes nothing;
    /// a pooled connection can be closed just as it is reused) and the first error printed,
    /// so a test fails only when the server does not answer twice.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        let started = std::time::Instant::now();
        let url = format!("{}{path}", self.base);
        match self.http.get(&url).send().await {
            Ok(response) => response,
            Err(first) => {
                eprintln!(
                    "GET {path} failed after {:?}, trying once more: {first:?}",
                    started.elapsed()
                );
                self.http
                    .get(&url)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("GET {path} after {:?}: {e:?} (first: {first:?})", started.elapsed()))
            }
        }
    }
}

/// The demo's "Support pipeline" (the first one).
/// The id of the ticket called `name` in `client`'s list of `view` (e.g. "AllOpen").
pub async fn ticket_named(client: &Client, view: &str, name: &str) -> String {
    let page = client
        .call("list_tickets", &[("view", view)])
        .await
        .ok::<app::tickets::model::TicketPage>();
    page.tickets
        .into_iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("{name} not in {view}"))
        .id
}

pub async fn support_pipeline(client: &Client) -> app::pipelines::model::Pipeline {
    client
        .call("list_pipelines", &[])
        .await
        .ok::<Vec<app::pipelines::model::Pipeline>>()
        .remove(0)
}

/// Calls create_ticket with the fields nested under `ticket` as serde_qs expects them
/// (`contact_ids[0]` becomes `ticket[contact_ids][0]`).
pub async fn create_ticket(client: &Client, fields: &[(&str, &str)]) -> Answer {
    let form: Vec<(String, &str)> = fields
        .iter()
        .map(|(k, v)| match k.split_once('[') {
            Some((name, rest)) => (format!("ticket[{name}][{rest}"), *v),
            None => (format!("ticket[{k}]"), *v),
        })
        .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    client.call("create_ticket", &form).await
}
