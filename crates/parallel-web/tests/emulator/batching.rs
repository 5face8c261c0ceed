//! Adding runs: chunking, order, exactly-once recovery, retries, client-side checks.

use crate::*;

#[tokio::test]
async fn twenty_five_hundred_inputs_arrive_as_three_posts_with_ids_in_input_order() {
    let emu = start(instant()).await;
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
async fn an_ambiguous_add_runs_failure_creates_no_duplicate_runs() {
    let emu = start(instant().fault(Fault::ambiguous_add_runs().times(1))).await;
    let client = quick_settle(&emu);
    let (group, out) = group_with(&client, 10).await;

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
    let emu = start(instant().fault(Fault::ambiguous_add_runs().times(1))).await;
    let client = quick_settle(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    add_questions(&group, 3).await;
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
    let emu = start(instant().fault(Fault::ambiguous_add_runs().times(2))).await;
    let client = quick_settle(&emu);
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
    let emu = start(instant().fault(Fault::status(500).times(1).path("/runs"))).await;
    let client = quick_settle(&emu);
    let (_, out) = group_with(&client, 4).await;
    assert_eq!(out.run_ids.len(), 4);
    assert_eq!(out.recovered, 0, "the 500 created nothing");
    assert_eq!(emu.stats().runs_created, 4);
    assert_eq!(
        ops(&emu, "task_group_add_runs"),
        2,
        "sent again once a read after the settle window found nothing"
    );
}

#[tokio::test]
async fn without_batch_tags_an_ambiguous_failure_is_reported_not_retried() {
    let emu = start(instant().fault(Fault::ambiguous_add_runs().times(1))).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let err = group
        .add_runs(questions(2))
        .processor("lite")
        .batch_tags(false)
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
    let emu =
        start(instant().fault(Fault::status(429).times(2).retry_after_ms(20).path("/runs"))).await;
    // A computed backoff of an hour: only the server's retry-after lets this finish.
    let client = configured(&emu, |b| {
        b.retry_policy(RetryPolicy::default().initial_delay(Duration::from_secs(3600)))
    });
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
    let emu = start(
        instant().fault(
            Fault::status(503)
                .times(1)
                .should_retry(true)
                .retry_after_ms(10)
                .path("/runs"),
        ),
    )
    .await;
    let client = client_for(&emu);
    let (_, out) = group_with(&client, 3).await;
    assert_eq!((out.run_ids.len(), out.recovered), (3, 0));
    assert_eq!(ops(&emu, "task_group_add_runs"), 2);
}

#[tokio::test]
async fn bad_inputs_are_refused_before_any_request() {
    let emu = start(instant()).await;
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
async fn the_request_counter_matches_what_the_server_saw() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    add_questions(&group, 2).await;
    group.status().await.unwrap();
    assert_eq!(client.request_count(), emu.stats().requests);
}

#[tokio::test]
async fn a_client_side_timeout_on_add_runs_is_reconciled_without_duplicates() {
    // The add-runs POST is delayed 1 s before it reaches the handler; the
    // client gives up after 0.2 s (an ambiguous failure: the request was
    // sent), reads the group back once the settle window is over, and sends
    // only what is missing. The delayed request is dropped with its
    // connection before any handling, so it never commits. (A POST whose
    // handling has begun commits even so: `late_commit.rs` in the
    // reliability suite covers that.)
    let emu = start(
        instant().fault(
            Fault::latency(Duration::from_secs(1))
                .path("/runs")
                .method("POST")
                .times(1),
        ),
    )
    .await;
    let client = configured(&emu, |b| {
        b.read_timeout(Some(Duration::from_millis(200)))
            .settle_window(Duration::from_millis(500))
    });
    let (group, out) = group_with(&client, 3).await;
    assert_eq!(emu.stats().runs_per_group.get(group.id()), Some(&3));
    let listed: Vec<String> = group
        .runs()
        .send()
        .await
        .unwrap()
        .filter_map(|e| async move {
            match e.unwrap() {
                GroupEvent::RunState(r) => Some(r.run.run_id),
                _ => None,
            }
        })
        .collect()
        .await;
    let mut ids = out.run_ids.clone();
    ids.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(ids, listed_sorted, "each input exactly once");
}

#[tokio::test]
async fn batch_runs_finds_every_run_of_a_batch_oldest_first_and_nothing_else() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let batch = "00c0ffee00000001";
    let first = group
        .add_runs(questions(3))
        .processor("lite")
        .batch_id(batch)
        .await
        .unwrap();
    // Another call's runs (its own random batch id) are not part of it.
    add_questions(&group, 2).await;
    // The same batch id sent again for input 1: it now exists twice.
    let again = group
        .add_runs(questions(3))
        .processor("lite")
        .batch_id(batch)
        .await
        .unwrap();

    let runs = group.batch_runs(batch).await.unwrap();
    let expected: parallel_web::BatchRuns = (0..3)
        .map(|i| (i, vec![first.run_ids[i].clone(), again.run_ids[i].clone()]))
        .collect();
    assert_eq!(runs, expected);
    assert!(
        group
            .batch_runs("ffff000000000000")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn batch_runs_after_a_cursor_skips_the_runs_before_it() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let batch = "00c0ffee00000002";
    let first = group
        .add_runs(questions(2))
        .processor("lite")
        .batch_id(batch)
        .await
        .unwrap();
    let mut stream = group.runs().send().await.unwrap();
    let mut cursor = None;
    while let Some(event) = stream.next().await {
        cursor = event.unwrap().event_id().map(str::to_owned).or(cursor);
    }
    let again = group
        .add_runs(questions(2))
        .processor("lite")
        .batch_id(batch)
        .await
        .unwrap();
    let runs = group
        .batch_runs(batch)
        .after(cursor.expect("the stream has a cursor"))
        .await
        .unwrap();
    assert_eq!(runs.len(), 2);
    for (i, ids) in runs {
        assert_eq!(ids, vec![again.run_ids[i].clone()], "input {i}");
        assert_ne!(ids[0], first.run_ids[i]);
    }
}

#[tokio::test]
async fn batch_runs_refuses_a_batch_id_no_tag_can_hold() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let before = emu.stats().requests;
    for bad in ["", "a.b"] {
        let err = group.batch_runs(bad).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "batch_id"),
            "{err:?}"
        );
    }
    assert_eq!(emu.stats().requests, before, "nothing was sent");
}

#[tokio::test]
async fn preview_gives_the_bodies_send_posts() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let spec = TaskSpec::json::<Question, Answer>();
    let add = group
        .add_runs(questions(1_001))
        .processor("lite")
        .default_spec(&spec)
        .metadata([("project", "q4")])
        .batch_id("00c0ffee00000003");
    let before = emu.stats().requests;
    let bodies = add.preview().unwrap();
    assert_eq!(emu.stats().requests, before, "preview sends nothing");
    assert_eq!(
        bodies.iter().map(|b| b.inputs.len()).collect::<Vec<_>>(),
        [1_000, 1]
    );
    let out = add.send().await.unwrap();

    // What the server holds for each run is what the preview said.
    let mut runs = group.runs().include_input().send().await.unwrap();
    let mut seen = 0;
    while let Some(event) = runs.next().await {
        let GroupEvent::RunState(r) = event.unwrap() else {
            continue;
        };
        let i = out
            .run_ids
            .iter()
            .position(|id| *id == r.run.run_id)
            .unwrap();
        let previewed = &bodies[i / 1_000].inputs[i % 1_000];
        let input = r.input.expect("inputs were asked for");
        assert_eq!(input.input, previewed.input, "input {i}");
        assert_eq!(r.run.processor, previewed.processor);
        let metadata = serde_json::to_value(&r.run.metadata).unwrap();
        assert_eq!(
            metadata,
            serde_json::to_value(&previewed.metadata).unwrap(),
            "input {i}"
        );
        assert_eq!(metadata["pw_batch"], format!("00c0ffee00000003.{i}"));
        seen += 1;
    }
    assert_eq!(seen, 1_001);
    let default_spec = serde_json::to_value(&bodies[1].default_task_spec).unwrap();
    assert_eq!(default_spec, serde_json::to_value(spec.wire()).unwrap());
}

#[tokio::test]
async fn preview_without_a_batch_id_uses_the_placeholder_and_runs_the_checks() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let bodies = group
        .add_runs(["a", "b"])
        .processor("lite")
        .preview()
        .unwrap();
    let json = serde_json::to_value(&bodies).unwrap();
    assert_eq!(
        json[0]["inputs"][1]["metadata"]["pw_batch"],
        format!("{}.1", parallel_web::AddRuns::PREVIEW_BATCH_ID)
    );
    let untagged = group
        .add_runs(["a"])
        .processor("lite")
        .batch_tags(false)
        .preview()
        .unwrap();
    assert_eq!(untagged[0].inputs[0].metadata, None);
    let err = group
        .add_run_inputs([RunInput::new("ok"), RunInput::new("x".repeat(30_000))])
        .processor("lite")
        .preview()
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { index: Some(1), .. }),
        "{err:?}"
    );
    let err = group.add_runs(["a"]).batch_id("a.b").preview().unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "batch_id"),
        "{err:?}"
    );
}
