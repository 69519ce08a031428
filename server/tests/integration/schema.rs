//! The two engines' migrations describe one schema: the same tables, columns and indexes,
//! apart from the few engine-specific pieces named here (issue 10).

use crate::common;

use std::collections::BTreeSet;

use common::Engine;

/// Engine-specific by design: SQLite's FTS5 trigram table (and the tables FTS5 keeps for it)
/// with its key table, where PostgreSQL has one pg_trgm index; and on PostgreSQL a byte-order
/// ("C") index of addresses for prefix ranges, which SQLite's primary key already is.
const SQLITE_ONLY: &[&str] = &[
    "table contact_search",
    "table contact_search_config",
    "table contact_search_content",
    "table contact_search_data",
    "table contact_search_docsize",
    "table contact_search_idx",
    "table contact_search_keys",
];
const POSTGRES_ONLY: &[&str] = &["index contacts_search_trigrams", "index contact_emails_by_prefix"];

/// `table name`, `column table.name`, `index name` of a freshly migrated database.
async fn schema(engine: Engine) -> BTreeSet<String> {
    let url = common::fresh_database_url(engine).await;
    let db = app::db::Db::connect(&url).await.expect("migrations apply");
    let mut items = BTreeSet::new();
    match &db {
        app::db::Db::Sqlite(pool) => {
            let tables: Vec<(String,)> = sqlx::query_as(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for (table,) in tables {
                let columns: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_table_info($1)")
                    .bind(&table)
                    .fetch_all(pool)
                    .await
                    .unwrap();
                if !table.starts_with("contact_search") {
                    items.extend(columns.into_iter().map(|(c,)| format!("column {table}.{c}")));
                }
                items.insert(format!("table {table}"));
            }
            let indexes: Vec<(String,)> = sqlx::query_as(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            items.extend(indexes.into_iter().map(|(i,)| format!("index {i}")));
        }
        app::db::Db::Postgres(pool) => {
            let columns: Vec<(String, String)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for (table, column) in columns {
                items.insert(format!("table {table}"));
                items.insert(format!("column {table}.{column}"));
            }
            // Indexes a migration created by name (not those behind primary keys and
            // UNIQUE constraints, which SQLite names automatically).
            let indexes: Vec<(String,)> = sqlx::query_as(
                "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public'
                 AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            items.extend(indexes.into_iter().map(|(i,)| format!("index {i}")));
        }
    }
    db.close().await;
    items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_and_postgres_migrations_make_the_same_schema() {
    let (sqlite, postgres) = (schema(Engine::Sqlite).await, schema(Engine::Postgres).await);
    let only_sqlite: Vec<&String> = sqlite
        .difference(&postgres)
        .filter(|i| !SQLITE_ONLY.contains(&i.as_str()))
        .collect();
    let only_postgres: Vec<&String> = postgres
        .difference(&sqlite)
        .filter(|i| !POSTGRES_ONLY.contains(&i.as_str()))
        .collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the migrations drifted apart.\nonly in SQLite: {only_sqlite:#?}\nonly in PostgreSQL: {only_postgres:#?}"
    );
    assert!(sqlite.contains("column tickets.status_id"), "the schema was read");
}
