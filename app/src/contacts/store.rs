//! SQL for searching and creating contacts and companies.

use super::model::{
    email_domain, fold, like_pattern, match_rank, search_fields, CompanyRecord, ContactRecord, RecordConversation,
    RecordKind, SearchHit, RECORD_TICKETS_PAGE,
};
use crate::admin::model::EmailAddress;
use crate::auth::model::{CurrentUser, Scope};
use crate::db::WritePool;
use crate::db::{new_id, now_millis, unique_or, Db};
use crate::error::{AppError, AppResult};
use crate::on_db;
use crate::sql::Sql;
use crate::tickets::model::{Cursor, TicketPage};
use crate::tickets::store::{push_scope, record_tickets, RecordOf};

pub const SEARCH_LIMIT: i64 = 8;

/// Companies whose name contains the text, or whose domain starts with it.
pub async fn search_companies(db: &Db, user: &CurrentUser, query: &str) -> AppResult<Vec<SearchHit>> {
    let mut sql = Sql::new("SELECT co.id, co.name, co.domain FROM companies co WHERE (lower(co.name) LIKE ");
    let name = sql.text_param(&like_pattern(query, true));
    let domain = sql.text_param(&like_pattern(query, false));
    sql.push(&format!(
        "{name} ESCAPE '\\' OR lower(co.domain) LIKE {domain} ESCAPE '\\')"
    ));
    push_company_visible(&mut sql, user);
    let limit = sql.int_param(SEARCH_LIMIT);
    sql.push(&format!(" ORDER BY co.name LIMIT {limit}"));
    let rows: Vec<(String, String, Option<String>)> =
        on_db!(db, pool => crate::bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, label, detail)| SearchHit {
            id,
            label,
            detail,
            email: None,
        })
        .collect())
}

/// Narrows a query on contacts `ct` to those `user` may see: everyone with scope "all";
/// otherwise the contacts on a ticket within their scope, and the ones they created.
fn push_contact_visible(sql: &mut Sql, user: &CurrentUser) {
    if user.scope == Scope::All {
        return;
    }
    let me = sql.text_param(&user.id);
    sql.push(&format!(
        " AND (ct.created_by = {me} OR EXISTS (SELECT 1 FROM ticket_contacts tc JOIN tickets t ON t.id = tc.ticket_id
                                              WHERE tc.contact_id = ct.id"
    ));
    push_scope(sql, user);
    sql.push("))");
}

/// Like [`push_contact_visible`] for companies `co`: on a ticket within the scope, or one
/// of their contacts is, or the user created it.
fn push_company_visible(sql: &mut Sql, user: &CurrentUser) {
    if user.scope == Scope::All {
        return;
    }
    let me = sql.text_param(&user.id);
    sql.push(&format!(
        " AND (co.created_by = {me} OR EXISTS (SELECT 1 FROM tickets t WHERE t.company_id = co.id"
    ));
    push_scope(sql, user);
    sql.push(
        ") OR EXISTS (SELECT 1 FROM contacts cc JOIN ticket_contacts tc ON tc.contact_id = cc.id
                      JOIN tickets t ON t.id = tc.ticket_id WHERE cc.company_id = co.id",
    );
    push_scope(sql, user);
    sql.push("))");
}

/// Which of `ids` are contacts `user` may see, in one query.
pub async fn visible_contacts(db: &Db, user: &CurrentUser, ids: &[String]) -> AppResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT ct.id FROM contacts ct WHERE ct.id IN (");
    let placeholders: Vec<String> = ids.iter().map(|id| sql.text_param(id)).collect();
    sql.push(&placeholders.join(", ")).push(")");
    push_contact_visible(&mut sql, user);
    let rows: Vec<(String,)> =
        on_db!(db, pool => crate::bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Whether `user` may see the company `id` (it exists, and is within their reach).
pub async fn company_visible(db: &Db, user: &CurrentUser, id: &str) -> AppResult<bool> {
    let mut sql = Sql::new("SELECT co.id FROM companies co WHERE co.id = ");
    let id = sql.text_param(id);
    sql.push(&id);
    push_company_visible(&mut sql, user);
    let row: Option<(String,)> =
        on_db!(db, pool => crate::bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_optional(pool).await)?;
    Ok(row.is_some())
}

/// Answers `NotFound` for a contact `user` may not see, exactly as for one that does not exist.
pub async fn require_visible_contact(db: &Db, user: &CurrentUser, id: &str) -> AppResult<()> {
    crate::limits::id(id)?;
    if visible_contacts(db, user, &[id.to_string()]).await?.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Answers `NotFound` for a company `user` may not see.
pub async fn require_visible_company(db: &Db, user: &CurrentUser, id: &str) -> AppResult<()> {
    crate::limits::id(id)?;
    if !company_visible(db, user, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// At most this many "contains" matches are ranked for one search.
const CANDIDATES: i64 = 50;

#[derive(sqlx::FromRow)]
struct HitRow {
    id: String,
    name: String,
    email: Option<String>,
    company: Option<String>,
    folded_name: String,
    search_text: String,
}

const HIT_COLUMNS: &str = "SELECT ct.id, ct.name, ct.email, c.name AS company, ct.folded_name, ct.search_text
     FROM contacts ct LEFT JOIN companies c ON c.id = ct.company_id";

/// Contacts matching typed text, best first: names starting with it, then names or
/// addresses with a word starting with it, then (from three characters) any name or address
/// containing it. Every path is an index lookup: name and address prefixes through b-trees,
/// "contains" through a trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL).
pub async fn search_contacts(db: &Db, user: &CurrentUser, query: &str) -> AppResult<Vec<SearchHit>> {
    let query = fold(query.trim());
    if query.is_empty() {
        return Ok(Vec::new());
    }
    // Prefixes are ranges in byte order (SQLite's default; "C" on PostgreSQL, as indexed), up
    // to the smallest text above every text starting with `query`.
    let above = format!("{query}\u{10FFFF}");
    let bytes = if matches!(db, Db::Postgres(_)) {
        " COLLATE \"C\""
    } else {
        ""
    };
    let by_name = format!(
        "{HIT_COLUMNS} WHERE ct.folded_name{bytes} >= $1 AND ct.folded_name{bytes} < $2
         ORDER BY ct.folded_name{bytes} LIMIT $3"
    );
    let by_email = format!(
        "{HIT_COLUMNS} WHERE ct.id IN (SELECT contact_id FROM contact_emails
                                      WHERE email{bytes} >= $1 AND email{bytes} < $2 ORDER BY email{bytes} LIMIT $3)"
    );
    // "Contains", from three characters: a phrase of the FTS5 trigram table, or a LIKE that
    // pg_trgm's index answers.
    let (contains, needle) = match db {
        Db::Sqlite(_) => (
            format!(
                "SELECT ct.id, ct.name, ct.email, c.name AS company, ct.folded_name, ct.search_text
                 FROM contact_search s
                 JOIN contact_search_keys k ON k.rowid = s.rowid
                 JOIN contacts ct ON ct.id = k.contact_id
                 LEFT JOIN companies c ON c.id = ct.company_id
                 WHERE contact_search MATCH $1 LIMIT {CANDIDATES}"
            ),
            format!("\"{}\"", query.replace('"', "\"\"")),
        ),
        Db::Postgres(_) => (
            format!("{HIT_COLUMNS} WHERE ct.search_text LIKE $1 ESCAPE '\\' LIMIT {CANDIDATES}"),
            like_pattern(&query, true),
        ),
    };
    let with_contains = query.chars().count() >= 3;
    let mut rows: Vec<HitRow> = on_db!(db, pool => async {
        let mut rows: Vec<HitRow> = Vec::new();
        for sql in [&by_name, &by_email] {
            rows.extend(
                sqlx::query_as::<_, HitRow>(sql)
                    .bind(&query)
                    .bind(&above)
                    .bind(SEARCH_LIMIT)
                    .fetch_all(pool)
                    .await?,
            );
        }
        if with_contains {
            rows.extend(sqlx::query_as::<_, HitRow>(&contains).bind(&needle).fetch_all(pool).await?);
        }
        Ok::<_, sqlx::Error>(rows)
    }
    .await)?;
    rows.sort_by(|a, b| {
        (
            match_rank(&a.folded_name, &a.search_text, &query),
            &a.folded_name,
            &a.id,
        )
            .cmp(&(
                match_rank(&b.folded_name, &b.search_text, &query),
                &b.folded_name,
                &b.id,
            ))
    });
    rows.dedup_by(|a, b| a.id == b.id);
    if user.scope != Scope::All {
        let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
        let visible = visible_contacts(db, user, &ids).await?;
        rows.retain(|row| visible.contains(&row.id));
    }
    rows.truncate(SEARCH_LIMIT as usize);
    Ok(rows
        .into_iter()
        .map(|row| SearchHit {
            id: row.id,
            label: row.name,
            email: row.email.clone(),
            detail: contact_detail(row.email, row.company),
        })
        .collect())
}

/// A contact's second line in search results: primary address and company.
fn contact_detail(email: Option<String>, company: Option<String>) -> Option<String> {
    match (email, company) {
        (Some(email), Some(company)) => Some(format!("{email} · {company}")),
        (email, company) => email.or(company),
    }
}

/// Inserts a contact with one address, matching its company by the address's domain; a
/// taken address is a validation error on "contact_email".
pub async fn insert_contact(db: &Db, user: &CurrentUser, name: &str, email: &EmailAddress) -> AppResult<SearchHit> {
    let id = new_id();
    let domain = email_domain(email).to_string();
    let (folded_name, search_text) = search_fields(name, &[email.as_str()]);
    let result: Result<Option<String>, sqlx::Error> = on_db!(db, pool => async {
        let mut tx = pool.begin_write().await?;
        let company: Option<(String, String)> = sqlx::query_as(
            "SELECT id, name FROM companies WHERE lower(domain) = $1 ORDER BY name LIMIT 1")
            .bind(&domain)
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO contacts (id, name, email, phone, company_id, created_at, folded_name, search_text, created_by)
             VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8)")
            .bind(&id)
            .bind(name)
            .bind(email.as_str())
            .bind(company.as_ref().map(|(id, _)| id.clone()))
            .bind(now_millis())
            .bind(&folded_name)
            .bind(&search_text)
            .bind(&user.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO contact_emails (email, contact_id, position) VALUES ($1, $2, 0)")
            .bind(email.as_str())
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(company.map(|(_, name)| name))
    }.await);
    let company = unique_or(
        result,
        "contact_email",
        "A contact with this email already exists: search for it instead.",
    )?;
    Ok(SearchHit {
        id,
        label: name.to_string(),
        email: Some(email.as_str().to_string()),
        detail: contact_detail(Some(email.as_str().to_string()), company),
    })
}

/// Inserts a company; a domain another company already has is a validation error on
/// "company_domain" (contacts are matched to companies by it).
pub async fn insert_company(db: &Db, user: &CurrentUser, name: &str, domain: Option<&str>) -> AppResult<SearchHit> {
    if let Some(domain) = domain {
        let taken: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
            "SELECT name FROM companies WHERE lower(domain) = $1 LIMIT 1")
            .bind(domain)
            .fetch_optional(pool)
            .await)?;
        if let Some((other,)) = taken {
            return Err(AppError::validation(
                "company_domain",
                format!("{other} already has this domain: search for it instead."),
            ));
        }
    }
    let id = new_id();
    // The unique index decides when two people add the same domain at once.
    let inserted = on_db!(db, pool => sqlx::query(
        "INSERT INTO companies (id, name, domain, created_at, created_by) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(name)
        .bind(domain)
        .bind(now_millis())
        .bind(&user.id)
        .execute(pool)
        .await
        .map(|_| ()));
    unique_or(
        inserted,
        "company_domain",
        "Another company already has this domain: search for it instead.",
    )?;
    Ok(SearchHit {
        id,
        label: name.to_string(),
        detail: domain.map(str::to_string),
        email: None,
    })
}

/// How many of `ids` are contacts `user` may see, in one query.
pub async fn count_contacts(db: &Db, user: &CurrentUser, ids: &[String]) -> AppResult<usize> {
    Ok(visible_contacts(db, user, ids).await?.len())
}

pub async fn company_exists(db: &Db, id: &str) -> AppResult<bool> {
    let row: Option<(String,)> = on_db!(db, pool => sqlx::query_as("SELECT id FROM companies WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    Ok(row.is_some())
}

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: String,
    name: String,
    phone: Option<String>,
    company_id: Option<String>,
    company_name: Option<String>,
}

/// A contact's record with the tickets and conversations `user` may see.
pub async fn contact_record(db: &Db, user: &CurrentUser, id: &str) -> AppResult<ContactRecord> {
    let row: Option<ContactRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT ct.id, ct.name, ct.phone, ct.company_id, c.name AS company_name
         FROM contacts ct LEFT JOIN companies c ON c.id = ct.company_id WHERE ct.id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    let row = row.ok_or(AppError::NotFound)?;
    let emails: Vec<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT email FROM contact_emails WHERE contact_id = $1 ORDER BY position")
        .bind(id)
        .fetch_all(pool)
        .await)?;
    let tickets = record_tickets(db, user, RecordOf::Contact(id), None, RECORD_TICKETS_PAGE).await?;
    let conversations = record_conversations(db, user, RecordOf::Contact(id)).await?;
    Ok(ContactRecord {
        id: row.id,
        name: row.name,
        emails: emails.into_iter().map(|(e,)| e).collect(),
        phone: row.phone,
        company_id: row.company_id,
        company_name: row.company_name,
        tickets: tickets.tickets,
        tickets_next: tickets.next,
        conversations,
    })
}

#[derive(sqlx::FromRow)]
struct ConversationRow {
    id: String,
    ticket_id: String,
    ticket_name: String,
    contact_name: Option<String>,
    channel: String,
    started_at: i64,
    messages: i64,
    last_message: Option<String>,
    last_message_at: Option<i64>,
}

/// The latest conversations with a contact, or with a company's contacts, on tickets `user`
/// may see; one query, newest first.
async fn record_conversations(db: &Db, user: &CurrentUser, of: RecordOf<'_>) -> AppResult<Vec<RecordConversation>> {
    let mut sql = crate::sql::Sql::new(
        "SELECT cv.id, t.id AS ticket_id, t.name AS ticket_name, ct.name AS contact_name, cv.channel,
                cv.created_at AS started_at,
                (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = cv.id) AS messages,
                (SELECT m.body FROM messages m WHERE m.conversation_id = cv.id AND m.kind <> 'comment'
                 ORDER BY m.created_at DESC LIMIT 1) AS last_message,
                (SELECT MAX(m.created_at) FROM messages m WHERE m.conversation_id = cv.id AND m.kind <> 'comment')
                    AS last_message_at
         FROM conversations cv
         JOIN tickets t ON t.id = cv.ticket_id
         LEFT JOIN contacts ct ON ct.id = cv.contact_id
         WHERE ",
    );
    match of {
        RecordOf::Contact(id) => {
            let id = sql.text_param(id);
            sql.push(&format!("cv.contact_id = {id}"));
        }
        RecordOf::Company(id) => {
            let id = sql.text_param(id);
            sql.push(&format!("ct.company_id = {id}"));
        }
    }
    crate::tickets::store::push_scope(&mut sql, user);
    sql.push(" ORDER BY cv.created_at DESC, cv.id DESC LIMIT 50");
    let rows: Vec<ConversationRow> =
        on_db!(db, pool => crate::bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|r| RecordConversation {
            id: r.id,
            ticket_id: r.ticket_id,
            ticket_name: r.ticket_name,
            contact_name: r.contact_name,
            channel: r.channel,
            started_at: r.started_at,
            messages: r.messages,
            last_message: r.last_message.map(|body| excerpt(&body, 160)),
            last_message_at: r.last_message_at,
        })
        .collect())
}

/// The first `max` characters of a message on one line, with an ellipsis when cut.
fn excerpt(body: &str, max: usize) -> String {
    let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// The page of a contact's or company's tickets after `after`, within `user`'s scope; a
/// record that does not exist is "not found".
pub async fn more_record_tickets(
    db: &Db,
    user: &CurrentUser,
    kind: RecordKind,
    id: &str,
    after: &Cursor,
) -> AppResult<TicketPage> {
    let (exists, of) = match kind {
        RecordKind::Contact => (
            count_contacts(db, user, &[id.to_string()]).await? == 1,
            RecordOf::Contact(id),
        ),
        RecordKind::Company => (company_exists(db, id).await?, RecordOf::Company(id)),
    };
    if !exists {
        return Err(AppError::NotFound);
    }
    record_tickets(db, user, of, Some(after), RECORD_TICKETS_PAGE).await
}

/// A company's record with its contacts and the tickets `user` may see.
pub async fn company_record(db: &Db, user: &CurrentUser, id: &str) -> AppResult<CompanyRecord> {
    let row: Option<(String, String, Option<String>)> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, name, domain FROM companies WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    let (id, name, domain) = row.ok_or(AppError::NotFound)?;
    let contacts: Vec<(String, String, Option<String>)> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, name, email FROM contacts WHERE company_id = $1 ORDER BY name LIMIT 200")
        .bind(&id)
        .fetch_all(pool)
        .await)?;
    let tickets = record_tickets(db, user, RecordOf::Company(&id), None, RECORD_TICKETS_PAGE).await?;
    let conversations = record_conversations(db, user, RecordOf::Company(&id)).await?;
    Ok(CompanyRecord {
        conversations,
        contacts: contacts
            .into_iter()
            .map(|(id, label, detail)| SearchHit {
                id,
                label,
                detail,
                email: None,
            })
            .collect(),
        id,
        name,
        domain,
        tickets: tickets.tickets,
        tickets_next: tickets.next,
    })
}

/// Saves a contact's details and addresses (the first is the primary one) in one
/// transaction; an address of another contact is a validation error on "emails".
pub async fn update_contact(
    db: &Db,
    id: &str,
    name: &str,
    emails: &[EmailAddress],
    phone: Option<&str>,
    company_id: Option<&str>,
) -> AppResult<()> {
    if let Some(company) = company_id {
        if !company_exists(db, company).await? {
            return Err(AppError::validation(
                "company",
                "That company no longer exists: search again.",
            ));
        }
    }
    let addresses: Vec<&str> = emails.iter().map(EmailAddress::as_str).collect();
    let (folded_name, search_text) = search_fields(name, &addresses);
    let primary = emails.first().map(|e| e.as_str().to_string());
    // Ok(Err(..)): refused before writing; Err(..): the database said no.
    let result: Result<AppResult<u64>, sqlx::Error> = on_db!(db, pool => async {
        let mut tx = pool.begin_write().await?;
        for email in emails {
            let owner: Option<(String,)> = sqlx::query_as("SELECT contact_id FROM contact_emails WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if owner.is_some_and(|(owner,)| owner != id) {
                return Ok(Err(AppError::validation(
                    "emails",
                    format!("{} belongs to another contact: remove it here, or edit that contact.", email.as_str()),
                )));
            }
        }
        let updated = sqlx::query(
            "UPDATE contacts SET name = $1, email = $2, phone = $3, company_id = $4, folded_name = $5, search_text = $6
             WHERE id = $7")
            .bind(name)
            .bind(&primary)
            .bind(phone)
            .bind(company_id)
            .bind(&folded_name)
            .bind(&search_text)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 0 {
            return Ok(Ok(0));
        }
        sqlx::query("DELETE FROM contact_emails WHERE contact_id = $1").bind(id).execute(&mut *tx).await?;
        for (position, email) in emails.iter().enumerate() {
            sqlx::query("INSERT INTO contact_emails (email, contact_id, position) VALUES ($1, $2, $3)")
                .bind(email.as_str())
                .bind(id)
                .bind(position as i32)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Ok(updated))
    }.await);
    // Two saves racing for one address: the unique index decides.
    let taken = "Another contact has just taken one of these addresses: reload and try again.";
    match unique_or(result, "emails", taken)?? {
        0 => Err(AppError::NotFound),
        _ => Ok(()),
    }
}

pub async fn update_company(db: &Db, id: &str, name: &str, domain: Option<&str>) -> AppResult<()> {
    let updated = on_db!(db, pool => sqlx::query("UPDATE companies SET name = $1, domain = $2 WHERE id = $3")
        .bind(name)
        .bind(domain)
        .bind(id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    if updated == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
