//! Part 1, exactly once under chaos: one `add_runs` of many inputs into one
//! group, on the emulator binary with faults on, then `wait()`, then every
//! run streamed back with its input and output, all checked against the
//! emulator's own ledger of what it created.
//!
//! Sizes come from the environment so the same test is the quick CI check
//! and the full run:
//!
//! - `PW_CHAOS_INPUTS` (default 10,000): inputs in the one `add_runs` call;
//! - `PW_CHAOS_SEEDS` (default `1,2`): one emulator process per seed, run
//!   one after another.
//!
//! Runs take 20–120 ms (`lite` at time scale 0.002). The faults, on every
//! request the client makes:
//!
//! - every SSE stream is cut after 1 to 500 events;
//! - 5% of requests get a 429 and 5% a 503 (before any handling), both with
//!   `retry-after-ms`;
//! - 1% of add-runs POSTs are committed and then cut before the response,
//!   plus the first one always (at 10 POSTs per 10,000 inputs, 1% alone
//!   would often never fire, and the reconciliation is what is under test);
//! - the server's rate limit is 4 run-creating POSTs per 250 ms, and the
//!   client's own pacing is off, so the server's 429s are met for real.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use futures::StreamExt;
use parallel_web::{Client, RetryPolicy, TaskSpec};
use parallel_web_tests::{EmulatorProcess, TEST_API_KEY};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One input; `id` is what the exactly-once checks follow.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
struct Company {
    /// Distinct per input: `c-000042`.
    id: String,
    /// Name of the company.
    name: String,
}

/// What each run returns.
#[derive(Debug, Deserialize, JsonSchema)]
struct Profile {
    /// A short description of the company.
    summary: String,
}

/// A ledger line, reduced to what the checks follow.
struct Entry {
    run_id: String,
    input_id: String,
}

/// The faults every chaos run starts the emulator with.
const FAULTS: &[&str] = &[
    "drop-stream:between=1-500",
    "status:code=429,retry-after-ms=10,rate=0.05",
    "status:code=503,retry-after-ms=10,rate=0.05",
    "ambiguous-add-runs:rate=0.01",
    "ambiguous-add-runs:times=1",
];

/// The value of environment variable `name`, or `default` when it is unset.
pub(crate) fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} does not parse")),
        Err(_) => default,
    }
}

/// The comma-separated seeds in environment variable `name`, or `default`.
pub(crate) fn seeds(name: &str, default: &str) -> Vec<u64> {
    let text = std::env::var(name).unwrap_or_else(|_| default.into());
    text.split(',')
        .map(|s| {
            s.trim()
                .parse()
                .unwrap_or_else(|_| panic!("{name}: {s:?} is not a seed"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_input_becomes_one_run_and_one_result_under_chaos() {
    let _alone = crate::ONE_SCENARIO_AT_A_TIME.lock().await;
    let inputs: usize = env_or("PW_CHAOS_INPUTS", 10_000);
    for seed in seeds("PW_CHAOS_SEEDS", "1,2") {
        let figures = chaos_run(inputs, seed).await;
        // The README's table is filled from these lines (`--nocapture`).
        println!("{figures}");
    }
}

/// What one chaos run did, for the README.
struct Figures {
    seed: u64,
    inputs: usize,
    posts: usize,
    post_attempts: u64,
    recovered: usize,
    client_requests: u64,
    server_requests: u64,
    faults: BTreeMap<String, u64>,
    rate_limited: u64,
    events: u64,
    submit: Duration,
    wait: Duration,
    stream: Duration,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fired = |prefix: &str| -> u64 {
            self.faults
                .iter()
                .filter(|(k, _)| k.starts_with(prefix))
                .map(|(_, v)| v)
                .sum()
        };
        write!(
            f,
            "| {} | {} | {} runs, each once | {} | {} | {} + {} | {} | {} | {} | {:.1} s + {:.1} s + {:.1} s |",
            self.seed,
            self.inputs,
            self.inputs,
            self.client_requests,
            self.server_requests,
            fired("status:code=429"),
            fired("status:code=503"),
            self.rate_limited,
            format_args!(
                "{} POSTs sent for {} accepted; {} cut after commit, {} inputs found and not resent",
                self.post_attempts,
                self.posts,
                fired("ambiguous-add-runs"),
                self.recovered,
            ),
            format_args!("{} cuts, {} events", fired("drop-stream"), self.events),
            self.submit.as_secs_f64(),
            self.wait.as_secs_f64(),
            self.stream.as_secs_f64(),
        )
    }
}

async fn chaos_run(n: usize, seed: u64) -> Figures {
    let mut args: Vec<String> = [
        // `lite` runs take 10–60 s documented; scaled, 20–120 ms, so runs
        // finish while the batch is still being submitted and `wait()` waits.
        "--time-scale",
        "0.002",
        "--seed",
        &seed.to_string(),
        "--rate-limit",
        "4",
        "--rate-window-ms",
        "250",
    ]
    .map(String::from)
    .to_vec();
    for fault in FAULTS {
        args.extend(["--fault".to_owned(), (*fault).to_owned()]);
    }
    let emulator = EmulatorProcess::spawn(&args.iter().map(String::as_str).collect::<Vec<_>>());

    // A client as a careful user would configure it for a flaky network:
    // more retries with short delays, more stream reconnects, and no pacing
    // of its own (so the server's rate limit is what it meets).
    let quick = RetryPolicy::default()
        .max_retries(12)
        .initial_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(100));
    let client = Client::builder()
        .api_key(TEST_API_KEY)
        .base_url(emulator.base_url())
        .retry_policy(quick.clone())
        .stream_backoff(quick)
        .stream_max_reconnects(20)
        .run_posts_per_minute(0)
        // `ambiguous-add-runs` commits before it cuts, so nothing lands
        // late here; the default 60 s settle window would only add minutes
        // of waiting (late commits are `late_commit.rs`'s subject).
        .settle_window(Duration::from_millis(100))
        .build()
        .expect("client");

    let companies: Vec<Company> = (0..n)
        .map(|i| Company {
            id: format!("c-{i:06}"),
            name: format!("Company {i}"),
        })
        .collect();
    let group = client
        .task_groups()
        .create()
        .metadata([("suite", "chaos")])
        .send()
        .await
        .expect("create the group");

    let started = Instant::now();
    let outcome = group
        .add_runs(&companies)
        .processor("lite")
        .default_spec(&TaskSpec::json::<Company, Profile>())
        .send()
        .await
        .unwrap_or_else(|e| panic!("seed {seed}: add_runs failed: {e}"));
    let submit = started.elapsed();
    assert_eq!(
        outcome.run_ids.len(),
        n,
        "seed {seed}: one run id per input"
    );
    let distinct: HashSet<&str> = outcome.run_ids.iter().map(String::as_str).collect();
    assert_eq!(distinct.len(), n, "seed {seed}: run ids are distinct");

    let started = Instant::now();
    let status = group
        .wait()
        .max_wait(Duration::from_secs(600))
        .await
        .unwrap_or_else(|e| panic!("seed {seed}: wait failed: {e}"));
    let wait = started.elapsed();
    assert!(!status.is_active, "seed {seed}: the group finished");
    assert_eq!(
        status.num_task_runs as usize, n,
        "seed {seed}: runs in the group"
    );
    assert_eq!(
        status.task_run_status_counts.get("completed").copied(),
        Some(n as i64),
        "seed {seed}: every run completed"
    );

    // Every run, streamed with input and output.
    let started = Instant::now();
    let mut runs = group
        .runs()
        .include_input()
        .include_output()
        .typed::<Company, Profile>()
        .await
        .unwrap_or_else(|e| panic!("seed {seed}: open the runs stream: {e}"));
    let mut streamed: Vec<(String, String)> = Vec::with_capacity(n);
    let mut event_ids: HashSet<String> = HashSet::with_capacity(n);
    while let Some(run) = runs.next().await {
        let run = run.unwrap_or_else(|e| panic!("seed {seed}: runs stream failed: {e}"));
        let event_id = run
            .event_id
            .clone()
            .expect("runs-stream events carry an id");
        assert!(
            event_ids.insert(event_id.clone()),
            "seed {seed}: event id {event_id} delivered twice"
        );
        let input = run.input.expect("input was asked for");
        let output = run.output.expect("a completed run carries its output");
        assert!(!output.summary.is_empty(), "seed {seed}: empty output");
        streamed.push((run.run.run_id.clone(), input.id));
    }
    let stream = started.elapsed();

    // The emulator's own records.
    let ledger: Vec<Entry> = emulator
        .ledger(group.id())
        .await
        .into_iter()
        .map(|e| Entry {
            input_id: e.run_input["input"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("seed {seed}: run {} has no input id", e.run_id))
                .to_owned(),
            run_id: e.run_id,
        })
        .collect();
    assert_eq!(ledger.len(), n, "seed {seed}: runs the emulator created");
    let mut runs_per_input: HashMap<&str, usize> = HashMap::with_capacity(n);
    for entry in &ledger {
        *runs_per_input.entry(entry.input_id.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = runs_per_input.iter().filter(|(_, k)| **k > 1).collect();
    assert!(
        twice.is_empty(),
        "seed {seed}: inputs created more than once: {twice:?}"
    );
    for company in &companies {
        assert_eq!(
            runs_per_input.get(company.id.as_str()),
            Some(&1),
            "seed {seed}: input {} exactly once",
            company.id
        );
    }
    // The ids add_runs returned are the emulator's runs for those inputs.
    let input_of: HashMap<&str, &str> = ledger
        .iter()
        .map(|e| (e.run_id.as_str(), e.input_id.as_str()))
        .collect();
    for (run_id, company) in outcome.run_ids.iter().zip(&companies) {
        assert_eq!(
            input_of.get(run_id.as_str()).copied(),
            Some(company.id.as_str()),
            "seed {seed}: add_runs returned {run_id} for {}",
            company.id
        );
    }
    // The stream delivered exactly the ledger, in its order: nothing missing
    // (no gap), nothing twice, each with the input the run was created with.
    let expected: Vec<(String, String)> = ledger
        .iter()
        .map(|e| (e.run_id.clone(), e.input_id.clone()))
        .collect();
    if streamed != expected {
        let got: HashSet<_> = streamed.iter().collect();
        let missing = expected.iter().filter(|r| !got.contains(r)).count();
        panic!(
            "seed {seed}: the runs stream differs from the ledger: {} delivered, {} expected, {missing} missing",
            streamed.len(),
            expected.len()
        );
    }

    let stats = emulator.stats().await;
    let count = |key: &str| stats[key].as_u64().unwrap_or_default();
    assert_eq!(
        count("runs_created"),
        n as u64,
        "seed {seed}: runs created in all"
    );
    let faults: BTreeMap<String, u64> = stats["faults_fired"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        faults.get("ambiguous-add-runs:times=1").copied() == Some(1),
        "seed {seed}: the reconciliation was exercised: {faults:?}"
    );
    assert!(
        faults
            .get("drop-stream:between=1-500")
            .copied()
            .unwrap_or_default()
            > 0,
        "seed {seed}: streams were cut: {faults:?}"
    );
    let figures = Figures {
        seed,
        inputs: n,
        posts: outcome.posts,
        post_attempts: stats["requests_per_operation"]["task_group_add_runs"]
            .as_u64()
            .unwrap_or_default(),
        recovered: outcome.recovered,
        client_requests: client.request_count(),
        server_requests: count("requests"),
        faults,
        rate_limited: count("rate_limited"),
        events: count("events_served"),
        submit,
        wait,
        stream,
    };
    assert!(emulator.terminate().success(), "seed {seed}: clean exit");
    figures
}
