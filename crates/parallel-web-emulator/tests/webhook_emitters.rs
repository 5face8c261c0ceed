//! Webhooks from FindAll runs and monitors: what each sends, to whom, and
//! that it is sent as things happen, not when someone looks.

mod common;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use common::{builder, start_with};
use serde_json::{Value, json};
use std::collections::HashSet;
use tokio::sync::mpsc;

/// Starts a receiver that answers 200 and hands over each body as JSON.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    async fn receive(State(tx): State<mpsc::UnboundedSender<Value>>, body: Bytes) {
        let _ = tx.send(serde_json::from_slice(&body).expect("a JSON body"));
    }
    let app = Router::new().route("/hook", post(receive)).with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

fn findall(limit: u64, webhook: Value) -> Value {
    json!({
        "objective": "AI startups in Berlin",
        "entity_type": "companies",
        "match_conditions": [
            {"name": "series_a", "description": "Raised a Series A."},
            {"name": "in_berlin", "description": "Based in Berlin."}
        ],
        "generator": "core",
        "match_limit": limit,
        "webhook": webhook,
    })
}

const FINDALL_TYPES: [&str; 7] = [
    "findall.candidate.generated",
    "findall.candidate.matched",
    "findall.candidate.unmatched",
    "findall.candidate.enriched",
    "findall.run.completed",
    "findall.run.cancelled",
    "findall.run.failed",
];

#[tokio::test]
async fn a_findall_webhook_without_types_gets_candidates_and_the_completed_run_but_no_progress_events()
 {
    let (url, mut seen) = receiver().await;
    let (_emu, api) = start_with(builder()).await;
    let r = api
        .post("/v1beta/findall/runs", &findall(5, json!({"url": url})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.json()["findall_id"].clone();

    let mut kinds = HashSet::new();
    loop {
        let body = seen.recv().await.unwrap();
        let kind = body["type"].as_str().unwrap().to_owned();
        assert!(FINDALL_TYPES.contains(&kind.as_str()), "{kind}");
        assert!(common::is_timestamp(&body["timestamp"]), "{body}");
        if kind.starts_with("findall.candidate.") {
            let status = body["data"]["match_status"].as_str().unwrap();
            assert_eq!(kind, format!("findall.candidate.{status}"), "{body}");
            assert!(body["data"]["candidate_id"].is_string());
        }
        kinds.insert(kind.clone());
        if kind == "findall.run.completed" {
            assert_eq!(body["data"]["findall_id"], id);
            assert_eq!(body["data"]["status"]["status"], "completed");
            assert_eq!(
                body["data"]["status"]["termination_reason"],
                "match_limit_met"
            );
            break;
        }
    }
    for kind in [
        "findall.candidate.generated",
        "findall.candidate.matched",
        "findall.candidate.unmatched",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
}

#[tokio::test]
async fn cancelling_a_findall_run_delivers_the_cancelled_run_to_a_webhook_that_asked_only_for_that()
{
    let (url, mut seen) = receiver().await;
    // Slow enough that the run is still queued when it is cancelled.
    let (emu, api) = start_with(builder().time_scale(100.0)).await;
    let hook = json!({"url": url, "event_types": ["findall.run.cancelled"]});
    let r = api.post("/v1beta/findall/runs", &findall(5, hook)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.json()["findall_id"].as_str().unwrap().to_owned();
    let r = api
        .post(&format!("/v1beta/findall/runs/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let body = seen.recv().await.unwrap();
    assert_eq!(body["type"], "findall.run.cancelled");
    assert_eq!(body["data"]["findall_id"], json!(id));
    assert_eq!(
        body["data"]["status"]["termination_reason"],
        "user_cancelled"
    );
    let deliveries = emu.wait_for_webhook_deliveries(1).await;
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    assert!(deliveries[0].delivered);
}

#[tokio::test]
async fn a_findall_webhook_naming_a_monitor_type_is_refused_but_the_official_sdks_type_is_taken() {
    let (_emu, api) = start_with(builder()).await;
    let hook = json!({"url": "http://127.0.0.1:9/hook", "event_types": ["monitor.event.detected"]});
    let r = api.post("/v1beta/findall/runs", &findall(5, hook)).await;
    assert_eq!(r.status, 422, "{}", r.text);
    // The error names the field, in either of the two error shapes.
    let v = r.json();
    let details = v["detail"]
        .as_array()
        .or(v["error"]["detail"]["errors"].as_array())
        .cloned()
        .unwrap_or_default();
    assert!(
        details.iter().any(|d| {
            let loc = d["loc"].to_string();
            loc.contains("webhook") && loc.contains("event_types")
        }),
        "{}",
        r.text
    );
    // The official SDKs' types only offer `task_run.status` for FindAll.
    let hook = json!({"url": "http://127.0.0.1:9/hook", "event_types": ["task_run.status"]});
    let r = api.post("/v1beta/findall/runs", &findall(5, hook)).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn each_monitor_notice_is_delivered_once_with_the_notice_as_its_data() {
    let (url, mut seen) = receiver().await;
    let (emu, api) = start_with(builder()).await;
    let body = json!({
        "type": "event_stream",
        "frequency": "1d",
        "settings": {"query": "grid-scale battery projects"},
        "webhook": {"url": url},
        "metadata": {"team": "energy"},
    });
    let r = api.post("/v1/monitors", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json()["monitor_id"].as_str().unwrap().to_owned();
    for _ in 0..5 {
        let r = api
            .post(&format!("/v1/monitors/{id}/trigger"), &json!({}))
            .await;
        assert_eq!(r.status, 204, "{}", r.text);
    }
    // No event types: every check is a notice (the first and five triggered).
    let notices = emu.monitor_notices(0);
    assert_eq!(notices.len(), 6);
    let mut expected: Vec<(String, String)> = notices
        .iter()
        .map(|n| (n.event_type.to_owned(), n.data.to_string()))
        .collect();
    let mut got = Vec::new();
    for _ in 0..notices.len() {
        let body = seen.recv().await.unwrap();
        assert_eq!(body["data"]["metadata"]["team"], "energy");
        got.push((
            body["type"].as_str().unwrap().to_owned(),
            body["data"].to_string(),
        ));
    }
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    let deliveries = emu.wait_for_webhook_deliveries(notices.len()).await;
    assert_eq!(deliveries.len(), notices.len(), "no notice sent twice");
}
