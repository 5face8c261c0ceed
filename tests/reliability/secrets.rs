//! Part 4, secrets: a distinctive API key must never show up in the
//! `Debug` of the client and its builders, in any error the bad-input
//! table produces (their whole `source()` chains), in TRACE-level
//! `tracing` output or in the `log` records reqwest and rustls write, in a
//! panic message, in the emulator's output, in the CLI's `-vv` or
//! `PARALLEL_LOG=trace` output, nor be sent to another host after a
//! redirect. The webhook secret likewise: never in the verifier's or the
//! emulator's `Debug`, in any outcome of the bad-webhook table, or in the
//! emulator's traced output while it signs deliveries.
//!
//! `tracing` output is captured per test with `WithSubscriber`, so other
//! tests are not affected. `log` has one global logger: the one installed
//! here counts records only while a capture is active, and keeps only
//! the lines that contain the key.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::StreamExt;
use parallel_web::{Client, Error, TaskSpec};
use parallel_web_test_support::trace::{Captured, trace_everything};
use parallel_web_tests::EmulatorProcess;
use tracing::instrument::WithSubscriber;

use crate::bad_sdk::{Env, all_cases, panic_message, run_table};
use crate::bad_webhooks::{WEBHOOK_CANARY, run_webhook_table};
use crate::hostile_server::redirect_to_another_host;

/// The key every test of this suite uses: distinctive enough that finding
/// it anywhere means it leaked.
pub(crate) const CANARY_KEY: &str = "sk-SECRET-canary-7f3a9c2e4b1d";

/// Every rendering of `err` and of each error in its `source()` chain
/// (`Display` and `Debug`) that contains `key`.
pub(crate) fn renderings_with(err: &(dyn std::error::Error + 'static), key: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        for text in [e.to_string(), format!("{e:?}")] {
            if text.contains(key) {
                found.push(text);
            }
        }
        current = e.source();
    }
    found
}

/// Active `log` captures; the logger ignores records when there are none.
static LOG_CAPTURES: AtomicUsize = AtomicUsize::new(0);
/// `log` records seen while a capture was active.
static LOG_RECORDS: AtomicUsize = AtomicUsize::new(0);
/// `log` lines that contained the key.
static LOG_LEAKS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct LeakCheckingLogger;

impl log::Log for LeakCheckingLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        LOG_CAPTURES.load(Ordering::Relaxed) > 0
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        LOG_RECORDS.fetch_add(1, Ordering::Relaxed);
        let line = format!("{} {} {}", record.level(), record.target(), record.args());
        if line.contains(CANARY_KEY) {
            LOG_LEAKS.lock().unwrap().push(line);
        }
    }

    fn flush(&self) {}
}

/// Captures `log` records (every level) while alive.
struct LogCapture;

impl LogCapture {
    fn start() -> LogCapture {
        static INSTALLED: OnceLock<bool> = OnceLock::new();
        let installed =
            *INSTALLED.get_or_init(|| log::set_boxed_logger(Box::new(LeakCheckingLogger)).is_ok());
        assert!(
            installed,
            "another `log` logger is installed in this test binary"
        );
        LOG_CAPTURES.fetch_add(1, Ordering::SeqCst);
        log::set_max_level(log::LevelFilter::Trace);
        LogCapture
    }

    /// Records seen so far (by every capture) and the lines with the key.
    fn seen(&self) -> (usize, Vec<String>) {
        (
            LOG_RECORDS.load(Ordering::SeqCst),
            LOG_LEAKS.lock().unwrap().clone(),
        )
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        if LOG_CAPTURES.fetch_sub(1, Ordering::SeqCst) == 1 {
            log::set_max_level(log::LevelFilter::Off);
        }
    }
}

#[test]
fn debug_of_the_client_and_its_builders_never_shows_the_key() {
    let builder = Client::builder()
        .api_key(CANARY_KEY)
        .base_url("http://127.0.0.1:9")
        .header("x-team", "research");
    let client = builder.clone().build().unwrap();
    parallel_web::install_tls_provider();
    let own_http = Client::builder()
        .api_key(CANARY_KEY)
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    let group = client.task_groups().handle("tgrp_1");
    let spec = TaskSpec::text("summary");
    let renderings = [
        format!("{builder:?}"),
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{:?}", client.raw()),
        format!("{:?}", own_http.raw()),
        format!("{:?}", client.task_groups()),
        format!("{group:?}"),
        format!(
            "{:?}",
            group.add_runs(["q"]).processor("lite").default_spec(&spec)
        ),
        format!("{:?}", group.runs().include_input()),
        format!("{:?}", group.events()),
        format!("{:?}", group.wait()),
        format!("{:?}", client.task_runs().result("trun_1")),
        format!("{:?}", client.search().query("q").session_id("session_1")),
        format!(
            "{:?}",
            client.extract(["https://example.com"]).full_content(true)
        ),
        format!(
            "{:?}",
            parallel_web::Client::builder()
                .api_key(CANARY_KEY)
                .retry_policy(parallel_web::RetryPolicy::none())
        ),
    ];
    for text in &renderings {
        assert!(!text.contains(CANARY_KEY), "the key leaked: {text}");
    }
    assert!(renderings[1].contains("<redacted>"), "{}", renderings[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_result_of_the_bad_input_table_shows_the_key_even_in_trace_logs() {
    let env = Env::start(CANARY_KEY);
    let traced = Captured::default();
    let logs = LogCapture::start();
    let reports = run_table(all_cases(), env, Some(trace_everything(&traced))).await;
    let (records, log_leaks) = logs.seen();
    drop(logs);

    let mut leaks = Vec::new();
    let mut errors = 0;
    for r in &reports {
        if r.observed.contains(CANARY_KEY) {
            leaks.push(format!("{}: observed {}", r.name, r.observed));
        }
        if let Some(e) = &r.error {
            errors += 1;
            for text in renderings_with(e, CANARY_KEY) {
                leaks.push(format!("{}: error {text}", r.name));
            }
        }
    }
    let trace = traced.text();
    if trace.contains(CANARY_KEY) {
        leaks.push(format!("tracing output: {trace}"));
    }
    leaks.extend(log_leaks.into_iter().map(|l| format!("log record: {l}")));
    assert!(leaks.is_empty(), "the key leaked:\n{}", leaks.join("\n"));
    // The checks looked at something.
    assert!(errors >= 20, "only {errors} errors were produced");
    assert!(
        trace.contains("parallel.request"),
        "no request spans traced"
    );
    assert!(records > 0, "no `log` record was captured");
}

/// A whole session against the emulator: create, add, wait, stream, one
/// run's result and events, and a failing call.
async fn session(emulator: &EmulatorProcess) {
    let client = Client::builder()
        .api_key(CANARY_KEY)
        .base_url(emulator.base_url())
        .build()
        .unwrap();
    let spec = TaskSpec::text("one line");
    let group = client
        .task_groups()
        .create()
        .metadata([("suite", "secrets")])
        .send()
        .await
        .unwrap();
    let added = group
        .add_runs(["Who founded Stripe?", "Who founded Shopify?"])
        .processor("lite")
        .default_spec(&spec)
        .send()
        .await
        .unwrap();
    group
        .wait()
        .max_wait(Duration::from_secs(30))
        .await
        .unwrap();
    let runs: Vec<_> = group
        .runs()
        .include_input()
        .include_output()
        .send()
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(runs.len(), 2, "{runs:?}");
    let first = &added.run_ids[0];
    client.task_runs().result(first).send().await.unwrap();
    let events: Vec<_> = client
        .task_runs()
        .events(first)
        .send()
        .await
        .unwrap()
        .collect()
        .await;
    assert!(!events.is_empty());
    let err = client
        .task_groups()
        .retrieve("tgrp_doesnotexist")
        .await
        .unwrap_err();
    tracing::error!(error = %err, debug = ?err, client = ?client, "logged by the application");
}

#[tokio::test]
async fn a_session_traced_at_trace_level_never_shows_the_key() {
    let emulator = EmulatorProcess::spawn(&["--time-scale", "0", "--api-key", CANARY_KEY]);
    let traced = Captured::default();
    let logs = LogCapture::start();
    tokio::time::timeout(
        Duration::from_secs(60),
        session(&emulator).with_subscriber(trace_everything(&traced)),
    )
    .await
    .expect("the session did not hang");
    let (records, log_leaks) = logs.seen();
    drop(logs);
    let trace = traced.text();
    assert!(!trace.contains(CANARY_KEY), "the key leaked: {trace}");
    assert!(log_leaks.is_empty(), "the key leaked: {log_leaks:?}");
    for op in [
        "task_group_create",
        "task_group_add_runs",
        "task_run_result",
    ] {
        assert!(trace.contains(op), "{op} was not traced: {trace}");
    }
    assert!(trace.contains("logged by the application"));
    assert!(records > 0, "no `log` record was captured");
}

#[tokio::test]
async fn the_key_is_not_sent_after_a_redirect_to_another_host() {
    let env = Arc::new(Env {
        key: CANARY_KEY.to_owned(),
        instant: EmulatorProcess::spawn(&["--time-scale", "0", "--api-key", CANARY_KEY]),
        slow: EmulatorProcess::spawn(&["--time-scale", "0", "--api-key", CANARY_KEY]),
    });
    for status in [301, 302, 303, 307, 308] {
        let (outcome, other) = redirect_to_another_host(&env, status).await;
        let with_key: Vec<_> = other
            .iter()
            .filter(|r| {
                r.header("x-api-key")
                    .is_some_and(|k| k.contains(CANARY_KEY))
            })
            .collect();
        assert!(
            with_key.is_empty(),
            "{status}: the key went to the other host: {with_key:?}"
        );
        let err = outcome.expect_err("a cross-host redirect is not followed");
        assert_eq!(err.status(), Some(status), "{err:?}");
    }
}

#[tokio::test]
async fn a_panic_on_a_failed_call_does_not_show_the_key() {
    let emulator = EmulatorProcess::spawn(&["--time-scale", "0", "--api-key", CANARY_KEY]);
    let wrong = Client::builder()
        .api_key(format!("{CANARY_KEY}-wrong"))
        .base_url(emulator.base_url())
        .build()
        .unwrap();
    // A failed call, an `.expect` on one, and a client inside `unwrap_err`.
    let failed = wrong.task_groups().create().send().await;
    assert!(
        matches!(failed, Err(Error::Authentication(_))),
        "{failed:?}"
    );
    let built = Client::builder()
        .api_key(CANARY_KEY)
        .base_url(emulator.base_url())
        .build();
    let panics = [
        tokio::spawn(async move {
            failed.unwrap();
        }),
        tokio::spawn(async move {
            let r = wrong.task_groups().create().send().await;
            r.expect("creating the group");
        }),
        tokio::spawn(async move {
            built.unwrap_err();
        }),
    ];
    // What each panic message must show: the error, or the client.
    let shown = ["Authentication", "Authentication", "<redacted>"];
    for (task, shown) in panics.into_iter().zip(shown) {
        let join = task.await.expect_err("the task panicked");
        assert!(join.is_panic());
        let message = panic_message(join.into_panic());
        assert!(message.contains(shown), "{message}");
        assert!(!message.contains(CANARY_KEY), "the key leaked: {message}");
    }
}

/// The emulator binary that `EmulatorProcess` runs (built by then).
fn emulator_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test executable lives in target/<profile>/deps");
    profile_dir.join(format!(
        "parallel-web-emulator{}",
        std::env::consts::EXE_SUFFIX
    ))
}

#[test]
fn no_bad_webhook_outcome_shows_the_webhook_secret() {
    let verifier = parallel_web::webhooks::WebhookVerifier::new(WEBHOOK_CANARY);
    let secret = parallel_web::webhooks::WebhookSecret::new(WEBHOOK_CANARY);
    let mut leaks: Vec<String> = [format!("{verifier:?}"), format!("{secret:?}")]
        .into_iter()
        .filter(|t| t.contains(WEBHOOK_CANARY))
        .collect();
    for report in run_webhook_table() {
        let texts = match &report.outcome {
            Ok(Ok(event)) => vec![format!("{event:?}")],
            Ok(Err(e)) => {
                let mut found = renderings_with(e, WEBHOOK_CANARY);
                found.extend([e.to_string(), format!("{e:?}")]);
                found
            }
            Err(panic) => vec![panic.clone()],
        };
        leaks.extend(
            texts
                .into_iter()
                .filter(|t| t.contains(WEBHOOK_CANARY))
                .map(|t| format!("{}: {t}", report.name)),
        );
    }
    assert!(leaks.is_empty(), "the webhook secret leaked: {leaks:?}");
}

#[tokio::test]
async fn the_emulator_never_prints_the_key_it_got_from_the_environment() {
    // Builds the binary if needed, and shows Debug of its configuration.
    drop(EmulatorProcess::spawn(&[]));
    let builder = parallel_web_emulator::Emulator::builder()
        .api_key(CANARY_KEY)
        .webhook_secret(WEBHOOK_CANARY);
    let handle = builder.clone().start().await.unwrap();
    for text in [format!("{builder:?}"), format!("{handle:?}")] {
        assert!(!text.contains(CANARY_KEY), "the key leaked: {text}");
        assert!(
            !text.contains(WEBHOOK_CANARY),
            "the webhook secret leaked: {text}"
        );
    }
    handle.shutdown().await;

    let help = Command::new(emulator_binary())
        .arg("--help")
        .env("PARALLEL_API_KEY", CANARY_KEY)
        .env("PARALLEL_WEBHOOK_SECRET", WEBHOOK_CANARY)
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&[help.stdout, help.stderr].concat()).into_owned();
    assert!(help.contains("--api-key"), "{help}");
    assert!(
        !help.contains(CANARY_KEY) && !help.contains(WEBHOOK_CANARY),
        "a secret leaked in --help: {help}"
    );

    // A traced run, key from the environment, serving a request.
    let mut child = Command::new(emulator_binary())
        .args(["--addr", "127.0.0.1:0", "--time-scale", "0"])
        .env("PARALLEL_API_KEY", CANARY_KEY)
        .env("PARALLEL_WEBHOOK_SECRET", WEBHOOK_CANARY)
        .env("RUST_LOG", "trace")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read stderr as it comes, so TRACE output never fills the pipe.
    let mut stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut first = Vec::new();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
        first.push(byte[0]);
    }
    let first = String::from_utf8(first).unwrap();
    let base_url = first
        .strip_prefix("listening on ")
        .expect("the address line");
    let client = Client::builder()
        .api_key(CANARY_KEY)
        .base_url(base_url)
        .build()
        .unwrap();
    let group = client.task_groups().create().send().await.unwrap();
    group
        .add_runs(["q"])
        .processor("lite")
        .send()
        .await
        .unwrap();
    let _ = client.task_groups().retrieve("tgrp_doesnotexist").await;
    // A run whose webhook is delivered (signed with the secret) and refused:
    // every attempt is traced.
    let hook: parallel_web::types::Webhook = parallel_web::types::Webhook::builder()
        .url("http://127.0.0.1:9/hook")
        .event_types(vec![
            parallel_web::types::WebhookEventTypesItem::TaskRunStatus,
        ])
        .try_into()
        .unwrap();
    let input = parallel_web::RunInput::new("q")
        .processor("lite")
        .webhook(hook);
    client.task_runs().create(input).send().await.unwrap();
    // Wait until the emulator has recorded an attempt (the test's own bound
    // is the timeout).
    parallel_web::install_tls_provider();
    let http = reqwest::Client::new();
    let attempts = format!("{base_url}/_emulator/webhooks");
    loop {
        let listed = http
            .get(&attempts)
            .header("x-api-key", CANARY_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.status(), 200);
        if listed.text().await.unwrap() != "[]" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut out = first;
    stdout.read_to_string(&mut out).unwrap();
    out.push_str(&stderr.join().unwrap());
    assert!(out.contains("listening on"), "{out}");
    assert!(
        !out.contains(CANARY_KEY),
        "the emulator printed the key: {out}"
    );
    assert!(
        !out.contains(WEBHOOK_CANARY),
        "the emulator printed the webhook secret: {out}"
    );
}

/// Runs the `parallel-web` CLI with `args` against `base_url` (off the
/// async runtime, which serves the emulator) and returns its stdout and
/// stderr together.
async fn cli_output(base_url: &str, args: &[&str], log: Option<&'static str>) -> String {
    let mut command = Command::new(parallel_web_tests::workspace_binary(
        "parallel-web-cli",
        "parallel-web",
    ));
    command
        .args(args)
        .env("PARALLEL_BASE_URL", base_url)
        .env("PARALLEL_API_KEY", CANARY_KEY)
        .env_remove("PARALLEL_LOG")
        .stdin(Stdio::null());
    if let Some(filter) = log {
        command.env("PARALLEL_LOG", filter);
    }
    let out = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    String::from_utf8_lossy(&[out.stdout, out.stderr].concat()).into_owned()
}

#[tokio::test]
async fn the_cli_never_logs_the_key_even_at_trace_level() {
    let emulator = parallel_web_emulator::Emulator::builder()
        .api_key(CANARY_KEY)
        .start()
        .await
        .unwrap();
    let url = emulator.base_url();
    let quiet = cli_output(&url, &["groups", "create"], None).await;
    assert!(quiet.contains("tgrp_"), "the command worked: {quiet}");
    assert!(
        !quiet.contains("parallel.request"),
        "no logging without -v: {quiet}"
    );
    for (args, log) in [
        (&["-vv", "groups", "create", "--metadata", "k=v"][..], None),
        // An error path, with the key given as a flag as well.
        (
            &[
                "-vv",
                "--api-key",
                CANARY_KEY,
                "groups",
                "status",
                "tgrp_missing",
            ][..],
            None,
        ),
        (&["groups", "create"][..], Some("trace")),
        // The commands of the other APIs, the chat path's Bearer header
        // included.
        (&["-vvv", "chat", "hi"][..], None),
        (&["-vvv", "search", "x", "-q", "y"][..], None),
        (
            &["-vvv", "research", "run", "q", "-p", "lite", "--no-wait"][..],
            None,
        ),
        // FindAll and monitors: a run from a drafted schema, a run's event
        // stream, a monitor with a webhook, the list's pages and a 404.
        (
            &["-vvv", "findall", "run", "q", "--ingest", "--no-wait"][..],
            None,
        ),
        (&["-vv", "findall", "events", "findall_missing"][..], None),
        (
            &[
                "-vvv",
                "monitor",
                "create",
                "q",
                "--frequency",
                "1d",
                "--webhook",
                "https://hooks.example.com/m",
            ][..],
            None,
        ),
        (&["monitor", "list"][..], Some("trace")),
        (&["-vv", "monitor", "get", "monitor_missing"][..], None),
    ] {
        let out = cli_output(&url, args, log).await;
        assert!(
            out.contains("parallel.request"),
            "the request span is logged ({args:?}, {log:?}): {out}"
        );
        if log == Some("trace") {
            assert!(out.contains("TRACE"), "trace level is on: {out}");
        }
        assert!(!out.contains(CANARY_KEY), "the CLI logged the key: {out}");
    }
    emulator.shutdown().await;
}
