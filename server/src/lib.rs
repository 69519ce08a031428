//! The Switchboard server process: configuration, router, start-up and shutdown.
//! Business rules live in the `app` crate; this crate wires them to HTTP.

pub mod assets;
pub mod config;
pub mod files;
pub mod follower;
pub mod inbound;
pub mod mailbox;
pub mod outbox;
pub mod router;

use std::net::SocketAddr;
use std::sync::Arc;

use app::auth::session::ServerContext;
use app::db::Db;

pub use config::Config;

/// A server bound to its port, ready to serve.
pub struct Server {
    pub listener: tokio::net::TcpListener,
    pub router: axum::Router,
    pub db: Db,
    /// The server's secret key (the outbox worker opens SMTP passwords with it).
    pub secret_key: Arc<Vec<u8>>,
    /// Attachments (the outbox worker reads the files it sends).
    pub files: Arc<app::conversations::files::FileStore>,
    pub seeded: bool,
    /// The first super admin created at this start, and their generated password.
    pub first_admin: Option<(String, String)>,
    /// The database has no users and none was created: nobody can log in yet.
    pub no_users: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot use the files folder {path}: {source}")]
    Files {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot seed the demo data: {0}")]
    Seed(app::error::AppError),
    #[error("cannot create the first admin: {0}")]
    FirstAdmin(app::error::AppError),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
}

/// Connects the database (applying migrations), seeds demo data if asked and the
/// database is empty, and binds the listening socket.
pub async fn prepare(config: &Config) -> Result<Server, StartError> {
    let db = Db::connect(&config.database_url).await?;
    let seeded = if config.seed_demo {
        app::demo::seed_if_empty(&db).await.map_err(StartError::Seed)?
    } else {
        false
    };
    let first_admin = match (&config.first_admin_email, config.seed_demo) {
        (Some(email), false) => {
            let email = app::admin::model::EmailAddress::parse("email", email).map_err(StartError::FirstAdmin)?;
            app::admin::store::create_first_admin(&db, &email)
                .await
                .map_err(StartError::FirstAdmin)?
                .map(|password| (email.as_str().to_string(), password))
        }
        _ => None,
    };
    let no_users = !app::admin::store::has_users(&db)
        .await
        .map_err(StartError::FirstAdmin)?;
    let context = ServerContext {
        db: db.clone(),
        secret_key: Arc::new(config.secret_key.clone()),
        login_guard: Arc::new(app::auth::throttle::LoginGuard::default()),
        secure_cookies: !config.public_origins.is_empty()
            && config
                .public_origins
                .iter()
                .all(|origin| origin.starts_with("https://")),
        files: Arc::new(
            app::conversations::files::FileStore::new(config.files_dir.clone(), config.attachment_limit_bytes)
                .map_err(|source| StartError::Files {
                    path: config.files_dir.clone(),
                    source,
                })?,
        ),
    };
    let context_secret = context.secret_key.clone();
    let files = context.files.clone();
    let router = router::build(context, config);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.addr,
            source,
        })?;
    let secret_key = context_secret;
    Ok(Server {
        listener,
        router,
        db,
        secret_key,
        files,
        seeded,
        first_admin,
        no_users,
    })
}

impl Server {
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and closes the pool.
    /// Sweeps ended sessions and old login failures meanwhile, delivers the outbox and follows
    /// the addresses' mailboxes.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let sweeper = tokio::spawn(sweep_forever(self.db.clone()));
        let outbox = tokio::spawn(outbox::deliver_forever(
            self.db.clone(),
            self.secret_key.clone(),
            self.files.clone(),
        ));
        let follower = tokio::spawn(follower::follow_forever(
            self.db.clone(),
            self.secret_key.clone(),
            self.files.clone(),
        ));
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await;
        sweeper.abort();
        outbox.abort();
        follower.abort();
        self.db.close().await;
        result
    }
}

/// Every ten minutes, deletes ended or idle sessions and login failures older than their
/// window (a sweep is a few indexed deletes; running it on every instance is harmless).
async fn sweep_forever(db: Db) {
    use app::auth::{api::FAILURE_WINDOW_MILLIS, session::SESSION_IDLE_MILLIS};
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        let now = app::db::now_millis();
        match app::auth::store::sweep(&db, now, now - SESSION_IDLE_MILLIS, now - FAILURE_WINDOW_MILLIS).await {
            Ok(0) => {}
            Ok(rows) => tracing::info!(rows, "swept ended sessions and old login failures"),
            Err(error) => tracing::warn!(%error, "the sweep of sessions and login failures failed; retrying later"),
        }
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
