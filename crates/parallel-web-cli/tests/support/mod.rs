//! Helpers shared by the end-to-end test targets of `parallel-web enrich`:
//! a scratch directory per test, the CLI binary pointed at an emulator
//! process, the emulator's counters and ledger, and a way to stop the CLI
//! at a test-hook point.

#![allow(dead_code)] // each test target uses its own subset

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use parallel_web_tests::{EmulatorProcess, LedgerEntry, TEST_API_KEY};
use serde_json::Value;

pub const CLI: &str = env!("CARGO_BIN_EXE_parallel-web");
pub const COMPANIES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/companies.csv");

/// A scratch directory for one test, removed first if an earlier run left it.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The CLI with the emulator's URL and key.
pub fn cli(emu: &EmulatorProcess, dir: &Path) -> Command {
    let mut c = Command::new(CLI);
    c.current_dir(dir)
        .env("PARALLEL_BASE_URL", emu.base_url())
        .env("PARALLEL_API_KEY", TEST_API_KEY)
        .env_remove("PARALLEL_WEB_CLI_TEST_PAUSE")
        .stdin(Stdio::null());
    c
}

/// Runs the command to its end, echoing its stderr into the test's output.
pub fn run(mut c: Command) -> Output {
    let out = c.output().expect("run parallel-web");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
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

/// The emulator's record of every run of a group.
pub fn ledger(emu: &EmulatorProcess, group: &str) -> Vec<LedgerEntry> {
    block_on(emu.ledger(group))
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
