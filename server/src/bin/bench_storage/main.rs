//! `bench_storage`: seeds a large help desk and prints the median and p99 time of the store
//! queries behind the workspace, on SQLite and PostgreSQL, against a 20 ms p99 target.
//!
//! Usage: bench_storage [--tickets N] [--engine sqlite|postgres|both] [--runs N]
//!
//! - `--tickets` (default 1,000,000) seeds that many tickets, with a tenth as many contacts
//!   and a hundredth as many companies, ~5 % of them open, ~40 agents in 10 teams.
//! - `--engine` (default both). PostgreSQL needs BENCH_DATABASE_URL or DATABASE_URL pointing
//!   at a server where the role may create databases; the benchmark (re)creates the database
//!   `switchboard_bench_storage` next to it and leaves it there. Without either, PostgreSQL
//!   is skipped with a message. SQLite uses a fresh file in the temporary folder.
//! - `--runs` (default 200) timed runs of each query, after 20 untimed warm-up runs.
//! - `--reuse` keeps the seeded databases (SQLite: switchboard-bench-storage.db in the
//!   temporary folder) and measures an already seeded one again without reseeding.
//!
//! Measured, each as a super admin with scope "all" and as a help desk agent with scope
//! "team": the first page of "All open", its page 50 (the cursor followed 49 times first),
//! the left-panel counts, and contact search with a rotation of search strings. Times are
//! of the store function call as the server makes it (query, round trip, decoding).
//! `scripts/bench` runs it after the HTTP benchmark (BENCH_TICKETS sets --tickets).
//!
//! Every ticket has an email conversation (every tenth with three messages). After the
//! store queries, the reply path is measured over HTTP on the same database (`reply.rs`):
//! `--agents` (200) agents autosaving for `--autosave-seconds` (60; 0 skips the reply
//! path), send-and-set-status, and the ticket page with its conversation and composer.
//! Then `--ingest` (10,000; 0 skips it) incoming messages go through the ingest of incoming
//! mail (`ingest.rs`).

use std::time::{Duration, Instant};

use app::auth::model::{CurrentUser, Role, Scope};
use app::db::Db;
use app::on_db;
use app::tickets::model::{Cursor, ViewKey, PAGE_SIZE};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TARGET_P99_MS: f64 = 20.0;
const WARM_UP_RUNS: usize = 20;
const AGENTS: i64 = 40;
const TEAMS: i64 = 10;
/// The agent (by number) measured with scope "team"; agent 1 is the super admin.
const TEAM_AGENT: i64 = 2;
const PG_DATABASE: &str = "switchboard_bench_storage";

const SEARCHES: &[&str] = &[
    "maria", "lopez", "jo", "tom b", "priya.", "ber", "an", "zzqx", "fischer", "lena.f", "k", "shah 1", "nguyen", "ol",
    "sam", "garcía",
];

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

#[derive(Clone, Copy, PartialEq)]
enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }

    /// `WITH [RECURSIVE] s(i) AS (...)`: the integers `from..=to` as `s.i`.
    fn series(self, from: i64, to: i64) -> String {
        match self {
            Engine::Sqlite => {
                format!("WITH RECURSIVE s(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM s WHERE i < {to})")
            }
            Engine::Postgres => format!("WITH s(i) AS (SELECT generate_series({from}::bigint, {to}::bigint))"),
        }
    }

    /// A 32-hex-digit id for record number `expr` of the table tagged `tag` (0-15): unique,
    /// and in a scattered order like the app's random ids.
    fn id(self, tag: u8, expr: &str) -> String {
        match self {
            Engine::Sqlite => format!("printf('%08x%x%023x', (({expr}) * 2654435761) % 4294967296, {tag}, {expr})"),
            Engine::Postgres => format!(
                "(lpad(to_hex((({expr})::bigint * 2654435761) % 4294967296), 8, '0') || '{tag:x}' || lpad(to_hex(({expr})::bigint), 23, '0'))"
            ),
        }
    }
}

const TAG_USER: u8 = 1;
const TAG_TEAM: u8 = 2;
const TAG_COMPANY: u8 = 3;
const TAG_CONTACT: u8 = 4;
const TAG_TICKET: u8 = 5;
const TAG_CONVERSATION: u8 = 7;
const TAG_MESSAGE: u8 = 8;

mod ingest;
mod reply;

const FIRST: &[&str] = &[
    "Maria", "Tom", "Priya", "Jonas", "Lena", "Ahmed", "Olivia", "Noah", "Emma", "Liam", "Sofia", "Mateo", "Yuki",
    "Chen", "Fatima", "Omar", "Anna", "Lukas", "Chloe", "Ethan", "Mia", "Lucas", "Zoe", "Arjun", "Ines", "Pedro",
    "Hana", "Kofi", "Amara", "Ivan", "Nora", "Felix", "Sara", "Diego", "Elif", "Mehmet", "Aiko", "Ravi", "Jana",
    "Samuel",
];
const LAST: &[&str] = &[
    "Lopez", "Becker", "Shah", "Berg", "Fischer", "Nguyen", "Smith", "Garcia", "Müller", "Rossi", "Kowalski", "Dubois",
    "Tanaka", "Kim", "Silva", "Okafor", "Hansen", "Novak", "Ali", "Jensen", "Costa", "Meyer", "Ivanova", "Brown",
    "Wilson", "Khan", "Moreau", "Weber", "Santos", "Ortiz", "Yilmaz", "Sato", "Park", "Singh", "Mensah", "Eriksson",
    "Horvat", "Popescu", "Larsen", "Walsh", "Murphy", "Bauer", "Klein", "Vogel", "Romano", "Ricci", "Dias", "Lima",
    "Haddad", "Cohen",
];

fn values_list(words: &[&str]) -> String {
    words
        .iter()
        .enumerate()
        .map(|(k, w)| format!("({k}, '{w}', '{}')", app::contacts::model::fold(w)))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn exec(db: &Db, sql: &str) {
    on_db!(db, pool => sqlx::query(sql).execute(pool).await.map(|_| ()))
        .unwrap_or_else(|e| panic!("seeding failed: {e}\n{sql}"));
}

async fn scalar(db: &Db, sql: &str) -> String {
    let (value,): (String,) = on_db!(db, pool => sqlx::query_as(sql).fetch_one(pool).await).expect(sql);
    value
}

/// Seeds demo data (users, pipeline, statuses) and then `tickets` tickets in bulk SQL.
async fn seed(db: &Db, engine: Engine, tickets: i64) {
    let started = Instant::now();
    app::demo::seed_if_empty(db).await.expect("demo seed");
    let contacts = (tickets / 10).max(100);
    let companies = (tickets / 100).max(10);
    let hash = scalar(db, "SELECT password_hash FROM users ORDER BY email LIMIT 1").await;
    let channel =
        on_db!(db, pool => sqlx::query_as::<_, (String,)>("SELECT id FROM email_channels ORDER BY created_at LIMIT 1")
        .fetch_optional(pool).await)
        .expect("the demo's team address")
        .map_or("NULL".to_string(), |(id,)| format!("'{id}'"));
    let pipeline = scalar(db, "SELECT id FROM pipelines LIMIT 1").await;
    let status = |position: i64| {
        let pipeline = pipeline.clone();
        async move {
            scalar(
                db,
                &format!("SELECT id FROM statuses WHERE pipeline_id = '{pipeline}' AND position = {position}"),
            )
            .await
        }
    };
    let open_statuses = [status(0).await, status(1).await, status(2).await];
    let closed_status = status(3).await;
    let now = app::db::now_millis();
    let uid = |e: &str| engine.id(TAG_USER, e);
    let tid = |e: &str| engine.id(TAG_TEAM, e);

    // Agents: 1 is a super admin (scope all), TEAM_AGENT a help desk seat with scope team.
    exec(
        db,
        &format!(
            "{s} INSERT INTO users (id, email, name, password_hash, role, scope, active, created_at)
             SELECT {id}, 'agent' || i || '@bench.test', 'Agent ' || i, '{hash}',
                    CASE WHEN i = 1 THEN 'super_admin' ELSE 'help_desk' END,
                    CASE WHEN i = {TEAM_AGENT} THEN 'team' ELSE 'all' END, TRUE, {now} FROM s",
            s = engine.series(1, AGENTS),
            id = uid("i"),
        ),
    )
    .await;
    exec(
        db,
        &format!(
            "{s} INSERT INTO teams (id, name, created_at) SELECT {id}, 'Team ' || i, {now} FROM s",
            s = engine.series(0, TEAMS - 1),
            id = tid("i"),
        ),
    )
    .await;
    // Each agent in one team; every other agent in a second one too.
    exec(
        db,
        &format!(
            "{s} INSERT INTO team_members (team_id, user_id)
             SELECT {team}, {user} FROM s
             UNION ALL SELECT {team2}, {user} FROM s WHERE i % 2 = 0",
            s = engine.series(1, AGENTS),
            team = tid(&format!("i % {TEAMS}")),
            team2 = tid(&format!("(i + 3) % {TEAMS}")),
            user = uid("i"),
        ),
    )
    .await;
    exec(
        db,
        &format!(
            "{s} INSERT INTO companies (id, name, domain, created_at)
             SELECT {id}, 'Company ' || i, 'company' || i || '.test', {now} FROM s",
            s = engine.series(0, companies - 1),
            id = engine.id(TAG_COMPANY, "i"),
        ),
    )
    .await;
    exec(
        db,
        &format!(
            "{s}, f(k, w, folded) AS (VALUES {first}),
                l(k, w, folded) AS (VALUES {last})
             INSERT INTO contacts (id, name, email, phone, company_id, created_at, folded_name, search_text)
             SELECT {id}, f.w || ' ' || l.w,
                    f.folded || '.' || l.folded || i || '@company' || (i % {companies}) || '.test',
                    CASE WHEN i % 3 = 0 THEN '+1 555 ' || i END,
                    CASE WHEN i % 10 <> 0 THEN {company} END, {now},
                    f.folded || ' ' || l.folded,
                    f.folded || ' ' || l.folded || ' ' || f.folded || '.' || l.folded || i || '@company' || (i % {companies}) || '.test'
             FROM s JOIN f ON f.k = i % {nf} JOIN l ON l.k = (i / {nf}) % {nl}",
            s = engine.series(1, contacts),
            first = values_list(FIRST),
            last = values_list(LAST),
            nf = FIRST.len(),
            nl = LAST.len(),
            id = engine.id(TAG_CONTACT, "i"),
            company = engine.id(TAG_COMPANY, &format!("i % {companies}")),
        ),
    )
    .await;
    exec(
        db,
        // The demo's contacts have their addresses already.
        "INSERT INTO contact_emails (email, contact_id, position)
         SELECT email, id, 0 FROM contacts c
         WHERE email IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id)",
    )
    .await;
    println!("    seeded users, teams, {companies} companies, {contacts} contacts");

    // Tickets in chunks: ticket i was created at a time rising with i over three years; ~5 %
    // are open (mostly recent ones), ~20 % of open ones unassigned.
    let span: i64 = 3 * 365 * 86_400_000;
    let week: i64 = 7 * 86_400_000;
    let h = |m: i64| format!("((i * {m}) % 1000003)");
    let contact_no = format!("({} % {contacts} + 1)", h(40503));
    let open = format!(
        "(CASE WHEN (i > {recent} AND {a} % 100 < 70) OR {a} % 1000 < 15 THEN 1 ELSE 0 END)",
        recent = tickets - tickets / 20,
        a = h(2654435761),
    );
    // Ticket numbers follow the demo's.
    let (first_number,): (i64,) =
        on_db!(db, pool => sqlx::query_as("SELECT value FROM counters WHERE name = 'ticket_number'").fetch_one(pool).await)
            .unwrap();
    let chunk = 100_000;
    let mut from = 1;
    while from <= tickets {
        let to = (from + chunk - 1).min(tickets);
        exec(
            db,
            &format!(
                "{s}, g AS (SELECT i, {open} AS o, {contact_no} AS c FROM s)
                 INSERT INTO tickets (id, name, description, pipeline_id, status_id, is_open, owner_id, team_id,
                                      priority, source, company_id, created_by, created_at, last_activity_at, number)
                 SELECT {id}, 'Request ' || i || ' about order ' || {h1}, '', '{pipeline}',
                        CASE WHEN o = 0 THEN '{closed_status}'
                             WHEN {h2} % 3 = 0 THEN '{s0}' WHEN {h2} % 3 = 1 THEN '{s1}' ELSE '{s2}' END,
                        CASE WHEN o = 1 THEN TRUE ELSE FALSE END,
                        CASE WHEN (o = 1 AND {h3} % 100 < 20) OR (o = 0 AND {h3} % 100 < 3) THEN NULL
                             ELSE {owner} END,
                        CASE WHEN {h4} % 100 < 5 THEN NULL ELSE {team} END,
                        CASE {h2} % 4 WHEN 0 THEN 'low' WHEN 1 THEN 'medium' WHEN 2 THEN 'high' ELSE 'urgent' END,
                        CASE {h4} % 5 WHEN 0 THEN 'email' WHEN 1 THEN 'chat' WHEN 2 THEN 'form' WHEN 3 THEN 'call'
                             ELSE 'manual' END,
                        CASE WHEN c % 10 <> 0 THEN {company} END, NULL,
                        {now} - {week} - ({tickets} - i) * {per},
                        {now} - {week} - ({tickets} - i) * {per} + {h5} % {week}, {first_number} + i
                 FROM g",
                s = engine.series(from, to),
                id = engine.id(TAG_TICKET, "i"),
                h1 = h(7919),
                h2 = h(104729),
                h3 = h(15485863),
                h4 = h(32452843),
                h5 = h(49979687),
                s0 = open_statuses[0],
                s1 = open_statuses[1],
                s2 = open_statuses[2],
                owner = uid(&format!("({} % {AGENTS} + 1)", h(15485863))),
                team = tid(&format!("({} % {TEAMS})", h(32452843))),
                company = engine.id(TAG_COMPANY, &format!("c % {companies}")),
                per = span / tickets.max(1),
            ),
        )
        .await;
        // Every ticket has its contact; one in ten a second one.
        exec(
            db,
            &format!(
                "{s}, g AS (SELECT i, {contact_no} AS c FROM s)
                 INSERT INTO ticket_contacts (ticket_id, contact_id)
                 SELECT {id}, {contact} FROM g
                 UNION ALL SELECT {id}, {contact2} FROM g WHERE i % 10 = 0",
                s = engine.series(from, to),
                id = engine.id(TAG_TICKET, "i"),
                contact = engine.id(TAG_CONTACT, "c"),
                contact2 = engine.id(TAG_CONTACT, &format!("((c + 6) % {contacts} + 1)")),
            ),
        )
        .await;
        // Each ticket has its email conversation: the customer's message; every tenth ticket
        // also our reply and the customer's answer (three messages).
        let created = format!(
            "({now} - {week} - ({tickets} - i) * {per})",
            per = span / tickets.max(1)
        );
        exec(
            db,
            &format!(
                "{s}, g AS (SELECT i, {contact_no} AS c FROM s)
                 INSERT INTO conversations (id, ticket_id, contact_id, channel, email_channel_id, created_at)
                 SELECT {conversation}, {id}, {contact}, 'email', {channel}, {created} FROM g",
                s = engine.series(from, to),
                conversation = engine.id(TAG_CONVERSATION, "i"),
                id = engine.id(TAG_TICKET, "i"),
                contact = engine.id(TAG_CONTACT, "c"),
            ),
        )
        .await;
        let message = |n: i64,
                       kind: &str,
                       author_user: &str,
                       author_contact: &str,
                       from_address: &str,
                       text: &str,
                       after: i64,
                       filter: &str| {
            format!(
                "SELECT {id}, {conversation}, '{kind}', {author_user}, {author_contact}, {text}, '<p>' || {text} || '</p>',
                        'bench-' || i || '-{n}@bench.test', {from_address}, 'Request ' || i, {created} + {after}
                 FROM g JOIN contacts ct ON ct.id = {contact} {filter}",
                id = engine.id(TAG_MESSAGE, &format!("i * 4 + {n}")),
                conversation = engine.id(TAG_CONVERSATION, "i"),
                contact = engine.id(TAG_CONTACT, "c"),
            )
        };
        exec(
            db,
            &format!(
                "{s}, g AS (SELECT i, {contact_no} AS c FROM s)
                 INSERT INTO messages (id, conversation_id, kind, author_user_id, author_contact_id, body, body_html,
                                       message_id, from_address, subject, created_at)
                 {first} UNION ALL {second} UNION ALL {third}",
                s = engine.series(from, to),
                first = message(0, "incoming", "NULL", "ct.id", "ct.email",
                    "'Hello, my order ' || i || ' arrived damaged and the invoice shows the wrong VAT number. Can you send a replacement?'", 0, ""),
                second = message(1, "reply", &uid(&format!("({} % {AGENTS} + 1)", h(15485863))), "NULL", "'support@demo.test'",
                    "'Thanks for writing. We are sorry about the damage; a replacement is on its way.'", 3_600_000, "WHERE i % 10 = 0"),
                third = message(2, "incoming", "NULL", "ct.id", "ct.email",
                    "'Thank you, the tracking number does not work yet. Could you check it?'", 7_200_000, "WHERE i % 10 = 0"),
            ),
        )
        .await;
        from = to + 1;
        print!("\r    seeded {to} tickets ({:.0} s)", started.elapsed().as_secs_f64());
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }
    println!();
    exec(
        db,
        &format!("UPDATE counters SET value = {first_number} + {tickets} WHERE name = 'ticket_number'"),
    )
    .await;
    if engine == Engine::Postgres {
        // What autovacuum would do shortly after a bulk load: statistics and the
        // visibility map (index-only scans).
        exec(db, "VACUUM ANALYZE").await;
    }
    let (open,): (i64,) =
        on_db!(db, pool => sqlx::query_as("SELECT COUNT(*) FROM tickets WHERE is_open").fetch_one(pool).await).unwrap();
    println!(
        "    seeding done in {:.0} s: {tickets} tickets ({open} open)",
        started.elapsed().as_secs_f64()
    );
}

async fn bench_user(db: &Db, email: &str) -> CurrentUser {
    let (id, name, role, scope): (String, String, String, String) = on_db!(db, pool => sqlx::query_as(
        "SELECT id, name, role, scope FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(pool)
        .await)
    .expect("bench user");
    CurrentUser {
        id,
        email: email.to_string(),
        name,
        role: Role::parse(&role).unwrap(),
        scope: Scope::parse(&scope).unwrap(),
    }
}

struct Row {
    engine: &'static str,
    user: &'static str,
    query: String,
    median: f64,
    p99: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs `f` WARM_UP_RUNS times untimed, then `runs` times timed; returns (median, p99) in ms.
async fn measure<F, Fut>(runs: usize, mut f: F) -> (f64, f64)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for i in 0..WARM_UP_RUNS {
        f(i).await;
    }
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let started = Instant::now();
        f(i).await;
        times.push(started.elapsed());
    }
    percentiles(&mut times)
}

/// (median, p99) in ms of measured times.
fn percentiles(times: &mut [Duration]) -> (f64, f64) {
    times.sort();
    let at = |p: f64| ms(times[((times.len() as f64 - 1.0) * p).round() as usize]);
    (at(0.5), at(0.99))
}

/// The reply path's load (`reply.rs`): `--agents`, `--autosave-seconds`; 0 seconds skips it.
#[derive(Clone, Copy)]
struct ReplyLoad {
    agents: usize,
    autosave_seconds: u64,
    /// Incoming messages to ingest after the reply path (`ingest.rs`; 0 skips it).
    ingest: usize,
}

async fn run_engine(engine: Engine, url: &str, tickets: i64, runs: usize, load: ReplyLoad) -> (Vec<Row>, usize) {
    println!("\n==> {}: seeding {tickets} tickets", engine.name());
    let db = Db::connect(url).await.expect("connect");
    let (existing,): (i64,) =
        on_db!(&db, pool => sqlx::query_as("SELECT COUNT(*) FROM users WHERE email LIKE '%@bench.test'")
            .fetch_one(pool).await)
        .expect("count");
    if existing == 0 {
        seed(&db, engine, tickets).await;
    } else {
        let (seeded,): (i64,) =
            on_db!(&db, pool => sqlx::query_as("SELECT COUNT(*) FROM tickets").fetch_one(pool).await).expect("count");
        if seeded < tickets {
            eprintln!(
                "--reuse: the kept database has {seeded} tickets, fewer than {tickets}; run once without --reuse"
            );
            std::process::exit(2);
        }
        println!("    reusing the seeded database ({seeded} tickets)");
    }
    let mut rows = Vec::new();
    for (label, email) in [
        ("admin/all", "agent1@bench.test".to_string()),
        ("agent/team", format!("agent{TEAM_AGENT}@bench.test")),
    ] {
        let user = bench_user(&db, &email).await;
        let user = &user;
        let db = &db;
        let first = app::tickets::store::view_page(db, user, ViewKey::AllOpen, &Default::default(), None, PAGE_SIZE)
            .await
            .unwrap();
        let mut cursor: Option<Cursor> = first.next.clone();
        let mut pages = 1;
        while pages < 49 {
            let Some(after) = cursor.take() else { break };
            let page = app::tickets::store::view_page(
                db,
                user,
                ViewKey::AllOpen,
                &Default::default(),
                Some(&after),
                PAGE_SIZE,
            )
            .await
            .unwrap();
            cursor = page.next;
            pages += 1;
        }
        let counts = app::tickets::store::view_counts(db, user).await.unwrap();
        let summary: Vec<String> = counts
            .iter()
            .map(|c| format!("{} {}", c.view.slug(), c.count))
            .collect();
        println!("    {label}: {}", summary.join(", "));

        let (median, p99) = measure(runs, |_| async {
            app::tickets::store::view_page(db, user, ViewKey::AllOpen, &Default::default(), None, PAGE_SIZE)
                .await
                .unwrap();
        })
        .await;
        rows.push(Row {
            engine: engine.name(),
            user: label,
            query: "All open, first page".into(),
            median,
            p99,
        });
        match cursor {
            Some(after) => {
                let after = &after;
                let (median, p99) = measure(runs, |_| async move {
                    let page = app::tickets::store::view_page(
                        db,
                        user,
                        ViewKey::AllOpen,
                        &Default::default(),
                        Some(after),
                        PAGE_SIZE,
                    )
                    .await
                    .unwrap();
                    assert_eq!(page.tickets.len(), PAGE_SIZE as usize);
                })
                .await;
                rows.push(Row {
                    engine: engine.name(),
                    user: label,
                    query: "All open, page 50 (keyset)".into(),
                    median,
                    p99,
                });
            }
            None => println!("    {label}: \"All open\" has fewer than 50 pages; page 50 not measured"),
        }
        let (median, p99) = measure(runs, |_| async {
            app::tickets::store::view_counts(db, user).await.unwrap();
        })
        .await;
        rows.push(Row {
            engine: engine.name(),
            user: label,
            query: "left-panel counts".into(),
            median,
            p99,
        });
        let (median, p99) = measure(runs, |i| async move {
            app::contacts::store::search_contacts(db, user, SEARCHES[i % SEARCHES.len()])
                .await
                .unwrap();
        })
        .await;
        rows.push(Row {
            engine: engine.name(),
            user: label,
            query: "contact search".into(),
            median,
            p99,
        });
    }
    db.close().await;
    let missed = if load.autosave_seconds > 0 {
        reply::run(engine, url, tickets, load.agents, load.autosave_seconds, runs).await
    } else {
        0
    };
    let missed = missed
        + if load.ingest > 0 {
            ingest::run(engine.name(), url, load.ingest).await
        } else {
            0
        };
    (rows, missed)
}

/// Recreates PG_DATABASE on the server of `admin_url`; returns its URL.
async fn fresh_postgres(admin_url: &str, reuse: bool) -> Result<String, sqlx::Error> {
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(admin_url).await?;
    let (exists,): (bool,) = sqlx::query_as("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(PG_DATABASE)
        .fetch_one(&mut connection)
        .await?;
    if !reuse || !exists {
        sqlx::query(&format!("DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
            .execute(&mut connection)
            .await?;
        sqlx::query(&format!("CREATE DATABASE {PG_DATABASE}"))
            .execute(&mut connection)
            .await?;
    }
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let base = match base.rsplit_once('/') {
        Some((server, _)) if server.contains("//") && !server.ends_with('/') => server,
        _ => base.trim_end_matches('/'),
    };
    Ok(format!("{base}/{PG_DATABASE}{query}"))
}

#[tokio::main]
async fn main() {
    // Bulk seeding inserts 100,000 tickets per statement: no statement timeout for it.
    std::env::set_var("SWITCHBOARD_STATEMENT_TIMEOUT", "0");
    let tickets: i64 = arg("--tickets")
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = arg("--runs").and_then(|v| v.parse().ok()).unwrap_or(200).max(1);
    let reuse = std::env::args().any(|a| a == "--reuse");
    let load = ReplyLoad {
        agents: arg("--agents").and_then(|v| v.parse().ok()).unwrap_or(200).max(1),
        autosave_seconds: arg("--autosave-seconds").and_then(|v| v.parse().ok()).unwrap_or(60),
        ingest: arg("--ingest").and_then(|v| v.parse().ok()).unwrap_or(10_000),
    };
    let mut missed = 0;
    let which = arg("--engine").unwrap_or_else(|| "both".to_string());
    let engines: &[Engine] = match which.as_str() {
        "sqlite" => &[Engine::Sqlite],
        "postgres" => &[Engine::Postgres],
        "both" => &[Engine::Sqlite, Engine::Postgres],
        other => {
            eprintln!("--engine must be sqlite, postgres or both, not {other:?}");
            std::process::exit(2);
        }
    };
    println!("Switchboard storage benchmark: {tickets} tickets, {runs} timed runs per query");

    let mut rows = Vec::new();
    for &engine in engines {
        match engine {
            Engine::Sqlite => {
                if reuse {
                    let file = std::env::temp_dir().join("switchboard-bench-storage.db");
                    let url = format!("sqlite://{}", file.display());
                    {
                        let (found, m) = run_engine(engine, &url, tickets, runs, load).await;
                        rows.extend(found);
                        missed += m;
                    }
                } else {
                    let dir = std::env::temp_dir().join(format!("switchboard-bench-storage-{}", std::process::id()));
                    std::fs::create_dir_all(&dir).expect("temp dir");
                    let url = format!("sqlite://{}", dir.join("bench.db").display());
                    {
                        let (found, m) = run_engine(engine, &url, tickets, runs, load).await;
                        rows.extend(found);
                        missed += m;
                    }
                    let _ = std::fs::remove_dir_all(&dir);
                }
            }
            Engine::Postgres => {
                let admin = std::env::var("BENCH_DATABASE_URL")
                    .or_else(|_| std::env::var("DATABASE_URL"))
                    .ok()
                    .filter(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"));
                let Some(admin) = admin else {
                    println!(
                        "\n==> postgres: skipped. Set BENCH_DATABASE_URL (or DATABASE_URL) to a postgres:// URL \
                         of a server where this role may create databases."
                    );
                    continue;
                };
                match fresh_postgres(&admin, reuse).await {
                    Ok(url) => {
                        let (found, m) = run_engine(engine, &url, tickets, runs, load).await;
                        rows.extend(found);
                        missed += m;
                    }
                    Err(error) => println!("\n==> postgres: skipped, cannot create {PG_DATABASE}: {error}"),
                }
            }
        }
    }

    println!(
        "\nserver time per call, {runs} runs after {WARM_UP_RUNS} warm-up runs (target: p99 under {TARGET_P99_MS} ms):"
    );
    println!(
        "  {:<9} {:<11} {:<28} {:>10} {:>10}  result",
        "engine", "user", "query", "median ms", "p99 ms"
    );
    let mut failed = 0;
    for row in &rows {
        let pass = row.p99 < TARGET_P99_MS;
        failed += usize::from(!pass);
        println!(
            "  {:<9} {:<11} {:<28} {:>10.2} {:>10.2}  {}",
            row.engine,
            row.user,
            row.query,
            row.median,
            row.p99,
            if pass { "PASS" } else { "FAIL" }
        );
    }
    println!(
        "\n{}",
        if failed == 0 {
            "every query within target".to_string()
        } else {
            format!("{failed} of {} over target", rows.len())
        }
    );
    if load.autosave_seconds > 0 {
        println!(
            "{}",
            if missed == 0 {
                "the reply path within target".to_string()
            } else {
                format!("the reply path: {missed} figures over target (see above)")
            }
        );
    }
}
