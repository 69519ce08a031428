//! Incoming mail's speed: `--ingest` (10,000) varied messages fed one after another to
//! `incoming::ingest`, the function behind the HTTP endpoint and the IMAP follower, on the
//! seeded database. A third are HTML, one in ten carries a 20 KB file, a third answer an
//! earlier message (In-Reply-To and References), one in twenty is delivered twice. Prints
//! messages per second and the median and p99 per message, against the target of
//! 1,000 messages per second on SQLite; and checks every message was stored exactly once.

use std::time::Instant;

use app::channels::email::incoming::{self, Inbox, Outcome};
use app::db::Db;
use app::on_db;

fn message(n: usize, file: &str) -> String {
    let id = format!("bench-{n}@customers.bench.test");
    let from = format!("customer{}@customers.bench.test", n % 500);
    let mut headers = format!(
        "From: Customer {} <{from}>\r\nTo: support@demo.test\r\nSubject: Question number {n} about my order\r\nMessage-ID: <{id}>\r\nDate: Wed, 2 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n",
        n % 500
    );
    if n % 3 == 2 && n >= 3 {
        let parent = format!("bench-{}@customers.bench.test", n - 2);
        headers.push_str(&format!("In-Reply-To: <{parent}>\r\nReferences: <{parent}>\r\n"));
    }
    let text = format!("Hello,\r\n\r\nthis is message {n}. The parcel arrived damaged, the invoice is wrong and the tracking link does not work.\r\n\r\nRegards\r\n");
    let body = if n.is_multiple_of(3) {
        format!(
            "Content-Type: multipart/alternative; boundary=\"ALT\"\r\n\r\n--ALT\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n--ALT\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Hello,</p><p>this is <b>message {n}</b>.</p><table><tr><td>Order</td><td>{n}</td></tr></table><img src=\"https://shop.bench.test/logo.png\"><script>x()</script></body></html>\r\n--ALT--\r\n"
        )
    } else {
        format!("Content-Type: text/plain; charset=utf-8\r\n\r\n{text}")
    };
    if n % 10 == 1 {
        let inner = body.replacen("Content-Type: ", "", 1);
        format!(
            "{headers}Content-Type: multipart/mixed; boundary=\"MIX\"\r\n\r\n--MIX\r\nContent-Type: {inner}\r\n--MIX\r\nContent-Type: application/pdf; name=\"invoice-{n}.pdf\"\r\nContent-Disposition: attachment; filename=\"invoice-{n}.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{file}\r\n--MIX--\r\n"
        )
    } else {
        format!("{headers}{body}")
    }
}

/// Feeds `count` messages to ingest on the database at `url`; returns how many went wrong.
pub async fn run(engine: &str, url: &str, count: usize) -> usize {
    println!("\n==> {engine}: ingesting {count} incoming messages");
    let db = Db::connect(url).await.expect("connect");
    let dir = std::env::temp_dir().join(format!("switchboard-bench-ingest-{engine}"));
    let _ = std::fs::remove_dir_all(&dir);
    let files = app::conversations::files::FileStore::new(dir.clone(), 1).expect("files folder");
    let (channel,): (String,) = on_db!(&db, pool => sqlx::query_as(
        "SELECT id FROM email_channels ORDER BY created_at LIMIT 1").fetch_one(pool).await)
    .expect("the demo address");
    let inbox = Inbox {
        channel_id: channel,
        address: "support@demo.test".into(),
        pipeline_id: None,
        status_id: None,
    };
    let (before,): (i64,) = on_db!(&db, pool => sqlx::query_as(
        "SELECT COUNT(*) FROM messages WHERE kind = 'incoming'").fetch_one(pool).await)
    .expect("count");
    // 20 KB of '%' in base64 ("%%%" is "JSUl"), in 76-character lines.
    let file = vec!["JSUl".repeat(19); 360].join("\r\n");
    let raws: Vec<String> = (0..count).map(|n| message(n, &file)).collect();
    let mut times = Vec::with_capacity(count + count / 20);
    let (mut stored, mut duplicates, mut wrong) = (0usize, 0usize, 0usize);
    let started = Instant::now();
    for (n, raw) in raws.iter().enumerate() {
        let deliveries = if n % 20 == 7 { 2 } else { 1 };
        for _ in 0..deliveries {
            let one = Instant::now();
            match incoming::ingest(&db, &files, &inbox, raw.as_bytes()).await {
                Ok(Outcome::Stored { .. }) => stored += 1,
                Ok(Outcome::Duplicate { .. }) => duplicates += 1,
                other => {
                    wrong += 1;
                    eprintln!("    message {n}: {other:?}");
                }
            }
            times.push(one.elapsed());
        }
    }
    let elapsed = started.elapsed();
    let (after,): (i64,) = on_db!(&db, pool => sqlx::query_as(
        "SELECT COUNT(*) FROM messages WHERE kind = 'incoming'").fetch_one(pool).await)
    .expect("count");
    let (median, p99) = super::percentiles(&mut times);
    let per_second = times.len() as f64 / elapsed.as_secs_f64();
    println!(
        "    {} deliveries in {:.1} s: {per_second:.0} messages/s, median {median:.2} ms, p99 {p99:.2} ms per message",
        times.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "    stored {stored}, duplicates {duplicates} (expected {}), errors {wrong}",
        count.div_ceil(20).min(count)
    );
    if engine == "sqlite" {
        println!(
            "    target: at least 1,000 messages/s on SQLite: {}",
            if per_second >= 1000.0 { "met" } else { "NOT met" }
        );
    }
    if after - before != stored as i64 {
        eprintln!(
            "    {} messages in the database, {stored} reported stored",
            after - before
        );
        wrong += 1;
    }
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    wrong
}
