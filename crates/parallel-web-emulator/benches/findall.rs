//! FindAll benchmark (not a test): one FindAll run extended until it has
//! about `BENCH_FINDALL_EVENTS` events (default 100,000), then its whole
//! event stream read once, against an in-process emulator.
//!
//! Run: `cargo bench -p parallel-web-emulator --bench findall`.
//! Prints how long the run took to build, the events/s of the stream, and
//! the process RSS before and after (emulator and client share the process).

use parallel_web_emulator::Emulator;
use serde_json::{Value, json};
use std::time::Instant;

mod support;

use support::{count_events, env_usize, rss_mib};

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let wanted = env_usize("BENCH_FINDALL_EVENTS", 100_000) as u64;
    let rss_start = rss_mib();
    let emu = Emulator::builder()
        .time_scale(0.0)
        .rate_limit(0)
        .start()
        .await
        .expect("starts");
    let (base, key) = (emu.base_url(), emu.api_key().to_owned());
    let http = reqwest::Client::new();
    let post = |path: String, body: Value| {
        let (http, key) = (http.clone(), key.clone());
        async move {
            let r = http
                .post(path)
                .header("x-api-key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{}", r.status());
            r.json::<Value>().await.unwrap()
        }
    };

    // About four events per match (generated, then matched or unmatched,
    // for about two candidates per match).
    let t = Instant::now();
    let run = post(
        format!("{base}/v1beta/findall/runs"),
        json!({"objective": "robotics companies", "entity_type": "companies", "generator": "core",
               "match_limit": 1000,
               "match_conditions": [{"name": "builds_robots", "description": "Builds robots."},
                                    {"name": "has_customers", "description": "Has paying customers."}]}),
    )
    .await;
    let id = run["findall_id"].as_str().unwrap().to_owned();
    let more = (wanted / 4).saturating_sub(1000).max(1);
    post(
        format!("{base}/v1beta/findall/runs/{id}/extend"),
        json!({"additional_match_limit": more}),
    )
    .await;
    let build = t.elapsed().as_secs_f64();
    let rss_built = rss_mib();

    let t = Instant::now();
    let n = count_events(
        &http,
        format!("{base}/v1beta/findall/runs/{id}/events"),
        &key,
    )
    .await;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "findall run of {} matches built in {build:.2} s",
        1000 + more
    );
    println!(
        "findall events: {n} events in {secs:.2} s = {:.0} events/s",
        n as f64 / secs
    );
    println!(
        "rss: {rss_start:.0} MiB at start, {rss_built:.0} MiB with the run built, {:.0} MiB after streaming",
        rss_mib()
    );
}
