//! FindAll request shapes, headers, error mapping and the checks made
//! before sending, against httpmock over real HTTP (the typed mocks of
//! `parallel-web-api-httpmock` where a request's body is pinned).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use parallel_web::types::{
    FindAllCandidatesRequestEntityType, FindAllRunInput, FindAllRunInputGenerator, FindAllStatus,
};
use parallel_web::{
    CandidateEventKind, Client, Error, FindAllEvent, Jitter, RetryPolicy, WithOptions, beta,
};
use parallel_web_api_httpmock::MockServerExt;
use serde_json::{Value, json};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::default().initial_delay(Duration::from_millis(1)))
        .stream_backoff(RetryPolicy::default().initial_delay(Duration::from_millis(1)))
        .build()
        .unwrap()
}

fn run_json(status: &str, active: bool, generated: i64, matched: i64) -> Value {
    json!({"findall_id": "findall_1", "generator": "core", "metadata": null,
           "status": {"status": status, "is_active": active,
                      "metrics": {"generated_candidates_count": generated,
                                  "matched_candidates_count": matched}}})
}

fn status_event(id: &str, status: &str, active: bool, generated: i64) -> String {
    let event = json!({"type": "findall.status", "event_id": id,
                       "timestamp": "2025-09-15T00:00:00Z",
                       "data": run_json(status, active, generated, generated / 2)});
    format!("data: {event}\n\n")
}

fn candidate_event(id: &str, kind: &str, name: &str) -> String {
    let event = json!({"type": kind, "event_id": id, "timestamp": "2025-09-15T00:00:00Z",
                       "data": {"candidate_id": format!("cand_{name}"), "name": name,
                                "url": format!("https://{name}.example"),
                                "match_status": "matched"}});
    format!("data: {event}\n\n")
}

#[tokio::test]
async fn create_sends_the_documented_body_with_the_findall_beta() {
    let server = MockServer::start_async().await;
    let body: FindAllRunInput = serde_json::from_value(json!({
        "objective": "AI startups in Lisbon",
        "entity_type": "companies",
        "match_conditions": [{"name": "in_lisbon", "description": "Headquartered in Lisbon"}],
        "generator": "pro",
        "match_limit": 25,
        "exclude_list": [{"name": "Acme", "url": "https://acme.example"}],
        "metadata": {"team": "research"},
        "memory_scope_key": "scope-1"
    }))
    .unwrap();
    let mock = server.findall_create(|when, then| {
        when.parallel_beta(beta::FINDALL).body(&body);
        then.into_inner()
            .status(200)
            .json_body(run_json("queued", true, 0, 0));
    });
    let run = client(&server)
        .findall()
        .create("AI startups in Lisbon")
        .entity_type("companies")
        .match_condition("in_lisbon", "Headquartered in Lisbon")
        .generator(FindAllRunInputGenerator::Pro)
        .match_limit(25)
        .exclude("Acme", "https://acme.example")
        .metadata([("team", "research")])
        .memory_scope_key("scope-1")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(run.id(), "findall_1");
    assert_eq!(run.info().unwrap().status.status, FindAllStatus::Queued);
}

#[tokio::test]
async fn betas_asked_for_on_the_client_are_sent_beside_findall() {
    let server = MockServer::start_async().await;
    let mock = server.findall_retrieve(|when, then| {
        when.findall_id("findall_1")
            .parallel_beta("field-basis-2025-11-25,findall-2025-09-15");
        then.into_inner()
            .status(200)
            .json_body(run_json("running", true, 3, 1));
    });
    let client = Client::builder()
        .api_key("k")
        .base_url(server.base_url())
        .beta(beta::FIELD_BASIS)
        .build()
        .unwrap();
    let run = client.findall().get("findall_1").status().await.unwrap();
    mock.assert_async().await;
    assert_eq!(run.status.metrics.generated_candidates_count, 3);
}

#[tokio::test]
async fn bad_inputs_are_refused_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let fa = client(&server).findall();
    let good = || {
        fa.create("Robotics companies")
            .entity_type("companies")
            .match_condition("robots", "Builds robots")
    };
    let cases = [
        (
            "match limit below 5",
            good().match_limit(4).await.map(|_| ()),
            "match_limit",
        ),
        (
            "match limit above 1000",
            good().match_limit(1001).await.map(|_| ()),
            "match_limit",
        ),
        (
            "no match condition",
            fa.create("x").entity_type("companies").await.map(|_| ()),
            "match_conditions",
        ),
        (
            "no entity type",
            fa.create("x").match_condition("a", "b").await.map(|_| ()),
            "entity_type",
        ),
        (
            "empty objective",
            fa.create("  ").entity_type("c").await.map(|_| ()),
            "objective",
        ),
        (
            "condition without description",
            good().match_condition("size", "").await.map(|_| ()),
            "match_conditions[1].description",
        ),
        (
            "condition name used twice",
            good()
                .match_condition("robots", "Sells robots")
                .await
                .map(|_| ()),
            "match_conditions[1].name",
        ),
        (
            "metadata key too long",
            good().metadata([("k".repeat(17), "v")]).await.map(|_| ()),
            "metadata.kkkkkkkkkkkkkkkkk",
        ),
        (
            "extend by 0",
            fa.get("findall_1").extend(0).await.map(|_| ()),
            "additional_match_limit",
        ),
        (
            "enrichment without fields",
            fa.get("findall_1")
                .enrich_schema(json!({"type": "object", "properties": {}}))
                .await
                .map(|_| ()),
            "output_schema",
        ),
        (
            "candidates limit below 5",
            fa.candidates(FindAllCandidatesRequestEntityType::Company, "x", 2)
                .await
                .map(|_| ()),
            "match_limit",
        ),
        (
            "ingest of nothing",
            fa.ingest("").await.map(|_| ()),
            "objective",
        ),
    ];
    for (what, result, field) in cases {
        match result {
            Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field, "{what}"),
            other => panic!("{what}: {other:?}"),
        }
    }
    // The catch-all answers 500: a request that got through would be an
    // API error above, and a call here.
    assert_eq!(any.calls_async().await, 0, "nothing was sent");
}

#[tokio::test]
async fn a_create_that_may_have_reached_the_server_is_not_sent_again() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1beta/findall/runs");
            then.status(503).body("busy");
        })
        .await;
    let err = client(&server)
        .findall()
        .create("x")
        .entity_type("companies")
        .match_condition("a", "b")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(
        mock.calls_async().await,
        1,
        "a paid create is never repeated"
    );
}

#[tokio::test]
async fn cancelling_a_finished_run_is_an_api_error_with_the_servers_status() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1beta/findall/runs/findall_1/cancel")
                .header("parallel-beta", beta::FINDALL);
            then.status(409)
                .json_body(json!({"type": "error", "error": {
                "ref_id": "r1", "message": "The run already finished"}}));
        })
        .await;
    // One call: a 409 is retried by default (the one retry predicate).
    let err = client(&server)
        .findall()
        .get("findall_1")
        .cancel()
        .max_retries(0)
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert_eq!(err.status(), Some(409), "{err:?}");
    assert!(err.to_string().contains("already finished"), "{err}");
}

#[tokio::test]
async fn the_event_stream_resumes_from_its_last_event_when_closed_before_the_run_stops() {
    let server = MockServer::start_async().await;
    let first = format!(
        "{}{}",
        status_event("e1", "running", true, 0),
        candidate_event("e2", "findall.candidate.matched", "acme")
    );
    let opened = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1beta/findall/runs/findall_1/events")
                .header("parallel-beta", beta::FINDALL)
                .query_param("timeout", "30.0")
                .query_param_missing("last_event_id");
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(first);
        })
        .await;
    let resumed = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1beta/findall/runs/findall_1/events")
                .query_param("last_event_id", "e2");
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(format!(
                    "{}{}",
                    r#"data: {"type":"findall.shiny_new","event_id":"e3","data":{}}"#.to_owned()
                        + "\n\n",
                    status_event("e4", "completed", false, 2)
                ));
        })
        .await;
    let events: Vec<FindAllEvent> = client(&server)
        .findall()
        .get("findall_1")
        .events()
        .api_timeout(Duration::from_secs(30))
        .await
        .unwrap()
        .map(Result::unwrap)
        .collect()
        .await;
    let ids: Vec<_> = events.iter().filter_map(FindAllEvent::event_id).collect();
    assert_eq!(ids, ["e1", "e2", "e3", "e4"]);
    assert!(matches!(
        &events[1],
        FindAllEvent::Candidate { kind: CandidateEventKind::Matched, candidate, .. } if candidate.name == "acme"
    ));
    assert!(
        matches!(&events[2], FindAllEvent::Unknown { kind, .. } if kind == "findall.shiny_new")
    );
    assert_eq!(
        (opened.calls_async().await, resumed.calls_async().await),
        (1, 1)
    );
}

#[tokio::test]
async fn wait_follows_the_events_and_reports_each_new_status() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1beta/findall/runs/findall_1");
            then.status(200).json_body(run_json("running", true, 0, 0));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1beta/findall/runs/findall_1/events");
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(format!(
                    "{}{}{}",
                    status_event("e1", "running", true, 4),
                    candidate_event("e2", "findall.candidate.generated", "acme"),
                    status_event("e3", "completed", false, 8)
                ));
        })
        .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let done = client(&server)
        .findall()
        .get("findall_1")
        .wait()
        .on_progress(move |p| log.lock().unwrap().push(p.to_string()))
        .await
        .unwrap();
    assert_eq!(done.status.status, FindAllStatus::Completed);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        seen[1].starts_with("running: 2 matched of 4 candidates"),
        "{seen:?}"
    );
    assert!(
        seen[2].starts_with("completed: 4 matched of 8 candidates"),
        "{seen:?}"
    );
}

// Real time, not paused: httpmock answers from its own thread, and paused
// time would fire the client's read timeout while the runtime waits for it.
#[tokio::test]
async fn wait_polls_when_the_event_stream_is_unavailable() {
    let server = MockServer::start_async().await;
    let polls = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1beta/findall/runs/findall_1");
            then.status(200).json_body(run_json("running", true, 0, 0));
        })
        .await;
    let stream = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1beta/findall/runs/findall_1/events");
            then.status(404)
                .json_body(json!({"type": "error", "error": {
                "ref_id": "r", "message": "no events here"}}));
        })
        .await;
    let err = client(&server)
        .findall()
        .get("findall_1")
        .wait()
        .jitter(Jitter::None)
        .poll_delay(Duration::from_millis(5), Duration::from_millis(5))
        .max_wait(Duration::from_millis(100))
        .await
        .unwrap_err();
    let Error::WaitTimeout(t) = err else {
        panic!("{err:?}")
    };
    assert!(t.to_string().contains("findall_1"), "{t}");
    assert_eq!(stream.calls_async().await, 1, "the stream was tried once");
    // The first status, then polls after the stream failed.
    assert!(t.polls >= 2, "{t:?}");
    assert_eq!(polls.calls_async().await, t.polls as usize);
}

#[tokio::test]
async fn enrich_sends_the_schema_of_the_rust_type() {
    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Funding {
        /// Total raised, in US dollars.
        total_raised_usd: Option<f64>,
    }
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1beta/findall/runs/findall_1/enrich")
                .header("parallel-beta", beta::FINDALL)
                .json_body_includes(r#"{"processor": "base"}"#)
                .body_includes("total_raised_usd")
                .body_includes("Total raised, in US dollars.");
            then.status(200).json_body(json!({
                "objective": "x", "entity_type": "companies",
                "match_conditions": [{"name": "a", "description": "b"}],
                "enrichments": [{"processor": "base", "output_schema": {
                    "type": "json", "json_schema": {"type": "object", "properties": {}}}}]}));
        })
        .await;
    let schema = client(&server)
        .findall()
        .get("findall_1")
        .enrich::<Funding>()
        .processor("base")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(schema.enrichments.map(|e| e.len()), Some(1));
}
