//! The request layer: the one place every API call goes through. It
//! retries with the one retry predicate, waits for the run-creation rate
//! budget, opens one tracing span per attempt and counts requests, bounds
//! the whole call by the per-call timeout (`options.rs`), and it turns the
//! generated client's errors into [`Error`]. It also picks the `/v1` or
//! `/v1beta` flavour of an operation and names it ([`versioned!`]).
//! What to send is decided by the callers; configuration lives in
//! `client/mod.rs`.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use parallel_web_api::{
    ERROR_BODY_KEPT_BYTES, ErrorBodyTooLong, ResponseTooLarge, ResponseValue, find_in_chain, types,
};
use tokio::time::Instant;
use tracing::Instrument;

use crate::client::Client;
use crate::error::ApiError;
use crate::error::Error;

/// Sends one operation through the request layer ([`Client::execute`]),
/// naming it once: the generated method's identifier is also the
/// operation's name in spans and errors.
///
/// `versioned!(client, Call::read, ga_op | beta_op, |b| b.arg(..))` picks
/// the `/v1` or the `/v1beta` flavour by the client's API version (both
/// generated builders have the same methods, so one expression serves
/// both); `versioned!(client, Call::read, op, |b| ..)` sends an operation
/// that has one flavour. `$call` makes the [`Call`] from the name.
/// Statements that must run before each attempt, outside the request
/// future (cloning a body, noting the time), go in `before { ..; }`.
/// Evaluates to the future of `execute`.
macro_rules! versioned {
    ($client:expr, $call:expr, $ga:ident | $beta:ident, $(before { $($pre:tt)* },)? |$b:ident| $build:expr) => {
        $crate::client::Client::execute(
            $client,
            ($call)(if $client.api_version() == $crate::client::ApiVersion::V1 {
                stringify!($ga)
            } else {
                stringify!($beta)
            }),
            || {
                $($($pre)*)?
                let ga = $client.api_version() == $crate::client::ApiVersion::V1;
                let api = $client.raw();
                async move {
                    if ga {
                        let $b = api.$ga();
                        $build.send().await
                    } else {
                        let $b = api.$beta();
                        $build.send().await
                    }
                }
            },
        )
    };
    ($client:expr, $call:expr, $op:ident, $(before { $($pre:tt)* },)? |$b:ident| $build:expr) => {
        $crate::client::Client::execute($client, ($call)(stringify!($op)), || {
            $($($pre)*)?
            let $b = $client.raw().$op();
            $build.send()
        })
    };
}
pub(crate) use versioned;

/// What the request layer needs to know about one operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call {
    pub op: &'static str,
    /// Safe to repeat after an ambiguous failure.
    pub idempotent: bool,
    /// Counts against the run-creation rate budget.
    pub creates_runs: bool,
    /// A long-poll: HTTP 408 means "not yet" and is returned at once.
    pub long_poll: bool,
}

impl Call {
    pub(crate) const fn read(op: &'static str) -> Call {
        Call {
            op,
            idempotent: true,
            creates_runs: false,
            long_poll: false,
        }
    }
    /// A call that changes something but creates no runs, and must not be
    /// repeated after a failure that may have reached the server.
    pub(crate) const fn action(op: &'static str) -> Call {
        Call {
            op,
            idempotent: false,
            creates_runs: false,
            long_poll: false,
        }
    }
    pub(crate) const fn create_runs(op: &'static str) -> Call {
        Call {
            op,
            idempotent: false,
            creates_runs: true,
            long_poll: false,
        }
    }
}

impl Client {
    /// Sends one operation with retries, the rate budget, a tracing span and
    /// the request counter, within this client view's per-call timeout.
    /// `attempt` builds and sends one try (through [`Client::raw`]).
    pub(crate) async fn execute<T, F, Fut>(
        &self,
        call: Call,
        attempt: F,
    ) -> Result<ResponseValue<T>, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, parallel_web_api::Error<types::ApiError>>>,
    {
        let settings = self.call_settings();
        if let Some(e) = settings.invalid() {
            return Err(e);
        }
        let attempts = AtomicU32::new(0);
        let tries = self.attempts(call, attempt, &attempts);
        match settings.timeout() {
            None => tries.await,
            Some(timeout) => match tokio::time::timeout(timeout, tries).await {
                Ok(result) => result,
                Err(_) => Err(Error::RequestTimeout {
                    operation: call.op,
                    timeout,
                    attempts: attempts.load(Ordering::Relaxed),
                }),
            },
        }
    }

    /// Tries `call` until it succeeds or the retry policy stops, counting
    /// the attempts started in `attempts`.
    async fn attempts<T, F, Fut>(
        &self,
        call: Call,
        mut attempt: F,
        attempts: &AtomicU32,
    ) -> Result<ResponseValue<T>, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, parallel_web_api::Error<types::ApiError>>>,
    {
        let mut retries = 0;
        loop {
            if call.creates_runs {
                self.rate_budget().acquire().await;
            }
            self.count_request();
            attempts.fetch_add(1, Ordering::Relaxed);
            let span = tracing::info_span!(
                "parallel.request",
                operation = call.op,
                attempt = retries + 1,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            );
            let started = Instant::now();
            let result = match attempt().instrument(span.clone()).await {
                Ok(v) => Ok(v),
                Err(e) => Err(convert_error(call.op, e).await),
            };
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            match &result {
                Ok(v) => span.record("status", v.status().as_u16()),
                Err(e) => span.record("status", e.status().unwrap_or(0)),
            };
            match result {
                Ok(v) => return Ok(v),
                Err(e) if call.long_poll && e.status() == Some(408) => return Err(e),
                Err(e) => match self.retry_policy().next_delay(&e, retries, call.idempotent) {
                    Some(delay) => {
                        span.in_scope(|| tracing::info!(error = %e, ?delay, "retrying"));
                        tokio::time::sleep(delay).await;
                        retries += 1;
                    }
                    None => return Err(e),
                },
            }
        }
    }
}

/// Maps the generated client's error into ours, reading the body of
/// undocumented responses so the server's message is not lost.
pub(crate) async fn convert_error(
    op: &'static str,
    e: parallel_web_api::Error<types::ApiError>,
) -> Error {
    use parallel_web_api::Error as E;
    match e {
        E::ErrorResponse(rv) => {
            let body = serde_json::to_string(rv.as_ref()).unwrap_or_default();
            Error::from_response(ApiError::from_parts(
                op,
                rv.status().as_u16(),
                rv.headers(),
                &body,
            ))
        }
        E::UnexpectedResponse(resp) => {
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = match resp.text().await {
                Ok(body) => body,
                Err(e) => return body_error(op, e),
            };
            if (200..300).contains(&status) {
                return Error::Decode {
                    what: format!("{op} response (HTTP {status})"),
                    message: "unexpected success status".into(),
                    raw: body,
                };
            }
            Error::from_response(ApiError::from_parts(op, status, &headers, &body))
        }
        E::ResponseBodyError(e) => body_error(op, e),
        E::CommunicationError(e) | E::InvalidUpgrade(e) => transport_error(op, e),
        E::InvalidResponsePayload(bytes, err) => Error::Decode {
            what: format!("{op} response"),
            message: err.to_string(),
            // The start of the body is enough to see what came back.
            raw: String::from_utf8_lossy(&bytes[..bytes.len().min(ERROR_BODY_KEPT_BYTES)])
                .into_owned(),
        },
        E::InvalidRequest(msg) => Error::input(None, "request", msg),
        E::Custom(msg) => Error::Config(msg),
    }
}

/// A response body that could not be read: over the client's limit, an
/// error body cut where errors stop keeping it (see the api crate's
/// `body_limit.rs`), or a transport failure.
fn body_error(op: &'static str, e: reqwest::Error) -> Error {
    if let Some(too_large) = find_in_chain::<ResponseTooLarge>(&e) {
        return Error::ResponseTooLarge {
            operation: op,
            limit: too_large.limit,
        };
    }
    if let Some(cut) = find_in_chain::<ErrorBodyTooLong>(&e) {
        // `from_parts` marks the body as cut when it is longer than it keeps.
        let body = format!("{}…", String::from_utf8_lossy(&cut.kept));
        return Error::from_response(ApiError::from_parts(
            op,
            cut.status.as_u16(),
            &cut.headers,
            &body,
        ));
    }
    transport_error(op, e)
}

pub(crate) fn transport_error(op: &'static str, e: reqwest::Error) -> Error {
    // A connection that was never opened (refused, DNS, TLS, or a connect
    // timeout) certainly carried no request: safe to retry any request.
    if e.is_connect() {
        return Error::Connection {
            operation: op,
            before_sending: true,
            source: e,
        };
    }
    if e.is_timeout() {
        Error::Timeout {
            operation: op,
            source: e,
        }
    } else {
        Error::Connection {
            operation: op,
            before_sending: false,
            source: e,
        }
    }
}
