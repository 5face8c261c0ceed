//! Request bodies byte for byte: a JSON Schema keeps the property order the
//! caller gave (the order a processor fills an output), and the fields the
//! newest official SDKs send reach the wire. httpmock over real HTTP
//! matches the exact body text.

use std::time::Duration;

use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use parallel_web::types::TaskDataSources;
use parallel_web::{Client, RetryPolicy, RunInput, TaskSpec};
use schemars::JsonSchema;
use serde_json::json;

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::default().initial_delay(Duration::from_millis(1)))
        .build()
        .unwrap()
}

fn queued_run() -> serde_json::Value {
    json!({"run_id": "trun_1", "interaction_id": "trun_1", "status": "queued", "is_active": true,
           "processor": "core", "created_at": null, "modified_at": null})
}

/// Declared zeta, alpha, mid: not alphabetical.
const SCHEMA: &str = r#"{"type":"object","properties":{"zeta":{"type":"string","description":"last letter"},"alpha":{"type":"string"},"mid":{"type":"integer"}},"required":["zeta","alpha","mid"]}"#;

#[tokio::test]
async fn a_schema_given_as_text_goes_out_in_its_own_property_order_with_the_newer_fields() {
    let server = MockServer::start_async().await;
    // The whole body, byte for byte. The run's own keys follow the
    // generated struct (alphabetical); the schema keeps the caller's order.
    let body = format!(
        concat!(
            r#"{{"advanced_settings":{{"data_sources":{{"free":["news"],"pay_per_use":["filings"]}},"location":"fr"}},"#,
            r#""input":"Who founded Acme?","memory_scope_key":"customer-42","#,
            r#""metadata":{{"nightly":true,"row":17,"score":0.5,"source":"crm"}},"processor":"core","#,
            r#""task_spec":{{"output_schema":{{"json_schema":{schema},"type":"json"}}}}}}"#
        ),
        schema = SCHEMA
    );
    let m = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/tasks/runs").body(body.clone());
            then.status(202).json_body(queued_run());
        })
        .await;
    // Spaces in the given text go; the order stays.
    let given = SCHEMA.replace(',', ", ").replace(':', ": ");
    let spec = TaskSpec::from_json_schema_text(None, &given).unwrap();
    let sources: TaskDataSources = TaskDataSources::builder()
        .free(vec!["news".to_owned()])
        .pay_per_use(vec!["filings".to_owned()])
        .try_into()
        .unwrap();
    let run = RunInput::new("Who founded Acme?")
        .data_sources(sources)
        .location("fr")
        .memory_scope_key("customer-42")
        .metadata([("row", 17)])
        .metadata([("score", 0.5)])
        .metadata([("nightly", true)])
        .metadata([("source", "crm")]);
    client(&server)
        .task_runs()
        .create(run)
        .spec(&spec)
        .processor("core")
        .send()
        .await
        .unwrap();
    m.assert_async().await;
}

#[tokio::test]
async fn a_schema_given_as_a_json_value_keeps_its_order_in_the_default_spec_of_a_batch() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/tasks/groups/tgrp_1/runs")
                .body_includes(format!(
                    r#"{{"default_task_spec":{{"output_schema":{{"json_schema":{SCHEMA},"type":"json"}}}},"#
                ));
            then.status(200).json_body(json!({
                "status": {"num_task_runs": 1, "task_run_status_counts": {"queued": 1},
                           "is_active": true, "status_message": null, "modified_at": null},
                "run_ids": ["trun_1"], "run_cursor": null, "event_cursor": null}));
        })
        .await;
    // serde_json's `preserve_order` (which this SDK turns on) keeps the
    // order in which `json!` and the parser meet the keys.
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    let spec = TaskSpec::from_json_schemas(None, schema).unwrap();
    client(&server)
        .task_groups()
        .handle("tgrp_1")
        .add_runs(["q"])
        .processor("core")
        .default_spec(&spec)
        .batch_tags(false)
        .send()
        .await
        .unwrap();
    m.assert_async().await;
}

#[derive(JsonSchema)]
#[allow(dead_code)]
struct Declared {
    zeta: String,
    alpha: String,
    mid: String,
}

#[tokio::test]
async fn a_schema_derived_from_a_type_lists_fields_in_declaration_order() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/tasks/runs").body_includes(
                r#""properties":{"zeta":{"type":"string"},"alpha":{"type":"string"},"mid":{"type":"string"}},"required":["zeta","alpha","mid"]"#,
            );
            then.status(202).json_body(queued_run());
        })
        .await;
    client(&server)
        .task_runs()
        .create(RunInput::new("q"))
        .spec(&TaskSpec::output::<Declared>())
        .processor("core")
        .send()
        .await
        .unwrap();
    m.assert_async().await;
}

#[tokio::test]
async fn group_metadata_takes_numbers_and_booleans() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/tasks/groups")
                .body(r#"{"metadata":{"nightly":true,"project":"q4","rows":1200,"share":0.25}}"#);
            then.status(200).json_body(json!({
                "taskgroup_id": "tgrp_1", "metadata": null, "created_at": null,
                "status": {"num_task_runs": 0, "task_run_status_counts": {}, "is_active": false,
                           "status_message": null, "modified_at": null}}));
        })
        .await;
    client(&server)
        .task_groups()
        .create()
        .metadata([("project", "q4")])
        .metadata([("rows", 1200)])
        .metadata([("share", 0.25)])
        .metadata([("nightly", true)])
        .send()
        .await
        .unwrap();
    m.assert_async().await;
}

#[tokio::test]
async fn the_group_events_timeout_is_sent_in_seconds() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/tasks/groups/tgrp_1/events")
                .query_param("timeout", "2.5");
            then.status(200)
                .header("content-type", "text/event-stream")
                .body("");
        })
        .await;
    let events = client(&server)
        .task_groups()
        .handle("tgrp_1")
        .events()
        .api_timeout(Duration::from_millis(2500))
        .send()
        .await;
    // The mock's stream ends at once; what matters is the request.
    drop(events);
    assert!(m.calls_async().await >= 1);
}
