//! Monitor request shapes and decoding, against httpmock over real HTTP:
//! what the emulator cannot show (an event kind from a newer server) and
//! exactly what goes on the wire.

use std::time::Duration;

use futures::TryStreamExt;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use parallel_web::types::MonitorListStatusItem;
use parallel_web::{Client, MonitorEvent, RetryPolicy};
use serde_json::json;

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::default().initial_delay(Duration::from_millis(1)))
        .build()
        .unwrap()
}

fn monitor_json(id: &str) -> serde_json::Value {
    json!({"type": "event_stream", "monitor_id": id, "status": "active", "frequency": "1d",
           "processor": "lite", "created_at": "2025-04-24T18:56:22.513132Z",
           "settings": {"query": "x"}})
}

#[tokio::test]
async fn an_event_kind_from_a_newer_server_is_kept_and_the_cursor_is_followed() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/monitors/monitor_1/events")
                .query_param("limit", "2")
                .query_param("include_completions", "true")
                .query_param_missing("cursor")
                .header("x-api-key", "test-key");
            then.status(200).json_body(json!({
                "events": [
                    {"event_type": "digest", "summary": "three things happened"},
                    {"event_type": "completion", "timestamp": "2025-04-24T18:56:22Z"}
                ],
                "next_cursor": "c2"
            }));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/monitors/monitor_1/events")
                .query_param("cursor", "c2");
            then.status(200).json_body(json!({"events": [
                {"event_type": "error", "error_message": "boom", "timestamp": "2025-04-24T18:56:22Z"}
            ]}));
        })
        .await;
    let events: Vec<MonitorEvent> = client(&server)
        .monitors()
        .monitor("monitor_1")
        .events()
        .include_completions(true)
        .page_size(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    first.assert_async().await;
    second.assert_async().await;
    assert!(
        matches!(&events[0], MonitorEvent::Unknown { event_type, raw } if event_type == "digest" && raw.contains("three things")),
        "{:?}",
        events[0]
    );
    assert!(matches!(events[1], MonitorEvent::Completion(_)));
    assert!(matches!(&events[2], MonitorEvent::Error(e) if e.error_message == "boom"));
}

#[tokio::test]
async fn removing_the_webhook_and_metadata_sends_nulls() {
    let server = MockServer::start_async().await;
    let update = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/monitors/monitor_1/update")
                .json_body(json!({"frequency": "2d", "webhook": null, "metadata": null}));
            then.status(200).json_body(monitor_json("monitor_1"));
        })
        .await;
    client(&server)
        .monitors()
        .monitor("monitor_1")
        .update()
        .frequency("2d")
        .remove_webhook()
        .remove_metadata()
        .await
        .unwrap();
    update.assert_async().await;
}

#[tokio::test]
async fn the_status_filter_repeats_the_parameter_and_the_list_follows_cursors() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/monitors")
                .query_param("status", "active")
                .query_param("status", "cancelled")
                .query_param_missing("cursor");
            then.status(200)
                .json_body(json!({"monitors": [monitor_json("monitor_2")], "next_cursor": "n"}));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/monitors")
                .query_param("cursor", "n");
            then.status(200)
                .json_body(json!({"monitors": [monitor_json("monitor_1")]}));
        })
        .await;
    let ids: Vec<String> = client(&server)
        .monitors()
        .list()
        .statuses([
            MonitorListStatusItem::Active,
            MonitorListStatusItem::Cancelled,
        ])
        .stream()
        .map_ok(|m| m.monitor_id)
        .try_collect()
        .await
        .unwrap();
    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(ids, ["monitor_2", "monitor_1"]);
}

#[tokio::test]
async fn a_trigger_is_not_repeated_after_a_connection_that_may_have_reached_the_server() {
    // A server that accepts the request and closes without answering.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = vec![0u8; 4096];
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await;
            drop(socket);
        }
    });
    let client = Client::builder()
        .api_key("k")
        .base_url(format!("http://{addr}"))
        .retry_policy(RetryPolicy::default().initial_delay(Duration::from_millis(1)))
        .build()
        .unwrap();
    let e = client
        .monitors()
        .monitor("monitor_1")
        .trigger()
        .await
        .unwrap_err();
    assert!(e.status().is_none(), "{e}");
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
}
