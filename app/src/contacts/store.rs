//! SQL for searching and creating contacts and companies.

use super::model::{email_domain, like_pattern, SearchHit};
use crate::admin::model::EmailAddress;
use crate::db::{new_id, now_millis, Db};
use crate::error::{AppError, AppResult};
use crate::on_db;

pub const SEARCH_LIMIT: i64 = 8;

/// Companies whose name contains the text, or whose domain starts with it.
pub async fn search_companies(db: &Db, query: &str) -> AppResult<Vec<SearchHit>> {
    let rows: Vec<(String, String, Option<String>)> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, name, domain FROM companies
         WHERE lower(name) LIKE $1 ESCAPE '\\' OR lower(domain) LIKE $2 ESCAPE '\\'
         ORDER BY name LIMIT $3")
        .bind(like_pattern(query, true))
        .bind(like_pattern(query, false))
        .bind(SEARCH_LIMIT)
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, label, detail)| SearchHit { id, label, detail })
        .collect())
}

/// Contacts whose name contains the text, or whose email starts with it.
pub async fn search_contacts(db: &Db, query: &str) -> AppResult<Vec<SearchHit>> {
    let rows: Vec<(String, String, Option<String>, Option<String>)> = on_db!(db, pool => sqlx::query_as(
        "SELECT ct.id, ct.name, ct.email, c.name FROM contacts ct
         LEFT JOIN companies c ON c.id = ct.company_id
         WHERE lower(ct.name) LIKE $1 ESCAPE '\\' OR ct.email LIKE $2 ESCAPE '\\'
         ORDER BY ct.name LIMIT $3")
        .bind(like_pattern(query, true))
        .bind(like_pattern(query, false))
        .bind(SEARCH_LIMIT)
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, label, email, company)| {
            let detail = match (email, company) {
                (Some(email), Some(company)) => Some(format!("{email} · {company}")),
                (email, company) => email.or(company),
            };
            SearchHit { id, label, detail }
        })
        .collect())
}

/// Inserts a contact, matching its company by email domain; a taken email is a
/// validation error on "contact_email".
pub async fn insert_contact(db: &Db, name: &str, email: &EmailAddress) -> AppResult<SearchHit> {
    let id = new_id();
    let domain = email_domain(email).to_string();
    let company: Option<(String, String)> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, name FROM companies WHERE lower(domain) = $1 ORDER BY name LIMIT 1")
        .bind(&domain)
        .fetch_optional(pool)
        .await)?;
    let result = on_db!(db, pool => sqlx::query(
        "INSERT INTO contacts (id, name, email, phone, company_id, created_at) VALUES ($1, $2, $3, NULL, $4, $5)")
        .bind(&id)
        .bind(name)
        .bind(email.as_str())
        .bind(company.as_ref().map(|(id, _)| id.clone()))
        .bind(now_millis())
        .execute(pool)
        .await
        .map(|r| r.rows_affected()));
    match result {
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Err(AppError::validation(
            "contact_email",
            "A contact with this email already exists: search for it instead.",
        )),
        Err(error) => Err(error.into()),
        Ok(_) => Ok(SearchHit {
            id,
            label: name.to_string(),
            detail: Some(match company {
                Some((_, company)) => format!("{} · {company}", email.as_str()),
                None => email.as_str().to_string(),
            }),
        }),
    }
}

/// How many of `ids` are existing contacts, in one query.
pub async fn count_contacts(db: &Db, ids: &[String]) -> AppResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut sql = crate::sql::Sql::new("SELECT COUNT(*) FROM contacts WHERE id IN (");
    let placeholders: Vec<String> = ids.iter().map(|id| sql.text_param(id)).collect();
    sql.push(&placeholders.join(", ")).push(")");
    let (count,): (i64,) =
        on_db!(db, pool => crate::bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_one(pool).await)?;
    Ok(count as usize)
}

pub async fn company_exists(db: &Db, id: &str) -> AppResult<bool> {
    let row: Option<(String,)> = on_db!(db, pool => sqlx::query_as("SELECT id FROM companies WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    Ok(row.is_some())
}
