//! Single task runs: create, retrieve, input, result (and waiting for the
//! result with the server's long-poll).

use std::future::Future;
use std::time::Duration;

use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::beta::Betas;
use crate::error::WaitTimeout;
use crate::request::Call;
use crate::task_groups::to_wire_type;
use crate::typed::{TypedResult, typed_result};
use crate::types::{TaskRun, TaskRunInput, TaskRunResult};
use crate::{Client, Error, RunInput, TaskSpec};

/// Longest server-side wait of one result request, in seconds.
const MAX_LONG_POLL_SECS: u64 = 600;

/// Task-run operations: `client.task_runs()`.
#[derive(Debug, Clone)]
pub struct TaskRuns {
    pub(crate) client: Client,
}

impl Client {
    /// Task-run operations.
    pub fn task_runs(&self) -> TaskRuns {
        TaskRuns {
            client: self.clone(),
        }
    }
}

impl TaskRuns {
    /// Starts creating one run.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::{RunInput, TaskSpec};
    /// let run = client
    ///     .task_runs()
    ///     .create(RunInput::new("Who founded Stripe?").processor("base"))
    ///     .spec(&TaskSpec::text("The founders' names"))
    ///     .send()
    ///     .await?;
    /// println!("{} is {}", run.run_id, run.status);
    /// # Ok(()) }
    /// ```
    ///
    /// The POST creates a paid run, so a failure after the request may have
    /// reached the server (timeout, reset, 5xx) is returned, not retried.
    pub fn create(&self, run: RunInput) -> CreateRun {
        CreateRun {
            client: self.client.clone(),
            run,
            betas: Vec::new(),
        }
    }

    /// Fetches a run.
    pub async fn retrieve(&self, run_id: &str) -> Result<TaskRun, Error> {
        let api = self.client.raw();
        Ok(self
            .client
            .execute(Call::read("task_run_retrieve"), || {
                api.task_run_retrieve().run_id(run_id).send()
            })
            .await?
            .into_inner())
    }

    /// Fetches the input a run was created with.
    pub async fn input(&self, run_id: &str) -> Result<TaskRunInput, Error> {
        let api = self.client.raw();
        Ok(self
            .client
            .execute(Call::read("task_run_input"), || {
                api.task_run_input().run_id(run_id).send()
            })
            .await?
            .into_inner())
    }

    /// The result of a run; finish with [`send`](ResultRequest::send) (one
    /// request) or [`wait`](ResultRequest::wait) (until a deadline).
    pub fn result(&self, run_id: &str) -> ResultRequest {
        ResultRequest {
            client: self.client.clone(),
            run_id: run_id.to_owned(),
            timeout: None,
            betas: Vec::new(),
        }
    }
}

/// Builder for creating one run.
#[derive(Debug, Clone)]
#[must_use]
pub struct CreateRun {
    client: Client,
    run: RunInput,
    betas: Vec<String>,
}

impl CreateRun {
    /// The run's spec.
    pub fn spec(mut self, spec: &TaskSpec) -> Self {
        self.run = self.run.task_spec(spec);
        self
    }

    /// The run's processor.
    pub fn processor(mut self, processor: impl Into<String>) -> Self {
        self.run = self.run.processor(processor);
        self
    }

    /// An extra beta feature for the `parallel-beta` header.
    pub fn beta(mut self, name: impl Into<String>) -> Self {
        self.betas.push(name.into());
        self
    }

    /// Creates the run (status `queued`).
    pub async fn send(self) -> Result<TaskRun, Error> {
        let wire = self.run.to_wire(None, None, None, &Default::default())?;
        let mut betas = Betas::default();
        betas.extend(self.client.client_betas());
        betas.extend(&self.betas);
        betas.add_for_run(&wire);
        let header = betas.header();
        let body: crate::types::TaskRunInput = to_wire_type(wire)?;
        let api = self.client.raw();
        Ok(self
            .client
            .execute(Call::create_runs("task_run_create"), || {
                let mut b = api.task_run_create().body(body.clone());
                if let Some(h) = &header {
                    b = b.parallel_beta(h.clone());
                }
                b.send()
            })
            .await?
            .into_inner())
    }
}

/// Builder for a run's result.
#[derive(Debug, Clone)]
#[must_use]
pub struct ResultRequest {
    client: Client,
    run_id: String,
    timeout: Option<u64>,
    betas: Vec<String>,
}

impl ResultRequest {
    /// How long the server holds one request open, in seconds (default 600).
    pub fn timeout_secs(mut self, secs: u64) -> Self {
        self.timeout = Some(secs);
        self
    }

    /// An extra beta feature for the `parallel-beta` header (e.g.
    /// [`beta::FIELD_BASIS`](crate::beta::FIELD_BASIS)).
    pub fn beta(mut self, name: impl Into<String>) -> Self {
        self.betas.push(name.into());
        self
    }

    /// One request: the result, or HTTP 408 while the run is still active.
    pub async fn send(self) -> Result<TaskRunResult, Error> {
        self.once(self.timeout).await
    }

    /// Repeats the long-poll until the run finishes or `max_wait` passes
    /// ([`Error::WaitTimeout`] then).
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use std::time::Duration;
    /// #[derive(serde::Deserialize)]
    /// struct Founders { names: Vec<String> }
    /// let result = client
    ///     .task_runs()
    ///     .result("trun_123")
    ///     .typed::<Founders>()
    ///     .wait(Duration::from_secs(1800))
    ///     .await?;
    /// println!("{:?}", result.output.names);
    /// # Ok(()) }
    /// ```
    pub async fn wait(self, max_wait: Duration) -> Result<TaskRunResult, Error> {
        let per_request = self.timeout.unwrap_or(MAX_LONG_POLL_SECS);
        let what = || format!("the result of run {}", self.run_id);
        long_poll(what, max_wait, per_request, |secs| self.once(Some(secs))).await
    }

    /// Decodes the output as `O`.
    pub fn typed<O: DeserializeOwned>(self) -> TypedResultRequest<O> {
        TypedResultRequest {
            inner: self,
            _type: std::marker::PhantomData,
        }
    }

    async fn once(&self, timeout: Option<u64>) -> Result<TaskRunResult, Error> {
        let mut betas = Betas::default();
        betas.extend(self.client.client_betas());
        betas.extend(&self.betas);
        let header = betas.header();
        let api = self.client.raw();
        let call = Call {
            long_poll: true,
            ..Call::read("task_run_result")
        };
        Ok(self
            .client
            .execute(call, || {
                let mut b = api.task_run_result().run_id(self.run_id.as_str());
                if let Some(t) = timeout {
                    b = b.timeout(t as i64);
                }
                if let Some(h) = &header {
                    b = b.parallel_beta(h.clone());
                }
                b.send()
            })
            .await?
            .into_inner())
    }
}

/// Repeats `once(secs)`, a request the server holds open for up to `secs`
/// seconds, while it answers "still running", each time asking for no more
/// than what is left of `max_wait` (and at most `per_request`). At the
/// deadline it gives up with [`Error::WaitTimeout`].
pub(crate) async fn long_poll<T, F, Fut>(
    what: impl FnOnce() -> String,
    max_wait: Duration,
    per_request: u64,
    mut once: F,
) -> Result<T, Error>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let start = Instant::now();
    let deadline = start + max_wait;
    let mut polls = 0;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        // Whole seconds, rounded up so the last request reaches the deadline.
        let secs = remaining
            .as_secs()
            .saturating_add(u64::from(remaining.subsec_nanos() > 0))
            .clamp(1, per_request.max(1));
        polls += 1;
        match once(secs).await {
            Err(e) if still_running(&e) => {
                if Instant::now() >= deadline {
                    return Err(Error::WaitTimeout(Box::new(WaitTimeout {
                        what: what(),
                        waited: start.elapsed(),
                        polls,
                        last_status: Some("still active".into()),
                    })));
                }
            }
            other => return other,
        }
    }
}

/// 408 (the long-poll ended) or a client-side timeout: the run is still going.
fn still_running(e: &Error) -> bool {
    matches!(e.status(), Some(408 | 503 | 504)) || matches!(e, Error::Timeout { .. })
}

/// A result request decoding the output as `O`.
#[must_use]
pub struct TypedResultRequest<O> {
    inner: ResultRequest,
    _type: std::marker::PhantomData<fn() -> O>,
}

impl<O> std::fmt::Debug for TypedResultRequest<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl<O: DeserializeOwned> TypedResultRequest<O> {
    /// One request.
    pub async fn send(self) -> Result<TypedResult<O>, Error> {
        typed_result(self.inner.send().await?)
    }

    /// Long-polls until the run finishes or `max_wait` passes.
    pub async fn wait(self, max_wait: Duration) -> Result<TypedResult<O>, Error> {
        typed_result(self.inner.wait(max_wait).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn timed_out() -> Error {
        let api = crate::error::ApiError::from_parts(
            "task_run_result",
            408,
            &Default::default(),
            r#"{"type":"error","error":{"ref_id":"r","message":"Request timed out; run still active"}}"#,
        );
        Error::from_response(api)
    }

    /// A result that is ready after `ready_after`: each request waits for
    /// it up to the seconds asked for, then answers 408. Records the asks.
    async fn fake_result(
        ready_after: Duration,
        max_wait: Duration,
    ) -> (Result<&'static str, Error>, Vec<u64>) {
        let asked = Mutex::new(Vec::new());
        let ready_at = Instant::now() + ready_after;
        let result = long_poll(
            || "the fake".into(),
            max_wait,
            10,
            |secs| {
                asked.lock().unwrap().push(secs);
                async move {
                    let until = (Instant::now() + Duration::from_secs(secs)).min(ready_at);
                    tokio::time::sleep_until(until).await;
                    if Instant::now() >= ready_at {
                        Ok("done")
                    } else {
                        Err(timed_out())
                    }
                }
            },
        )
        .await;
        (result, asked.into_inner().unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn the_long_poll_is_repeated_after_each_408_until_the_result_is_ready() {
        let start = Instant::now();
        let (result, asked) = fake_result(Duration::from_secs(25), Duration::from_secs(600)).await;
        assert_eq!(result.unwrap(), "done");
        assert_eq!(asked, [10, 10, 10]);
        assert_eq!(start.elapsed(), Duration::from_secs(25));
    }

    #[tokio::test(start_paused = true)]
    async fn at_the_deadline_the_wait_reports_how_long_and_how_often() {
        let (result, asked) =
            fake_result(Duration::from_secs(3_600), Duration::from_secs(25)).await;
        // The last request only asks for what is left of the 25 s.
        assert_eq!(asked, [10, 10, 5]);
        match result {
            Err(Error::WaitTimeout(t)) => {
                assert_eq!((t.polls, t.waited), (3, Duration::from_secs(25)));
                assert!(t.to_string().contains("the fake"), "{t}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn other_errors_end_the_wait_at_once() {
        let result: Result<(), Error> = long_poll(
            || "x".into(),
            Duration::from_secs(60),
            10,
            |_| async { Err(Error::Config("boom".into())) },
        )
        .await;
        assert!(matches!(result, Err(Error::Config(_))));
    }
}
