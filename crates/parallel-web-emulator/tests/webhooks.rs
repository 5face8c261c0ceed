//! Webhook deliveries: a finished run with a `webhook` is POSTed, signed, to
//! a local receiver, retried on failure, and every attempt is recorded.

mod common;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::{builder, start_with};
use parallel_web_emulator::{WEBHOOK_MAX_ATTEMPTS, WebhookDelivery};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// A request as the receiver saw it.
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone)]
struct Receiver {
    /// Statuses to answer, in order; 200 once they run out.
    script: Arc<Mutex<VecDeque<u16>>>,
    seen: mpsc::UnboundedSender<Received>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let _ = r.seen.send(Received { headers, body });
    let status = r.script.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

/// Starts a receiver answering `script`, then 200s; returns its URL and what it saw.
async fn receiver(script: &[u16]) -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Receiver {
        script: Arc::new(Mutex::new(script.iter().copied().collect())),
        seen: tx,
    };
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

fn run_with_webhook(url: &str) -> Value {
    json!({
        "input": "hello",
        "processor": "lite",
        "webhook": {"url": url, "event_types": ["task_run.status"]}
    })
}

fn statuses(deliveries: &[WebhookDelivery]) -> Vec<Option<u16>> {
    deliveries.iter().map(|d| d.status).collect()
}

#[tokio::test]
async fn a_finished_run_is_delivered_and_a_500_is_retried_with_the_same_id() {
    let (url, mut seen) = receiver(&[500]).await;
    let (emu, api) = start_with(builder()).await;
    let run = api.post("/v1/tasks/runs", &run_with_webhook(&url)).await;
    assert_eq!(run.status, 202, "{}", run.text);
    let run_id = run.json()["run_id"].as_str().unwrap().to_owned();

    let deliveries = emu.wait_for_webhook_deliveries(2).await;
    assert_eq!(statuses(&deliveries), [Some(500), Some(200)]);
    assert_eq!(
        deliveries
            .iter()
            .map(|d| (d.attempt, d.delivered))
            .collect::<Vec<_>>(),
        [(1, false), (2, true)]
    );
    assert_eq!(deliveries[0].webhook_id, deliveries[1].webhook_id);
    assert!(
        deliveries
            .iter()
            .all(|d| d.url == url && d.event_type == "task_run.status")
    );

    let first = seen.recv().await.unwrap();
    let second = seen.recv().await.unwrap();
    for r in [&first, &second] {
        assert_eq!(r.headers["webhook-id"], deliveries[0].webhook_id.as_str());
        assert_eq!(r.headers["content-type"], "application/json");
        let ts = r.headers["webhook-timestamp"].to_str().unwrap();
        assert!(ts.bytes().all(|b| b.is_ascii_digit()), "{ts}");
        let sig = r.headers["webhook-signature"].to_str().unwrap();
        assert!(sig.starts_with("v1,") && sig.len() == 3 + 44, "{sig}");
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["type"], "task_run.status");
        assert_eq!(body["data"]["run_id"], run_id.as_str());
        assert_eq!(body["data"]["status"], "completed");
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    }
}

#[tokio::test]
async fn an_unreachable_receiver_is_tried_the_documented_number_of_times() {
    // A port that was free a moment ago: connections are refused.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let (emu, api) = start_with(builder()).await;
    api.post("/v1/tasks/runs", &run_with_webhook(&url)).await;
    let n = WEBHOOK_MAX_ATTEMPTS as usize;
    let deliveries = emu.wait_for_webhook_deliveries(n).await;
    assert_eq!(deliveries.len(), n);
    assert!(
        deliveries
            .iter()
            .all(|d| d.status.is_none() && d.error.is_some() && !d.delivered)
    );
    assert_eq!(deliveries.last().unwrap().attempt, WEBHOOK_MAX_ATTEMPTS);
}

#[tokio::test]
async fn the_emulator_endpoint_lists_each_attempt() {
    let (url, _seen) = receiver(&[]).await;
    let (emu, api) = start_with(builder()).await;
    api.post(
        "/v1/tasks/runs",
        &json!({"input": "no hook", "processor": "lite"}),
    )
    .await;
    api.post("/v1/tasks/runs", &run_with_webhook(&url)).await;
    emu.wait_for_webhook_deliveries(1).await;
    let listed = api.get("/_emulator/webhooks").await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let listed = listed.json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["status"], 200);
    assert_eq!(listed[0]["attempt"], 1);
    assert_eq!(listed[0]["delivered"], true);
}

#[tokio::test]
async fn an_https_url_is_recorded_once_as_unsupported_and_not_retried() {
    let (emu, api) = start_with(builder()).await;
    api.post(
        "/v1/tasks/runs",
        &run_with_webhook("https://example.invalid/hook"),
    )
    .await;
    let first = emu.wait_for_webhook_deliveries(1).await.remove(0);
    let error = first.error.as_deref().unwrap_or_default();
    assert!(error.contains("http:// URLs only"), "{first:?}");
    // A second run's delivery is recorded after the first one's single attempt.
    api.post(
        "/v1/tasks/runs",
        &run_with_webhook("https://example.invalid/other"),
    )
    .await;
    let all = emu.wait_for_webhook_deliveries(2).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all[1].url.ends_with("/other"), "{all:?}");
}
