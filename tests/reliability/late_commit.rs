//! Late commits (issue 14, class 5): add-runs POSTs that the server commits
//! after the client has given up on them, as behind a proxy that holds a
//! request past the client's read timeout while the server keeps going.
//!
//! The emulator binary holds every add-runs POST with `late-commit:ms=H`;
//! the client's read timeout is 1 s, its settle window 3 s, and it sends
//! `PW_LATE_INPUTS` inputs (default 5,000 in CI; `run.sh` sends 20,000) in
//! one `add_runs` call, as POSTs of 1,000, 4 at a time. Four runs, one
//! emulator each:
//!
//! - hold 1.5 s, shorter than the settle window: every POST times out, and
//!   its runs land before the read made a settle window after it was sent.
//!   Nothing may be duplicated: zero duplicates in the ledger, `Ok`.
//! - hold 4.5 s, longer than the window: the read at 3 s misses the runs,
//!   so the inputs are resent (that POST is held too, and lands later
//!   still). Once every held POST has landed, every input with more than one
//!   run in the ledger must have been reported: listed in
//!   `Error::DuplicateRuns` (with run ids the ledger confirms, oldest first)
//!   when both runs had landed by the final read-back (the first waves of
//!   POSTs, whose resends land while later waves are still being sent), or
//!   in `unsettled` when its late POST was still held then (the last wave).
//!   None may be missing. (`unsettled` means "may still be duplicated": an
//!   input whose held POST was dropped before the emulator read its body,
//!   which a loaded machine can cause, is rightly listed and never doubles.)
//!
//! each with a fast retry policy (5–100 ms) and the default one. Only
//! counts are checked, never durations; the holds and windows are chosen so
//! each commit lands 1.5 s away from the read that must (or must not) see it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use parallel_web::{Client, Error, RetryPolicy};
use parallel_web_tests::{EmulatorProcess, TEST_API_KEY};
use serde::Serialize;

/// The client's read timeout: every held POST fails with a timeout.
const READ_TIMEOUT: Duration = Duration::from_secs(1);
/// The client's settle window.
const SETTLE_WINDOW: Duration = Duration::from_secs(3);
/// A hold shorter than the settle window, in ms.
const SHORT_HOLD_MS: u64 = 1_500;
/// A hold longer than the settle window, in ms.
const LONG_HOLD_MS: u64 = 4_500;

/// One input; `n` is its position, which the checks follow.
#[derive(Serialize)]
struct Item {
    n: usize,
}

fn inputs() -> usize {
    match std::env::var("PW_LATE_INPUTS") {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("PW_LATE_INPUTS={v:?} is not a number")),
        Err(_) => 5_000,
    }
}

fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(12)
        .initial_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(100))
}

/// What one run showed, for the README.
struct Figures {
    hold_ms: u64,
    policy: &'static str,
    inputs: usize,
    post_attempts: u64,
    held: u64,
    ledger_runs: usize,
    duplicated: usize,
    reported: usize,
    unsettled: usize,
    recovered: Option<usize>,
    took: Duration,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "| {} ms | {} | {} | {} ({} held) | {} | {} | {} in `DuplicateRuns` + {} `unsettled` | {} | {:.1} s |",
            self.hold_ms,
            self.policy,
            self.inputs,
            self.post_attempts,
            self.held,
            self.ledger_runs,
            self.duplicated,
            self.reported,
            self.unsettled,
            self.recovered.map_or("—".to_owned(), |r| r.to_string()),
            self.took.as_secs_f64(),
        )
    }
}

/// What `add_runs` said, reduced to what the checks compare.
struct Said {
    /// For each input, the run id `add_runs` settled on.
    run_ids: Vec<Option<String>>,
    /// Reported duplicates: input → all its run ids, oldest first.
    reported: BTreeMap<usize, Vec<String>>,
    unsettled: BTreeSet<usize>,
    /// Inputs found after an ambiguous failure (an `Err` carries no count).
    recovered: Option<usize>,
}

async fn late_commit_run(
    hold_ms: u64,
    policy: RetryPolicy,
    policy_name: &'static str,
) -> (Figures, Said, BTreeMap<usize, Vec<String>>) {
    let n = inputs();
    // The SDK's warnings (each ambiguous POST, a failed read-back) explain a failure.
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_test_writer()
        .try_init();
    let fault = format!("late-commit:ms={hold_ms},path=/runs,method=POST");
    let emulator = EmulatorProcess::spawn(&["--time-scale", "0", "--fault", &fault]);
    let client = Client::builder()
        .api_key(TEST_API_KEY)
        .base_url(emulator.base_url())
        .read_timeout(Some(READ_TIMEOUT))
        .settle_window(SETTLE_WINDOW)
        .retry_policy(policy)
        .add_runs_concurrency(4)
        .build()
        .expect("client");
    let group = client
        .task_groups()
        .create()
        .send()
        .await
        .expect("create the group");

    let started = Instant::now();
    let sent = group
        .add_runs((0..n).map(|n| Item { n }))
        .processor("lite")
        .send()
        .await;
    let took = started.elapsed();
    let said = match sent {
        Ok(out) => Said {
            run_ids: out.run_ids.into_iter().map(Some).collect(),
            reported: BTreeMap::new(),
            unsettled: out.unsettled.into_iter().collect(),
            recovered: Some(out.recovered),
        },
        Err(Error::DuplicateRuns {
            duplicates,
            unsettled,
            run_ids,
            error,
            ..
        }) => {
            assert!(
                error.is_none(),
                "hold {hold_ms} ms, {policy_name}: the batch stopped: {error:?}"
            );
            Said {
                run_ids,
                reported: duplicates
                    .into_iter()
                    .map(|d| (d.index, d.run_ids))
                    .collect(),
                unsettled: unsettled.into_iter().collect(),
                recovered: None,
            }
        }
        Err(e) => panic!("hold {hold_ms} ms, {policy_name}: add_runs failed: {e}"),
    };

    // Every held POST lands eventually: wait for the last, then read what
    // the emulator created.
    loop {
        let stats = emulator.stats().await;
        if stats["late_commits_pending"].as_u64() == Some(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ledger = emulator.ledger(group.id()).await;
    let mut runs_of: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for entry in &ledger {
        let n = entry.run_input["input"]["n"]
            .as_u64()
            .unwrap_or_else(|| panic!("run {} has no input position", entry.run_id));
        runs_of
            .entry(n as usize)
            .or_default()
            .push(entry.run_id.clone());
    }
    let stats = emulator.stats().await;
    let figures = Figures {
        hold_ms,
        policy: policy_name,
        inputs: n,
        post_attempts: stats["requests_per_operation"]["task_group_add_runs"]
            .as_u64()
            .unwrap_or_default(),
        held: stats["faults_fired"][&fault].as_u64().unwrap_or_default(),
        ledger_runs: ledger.len(),
        duplicated: runs_of.values().filter(|ids| ids.len() > 1).count(),
        reported: said.reported.len(),
        unsettled: said.unsettled.len(),
        recovered: said.recovered,
        took,
    };
    assert!(emulator.terminate().success(), "clean exit");
    (figures, said, runs_of)
}

/// Checks shared by both holds: every input exists, and the id `add_runs`
/// gave for it is one of its runs.
fn every_input_created(n: usize, said: &Said, runs_of: &BTreeMap<usize, Vec<String>>, case: &str) {
    for i in 0..n {
        let runs = runs_of
            .get(&i)
            .unwrap_or_else(|| panic!("{case}: input {i} has no run"));
        let id = said.run_ids[i]
            .as_ref()
            .unwrap_or_else(|| panic!("{case}: add_runs gave no run id for input {i}"));
        assert!(
            runs.contains(id),
            "{case}: add_runs gave {id} for input {i}, the ledger has {runs:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_held_less_than_the_settle_window_is_never_duplicated() {
    let _alone = crate::ONE_SCENARIO_AT_A_TIME.lock().await;
    for (policy, name) in [(fast(), "fast"), (RetryPolicy::default(), "default")] {
        let (figures, said, runs_of) = late_commit_run(SHORT_HOLD_MS, policy, name).await;
        println!("{figures}");
        let case = format!("hold {SHORT_HOLD_MS} ms, {name} retries");
        every_input_created(figures.inputs, &said, &runs_of, &case);
        let twice: Vec<(&usize, &Vec<String>)> = runs_of
            .iter()
            .filter(|(_, ids)| ids.len() > 1)
            .take(5)
            .collect();
        assert!(
            twice.is_empty(),
            "{case}: {} inputs created more than once, e.g. {twice:?}",
            figures.duplicated
        );
        assert_eq!(
            figures.ledger_runs, figures.inputs,
            "{case}: runs in the ledger"
        );
        assert!(said.reported.is_empty(), "{case}: no duplicate to report");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_duplicate_of_a_commit_held_past_the_settle_window_is_reported() {
    let _alone = crate::ONE_SCENARIO_AT_A_TIME.lock().await;
    for (policy, name) in [(fast(), "fast"), (RetryPolicy::default(), "default")] {
        let (figures, said, runs_of) = late_commit_run(LONG_HOLD_MS, policy, name).await;
        println!("{figures}");
        let case = format!("hold {LONG_HOLD_MS} ms, {name} retries");
        every_input_created(figures.inputs, &said, &runs_of, &case);
        // Every duplicate in the ledger was reported or announced.
        let missing: Vec<usize> = runs_of
            .iter()
            .filter(|(i, ids)| {
                ids.len() > 1 && !said.reported.contains_key(i) && !said.unsettled.contains(i)
            })
            .map(|(i, _)| *i)
            .collect();
        assert!(
            missing.is_empty(),
            "{case}: {} of {} duplicated inputs were not reported, e.g. {:?}",
            missing.len(),
            figures.duplicated,
            &missing[..missing.len().min(5)]
        );
        // What was reported is true: the ledger holds those runs, in that
        // order.
        for (i, ids) in &said.reported {
            let runs = &runs_of[i];
            assert!(
                ids.len() > 1 && runs.starts_with(ids),
                "{case}: input {i} reported with {ids:?}, the ledger has {runs:?}"
            );
        }
        assert!(
            figures.duplicated > 0,
            "{case}: the hold made duplicates (else this checks nothing)"
        );
    }
}
