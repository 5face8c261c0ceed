//! The SDK against the emulator, over real HTTP on 127.0.0.1.

use std::collections::HashSet;
use std::time::Duration;

use futures::StreamExt;
use parallel_web::{ApiVersion, Client, Error, Event, RetryPolicy, RunInput, TaskSpec};
use parallel_web_emulator::{Emulator, EmulatorBuilder, EmulatorHandle, Fault};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
struct Question {
    /// Position of the input in the batch.
    n: u32,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Answer {
    /// The answer.
    answer: String,
}

fn instant() -> EmulatorBuilder {
    Emulator::builder().time_scale(0.0).seed(1)
}

fn client_for(emu: &EmulatorHandle) -> Client {
    Client::builder()
        .api_key(emu.api_key())
        .base_url(emu.base_url())
        .build()
        .unwrap()
}

fn questions(n: u32) -> Vec<Question> {
    (0..n).map(|n| Question { n }).collect()
}

fn ops(emu: &EmulatorHandle, op: &str) -> u64 {
    emu.stats()
        .requests_per_operation
        .get(op)
        .copied()
        .unwrap_or(0)
}

#[tokio::test]
async fn twenty_five_hundred_inputs_arrive_as_three_posts_with_ids_in_input_order() {
    let emu = instant().start().await.unwrap();
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let out = group
        .add_runs(questions(2_500))
        .processor("lite")
        .send()
        .await
        .unwrap();

    assert_eq!(ops(&emu, "task_group_add_runs"), 3);
    assert_eq!(out.run_ids.len(), 2_500);
    let mut runs = group
        .runs()
        .include_input()
        .typed::<Question, serde_json::Value>()
        .await
        .unwrap();
    let mut seen = 0;
    while let Some(run) = runs.next().await {
        let run = run.unwrap();
        let n = run.input.unwrap().n as usize;
        assert_eq!(out.run_ids[n], run.run.run_id, "run id of input {n}");
        seen += 1;
    }
    assert_eq!(seen, 2_500);
}

#[tokio::test]
async fn a_runs_stream_that_keeps_dropping_yields_every_run_exactly_once() {
    let emu = instant()
        .fault(Fault::drop_stream_after(7).path("/runs"))
        .start()
        .await
        .unwrap();
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let out = group
        .add_runs(questions(50))
        .processor("lite")
        .send()
        .await
        .unwrap();

    let before = ops(&emu, "task_group_get_runs");
    let mut stream = group.runs().send().await.unwrap();
    let mut ids = Vec::new();
    while let Some(ev) = stream.next().await {
        if let Event::RunState(r) = ev.unwrap() {
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
async fn an_ambiguous_add_runs_failure_creates_no_duplicate_runs() {
    let emu = instant()
        .fault(Fault::ambiguous_add_runs().times(1))
        .start()
        .await
        .unwrap();
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let out = group
        .add_runs(questions(10))
        .processor("lite")
        .send()
        .await
        .unwrap();

    let stats = emu.stats();
    assert_eq!(stats.runs_per_group.get(group.id()), Some(&10), "{stats:?}");
    assert_eq!(stats.runs_created, 10);
    assert_eq!(out.recovered, 10, "all ten were found, none resent");
    assert_eq!(out.run_ids.len(), 10);
    assert_eq!(
        ops(&emu, "task_group_add_runs"),
        1,
        "the POST was not repeated"
    );
}

#[tokio::test]
async fn an_ambiguous_failure_in_a_later_chunk_only_resends_what_is_missing() {
    // The second POST is committed and cut; its runs are found, not resent.
    let emu = instant()
        .fault(Fault::ambiguous_add_runs().times(1))
        .start()
        .await
        .unwrap();
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    group
        .add_runs(questions(3))
        .processor("lite")
        .send()
        .await
        .unwrap();
    let out = group
        .add_runs(questions(1_200))
        .processor("lite")
        .concurrency(1)
        .send()
        .await
        .unwrap();
    assert_eq!(out.run_ids.len(), 1_200);
    assert_eq!(emu.stats().runs_per_group.get(group.id()), Some(&1_203));
}

#[tokio::test]
async fn concurrent_chunks_hit_by_ambiguous_failures_still_create_each_run_once_in_order() {
    let emu = instant()
        .fault(Fault::ambiguous_add_runs().times(2))
        .start()
        .await
        .unwrap();
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let out = group
        .add_runs(questions(3_000))
        .processor("lite")
        .concurrency(3)
        .send()
        .await
        .unwrap();
    assert_eq!(emu.stats().runs_per_group.get(group.id()), Some(&3_000));
    assert_eq!(
        out.recovered, 2_000,
        "two whole chunks were found after the cuts"
    );
    let mut runs = group
        .runs()
        .include_input()
        .typed::<Question, serde_json::Value>()
        .await
        .unwrap();
    while let Some(run) = runs.next().await {
        let run = run.unwrap();
        assert_eq!(out.run_ids[run.input.unwrap().n as usize], run.run.run_id);
    }
}

#[tokio::test]
async fn a_5xx_on_add_runs_is_reconciled_then_only_missing_runs_are_sent() {
    let emu = instant()
        .fault(Fault::status(500).times(1).path("/runs"))
        .start()
        .await
        .unwrap();
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let out = group
        .add_runs(questions(4))
        .processor("lite")
        .send()
        .await
        .unwrap();
    assert_eq!(out.run_ids.len(), 4);
    assert_eq!(out.recovered, 0, "the 500 created nothing");
    assert_eq!(emu.stats().runs_created, 4);
}

#[tokio::test]
async fn without_batch_tags_an_ambiguous_failure_is_reported_not_retried() {
    let emu = instant()
        .fault(Fault::ambiguous_add_runs().times(1))
        .start()
        .await
        .unwrap();
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let err = group
        .add_runs(questions(2))
        .processor("lite")
        .batch_tag(false)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::BatchIncomplete {
                created: 0,
                total: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(ops(&emu, "task_group_add_runs"), 1);
    assert_eq!(
        emu.stats().runs_created,
        2,
        "the server did commit them once"
    );
}

#[tokio::test]
async fn rate_limit_answers_are_retried_after_the_delay_the_server_asks_for() {
    let emu = instant()
        .fault(Fault::status(429).times(2).retry_after_ms(20).path("/runs"))
        .start()
        .await
        .unwrap();
    // A computed backoff of an hour: only the server's retry-after lets this finish.
    let client = Client::builder()
        .api_key(emu.api_key())
        .base_url(emu.base_url())
        .retry_policy(RetryPolicy::default().initial_delay(Duration::from_secs(3600)))
        .build()
        .unwrap();
    let group = client.task_groups().create().send().await.unwrap();
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        group.add_runs(questions(2)).processor("lite").send(),
    )
    .await
    .expect("retry-after was not honoured")
    .unwrap();
    assert_eq!(out.run_ids.len(), 2);
    assert_eq!(
        ops(&emu, "task_group_add_runs"),
        3,
        "two 429s, then success"
    );
    assert_eq!(emu.stats().runs_created, 2);
}

#[tokio::test]
async fn a_503_with_should_retry_true_is_retried_for_add_runs() {
    let emu = instant()
        .fault(
            Fault::status(503)
                .times(1)
                .should_retry(true)
                .retry_after_ms(10)
                .path("/runs"),
        )
        .start()
        .await
        .unwrap();
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let out = group
        .add_runs(questions(3))
        .processor("lite")
        .send()
        .await
        .unwrap();
    assert_eq!((out.run_ids.len(), out.recovered), (3, 0));
    assert_eq!(ops(&emu, "task_group_add_runs"), 2);
}

#[tokio::test]
async fn an_unknown_cursor_is_an_error_not_a_replay() {
    let emu = instant().start().await.unwrap();
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    group
        .add_runs(questions(2))
        .processor("lite")
        .send()
        .await
        .unwrap();
    let err = group
        .runs()
        .after("ffffffffffffffffffffffffffffffff")
        .send()
        .await
        .err()
        .unwrap();
    assert!(matches!(err.status(), Some(400..=499)), "{err:?}");
}

#[tokio::test]
async fn bad_inputs_are_refused_before_any_request() {
    let emu = instant().start().await.unwrap();
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let before = emu.stats().requests;
    let inputs = vec![
        RunInput::new(json!({"ok": 1})),
        RunInput::new(json!({"ok": 2})).metadata([("this_key_is_too_long", "v")]),
    ];
    let err = group
        .add_run_inputs(inputs)
        .processor("lite")
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::InvalidInput { index, field, .. } => {
            assert_eq!(*index, Some(1));
            assert_eq!(field, "metadata.this_key_is_too_long");
        }
        other => panic!("{other:?}"),
    }
    let err = group
        .add_runs(["x".repeat(30_000)])
        .processor("lite")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { index: Some(0), .. }),
        "{err:?}"
    );
    let err = group
        .add_runs([1, 2])
        .processor("lite")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { index: Some(0), .. }),
        "{err:?}"
    );
    assert_eq!(emu.stats().requests, before, "nothing was sent");
}

#[tokio::test]
async fn the_api_key_never_shows_in_debug_or_errors() {
    let emu = instant()
        .api_key("sk-very-secret-key-123")
        .start()
        .await
        .unwrap();
    let client = client_for(&emu);
    assert!(!format!("{client:?}").contains("sk-very-secret"));
    let wrong = Client::builder()
        .api_key("sk-wrong-secret-456")
        .base_url(emu.base_url())
        .build()
        .unwrap();
    assert!(!format!("{wrong:?}").contains("sk-wrong"));
    let err = wrong.task_groups().create().send().await.unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains("sk-wrong-secret-456"), "{text}");
    }
    let unreachable = Client::builder()
        .api_key("sk-wrong-secret-456")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let err = unreachable.task_groups().create().send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Connection {
                before_sending: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("sk-wrong-secret-456"));
}

#[tokio::test]
async fn wait_follows_events_to_the_final_status_and_reports_progress() {
    let emu = Emulator::builder()
        .time_scale(0.001)
        .seed(3)
        .start()
        .await
        .unwrap();
    let client = client_for(&emu);
    let group = client
        .task_groups()
        .create()
        .metadata([("project", "q4")])
        .send()
        .await
        .unwrap();
    group
        .add_runs(questions(5))
        .processor("lite")
        .send()
        .await
        .unwrap();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = lines.clone();
    let status = group
        .wait()
        .on_progress(move |p| sink.lock().unwrap().push(p.to_string()))
        .max_wait(Duration::from_secs(600))
        .await
        .unwrap();
    assert!(!status.is_active);
    assert_eq!(status.num_task_runs, 5);
    let lines = lines.lock().unwrap();
    assert!(
        lines.last().unwrap().starts_with("5/5 runs done"),
        "{lines:?}"
    );
    assert!(ops(&emu, "task_group_events") >= 1, "push-based");
}

#[tokio::test]
async fn wait_gives_up_at_max_wait_saying_how_long_and_how_often() {
    let emu = Emulator::builder().time_scale(1.0).start().await.unwrap();
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    group
        .add_runs(questions(1))
        .processor("ultra")
        .send()
        .await
        .unwrap();
    let err = group
        .wait()
        .max_wait(Duration::from_millis(300))
        .polling_only()
        .await
        .unwrap_err();
    match err {
        Error::WaitTimeout(t) => {
            assert!(t.polls >= 2, "first and final poll: {t:?}");
            assert!(t.to_string().contains("still running"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_events_stream_resumes_after_drops_and_ends_when_the_group_is_inactive() {
    let emu = Emulator::builder()
        .time_scale(0.001)
        .seed(5)
        .fault(Fault::drop_stream_after(2).path("/events"))
        .start()
        .await
        .unwrap();
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let out = group
        .add_runs(questions(6))
        .processor("lite")
        .send()
        .await
        .unwrap();
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
            Event::RunState(r) if !r.run.is_active => {
                assert!(finished_runs.insert(r.run.run_id), "run repeated")
            }
            Event::GroupStatus { status, .. } => last_active = Some(status.is_active),
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
    let emu = instant().start().await.unwrap();
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

#[tokio::test]
async fn single_runs_create_retrieve_input_and_wait_for_a_typed_result() {
    let emu = Emulator::builder().time_scale(0.001).start().await.unwrap();
    let client = client_for(&emu);
    let spec = TaskSpec::output::<Answer>();
    let run = client
        .task_runs()
        .create(RunInput::new(json!({"n": 1})).processor("lite"))
        .spec(&spec)
        .send()
        .await
        .unwrap();
    assert_eq!(
        client
            .task_runs()
            .retrieve(&run.run_id)
            .await
            .unwrap()
            .run_id,
        run.run_id
    );
    let input = client.task_runs().input(&run.run_id).await.unwrap();
    assert_eq!(input.processor, "lite");
    let result = client
        .task_runs()
        .result(&run.run_id)
        .typed::<Answer>()
        .wait(Duration::from_secs(600))
        .await
        .unwrap();
    assert!(!result.output.answer.is_empty());
    let group_run_missing = client
        .task_runs()
        .retrieve("trun_00000000000000000000000000000000")
        .await
        .unwrap_err();
    assert_eq!(group_run_missing.status(), Some(404));
}

#[tokio::test]
async fn the_v1beta_version_calls_the_beta_group_endpoints() {
    let emu = instant().start().await.unwrap();
    let client = Client::builder()
        .api_key(emu.api_key())
        .base_url(emu.base_url())
        .api_version(ApiVersion::V1Beta)
        .build()
        .unwrap();
    let group = client.task_groups().create().send().await.unwrap();
    let out = group
        .add_runs(questions(2))
        .processor("lite")
        .send()
        .await
        .unwrap();
    group.wait().await.unwrap();
    let run = group.run(&out.run_ids[0]).await.unwrap();
    assert_eq!(run.run_id, out.run_ids[0]);
    assert_eq!(ops(&emu, "beta_task_group_create"), 1);
    assert_eq!(ops(&emu, "beta_task_group_add_runs"), 1);
    assert_eq!(ops(&emu, "task_group_create"), 0);
}

#[tokio::test]
async fn the_request_counter_matches_what_the_server_saw() {
    let emu = instant().start().await.unwrap();
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    group
        .add_runs(questions(2))
        .processor("lite")
        .send()
        .await
        .unwrap();
    group.status().await.unwrap();
    assert_eq!(client.request_count(), emu.stats().requests);
}

#[tokio::test]
async fn result_wait_repeats_the_long_poll_after_each_408_until_the_run_is_done() {
    // lite-fast takes 10-20 s, scaled to 1.2-2.4 s: longer than one 1 s poll.
    let emu = Emulator::builder()
        .time_scale(0.12)
        .seed(9)
        .start()
        .await
        .unwrap();
    let client = client_for(&emu);
    let run = client
        .task_runs()
        .create(RunInput::new("q").processor("lite-fast"))
        .send()
        .await
        .unwrap();
    let result = client
        .task_runs()
        .result(&run.run_id)
        .timeout_secs(1)
        .wait(Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(result.run.run_id, run.run_id);
    assert!(
        ops(&emu, "task_run_result") >= 2,
        "at least one 408 then the result"
    );
}
