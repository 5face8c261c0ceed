//! The documented limits and the error bodies they produce.

mod common;

use common::{builder, start, start_with};
use serde_json::{Value, json};

fn nested(depth: usize) -> Value {
    let mut schema = json!({"type": "string"});
    for _ in 0..depth {
        schema = json!({"type": "object", "properties": {"x": schema}});
    }
    schema
}

async fn add(api: &common::Api, g: &str, body: Value) -> common::Reply {
    api.post(&format!("/v1/tasks/groups/{g}/runs"), &body).await
}

fn first_detail(r: &common::Reply) -> Value {
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(common::keys(&r.text), ["detail"]);
    let d = r.json()["detail"][0].clone();
    assert_eq!(common::keys(&serde_json::to_string(&d).unwrap()).len(), 3);
    d
}

#[tokio::test]
async fn more_than_1000_inputs_is_422_too_long() {
    let (emu, api) = start().await;
    let g = api.group().await;
    let inputs: Vec<Value> = (0..1001)
        .map(|_| json!({"input": "x", "processor": "lite"}))
        .collect();
    let d = first_detail(&add(&api, &g, json!({"inputs": inputs})).await);
    assert_eq!(d["loc"], json!(["body", "inputs"]));
    assert_eq!(d["type"], "too_long");
    assert_eq!(emu.stats().runs_created, 0);
    let ok: Vec<Value> = (0..1000)
        .map(|_| json!({"input": "x", "processor": "lite"}))
        .collect();
    assert_eq!(add(&api, &g, json!({"inputs": ok})).await.status, 200);
}

#[tokio::test]
async fn metadata_limits_are_enforced_on_groups_and_runs() {
    let (_emu, api) = start().await;
    let long_key = "k".repeat(17);
    let r = api
        .post(
            "/v1/tasks/groups",
            &json!({"metadata": {long_key.clone(): "v"}}),
        )
        .await;
    assert_eq!(
        first_detail(&r)["loc"],
        json!(["body", "metadata", long_key])
    );
    let g = api.group().await;
    let r = add(&api, &g, json!({"inputs": [{"input": "x", "processor": "lite", "metadata": {"k": "v".repeat(513)}}]})).await;
    assert_eq!(
        first_detail(&r)["loc"],
        json!(["body", "inputs", 0, "metadata", "k"])
    );
    let ok = add(&api, &g, json!({"inputs": [{"input": "x", "processor": "lite", "metadata": {"k".repeat(16): "v".repeat(512)}}]})).await;
    assert_eq!(ok.status, 200);
    let run = api
        .post(
            "/v1/tasks/runs",
            &json!({"input": "x", "processor": "lite", "metadata": {long_key: 1}}),
        )
        .await;
    assert_eq!(run.status, 422);
    assert_eq!(run.json()["type"], "error");
}

#[tokio::test]
async fn task_spec_plus_input_over_25000_chars_is_422() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    let r = add(
        &api,
        &g,
        json!({"inputs": [{"input": "y".repeat(25_001), "processor": "lite"}]}),
    )
    .await;
    assert_eq!(first_detail(&r)["loc"], json!(["body", "inputs", 0]));
    let spec = json!({"output_schema": "z".repeat(24_000)});
    let r = add(&api, &g, json!({"default_task_spec": spec, "inputs": [{"input": "y".repeat(1_500), "processor": "lite"}]})).await;
    assert_eq!(r.status, 422, "the default spec counts too");
}

#[tokio::test]
async fn output_schema_deeper_than_5_levels_is_422() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    let spec = |d| json!({"output_schema": {"type": "json", "json_schema": nested(d)}});
    assert_eq!(
        add(
            &api,
            &g,
            json!({"default_task_spec": spec(5), "inputs": [{"input": "x", "processor": "lite"}]})
        )
        .await
        .status,
        200
    );
    let r = add(
        &api,
        &g,
        json!({"default_task_spec": spec(6), "inputs": [{"input": "x", "processor": "lite"}]}),
    )
    .await;
    assert_eq!(
        first_detail(&r)["loc"],
        json!(["body", "default_task_spec", "output_schema", "json_schema"])
    );
    let run = api
        .post(
            "/v1/tasks/runs",
            &json!({"input": "x", "processor": "lite", "task_spec": spec(6)}),
        )
        .await;
    assert_eq!(run.status, 422);
}

#[tokio::test]
async fn malformed_json_is_422_in_each_endpoint_shape() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    let r = api
        .post_raw(
            &format!("/v1/tasks/groups/{g}/runs"),
            "{\"inputs\": [".to_owned(),
        )
        .await;
    assert_eq!(first_detail(&r)["type"], "json_invalid");
    let r = api.post_raw("/v1/tasks/groups", String::new()).await;
    assert_eq!(first_detail(&r)["type"], "missing");
    let r = api.post_raw("/v1/tasks/runs", "[1,".to_owned()).await;
    assert_eq!(r.status, 422);
    assert_eq!(common::keys(&r.text), ["type", "error"]);
}

#[tokio::test]
async fn unknown_processor_in_a_group_is_422_not_403() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    let r = add(&api, &g, json!({"inputs": [{"input": "x", "processor": "lite"}, {"input": "x", "processor": "hyper"}]})).await;
    assert_eq!(
        first_detail(&r)["loc"],
        json!(["body", "inputs", 1, "processor"])
    );
}

#[tokio::test]
async fn missing_required_fields_are_422_with_locations() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    assert_eq!(
        first_detail(&add(&api, &g, json!({})).await)["loc"],
        json!(["body", "inputs"])
    );
    let r = add(&api, &g, json!({"inputs": [{"processor": "lite"}]})).await;
    assert_eq!(
        first_detail(&r)["loc"],
        json!(["body", "inputs", 0, "input"])
    );
}

#[tokio::test]
async fn add_runs_to_unknown_group_is_404() {
    let (_emu, api) = start().await;
    let r = add(&api, "tgrp_unknown", json!({"inputs": []})).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["message"], "TaskGroup not found");
}

#[tokio::test]
async fn bad_query_booleans_are_422() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    let r = api
        .get(&format!("/v1/tasks/groups/{g}/runs?include_input=maybe"))
        .await;
    assert_eq!(first_detail(&r)["loc"], json!(["query", "include_input"]));
}

#[tokio::test]
async fn rate_limit_refuses_run_creating_posts_with_retry_after() {
    let (emu, api) = start_with(builder().rate_limit(2)).await;
    let g = api.group().await;
    assert_eq!(
        add(
            &api,
            &g,
            json!({"inputs": [{"input": "x", "processor": "lite"}]})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        api.post(
            "/v1/tasks/runs",
            &json!({"input": "x", "processor": "lite"})
        )
        .await
        .status,
        202
    );
    let r = add(
        &api,
        &g,
        json!({"inputs": [{"input": "x", "processor": "lite"}]}),
    )
    .await;
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(
        r.header("retry-after-ms"),
        None,
        "the documented minute window answers like the API"
    );
    assert_eq!(
        r.json()["error"]["message"],
        "Too many requests: quota temporarily exceeded"
    );
    assert_eq!(
        api.get(&format!("/v1/tasks/groups/{g}")).await.status,
        200,
        "GETs are not limited"
    );
    assert_eq!(emu.stats().rate_limited, 1);
}

#[tokio::test]
async fn a_short_rate_window_refuses_with_its_exact_wait_and_then_lets_posts_through() {
    let window = std::time::Duration::from_millis(300);
    let (emu, api) = start_with(builder().rate_limit(2).rate_window(window)).await;
    let post = || api.post_raw("/v1/tasks/runs", "{}".to_owned());
    // Invalid bodies still count against the limit: cheap probes.
    assert_eq!(post().await.status, 422);
    assert_eq!(post().await.status, 422);
    let refused = post().await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("retry-after"), Some("1"), "rounded up");
    let wait_ms: u64 = refused.header("retry-after-ms").unwrap().parse().unwrap();
    assert!(
        (1..=300).contains(&wait_ms),
        "{wait_ms} ms left of a 300 ms window"
    );
    tokio::time::sleep(std::time::Duration::from_millis(wait_ms + 20)).await;
    assert_eq!(post().await.status, 422, "a new window has begun");
    assert_eq!(emu.stats().rate_limited, 1);
}

#[tokio::test]
async fn rate_limit_defaults_to_2000_per_minute_and_zero_turns_it_off() {
    // Every run-creating POST counts, even one refused as invalid, so empty
    // bodies use up the budget cheaply.
    async fn statuses(b: parallel_web_emulator::EmulatorBuilder, n: usize) -> Vec<u16> {
        let (_emu, api) = start_with(b).await;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(api.post_raw("/v1/tasks/runs", "{}".to_owned()).await.status);
        }
        out
    }
    assert_eq!(parallel_web_emulator::DEFAULT_RATE_LIMIT, 2000);
    let limited = statuses(builder(), 2001).await;
    assert!(
        limited[..2000].iter().all(|s| *s == 422),
        "the first 2,000 pass the limit"
    );
    assert_eq!(limited[2000], 429);
    let unlimited = statuses(builder().rate_limit(0), 2001).await;
    assert!(unlimited.iter().all(|s| *s == 422), "rate_limit(0) is off");
}

#[tokio::test]
async fn unknown_routes_get_fastapi_404() {
    let (_emu, api) = start().await;
    let r = api.get("/v2/nothing").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.text, r#"{"detail":"Not Found"}"#);
}

#[tokio::test]
async fn error_ref_ids_are_reproducible_under_a_seed() {
    async fn ref_ids(seed: u64) -> Vec<String> {
        let (_emu, api) = start_with(builder().seed(seed)).await;
        let mut out = Vec::new();
        for path in [
            "/v1/tasks/groups/tgrp_0",
            "/v1/tasks/runs/trun_0",
            "/v1/tasks/runs/trun_0",
        ] {
            let r = api.get(path).await;
            assert_eq!(r.status, 404, "{}", r.text);
            out.push(r.json()["error"]["ref_id"].as_str().unwrap().to_owned());
        }
        let unauthorised = common::Api::new(&api.base, "wrong-key")
            .get("/v1/tasks/groups/tgrp_0")
            .await;
        assert_eq!(unauthorised.status, 401);
        out.push(
            unauthorised.json()["error"]["ref_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        out
    }
    let a = ref_ids(5).await;
    assert_eq!(
        a,
        ref_ids(5).await,
        "same seed, same requests: same ref_ids"
    );
    let distinct: std::collections::BTreeSet<_> = a.iter().collect();
    assert_eq!(
        distinct.len(),
        a.len(),
        "every error gets its own ref_id: {a:?}"
    );
    assert_ne!(a, ref_ids(6).await, "another seed gives other ref_ids");
}

/// The bodies issue 19 found accepted although the documents call them
/// invalid: one bad field each, with where the 422 must point.
fn known_gaps() -> Vec<(&'static str, Value, Vec<Value>)> {
    vec![
        (
            "source_policy",
            json!({"include_domains": "a.com"}),
            vec![json!("source_policy"), json!("include_domains")],
        ),
        (
            "source_policy",
            json!({"after_date": "yesterday"}),
            vec![json!("source_policy"), json!("after_date")],
        ),
        (
            "mcp_servers",
            json!([{"name": "m"}]),
            vec![json!("mcp_servers"), json!(0), json!("url")],
        ),
        (
            "mcp_servers",
            json!([{"name": "m", "url": "https://m.example", "type": "stdio"}]),
            vec![json!("mcp_servers"), json!(0), json!("type")],
        ),
        ("enable_events", json!("yes"), vec![json!("enable_events")]),
        (
            "previous_interaction_id",
            json!(12),
            vec![json!("previous_interaction_id")],
        ),
        (
            "webhook",
            json!({"event_types": ["task_run.status"]}),
            vec![json!("webhook"), json!("url")],
        ),
        (
            "webhook",
            json!({"url": "https://h.example", "event_types": ["task_run.done"]}),
            vec![json!("webhook"), json!("event_types"), json!(0)],
        ),
        (
            "advanced_settings",
            json!({"location": 33}),
            vec![json!("advanced_settings"), json!("location")],
        ),
    ]
}

#[tokio::test]
async fn bodies_the_documents_call_invalid_are_422_at_their_field_on_create_run_and_add_runs() {
    let (emu, api) = start().await;
    let g = api.group().await;
    for (field, bad, tail) in known_gaps() {
        let mut input = json!({"input": "x", "processor": "lite"});
        input[field] = bad;

        let r = api.post("/v1/tasks/runs", &input).await;
        assert_eq!(r.status, 422, "create run accepted {input}: {}", r.text);
        let body = r.json();
        assert_eq!(body["type"], "error", "{}", r.text);
        let mut want = vec![json!("body")];
        want.extend(tail.iter().cloned());
        let locs: Vec<&Value> = body["error"]["detail"]["errors"]
            .as_array()
            .expect("errors listed")
            .iter()
            .map(|e| &e["loc"])
            .collect();
        assert_eq!(locs, [&json!(want)], "{}", r.text);

        let r = add(
            &api,
            &g,
            json!({"inputs": [{"input": "ok", "processor": "lite"}, input]}),
        )
        .await;
        let d = first_detail(&r);
        let mut want = vec![json!("body"), json!("inputs"), json!(1)];
        want.extend(tail);
        assert_eq!(d["loc"], json!(want), "{}", r.text);
        assert_eq!(
            r.json()["detail"].as_array().map(Vec::len),
            Some(1),
            "{}",
            r.text
        );
    }
    assert_eq!(emu.stats().runs_created, 0, "no invalid body created a run");
}

#[tokio::test]
async fn mcp_server_headers_are_never_echoed() {
    let (_emu, api) = start().await;
    let secret = "Bearer s3cr3t-value";
    let input = json!({
        "input": "x", "processor": "lite",
        "mcp_servers": [{"type": "url", "url": "https://m.example", "name": "m", "headers": {"authorization": secret}}]
    });
    let run = api.create_run(&input).await;
    let echoed = api.get(&format!("/v1/tasks/runs/{run}/input")).await;
    assert_eq!(echoed.status, 200, "{}", echoed.text);
    assert!(!echoed.text.contains(secret), "{}", echoed.text);
    assert_eq!(echoed.json()["mcp_servers"][0]["url"], "https://m.example");

    let g = api.group().await;
    let r = add(&api, &g, json!({"inputs": [input]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let stream = api
        .get(&format!("/v1/tasks/groups/{g}/runs?include_input=true"))
        .await;
    assert_eq!(stream.status, 200, "{}", stream.text);
    let frames = common::frames(&stream.text);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].json()["input"]["mcp_servers"][0]["name"], "m");
    assert!(!stream.text.contains(secret), "{}", stream.text);
}

/// Status of an add-runs POST of `inputs`.
async fn add_status(api: &common::Api, g: &str, inputs: Vec<Value>) -> u16 {
    add(api, g, json!({ "inputs": inputs })).await.status
}

/// One `lite` run input with `input` and `extra` fields.
fn run(input: Value, extra: Value) -> Value {
    let mut run = json!({"input": input, "processor": "lite"});
    if let (Some(run), Some(extra)) = (run.as_object_mut(), extra.as_object()) {
        run.extend(extra.clone());
    }
    run
}

#[tokio::test]
async fn documented_limits_hold_at_limit_minus_one_the_limit_and_limit_plus_one() {
    // Each limit at n-1, n (accepted) and n+1 (refused). Lengths use `é`, a
    // two-byte character: the limits count characters, not bytes.
    let (emu, api) = start().await;
    let g = api.group().await;
    let expect = [200, 200, 422];
    let at_each = |limit: usize| [limit - 1, limit, limit + 1];
    let text = |n: usize| "é".repeat(n);

    let mut got = Vec::new();
    for n in at_each(1_000) {
        got.push(add_status(&api, &g, vec![run(json!("x"), json!({})); n]).await);
    }
    assert_eq!(got, expect, "runs per add-runs POST");

    let mut got = Vec::new();
    for n in at_each(16) {
        let meta = json!({"metadata": {text(n): "v"}});
        got.push(add_status(&api, &g, vec![run(json!("x"), meta)]).await);
    }
    assert_eq!(got, expect, "metadata key characters");

    let mut got = Vec::new();
    for n in at_each(512) {
        let meta = json!({"metadata": {"k": text(n)}});
        got.push(add_status(&api, &g, vec![run(json!("x"), meta)]).await);
    }
    assert_eq!(got, expect, "metadata value characters");

    // A string input counts its characters (no task spec here).
    let mut got = Vec::new();
    for n in at_each(25_000) {
        got.push(add_status(&api, &g, vec![run(json!(text(n)), json!({}))]).await);
    }
    assert_eq!(got, expect, "task spec plus input characters");

    let mut got = Vec::new();
    for n in at_each(200) {
        let include: Vec<String> = (0..n / 2).map(|i| format!("a{i}.com")).collect();
        let exclude: Vec<String> = (0..n - n / 2).map(|i| format!("b{i}.com")).collect();
        let policy =
            json!({"source_policy": {"include_domains": include, "exclude_domains": exclude}});
        got.push(add_status(&api, &g, vec![run(json!("x"), policy)]).await);
    }
    assert_eq!(got, expect, "source policy domains");

    let mut got = Vec::new();
    for n in at_each(5) {
        let spec = json!({"output_schema": {"type": "json", "json_schema": nested(n)}});
        got.push(
            add_status(
                &api,
                &g,
                vec![run(json!("x"), json!({ "task_spec": spec }))],
            )
            .await,
        );
    }
    assert_eq!(got, expect, "output schema depth");
    // Every accepted POST created its runs; no refused one created any.
    assert_eq!(
        emu.stats().runs_created,
        (999 + 1_000 + 2 * 5) as u64,
        "{:?}",
        emu.stats()
    );
}
