//! Helpers shared by the end-to-end test targets of `parallel-web enrich`:
//! a scratch directory per test, the CLI binary pointed at an emulator
//! process, the emulator's counters and ledger, the check that each output
//! row got its own run's result, and a way to stop the CLI at a test-hook
//! point.

#![allow(dead_code)] // each test target uses its own subset

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use parallel_web_tests::{
    EmulatorProcess, LedgerEntry, TEST_API_KEY, check_rows_got_their_own_results,
};
use serde_json::{Map, Value};

pub const CLI: &str = env!("CARGO_BIN_EXE_parallel-web");
pub const COMPANIES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/companies.csv");

/// A scratch directory for one test, removed first if an earlier run left it.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The CLI with the emulator's URL and key. The settle window is short: the
/// emulator's faults commit before they fail, and a rerun after a kill
/// would otherwise wait the default 60 s; the test of a late commit sets
/// its own with `--settle-window`.
pub fn cli(emu: &EmulatorProcess, dir: &Path) -> Command {
    let mut c = Command::new(CLI);
    c.current_dir(dir)
        .env("PARALLEL_BASE_URL", emu.base_url())
        .env("PARALLEL_API_KEY", TEST_API_KEY)
        .env("PARALLEL_SETTLE_WINDOW", "0.2")
        .env_remove("PARALLEL_WEB_CLI_TEST_PAUSE")
        .stdin(Stdio::null());
    c
}

/// Runs `parallel-web <args>` against `emu` in `dir` to its end.
pub fn pw(emu: &EmulatorProcess, dir: &Path, args: &[&str]) -> Output {
    let mut c = cli(emu, dir);
    c.args(args);
    run(c)
}

/// What the command wrote on stdout (lossy UTF-8).
pub fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What the command wrote on stderr (lossy UTF-8).
pub fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs the command to its end, echoing its stderr into the test's output.
pub fn run(mut c: Command) -> Output {
    let out = c.output().expect("run parallel-web");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Runs `f` to its end on a runtime of its own (for SDK calls from a test).
pub fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    parallel_web::install_tls_provider();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// The emulator's counters.
pub fn stats(emu: &EmulatorProcess) -> Value {
    block_on(emu.stats())
}

/// The API operations the emulator was asked for (its own `/_emulator`
/// endpoints left out).
pub fn api_operations(emu: &EmulatorProcess) -> Vec<String> {
    stats(emu)["requests_per_operation"]
        .as_object()
        .expect("requests per operation")
        .keys()
        .filter(|op| !op.starts_with("emulator_"))
        .cloned()
        .collect()
}

/// The emulator's record of every run of a group.
pub fn ledger(emu: &EmulatorProcess, group: &str) -> Vec<LedgerEntry> {
    block_on(emu.ledger(group))
}

/// Panics unless every row of `rows` carries its own run's result: the
/// run it names was sent the row's content (all of it but `enriched` and
/// the status columns, or `sent_columns`), has the row's status, and gave
/// the row's `enriched` values (`parallel_web_tests::check_rows_got_their_own_results`).
pub fn assert_rows_got_their_own_results(
    emu: &EmulatorProcess,
    rows: &[Value],
    enriched: &[&str],
    sent_columns: Option<&[&str]>,
) {
    let runs = block_on(emu.runs_by_id());
    let rows: Vec<Map<String, Value>> = rows
        .iter()
        .map(|r| r.as_object().expect("a row is an object").clone())
        .collect();
    let wrong = check_rows_got_their_own_results(&runs, &rows, enriched, sent_columns);
    assert!(
        wrong.is_empty(),
        "{} problems with rows and their runs:\n{}",
        wrong.len(),
        wrong
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The rows of a CSV table, each cell as a JSON string.
pub fn read_csv(path: &Path) -> Vec<Value> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let row: Map<String, Value> = header
                .iter()
                .zip(r.iter())
                .map(|(k, v)| (k.clone(), Value::String(v.to_owned())))
                .collect();
            Value::Object(row)
        })
        .collect()
}

/// The group id a run printed (`group: tgrp_...`).
pub fn group_of(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .find_map(|l| l.strip_prefix("group: "))
        .expect("the CLI names its group")
        .trim()
        .to_owned()
}

/// `rows` JSONL rows `{"id": i, "name": "company i"}`.
pub fn write_jsonl(path: &Path, rows: usize) {
    let text: String = (0..rows)
        .map(|i| format!("{{\"id\":{i},\"name\":\"company {i}\"}}\n"))
        .collect();
    std::fs::write(path, text).unwrap();
}

/// The rows of a JSONL table.
pub fn read_jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Starts `command` with the test hook set to `pause` and returns once the
/// process says it has stopped there (it then waits forever, to be killed).
pub fn spawn_paused_at(mut command: Command, pause: &str) -> Child {
    command
        .env("PARALLEL_WEB_CLI_TEST_PAUSE", pause)
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    for line in stderr.lines() {
        let line = line.unwrap();
        eprintln!("paused run: {line}");
        if line.starts_with("test-pause:") {
            return child;
        }
    }
    let _ = child.kill();
    let status = child.wait();
    panic!("the run never reached {pause}: {status:?}");
}
