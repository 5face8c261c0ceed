//! Monitors and memory through the SDK, against the emulator.

use super::*;
use futures::TryStreamExt;
use parallel_web::types::{MonitorListStatusItem, MonitorListTypeItem};
use parallel_web::{MemoryKind, MonitorEvent, WithOptions};

#[derive(Debug, Deserialize, JsonSchema)]
struct Headline {
    /// What happened.
    headline: String,
}

#[tokio::test]
async fn create_trigger_and_page_events_reads_every_event_once_in_a_typed_form() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let monitor = client
        .monitors()
        .create()
        .event_stream("grid-scale battery projects")
        .frequency("1d")
        .output::<Headline>()
        .metadata("team", "energy")
        .await
        .unwrap();
    let info = monitor.info().unwrap();
    assert_eq!(info.frequency, "1d");
    assert_eq!(info.metadata.as_ref().unwrap()["team"], "energy");
    for _ in 0..60 {
        monitor.trigger().await.unwrap();
    }
    let events: Vec<MonitorEvent> = monitor
        .events()
        .page_size(7)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(events.len() > 30, "{}", events.len());
    let mut ids = HashSet::new();
    for e in &events {
        let MonitorEvent::Event(e) = e else {
            panic!("only event_stream events without completions: {e:?}");
        };
        assert!(ids.insert(e.event_id.clone()), "{} twice", e.event_id);
        let parallel_web::types::MonitorEventStreamEventOutput::JsonOutput(out) = &e.output else {
            panic!("an output schema gives JSON outputs");
        };
        let h: Headline = serde_json::from_value(json!(out.content)).unwrap();
        assert!(!h.headline.is_empty());
    }
    // One check's events, by its group id.
    let group = events[0].event_group_id().unwrap().to_owned();
    let page = monitor
        .events()
        .event_group_id(&group)
        .page(None)
        .await
        .unwrap();
    assert!(page.next_cursor.is_none());
    assert!(
        page.events
            .iter()
            .all(|e| e.event_group_id() == Some(group.as_str()))
    );
    let with: Vec<MonitorEvent> = monitor
        .events()
        .include_completions(true)
        .page_size(100)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let completions = with
        .iter()
        .filter(|e| matches!(e, MonitorEvent::Completion(_)))
        .count();
    assert_eq!(with.len(), events.len() + completions);
}

#[tokio::test]
async fn an_unknown_frequency_is_refused_before_anything_is_sent() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let e = client
        .monitors()
        .create()
        .event_stream("x")
        .frequency("every day")
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput { ref field, .. } if field == "frequency"),
        "{e}"
    );
    assert_eq!(client.request_count(), 0);
}

#[tokio::test]
async fn the_list_streams_every_page_and_filters_by_status_and_type() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let mut ids = Vec::new();
    for i in 0..5 {
        let m = client
            .monitors()
            .create()
            .event_stream(format!("topic {i}"))
            .frequency("1w")
            .await
            .unwrap();
        ids.push(m.id().to_owned());
    }
    client.monitors().monitor(&ids[0]).cancel().await.unwrap();
    let active: Vec<String> = client
        .monitors()
        .list()
        .page_size(2)
        .stream()
        .map_ok(|m| m.monitor_id)
        .try_collect()
        .await
        .unwrap();
    let mut expected: Vec<String> = ids[1..].to_vec();
    expected.reverse();
    assert_eq!(active, expected);
    let all = client
        .monitors()
        .list()
        .statuses([
            MonitorListStatusItem::Active,
            MonitorListStatusItem::Cancelled,
        ])
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    let snapshots = client
        .monitors()
        .list()
        .types([MonitorListTypeItem::Snapshot])
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert!(snapshots.is_empty());
}

#[tokio::test]
async fn update_changes_the_named_fields_and_can_remove_the_webhook() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let m = client
        .monitors()
        .create()
        .event_stream("x")
        .frequency("1d")
        .webhook("https://example.com/hook", [])
        .await
        .unwrap();
    assert!(m.info().unwrap().webhook.is_some());
    let changed = m.update().frequency("12h").remove_webhook().await.unwrap();
    assert_eq!(changed.frequency, "12h");
    assert!(changed.webhook.is_none());
    assert_eq!(m.retrieve().await.unwrap().frequency, "12h");
}

#[tokio::test]
async fn a_cancelled_monitor_cannot_be_triggered_and_says_why() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let m = client
        .monitors()
        .create()
        .event_stream("x")
        .frequency("1d")
        .await
        .unwrap();
    let stopped = m.cancel().await.unwrap();
    assert_eq!(stopped.status.as_str(), "cancelled");
    let e = m.trigger().await.unwrap_err();
    assert_eq!(e.status(), Some(422), "{e}");
    assert!(e.to_string().contains("cancelled"), "{e}");
}

#[tokio::test]
async fn an_unknown_monitor_is_a_404_error() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let e = client
        .monitors()
        .get("monitor_nope")
        .max_retries(0)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
}

#[tokio::test]
async fn events_pages_are_retried_through_injected_server_errors() {
    let emu = start(
        instant().fault(
            "status:code=503,path=/events,times=2"
                .parse::<Fault>()
                .unwrap(),
        ),
    )
    .await;
    let client = configured(&emu, |b| {
        b.retry_policy(
            RetryPolicy::default()
                .initial_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(1)),
        )
    });
    let m = client
        .monitors()
        .create()
        .event_stream("x")
        .frequency("1d")
        .await
        .unwrap();
    m.trigger().await.unwrap();
    // Both 503s were retried: the stream ends without an error.
    m.events().stream().try_collect::<Vec<_>>().await.unwrap();
    assert_eq!(emu.stats().faults_fired.values().sum::<u64>(), 2);
}

#[tokio::test]
async fn memory_retrieves_evicts_and_clears_a_scope() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let m = client
        .monitors()
        .create()
        .event_stream("solar panel prices")
        .frequency("1d")
        .memory_scope_key("team-a")
        .await
        .unwrap();
    let found = client
        .memory()
        .retrieve()
        .scope("team-a")
        .query("solar")
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    client
        .memory()
        .evict(Some("team-a"), MemoryKind::Monitor, m.id())
        .await
        .unwrap();
    assert!(
        client
            .memory()
            .retrieve()
            .scope("team-a")
            .await
            .unwrap()
            .is_empty()
    );
    client.memory().clear(Some("team-a")).await.unwrap();
    let e = client.memory().retrieve().limit(0).await.unwrap_err();
    assert!(matches!(e, Error::InvalidInput { ref field, .. } if field == "limit"));
}
