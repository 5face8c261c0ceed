//! Part 6, the CLI under chaos: `parallel-web enrich` on a table of many
//! rows, against the emulator binary with faults on, killed with `kill -9`
//! at random moments and rerun, with second processes started on the same
//! journal while one is running; in the end the emulator must have created
//! exactly one run per row and the output must hold every row, in input
//! order, each with its own run's result.
//!
//! Sizes come from the environment (CI size by default):
//!
//! - `PW_CLI_CHAOS_ROWS` (default 5,000): rows of the input table;
//! - `PW_CLI_CHAOS_KILLS` (default 12): `kill -9`s per seed;
//! - `PW_CLI_CHAOS_SEEDS` (default `1`): one emulator and one schedule of
//!   kills per seed.
//!
//! Each seed first enriches the table once without interruption (on an
//! emulator of its own): that run is checked like the others, and its
//! phases set the scale of the kills (`cli_chaos/drive.rs`): a quarter of
//! the kills land while the output is written (at a random share of its
//! size), an eighth while starting, an eighth while reading the input, and
//! the rest at points drawn uniformly over the uninterrupted run's time
//! after reading the input, each process killed that long after its own
//! `group:` line as the gap since the previous point, so that the kills
//! fall across submitting, waiting and reading results while each rerun
//! resumes. A process that finishes before its kill does not end the
//! schedule: the next ones rerun the finished job. Half of the killed
//! processes (drawn), and the finishing one if none of those got to it,
//! are meanwhile frozen with SIGSTOP once they have opened their journal,
//! and a second process with the same command is started: it must exit 1
//! at once, naming the journal and the frozen holder's process id.
//! Processes that exit 1 on their own (retries exhausted under the faults)
//! are rerun, as a user would. A last rerun after the finish must change
//! nothing. All draws come from the seed.
//!
//! The faults, on the requests the CLI makes: SSE streams cut after 1 to
//! 500 events; 5% of requests answered 429 and 5% of GETs 503, with
//! `retry-after-ms`; 1% of runs fail. In the killed run also 1% of add-runs
//! POSTs committed and then cut before the answer, plus the first always
//! (not in the uninterrupted one: see [`CUT_AFTER_COMMIT`]). Runs take
//! 20–120 ms (`lite` at time scale 0.002).

mod checks;
mod drive;
mod process;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use parallel_web_tests::EmulatorProcess;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::chaos::{env_or, seeds};
use checks::Counted;
use drive::{Log, drive, schedule};
use process::enrich_command;

/// The faults every emulator of this test starts with. The 503s are on
/// GETs only: to the SDK a 5xx answer to an add-runs POST is ambiguous
/// (it may have been committed), and each one costs a 60 s settle window,
/// the same path as the cut-after-commit faults below, which take it at a
/// rate the run's length can afford.
const FAULTS: &[&str] = &[
    "drop-stream:between=1-500",
    "status:code=429,retry-after-ms=10,rate=0.05",
    "status:code=503,retry-after-ms=10,rate=0.05,method=GET",
];
/// The add-runs POSTs committed and then cut, in the killed run only: the
/// SDK waits out its settle window (60 s, which the CLI does not change)
/// after each before it reads back, a stall that would swamp the time
/// scale the uninterrupted run is there to measure.
const CUT_AFTER_COMMIT: &[&str] = &["ambiguous-add-runs:rate=0.01", "ambiguous-add-runs:times=1"];
/// Share of runs the emulator fails: the finishing process exits 2 and the
/// failed rows carry their error.
const FAILURE_RATE: &str = "0.01";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_and_doubled_cli_processes_create_one_run_per_row() {
    let _alone = crate::ONE_SCENARIO_AT_A_TIME.lock().await;
    let rows: usize = env_or("PW_CLI_CHAOS_ROWS", 5_000);
    let kills: usize = env_or("PW_CLI_CHAOS_KILLS", 12);
    let mut failures = Vec::new();
    for seed in seeds("PW_CLI_CHAOS_SEEDS", "1") {
        let (figures, problems) = seed_run(rows, kills, seed).await;
        // The README's table is filled from these lines (`--nocapture`).
        println!("{figures}");
        failures.extend(problems.into_iter().map(|p| format!("seed {seed}: {p}")));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What one seed did, for the README.
struct Figures {
    seed: u64,
    rows: usize,
    log: Log,
    counted: Counted,
    faults: BTreeMap<String, u64>,
    uninterrupted: Duration,
    chaos: Duration,
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
        let kills: Vec<String> = self
            .log
            .kills
            .iter()
            .map(|(stage, k)| format!("{k} {stage}"))
            .collect();
        write!(
            f,
            "| {} | {} | {} runs in {} group(s), one per row; {} rows failed | {} ({}) | {} of {} refused | {} | {} | {} + {} / {} / {} | {:.1} s | {:.1} s |",
            self.seed,
            self.rows,
            self.counted.runs_created,
            self.counted.groups,
            self.counted.failed,
            self.log.kills.values().sum::<usize>(),
            kills.join(", "),
            self.log.refused,
            self.log.seconds,
            self.log.tool_errors.len(),
            self.log.processes,
            fired("status:code=429"),
            fired("status:code=503"),
            fired("drop-stream"),
            fired("ambiguous-add-runs"),
            self.uninterrupted.as_secs_f64(),
            self.chaos.as_secs_f64(),
        )
    }
}

async fn seed_run(rows: usize, kills: usize, seed: u64) -> (Figures, Vec<String>) {
    let table = checks::rows(rows);
    let mut problems = Vec::new();

    // Uninterrupted, for the time scale of the kills.
    let emulator = start_emulator(seed, FAULTS);
    let dir = scratch(&format!("seed{seed}-uninterrupted"));
    checks::write_input(&dir, &table);
    let started = Instant::now();
    let mut log = Log::default();
    let label = format!("seed {seed} uninterrupted");
    let code = drive(&emulator, &dir, rows, Vec::new(), false, &label, &mut log).await;
    let uninterrupted = started.elapsed();
    let mut first = Vec::new();
    checks::finished_run(&emulator, &dir, &table, code, &mut first).await;
    problems.extend(first.into_iter().map(|p| format!("uninterrupted: {p}")));
    drop(emulator);

    // The same job, killed and doubled.
    let schedule = schedule(kills, log.phases, &mut StdRng::seed_from_u64(seed));
    let emulator = start_emulator(seed, &[FAULTS, CUT_AFTER_COMMIT].concat());
    let dir = scratch(&format!("seed{seed}-chaos"));
    checks::write_input(&dir, &table);
    let started = Instant::now();
    let mut log = Log::default();
    let label = format!("seed {seed}");
    let code = drive(&emulator, &dir, rows, schedule, true, &label, &mut log).await;
    let chaos = started.elapsed();
    problems.append(&mut log.problems);
    let counted = checks::finished_run(&emulator, &dir, &table, code, &mut problems).await;
    rerun_changes_nothing(&emulator, &dir, code, &mut problems).await;

    let stats = emulator.stats().await;
    let faults: BTreeMap<String, u64> = stats["faults_fired"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    if log.seconds == 0 {
        problems.push("no second process was started while another held the journal".into());
    }
    // The test's name promises kills and faults: a schedule whose kills all
    // came too late, or a fault that never fired, would prove nothing.
    if kills > 0 && log.kills.values().sum::<usize>() == 0 {
        problems.push(format!("none of the {kills} kills landed"));
    }
    for prefix in [
        "drop-stream",
        "status:code=429",
        "status:code=503",
        "ambiguous-add-runs",
    ] {
        if !faults.iter().any(|(k, n)| k.starts_with(prefix) && *n > 0) {
            problems.push(format!("the {prefix} fault never fired"));
        }
    }
    if !emulator.terminate().success() {
        problems.push("the emulator did not exit cleanly".into());
    }
    let figures = Figures {
        seed,
        rows,
        log,
        counted,
        faults,
        uninterrupted,
        chaos,
    };
    (figures, problems)
}

fn start_emulator(seed: u64, faults: &[&str]) -> EmulatorProcess {
    let mut args: Vec<String> = [
        "--time-scale",
        "0.002",
        "--seed",
        &seed.to_string(),
        "--failure-rate",
        FAILURE_RATE,
    ]
    .map(String::from)
    .to_vec();
    for fault in faults {
        args.extend(["--fault".to_owned(), (*fault).to_owned()]);
    }
    EmulatorProcess::spawn(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// A scratch directory, emptied first if an earlier run left it.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-chaos-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    dir
}

/// Reruns the finished command once more: same exit code, the same output
/// table, no run created.
async fn rerun_changes_nothing(
    emulator: &EmulatorProcess,
    dir: &Path,
    code: i32,
    problems: &mut Vec<String>,
) {
    let output = std::fs::read(dir.join("out.csv")).unwrap_or_default();
    let created = emulator.stats().await["runs_created"].clone();
    let rerun = enrich_command(emulator, dir)
        .stderr(std::process::Stdio::inherit())
        .status()
        .expect("rerun parallel-web");
    if rerun.code() != Some(code) {
        problems.push(format!(
            "a rerun after the finish exited {rerun}, not {code}"
        ));
    }
    if std::fs::read(dir.join("out.csv")).unwrap_or_default() != output {
        problems.push("a rerun after the finish changed the output".into());
    }
    let now = emulator.stats().await["runs_created"].clone();
    if now != created {
        problems.push(format!(
            "a rerun after the finish created runs: {created} then {now}"
        ));
    }
}
