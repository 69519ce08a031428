//! `switchboard`: starts the help desk server with configuration from the environment.

/// mimalloc: the server allocates many small, short-lived buffers per request from
/// several threads, where glibc's allocator showed up as a third of the profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use server::{prepare, shutdown_signal, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("switchboard: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let server = match prepare(&config).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("switchboard: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = server.local_addr();
    println!();
    println!("  Switchboard is running on {} at http://{addr}/", server.db.engine());
    if config.seed_demo {
        if server.seeded {
            println!("  Demo data seeded.");
        }
        println!("  Demo logins (password \"{}\"):", app::demo::DEMO_PASSWORD);
        for (email, what) in app::demo::DEMO_LOGINS {
            println!("    {email:<20} {what}");
        }
    }
    if let Some((email, password)) = &server.first_admin {
        println!("  Created the first super admin: {email}");
        println!("  Password (shown this once; change it after logging in): {password}");
    }
    if server.no_users {
        println!("  No users yet. Restart with SWITCHBOARD_ADMIN_EMAIL=you@example.com to create the");
        println!("  first super admin (its password is printed once), or SWITCHBOARD_DEMO=1 for demo data.");
    }
    println!("  Stop with Ctrl-C.");
    println!();
    match server.serve(shutdown_signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("switchboard: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
