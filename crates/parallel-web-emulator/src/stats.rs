//! Counters served at `GET /_emulator/stats` and by [`crate::EmulatorHandle::stats`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A snapshot of what the emulator has done since it started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stats {
    /// Task groups created.
    pub groups: u64,
    /// Task runs created, in groups or alone.
    pub runs_created: u64,
    /// Task runs created per group id.
    pub runs_per_group: BTreeMap<String, u64>,
    /// Runs per current status (`queued`, `running`, `completed`, …).
    pub runs_by_status: BTreeMap<String, u64>,
    /// HTTP requests received (every answer counts, errors and faults included).
    pub requests: u64,
    /// Requests per operation (`task_group_create`, `task_run_result`, …; `other` for unknown routes).
    pub requests_per_operation: BTreeMap<String, u64>,
    /// SSE events written (keep-alive comments not included).
    pub events_served: u64,
    /// SSE events written per streaming operation (`task_group_get_runs`,
    /// `task_group_events`, `task_run_events`): how much a client read, so
    /// a test can tell a stream resumed from a cursor from a full re-read.
    #[serde(default)]
    pub events_per_operation: BTreeMap<String, u64>,
    /// How often each configured fault fired, keyed by its `--fault` text form.
    pub faults_fired: BTreeMap<String, u64>,
    /// Run-creating POSTs refused by the rate limit.
    pub rate_limited: u64,
    /// Run-creating POSTs held by a `late-commit` fault that have not
    /// committed yet (their runs are still to come).
    #[serde(default)]
    pub late_commits_pending: u64,
    /// FindAll runs created.
    #[serde(default)]
    pub findall_runs_created: u64,
}

/// One request as the emulator received it, for tests that check what a
/// client did on the wire and when (a retry's distance from the answer that
/// caused it, the cursor a read started from).
///
/// ```
/// # async fn demo() -> std::io::Result<()> {
/// use parallel_web_emulator::Emulator;
/// let emu = Emulator::builder().start().await?;
/// for r in emu.request_log() {
///     println!("{:?} {} {} -> {}", r.at, r.method, r.path, r.status);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequestRecord {
    /// When the request arrived, measured from the emulator's start on the
    /// tokio clock (so a test with paused time sees paused time).
    pub at: Duration,
    /// HTTP method (`GET`, `POST`, …).
    pub method: String,
    /// Path and query string, as sent (`/v1beta/tasks/groups/…/runs?last_event_id=…`).
    pub path: String,
    /// Operation name (`task_group_add_runs`, …; `other` for unknown routes).
    pub operation: String,
    /// Status of the answer (an injected fault's status included; a
    /// connection cut by a fault records the status the handler produced).
    pub status: u16,
}

/// How many requests the emulator keeps in its request log
/// ([`crate::EmulatorHandle::request_log`]); later ones are counted in
/// [`Stats::requests`] but not logged (a long load run would otherwise
/// grow without bound).
pub const REQUEST_LOG_CAPACITY: usize = 100_000;

/// Live counters (the parts not derived from the world).
#[derive(Debug)]
pub struct Counters {
    started: tokio::time::Instant,
    log: Mutex<Vec<RequestRecord>>,
    requests: AtomicU64,
    per_operation: Mutex<BTreeMap<&'static str, u64>>,
    events: AtomicU64,
    events_per_operation: Mutex<BTreeMap<&'static str, u64>>,
    rate_limited: AtomicU64,
    late_commits_pending: AtomicU64,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            started: tokio::time::Instant::now(),
            log: Mutex::default(),
            requests: AtomicU64::default(),
            per_operation: Mutex::default(),
            events: AtomicU64::default(),
            events_per_operation: Mutex::default(),
            rate_limited: AtomicU64::default(),
            late_commits_pending: AtomicU64::default(),
        }
    }
}

impl Counters {
    /// Time since the emulator started, on the tokio clock.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Logs one answered request (up to [`REQUEST_LOG_CAPACITY`]).
    pub fn log(&self, record: RequestRecord) {
        if let Ok(mut log) = self.log.lock()
            && log.len() < REQUEST_LOG_CAPACITY
        {
            log.push(record);
        }
    }

    /// The logged requests, in arrival order.
    pub fn logged(&self) -> Vec<RequestRecord> {
        let mut log = self.log.lock().map(|l| l.clone()).unwrap_or_default();
        log.sort_by_key(|r| r.at);
        log
    }

    /// Counts one request to `operation`.
    pub fn request(&self, operation: &'static str) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut m) = self.per_operation.lock() {
            *m.entry(operation).or_default() += 1;
        }
    }

    /// Counts `n` SSE events written by `operation`.
    pub fn events(&self, operation: &'static str, n: u64) {
        self.events.fetch_add(n, Ordering::Relaxed);
        if let Ok(mut m) = self.events_per_operation.lock() {
            *m.entry(operation).or_default() += n;
        }
    }

    /// Counts a rate-limited request.
    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a POST held by a `late-commit` fault.
    pub fn late_commit_started(&self) {
        self.late_commits_pending.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a held POST as released (its commit follows at once).
    pub fn late_commit_done(&self) {
        self.late_commits_pending.fetch_sub(1, Ordering::Relaxed);
    }

    /// Fills the counter fields of `stats`.
    pub fn fill(&self, stats: &mut Stats) {
        stats.requests = self.requests.load(Ordering::Relaxed);
        stats.events_served = self.events.load(Ordering::Relaxed);
        stats.rate_limited = self.rate_limited.load(Ordering::Relaxed);
        stats.late_commits_pending = self.late_commits_pending.load(Ordering::Relaxed);
        if let Ok(m) = self.per_operation.lock() {
            stats.requests_per_operation = m.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        }
        if let Ok(m) = self.events_per_operation.lock() {
            stats.events_per_operation = m.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        }
    }
}
