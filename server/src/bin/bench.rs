//! `bench`: prints the wasm client's size and how fast the server renders a logged-in
//! agent's workspace under concurrent load on this machine.
//!
//! Usage: bench [--seconds N] [--concurrency N] [--attack-seconds N] [--attackers N].
//! Uses DATABASE_URL when set (the database is seeded with demo data if empty), otherwise
//! a fresh SQLite database.
//!
//! The second part is a login attack: `--attackers` (500) clients post bogus logins with
//! random emails, each from a random address (`X-Forwarded-For` through a trusted proxy, the
//! worst case: no per-address budget helps), for `--attack-seconds` (30), while agents keep
//! loading their workspace. It prints the agents' latency and errors during the attack
//! (target: p99 under 100 ms, no errors), what the attackers were answered, and the
//! process's peak memory. `--attack-seconds 0` skips it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// mimalloc: the server allocates many small, short-lived buffers per request from
/// several threads, where glibc's allocator showed up as a third of the profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const WASM_BUDGET_BROTLI: usize = 250 * 1024;
const PAGES_PER_SECOND_BUDGET: f64 = 1000.0;

fn brotli_size(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("brotli in memory");
    out.len()
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Prints one wasm client's files, raw and brotli: what a page loads before it is
/// interactive (main module, its JS, the chunk loader), against the budget; then the chunks
/// loaded on first use (`app::lazy`).
fn print_client_size(client: &str, dir: &Path) {
    println!("{client} client ({}):", dir.display());
    let mut chunks: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|name| server::assets::is_chunk_file(name))
                .collect()
        })
        .unwrap_or_default();
    chunks.sort();
    let mut initial_brotli = 0;
    let mut chunks_brotli = 0;
    let initial = ["frontend_bg.wasm", "frontend.js", "__wasm_split.js"];
    for name in initial.iter().map(|n| n.to_string()).chain(chunks.iter().cloned()) {
        match std::fs::read(dir.join(&name)) {
            Ok(bytes) => {
                let compressed = brotli_size(&bytes);
                let is_chunk = server::assets::is_chunk_file(&name);
                if is_chunk {
                    chunks_brotli += compressed;
                } else {
                    initial_brotli += compressed;
                }
                println!(
                    "  {name:<26} {:>9} bytes raw  {:>9} bytes brotli{}",
                    bytes.len(),
                    compressed,
                    if is_chunk { "  (on first use)" } else { "" }
                );
            }
            Err(error) => {
                println!("  {name:<26} missing ({error}); build it with scripts/run")
            }
        }
    }
    println!(
        "  first load, brotli: {:.1} KB (budget {} KB): {}",
        initial_brotli as f64 / 1024.0,
        WASM_BUDGET_BROTLI / 1024,
        if initial_brotli <= WASM_BUDGET_BROTLI {
            "within budget"
        } else {
            "OVER BUDGET"
        }
    );
    if !chunks.is_empty() {
        println!(
            "  chunks, brotli: {:.1} KB in {} files, each fetched when the page needs it or the browser is idle",
            chunks_brotli as f64 / 1024.0,
            chunks.len()
        );
    }
}

#[tokio::main]
async fn main() {
    let seconds = arg("--seconds", 10);
    let concurrency = arg("--concurrency", 16) as usize;
    let site_root = PathBuf::from(std::env::var("SWITCHBOARD_SITE").unwrap_or_else(|_| "target/site".to_string()));

    println!("Switchboard benchmark");
    println!();
    // Two clients: an agent's browser loads the workspace client; the settings pages
    // (`/admin/*`, admins only) load the settings client instead.
    for (client, dir) in [
        ("workspace", site_root.join("pkg")),
        ("settings", site_root.join("pkg/settings")),
    ] {
        print_client_size(client, &dir);
    }
    println!();

    let data_dir = std::env::temp_dir().join(format!("switchboard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&data_dir).expect("temp dir");
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}", data_dir.join("bench.db").display()));
    let config = server::Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.clone(),
        database_url,
        seed_demo: true,
        secret_key: b"benchmark-secret-key-benchmark-secret-key".to_vec(),
        site_root,
        public_origins: Vec::new(),
        first_admin_email: None,
        // The attack comes "through a proxy", each request from another address.
        trust_proxy: true,
        files_dir: data_dir.join("files"),
        attachment_limit_bytes: 25 * 1024 * 1024,
    };
    let server = server::prepare(&config).await.expect("the server starts");
    let engine = server.db.engine();
    let base = format!("http://{}", server.local_addr());
    tokio::spawn(server.serve(std::future::pending()));

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = client
        .post(format!("{base}/api/login"))
        .form(&[("email", "agent@demo.test"), ("password", "demo")])
        .send()
        .await
        .expect("login");
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = client
        .get(format!("{base}/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the workspace renders");
    let page_bytes = page.bytes().await.unwrap().len();

    println!();
    println!(
        "server rendering the agent's workspace (GET /, {engine}, {page_bytes} bytes of HTML, compressed as for a browser, \
         {concurrency} keep-alive connections from a minimal client in the same process, {seconds} s):"
    );
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    let addr = base.trim_start_matches("http://").to_string();
    for _ in 0..concurrency {
        let (addr, cookie, latencies) = (addr.clone(), cookie.clone(), latencies.clone());
        tasks.push(tokio::spawn(async move {
            let mut connection = KeepAlive::connect(&addr, &cookie).await;
            let mut mine = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                let status = connection.get_workspace().await;
                assert_eq!(status, 200);
                mine.push(started.elapsed());
            }
            latencies.lock().unwrap().extend(mine);
        }));
    }
    let started = Instant::now();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let rate = latencies.len() as f64 / elapsed;
    println!("  requests:   {}", latencies.len());
    println!(
        "  rate:       {rate:.0} pages/s (budget {PAGES_PER_SECOND_BUDGET:.0}): {}",
        if rate >= PAGES_PER_SECOND_BUDGET {
            "within budget"
        } else {
            "BELOW BUDGET"
        }
    );
    println!(
        "  latency:    p50 {:.2} ms, p99 {:.2} ms",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3
    );
    let _ = std::io::stdout().flush();

    let attack_seconds = arg("--attack-seconds", 30);
    if attack_seconds > 0 {
        login_attack(&base, &cookie, attack_seconds, arg("--attackers", 500) as usize).await;
    }
    let _ = std::fs::remove_dir_all(&data_dir);
}

const ATTACK_P99_TARGET_MS: f64 = 100.0;

/// Bogus logins from many clients while agents use the workspace; see the module docs.
async fn login_attack(base: &str, cookie: &str, seconds: u64, attackers: usize) {
    println!();
    println!(
        "login attack: {attackers} clients posting bogus logins with random emails from random addresses for {seconds} s, while 4 agents load their workspace every 50 ms:"
    );
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(attackers)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let answers = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::<String, u64>::new()));
    let mut tasks = Vec::new();
    for attacker in 0..attackers {
        let (http, base, answers) = (http.clone(), base.to_string(), answers.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let address = format!("10.{}.{}.{}", attacker / 256 % 256, attacker % 256, n % 250 + 1);
                let email = format!("attacker{attacker}-{n}@example.test");
                let answer = http
                    .post(format!("{base}/api/login"))
                    .header("x-forwarded-for", address)
                    .form(&[("email", email.as_str()), ("password", "guess")])
                    .send()
                    .await;
                let key = match answer {
                    Ok(response) => response.status().as_u16().to_string(),
                    Err(_) => "no answer".to_string(),
                };
                *answers.lock().unwrap().entry(key).or_default() += 1;
            }
        }));
    }
    let addr = base.trim_start_matches("http://").to_string();
    let agents = Arc::new(std::sync::Mutex::new((Vec::new(), 0u64)));
    for _ in 0..4 {
        let (addr, cookie, agents) = (addr.clone(), cookie.to_string(), agents.clone());
        tasks.push(tokio::spawn(async move {
            let mut connection = KeepAlive::connect(&addr, &cookie).await;
            let (mut mine, mut errors) = (Vec::new(), 0);
            while Instant::now() < deadline {
                let started = Instant::now();
                if connection.get_workspace().await != 200 {
                    errors += 1;
                }
                mine.push(started.elapsed());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let mut agents = agents.lock().unwrap();
            agents.0.extend(mine);
            agents.1 += errors;
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let (mut latencies, errors) = agents.lock().unwrap().clone();
    latencies.sort();
    let p99 = percentile(&latencies, 0.99).as_secs_f64() * 1e3;
    println!(
        "  agents:     {} pages, {errors} errors, p50 {:.2} ms, p99 {p99:.2} ms (target under {ATTACK_P99_TARGET_MS:.0} ms, no errors): {}",
        latencies.len(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        if p99 < ATTACK_P99_TARGET_MS && errors == 0 { "met" } else { "NOT MET" }
    );
    let answers = answers.lock().unwrap().clone();
    let listed: Vec<String> = answers.iter().map(|(status, n)| format!("{status}: {n}")).collect();
    println!(
        "  attackers:  {} (401 checked, 429 refused for the account or address, 503 server busy)",
        listed.join(", ")
    );
    let peak = std::fs::read_to_string("/proc/self/status").ok().and_then(|status| {
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .map(|l| l[6..].trim().to_string())
    });
    println!(
        "  peak memory of the process (server and load generator): {}",
        peak.unwrap_or_else(|| "unknown".into())
    );
}

/// A deliberately small HTTP/1.1 keep-alive client, so the load generator costs little of
/// the CPU the server is measured on (reqwest cost about a third of it).
struct KeepAlive {
    reader: tokio::io::BufReader<tokio::net::TcpStream>,
    request: Vec<u8>,
}

impl KeepAlive {
    async fn connect(addr: &str, cookie: &str) -> KeepAlive {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let request = format!(
            "GET / HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nAccept-Encoding: gzip, deflate, br, zstd\r\nAccept: text/html\r\n\r\n"
        )
        .into_bytes();
        KeepAlive {
            reader: tokio::io::BufReader::new(stream),
            request,
        }
    }

    /// Sends the request and reads the whole response; returns its status.
    async fn get_workspace(&mut self) -> u16 {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
        self.reader.get_mut().write_all(&self.request).await.expect("write");
        let mut line = String::new();
        self.reader.read_line(&mut line).await.expect("status line");
        let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let (mut length, mut chunked) = (0usize, false);
        loop {
            line.clear();
            self.reader.read_line(&mut line).await.expect("header");
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let lower = header.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line).await.expect("chunk size");
                let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; size + 2];
                self.reader.read_exact(&mut chunk).await.expect("chunk");
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else {
            body.resize(length, 0);
            self.reader.read_exact(&mut body).await.expect("body");
        }
        status
    }
}
