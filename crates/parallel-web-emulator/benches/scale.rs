//! Scale benchmark (not a test): one group of 1,000,000 runs and 1,000
//! concurrent event-stream subscribers against an in-process emulator.
//!
//! Run: `cargo bench -p parallel-web-emulator --bench scale`
//! (env `BENCH_RUNS` changes the group size, `BENCH_SUBSCRIBERS` the fan-out).
//! Prints add-runs throughput, events/s for snapshot and live streams, and the
//! process RSS (emulator and client share the process).

use futures::StreamExt;
use parallel_web_emulator::Emulator;
use serde_json::{Value, json};
use std::time::Instant;

mod support;

use support::{count_events, env_usize, rss_mib};

/// Creates an empty task group and returns its id.
async fn create_group(http: &reqwest::Client, base: &str, key: &str) -> String {
    let group: Value = http
        .post(format!("{base}/v1/tasks/groups"))
        .header("x-api-key", key)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    group["taskgroup_id"].as_str().unwrap().to_owned()
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let total_runs = env_usize("BENCH_RUNS", 1_000_000);
    let subscribers = env_usize("BENCH_SUBSCRIBERS", 1_000);
    let per_post = 1_000;
    let rss_start = rss_mib();

    let emu = Emulator::builder()
        .time_scale(0.0)
        .rate_limit(0)
        .start()
        .await
        .expect("starts");
    let base = emu.base_url();
    let key = emu.api_key().to_owned();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(2_000)
        .build()
        .unwrap();

    // --- add runs: 1,000 inputs per POST, 4 POSTs in flight ---
    let gid = create_group(&http, &base, &key).await;
    let spec = json!({"output_schema": {"type": "json", "json_schema": {
        "type": "object",
        "properties": {"key_insights": {"type": "array", "items": {"type": "string"}}, "market_position": {"type": "string"}},
        "required": ["key_insights", "market_position"]}}});
    // Bodies are built as they are sent, so the RSS figure is mostly the emulator's.
    let bodies = (0..total_runs.div_ceil(per_post)).map(|b| {
            let inputs: Vec<Value> = (b * per_post..((b + 1) * per_post).min(total_runs))
                .map(|i| json!({"input": {"company_name": format!("Company {i}"), "company_website": format!("https://company{i}.com")}, "processor": "lite"}))
                .collect();
        json!({"default_task_spec": spec, "inputs": inputs}).to_string()
    });
    let t = Instant::now();
    let url = format!("{base}/v1/tasks/groups/{gid}/runs");
    futures::stream::iter(bodies)
        .map(|body| {
            let (http, url, key) = (http.clone(), url.clone(), key.clone());
            async move {
                let r = http
                    .post(url)
                    .header("x-api-key", key)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 200);
                r.bytes().await.unwrap();
            }
        })
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;
    let add_secs = t.elapsed().as_secs_f64();
    println!(
        "add runs: {total_runs} runs in {add_secs:.2} s = {:.0} runs/s ({per_post} per POST)",
        total_runs as f64 / add_secs
    );

    // Wait for the group to finish (the events stream closes when it is inactive).
    let t = Instant::now();
    let group_events =
        count_events(&http, format!("{base}/v1/tasks/groups/{gid}/events"), &key).await;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "group events replay: {group_events} events in {secs:.2} s = {:.0} events/s",
        group_events as f64 / secs
    );
    println!(
        "RSS with {total_runs} runs: {:.0} MiB (process start {:.0} MiB)",
        rss_mib(),
        rss_start
    );

    // --- runs snapshot stream ---
    let t = Instant::now();
    let n = count_events(&http, format!("{base}/v1/tasks/groups/{gid}/runs"), &key).await;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "runs stream: {n} events in {secs:.2} s = {:.0} events/s",
        n as f64 / secs
    );
    let t = Instant::now();
    let n = count_events(&http, format!("{base}/v1/tasks/groups/{gid}/runs?include_input=true&include_output=true&status=completed"), &key).await;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "runs stream with input+output: {n} events in {secs:.2} s = {:.0} events/s",
        n as f64 / secs
    );
    println!("RSS after streaming: {:.0} MiB", rss_mib());
    emu.shutdown().await;

    // --- live fan-out: many subscribers on one active group ---
    let emu = Emulator::builder()
        .time_scale(0.001)
        .rate_limit(0)
        .start()
        .await
        .expect("starts");
    let base = emu.base_url();
    let gid = create_group(&http, &base, &key).await;
    let inputs: Vec<Value> = (0..1_000)
        .map(|i| json!({"input": format!("q{i}"), "processor": "ultra-fast"}))
        .collect();
    let r = http
        .post(format!("{base}/v1/tasks/groups/{gid}/runs"))
        .header("x-api-key", &key)
        .json(&json!({"inputs": inputs}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let t = Instant::now();
    let counts: Vec<u64> = futures::future::join_all(
        (0..subscribers)
            .map(|_| count_events(&http, format!("{base}/v1/tasks/groups/{gid}/events"), &key)),
    )
    .await;
    let secs = t.elapsed().as_secs_f64();
    let total: u64 = counts.iter().sum();
    let min = counts.iter().min().copied().unwrap_or(0);
    println!(
        "{subscribers} concurrent subscribers: {total} events in {secs:.2} s = {:.0} events/s (each got >= {min} events; group of 1000 runs, time scale 0.001)",
        total as f64 / secs
    );
    println!("stats: events_served = {}", emu.stats().events_served);
    emu.shutdown().await;
}
