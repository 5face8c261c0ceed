//! Part 2a, bad inputs to the SDK: one table of cases, each a call the SDK
//! must refuse (or, where documented, accept) with a clear typed result,
//! without a panic, a hang or unbounded memory. The cases here call the
//! emulator binary; the hostile-server cases come from `hostile_server.rs`
//! and run in the same table.
//!
//! The runner runs every case in its own task under a generous timeout,
//! catches panics, and reports every failing case at the end. `secrets.rs`
//! runs the same table again to check that no result shows the API key.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use parallel_web::{Client, ClientBuilder, Error, RunInput, TaskSpec};
use parallel_web_tests::EmulatorProcess;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tracing::instrument::WithSubscriber;

use crate::hostile_server;
use crate::secrets::CANARY_KEY;

mod cases;
mod chat_cases;
mod findall_cases;
mod monitor_cases;
mod search_cases;

use cases::sdk_cases;
use search_cases::search_cases;

/// What a case's call returned: a one-line summary of a success, or the error.
pub(crate) type Outcome = Result<String, Error>;

type Check = Box<dyn Fn(&Outcome) -> bool + Send + Sync>;
type Action = Box<dyn FnOnce(Arc<Env>) -> BoxFuture<'static, Observed> + Send>;

/// What a case observed: the outcome, plus anything wrong the case saw
/// besides it (on the server side, in memory, ...).
pub(crate) struct Observed {
    pub outcome: Outcome,
    /// Violations found by the case itself.
    pub side: Vec<String>,
    /// Extra facts for the report (e.g. memory growth).
    pub note: String,
}

impl Observed {
    /// Just an outcome.
    pub(crate) fn of(outcome: Outcome) -> Observed {
        Observed {
            outcome,
            side: Vec::new(),
            note: String::new(),
        }
    }

    /// Records a violation unless `ok`.
    pub(crate) fn check(mut self, ok: bool, why: impl FnOnce() -> String) -> Observed {
        if !ok {
            self.side.push(why());
        }
        self
    }
}

/// One row of the table.
pub(crate) struct Case {
    pub name: &'static str,
    /// What was sent or done.
    pub sent: &'static str,
    /// The expected result, in words.
    pub expect: &'static str,
    check: Check,
    action: Action,
}

impl Case {
    pub(crate) fn new<F, Fut>(
        name: &'static str,
        sent: &'static str,
        expect: &'static str,
        check: Check,
        action: F,
    ) -> Case
    where
        F: FnOnce(Arc<Env>) -> Fut + Send + 'static,
        Fut: Future<Output = Observed> + Send + 'static,
    {
        Case {
            name,
            sent,
            expect,
            check,
            action: Box::new(move |env| Box::pin(action(env))),
        }
    }
}

/// Expects a success whose summary passes `pred`.
pub(crate) fn expect_ok(pred: impl Fn(&str) -> bool + Send + Sync + 'static) -> Check {
    Box::new(move |o| matches!(o, Ok(s) if pred(s)))
}

/// Expects an error that passes `pred`.
pub(crate) fn expect_err(pred: impl Fn(&Error) -> bool + Send + Sync + 'static) -> Check {
    Box::new(move |o| matches!(o, Err(e) if pred(e)))
}

/// The error's variant name, with the HTTP status when it has one.
pub(crate) fn variant(e: &Error) -> String {
    let debug = format!("{e:?}");
    let name: String = debug
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    match e.status() {
        Some(status) => format!("{name} {status}"),
        None => name,
    }
}

/// A one-line account of an outcome, for the report.
pub(crate) fn describe(o: &Outcome) -> String {
    match o {
        Ok(s) => format!("Ok: {s}"),
        Err(e) => {
            let mut line = format!("{}: {e}", variant(e));
            // Wrapping errors (BatchIncomplete, ...) say why in their
            // source, which is a `Box<Error>`.
            let cause = std::error::Error::source(e).and_then(|s| {
                s.downcast_ref::<Box<Error>>()
                    .map(|b| &**b)
                    .or_else(|| s.downcast_ref::<Error>())
            });
            if let Some(cause) = cause {
                line.push_str(&format!(" — caused by {}: {cause}", variant(cause)));
            }
            line
        }
    }
}

/// What every case may use: the API key and two emulator processes, one
/// where runs finish at once and one where they take their documented time.
pub(crate) struct Env {
    pub key: String,
    pub instant: EmulatorProcess,
    pub slow: EmulatorProcess,
}

impl Env {
    /// Starts both emulators, accepting `key`.
    pub(crate) fn start(key: &str) -> Arc<Env> {
        Arc::new(Env {
            key: key.to_owned(),
            instant: EmulatorProcess::spawn(&["--time-scale", "0", "--api-key", key]),
            slow: EmulatorProcess::spawn(&["--time-scale", "1", "--api-key", key]),
        })
    }

    /// A builder for the instant emulator with the right key.
    pub(crate) fn builder(&self) -> ClientBuilder {
        Client::builder()
            .api_key(self.key.as_str())
            .base_url(self.instant.base_url())
    }

    /// A client for the instant emulator.
    pub(crate) fn client(&self) -> Client {
        self.builder().build().expect("a client for the emulator")
    }
}

/// The result of one case.
pub(crate) struct Report {
    pub name: &'static str,
    pub sent: &'static str,
    pub expect: &'static str,
    /// What happened, in one line.
    pub observed: String,
    /// Why the case failed, if it did.
    pub failure: Option<String>,
    /// The error the case produced, if any.
    pub error: Option<Error>,
}

/// Longest a case may take before it counts as hung.
const HANG: Duration = Duration::from_secs(30);

/// Runs every case, one after the other (so that memory measured by one
/// is its own), each in its own task under [`HANG`], with `dispatch` as
/// its tracing subscriber when given.
pub(crate) async fn run_table(
    cases: Vec<Case>,
    env: Arc<Env>,
    dispatch: Option<tracing::Dispatch>,
) -> Vec<Report> {
    let mut reports = Vec::new();
    for case in cases {
        let started = std::time::Instant::now();
        let future = tokio::time::timeout(HANG, (case.action)(env.clone()));
        let task = match &dispatch {
            Some(d) => tokio::spawn(future.with_subscriber(d.clone())),
            None => tokio::spawn(future),
        };
        let (observed, failure, error) = match task.await {
            Err(join) if join.is_panic() => {
                let message = panic_message(join.into_panic());
                let line = format!("PANIC: {message}");
                (line.clone(), Some(line), None)
            }
            Err(join) => (
                format!("{join}"),
                Some(format!("task failed: {join}")),
                None,
            ),
            Ok(Err(_)) => {
                let line = format!("HANG: no result within {HANG:?}");
                (line.clone(), Some(line), None)
            }
            Ok(Ok(seen)) => {
                let mut observed = describe(&seen.outcome);
                if !seen.note.is_empty() {
                    observed = format!("{observed} ({})", seen.note);
                }
                let mut problems = seen.side;
                if !(case.check)(&seen.outcome) {
                    problems.insert(0, format!("expected {}", case.expect));
                }
                let failure = (!problems.is_empty()).then(|| problems.join("; "));
                (observed, failure, seen.outcome.err())
            }
        };
        // For the reader only: no assertion is made on it.
        let observed = format!("{observed} [{:.1?}]", started.elapsed());
        reports.push(Report {
            name: case.name,
            sent: case.sent,
            expect: case.expect,
            observed,
            failure,
            error,
        });
    }
    reports
}

/// The text of a caught panic.
pub(crate) fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map_or_else(|| "<non-text panic>".to_owned(), |s| (*s).to_owned()),
    }
}

/// Every case of the table: the SDK's and the hostile servers'.
pub(crate) fn all_cases() -> Vec<Case> {
    let mut cases = sdk_cases();
    cases.extend(search_cases());
    cases.extend(hostile_server::cases());
    cases.extend(chat_cases::chat_cases());
    cases.extend(findall_cases::findall_cases());
    cases.extend(monitor_cases::monitor_cases());
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_and_hostile_answer_gets_a_typed_result_without_panic_or_hang() {
    let env = Env::start(CANARY_KEY);
    let reports = run_table(all_cases(), env, None).await;
    println!("| case | sent / done | expected | observed |\n|---|---|---|---|");
    for r in &reports {
        println!(
            "| `{}` | {} | {} | {} |",
            r.name,
            r.sent,
            r.expect,
            r.observed.replace('|', "\\|")
        );
    }
    let failures: Vec<String> = reports
        .iter()
        .filter_map(|r| {
            r.failure
                .as_ref()
                .map(|f| format!("- {}: {f}\n  observed: {}", r.name, r.observed))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        reports.len(),
        failures.join("\n")
    );
    assert!(reports.len() >= 24, "the table has {} cases", reports.len());
}
