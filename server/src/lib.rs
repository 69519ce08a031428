//! The Switchboard server process: configuration, router, start-up and shutdown.
//! Business rules live in the `app` crate; this crate wires them to HTTP.

pub mod assets;
pub mod config;
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
    pub seeded: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot seed the demo data: {0}")]
    Seed(app::error::AppError),
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
    let context = ServerContext {
        db: db.clone(),
        secret_key: Arc::new(config.secret_key.clone()),
    };
    let router = router::build(context, &config.site_root);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.addr,
            source,
        })?;
    Ok(Server {
        listener,
        router,
        db,
        seeded,
    })
}

impl Server {
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and closes the pool.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let result = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await;
        self.db.close().await;
        result
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
