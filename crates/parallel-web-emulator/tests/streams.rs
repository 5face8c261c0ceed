//! The SSE endpoints (G4 runs, G5 events, R5 run events): framing, snapshot
//! and close rules, cursors.

mod common;

use common::{TASK_RUN_KEYS, builder, frames, keys, keys_at, start, start_with};
use serde_json::json;

#[tokio::test]
async fn runs_stream_is_a_snapshot_framed_exactly_and_then_closes() {
    let (_emu, api) = start_with(builder().time_scale(1.0)).await;
    let g = api.group().await;
    let added = api.add(&g, 3).await;
    let r = api.get(&format!("/v1/tasks/groups/{g}/runs")).await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("text/event-stream")
    );
    assert!(!r.text.contains("\nid:") && !r.text.starts_with("id:"));
    let f = frames(&r.text);
    assert_eq!(f.len(), 3, "active runs are included");
    for (frame, id) in f.iter().zip(added["run_ids"].as_array().unwrap()) {
        assert_eq!(frame.event, "task_run.state");
        assert_eq!(
            keys(&frame.data),
            ["type", "event_id", "input", "run", "output"]
        );
        assert_eq!(keys_at(&frame.data, &["run"]), TASK_RUN_KEYS);
        let v = frame.json();
        assert_eq!(&v["run"]["run_id"], id);
        assert!(v["event_id"].is_string());
        assert_eq!(v["input"], json!(null));
        assert_eq!(v["output"], json!(null));
    }
}

#[tokio::test]
async fn runs_stream_includes_input_and_output_only_when_asked() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    api.add(&g, 2).await;
    api.events(&g, "").await;
    let r = api
        .get(&format!(
            "/v1/tasks/groups/{g}/runs?include_input=true&include_output=true"
        ))
        .await;
    for f in frames(&r.text) {
        let v = f.json();
        assert_eq!(v["run"]["status"], "completed");
        assert!(
            v["input"]["input"]
                .as_str()
                .unwrap()
                .starts_with("question")
        );
        assert_eq!(v["output"]["type"], "json");
    }
}

#[tokio::test]
async fn runs_stream_filters_by_status() {
    let (_emu, api) = start_with(builder().failure_rate(0.5).seed(3)).await;
    let g = api.group().await;
    api.add(&g, 40).await;
    api.events(&g, "").await;
    let failed = frames(
        &api.get(&format!(
            "/v1/tasks/groups/{g}/runs?status=failed&include_output=true"
        ))
        .await
        .text,
    );
    let completed = frames(
        &api.get(&format!("/v1/tasks/groups/{g}/runs?status=completed"))
            .await
            .text,
    );
    assert_eq!(failed.len() + completed.len(), 40);
    assert!(!failed.is_empty() && !completed.is_empty());
    for f in &failed {
        let v = f.json();
        assert_eq!(v["run"]["status"], "failed");
        assert!(v["run"]["error"]["message"].is_string());
        assert_eq!(v["output"], json!(null), "no output for failed runs");
    }
    let bad = api
        .get(&format!("/v1/tasks/groups/{g}/runs?status=done"))
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["detail"][0]["loc"], json!(["query", "status"]));
}

#[tokio::test]
async fn runs_stream_resumes_strictly_after_the_cursor() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    api.add(&g, 2).await;
    let second = api.add(&g, 3).await;
    let all = frames(&api.get(&format!("/v1/tasks/groups/{g}/runs")).await.text);
    assert_eq!(all.len(), 5);
    let cursor = all[0].json()["event_id"].as_str().unwrap().to_owned();
    let rest = frames(
        &api.get(&format!("/v1/tasks/groups/{g}/runs?last_event_id={cursor}"))
            .await
            .text,
    );
    assert_eq!(
        rest.iter()
            .map(|f| f.json()["run"]["run_id"].clone())
            .collect::<Vec<_>>(),
        all[1..]
            .iter()
            .map(|f| f.json()["run"]["run_id"].clone())
            .collect::<Vec<_>>()
    );
    let rc = second["run_cursor"].as_str().unwrap();
    let tail = frames(
        &api.get(&format!("/v1/tasks/groups/{g}/runs?last_event_id={rc}"))
            .await
            .text,
    );
    let tail_ids: Vec<_> = tail
        .iter()
        .map(|f| f.json()["run"]["run_id"].clone())
        .collect();
    assert_eq!(tail_ids, second["run_ids"].as_array().unwrap().clone());
}

#[tokio::test]
async fn invalid_or_foreign_cursors_are_422_naming_the_cursor() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    let other = api.group().await;
    api.add(&g, 1).await;
    let second = api.add(&g, 1).await;
    api.add(&other, 1).await;
    let others = api.add(&other, 1).await;
    let rc = second["run_cursor"].as_str().unwrap();
    let ec = second["event_cursor"].as_str().unwrap();
    // Positions the other group has too: refused for the group, not the position.
    let other_rc = others["run_cursor"].as_str().unwrap();
    let other_ec = others["event_cursor"].as_str().unwrap();
    for (path, cursor) in [
        (format!("/v1/tasks/groups/{g}/runs"), "garbage"),
        (format!("/v1/tasks/groups/{g}/events"), "garbage"),
        (format!("/v1/tasks/groups/{other}/runs"), rc),
        (format!("/v1/tasks/groups/{g}/runs"), ec),
        (format!("/v1/tasks/groups/{g}/events"), rc),
        (format!("/v1/tasks/groups/{g}/runs"), other_rc),
        (format!("/v1/tasks/groups/{g}/events"), other_ec),
    ] {
        let r = api.get(&format!("{path}?last_event_id={cursor}")).await;
        assert_eq!(r.status, 422, "{path} {cursor}");
        let v = r.json();
        assert_eq!(v["detail"][0]["loc"], json!(["query", "last_event_id"]));
        assert!(v["detail"][0]["msg"].as_str().unwrap().contains(cursor));
    }
}

#[tokio::test]
async fn events_stream_replays_the_log_and_closes_when_the_group_is_inactive() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    api.add(&g, 4).await;
    let f = api.events(&g, "").await;
    assert_eq!(f.iter().filter(|f| f.event == "task_run.state").count(), 4);
    let first = f.first().unwrap();
    assert_eq!(first.event, "task_group_status");
    assert_eq!(keys(&first.data), ["type", "event_id", "status"]);
    assert_eq!(first.json()["status"]["is_active"], true);
    let last = f.last().unwrap().json();
    assert_eq!(last["type"], "task_group_status");
    assert_eq!(last["status"]["is_active"], false);
    for frame in f.iter().filter(|f| f.event == "task_run.state") {
        let v = frame.json();
        assert!(v["event_id"].is_string());
        assert_eq!(v["input"], json!(null));
        assert_eq!(v["output"], json!(null));
        assert!(!v["run"]["is_active"].as_bool().unwrap());
    }
}

// Paused tokio time (the emulator's scheduler runs on the tokio clock): the
// clock moves only when every task waits, so each run step is its own moment
// and the stream sees every change, however slow the machine.
#[tokio::test(start_paused = true)]
async fn events_stream_follows_a_live_group_until_it_finishes() {
    let (_emu, api) = start_with(builder().time_scale(1.0)).await;
    let g = api.group().await;
    api.add(&g, 3).await;
    let f = api.events(&g, "").await;
    let statuses: Vec<_> = f
        .iter()
        .filter(|f| f.event == "task_group_status")
        .map(|f| f.json())
        .collect();
    assert!(statuses.len() >= 2);
    assert_eq!(
        statuses.last().unwrap()["status"]["task_run_status_counts"],
        json!({"completed": 3})
    );
    assert_eq!(f.iter().filter(|f| f.event == "task_run.state").count(), 3);
}

#[tokio::test]
async fn events_stream_resumes_after_event_id_and_event_cursor() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    api.add(&g, 2).await;
    let all = api.events(&g, "").await;
    let cursor = all[1].json()["event_id"].as_str().unwrap().to_owned();
    let rest = api.events(&g, &format!("?last_event_id={cursor}")).await;
    assert_eq!(
        rest.iter().map(|f| f.data.clone()).collect::<Vec<_>>(),
        all[2..].iter().map(|f| f.data.clone()).collect::<Vec<_>>()
    );
    let second = api.add(&g, 1).await;
    let after = api
        .events(
            &g,
            &format!(
                "?last_event_id={}",
                second["event_cursor"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(
        after[0].json()["status"]["num_task_runs"],
        3,
        "first event after the cursor is the new add"
    );
    assert_eq!(
        after.iter().filter(|f| f.event == "task_run.state").count(),
        1
    );
}

// Paused time: at time scale 1 the keep-alive comes after 15 s and an
// `ultra8x` run stays active far longer than the 20 s timeout, all on the
// same virtual clock, so neither depends on how fast the machine is (and
// the test takes no real 20 s).
#[tokio::test(start_paused = true)]
async fn events_stream_honours_timeout_and_sends_keep_alive_comments() {
    let (_emu, api) = start_with(builder().time_scale(1.0)).await;
    let g = api.group().await;
    api.post(
        &format!("/v1/tasks/groups/{g}/runs"),
        &json!({"inputs": [{"input": "slow", "processor": "ultra8x"}]}),
    )
    .await;
    let r = api
        .get(&format!("/v1/tasks/groups/{g}/events?timeout=20"))
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.text.contains("\n\n: keep-alive\n\n") || r.text.starts_with(": keep-alive\n\n"),
        "{:?}",
        r.text
    );
    let f = frames(&r.text);
    assert_eq!(
        f.iter().filter(|f| f.event == "task_run.state").count(),
        0,
        "run still active when the timeout ends the stream"
    );
}

#[tokio::test]
async fn empty_group_events_stream_closes_immediately() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    assert!(api.events(&g, "").await.is_empty());
}

#[tokio::test]
async fn run_events_stream_starts_with_state_then_progress_then_final_state_with_output() {
    let (_emu, api) = start().await;
    let id = api
        .create_run(&json!({"input": "q", "processor": "pro", "enable_events": true}))
        .await;
    for prefix in ["/v1", "/v1beta"] {
        let r = api.get(&format!("{prefix}/tasks/runs/{id}/events")).await;
        assert_eq!(r.status, 200);
        let f = frames(&r.text);
        assert_eq!(f.first().unwrap().event, "task_run.state");
        assert_eq!(f.first().unwrap().json()["event_id"], json!(null));
        assert!(
            f.iter()
                .any(|f| f.event.starts_with("task_run.progress_msg."))
        );
        let stats = f
            .iter()
            .find(|f| f.event == "task_run.progress_stats")
            .unwrap();
        assert_eq!(
            keys(&stats.data),
            ["type", "source_stats", "progress_meter"]
        );
        let msg = f
            .iter()
            .find(|f| f.event.starts_with("task_run.progress_msg."))
            .unwrap();
        assert_eq!(keys(&msg.data), ["type", "message", "timestamp"]);
        let last = f.last().unwrap().json();
        assert_eq!(last["type"], "task_run.state");
        assert_eq!(last["event_id"], json!(null));
        assert_eq!(last["run"]["status"], "completed");
        assert!(last["output"].is_object());
    }
}

#[tokio::test]
async fn unknown_group_streams_are_404() {
    let (_emu, api) = start().await;
    for p in ["runs", "events"] {
        let r = api.get(&format!("/v1/tasks/groups/tgrp_missing/{p}")).await;
        assert_eq!(r.status, 404);
        assert_eq!(r.json()["error"]["message"], "TaskGroup not found");
    }
}

// Paused time: run steps happen at distinct virtual moments, so statuses
// with runs both running and queued are seen on any machine.
#[tokio::test(start_paused = true)]
async fn max_running_caps_concurrent_runs() {
    let (_emu, api) = start_with(builder().time_scale(1.0).max_running(2)).await;
    let g = api.group().await;
    api.add(&g, 8).await;
    let f = api.events(&g, "").await;
    let mut saw_queued_while_running = false;
    for s in f
        .iter()
        .filter(|f| f.event == "task_group_status")
        .map(|f| f.json())
    {
        let counts = &s["status"]["task_run_status_counts"];
        let running = counts["running"].as_u64().unwrap_or(0);
        assert!(running <= 2, "{counts}");
        saw_queued_while_running |= running > 0 && counts["queued"].as_u64().unwrap_or(0) > 0;
    }
    assert!(saw_queued_while_running);
}

// Two emulators with the same seed encode cursors alike, so a cursor from
// the longer group of one names, in the other, the position just past the
// end of a shorter stream: what a client holds after the emulator restarted.
#[tokio::test]
async fn a_cursor_one_past_the_end_of_a_stream_is_422_and_the_last_position_is_not() {
    let (_long_emu, long) = start().await;
    let (_short_emu, short) = start().await;
    let g = long.group().await;
    assert_eq!(short.group().await, g, "same seed, same group id");
    long.add(&g, 3).await;
    short.add(&g, 2).await;
    let long_events = long.events(&g, "").await;
    let short_events = short.events(&g, "").await;
    let runs = |api: &common::Api| {
        let api = api.clone();
        let g = g.clone();
        async move { frames(&api.get(&format!("/v1/tasks/groups/{g}/runs")).await.text) }
    };
    let (long_runs, short_runs) = (runs(&long).await, runs(&short).await);
    assert_eq!((long_runs.len(), short_runs.len()), (3, 2));
    assert!(long_events.len() > short_events.len());
    for (stream, long_frames, short_frames) in [
        ("runs", &long_runs, &short_runs),
        ("events", &long_events, &short_events),
    ] {
        let cursor = |f: &common::Frame| f.json()["event_id"].as_str().unwrap().to_owned();
        let path = format!("/v1/tasks/groups/{g}/{stream}");
        let last = cursor(short_frames.last().unwrap());
        assert_eq!(
            last,
            cursor(&long_frames[short_frames.len() - 1]),
            "the streams agree up to the shorter one's end"
        );
        let at_last = short.get(&format!("{path}?last_event_id={last}")).await;
        assert_eq!(at_last.status, 200, "{stream}: {}", at_last.text);
        assert!(
            frames(&at_last.text).is_empty(),
            "{stream}: nothing after the last"
        );
        let past = cursor(&long_frames[short_frames.len()]);
        let r = short.get(&format!("{path}?last_event_id={past}")).await;
        assert_eq!(r.status, 422, "{stream}: {}", r.text);
        assert_eq!(
            r.json()["detail"][0]["loc"],
            json!(["query", "last_event_id"])
        );
    }
}
