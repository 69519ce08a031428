//! Demo data for a first start: three users, two teams, the "Support pipeline", a few
//! companies, contacts and tickets with conversations. Runs only on an empty database.

use crate::db::WritePool;
use crate::db::{new_id, now_millis, Db};
use crate::error::{AppError, AppResult};
use crate::on_db;

/// Where the demo team address sends: the demo mailbox `scripts/run` starts
/// (`SWITCHBOARD_DEMO_SMTP`, `host:port`, read when the demo data is seeded).
pub fn demo_smtp() -> (String, i64) {
    let value = std::env::var("SWITCHBOARD_DEMO_SMTP").unwrap_or_default();
    match value
        .rsplit_once(':')
        .and_then(|(host, port)| Some((host.to_string(), port.parse().ok()?)))
    {
        Some((host, port)) if !host.is_empty() => (host, port),
        _ => ("127.0.0.1".to_string(), 2525),
    }
}

pub const DEMO_PASSWORD: &str = "demo";

/// The demo logins, as printed at start-up: (email, what they are).
pub const DEMO_LOGINS: [(&str, &str); 3] = [
    ("admin@demo.test", "super admin"),
    ("agent@demo.test", "help desk seat"),
    ("viewer@demo.test", "service access"),
];

struct DemoTicket {
    name: &'static str,
    status: usize,
    owner: Option<usize>,
    team: usize,
    priority: &'static str,
    source: &'static str,
    contact: Option<usize>,
    hours_ago: i64,
    messages: &'static [(&'static str, &'static str)],
}

const TICKETS: &[DemoTicket] = &[
    DemoTicket {
        name: "Cannot log in after password reset",
        status: 0,
        owner: None,
        team: 0,
        priority: "high",
        source: "email",
        contact: Some(0),
        hours_ago: 1,
        messages: &[(
            "incoming",
            "Hi, I reset my password this morning and now the login page says my account is locked. Can you help?",
        )],
    },
    DemoTicket {
        name: "Invoice shows the wrong VAT number",
        status: 2,
        owner: Some(1),
        team: 0,
        priority: "medium",
        source: "email",
        contact: Some(1),
        hours_ago: 3,
        messages: &[
            (
                "incoming",
                "Our November invoice lists an old VAT number. Please send a corrected one.",
            ),
            (
                "reply",
                "Thanks for flagging this. I have asked billing to reissue the invoice with the right number.",
            ),
            ("comment", "Billing says the corrected invoice goes out tomorrow."),
        ],
    },
    DemoTicket {
        name: "Chat: how do I export my data?",
        status: 1,
        owner: Some(1),
        team: 0,
        priority: "low",
        source: "chat",
        contact: Some(2),
        hours_ago: 5,
        messages: &[
            ("incoming", "Hello! Is there a way to export all our records to CSV?"),
            (
                "reply",
                "Yes: Settings, then Export. Would you like the full history or only this year?",
            ),
        ],
    },
    DemoTicket {
        name: "Form: request for a product demo",
        status: 0,
        owner: None,
        team: 0,
        priority: "medium",
        source: "form",
        contact: Some(3),
        hours_ago: 8,
        messages: &[(
            "incoming",
            "Company size: 40. Interested in: help desk, knowledge base. Preferred time: mornings.",
        )],
    },
    DemoTicket {
        name: "Call: delivery arrived damaged",
        status: 2,
        owner: Some(0),
        team: 0,
        priority: "urgent",
        source: "call",
        contact: Some(0),
        hours_ago: 26,
        messages: &[(
            "incoming",
            "Call summary: the customer received order 4471 with a cracked screen and wants a replacement.",
        )],
    },
    DemoTicket {
        name: "Refund for duplicate charge",
        status: 3,
        owner: Some(1),
        team: 1,
        priority: "high",
        source: "email",
        contact: Some(1),
        hours_ago: 50,
        messages: &[
            ("incoming", "I was charged twice for the annual plan."),
            (
                "reply",
                "You are right, sorry about that. The duplicate charge has been refunded.",
            ),
        ],
    },
    DemoTicket {
        name: "Set up onboarding call for the new team",
        status: 0,
        owner: None,
        team: 0,
        priority: "low",
        source: "manual",
        contact: None,
        hours_ago: 2,
        messages: &[],
    },
];

/// Seeds the demo data if the database has no users yet. Returns whether it seeded.
///
/// The check and the seed are one write transaction, so instances starting together on
/// one empty database seed it once: SQLite's `BEGIN IMMEDIATE` admits one writer, and on
/// PostgreSQL the others wait on an advisory lock, then find the users there.
pub async fn seed_if_empty(db: &Db) -> AppResult<bool> {
    let (users,): (i64,) = on_db!(db, pool => sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(pool).await)?;
    if users > 0 {
        return Ok(false);
    }
    let hash = tokio::task::spawn_blocking(|| crate::auth::session::argon2_hash(DEMO_PASSWORD))
        .await
        .map_err(|_| AppError::Internal)??;
    let now = now_millis();
    let lock = match db {
        Db::Postgres(_) => Some(crate::db::SEED_LOCK_SQL),
        Db::Sqlite(_) => None,
    };
    let seeded = on_db!(db, pool => {
        let mut tx = pool.begin_write().await?;
        if let Some(lock) = lock {
            sqlx::query(lock).execute(&mut *tx).await?;
        }
        let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(&mut *tx).await?;
        if users > 0 {
            return Ok(false);
        }
        let user_ids: Vec<String> = (0..3).map(|_| new_id()).collect();
        let users = [
            ("admin@demo.test", "Ada Admin", "super_admin", "all"),
            ("agent@demo.test", "Alex Agent", "help_desk", "all"),
            ("viewer@demo.test", "Vic Viewer", "service", "team"),
        ];
        for ((email, name, role, scope), id) in users.iter().zip(&user_ids) {
            sqlx::query("INSERT INTO users (id, email, name, password_hash, role, scope, active, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7)")
                .bind(id).bind(*email).bind(*name).bind(&hash).bind(*role).bind(*scope).bind(now)
                .execute(&mut *tx).await?;
        }
        let team_ids: Vec<String> = (0..2).map(|_| new_id()).collect();
        for (name, id) in ["Support", "Billing"].iter().zip(&team_ids) {
            sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
                .bind(id).bind(*name).bind(now).execute(&mut *tx).await?;
        }
        for (team, user) in [(0, 1), (0, 2), (1, 1)] {
            sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)")
                .bind(&team_ids[team]).bind(&user_ids[user]).execute(&mut *tx).await?;
        }

        // The demo team address, connected to the demo mailbox on loopback that
        // `scripts/run` starts (`demo-mailbox`): a reply sent in the demo arrives there.
        let channel_id = new_id();
        let (smtp_host, smtp_port) = demo_smtp();
        sqlx::query("INSERT INTO email_channels (id, address, display_name, signature_html, smtp_host, smtp_port, smtp_tls,
                                                 smtp_user, smtp_password, created_at)
                     VALUES ($1, 'support@demo.test', 'Demo Support', $2, $3, $4, 'none', '', '', $5)")
            .bind(&channel_id).bind("<p>Best regards,<br>The Demo Support team</p>")
            .bind(&smtp_host).bind(smtp_port).bind(now)
            .execute(&mut *tx).await?;
        for team in &team_ids {
            sqlx::query("INSERT INTO email_channel_teams (channel_id, team_id) VALUES ($1, $2)")
                .bind(&channel_id).bind(team).execute(&mut *tx).await?;
        }

        let pipeline_id = new_id();
        sqlx::query("INSERT INTO pipelines (id, name, position, archived, created_at) VALUES ($1, 'Support pipeline', 0, FALSE, $2)")
            .bind(&pipeline_id).bind(now).execute(&mut *tx).await?;
        let statuses = [("New", "open"), ("Waiting on contact", "open"), ("Waiting on us", "open"), ("Closed", "closed")];
        let status_ids: Vec<String> = (0..statuses.len()).map(|_| new_id()).collect();
        for (position, ((name, category), id)) in statuses.iter().zip(&status_ids).enumerate() {
            sqlx::query("INSERT INTO statuses (id, pipeline_id, name, position, category, archived)
                         VALUES ($1, $2, $3, $4, $5, FALSE)")
                .bind(id).bind(&pipeline_id).bind(*name).bind(position as i64).bind(*category)
                .execute(&mut *tx).await?;
        }

        // A conditional status: closing a ticket asks why.
        let close_reason = new_id();
        sqlx::query("INSERT INTO properties (id, name, label, kind, help_text, options, position, created_at)
                     VALUES ($1, 'close_reason', 'Close reason', 'dropdown', 'Why the ticket was closed', $2, 1, $3)")
            .bind(&close_reason).bind("Solved\nDuplicate\nNo response\nWon't fix").bind(now)
            .execute(&mut *tx).await?;
        sqlx::query("INSERT INTO status_required_properties (status_id, property_id) VALUES ($1, $2)")
            .bind(&status_ids[3]).bind(&close_reason).execute(&mut *tx).await?;

        let companies = [("Acme Corp", "acme.test"), ("Globex", "globex.test"), ("Initech", "initech.test")];
        let company_ids: Vec<String> = (0..companies.len()).map(|_| new_id()).collect();
        for ((name, domain), id) in companies.iter().zip(&company_ids) {
            sqlx::query("INSERT INTO companies (id, name, domain, created_at) VALUES ($1, $2, $3, $4)")
                .bind(id).bind(*name).bind(*domain).bind(now).execute(&mut *tx).await?;
        }
        let contacts = [
            ("Maria Lopez", "maria@acme.test", Some("+1 555 0101"), Some(0)),
            ("Tom Becker", "tom@globex.test", None, Some(1)),
            ("Priya Shah", "priya@initech.test", Some("+44 20 7946 0958"), Some(2)),
            ("Jonas Berg", "jonas@example.test", None, None),
            ("Lena Fischer", "lena@acme.test", None, Some(0)),
        ];
        let contact_ids: Vec<String> = (0..contacts.len()).map(|_| new_id()).collect();
        for ((name, email, phone, company), id) in contacts.iter().zip(&contact_ids) {
            let (folded_name, search_text) = crate::contacts::model::search_fields(name, &[email]);
            sqlx::query("INSERT INTO contacts (id, name, email, phone, company_id, created_at, folded_name, search_text)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(id).bind(*name).bind(*email).bind(*phone).bind(company.map(|c: usize| company_ids[c].clone())).bind(now)
                .bind(folded_name).bind(search_text)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO contact_emails (email, contact_id, position) VALUES ($1, $2, 0)")
                .bind(*email).bind(id).execute(&mut *tx).await?;
        }

        for ticket in TICKETS {
            let ticket_id = new_id();
            let at = now - ticket.hours_ago * 3_600_000;
            let company = ticket.contact.and_then(|c| contacts[c].3).map(|c| company_ids[c].clone());
            let (number,): (i64,) =
                sqlx::query_as(crate::tickets::store::NEXT_TICKET_NUMBER).fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO tickets (id, name, description, pipeline_id, status_id, is_open, owner_id, team_id,
                           priority, source, company_id, created_by, created_at, last_activity_at, number)
                         VALUES ($1, $2, '', $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12, $13)")
                .bind(&ticket_id).bind(ticket.name).bind(&pipeline_id).bind(&status_ids[ticket.status])
                .bind(statuses[ticket.status].1 == "open")
                .bind(ticket.owner.map(|o| user_ids[o].clone()))
                .bind(&team_ids[ticket.team])
                .bind(ticket.priority).bind(ticket.source).bind(company).bind(at - 600_000).bind(at).bind(number)
                .execute(&mut *tx).await?;
            if statuses[ticket.status].1 == "closed" {
                sqlx::query("INSERT INTO ticket_property_values (ticket_id, property_id, value) VALUES ($1, $2, 'Solved')")
                    .bind(&ticket_id).bind(&close_reason).execute(&mut *tx).await?;
            }
            let Some(contact) = ticket.contact else { continue };
            sqlx::query("INSERT INTO ticket_contacts (ticket_id, contact_id) VALUES ($1, $2)")
                .bind(&ticket_id).bind(&contact_ids[contact]).execute(&mut *tx).await?;
            let conversation_id = new_id();
            let email = ticket.source == "email";
            sqlx::query("INSERT INTO conversations (id, ticket_id, contact_id, channel, created_at, email_channel_id)
                         VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&conversation_id).bind(&ticket_id).bind(&contact_ids[contact]).bind(ticket.source).bind(at - 600_000)
                .bind(email.then(|| channel_id.clone()))
                .execute(&mut *tx).await?;
            let count = ticket.messages.len() as i64;
            // Email messages carry their RFC 5322 identity, so replies thread.
            let mut thread: Vec<String> = Vec::new();
            for (index, (kind, body)) in ticket.messages.iter().enumerate() {
                let (user, contact_author) = if *kind == "incoming" {
                    (None, Some(contact_ids[contact].clone()))
                } else {
                    (Some(user_ids[ticket.owner.unwrap_or(1)].clone()), None)
                };
                let customer = contacts[contact].1;
                // Internal comments are not mail: no sender or recipients.
                let (from, to) = match *kind {
                    "incoming" => (customer, "support@demo.test"),
                    "reply" => ("support@demo.test", customer),
                    _ => ("", ""),
                };
                let domain = from.rsplit_once('@').map_or("demo.test", |(_, d)| d);
                let message_id = (email && *kind != "comment").then(|| format!("{}@{domain}", new_id()));
                sqlx::query("INSERT INTO messages (id, conversation_id, kind, author_user_id, author_contact_id, body, created_at,
                                                   message_id, in_reply_to, references_ids, from_address, to_addresses,
                                                   subject, delivery)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
                    .bind(new_id()).bind(&conversation_id).bind(*kind).bind(user).bind(contact_author).bind(*body)
                    .bind(at - (count - 1 - index as i64) * 300_000)
                    .bind(&message_id).bind(if email { thread.last().cloned() } else { None }).bind(thread.join(" "))
                    .bind(if email { from } else { "" }).bind(if email { to } else { "" })
                    .bind(if email { ticket.name } else { "" })
                    .bind((email && *kind == "reply").then_some("sent"))
                    .execute(&mut *tx).await?;
                thread.extend(message_id);
            }
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(true)
    })?;
    Ok(seeded)
}
