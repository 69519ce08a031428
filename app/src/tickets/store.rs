//! SQL for views, the ticket list and the open ticket. Every query takes the caller and
//! applies their scope (MISSION P3) in SQL, so a ticket outside it is simply not found.

use sqlx::FromRow;

use super::model::*;
use crate::auth::model::{CurrentUser, Scope};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::sql::Sql;
use crate::{bind_all, on_db};

mod writes;

/// Takes the next ticket number (`#1042`) inside the caller's transaction: the counter row
/// stays locked until it commits, so numbers are unique across instances and never reused.
pub const NEXT_TICKET_NUMBER: &str =
    "UPDATE counters SET value = value + 1 WHERE name = 'ticket_number' RETURNING value";
pub use writes::{
    apply_edits, edit_ticket, insert_ticket, plan_edits, start_conversation, status_edits, PlannedEdit, TicketEdit,
};

/// Appends ` AND <the caller's scope>` for a query over `tickets t`.
pub fn push_scope(sql: &mut Sql, user: &CurrentUser) {
    match user.scope {
        Scope::All => {}
        Scope::Own => {
            let me = sql.text_param(&user.id);
            sql.push(&format!(" AND t.owner_id = {me}"));
        }
        Scope::Team => {
            let me = sql.text_param(&user.id);
            sql.push(&format!(
                " AND (t.owner_id = {me} OR t.team_id IN (SELECT team_id FROM team_members WHERE user_id = {me}))"
            ));
        }
    }
}

/// The view's condition. `is_open = TRUE` rather than a bare `is_open`: SQLite uses an
/// index only for a comparison, and without it sorted all open tickets for every page.
fn push_view(sql: &mut Sql, view: ViewKey, user: &CurrentUser) {
    match view {
        ViewKey::Unassigned => {
            sql.push(" AND t.is_open = TRUE AND t.owner_id IS NULL");
        }
        ViewKey::AssignedToMe => {
            let me = sql.text_param(&user.id);
            sql.push(&format!(" AND t.is_open = TRUE AND t.owner_id = {me}"));
        }
        ViewKey::AllOpen => {
            sql.push(" AND t.is_open = TRUE");
        }
        ViewKey::Closed => {
            sql.push(" AND t.is_open = FALSE");
        }
    }
}

/// Whether `user` may see ticket `id` at all.
pub async fn can_see(db: &Db, user: &CurrentUser, id: &str) -> AppResult<bool> {
    let mut sql = Sql::new("SELECT t.id FROM tickets t WHERE t.id = ");
    let id = sql.text_param(id);
    sql.push(&id);
    push_scope(&mut sql, user);
    let found: Option<(String,)> =
        on_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_optional(pool).await)?;
    Ok(found.is_some())
}

/// Exact counts of each of the caller's views, summed from `ticket_counts` (tickets per
/// owner, team and open state, kept in step by triggers) under the caller's scope: its rows
/// carry the owner and team every ticket they count has, so the scope applies to them as
/// it does to tickets ('' is "none" there).
pub async fn view_counts(db: &Db, user: &CurrentUser) -> AppResult<Vec<ViewCount>> {
    let mut sql = Sql::new("SELECT ");
    let me = sql.text_param(&user.id);
    sql.push(&format!(
        "CAST(COALESCE(SUM(CASE WHEN t.is_open AND t.owner_id = '' THEN t.n ELSE 0 END), 0) AS BIGINT),
         CAST(COALESCE(SUM(CASE WHEN t.is_open AND t.owner_id = {me} THEN t.n ELSE 0 END), 0) AS BIGINT),
         CAST(COALESCE(SUM(CASE WHEN t.is_open THEN t.n ELSE 0 END), 0) AS BIGINT),
         CAST(COALESCE(SUM(CASE WHEN t.is_open THEN 0 ELSE t.n END), 0) AS BIGINT)
         FROM ticket_counts t WHERE 1 = 1"
    ));
    push_scope(&mut sql, user);
    let (unassigned, mine, open, closed): (i64, i64, i64, i64) =
        on_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_one(pool).await)?;
    Ok(ViewKey::for_role(user.role)
        .iter()
        .map(|&view| ViewCount {
            view,
            count: match view {
                ViewKey::Unassigned => unassigned,
                ViewKey::AssignedToMe => mine,
                ViewKey::AllOpen => open,
                ViewKey::Closed => closed,
            },
        })
        .collect())
}

#[derive(FromRow)]
struct SummaryRow {
    id: String,
    number: i64,
    name: String,
    status_name: String,
    is_open: bool,
    priority: String,
    source: String,
    owner_name: Option<String>,
    company_name: Option<String>,
    contact_name: Option<String>,
    last_activity_at: i64,
    /// The row's value of the list's sort key, for the next page's cursor.
    sort_value: i64,
}

impl SummaryRow {
    fn into_summary(self) -> AppResult<TicketSummary> {
        Ok(TicketSummary {
            priority: Priority::parse(&self.priority).ok_or(AppError::Internal)?,
            source: Source::parse(&self.source).ok_or(AppError::Internal)?,
            id: self.id,
            number: self.number,
            name: self.name,
            status_name: self.status_name,
            is_open: self.is_open,
            owner_name: self.owner_name,
            company_name: self.company_name,
            contact_name: self.contact_name,
            last_activity_at: self.last_activity_at,
        })
    }
}

/// The columns of a ticket list row over `tickets t`; `{sort}` is the sort key's expression.
const SUMMARY_COLUMNS: &str = "SELECT t.id, t.number, t.name, s.name AS status_name, t.is_open, t.priority, t.source,
                u.name AS owner_name, c.name AS company_name,
                (SELECT ct.name FROM ticket_contacts tc JOIN contacts ct ON ct.id = tc.contact_id
                 WHERE tc.ticket_id = t.id ORDER BY ct.name LIMIT 1) AS contact_name,
                t.last_activity_at, CAST({sort} AS BIGINT) AS sort_value
         FROM tickets t
         JOIN statuses s ON s.id = t.status_id
         LEFT JOIN users u ON u.id = t.owner_id
         LEFT JOIN companies c ON c.id = t.company_id
         WHERE ";

/// The SQL expression a list is ordered by (descending, then by id).
fn sort_expression(sort: SortKey) -> &'static str {
    match sort {
        SortKey::LastActivity => "t.last_activity_at",
        SortKey::CreateDate => "t.created_at",
        SortKey::Priority => {
            "(CASE t.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END)"
        }
    }
}

/// Appends the list's filters.
fn push_filters(sql: &mut Sql, query: &ListQuery) {
    if let Some(pipeline) = &query.pipeline_id {
        let p = sql.text_param(pipeline);
        sql.push(&format!(" AND t.pipeline_id = {p}"));
    }
    if let Some(status) = &query.status_id {
        let p = sql.text_param(status);
        sql.push(&format!(" AND t.status_id = {p}"));
    }
    match query.owner_id.as_deref() {
        None => {}
        Some(UNASSIGNED) => {
            sql.push(" AND t.owner_id IS NULL");
        }
        Some(owner) => {
            let p = sql.text_param(owner);
            sql.push(&format!(" AND t.owner_id = {p}"));
        }
    }
    if let Some(priority) = query.priority {
        let p = sql.text_param(priority.as_str());
        sql.push(&format!(" AND t.priority = {p}"));
    }
    if let Some(source) = query.source {
        let p = sql.text_param(source.as_str());
        sql.push(&format!(" AND t.source = {p}"));
    }
}

/// One page of a view with its filters and order, continuing after `after` (keyset, no
/// OFFSET).
pub async fn view_page(
    db: &Db,
    user: &CurrentUser,
    view: ViewKey,
    query: &ListQuery,
    after: Option<&Cursor>,
    limit: u32,
) -> AppResult<TicketPage> {
    let sort = sort_expression(query.sort);
    let mut sql = Sql::new(&SUMMARY_COLUMNS.replace("{sort}", sort));
    sql.push("1 = 1");
    push_view(&mut sql, view, user);
    push_scope(&mut sql, user);
    push_filters(&mut sql, query);
    keyset_page(db, sql, sort, after, limit).await
}

/// Runs a ticket query (`sql` up to the end of its WHERE clause) for the page after
/// `after`, ordered by `sort`, newest or highest first, then by id.
async fn keyset_page(db: &Db, mut sql: Sql, sort: &str, after: Option<&Cursor>, limit: u32) -> AppResult<TicketPage> {
    if let Some(cursor) = after {
        let value = sql.int_param(cursor.value);
        let id = sql.text_param(&cursor.id);
        // The first comparison alone is what lets both engines start the index scan at the
        // cursor; the second breaks ties. Without it PostgreSQL read every row before the
        // cursor again, so deep pages got slower.
        sql.push(&format!(
            " AND {sort} <= {value} AND ({sort} < {value} OR ({sort} = {value} AND t.id < {id}))"
        ));
    }
    // One extra row tells whether another page follows.
    let fetch = sql.int_param(i64::from(limit) + 1);
    sql.push(&format!(" ORDER BY {sort} DESC, t.id DESC LIMIT {fetch}"));
    let rows: Vec<SummaryRow> =
        on_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_all(pool).await)?;
    let has_more = rows.len() > limit as usize;
    let next = if has_more {
        rows.get(limit as usize - 1).map(|row| Cursor {
            value: row.sort_value,
            id: row.id.clone(),
        })
    } else {
        None
    };
    let tickets = rows
        .into_iter()
        .take(limit as usize)
        .map(SummaryRow::into_summary)
        .collect::<AppResult<Vec<_>>>()?;
    Ok(TicketPage { tickets, next })
}

#[derive(FromRow)]
struct TicketRow {
    id: String,
    number: i64,
    name: String,
    description: String,
    pipeline_id: String,
    pipeline_name: String,
    status_id: String,
    status_name: String,
    is_open: bool,
    owner_id: Option<String>,
    owner_name: Option<String>,
    team_name: Option<String>,
    priority: String,
    source: String,
    company_id: Option<String>,
    company_name: Option<String>,
    company_domain: Option<String>,
    created_at: i64,
    last_activity_at: i64,
}

#[derive(FromRow)]
struct ContactRow {
    id: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(FromRow)]
struct PreviousRow {
    ticket_id: String,
    ticket_name: String,
    channel: String,
    status_name: String,
    created_at: i64,
}

/// The open ticket with its conversations and context, or `NotFound` when it does not
/// exist or lies outside the caller's scope.
pub async fn ticket_detail(db: &Db, user: &CurrentUser, id: &str) -> AppResult<TicketDetail> {
    let mut sql = Sql::new(
        "SELECT t.id, t.number, t.name, t.description, t.pipeline_id, p.name AS pipeline_name, t.status_id,
                s.name AS status_name, t.is_open, t.owner_id, u.name AS owner_name, tm.name AS team_name,
                t.priority, t.source, t.company_id, c.name AS company_name, c.domain AS company_domain,
                t.created_at, t.last_activity_at
         FROM tickets t
         JOIN pipelines p ON p.id = t.pipeline_id
         JOIN statuses s ON s.id = t.status_id
         LEFT JOIN users u ON u.id = t.owner_id
         LEFT JOIN teams tm ON tm.id = t.team_id
         LEFT JOIN companies c ON c.id = t.company_id
         WHERE t.id = ",
    );
    let id_param = sql.text_param(id);
    sql.push(&id_param);
    push_scope(&mut sql, user);
    let row: Option<TicketRow> =
        on_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_optional(pool).await)?;
    let row = row.ok_or(AppError::NotFound)?;

    let contacts: Vec<ContactRow> = on_db!(db, pool => sqlx::query_as(
            "SELECT ct.id, ct.name, ct.email, ct.phone FROM ticket_contacts tc
             JOIN contacts ct ON ct.id = tc.contact_id WHERE tc.ticket_id = $1 ORDER BY ct.name")
            .bind(id).fetch_all(pool).await)?;
    let conversations = crate::conversations::store::ticket_conversations(db, id).await?;

    let previous = previous_conversations(db, user, id).await?;
    let history = ticket_history(db, id).await?;
    let properties = crate::properties::store::ticket_values(db, id).await?;

    let company = match (row.company_id, row.company_name) {
        (Some(id), Some(name)) => Some(CompanyRef {
            id,
            name,
            domain: row.company_domain,
        }),
        _ => None,
    };
    Ok(TicketDetail {
        ticket: Ticket {
            priority: Priority::parse(&row.priority).ok_or(AppError::Internal)?,
            source: Source::parse(&row.source).ok_or(AppError::Internal)?,
            id: row.id,
            number: row.number,
            name: row.name,
            description: row.description,
            pipeline_id: row.pipeline_id,
            pipeline_name: row.pipeline_name,
            status_id: row.status_id,
            status_name: row.status_name,
            is_open: row.is_open,
            owner_id: row.owner_id,
            owner_name: row.owner_name,
            team_name: row.team_name,
            created_at: row.created_at,
            last_activity_at: row.last_activity_at,
        },
        company,
        contacts: contacts
            .into_iter()
            .map(|c| ContactRef {
                id: c.id,
                name: c.name,
                email: c.email,
                phone: c.phone,
            })
            .collect(),
        conversations,
        previous_conversations: previous,
        history,
        properties,
        drafts: Vec::new(),
        senders: Vec::new(),
    })
}

/// Conversations the ticket's contacts had on other tickets the caller may see.
async fn previous_conversations(db: &Db, user: &CurrentUser, ticket_id: &str) -> AppResult<Vec<PreviousConversation>> {
    let mut sql = Sql::new(
        "SELECT DISTINCT t.id AS ticket_id, t.name AS ticket_name, cv.channel, s.name AS status_name, cv.created_at
         FROM ticket_contacts mine
         JOIN conversations cv ON cv.contact_id = mine.contact_id
         JOIN tickets t ON t.id = cv.ticket_id
         JOIN statuses s ON s.id = t.status_id
         WHERE mine.ticket_id = ",
    );
    let id = sql.text_param(ticket_id);
    sql.push(&format!("{id} AND t.id <> {id}"));
    push_scope(&mut sql, user);
    sql.push(" ORDER BY cv.created_at DESC LIMIT 10");
    let rows: Vec<PreviousRow> =
        on_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_all(pool).await)?;
    rows.into_iter()
        .map(|r| {
            Ok(PreviousConversation {
                channel: Source::parse(&r.channel).ok_or(AppError::Internal)?,
                ticket_id: r.ticket_id,
                ticket_name: r.ticket_name,
                status_name: r.status_name,
                created_at: r.created_at,
            })
        })
        .collect()
}

/// Active users who may own tickets, by name.
pub async fn assignees(db: &Db) -> AppResult<Vec<Assignee>> {
    let rows: Vec<(String, String)> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, name FROM users WHERE active AND role IN ('super_admin', 'help_desk') ORDER BY name")
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().map(|(id, name)| Assignee { id, name }).collect())
}

#[derive(FromRow)]
struct HistoryRow {
    who: Option<String>,
    field: String,
    old_value: Option<String>,
    new_value: Option<String>,
    at: i64,
}

/// The ticket's changes, newest first (the caller has checked access).
async fn ticket_history(db: &Db, ticket_id: &str) -> AppResult<Vec<HistoryEntry>> {
    let rows: Vec<HistoryRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT u.name AS who, h.field, h.old_value, h.new_value, h.at FROM ticket_history h
         LEFT JOIN users u ON u.id = h.user_id
         WHERE h.ticket_id = $1 ORDER BY h.seq DESC, h.at DESC, h.id DESC LIMIT 50")
        .bind(ticket_id)
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|row| HistoryEntry {
            // No user: ticket automation made the change.
            who: row.who.unwrap_or_else(|| "Automation".to_string()),
            field: row.field,
            old_value: row.old_value,
            new_value: row.new_value,
            at: row.at,
        })
        .collect())
}

/// Whose tickets a record page lists.
pub enum RecordOf<'a> {
    Contact(&'a str),
    Company(&'a str),
}

/// The latest tickets of a contact or company that `user` may see, newest activity first.
pub async fn record_tickets(
    db: &Db,
    user: &CurrentUser,
    of: RecordOf<'_>,
    after: Option<&Cursor>,
    limit: u32,
) -> AppResult<TicketPage> {
    let sort = "t.last_activity_at";
    let mut sql = Sql::new(&SUMMARY_COLUMNS.replace("{sort}", sort));
    match of {
        RecordOf::Contact(id) => {
            let id = sql.text_param(id);
            sql.push(&format!(
                "t.id IN (SELECT ticket_id FROM ticket_contacts WHERE contact_id = {id})"
            ));
        }
        RecordOf::Company(id) => {
            let id = sql.text_param(id);
            sql.push(&format!("t.company_id = {id}"));
        }
    }
    push_scope(&mut sql, user);
    keyset_page(db, sql, sort, after, limit).await
}

/// The user's saved views, by name, each with how many tickets it holds now (under the
/// user's scope, as its list shows them).
pub async fn saved_views(db: &Db, user: &CurrentUser) -> AppResult<Vec<SavedView>> {
    let rows: Vec<(String, String, String, String)> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, name, base_view, query FROM saved_views WHERE user_id = $1 ORDER BY name")
        .bind(&user.id)
        .fetch_all(pool)
        .await)?;
    let mut views: Vec<SavedView> = rows
        .into_iter()
        .filter_map(|(id, name, view, query)| {
            Some(SavedView {
                id,
                name,
                view: ViewKey::from_slug(&view)?,
                query: serde_json::from_str(&query).ok()?,
                count: 0,
            })
        })
        .collect();
    if views.is_empty() {
        return Ok(views);
    }
    // One query for all of them: a capped count per view, one row each.
    let mut sql = Sql::new("");
    for (index, saved) in views.iter().enumerate() {
        if index > 0 {
            sql.push(" UNION ALL ");
        }
        let position = sql.int_param(index as i64);
        sql.push(&format!(
            "SELECT CAST({position} AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM (SELECT 1 FROM tickets t WHERE 1 = 1"
        ));
        push_view(&mut sql, saved.view, user);
        push_scope(&mut sql, user);
        push_filters(&mut sql, &saved.query);
        // The walk stops one past the cap: a broad filter over a million tickets costs a
        // bounded index walk, not a full count, on every workspace load.
        let limit = sql.int_param(SAVED_VIEW_COUNT_CAP + 1);
        sql.push(&format!(" LIMIT {limit}) AS view_{index}"));
    }
    let counts: Vec<(i64, i64)> =
        on_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), &sql.params).fetch_all(pool).await)?;
    for (position, count) in counts {
        if let Some(saved) = usize::try_from(position).ok().and_then(|i| views.get_mut(i)) {
            saved.count = count;
        }
    }
    Ok(views)
}

/// Saves a view for its owner; a name they already use is a validation error on "name".
pub async fn insert_saved_view(
    db: &Db,
    user: &CurrentUser,
    name: &str,
    view: ViewKey,
    query: &ListQuery,
) -> AppResult<String> {
    let id = crate::db::new_id();
    let query = serde_json::to_string(query).map_err(|_| AppError::Internal)?;
    // The cap is part of the insert, so it holds without a read first.
    let result = on_db!(db, pool => sqlx::query(
        "INSERT INTO saved_views (id, user_id, name, base_view, query, created_at)
         SELECT $1, $2, $3, $4, $5, $6
         WHERE (SELECT COUNT(*) FROM saved_views WHERE user_id = $2) < $7")
        .bind(&id)
        .bind(&user.id)
        .bind(name)
        .bind(view.slug())
        .bind(&query)
        .bind(crate::db::now_millis())
        .bind(crate::limits::MAX_SAVED_VIEWS)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()));
    match crate::db::unique_or(result, "name", "You already have a view with this name.")? {
        0 => Err(AppError::validation(
            "name",
            format!(
                "You have {} saved views, the most there can be: delete one you no longer use first.",
                crate::limits::MAX_SAVED_VIEWS
            ),
        )),
        _ => Ok(id),
    }
}

/// Deletes one of the user's own saved views; someone else's is `NotFound`.
pub async fn delete_saved_view(db: &Db, user: &CurrentUser, id: &str) -> AppResult<()> {
    let deleted = on_db!(db, pool => sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(&user.id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    if deleted == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
