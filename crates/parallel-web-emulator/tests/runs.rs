//! Single task-run endpoints (R1–R4) over real HTTP.

mod common;

use common::{TASK_RUN_KEYS, builder, keys, start, start_with};
use serde_json::{Value, json};

#[tokio::test]
async fn create_run_answers_202_queued_task_run() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/v1/tasks/runs",
            &json!({"input": "hello", "processor": "lite", "metadata": {"k": "v"}}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(keys(&r.text), TASK_RUN_KEYS);
    let v = r.json();
    assert_eq!(v["status"], "queued");
    assert_eq!(v["is_active"], true);
    assert_eq!(v["run_id"], v["interaction_id"]);
    assert_eq!(v["taskgroup_id"], json!(null));
    assert_eq!(v["warnings"], json!(null));
    assert_eq!(v["error"], json!(null));
    assert_eq!(v["metadata"], json!({"k": "v"}));
}

#[tokio::test]
async fn create_run_with_unknown_processor_is_403() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/v1/tasks/runs?beta=true",
            &json!({"input": "x", "processor": "mega"}),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json()["error"]["message"],
        "Forbidden: invalid processor in request"
    );
}

#[tokio::test]
async fn create_run_validation_errors_are_422_error_responses() {
    let (_emu, api) = start().await;
    let missing = api
        .post("/v1/tasks/runs", &json!({"processor": "lite"}))
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(keys(&missing.text), ["type", "error"]);
    let malformed = api.post_raw("/v1/tasks/runs", "{not json".to_owned()).await;
    assert_eq!(malformed.status, 422);
    assert_eq!(malformed.json()["type"], "error");
}

#[tokio::test]
async fn retrieve_and_input_return_the_run_and_its_input() {
    let (_emu, api) = start().await;
    let body = json!({"input": {"company": "Acme"}, "processor": "base", "task_spec": {"output_schema": "a string"}});
    let id = api.create_run(&body).await;
    let r = api.get(&format!("/v1/tasks/runs/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(keys(&r.text), TASK_RUN_KEYS);
    let input = api.get(&format!("/v1/tasks/runs/{id}/input")).await;
    assert_eq!(input.status, 200);
    assert_eq!(
        keys(&input.text),
        [
            "processor",
            "metadata",
            "source_policy",
            "advanced_settings",
            "task_spec",
            "input",
            "previous_interaction_id",
            "memory_scope_key",
            "mcp_servers",
            "enable_events",
            "webhook"
        ]
    );
    let v = input.json();
    assert_eq!(v["input"], json!({"company": "Acme"}));
    assert_eq!(v["task_spec"], json!({"output_schema": "a string"}));
}

#[tokio::test]
async fn newer_sdk_fields_are_accepted_and_echoed_with_the_input() {
    let (_emu, api) = start().await;
    let body = json!({
        "input": "q",
        "processor": "base",
        "metadata": {"row": 17, "score": 0.5, "nightly": true, "source": "crm"},
        "advanced_settings": {"location": "fr", "data_sources": {"free": ["a"], "pay_per_use": ["b"]}},
        "memory_scope_key": "customer-42"
    });
    let id = api.create_run(&body).await;
    let v = api.get(&format!("/v1/tasks/runs/{id}/input")).await.json();
    assert_eq!(v["memory_scope_key"], "customer-42");
    assert_eq!(v["advanced_settings"], body["advanced_settings"]);
    assert_eq!(v["metadata"], body["metadata"]);
    let run = api.get(&format!("/v1/tasks/runs/{id}")).await.json();
    assert_eq!(run["metadata"], body["metadata"]);
}

#[tokio::test]
async fn malformed_newer_sdk_fields_are_422() {
    let (_emu, api) = start().await;
    for (field, value, loc) in [
        (
            "memory_scope_key",
            json!(7),
            json!(["body", "memory_scope_key"]),
        ),
        (
            "advanced_settings",
            json!({"data_sources": {"free": "a"}}),
            json!(["body", "advanced_settings", "data_sources", "free"]),
        ),
    ] {
        let mut body = json!({"input": "q", "processor": "base"});
        body[field] = value;
        let r = api.post("/v1/tasks/runs", &body).await;
        assert_eq!(r.status, 422, "{field}: {}", r.text);
        assert!(
            r.text.contains(&loc.to_string()) || r.json().to_string().contains(&loc.to_string()),
            "{field}: {}",
            r.text
        );
    }
}

#[tokio::test]
async fn unknown_run_is_404_on_every_run_endpoint() {
    let (_emu, api) = start().await;
    for path in ["", "/input", "/result", "/events"] {
        let r = api
            .get(&format!(
                "/v1/tasks/runs/trun_00000000000000000000000000000000{path}"
            ))
            .await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json()["type"], "error");
    }
}

#[tokio::test]
async fn unknown_run_messages_are_the_documented_404_descriptions() {
    // OA: R2, R3 and R5 answer "Run id not found"; R4 (result) one message for
    // both cases, "Run failed or run id not found".
    let (_emu, api) = start().await;
    let unknown = "trun_00000000000000000000000000000000";
    for (path, message) in [
        ("", "Run id not found"),
        ("/input", "Run id not found"),
        ("/events", "Run id not found"),
        ("/result", "Run failed or run id not found"),
    ] {
        let r = api.get(&format!("/v1/tasks/runs/{unknown}{path}")).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json()["error"]["message"], message, "{path}");
    }
}

#[tokio::test]
async fn result_blocks_until_completed_and_returns_run_and_output() {
    let (_emu, api) = start().await;
    let id = api
        .create_run(&json!({"input": "q", "processor": "lite"}))
        .await;
    let r = api
        .get(&format!("/v1/tasks/runs/{id}/result?timeout=30"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(keys(&r.text), ["run", "output"]);
    let v = r.json();
    assert_eq!(v["run"]["status"], "completed");
    assert_eq!(v["output"]["type"], "json");
    assert!(
        v["output"]["output_schema"].is_object(),
        "auto schema reports its schema"
    );
}

#[tokio::test]
async fn result_times_out_with_408_while_the_run_is_active() {
    let (_emu, api) = start_with(builder().time_scale(1.0)).await;
    let id = api
        .create_run(&json!({"input": "q", "processor": "ultra8x"}))
        .await;
    let r = api
        .get(&format!("/v1/tasks/runs/{id}/result?timeout=0"))
        .await;
    assert_eq!(r.status, 408);
    assert_eq!(
        r.json()["error"]["message"],
        "Request timed out; run still active"
    );
}

#[tokio::test]
async fn failed_runs_carry_an_error_and_their_result_is_404() {
    let (_emu, api) = start_with(builder().failure_rate(1.0)).await;
    let id = api
        .create_run(&json!({"input": "q", "processor": "lite"}))
        .await;
    let r = api.get(&format!("/v1/tasks/runs/{id}/result")).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json()["error"]["message"],
        "Run failed or run id not found"
    );
    let run = api.get(&format!("/v1/tasks/runs/{id}")).await;
    let v = run.json();
    assert_eq!(v["status"], "failed");
    assert_eq!(
        common::keys_at(&run.text, &["error"]),
        ["ref_id", "message", "detail"]
    );
}

#[tokio::test]
async fn text_schema_gives_text_output_mentioning_the_input() {
    let (_emu, api) = start().await;
    let body = json!({"input": "Zanzibar spice trade", "processor": "base", "task_spec": {"output_schema": {"type": "text", "description": "history"}}});
    let id = api.create_run(&body).await;
    let r = api.get(&format!("/v1/tasks/runs/{id}/result")).await;
    assert_eq!(keys(&r.text).len(), 2);
    let v = r.json();
    assert_eq!(v["output"]["type"], "text");
    assert!(
        v["output"]["content"]
            .as_str()
            .unwrap()
            .contains("Zanzibar")
    );
    assert_eq!(v["output"]["basis"][0]["field"], "output");
    assert_eq!(
        common::keys_at(&r.text, &["output"]),
        ["basis", "type", "mcp_tool_calls", "beta_fields", "content"]
    );
}

#[tokio::test]
async fn input_missing_required_fields_of_the_input_schema_gets_a_warning() {
    let (_emu, api) = start().await;
    let spec = json!({
        "input_schema": {"type": "json", "json_schema": {"type": "object", "properties": {"company": {"type": "string"}}, "required": ["company"]}},
        "output_schema": "a summary"
    });
    let bad = api
        .post(
            "/v1/tasks/runs",
            &json!({"input": {"other": 1}, "processor": "lite", "task_spec": spec}),
        )
        .await;
    assert_eq!(bad.status, 202);
    let warnings = &bad.json()["warnings"];
    assert_eq!(warnings[0]["type"], "input_validation_warning");
    let w = serde_json::to_string(&bad.json()["warnings"][0]).unwrap();
    assert!(
        bad.text
            .contains(r#""warnings":[{"type":"input_validation_warning","message":"#),
        "{}",
        bad.text
    );
    assert!(w.contains(r#""detail":null"#));
    let good = api
        .post(
            "/v1/tasks/runs",
            &json!({"input": {"company": "Acme"}, "processor": "lite", "task_spec": spec}),
        )
        .await;
    assert_eq!(good.json()["warnings"], json!(null));
}

/// Microseconds since the epoch of an RFC 3339 `…ffffffZ` timestamp.
fn micros(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .timestamp_micros()
}

#[tokio::test]
async fn runs_spend_at_least_their_processors_scaled_latency() {
    // At time scale 0.001 a documented second is a millisecond. Only the lower
    // bound is asserted: the emulator may finish late on a busy machine, but
    // never before the processor's shortest documented latency (plus the
    // shortest queue wait of 0.5 s) has passed.
    let scale = 0.001;
    let (_emu, api) = start_with(builder().time_scale(scale)).await;
    for (processor, min_secs) in [
        ("lite-fast", 10.0),
        ("base", 15.0),
        ("core", 60.0),
        ("core-fast", 15.0),
    ] {
        let created = api
            .post(
                "/v1/tasks/runs",
                &json!({"input": "q", "processor": processor}),
            )
            .await;
        assert_eq!(created.status, 202);
        assert_eq!(created.json()["status"], "queued", "{processor}");
        let id = created.json()["run_id"].as_str().unwrap().to_owned();
        let r = api
            .get(&format!("/v1/tasks/runs/{id}/result?timeout=60"))
            .await;
        assert_eq!(r.status, 200, "{processor}: {}", r.text);
        let run = &r.json()["run"];
        let took = micros(&run["modified_at"]) - micros(&run["created_at"]);
        let least = ((0.5 + min_secs) * scale * 1e6) as i64;
        assert!(
            took >= least,
            "{processor} finished after {took} µs, before {least} µs"
        );
    }
}
