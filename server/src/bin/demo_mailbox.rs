//! The demo's mailbox: an SMTP server on loopback that the demo team address sends
//! through, so a reply sent in the demo visibly arrives. Each message is written to
//! `$SWITCHBOARD_DATA/demo-mail/<n>.eml` (default `data/demo-mail`). `scripts/run` starts it.

use std::path::PathBuf;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let addr = std::env::var("SWITCHBOARD_DEMO_SMTP").unwrap_or_else(|_| "127.0.0.1:2525".into());
    let data = std::env::var("SWITCHBOARD_DATA").unwrap_or_else(|_| "data".into());
    let folder = PathBuf::from(data).join("demo-mail");
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("the demo mailbox could not listen on {addr}: {error} (is another one running?)");
            std::process::exit(1);
        }
    };
    println!("demo mailbox: SMTP on {addr}, messages in {}", folder.display());
    server::mailbox::Mailbox::writing_to(folder).serve(listener).await;
}
