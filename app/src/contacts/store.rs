//! SQL for searching and creating contacts and companies.

use super::model::{email_domain, like_pattern, CompanyRecord, ContactRecord, SearchHit};
use crate::admin::model::EmailAddress;
use crate::auth::model::CurrentUser;
use crate::db::{new_id, now_millis, unique_or, Db};
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

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    company_id: Option<String>,
    company_name: Option<String>,
}

/// A contact's record with the tickets `user` may see.
pub async fn contact_record(db: &Db, user: &CurrentUser, id: &str) -> AppResult<ContactRecord> {
    let row: Option<ContactRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT ct.id, ct.name, ct.email, ct.phone, ct.company_id, c.name AS company_name
         FROM contacts ct LEFT JOIN companies c ON c.id = ct.company_id WHERE ct.id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    let row = row.ok_or(AppError::NotFound)?;
    let tickets = crate::tickets::store::record_tickets(db, user, crate::tickets::store::RecordOf::Contact(id)).await?;
    Ok(ContactRecord {
        id: row.id,
        name: row.name,
        email: row.email,
        phone: row.phone,
        company_id: row.company_id,
        company_name: row.company_name,
        tickets,
    })
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
    let tickets =
        crate::tickets::store::record_tickets(db, user, crate::tickets::store::RecordOf::Company(&id)).await?;
    Ok(CompanyRecord {
        contacts: contacts
            .into_iter()
            .map(|(id, label, detail)| SearchHit { id, label, detail })
            .collect(),
        id,
        name,
        domain,
        tickets,
    })
}

/// Saves a contact's details; a taken email is a validation error on "email".
pub async fn update_contact(
    db: &Db,
    id: &str,
    name: &str,
    email: Option<&EmailAddress>,
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
    let result = on_db!(db, pool => sqlx::query(
        "UPDATE contacts SET name = $1, email = $2, phone = $3, company_id = $4 WHERE id = $5")
        .bind(name)
        .bind(email.map(|e| e.as_str().to_string()))
        .bind(phone)
        .bind(company_id)
        .bind(id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()));
    match unique_or(result, "email", "Another contact already has this email.")? {
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
