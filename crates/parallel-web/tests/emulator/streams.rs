//! The run and event streams of a group, and a single run's events.

use crate::*;

#[tokio::test]
async fn a_runs_stream_that_keeps_dropping_yields_every_run_exactly_once() {
    let emu = start(instant().fault(Fault::drop_stream_after(7).path("/runs"))).await;
    let client = client_for(&emu);
    let (group, out) = group_with(&client, 50).await;

    let before = ops(&emu, "task_group_get_runs");
    let mut stream = group.runs().send().await.unwrap();
    let mut ids = Vec::new();
    while let Some(ev) = stream.next().await {
        if let GroupEvent::RunState(r) = ev.unwrap() {
            ids.push(r.run.run_id);
        }
    }
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 50, "no run repeated");
    assert_eq!(unique, out.run_ids.iter().collect(), "no run lost");
    assert!(
        ops(&emu, "task_group_get_runs") - before >= 7,
        "the stream was cut and resumed"
    );
}

#[tokio::test]
async fn an_unknown_cursor_is_an_error_not_a_replay() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    add_questions(&group, 2).await;
    let err = group
        .runs()
        .after("ffffffffffffffffffffffffffffffff")
        .send()
        .await
        .err()
        .unwrap();
    assert!(matches!(err.status(), Some(400..=499)), "{err:?}");
}

// Paused tokio time (the emulator's scheduler and the SDK's delays run on
// the tokio clock): each run step is its own virtual moment, so the stream
// sees the steps whatever the machine's speed.
#[tokio::test(start_paused = true)]
async fn the_events_stream_resumes_after_drops_and_ends_when_the_group_is_inactive() {
    let emu = start(
        Emulator::builder()
            .time_scale(1.0)
            .seed(5)
            .fault(Fault::drop_stream_after(2).path("/events")),
    )
    .await;
    let client = client_for(&emu);
    let (group, out) = group_with(&client, 6).await;
    let mut events = group.events().send().await.unwrap();
    let mut cursors = Vec::new();
    let mut finished_runs = HashSet::new();
    let mut last_active = None;
    while let Some(ev) = events.next().await {
        let ev = ev.unwrap();
        if let Some(c) = ev.event_id() {
            cursors.push(c.to_owned());
        }
        match ev {
            GroupEvent::RunState(r) if !r.run.is_active => {
                assert!(finished_runs.insert(r.run.run_id), "run repeated")
            }
            GroupEvent::GroupStatus { status, .. } => last_active = Some(status.is_active),
            _ => {}
        }
    }
    assert_eq!(last_active, Some(false), "ended on the inactive status");
    let unique: HashSet<&String> = cursors.iter().collect();
    assert_eq!(unique.len(), cursors.len(), "no event repeated");
    assert_eq!(finished_runs, out.run_ids.into_iter().collect());
}

#[tokio::test]
async fn typed_results_decode_and_bad_content_is_an_error_item_with_raw_json() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let spec = TaskSpec::json::<Question, Answer>();
    group
        .add_runs(questions(3))
        .processor("lite")
        .default_spec(&spec)
        .send()
        .await
        .unwrap();
    group.wait().await.unwrap();

    let runs: Vec<_> = group
        .runs()
        .include_output()
        .typed::<Question, Answer>()
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(runs.len(), 3);
    for r in &runs {
        let r = r.as_ref().unwrap();
        assert!(r.output.is_some());
    }
    // Decoding into a type the content does not match: error items, the stream goes on.
    #[derive(Debug, Deserialize)]
    struct Wrong {
        #[allow(dead_code)]
        missing_field: u8,
    }
    let runs: Vec<_> = group
        .runs()
        .include_output()
        .typed::<serde_json::Value, Wrong>()
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(runs.len(), 3);
    for r in runs {
        match r {
            Err(Error::Decode { raw, .. }) => assert!(raw.contains("answer"), "{raw}"),
            other => panic!("{other:?}"),
        }
    }
}

/// A run created on `client` and its complete event stream.
async fn run_and_its_events(client: &Client) -> Vec<Result<RunStreamEvent, Error>> {
    let run = client
        .task_runs()
        .create(RunInput::new("Who founded Stripe?").processor("pro"))
        .send()
        .await
        .unwrap();
    client
        .task_runs()
        .events(&run.run_id)
        .await
        .unwrap()
        .collect()
        .await
}

// Paused tokio time (the emulator's scheduler and the SDK's delays run on
// the tokio clock): each run step is its own virtual moment, so the stream
// sees the steps whatever the machine's speed.
#[tokio::test(start_paused = true)]
async fn a_runs_event_stream_goes_from_its_state_through_progress_to_the_final_state() {
    let emu = start(Emulator::builder().time_scale(1.0).seed(21)).await;
    let events: Vec<RunStreamEvent> = run_and_its_events(&client_for(&emu))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(
        matches!(events.first(), Some(RunStreamEvent::State(_))),
        "{events:?}"
    );
    match events.last() {
        Some(RunStreamEvent::State(last)) => {
            assert!(!last.run.is_active);
            assert!(last.output.is_some(), "the final state carries the output");
        }
        other => panic!("{other:?}"),
    }
    let messages = events
        .iter()
        .filter(|e| matches!(e, RunStreamEvent::Message(m) if !m.message.is_empty()))
        .count();
    let stats = events
        .iter()
        .filter(|e| matches!(e, RunStreamEvent::Stats(_)))
        .count();
    assert!(messages >= 1 && stats >= 1, "{events:?}");
    assert_eq!(ops(&emu, "task_run_events"), 1);
}

// Paused tokio time (the emulator's scheduler and the SDK's delays run on
// the tokio clock): each run step is its own virtual moment, so the stream
// sees the steps whatever the machine's speed.
#[tokio::test(start_paused = true)]
async fn a_dropped_run_event_stream_is_an_error_item_not_a_replay() {
    let emu = start(
        Emulator::builder()
            .time_scale(1.0)
            .seed(22)
            .fault(Fault::drop_stream_after(2).path("/events")),
    )
    .await;
    let items = run_and_its_events(&client_for(&emu)).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(items[..2].iter().all(Result::is_ok), "{items:?}");
    match &items[2] {
        Err(e @ Error::RunStreamEnded { .. }) => {
            assert!(e.to_string().contains("cannot be resumed"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ops(&emu, "task_run_events"), 1, "not reopened");
}

#[tokio::test]
async fn v1beta_reads_run_events_from_the_beta_path_and_unknown_runs_fail_at_open() {
    let emu = start(instant()).await;
    let client = configured(&emu, |b| b.api_version(ApiVersion::V1Beta));
    let events = run_and_its_events(&client).await;
    assert!(events.iter().all(Result::is_ok), "{events:?}");
    assert_eq!(ops(&emu, "beta_task_run_events"), 1);
    assert_eq!(ops(&emu, "task_run_events"), 0);

    let err = client
        .task_runs()
        .events("trun_00000000000000000000000000000000")
        .await
        .err()
        .unwrap();
    assert_eq!(err.status(), Some(404), "{err:?}");
}
