//! Pipelines, their rules, conditional statuses, custom properties and the create form's
//! layout (issue 3): what admins set up, and how the server holds every ticket to it.

use crate::common;

use app::forms::model::FormLayout;
use app::pipelines::model::{Pipeline, Status, StatusCategory};
use app::properties::model::Property;
use app::tickets::model::TicketDetail;
use common::{Client, Engine, TestApp};
use serde_json::json;

async fn pipelines(client: &Client) -> Vec<Pipeline> {
    client.call("list_pipelines", &[]).await.ok()
}

async fn properties(client: &Client) -> Vec<Property> {
    client.call("list_properties", &[]).await.ok()
}

fn status(name: &str, category: StatusCategory, allows_creation: bool) -> Status {
    Status {
        id: String::new(),
        name: name.into(),
        category,
        allows_creation,
        required_properties: vec![],
    }
}

async fn save_pipeline(admin: &Client, pipeline: &Pipeline) -> common::Answer {
    admin
        .call_postcard::<app::pipelines::api::SavePipeline>("admin/save_pipeline", &json!({ "pipeline": pipeline }))
        .await
}

async fn save_property(admin: &Client, label: &str, name: &str, kind: &str, options: &[&str]) -> common::Answer {
    admin
        .call_postcard::<app::properties::api::SaveProperty>(
            "admin/save_property",
            &json!({ "property": {
                "id": "", "name": name, "label": label, "kind": kind, "help_text": "", "options": options
            }}),
        )
        .await
}

async fn create_in(client: &Client, pipeline: &Pipeline, status: usize, extra: &[(&str, &str)]) -> common::Answer {
    let mut form = vec![
        ("ticket[name]", "Rules test"),
        ("ticket[pipeline_id]", pipeline.id.as_str()),
        ("ticket[status_id]", pipeline.statuses[status].id.as_str()),
        ("ticket[priority]", "Medium"),
        ("ticket[description]", ""),
    ];
    form.extend_from_slice(extra);
    client.call("create_ticket", &form).await
}

async fn move_to(client: &Client, ticket: &str, status: &Status) -> common::Answer {
    client
        .call("set_ticket_status", &[("id", ticket), ("status_id", &status.id)])
        .await
}

async fn admins_create_rename_reorder_and_archive_pipelines_and_statuses(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let agent = app.login_as("agent@demo.test").await;
    let mut onboarding = Pipeline {
        id: String::new(),
        name: "Onboarding".into(),
        forbid_skipping: false,
        forbid_backwards: false,
        statuses: vec![
            status("Requested", StatusCategory::Open, true),
            status("Done", StatusCategory::Closed, false),
        ],
    };
    let answer = save_pipeline(&agent, &onboarding).await;
    assert_eq!(answer.status, 404, "only super admins change pipelines");
    let id: String = save_pipeline(&admin, &onboarding).await.ok();
    onboarding = pipelines(&agent).await.into_iter().find(|p| p.id == id).unwrap();
    assert_eq!(onboarding.statuses.len(), 2);

    // Rename, add a status, reorder: "In progress" goes between the two.
    onboarding.name = "Customer onboarding".into();
    onboarding
        .statuses
        .insert(1, status("In progress", StatusCategory::Open, false));
    save_pipeline(&admin, &onboarding).await.ok::<String>();
    let saved = pipelines(&agent).await.into_iter().find(|p| p.id == id).unwrap();
    assert_eq!(saved.name, "Customer onboarding");
    let names: Vec<&str> = saved.statuses.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Requested", "In progress", "Done"]);

    // A status with tickets in it cannot be removed; an empty one can.
    let ticket: String = create_in(&agent, &saved, 0, &[]).await.ok();
    let mut without_requested = saved.clone();
    without_requested.statuses.remove(0);
    without_requested.statuses[0].allows_creation = true;
    let refused = save_pipeline(&admin, &without_requested).await;
    assert!(
        refused.body["Validation"]["message"]
            .as_str()
            .unwrap()
            .contains("move them"),
        "{}",
        refused.body
    );
    let mut without_progress = saved.clone();
    without_progress.statuses.remove(1);
    save_pipeline(&admin, &without_progress).await.ok::<String>();
    assert_eq!(
        pipelines(&agent)
            .await
            .into_iter()
            .find(|p| p.id == id)
            .unwrap()
            .statuses
            .len(),
        2
    );

    // A pipeline needs at least one status and unique names.
    let mut empty = saved.clone();
    empty.statuses.clear();
    assert_eq!(
        save_pipeline(&admin, &empty).await.body["Validation"]["field"],
        "statuses"
    );

    // Archiving: refused while open tickets remain, then allowed once they are closed.
    let refused = admin.call("admin/archive_pipeline", &[("id", &id)]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let current = pipelines(&agent).await.into_iter().find(|p| p.id == id).unwrap();
    move_to(&agent, &ticket, &current.statuses[1]).await.ok::<()>();
    admin.call("admin/archive_pipeline", &[("id", &id)]).await.ok::<()>();
    assert!(!pipelines(&agent).await.iter().any(|p| p.id == id));
    let last = pipelines(&agent).await.remove(0);
    let refused = admin.call("admin/archive_pipeline", &[("id", &last.id)]).await;
    assert!(refused.body["Validation"]["message"]
        .as_str()
        .unwrap()
        .contains("last pipeline"));
}

async fn pipeline_rules_refuse_skips_and_backward_moves_except_for_super_admins(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let agent = app.login_as("agent@demo.test").await;
    let mut support = pipelines(&agent).await.remove(0);
    support.forbid_skipping = true;
    support.forbid_backwards = true;
    support.statuses[1].allows_creation = false;
    save_pipeline(&admin, &support).await.ok::<String>();
    let support = pipelines(&agent).await.remove(0);

    let refused = create_in(&agent, &support, 1, &[]).await;
    assert_eq!(
        refused.body["Validation"]["field"], "status",
        "Waiting on contact does not allow creation"
    );
    let ticket: String = create_in(&agent, &support, 0, &[]).await.ok();
    let skip = move_to(&agent, &ticket, &support.statuses[2]).await;
    assert!(
        skip.body["Validation"]["message"]
            .as_str()
            .unwrap()
            .contains("skipping"),
        "{}",
        skip.body
    );
    move_to(&agent, &ticket, &support.statuses[1]).await.ok::<()>();
    let back = move_to(&agent, &ticket, &support.statuses[0]).await;
    assert!(
        back.body["Validation"]["message"].as_str().unwrap().contains("back"),
        "{}",
        back.body
    );
    // Super admins bypass both rules.
    move_to(&admin, &ticket, &support.statuses[0]).await.ok::<()>();
    move_to(&admin, &ticket, &support.statuses[2]).await.ok::<()>();
}

async fn a_ticket_moves_to_another_pipeline_through_its_way_in(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let agent = app.login_as("agent@demo.test").await;
    // "New" on purpose: a status named like one of the ticket's current pipeline.
    let onboarding = Pipeline {
        id: String::new(),
        name: "Onboarding".into(),
        forbid_skipping: true,
        forbid_backwards: true,
        statuses: vec![
            status("New", StatusCategory::Open, true),
            status("Kickoff", StatusCategory::Open, false),
            status("Live", StatusCategory::Closed, false),
        ],
    };
    save_pipeline(&admin, &onboarding).await.ok::<String>();
    let all = pipelines(&agent).await;
    let support = all.iter().find(|p| p.name == "Support pipeline").unwrap();
    let onboarding = all.iter().find(|p| p.name == "Onboarding").unwrap();
    let ticket: String = create_in(&agent, support, 0, &[]).await.ok();

    // Not through a status new tickets cannot start in; the error names the way in.
    let refused = move_to(&agent, &ticket, &onboarding.statuses[1]).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body["Validation"]["message"]
            .as_str()
            .unwrap()
            .contains("through New"),
        "{}",
        refused.body
    );
    move_to(&agent, &ticket, &onboarding.statuses[0]).await.ok::<()>();
    let detail = agent.call("get_ticket", &[("id", &ticket)]).await.ok::<TicketDetail>();
    assert_eq!(detail.ticket.pipeline_id, onboarding.id);
    assert_eq!(
        detail.ticket.status_id, onboarding.statuses[0].id,
        "same name, other status"
    );
    assert_eq!(detail.ticket.pipeline_name, "Onboarding");
    let moved: Vec<(&str, Option<&str>, Option<&str>)> = detail
        .history
        .iter()
        .map(|h| (h.field.as_str(), h.old_value.as_deref(), h.new_value.as_deref()))
        .collect();
    assert!(
        moved.contains(&("Pipeline", Some("Support pipeline"), Some("Onboarding"))),
        "{moved:?}"
    );
    assert!(
        moved.contains(&("Ticket status", Some("New"), Some("New"))),
        "{moved:?}"
    );
    // Now the new pipeline's rules hold; super admins enter anywhere.
    assert_eq!(move_to(&agent, &ticket, &onboarding.statuses[2]).await.status, 422);
    move_to(&agent, &ticket, &onboarding.statuses[1]).await.ok::<()>();
    move_to(&admin, &ticket, &support.statuses[2]).await.ok::<()>();
    let detail = agent.call("get_ticket", &[("id", &ticket)]).await.ok::<TicketDetail>();
    assert_eq!(detail.ticket.pipeline_id, support.id);
    // A status that does not exist is a typed error, not a move.
    assert_eq!(
        agent
            .call("set_ticket_status", &[("id", ticket.as_str()), ("status_id", "nope")])
            .await
            .body["Validation"]["field"],
        "status"
    );
}

on_both_engines!(a_ticket_moves_to_another_pipeline_through_its_way_in);

async fn a_conditional_status_needs_its_properties_from_any_place(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let agent = app.login_as("agent@demo.test").await;
    let reason = properties(&agent)
        .await
        .into_iter()
        .find(|p| p.name == "close_reason")
        .unwrap();
    let support = pipelines(&agent).await.remove(0);
    let closed = support.statuses.iter().find(|s| s.name == "Closed").unwrap().clone();
    assert_eq!(closed.required_properties, std::slice::from_ref(&reason.id));

    // Creating straight into Closed needs the reason too.
    let refused = create_in(&agent, &support, 3, &[]).await;
    assert_eq!(refused.body["Validation"]["field"], "close_reason");
    let ticket: String = create_in(&agent, &support, 0, &[]).await.ok();

    // Moving: refused without it (even for super admins), refused with a value not among the
    // options, accepted with one, and the value then cannot be cleared while Closed.
    for client in [&agent, &admin] {
        let refused = move_to(client, &ticket, &closed).await;
        assert_eq!(refused.body["Validation"]["field"], "close_reason", "{}", refused.body);
    }
    let with = |value: &'static str| {
        [
            ("id", ticket.as_str()),
            ("status_id", closed.id.as_str()),
            ("properties[0][property_id]", reason.id.as_str()),
            ("properties[0][value]", value),
        ]
    };
    let bad = agent.call("set_ticket_status", &with("Because")).await;
    assert_eq!(bad.body["Validation"]["field"], "close_reason");
    agent.call("set_ticket_status", &with("Solved")).await.ok::<()>();
    let detail: TicketDetail = agent.call("get_ticket", &[("id", &ticket)]).await.ok();
    assert_eq!(detail.ticket.status_name, "Closed");
    assert_eq!(detail.properties[0].value, "Solved");
    let clear = agent
        .call(
            "set_ticket_property",
            &[("id", &ticket), ("property_id", &reason.id), ("value", "")],
        )
        .await;
    assert_eq!(clear.body["Validation"]["field"], "close_reason");

    // A ticket that already has the value moves in without being asked again.
    let reopen = &support.statuses[0];
    move_to(&agent, &ticket, reopen).await.ok::<()>();
    move_to(&agent, &ticket, &closed).await.ok::<()>();
}

async fn custom_properties_are_defined_by_admins_and_values_validated_by_type(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let agent = app.login_as("agent@demo.test").await;
    assert_eq!(save_property(&agent, "Order", "order", "Number", &[]).await.status, 404);
    let order: String = save_property(&admin, "Order number", "order_number", "Number", &[])
        .await
        .ok();
    let due: String = save_property(&admin, "Due", "due_date", "Date", &[]).await.ok();
    let vip: String = save_property(&admin, "VIP", "vip", "Checkbox", &[]).await.ok();
    let duplicate = save_property(&admin, "Order again", "order_number", "Text", &[]).await;
    assert_eq!(duplicate.body["Validation"]["field"], "name");
    let reserved = save_property(&admin, "Priority", "priority", "Text", &[]).await;
    assert_eq!(reserved.body["Validation"]["field"], "name");
    let no_options = save_property(&admin, "Tier", "tier", "Dropdown", &[]).await;
    assert_eq!(no_options.body["Validation"]["field"], "options");

    let support = pipelines(&agent).await.remove(0);
    let ticket: String = create_in(
        &agent,
        &support,
        0,
        &[
            ("ticket[properties][0][property_id]", &order),
            ("ticket[properties][0][value]", "1042"),
        ],
    )
    .await
    .ok();
    let set = |property: &str, value: &str| {
        let (ticket, property, value) = (ticket.clone(), property.to_string(), value.to_string());
        let agent = &agent;
        async move {
            agent
                .call(
                    "set_ticket_property",
                    &[("id", &ticket), ("property_id", &property), ("value", &value)],
                )
                .await
        }
    };
    assert_eq!(set(&order, "ten").await.body["Validation"]["field"], "order_number");
    assert_eq!(set(&due, "2024-13-01").await.body["Validation"]["field"], "due_date");
    set(&due, "2024-02-29").await.ok::<()>();
    set(&vip, "true").await.ok::<()>();
    set(&order, " 1043.0 ").await.ok::<()>();
    let detail: TicketDetail = agent.call("get_ticket", &[("id", &ticket)]).await.ok();
    let value = |id: &str| {
        detail
            .properties
            .iter()
            .find(|v| v.property_id == id)
            .map(|v| v.value.clone())
    };
    assert_eq!(value(&order).as_deref(), Some("1043"));
    assert_eq!(value(&due).as_deref(), Some("2024-02-29"));
    assert_eq!(value(&vip).as_deref(), Some("true"));
    let changed: Vec<(&str, Option<&str>, Option<&str>)> = detail
        .history
        .iter()
        .map(|h| (h.field.as_str(), h.old_value.as_deref(), h.new_value.as_deref()))
        .take(3)
        .collect();
    assert_eq!(
        changed,
        [
            ("Order number", Some("1042"), Some("1043")),
            ("VIP", None, Some("Yes")),
            ("Due", None, Some("2024-02-29")),
        ]
    );

    // The type is fixed once created; archiving removes the property from tickets' views.
    let retype = admin
        .call_postcard::<app::properties::api::SaveProperty>(
            "admin/save_property",
            &json!({ "property": { "id": order, "name": "order_number", "label": "Order", "kind": "Text", "help_text": "", "options": [] }}),
        )
        .await;
    assert_eq!(retype.body["Validation"]["field"], "kind");
    admin.call("admin/archive_property", &[("id", &vip)]).await.ok::<()>();
    assert!(!properties(&agent).await.iter().any(|p| p.id == vip));
    let detail: TicketDetail = agent.call("get_ticket", &[("id", &ticket)]).await.ok();
    assert!(!detail.properties.iter().any(|v| v.property_id == vip));
}

async fn the_form_layout_is_versioned_and_enforced_on_the_server(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.login_as("admin@demo.test").await;
    let other_admin = app.login_as("admin@demo.test").await;
    let agent = app.login_as("agent@demo.test").await;
    let order: String = save_property(&admin, "Order number", "order_number", "Number", &[])
        .await
        .ok();
    let layout: FormLayout = agent.call("form_layout", &[]).await.ok();
    assert_eq!(layout.version, 0);

    let mut edited = layout.clone();
    edited.fields.retain(|f| f.key != "description");
    edited.fields.insert(
        0,
        app::forms::model::FormField {
            key: format!("property:{order}"),
            required: true,
        },
    );
    edited.fields.iter_mut().find(|f| f.key == "contacts").unwrap().required = true;
    let refused = agent
        .call_postcard::<app::forms::api::SaveFormLayout>("admin/save_form_layout", &json!({ "layout": edited }))
        .await;
    assert_eq!(refused.status, 404, "only super admins edit the form");
    let version: i64 = admin
        .call_postcard::<app::forms::api::SaveFormLayout>("admin/save_form_layout", &json!({ "layout": edited }))
        .await
        .ok();
    assert_eq!(version, 1);
    // A second admin who started from version 0 gets a conflict, not a silent overwrite.
    let stale = other_admin
        .call_postcard::<app::forms::api::SaveFormLayout>("admin/save_form_layout", &json!({ "layout": layout }))
        .await;
    assert_eq!((stale.status, stale.error_kind().as_str()), (409, "Conflict"));
    let current: FormLayout = agent.call("form_layout", &[]).await.ok();
    assert_eq!(current.version, 1);
    assert_eq!(current.fields[0].key, format!("property:{order}"));
    let unknown = admin
        .call_postcard::<app::forms::api::SaveFormLayout>(
            "admin/save_form_layout",
            &json!({ "layout": { "version": 1, "fields": [{ "key": "shoe_size", "required": false }] } }),
        )
        .await;
    assert_eq!(unknown.body["Validation"]["field"], "fields");

    // The server holds tickets to the saved layout.
    let support = pipelines(&agent).await.remove(0);
    let missing = create_in(&agent, &support, 0, &[]).await;
    assert_eq!(missing.body["Validation"]["field"], "order_number");
    let missing = create_in(
        &agent,
        &support,
        0,
        &[
            ("ticket[properties][0][property_id]", &order),
            ("ticket[properties][0][value]", "7"),
        ],
    )
    .await;
    assert_eq!(missing.body["Validation"]["field"], "contacts");
}

on_both_engines!(
    admins_create_rename_reorder_and_archive_pipelines_and_statuses,
    pipeline_rules_refuse_skips_and_backward_moves_except_for_super_admins,
    a_conditional_status_needs_its_properties_from_any_place,
    custom_properties_are_defined_by_admins_and_values_validated_by_type,
    the_form_layout_is_versioned_and_enforced_on_the_server,
);
