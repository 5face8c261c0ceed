//! Injected faults and the stats that count them.

mod common;

use common::{builder, frames, start, start_with};
use futures::StreamExt;
use parallel_web_emulator::Fault;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn status_fault_answers_with_retry_headers_then_stops_after_times() {
    let f = Fault::status(429)
        .times(2)
        .retry_after_ms(100)
        .retry_after_secs(1.0)
        .should_retry(true);
    let (emu, api) = start_with(builder().fault(f.clone())).await;
    for _ in 0..2 {
        let r = api.post("/v1/tasks/groups", &json!({})).await;
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after-ms"), Some("100"));
        assert_eq!(r.header("retry-after"), Some("1"));
        assert_eq!(r.header("x-should-retry"), Some("true"));
        assert_eq!(r.json()["type"], "error");
    }
    assert_eq!(api.post("/v1/tasks/groups", &json!({})).await.status, 200);
    assert_eq!(emu.stats().faults_fired.get(&f.to_string()), Some(&2));
}

#[tokio::test]
async fn status_fault_respects_path_filter() {
    let (_emu, api) =
        start_with(builder().fault("status:code=503,path=/events".parse().unwrap())).await;
    let g = api.group().await;
    assert_eq!(api.get(&format!("/v1/tasks/groups/{g}")).await.status, 200);
    assert_eq!(
        api.get(&format!("/v1/tasks/groups/{g}/events"))
            .await
            .status,
        503
    );
}

#[tokio::test]
async fn status_fault_rate_is_reproducible_under_a_seed() {
    async fn pattern(seed: u64) -> Vec<u16> {
        let (_emu, api) =
            start_with(builder().seed(seed).fault(Fault::status(503).rate(0.5))).await;
        let mut out = Vec::new();
        for _ in 0..20 {
            out.push(api.get("/v1/tasks/groups/tgrp_x").await.status);
        }
        out
    }
    let a = pattern(9).await;
    assert_eq!(a, pattern(9).await);
    assert!(a.contains(&503) && a.contains(&404), "{a:?}");
}

async fn read_until_cut(api: &common::Api, path: &str) -> (String, bool) {
    let resp = api
        .http
        .get(format!("{}{path}", api.base))
        .header("x-api-key", &api.key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let mut body = resp.bytes_stream();
    let mut text = String::new();
    let mut cut = false;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(b) => text.push_str(std::str::from_utf8(&b).unwrap()),
            Err(_) => {
                cut = true;
                break;
            }
        }
    }
    (text, cut)
}

#[tokio::test]
async fn drop_stream_cuts_the_connection_after_n_events() {
    let (emu, api) = start_with(builder().fault(Fault::drop_stream_after(3).times(1))).await;
    let g = api.group().await;
    api.add(&g, 10).await;
    let (text, cut) = read_until_cut(&api, &format!("/v1/tasks/groups/{g}/runs")).await;
    assert!(cut, "the client sees a transport error");
    assert_eq!(frames(&text).len(), 3);
    let (again, cut_again) = read_until_cut(&api, &format!("/v1/tasks/groups/{g}/runs")).await;
    assert!(!cut_again, "times=1 bounds the fault");
    assert_eq!(frames(&again).len(), 10);
    assert_eq!(emu.stats().faults_fired.values().sum::<u64>(), 1);
}

#[tokio::test]
async fn drop_stream_between_cuts_within_the_range() {
    let (_emu, api) =
        start_with(builder().fault("drop-stream:between=2-4,path=/events".parse().unwrap())).await;
    let g = api.group().await;
    api.add(&g, 10).await;
    let (text, cut) = read_until_cut(&api, &format!("/v1/tasks/groups/{g}/events")).await;
    assert!(cut);
    let n = frames(&text).len();
    assert!((2..=4).contains(&n), "{n}");
}

#[tokio::test]
async fn drop_stream_between_picks_reproducible_cut_points_under_a_seed() {
    async fn cut_points(seed: u64) -> Vec<usize> {
        let fault = "drop-stream:between=1-8,path=/runs".parse().unwrap();
        let (_emu, api) = start_with(builder().seed(seed).fault(fault)).await;
        let g = api.group().await;
        api.add(&g, 10).await;
        let mut out = Vec::new();
        for _ in 0..6 {
            let (text, cut) = read_until_cut(&api, &format!("/v1/tasks/groups/{g}/runs")).await;
            assert!(cut);
            out.push(frames(&text).len());
        }
        out
    }
    let a = cut_points(21).await;
    assert!(a.iter().all(|n| (1..=8).contains(n)), "{a:?}");
    assert_eq!(a, cut_points(21).await, "same seed, same cut points");
}

#[tokio::test]
async fn ambiguous_add_runs_commits_but_the_client_gets_a_transport_error() {
    let (emu, api) = start_with(builder().fault(Fault::ambiguous_add_runs().times(1))).await;
    let g = api.group().await;
    let body = json!({"inputs": [{"input": "a", "processor": "lite"}, {"input": "b", "processor": "lite"}]});
    let first = api
        .http
        .post(format!("{}/v1/tasks/groups/{g}/runs", api.base))
        .header("x-api-key", &api.key)
        .json(&body)
        .send()
        .await;
    let err = first.expect_err("no HTTP response at all");
    assert!(!err.is_status(), "{err}");
    let stats = emu.stats();
    assert_eq!(
        stats.runs_per_group.get(&g),
        Some(&2),
        "the runs were committed"
    );
    let retry = api.post(&format!("/v1/tasks/groups/{g}/runs"), &body).await;
    assert_eq!(retry.status, 200);
    assert_eq!(
        retry.json()["status"]["num_task_runs"],
        4,
        "a blind retry duplicates runs"
    );
}

#[tokio::test]
async fn latency_fault_is_applied_and_counted() {
    let (emu, api) =
        start_with(builder().fault(Fault::latency(Duration::from_millis(5)).times(2))).await;
    for _ in 0..3 {
        assert_eq!(api.post("/v1/tasks/groups", &json!({})).await.status, 200);
    }
    assert_eq!(
        emu.stats().faults_fired.get("latency:ms=5,times=2"),
        Some(&2)
    );
}

#[tokio::test]
async fn stats_endpoint_reports_counters_and_needs_the_key() {
    let (emu, api) = start().await;
    let g = api.group().await;
    api.add(&g, 5).await;
    let group_events = api.events(&g, "").await.len();
    // The runs stream from the second run's cursor: the 3 runs after it.
    let runs = frames(&api.get(&format!("/v1/tasks/groups/{g}/runs")).await.text);
    let cursor = runs[1].json()["event_id"]
        .as_str()
        .expect("a runs event has an id")
        .to_owned();
    let after = api
        .get(&format!("/v1/tasks/groups/{g}/runs?last_event_id={cursor}"))
        .await;
    assert_eq!(frames(&after.text).len(), 3);
    let r = api.get("/_emulator/stats").await;
    assert_eq!(r.status, 200);
    let v = r.json();
    let per_operation = &v["events_per_operation"];
    assert_eq!(per_operation["task_group_events"], group_events as u64);
    assert_eq!(per_operation["task_group_get_runs"], 5 + 3);
    assert_eq!(v["events_served"], group_events as u64 + 5 + 3);
    assert_eq!(v["groups"], 1);
    assert_eq!(v["runs_created"], 5);
    assert_eq!(v["runs_per_group"][&g], 5);
    assert_eq!(v["requests_per_operation"]["task_group_create"], 1);
    assert_eq!(v["requests_per_operation"]["task_group_add_runs"], 1);
    assert_eq!(v["requests_per_operation"]["task_group_events"], 1);
    assert!(v["events_served"].as_u64().unwrap() >= 6);
    let typed: parallel_web_emulator::Stats = serde_json::from_value(v).unwrap();
    assert_eq!(typed.runs_created, emu.stats().runs_created);
    let anon = api
        .http
        .get(format!("{}/_emulator/stats", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status().as_u16(), 401);
}

#[tokio::test]
async fn shutdown_ends_open_streams() {
    let (emu, api) = start_with(builder().time_scale(1.0)).await;
    let g = api.group().await;
    api.add(&g, 1).await;
    let resp = api
        .http
        .get(format!("{}/v1/tasks/groups/{g}/events", api.base))
        .header("x-api-key", &api.key)
        .send()
        .await
        .unwrap();
    let mut body = resp.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    assert!(
        std::str::from_utf8(&first)
            .unwrap()
            .starts_with("event: task_group_status\n")
    );
    emu.shutdown().await;
    // The stream must end (cleanly or not) instead of waiting for the hour-long lifetime.
    while let Some(Ok(_)) = body.next().await {}
}

#[tokio::test]
async fn status_fault_respects_method_filter() {
    let fault = "status:code=429,path=/runs,method=POST,retry-after=2"
        .parse()
        .unwrap();
    let (_emu, api) = start_with(builder().fault(fault)).await;
    let g = api.group().await;
    assert_eq!(
        api.get(&format!("/v1/tasks/groups/{g}/runs")).await.status,
        200
    );
    let r = api
        .post(
            &format!("/v1/tasks/groups/{g}/runs"),
            &json!({"inputs": []}),
        )
        .await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("2"));
}

/// Waits until no POST held by a `late-commit` fault is left uncommitted.
async fn until_late_commits_land(emu: &parallel_web_emulator::EmulatorHandle) {
    while emu.stats().late_commits_pending > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn late_commit_holds_the_answer_then_answers_with_the_committed_runs() {
    let f = Fault::late_commit(Duration::from_millis(300)).times(1);
    let (emu, api) = start_with(builder().fault(f.clone())).await;
    let g = api.group().await;
    let body = json!({"inputs": [{"input": "a", "processor": "lite"}, {"input": "b", "processor": "lite"}]});
    let reply = api.post(&format!("/v1/tasks/groups/{g}/runs"), &body).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["run_ids"].as_array().map(Vec::len), Some(2));
    let stats = emu.stats();
    assert_eq!(stats.runs_per_group.get(&g), Some(&2));
    assert_eq!(stats.late_commits_pending, 0);
    assert_eq!(stats.faults_fired.get(&f.to_string()), Some(&1));
}

#[tokio::test]
async fn a_client_that_gives_up_during_a_late_commit_hold_still_gets_its_runs() {
    // The client's timeout (100 ms) is far shorter than the hold (2 s): it
    // disconnects while the POST is held, and the runs are created anyway.
    let (emu, api) = start_with(builder().fault(Fault::late_commit(Duration::from_secs(2)))).await;
    let g = api.group().await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let body = json!({"inputs": [{"input": "a", "processor": "lite"}, {"input": "b", "processor": "lite"}]});
    let sent = impatient
        .post(format!("{}/v1/tasks/groups/{g}/runs", api.base))
        .header("x-api-key", &api.key)
        .json(&body)
        .send()
        .await;
    assert!(sent.expect_err("the client gave up").is_timeout());
    let run = impatient
        .post(format!("{}/v1/tasks/runs", api.base))
        .header("x-api-key", &api.key)
        .json(&json!({"input": "c", "processor": "lite"}))
        .send()
        .await;
    assert!(run.expect_err("the client gave up").is_timeout());

    until_late_commits_land(&emu).await;
    let ledger = api.get(&format!("/_emulator/groups/{g}/runs")).await;
    let inputs: Vec<Value> = ledger
        .text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["run_input"]["input"].clone())
        .collect();
    assert_eq!(inputs, [json!("a"), json!("b")], "the held POST committed");
    let stats = emu.stats();
    assert_eq!(stats.runs_created, 3, "the single run was created too");
    assert_eq!(stats.faults_fired.get("late-commit:ms=2000"), Some(&2));
}
