//! A run's result: one request, or waiting for it with the server's
//! long-poll on the shared waiter core (`waiter.rs`), optionally decoded
//! into the caller's output type.

use std::future::Future;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::time::Instant;

use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::spec::beta::Betas;
use crate::types::{FieldBasis, TaskRun, TaskRunResult, TaskRunResultOutput};
use crate::waiter::{Delays, Poll, Waiter};
use crate::{Client, Error, RequestOptions};

/// Longest server-side wait of one result request.
const MAX_LONG_POLL: Duration = Duration::from_secs(600);

/// Builder for a run's result; finish with [`send`](ResultRequest::send)
/// (or `.await`: one request) or [`wait`](ResultRequest::wait).
#[derive(Debug, Clone)]
#[must_use]
pub struct ResultRequest {
    client: Client,
    run_id: String,
    api_timeout: Option<Duration>,
    options: RequestOptions,
}

impl ResultRequest {
    pub(crate) fn new(client: Client, run_id: &str) -> ResultRequest {
        ResultRequest {
            client,
            run_id: run_id.to_owned(),
            api_timeout: None,
            options: RequestOptions::new(),
        }
    }

    /// How long the server holds one request open (the API's `timeout`
    /// query parameter, `api_timeout` in the Python SDK; default and most:
    /// 600 s; sent in whole seconds, rounded up). The client-side bound of
    /// a call is [`WithOptions::timeout`](crate::WithOptions::timeout).
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use std::time::Duration;
    /// let one_try = client.task_runs().result("trun_123").api_timeout(Duration::from_secs(30)).await;
    /// # let _ = one_try; Ok(()) }
    /// ```
    pub fn api_timeout(mut self, timeout: Duration) -> Self {
        self.api_timeout = Some(timeout);
        self
    }

    /// One request: the result, or HTTP 408 while the run is still active.
    pub async fn send(self) -> Result<TaskRunResult, Error> {
        let this = self.with_options_applied();
        this.once(this.api_timeout.map(whole_seconds)).await
    }

    /// This request with its client view of its options.
    fn with_options_applied(mut self) -> ResultRequest {
        if !self.options.is_empty() {
            self.client = self.client.with_options(std::mem::take(&mut self.options));
        }
        self
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
        self.wait_up_to(Some(max_wait)).await
    }

    /// [`wait`](Self::wait), without a deadline when `max_wait` is `None`.
    pub(crate) async fn wait_up_to(
        self,
        max_wait: Option<Duration>,
    ) -> Result<TaskRunResult, Error> {
        let this = self.with_options_applied();
        let per_request =
            whole_seconds(this.api_timeout.unwrap_or(MAX_LONG_POLL).min(MAX_LONG_POLL));
        let what = format!("the result of run {}", this.run_id);
        long_poll(what, max_wait, per_request, |secs| this.once(Some(secs))).await
    }

    /// Decodes the output as `O`.
    pub fn typed<O: DeserializeOwned>(self) -> TypedResultRequest<O> {
        TypedResultRequest {
            inner: self,
            _type: std::marker::PhantomData,
        }
    }

    async fn once(&self, timeout_secs: Option<u64>) -> Result<TaskRunResult, Error> {
        let mut betas = Betas::default();
        betas.extend(self.client.client_betas());
        let header = betas.header();
        let long_poll = |op| Call {
            long_poll: true,
            ..Call::read(op)
        };
        Ok(versioned!(&self.client, long_poll, task_run_result, |b| {
            let mut b = b.run_id(self.run_id.as_str());
            if let Some(t) = timeout_secs {
                b = b.timeout(i64::try_from(t).unwrap_or(i64::MAX));
            }
            if let Some(h) = &header {
                b = b.parallel_beta(h.clone());
            }
            b
        })
        .await?
        .into_inner())
    }
}

request_builder!(ResultRequest => TaskRunResult, options: options);

/// Whole seconds, rounded up, at least one.
fn whole_seconds(d: Duration) -> u64 {
    d.as_secs()
        .saturating_add(u64::from(d.subsec_nanos() > 0))
        .max(1)
}

/// Repeats `once(secs)`, a request the server holds open for up to `secs`
/// seconds, while it answers "still running", each time asking for no more
/// than what is left of `max_wait` (and at most `per_request`); `None`
/// waits without a deadline.
pub(crate) async fn long_poll<T, F, Fut>(
    what: String,
    max_wait: Option<Duration>,
    per_request: u64,
    mut once: F,
) -> Result<T, Error>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let waiter = Waiter {
        what,
        max_wait,
        delays: Delays::None,
    };
    waiter
        .run(Instant::now(), 0, |left| {
            // Rounded up so the last request reaches the deadline.
            let secs = left
                .map_or(per_request, whole_seconds)
                .min(per_request.max(1));
            let request = once(secs);
            async move {
                match request.await {
                    Ok(v) => Ok(Poll::Done(v)),
                    Err(e) if still_running(&e) => Ok(Poll::Pending(Some("still active".into()))),
                    Err(e) => Err(e),
                }
            }
        })
        .await
}

/// 408 (the long-poll ended) or a client-side timeout (of the connection
/// or of the call): the run is still going.
fn still_running(e: &Error) -> bool {
    matches!(e.status(), Some(408 | 503 | 504))
        || matches!(e, Error::Timeout { .. } | Error::RequestTimeout { .. })
}

/// A finished run's result with the output content as `O`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TypedResult<O> {
    /// The run.
    pub run: TaskRun,
    /// The output content.
    pub output: O,
    /// Citations and reasoning per output field.
    pub basis: Vec<FieldBasis>,
}

/// Decodes a result's output as `O`.
pub(crate) fn typed_result<O: DeserializeOwned>(r: TaskRunResult) -> Result<TypedResult<O>, Error> {
    let (content, basis) = match r.output {
        TaskRunResultOutput::JsonOutput(j) => (Value::Object(j.content), j.basis),
        TaskRunResultOutput::TextOutput(t) => (Value::String(t.content), t.basis),
    };
    let output = O::deserialize(&content).map_err(|e| Error::Decode {
        what: format!("output of run {}", r.run.run_id),
        message: e.to_string(),
        raw: content.to_string(),
    })?;
    Ok(TypedResult {
        run: r.run,
        output,
        basis,
    })
}

/// A result request decoding the output as `O`; finish with
/// [`send`](TypedResultRequest::send) (or `.await`) or
/// [`wait`](TypedResultRequest::wait).
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

request_builder!(
    impl<O> TypedResultRequest<O> => TypedResult<O>,
    options: inner.options,
    where O: DeserializeOwned + Send + 'static
);

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
        let result = long_poll("the fake".into(), Some(max_wait), 10, |secs| {
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
        })
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
        let result: Result<(), Error> =
            long_poll("x".into(), Some(Duration::from_secs(60)), 10, |_| async {
                Err(Error::Config("boom".into()))
            })
            .await;
        assert!(matches!(result, Err(Error::Config(_))));
    }
}
