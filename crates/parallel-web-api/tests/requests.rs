//! For each of the 18 operations: the request the generated client puts on
//! the wire equals the one the official Python SDK sends for the same call
//! (captured requests in the project's API notes, section 2).
//!
//! Compared: method, path, query (as sorted pairs: the SDK sorts them,
//! progenitor keeps spec order, servers ignore order), `accept`,
//! `content-type`, `parallel-beta`, `x-api-key`, and the JSON body (compact,
//! compared as JSON because object key order is not significant).
//! Not compared: the SDK's own `user-agent` and `x-stainless-*` headers.
//! Beta-era Python SDKs also forced `parallel-beta: search-extract-2025-10-10`
//! on `/v1beta` group calls that have no such parameter in the spec; the
//! generated client sends the header only where the spec declares it.

mod support;

use parallel_web_api::types;
use serde_json::{Value, json};
use support::{API_KEY, Captured, Reply, client, serve_once};

const TASK_RUN: &str = r#"{"run_id":"trun_1","interaction_id":"trun_1","status":"queued","is_active":true,"warnings":null,"error":null,"processor":"base","metadata":null,"taskgroup_id":null,"created_at":"2025-04-24T18:56:22.513132Z","modified_at":"2025-04-24T18:56:22.513132Z"}"#;
const GROUP_STATUS: &str = r#"{"num_task_runs":0,"task_run_status_counts":{},"is_active":false,"status_message":null,"modified_at":null}"#;

fn task_group() -> String {
    format!(
        r#"{{"taskgroup_id":"tgrp_1","metadata":null,"status":{GROUP_STATUS},"created_at":"2025-04-24T18:56:22.513132Z"}}"#
    )
}

fn task_group_runs() -> String {
    format!(
        r#"{{"status":{GROUP_STATUS},"run_ids":["trun_1"],"run_cursor":null,"event_cursor":null}}"#
    )
}

/// What the official SDK sent. Starts from what every SDK request has in
/// common (`accept: application/json`, no query, no beta header).
struct Expected<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    accept: &'a str,
    parallel_beta: Option<&'a str>,
    body: Option<Value>,
}

impl<'a> Expected<'a> {
    /// A `GET` of `path`, without a body.
    fn get(path: &'a str) -> Self {
        Self {
            method: "GET",
            path,
            query: &[],
            accept: "application/json",
            parallel_beta: None,
            body: None,
        }
    }

    /// A `POST` of the JSON `body` to `path`.
    fn post(path: &'a str, body: Value) -> Self {
        Self {
            method: "POST",
            body: Some(body),
            ..Self::get(path)
        }
    }

    fn query(self, query: &'a [(&'a str, &'a str)]) -> Self {
        Self { query, ..self }
    }

    /// Asks for server-sent events, as the SDKs do on the stream operations.
    fn event_stream(self) -> Self {
        Self {
            accept: "text/event-stream",
            ..self
        }
    }

    fn parallel_beta(self, betas: &'a str) -> Self {
        Self {
            parallel_beta: Some(betas),
            ..self
        }
    }
}

fn assert_request(captured: &Captured, expected: Expected<'_>) {
    assert_eq!(captured.method, expected.method, "method");
    assert_eq!(captured.path(), expected.path, "path");
    let query: Vec<(String, String)> = expected
        .query
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert_eq!(captured.query(), query, "query of {}", captured.target);
    assert_eq!(captured.header("accept"), Some(expected.accept), "accept");
    assert_eq!(
        captured.header("parallel-beta"),
        expected.parallel_beta,
        "parallel-beta"
    );
    assert_eq!(captured.header("x-api-key"), Some(API_KEY), "x-api-key");
    assert_eq!(
        captured.header("api-version"),
        None,
        "api-version must not be sent"
    );
    match expected.body {
        Some(body) => {
            assert_eq!(
                captured.header("content-type"),
                Some("application/json"),
                "content-type"
            );
            assert_eq!(captured.json(), body, "body");
            let compact = serde_json::to_string(&captured.json()).unwrap();
            assert_eq!(captured.body.len(), compact.len(), "body is compact JSON");
        }
        None => {
            assert_eq!(
                captured.header("content-type"),
                None,
                "content-type without a body"
            );
            assert!(captured.body.is_empty(), "no body");
        }
    }
}

fn metadata(
    entries: &[(&str, types::CreateTaskGroupRequestMetadataValue)],
) -> std::collections::BTreeMap<String, types::CreateTaskGroupRequestMetadataValue> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn text_input(input: &str, processor: &str) -> types::TaskRunInput {
    types::TaskRunInput::builder()
        .processor(processor)
        .input(parallel_web_api::InputValue::text(input))
        .try_into()
        .unwrap()
}

/// Built with the generated builders, like every generated struct outside
/// the generated code: a new optional field in the spec breaks nothing.
fn add_runs_body() -> types::TaskGroupRunRequest {
    let spec: types::TaskSpec = types::TaskSpec::builder()
        .output_schema(types::TaskSpecOutputSchema::String("a string".into()))
        .try_into()
        .unwrap();
    types::TaskGroupRunRequest::builder()
        .default_task_spec(Some(spec))
        .inputs(vec![text_input("q", "base")])
        .try_into()
        .unwrap()
}

const ADD_RUNS_BODY: &str = r#"{"inputs":[{"input":"q","processor":"base"}],"default_task_spec":{"output_schema":"a string"}}"#;

#[tokio::test]
async fn task_group_create_matches_the_python_sdk() {
    use types::CreateTaskGroupRequestMetadataValue as V;
    let (url, server) = serve_once(Reply::json(200, &task_group())).await;
    let body: types::CreateTaskGroupRequest = types::CreateTaskGroupRequest::builder()
        .metadata(Some(metadata(&[
            ("k", V::String("v".into())),
            ("n", V::Integer(1)),
            ("b", V::Boolean(true)),
        ])))
        .try_into()
        .unwrap();
    client(&url)
        .task_group_create()
        .body(body)
        .send()
        .await
        .unwrap();
    assert_request(
        &server.await.unwrap(),
        Expected::post(
            "/v1/tasks/groups",
            json!({"metadata":{"k":"v","n":1,"b":true}}),
        ),
    );
}

#[tokio::test]
async fn beta_task_group_create_without_arguments_sends_an_empty_object() {
    let (url, server) = serve_once(Reply::json(200, &task_group())).await;
    client(&url)
        .beta_task_group_create()
        .body(types::CreateTaskGroupRequest::default())
        .send()
        .await
        .unwrap();
    assert_request(
        &server.await.unwrap(),
        Expected::post("/v1beta/tasks/groups", json!({})),
    );
}

#[tokio::test]
async fn task_group_add_runs_matches_the_python_sdk() {
    let (url, server) = serve_once(Reply::json(200, &task_group_runs())).await;
    client(&url)
        .task_group_add_runs()
        .taskgroup_id("tgrp_1")
        .refresh_status(false)
        .parallel_beta("mcp-server-2025-07-17,search-extract-2025-10-10")
        .body(add_runs_body())
        .send()
        .await
        .unwrap();
    assert_request(
        &server.await.unwrap(),
        Expected::post(
            "/v1/tasks/groups/tgrp_1/runs",
            serde_json::from_str(ADD_RUNS_BODY).unwrap(),
        )
        .query(&[("refresh_status", "false")])
        .parallel_beta("mcp-server-2025-07-17,search-extract-2025-10-10"),
    );
}

#[tokio::test]
async fn beta_task_group_add_runs_matches_the_python_sdk() {
    let (url, server) = serve_once(Reply::json(200, &task_group_runs())).await;
    client(&url)
        .beta_task_group_add_runs()
        .taskgroup_id("tgrp_1")
        .parallel_beta("mcp-server-2025-07-17,search-extract-2025-10-10")
        .body(add_runs_body())
        .send()
        .await
        .unwrap();
    assert_request(
        &server.await.unwrap(),
        Expected::post(
            "/v1beta/tasks/groups/tgrp_1/runs",
            serde_json::from_str(ADD_RUNS_BODY).unwrap(),
        )
        .parallel_beta("mcp-server-2025-07-17,search-extract-2025-10-10"),
    );
}

const RUNS_QUERY: &[(&str, &str)] = &[
    ("include_input", "true"),
    ("include_output", "false"),
    ("last_event_id", "7"),
    ("status", "completed"),
];

/// One test for a group operation whose GA and beta forms take the same
/// arguments and send the same request, apart from the `/v1` or `/v1beta`
/// prefix: it makes the call through both methods and checks each request.
macro_rules! ga_and_beta_send_the_same_request {
    (
        $test:ident: $ga:ident | $beta:ident $(.$setter:ident($($arg:expr),*))*,
        reply: $reply:expr,
        expect: |$prefix:ident| $expected:expr $(,)?
    ) => {
        #[tokio::test]
        async fn $test() {
            for (beta, $prefix) in [(false, "/v1"), (true, "/v1beta")] {
                let (url, server) = serve_once($reply).await;
                let client = client(&url);
                if beta {
                    client.$beta()$(.$setter($($arg),*))*.send().await.unwrap();
                } else {
                    client.$ga()$(.$setter($($arg),*))*.send().await.unwrap();
                }
                assert_request(&server.await.unwrap(), $expected);
            }
        }
    };
}

ga_and_beta_send_the_same_request! {
    task_group_retrieve_matches_the_python_sdk:
        task_group_retrieve | beta_task_group_retrieve.taskgroup_id("tgrp_1"),
    reply: Reply::json(200, &task_group()),
    expect: |prefix| Expected::get(&format!("{prefix}/tasks/groups/tgrp_1")),
}

ga_and_beta_send_the_same_request! {
    task_group_get_runs_matches_the_python_sdk:
        task_group_get_runs | beta_task_group_get_runs
            .taskgroup_id("tgrp_1")
            .include_input(true)
            .include_output(false)
            .last_event_id("7")
            .status(parallel_web_api::open::TaskRunStatus::Completed),
    reply: Reply::events(""),
    expect: |prefix| Expected::get(&format!("{prefix}/tasks/groups/tgrp_1/runs"))
        .query(RUNS_QUERY)
        .event_stream(),
}

ga_and_beta_send_the_same_request! {
    task_group_events_matches_the_python_sdk:
        task_group_events | beta_task_group_events
            .taskgroup_id("tgrp_1")
            .last_event_id("9")
            .timeout(30.5),
    reply: Reply::events(""),
    expect: |prefix| Expected::get(&format!("{prefix}/tasks/groups/tgrp_1/events"))
        .query(&[("last_event_id", "9"), ("timeout", "30.5")])
        .event_stream(),
}

// The beta-era SDKs have no method for this call; the beta form is checked
// against the GA call's request on the beta path.
ga_and_beta_send_the_same_request! {
    task_group_retrieve_run_matches_the_python_sdk:
        task_group_retrieve_run | beta_task_group_retrieve_run
            .taskgroup_id("tgrp_1")
            .run_id("trun_1"),
    reply: Reply::json(200, TASK_RUN),
    expect: |prefix| Expected::get(&format!("{prefix}/tasks/groups/tgrp_1/runs/trun_1")),
}

#[tokio::test]
async fn task_run_create_matches_the_python_sdk() {
    let (url, server) = serve_once(Reply::json(202, TASK_RUN)).await;
    let input: serde_json::Map<String, Value> = serde_json::from_str(r#"{"q":1}"#).unwrap();
    let body: types::TaskRunInput = types::TaskRunInput::builder()
        .processor("base")
        .input(parallel_web_api::InputValue::from(input))
        .enable_events(Some(true))
        .try_into()
        .unwrap();
    client(&url)
        .task_run_create()
        .parallel_beta("events-sse-2025-07-24")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_request(
        &server.await.unwrap(),
        Expected::post(
            "/v1/tasks/runs",
            json!({"input":{"q":1},"processor":"base","enable_events":true}),
        )
        .parallel_beta("events-sse-2025-07-24"),
    );
}

#[tokio::test]
async fn task_run_retrieve_matches_the_python_sdk() {
    let (url, server) = serve_once(Reply::json(200, TASK_RUN)).await;
    client(&url)
        .task_run_retrieve()
        .run_id("trun_1")
        .send()
        .await
        .unwrap();
    assert_request(
        &server.await.unwrap(),
        Expected::get("/v1/tasks/runs/trun_1"),
    );
}

#[tokio::test]
async fn task_run_input_matches_the_python_sdk() {
    let (url, server) = serve_once(Reply::json(200, r#"{"processor":"base","input":"q"}"#)).await;
    let input = client(&url)
        .task_run_input()
        .run_id("trun_1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(input, text_input("q", "base"));
    assert_request(
        &server.await.unwrap(),
        Expected::get("/v1/tasks/runs/trun_1/input"),
    );
}

#[tokio::test]
async fn task_run_result_sends_timeout_as_a_query_parameter() {
    let result =
        format!(r#"{{"run":{TASK_RUN},"output":{{"basis":[],"type":"text","content":"x"}}}}"#);
    let (url, server) = serve_once(Reply::json(200, &result)).await;
    client(&url)
        .task_run_result()
        .run_id("trun_1")
        .timeout(5)
        .parallel_beta("field-basis-2025-11-25")
        .send()
        .await
        .unwrap();
    assert_request(
        &server.await.unwrap(),
        Expected::get("/v1/tasks/runs/trun_1/result")
            .query(&[("timeout", "5")])
            .parallel_beta("field-basis-2025-11-25"),
    );
}

ga_and_beta_send_the_same_request! {
    task_run_events_matches_the_python_sdk:
        task_run_events | beta_task_run_events.run_id("trun_1"),
    reply: Reply::events(""),
    expect: |prefix| Expected::get(&format!("{prefix}/tasks/runs/trun_1/events")).event_stream(),
}

#[tokio::test]
async fn path_parameters_are_percent_encoded() {
    let (url, server) = serve_once(Reply::json(200, TASK_RUN)).await;
    client(&url)
        .task_run_retrieve()
        .run_id("a b/c")
        .send()
        .await
        .unwrap();
    assert_eq!(server.await.unwrap().path(), "/v1/tasks/runs/a%20b%2Fc");
}
