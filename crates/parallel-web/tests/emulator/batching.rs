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
    let fault = Fault::ambiguous_add_runs().times(1);
    let emu = start(instant().fault(fault.clone())).await;
    let client = quick_settle(&emu);
    let (group, out) = group_with(&client, 10).await;
    assert_eq!(fired(&emu, &fault), 1);

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

/// How often the emulator fired `fault`.
fn fired(emu: &EmulatorHandle, fault: &Fault) -> u64 {
    emu.stats()
        .faults_fired
        .get(&fault.to_string())
        .copied()
        .unwrap_or(0)
}

/// Checks that `out.run_ids[i]` is the run the server holds for input `{"n": i}`
/// among the runs created after the first `skip` runs of `group`.
async fn assert_ids_match_inputs(group: &TaskGroup, out: &AddRunsOutcome, skip: usize) {
    let mut runs = group
        .runs()
        .include_input()
        .typed::<Question, serde_json::Value>()
        .await
        .unwrap();
    let mut listed = Vec::new();
    while let Some(run) = runs.next().await {
        let run = run.unwrap();
        listed.push((run.run.run_id, run.input.unwrap().n as usize));
    }
    assert_eq!(listed.len(), skip + out.run_ids.len(), "each input once");
    for (id, n) in &listed[skip..] {
        assert_eq!(out.run_ids.get(*n), Some(id), "run id of input {n}");
    }
}

/// The add-runs POSTs and run listings the emulator saw, in arrival order,
/// as (method, path with query, status).
fn add_runs_traffic(emu: &EmulatorHandle) -> Vec<(String, String, u16)> {
    emu.request_log()
        .into_iter()
        .filter(|r| ["task_group_add_runs", "task_group_get_runs"].contains(&r.operation.as_str()))
        .map(|r| (r.method, r.path, r.status))
        .collect()
}

/// The event id the group's run listing gives run `run_id`.
async fn cursor_of(group: &TaskGroup, run_id: &str) -> String {
    let mut stream = group.runs().send().await.unwrap();
    while let Some(event) = stream.next().await {
        if let GroupEvent::RunState(r) = event.unwrap()
            && r.run.run_id == run_id
        {
            return r.event_id.expect("group run events carry a cursor");
        }
    }
    panic!("{run_id} is not listed");
}

#[tokio::test]
async fn an_ambiguous_failure_in_a_later_chunk_only_resends_what_is_missing() {
    // add-runs POSTs: the setup add, then chunks 1 (inputs 0..1000), 2
    // (1000..2000) and 3 (2000..2500). Chunk 2 is committed and cut; its runs
    // are found from the cursor chunk 1's answer gave (the last run before
    // chunk 1: the server's cursors never run ahead of what is committed),
    // and nothing is sent twice.
    let fault = Fault::ambiguous_add_runs().skip(2).times(1).path("/runs");
    let emu = start(instant().fault(fault.clone())).await;
    let client = quick_settle(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let setup = add_questions(&group, 3).await;
    let out = group
        .add_runs(questions(2_500))
        .processor("lite")
        .concurrency(1)
        .send()
        .await
        .unwrap();
    let traffic = add_runs_traffic(&emu);
    assert_eq!(fired(&emu, &fault), 1, "the fault hit chunk 2");
    assert_eq!(
        out.recovered, 1_000,
        "chunk 2's runs were found, not resent"
    );
    assert_eq!(
        ops(&emu, "task_group_add_runs"),
        4,
        "setup + three chunks, none sent twice"
    );
    assert_eq!(emu.stats().runs_per_group.get(group.id()), Some(&2_503));
    assert_ids_match_inputs(&group, &out, 3).await;

    // The reconciliation read started from the saved, non-empty cursor
    // (after the setup's runs), not at the start of the group.
    let cut = traffic
        .iter()
        .position(|(m, _, _)| m == "POST")
        .map(|first| first + 2)
        .unwrap();
    let (method, path, _) = &traffic[cut + 1];
    assert_eq!(method, "GET", "{traffic:?}");
    assert!(path.contains("last_event_id="), "{path}");
    let cursor = cursor_of(&group, &setup.run_ids[2]).await;
    assert!(
        path.ends_with(&format!("last_event_id={cursor}")),
        "the read after the cut started at {path}, not after the setup's runs ({cursor})"
    );
}

#[tokio::test]
async fn a_5xx_on_a_later_chunk_resends_that_chunk_only() {
    // The third add-runs POST (chunk 2) gets a 500 before the handler runs:
    // nothing of it exists. The read from chunk 1's cursor finds none of its
    // inputs, so chunk 2 alone is sent again; chunks 1 and 3 are sent once.
    let fault = Fault::status(500)
        .skip(2)
        .times(1)
        .path("/runs")
        .method("POST");
    let emu = start(instant().fault(fault.clone())).await;
    let client = quick_settle(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    add_questions(&group, 3).await;
    let out = group
        .add_runs(questions(2_500))
        .processor("lite")
        .concurrency(1)
        .send()
        .await
        .unwrap();
    assert_eq!(fired(&emu, &fault), 1, "the fault hit chunk 2");
    assert_eq!(out.recovered, 0, "the 500 created nothing");
    assert_eq!(ops(&emu, "task_group_add_runs"), 5, "chunk 2 twice");
    let statuses: Vec<(String, u16)> = add_runs_traffic(&emu)
        .into_iter()
        .map(|(m, _, s)| (m, s))
        .collect();
    assert_eq!(emu.stats().runs_per_group.get(group.id()), Some(&2_503));
    assert_ids_match_inputs(&group, &out, 3).await;
    let post = |s| ("POST".to_owned(), s);
    let get = ("GET".to_owned(), 200);
    assert!(
        statuses.ends_with(&[post(200), post(500), get.clone(), post(200), post(200), get]),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn a_cut_chunk_is_read_back_from_the_cursor_before_it_not_one_a_later_answer_gave() {
    // Two chunks in flight. The first POST to reach the server is committed
    // and cut; the other is held 100 ms, commits after it, and answers with a
    // cursor that already lies past the cut chunk's runs. The cut chunk's
    // read-back (after a 2 s settle window, so the later answer is in by
    // then) must start from the cursor known before its own POST, or it
    // misses its runs and sends them again.
    let cut = Fault::ambiguous_add_runs().times(1).path("/runs");
    let held = Fault::latency(Duration::from_millis(100))
        .skip(1)
        .times(1)
        .path("/runs")
        .method("POST");
    let emu = start(instant().fault(cut.clone()).fault(held.clone())).await;
    let client = configured(&emu, |b| b.settle_window(Duration::from_secs(2)));
    let group = client.task_groups().create().send().await.unwrap();
    let out = group
        .add_runs(questions(2_000))
        .processor("lite")
        .concurrency(2)
        .send()
        .await
        .unwrap();
    assert_eq!((fired(&emu, &cut), fired(&emu, &held)), (1, 1));
    assert_eq!(out.recovered, 1_000, "the cut chunk was found, not resent");
    assert_eq!(ops(&emu, "task_group_add_runs"), 2);
    assert_eq!(emu.stats().runs_per_group.get(group.id()), Some(&2_000));
    assert_ids_match_inputs(&group, &out, 0).await;
}

#[tokio::test]
async fn concurrent_chunks_hit_by_ambiguous_failures_still_create_each_run_once_in_order() {
    let fault = Fault::ambiguous_add_runs().times(2);
    let emu = start(instant().fault(fault.clone())).await;
    let client = quick_settle(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let out = group
        .add_runs(questions(3_000))
        .processor("lite")
        .concurrency(3)
        .send()
        .await
        .unwrap();
    assert_eq!(fired(&emu, &fault), 2, "two of the three chunks were cut");
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
    let fault = Fault::status(500).times(1).path("/runs");
    let emu = start(instant().fault(fault.clone())).await;
    let client = quick_settle(&emu);
    let (_, out) = group_with(&client, 4).await;
    assert_eq!(fired(&emu, &fault), 1);
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
    let fault = Fault::ambiguous_add_runs().times(1);
    let emu = start(instant().fault(fault.clone())).await;
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
    assert_eq!(fired(&emu, &fault), 1);
    assert_eq!(
        emu.stats().runs_created,
        2,
        "the server did commit them once"
    );
}

/// A client whose own backoff is a millisecond at most: any longer wait
/// between a 429 and its retry can only come from the server's headers.
fn impatient(emu: &EmulatorHandle) -> Client {
    configured(emu, |b| {
        b.retry_policy(
            RetryPolicy::default()
                .max_retries(3)
                .initial_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(1))
                .jitter(Jitter::None),
        )
    })
}

/// For each add-runs POST the emulator answered with 429: how long after
/// its arrival the next add-runs POST arrived, as the server saw it.
fn gaps_after_429(emu: &EmulatorHandle) -> Vec<Duration> {
    let posts: Vec<_> = emu
        .request_log()
        .into_iter()
        .filter(|r| r.operation == "task_group_add_runs")
        .collect();
    posts
        .windows(2)
        .filter(|w| w[0].status == 429)
        .map(|w| w[1].at - w[0].at)
        .collect()
}

/// Two 429s carrying `fault`'s retry headers, then success; returns the
/// server-observed gaps after each 429.
async fn retried_after(fault: Fault) -> Vec<Duration> {
    let fault = fault.times(2).path("/runs").method("POST");
    let emu = start(instant().fault(fault.clone())).await;
    let client = impatient(&emu);
    let (_, out) = group_with(&client, 2).await;
    assert_eq!(fired(&emu, &fault), 2);
    assert_eq!(out.run_ids.len(), 2);
    assert_eq!(
        ops(&emu, "task_group_add_runs"),
        3,
        "two 429s, then success"
    );
    assert_eq!(emu.stats().runs_created, 2);
    gaps_after_429(&emu)
}

#[tokio::test]
async fn a_429_is_retried_no_earlier_than_its_retry_after_ms() {
    let gaps = retried_after(Fault::status(429).retry_after_ms(400)).await;
    assert_eq!(gaps.len(), 2, "{gaps:?}");
    for gap in gaps {
        assert!(
            gap >= Duration::from_millis(400),
            "retried {gap:?} after a 429 asking for 400 ms"
        );
    }
}

#[tokio::test]
async fn a_429_is_retried_no_earlier_than_its_retry_after_seconds() {
    let gaps = retried_after(Fault::status(429).retry_after_secs(0.4)).await;
    assert_eq!(gaps.len(), 2, "{gaps:?}");
    for gap in gaps {
        assert!(
            gap >= Duration::from_millis(400),
            "retried {gap:?} after a 429 asking for 0.4 s"
        );
    }
}

#[tokio::test]
async fn retry_after_ms_takes_precedence_over_retry_after() {
    // `retry-after` alone would allow a retry after 1 ms; `retry-after-ms`,
    // read first by the official SDKs, asks for 400 ms.
    let gaps = retried_after(
        Fault::status(429)
            .retry_after_secs(0.001)
            .retry_after_ms(400),
    )
    .await;
    assert_eq!(gaps.len(), 2, "{gaps:?}");
    for gap in gaps {
        assert!(
            gap >= Duration::from_millis(400),
            "retried {gap:?}: retry-after-ms was not the one obeyed"
        );
    }
}

#[tokio::test]
async fn a_503_with_should_retry_true_is_retried_for_add_runs() {
    let fault = Fault::status(503)
        .times(1)
        .should_retry(true)
        .retry_after_ms(10)
        .path("/runs");
    let emu = start(instant().fault(fault.clone())).await;
    let client = client_for(&emu);
    let (_, out) = group_with(&client, 3).await;
    assert_eq!(fired(&emu, &fault), 1);
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
    let fault = Fault::latency(Duration::from_secs(1))
        .path("/runs")
        .method("POST")
        .times(1);
    let emu = start(instant().fault(fault.clone())).await;
    let client = configured(&emu, |b| {
        b.read_timeout(Some(Duration::from_millis(200)))
            .settle_window(Duration::from_millis(500))
    });
    let (group, out) = group_with(&client, 3).await;
    assert_eq!(fired(&emu, &fault), 1);
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

#[tokio::test]
async fn client_side_limits_hold_at_limit_minus_one_the_limit_and_limit_plus_one() {
    // Checked before sending (`preview` runs the same checks and sends
    // nothing). `é` is two bytes: the limits count characters.
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    let before = emu.stats().requests;
    let text = |n: usize| "é".repeat(n);
    fn ok<T>(r: Result<T, Error>) -> &'static str {
        match r {
            Ok(_) => "ok",
            Err(Error::InvalidInput { .. }) => "refused",
            Err(other) => panic!("{other:?}"),
        }
    }

    let chunks: Vec<Vec<usize>> = [999, 1_000, 1_001]
        .into_iter()
        .map(|n| {
            let bodies = group.add_runs(questions(n)).processor("lite").preview();
            bodies.unwrap().iter().map(|b| b.inputs.len()).collect()
        })
        .collect();
    assert_eq!(chunks, [vec![999], vec![1_000], vec![1_000, 1]]);

    let keys: Vec<_> = [15, 16, 17]
        .into_iter()
        .map(|n| {
            let input = RunInput::new("x").metadata([(text(n), "v")]);
            ok(group.add_run_inputs([input]).processor("lite").preview())
        })
        .collect();
    assert_eq!(keys, ["ok", "ok", "refused"], "metadata key characters");

    let values: Vec<_> = [511, 512, 513]
        .into_iter()
        .map(|n| {
            let input = RunInput::new("x").metadata([("k", text(n))]);
            ok(group.add_run_inputs([input]).processor("lite").preview())
        })
        .collect();
    assert_eq!(values, ["ok", "ok", "refused"], "metadata value characters");

    // A text input counts its characters, as the emulator does.
    let inputs: Vec<_> = [
        parallel_web::MAX_SPEC_AND_INPUT_CHARS - 1,
        parallel_web::MAX_SPEC_AND_INPUT_CHARS,
        parallel_web::MAX_SPEC_AND_INPUT_CHARS + 1,
    ]
    .into_iter()
    .map(|n| ok(group.add_runs([text(n)]).processor("lite").preview()))
    .collect();
    assert_eq!(
        inputs,
        ["ok", "ok", "refused"],
        "task spec plus input characters"
    );

    let specs: Vec<_> = [
        parallel_web::MAX_SPEC_CHARS - 1,
        parallel_web::MAX_SPEC_CHARS,
        parallel_web::MAX_SPEC_CHARS + 1,
    ]
    .into_iter()
    .map(|n| {
        let bare = TaskSpec::text("");
        let spec = TaskSpec::text(text(n - bare.len_chars()));
        assert_eq!(spec.len_chars(), n);
        ok(group
            .add_runs(["x"])
            .processor("lite")
            .default_spec(&spec)
            .preview())
    })
    .collect();
    assert_eq!(specs, ["ok", "ok", "refused"], "task spec characters");
    assert_eq!(emu.stats().requests, before, "nothing was sent");
}
