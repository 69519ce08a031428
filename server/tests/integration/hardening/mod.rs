//! Safe under attack and under concurrency (issue 10): hostile text stays text, hostile
//! clients are limited and refused with typed errors, concurrent writers all land, and
//! accounts are fit for production.

mod accounts;
mod clients;
mod text;
mod writes;

use crate::common::{self, create_ticket, support_pipeline, TestApp};

/// A new ticket called `name` in the first status of the support pipeline.
pub(crate) async fn new_ticket(client: &common::Client, name: &str) -> String {
    let pipeline = support_pipeline(client).await;
    create_ticket(
        client,
        &[
            ("name", name),
            ("pipeline_id", &pipeline.id),
            ("status_id", &pipeline.statuses[0].id),
            ("priority", "Medium"),
            ("description", ""),
        ],
    )
    .await
    .ok()
}

/// A user made by `admin` and a client logged in as them.
pub(crate) async fn new_user(
    app: &TestApp,
    admin: &common::Client,
    email: &str,
    password: &str,
    role: &str,
    scope: &str,
) -> common::Client {
    let name = format!("User {}", email.split('@').next().unwrap_or(email));
    let form = [
        ("email", email),
        ("name", name.as_str()),
        ("password", password),
        ("role", role),
        ("scope", scope),
    ];
    let made = admin.call("admin/create_user", &form).await;
    assert_eq!(made.status, 200, "{}", made.body);
    let client = app.client();
    assert_eq!(client.login(email, password, None).await.status(), 200);
    client
}
