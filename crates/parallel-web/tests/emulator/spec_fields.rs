//! The fields the newest official SDKs send (memory scope, data sources,
//! number and boolean metadata, the events `timeout`), and schema property
//! order, against the emulator: accepted, stored and echoed as sent.

use super::*;
use parallel_web::types::TaskDataSources;

#[tokio::test]
async fn newer_run_fields_and_typed_metadata_are_echoed_by_the_input_endpoint() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let sources: TaskDataSources = TaskDataSources::builder()
        .free(vec!["news".to_owned()])
        .try_into()
        .unwrap();
    let spec = TaskSpec::from_json_schema_text(
        None,
        r#"{"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"string"},"mid":{"type":"string"}}}"#,
    )
    .unwrap();
    let run = client
        .task_runs()
        .create(
            RunInput::new("q")
                .memory_scope_key("customer-42")
                .location("fr")
                .data_sources(sources)
                .metadata([("row", 17)])
                .metadata([("nightly", true)]),
        )
        .spec(&spec)
        .processor("lite")
        .send()
        .await
        .unwrap();
    let input = client.task_runs().input(&run.run_id).await.unwrap();
    assert_eq!(input.memory_scope_key.as_deref(), Some("customer-42"));
    let settings = input.advanced_settings.unwrap();
    assert_eq!(settings.location.as_deref(), Some("fr"));
    assert_eq!(settings.data_sources.unwrap().free, ["news"]);
    let metadata = serde_json::to_value(input.metadata.unwrap()).unwrap();
    assert_eq!(metadata, json!({"row": 17, "nightly": true}));
    // The emulator stores the body as sent; the schema reads back in the
    // order it was given.
    let back = serde_json::to_string(&input.task_spec.unwrap()).unwrap();
    let (z, a, m) = (
        back.find("zeta").unwrap(),
        back.find("alpha").unwrap(),
        back.find("mid").unwrap(),
    );
    assert!(z < a && a < m, "{back}");
    emu.shutdown().await;
}

#[tokio::test]
async fn group_metadata_numbers_and_booleans_come_back_from_the_group() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let group = client
        .task_groups()
        .create()
        .metadata([("rows", 1200)])
        .metadata([("nightly", true)])
        .metadata([("project", "q4")])
        .send()
        .await
        .unwrap();
    let info = group.retrieve().await.unwrap();
    let metadata = serde_json::to_value(info.metadata.unwrap()).unwrap();
    assert_eq!(
        metadata,
        json!({"rows": 1200, "nightly": true, "project": "q4"})
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_group_event_stream_with_a_timeout_still_delivers_every_run() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    group
        .add_runs(["a", "b"])
        .processor("lite")
        .send()
        .await
        .unwrap();
    let mut events = group
        .events()
        .api_timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    let mut finished = HashSet::new();
    while let Some(event) = events.next().await {
        if let GroupEvent::RunState(r) = event.unwrap()
            && !r.run.is_active
        {
            finished.insert(r.run.run_id.clone());
        }
    }
    assert_eq!(finished.len(), 2);
    emu.shutdown().await;
}
