//! Shared helpers for the end-to-end tests: the emulator as users run it, a
//! separate process started from its binary, rather than in process.
//!
//! [`EmulatorProcess::spawn`] finds (or builds) the `parallel-web-emulator`
//! binary, starts it on a free loopback port, reads the address from its
//! first stdout line, and stops it with SIGTERM when dropped.
//! [`cli_binary`] finds (or builds) the `parallel-web` command the same way,
//! for tests that run it as a user would. [`check_rows_got_their_own_results`]
//! checks that each row of an enriched table got its own run's result.

mod rows;

pub use rows::{RunRecord, STATUS_COLUMNS, check_rows_got_their_own_results};

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The key the tests start the emulator binary with.
pub const TEST_API_KEY: &str = "e2e-test-key";

/// One run as the emulator recorded it (see [`EmulatorProcess::ledger`]).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct LedgerEntry {
    /// The run's id.
    pub run_id: String,
    /// Its status when the ledger was read.
    pub status: String,
    /// The run input object exactly as the client sent it.
    pub run_input: serde_json::Value,
}

/// A running `parallel-web-emulator` process.
pub struct EmulatorProcess {
    child: Option<Child>,
    base_url: String,
    /// Everything the process wrote to stderr so far, when captured.
    stderr: Option<Arc<Mutex<String>>>,
}

impl EmulatorProcess {
    /// Starts the binary on `127.0.0.1:0` with [`TEST_API_KEY`] and the given
    /// extra arguments, and waits for its `listening on` line.
    pub fn spawn(extra_args: &[&str]) -> Self {
        Self::start(extra_args, false)
    }

    /// Like [`spawn`](Self::spawn), but also keeps a copy of everything the
    /// emulator writes to stderr (still echoed to this process's stderr), so
    /// a test can check it for panics with [`stderr_text`](Self::stderr_text).
    pub fn spawn_capturing_stderr(extra_args: &[&str]) -> Self {
        Self::start(extra_args, true)
    }

    fn start(extra_args: &[&str], capture_stderr: bool) -> Self {
        let mut child = Command::new(emulator_binary())
            .args(["--addr", "127.0.0.1:0"])
            .args(extra_args)
            .env("PARALLEL_API_KEY", TEST_API_KEY)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if capture_stderr {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .expect("start the parallel-web-emulator binary");
        let stderr = child.stderr.take().map(|pipe| {
            let text = Arc::new(Mutex::new(String::new()));
            let sink = Arc::clone(&text);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    eprintln!("[emulator] {line}");
                    if let Ok(mut t) = sink.lock() {
                        t.push_str(&line);
                        t.push('\n');
                    }
                }
            });
            text
        });
        let stdout = child.stdout.take().expect("piped stdout");
        let mut first_line = String::new();
        BufReader::new(stdout)
            .read_line(&mut first_line)
            .expect("read the emulator's first line");
        let base_url = first_line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first_line:?}"))
            .to_owned();
        Self {
            child: Some(child),
            base_url,
            stderr,
        }
    }

    /// The operating system's id of the emulator process (for reading
    /// `/proc/<pid>/status`, for example).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// True while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// What the emulator wrote to stderr so far; empty unless it was started
    /// with [`spawn_capturing_stderr`](Self::spawn_capturing_stderr).
    pub fn stderr_text(&self) -> String {
        self.stderr
            .as_ref()
            .and_then(|t| t.lock().ok().map(|t| t.clone()))
            .unwrap_or_default()
    }

    /// The emulator's base URL, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The emulator's counters, from `GET /_emulator/stats`.
    pub async fn stats(&self) -> serde_json::Value {
        self.get("/_emulator/stats")
            .await
            .json()
            .await
            .expect("stats are JSON")
    }

    /// The emulator's record of every run in group `taskgroup_id`, in
    /// creation order, from `GET /_emulator/groups/{id}/runs`.
    pub async fn ledger(&self, taskgroup_id: &str) -> Vec<LedgerEntry> {
        let text = self
            .get(&format!("/_emulator/groups/{taskgroup_id}/runs"))
            .await
            .text()
            .await
            .expect("the ledger body");
        text.lines()
            .map(|line| serde_json::from_str(line).expect("a ledger line is JSON"))
            .collect()
    }

    /// A successful answer to `GET <base URL><path>` with the test key.
    async fn get(&self, path: &str) -> reqwest::Response {
        // A plain `reqwest::Client` with rustls needs a process-wide provider.
        parallel_web::install_tls_provider();
        reqwest::Client::new()
            .get(format!("{}{path}", self.base_url))
            .header("x-api-key", TEST_API_KEY)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// Sends SIGTERM and waits (up to a generous bound) for the process to
    /// exit, returning its exit status.
    pub fn terminate(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("still running");
        send_sigterm(&child);
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("poll the emulator") {
                return status;
            }
            if started.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!("the emulator did not exit within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn send_sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM failed");
}

/// The emulator binary next to this test executable (`target/<profile>/`),
/// built first if this test was run without it (e.g. `cargo test -p
/// parallel-web-tests`).
fn emulator_binary() -> PathBuf {
    workspace_binary("parallel-web-emulator", "parallel-web-emulator")
}

/// The `parallel-web` command (package `parallel-web-cli`) next to this test
/// executable (`target/<profile>/`), built first if it is not there yet.
///
/// A binary that is there is used as it is: after changing the CLI, build
/// it (`cargo build -p parallel-web-cli`, with `--release` for release
/// tests) or run the whole workspace's tests, which build it.
pub fn cli_binary() -> PathBuf {
    workspace_binary("parallel-web-cli", "parallel-web")
}

/// Binary `bin` of workspace package `package` in the profile directory of
/// this test executable, built with cargo when it is missing.
pub fn workspace_binary(package: &str, bin: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test executable lives in target/<profile>/deps");
    let binary = profile_dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "--package", package, "--bin", bin]);
        // Build into the directory looked in: `target/release` for a
        // `cargo test --release` run.
        if profile_dir.file_name().is_some_and(|d| d == "release") {
            build.arg("--release");
        }
        let status = build
            .status()
            .unwrap_or_else(|e| panic!("run cargo build for {bin}: {e}"));
        assert!(status.success(), "building the {bin} binary failed");
    }
    binary
}

pub use parallel_web_test_support::rss::resident_kib;
