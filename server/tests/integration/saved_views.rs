//! Saved views (MISSION W1): private to their owner, not for service access, and counted in
//! the views panel like the default views.

use crate::common;

use app::tickets::model::SavedView;
use common::{create_ticket, support_pipeline, Engine, TestApp};

async fn help_desk_users_save_their_own_views_and_service_access_cannot(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let admin = app.login_as("admin@demo.test").await;
    let viewer = app.login_as("viewer@demo.test").await;
    let form = [
        ("name", "Urgent email"),
        ("view", "AllOpen"),
        ("query[priority]", "Urgent"),
        ("query[source]", "Email"),
        ("query[sort]", "CreateDate"),
    ];
    let id: String = agent.call("save_view", &form).await.ok();
    let again = agent.call("save_view", &form).await;
    assert_eq!(again.body["Validation"]["field"], "name", "names are unique per user");
    let blank = agent.call("save_view", &[("name", " "), ("view", "AllOpen")]).await;
    assert_eq!(blank.body["Validation"]["field"], "name");
    assert_eq!(
        viewer.call("save_view", &form).await.status,
        404,
        "service access cannot save views"
    );

    let mine: Vec<SavedView> = agent.call("saved_views", &[]).await.ok();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].query.priority, Some(app::tickets::model::Priority::Urgent));
    assert_eq!(
        mine[0].href(),
        "/?view=all-open&sort=created&priority=urgent&source=email"
    );
    let theirs: Vec<SavedView> = admin.call("saved_views", &[]).await.ok();
    assert!(theirs.is_empty(), "views are private to their owner");
    assert_eq!(admin.call("delete_saved_view", &[("id", &id)]).await.status, 404);
    agent.call("delete_saved_view", &[("id", &id)]).await.ok::<()>();
    let mine: Vec<SavedView> = agent.call("saved_views", &[]).await.ok();
    assert!(mine.is_empty());
}

async fn saved_views_count_their_tickets_under_the_owners_scope(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let agent = app.login_as("agent@demo.test").await;
    let pipeline = support_pipeline(&agent).await;
    let form = [
        ("name", "High, by hand"),
        ("view", "AllOpen"),
        ("query[priority]", "High"),
        ("query[source]", "Manual"),
    ];
    agent.call("save_view", &form).await.ok::<String>();
    let low = [
        ("name", "Low, by hand"),
        ("view", "AllOpen"),
        ("query[priority]", "Low"),
        ("query[source]", "Manual"),
    ];
    agent.call("save_view", &low).await.ok::<String>();
    // By name: "High, by hand", then "Low, by hand"; both counted in one query.
    let counts = || async {
        let views = agent.call("saved_views", &[]).await.ok::<Vec<SavedView>>();
        assert_eq!(views.len(), 2);
        (views[0].count, views[1].count)
    };
    let count = || async { counts().await.0 };
    let (before, low_before) = counts().await;
    let new = |name: &'static str, priority: &'static str| {
        let pipeline = &pipeline;
        let agent = &agent;
        async move {
            create_ticket(
                agent,
                &[
                    ("name", name),
                    ("pipeline_id", &pipeline.id),
                    ("status_id", &pipeline.statuses[0].id),
                    ("priority", priority),
                    ("description", ""),
                ],
            )
            .await
            .ok::<String>()
        }
    };
    new("Printer jammed", "High").await;
    assert_eq!(count().await, before + 1, "a matching ticket is counted at once");
    new("Plant needs water", "Low").await;
    assert_eq!(
        counts().await,
        (before + 1, low_before + 1),
        "each view counts its own tickets"
    );

    // The count is what the view's list holds for its owner.
    let list = agent
        .call(
            "list_tickets",
            &[
                ("view", "AllOpen"),
                ("query[priority]", "High"),
                ("query[source]", "Manual"),
            ],
        )
        .await
        .ok::<app::tickets::model::TicketPage>();
    assert_eq!(list.tickets.len() as i64, before + 1);
    let saved = &agent.call("saved_views", &[]).await.ok::<Vec<SavedView>>()[0];
    assert_eq!(saved.count_label(), (before + 1).to_string());
}

#[test]
fn counts_past_the_cap_show_as_the_cap_and_more() {
    let mut saved = SavedView {
        id: "x".into(),
        name: "Everything".into(),
        view: app::tickets::model::ViewKey::AllOpen,
        query: Default::default(),
        count: app::tickets::model::SAVED_VIEW_COUNT_CAP,
    };
    assert_eq!(saved.count_label(), "1000");
    saved.count += 1;
    assert_eq!(saved.count_label(), "1000+");
}

on_both_engines!(
    help_desk_users_save_their_own_views_and_service_access_cannot,
    saved_views_count_their_tickets_under_the_owners_scope,
);
