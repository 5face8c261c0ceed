//! Request shapes and error mapping, against httpmock over real HTTP.

use std::time::Duration;

use futures::StreamExt;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use parallel_web::types::{McpServer, SourcePolicy, Webhook, WebhookEventTypesItem};
use parallel_web::{
    ApiVersion, Client, Error, GroupEvent, RetryPolicy, RunInput, TaskSpec, WithOptions, beta,
};

fn mcp_server(allowed_tools: Option<&[&str]>, header: Option<(&str, &str)>) -> McpServer {
    McpServer::builder()
        .name("tools")
        .url("https://mcp.example.com")
        .headers(header.map(|(k, v)| [(k.to_owned(), v.to_owned())].into()))
        .allowed_tools(allowed_tools.map(|t| t.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
        .try_into()
        .unwrap()
}

fn webhook() -> Webhook {
    Webhook::builder()
        .url("https://example.com/hook")
        .event_types(vec![WebhookEventTypesItem::TaskRunStatus])
        .try_into()
        .unwrap()
}
use serde_json::json;

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::default().initial_delay(Duration::from_millis(1)))
        .header("x-team", "research")
        .build()
        .unwrap()
}

fn group_json(id: &str) -> serde_json::Value {
    json!({"taskgroup_id": id, "metadata": null, "created_at": "2025-04-24T18:56:22.513132Z",
           "status": {"num_task_runs": 0, "task_run_status_counts": {}, "is_active": false,
                      "status_message": null, "modified_at": null}})
}

/// An add-runs answer for these new (queued) runs.
fn added(run_ids: &[&str]) -> serde_json::Value {
    json!({
        "status": {"num_task_runs": run_ids.len(), "task_run_status_counts": {"queued": run_ids.len()},
                   "is_active": true, "status_message": null, "modified_at": null},
        "run_ids": run_ids, "run_cursor": null, "event_cursor": null})
}

fn queued_run(id: &str, processor: &str) -> serde_json::Value {
    json!({"run_id": id, "interaction_id": id, "status": "queued", "is_active": true,
           "processor": processor, "created_at": null, "modified_at": null})
}

#[tokio::test]
async fn create_sends_the_key_custom_headers_and_metadata() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/tasks/groups")
                .header("x-api-key", "test-key")
                .header("x-team", "research")
                .json_body(json!({"metadata": {"project": "q4"}}));
            then.status(200).json_body(group_json("tgrp_1"));
        })
        .await;
    let g = client(&server)
        .task_groups()
        .create()
        .metadata([("project", "q4")])
        .send()
        .await
        .unwrap();
    assert_eq!(g.id(), "tgrp_1");
    m.assert_async().await;
}

#[tokio::test]
async fn a_callers_own_http_client_still_sends_the_key_and_custom_headers() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/tasks/groups")
                .header("x-api-key", "test-key")
                .header("x-team", "research")
                .header("x-from-my-client", "yes");
            then.status(200).json_body(group_json("tgrp_1"));
        })
        .await;
    parallel_web::install_tls_provider();
    let mut own_headers = reqwest::header::HeaderMap::new();
    own_headers.insert("x-from-my-client", "yes".parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(own_headers)
        .build()
        .unwrap();
    let client = Client::builder()
        .api_key("test-key")
        .base_url(server.base_url())
        .header("x-team", "research")
        .http_client(http)
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains("test-key"));
    let g = client.task_groups().create().await.unwrap();
    assert_eq!(g.id(), "tgrp_1");
    m.assert_async().await;
}

#[tokio::test]
async fn v1beta_uses_the_beta_paths() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1beta/tasks/groups")
                .json_body(json!({}));
            then.status(200).json_body(group_json("tgrp_2"));
        })
        .await;
    let c = Client::builder()
        .api_key("k")
        .base_url(server.base_url())
        .api_version(ApiVersion::V1Beta)
        .build()
        .unwrap();
    c.task_groups().create().send().await.unwrap();
    m.assert_async().await;
}

#[tokio::test]
async fn add_runs_sends_inputs_spec_and_the_betas_the_runs_use() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/tasks/groups/tgrp_1/runs")
                .header("parallel-beta", "field-basis-2025-11-25,mcp-server-2025-07-17")
                .json_body_includes(r#"{"default_task_spec": {"output_schema": {"type": "text", "description": "a summary"}}}"#)
                .json_body_includes(r#"{"inputs": [{"processor": "base", "input": "q1"}]}"#)
                .body_includes(r#""processor":"core""#)
                .body_includes(r#""mcp_servers":[{"#);
            then.status(200).json_body(added(&["trun_a", "trun_b"]));
        })
        .await;
    let group = client(&server).task_groups().handle("tgrp_1");
    let inputs = vec![
        RunInput::new("q1"),
        RunInput::new(json!({"a": 1}))
            .processor("core")
            .mcp_server(mcp_server(None, Some(("authorization", "Bearer x")))),
    ];
    let out = group
        .add_run_inputs(inputs)
        .processor("base")
        .default_spec(&TaskSpec::text("a summary"))
        .beta(beta::FIELD_BASIS)
        .batch_tags(false)
        .send()
        .await
        .unwrap();
    assert_eq!(out.run_ids, ["trun_a", "trun_b"]);
    assert!(out.status.unwrap().is_active);
    m.assert_async().await;
}

#[tokio::test]
async fn runs_are_tagged_by_default_and_plain_requests_send_no_beta_header() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/tasks/groups/tgrp_1/runs")
                .header_missing("parallel-beta")
                .body_matches(r#""pw_batch":"[0-9a-f]{16}\.0""#);
            then.status(200).json_body(added(&["trun_a"]));
        })
        .await;
    let group = client(&server).task_groups().handle("tgrp_1");
    group
        .add_runs(["q"])
        .processor("lite")
        .send()
        .await
        .unwrap();
    m.assert_async().await;
}

#[tokio::test]
async fn a_caller_given_batch_id_tags_each_run_with_its_index() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/tasks/groups/tgrp_1/runs")
                .body_matches(
                    r#""pw_batch":"00c0ffee00000007\.0".*"pw_batch":"00c0ffee00000007\.1""#,
                );
            then.status(200).json_body(added(&["trun_a", "trun_b"]));
        })
        .await;
    let group = client(&server).task_groups().handle("tgrp_1");
    let out = group
        .add_runs(["q", "r"])
        .processor("lite")
        .batch_id("00c0ffee00000007")
        .send()
        .await
        .unwrap();
    assert_eq!(out.run_ids, ["trun_a", "trun_b"]);
    m.assert_async().await;

    let bad = group
        .add_runs(["q"])
        .processor("lite")
        .batch_id("a.b")
        .send()
        .await;
    assert!(
        matches!(bad, Err(parallel_web::Error::InvalidInput { ref field, .. }) if field == "batch_id")
    );
}

#[tokio::test]
async fn validation_errors_carry_field_locations() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/tasks/groups/tgrp_1/runs");
            then.status(422).json_body(json!({"detail": [
                {"loc": ["body", "inputs", 0, "processor"], "msg": "Invalid processor: `nope`", "type": "value_error"}]}));
        })
        .await;
    let group = client(&server).task_groups().handle("tgrp_1");
    let err = group
        .add_runs(["q"])
        .processor("nope")
        .send()
        .await
        .unwrap_err();
    let Error::BatchIncomplete { source, .. } = err else {
        panic!("{err:?}")
    };
    match *source {
        Error::Validation { ref fields, .. } => {
            assert_eq!(
                fields[0].loc,
                [json!("body"), json!("inputs"), json!(0), json!("processor")]
            );
            assert!(source.to_string().contains("Invalid processor"), "{source}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn not_found_keeps_the_message_and_ref_id_and_is_not_retried() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/tasks/runs/trun_x");
            then.status(404)
                .json_body(json!({"type": "error", "error": {"ref_id": "ref-9", "message": "Run id not found"}}));
        })
        .await;
    let err = client(&server)
        .task_runs()
        .retrieve("trun_x")
        .await
        .unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(
        (api.status, api.message.as_str(), api.ref_id.as_deref()),
        (404, "Run id not found", Some("ref-9"))
    );
    assert_eq!(m.calls_async().await, 1);
}

#[tokio::test]
async fn rate_limits_are_retried_then_reported_with_the_delay_asked_for() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/tasks/groups/tgrp_1");
            then.status(429).header("retry-after-ms", "5").json_body(
                json!({"type": "error", "error": {"ref_id": "r", "message": "Too many requests"}}),
            );
        })
        .await;
    let err = client(&server)
        .task_groups()
        .handle("tgrp_1")
        .status()
        .await
        .unwrap_err();
    match err {
        Error::RateLimited { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_millis(5)))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.calls_async().await, 3, "two retries by default");
}

#[tokio::test]
async fn a_server_error_on_a_read_is_retried_and_x_should_retry_false_is_not() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/tasks/runs/trun_1");
            then.status(500)
                .header("x-should-retry", "false")
                .body("internal");
        })
        .await;
    let err = client(&server)
        .task_runs()
        .retrieve("trun_1")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.api_error().unwrap().message, "internal");
    assert_eq!(m.calls_async().await, 1);
}

#[tokio::test]
async fn unknown_event_types_and_keepalives_pass_through_the_runs_stream() {
    let server = MockServer::start_async().await;
    let body = concat!(
        ": keep-alive\n\n",
        "event: task_run.state\n",
        r#"data: {"type":"task_run.state","event_id":"e1","input":null,"output":null,"run":{"run_id":"trun_1","interaction_id":"trun_1","status":"paused","is_active":false,"processor":"lite","created_at":null,"modified_at":null}}"#,
        "\n\n",
        "event: task_group.shiny_new\n",
        r#"data: {"type":"task_group.shiny_new","event_id":"e2","extra":[1,2]}"#,
        "\n\n",
    );
    let m = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/tasks/groups/tgrp_1/runs")
                .header("accept", "text/event-stream")
                .query_param("include_input", "true");
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(body);
        })
        .await;
    let events: Vec<_> = client(&server)
        .task_groups()
        .handle("tgrp_1")
        .runs()
        .include_input()
        .send()
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(events.len(), 2, "{events:?}");
    match &events[0] {
        Ok(GroupEvent::RunState(r)) => assert_eq!(r.run.status.to_string(), "paused"),
        other => panic!("{other:?}"),
    }
    match &events[1] {
        Ok(GroupEvent::Unknown { kind, data }) => {
            assert_eq!(kind, "task_group.shiny_new");
            assert_eq!(data["extra"], json!([1, 2]));
        }
        other => panic!("{other:?}"),
    }
    m.assert_async().await;
}

#[tokio::test]
async fn stream_http_errors_surface_when_opening_with_the_server_body() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/tasks/groups/tgrp_gone/events");
            then.status(404)
                .json_body(json!({"type": "error", "error": {"ref_id": "r1", "message": "TaskGroup not found"}}));
        })
        .await;
    let err = client(&server)
        .task_groups()
        .handle("tgrp_gone")
        .events()
        .send()
        .await
        .err()
        .unwrap();
    assert_eq!(err.api_error().unwrap().message, "TaskGroup not found");
}

#[tokio::test]
async fn the_result_long_poll_passes_the_timeout_and_beta_header() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/tasks/runs/trun_1/result")
                .query_param("timeout", "30")
                .header("parallel-beta", beta::FIELD_BASIS);
            then.status(408)
                .json_body(json!({"type": "error", "error": {"ref_id": "r", "message": "Request timed out; run still active"}}));
        })
        .await;
    let err = client(&server)
        .task_runs()
        .result("trun_1")
        .api_timeout(std::time::Duration::from_secs(30))
        .beta(beta::FIELD_BASIS)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(408));
    assert_eq!(m.calls_async().await, 1, "a long-poll 408 is not retried");
}

#[tokio::test]
async fn enable_events_and_webhooks_set_their_betas_on_single_runs() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/tasks/runs")
                .header("parallel-beta", "events-sse-2025-07-24,webhook-2025-08-12")
                .json_body_includes(r#"{"enable_events": true, "processor": "pro"}"#);
            then.status(202).json_body(queued_run("trun_1", "pro"));
        })
        .await;
    let run = RunInput::new("q").enable_events(true).webhook(webhook());
    let created = client(&server)
        .task_runs()
        .create(run)
        .processor("pro")
        .send()
        .await
        .unwrap();
    assert_eq!(created.run_id, "trun_1");
    m.assert_async().await;
}

#[tokio::test]
async fn every_beta_and_advanced_field_goes_out_as_the_api_names_it() {
    let server = MockServer::start_async().await;
    let expected = concat!(
        r#"{"processor":"core","metadata":{"row":"7"},"#,
        r#""source_policy":{"include_domains":["sec.gov"],"after_date":"2024-01-01"},"#,
        r#""advanced_settings":{"location":"de"},"#,
        r#""task_spec":{"output_schema":{"type":"auto"}},"#,
        r#""input":"q","previous_interaction_id":"trun_0","#,
        r#""mcp_servers":[{"type":"url","url":"https://mcp.example.com","name":"tools","allowed_tools":["search"]}],"#,
        r#""enable_events":true,"#,
        r#""webhook":{"url":"https://example.com/hook","event_types":["task_run.status"]}}"#,
    );
    let m = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/tasks/runs")
                .header(
                    "parallel-beta",
                    "mcp-server-2025-07-17,events-sse-2025-07-24,webhook-2025-08-12",
                )
                .json_body(serde_json::from_str::<serde_json::Value>(expected).unwrap());
            then.status(202).json_body(queued_run("trun_1", "core"));
        })
        .await;
    let run = RunInput::new("q")
        .processor("core")
        .metadata([("row", "7")])
        .source_policy(SourcePolicy {
            include_domains: vec!["sec.gov".into()],
            after_date: Some("2024-01-01".parse().unwrap()),
            ..Default::default()
        })
        .location("de")
        .task_spec(&TaskSpec::auto())
        .previous_interaction_id("trun_0")
        .mcp_server(mcp_server(Some(&["search"]), None))
        .enable_events(true)
        .webhook(webhook());
    client(&server)
        .task_runs()
        .create(run)
        .send()
        .await
        .unwrap();
    m.assert_async().await;
}

#[tokio::test]
async fn per_call_headers_and_query_parameters_go_out_with_the_call() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/tasks/groups")
                .header("x-request-tag", "nightly")
                // Replaces the client's own `x-team: research`.
                .header("x-team", "ops")
                .header_count("x-team", ".*", 1)
                .query_param("trace", "1");
            then.status(200).json_body(group_json("tgrp_1"));
        })
        .await;
    let retrieve = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/tasks/runs/trun_1")
                .header("x-request-tag", "nightly")
                .header("parallel-beta", beta::FIELD_BASIS)
                .query_param("trace", "1");
            then.status(200).json_body(queued_run("trun_1", "lite"));
        })
        .await;
    let runs = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/tasks/groups/tgrp_1/runs")
                .header("x-request-tag", "nightly")
                .query_param("include_output", "true")
                .query_param("trace", "1");
            then.status(200)
                .header("content-type", "text/event-stream")
                .body("");
        })
        .await;
    let client = client(&server);
    let group = client
        .task_groups()
        .create()
        .header("x-request-tag", "nightly")
        .header("x-team", "ops")
        .query("trace", "1")
        .await
        .unwrap();
    client
        .task_runs()
        .retrieve("trun_1")
        .header("x-request-tag", "nightly")
        .query("trace", "1")
        .beta(beta::FIELD_BASIS)
        .await
        .unwrap();
    let events: Vec<_> = group
        .runs()
        .include_output()
        .header("x-request-tag", "nightly")
        .query("trace", "1")
        .await
        .unwrap()
        .collect()
        .await;
    assert!(events.is_empty(), "{events:?}");
    create.assert_async().await;
    retrieve.assert_async().await;
    runs.assert_async().await;
}

#[tokio::test]
async fn a_per_call_query_parameter_replaces_the_operations_own_and_betas_add_up() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/tasks/runs/trun_1/result")
                .query_param("timeout", "5")
                .query_param_count("timeout", ".*", 1)
                .header("parallel-beta", format!("b-client,{}", beta::FIELD_BASIS));
            then.status(408)
                .json_body(json!({"type": "error", "error": {"ref_id": "r", "message": "Request timed out; run still active"}}));
        })
        .await;
    let client = Client::builder()
        .api_key("test-key")
        .base_url(server.base_url())
        .beta("b-client")
        .build()
        .unwrap();
    let err = client
        .task_runs()
        .result("trun_1")
        .api_timeout(std::time::Duration::from_secs(30))
        .query("timeout", "5")
        .beta(beta::FIELD_BASIS)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(408), "{err:?}");
    m.assert_async().await;
}

#[tokio::test]
async fn a_client_views_headers_go_out_and_the_client_it_came_from_sends_none() {
    let server = MockServer::start_async().await;
    let with = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/tasks/runs/trun_1")
                .header("x-view", "1")
                .query_param("trace", "1");
            then.status(200).json_body(queued_run("trun_1", "lite"));
        })
        .await;
    let without = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/tasks/runs/trun_1")
                .header_missing("x-view")
                .query_param_missing("trace");
            then.status(200).json_body(queued_run("trun_1", "lite"));
        })
        .await;
    let client = client(&server);
    let view = client.with_options(
        parallel_web::RequestOptions::new()
            .header("x-view", "1")
            .query("trace", "1"),
    );
    view.task_runs().retrieve("trun_1").await.unwrap();
    client.task_runs().retrieve("trun_1").await.unwrap();
    assert_eq!(with.calls_async().await, 1);
    assert_eq!(without.calls_async().await, 1);
}

#[tokio::test]
async fn an_invalid_per_call_header_fails_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(group_json("tgrp_1"));
        })
        .await;
    let client = client(&server);
    for (name, value) in [("bad name", "v"), ("x-ok", "line\nbreak")] {
        let err = client
            .task_groups()
            .create()
            .header(name, value)
            .await
            .unwrap_err();
        let Error::InvalidInput { message, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(message.contains(name), "{message}");
    }
    assert_eq!(m.calls_async().await, 0);
}
