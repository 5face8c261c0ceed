//! Per-call options (`WithOptions`, `Client::with_options`) and `execute`.

use parallel_web::{RequestOptions, WithOptions};

use crate::*;

/// Every request to a run id answers 503 at once, with a 1 ms retry delay.
fn failing_run_reads() -> EmulatorBuilder {
    instant().fault(
        Fault::status(503)
            .retry_after_ms(1)
            .path("/tasks/runs/trun_"),
    )
}

/// Requests the emulator saw for `trun_x`, after `f` ran.
async fn retrieves<F: std::future::Future>(emu: &EmulatorHandle, f: F) -> u64 {
    let before = ops(emu, "task_run_retrieve");
    f.await;
    ops(emu, "task_run_retrieve") - before
}

#[tokio::test]
async fn a_per_call_retry_count_is_honoured_and_the_clients_is_kept() {
    let emu = start(failing_run_reads()).await;
    let client = client_for(&emu);
    let runs = client.task_runs();
    // The client's default: two retries.
    let n = retrieves(&emu, async { runs.retrieve("trun_x").await.unwrap_err() }).await;
    assert_eq!(n, 3);
    let n = retrieves(&emu, async {
        runs.retrieve("trun_x").max_retries(5).await.unwrap_err()
    })
    .await;
    assert_eq!(n, 6);
    let n = retrieves(&emu, async {
        runs.retrieve("trun_x").max_retries(0).await.unwrap_err()
    })
    .await;
    assert_eq!(n, 1);
    let n = retrieves(&emu, async {
        runs.retrieve("trun_x")
            .retry_policy(RetryPolicy::none())
            .await
            .unwrap_err()
    })
    .await;
    assert_eq!(n, 1);
    // The options of one call do not stay on the client.
    let n = retrieves(&emu, async { runs.retrieve("trun_x").await.unwrap_err() }).await;
    assert_eq!(n, 3);
}

#[tokio::test]
async fn a_client_view_changes_the_defaults_and_keeps_the_rest() {
    let emu = start(failing_run_reads()).await;
    let client = client_for(&emu);
    let view = client.with_options(RequestOptions::new().max_retries(1));
    let n = retrieves(&emu, async {
        view.task_runs().retrieve("trun_x").await.unwrap_err()
    })
    .await;
    assert_eq!(n, 2, "the view's default");
    let n = retrieves(&emu, async {
        view.task_runs()
            .retrieve("trun_x")
            .max_retries(3)
            .await
            .unwrap_err()
    })
    .await;
    assert_eq!(n, 4, "a call's options are laid over the view's");
    let n = retrieves(&emu, async {
        client.task_runs().retrieve("trun_x").await.unwrap_err()
    })
    .await;
    assert_eq!(n, 3, "the client it came from is unchanged");
    // One client underneath: the same request counter (and pool and budget).
    assert_eq!(client.request_count(), view.request_count());
    assert_eq!(client.request_count(), 9);
    // `Duration::MAX` lifts a view's timeout (no overflow, no bound).
    let bounded = client.with_options(RequestOptions::new().timeout(Duration::from_nanos(1)));
    let lifted = bounded.with_options(RequestOptions::new().timeout(Duration::MAX));
    let err = lifted.task_runs().retrieve("trun_x").await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    // Everything else is the client's: it reaches the same server.
    let view = client.with_options(RequestOptions::new().header("x-team", "research"));
    let group = view.task_groups().create().await.unwrap();
    assert!(group.id().starts_with("tgrp_"));
}

#[tokio::test]
async fn per_call_headers_reach_the_server_and_replace_the_clients() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().await.unwrap();
    // The emulator checks the key: a per-call `x-api-key` replaces the
    // client's, so the server sees it and refuses it.
    let err = client
        .task_groups()
        .retrieve(group.id())
        .header("x-api-key", "not-the-key")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    let wrong = client.with_options(RequestOptions::new().header("x-api-key", "not-the-key"));
    let err = wrong.task_groups().create().await.unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    let err = group
        .events()
        .header("x-api-key", "not-the-key")
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    // Without the option, the same calls work.
    client.task_groups().retrieve(group.id()).await.unwrap();
    group.status().await.unwrap();
}

#[tokio::test]
async fn a_per_call_timeout_ends_a_slow_call_with_a_typed_error() {
    let emu =
        start(instant().fault(Fault::latency(Duration::from_secs(30)).path("/tasks/groups/")))
            .await;
    let client = client_for(&emu);
    let group = client.task_groups().create().await.unwrap();
    let err = group
        .retrieve()
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    match err {
        Error::RequestTimeout {
            operation,
            timeout,
            attempts,
        } => {
            assert_eq!(operation, "task_group_retrieve");
            assert_eq!(timeout, Duration::from_millis(300));
            assert_eq!(attempts, 1);
        }
        other => panic!("{other:?}"),
    }
    // A stream's timeout bounds opening it: the error comes from `send`.
    let err = group
        .events()
        .timeout(Duration::from_millis(300))
        .await
        .err()
        .expect("timed out");
    assert!(
        matches!(
            err,
            Error::RequestTimeout {
                operation: "task_group_events",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_per_call_timeout_bounds_all_retries_of_the_call() {
    // Every read fails and the call may retry a million times, 20 ms
    // apart: only the timeout can end it.
    let emu = start(
        instant().fault(
            Fault::status(503)
                .retry_after_ms(20)
                .path("/tasks/runs/trun_"),
        ),
    )
    .await;
    let client = client_for(&emu);
    let err = client
        .task_runs()
        .retrieve("trun_x")
        .max_retries(1_000_000)
        .timeout(Duration::from_millis(500))
        .await
        .unwrap_err();
    let Error::RequestTimeout { attempts, .. } = err else {
        panic!("{err:?}")
    };
    assert!(attempts > 1, "it retried before the timeout: {attempts}");
    // The last attempt may have been cut before it reached the server.
    let seen = ops(&emu, "task_run_retrieve");
    assert!((u64::from(attempts) - 1..=u64::from(attempts)).contains(&seen));
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Founders {
    /// The founders' names.
    names: Vec<String>,
    /// The year the company was founded.
    year: u32,
}

#[tokio::test]
async fn execute_creates_one_run_and_returns_its_typed_output() {
    let emu = start(Emulator::builder().time_scale(0.001).seed(5)).await;
    let client = client_for(&emu);
    let result = client
        .task_runs()
        .execute(RunInput::new(Question { n: 1 }))
        .spec(&TaskSpec::json::<Question, Founders>())
        .processor("lite")
        .typed::<Founders>()
        .await
        .unwrap();
    assert_eq!(result.run.status.to_string(), "completed");
    assert!(!result.output.names.is_empty(), "{result:?}");
    assert_eq!(emu.stats().runs_created, 1);
    assert!(ops(&emu, "task_run_result") >= 1);
    // The run is the one the emulator made.
    let run = client
        .task_runs()
        .retrieve(&result.run.run_id)
        .await
        .unwrap();
    assert_eq!(run.processor, "lite");
}

#[tokio::test]
async fn execute_of_an_output_that_does_not_fit_the_type_is_a_decode_error() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let err = client
        .task_runs()
        .execute(RunInput::new("Who founded Stripe?"))
        .spec(&TaskSpec::text("The founders' names"))
        .processor("lite")
        .typed::<Founders>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    // Untyped, the same call returns the text.
    let result = client
        .task_runs()
        .execute(RunInput::new("Who founded Stripe?"))
        .spec(&TaskSpec::text("The founders' names"))
        .processor("lite")
        .await
        .unwrap();
    assert!(matches!(
        result.output,
        parallel_web::types::TaskRunResultOutput::TextOutput(_)
    ));
}

#[tokio::test]
async fn execute_of_a_failed_run_ends_with_the_servers_error() {
    let emu = start(instant().failure_rate(1.0)).await;
    let client = client_for(&emu);
    let err = client
        .task_runs()
        .execute(RunInput::new("q"))
        .processor("lite")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
    assert_eq!(emu.stats().runs_created, 1);
}

#[tokio::test]
async fn execute_gives_up_at_max_wait_naming_the_run() {
    // lite takes 10-60 s at time scale 1: far longer than the wait.
    let emu = start(Emulator::builder().time_scale(1.0).seed(6)).await;
    let client = client_for(&emu);
    let err = client
        .task_runs()
        .execute(RunInput::new("q"))
        .processor("lite")
        .max_wait(Duration::from_secs(1))
        .await
        .unwrap_err();
    let Error::WaitTimeout(t) = err else {
        panic!("{err:?}")
    };
    assert!(t.what.contains("trun_"), "{t}");
    assert_eq!(emu.stats().runs_created, 1);
}
