//! The one error type of the SDK, and how server responses become errors.
//!
//! Every fallible call returns [`Error`]. Retry decisions are not made here:
//! they live in `retry.rs`, which reads the facts recorded on these values
//! (status, `x-should-retry`, the delay the server asked for).

use std::fmt;
use std::time::Duration;

use serde_json::Value;

mod api;

pub use api::{ApiError, FieldError};
use api::{FieldList, field_errors};

/// Everything that can go wrong when talking to the Parallel API.
///
/// Messages say what happened and what to do about it. The API key never
/// appears in any of them.
///
/// ```
/// # fn demo(err: parallel_web::Error) {
/// match &err {
///     parallel_web::Error::RateLimited { retry_after, .. } => {
///         eprintln!("slow down, the server asked for {retry_after:?}");
///     }
///     parallel_web::Error::InvalidInput { index, field, .. } => {
///         eprintln!("input #{index:?} has a bad {field}");
///     }
///     other => eprintln!("{other}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status not covered by a more
    /// specific variant (400, 402, 404, 409, 5xx, ...).
    #[error("{0}")]
    Api(Box<ApiError>),

    /// The server rejected the request body or parameters (HTTP 422).
    #[error("{error}; fix the listed fields and send again{}", FieldList(.fields))]
    Validation {
        /// The response as received.
        error: Box<ApiError>,
        /// Each rejected field with its location, when the server listed them.
        fields: Vec<FieldError>,
    },

    /// The API key was missing, wrong or not allowed to do this (HTTP
    /// 401/403). The API also answers 403 for an unknown processor on a
    /// single run; the message then says what to fix.
    #[error("{0}; {hint}", hint = AuthHint(.0))]
    Authentication(Box<ApiError>),

    /// Too many requests (HTTP 429) and the retries ran out.
    #[error("{error}; retries exhausted, wait {} before trying again", Delay(*.retry_after))]
    RateLimited {
        /// The response as received.
        error: Box<ApiError>,
        /// How long the server asked the client to wait, when it said.
        retry_after: Option<Duration>,
    },

    /// The request or the response took longer than the configured timeout.
    #[error("{operation}: timed out; the request may or may not have reached the server")]
    Timeout {
        /// The operation that timed out.
        operation: &'static str,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },

    /// A call ran past its per-call timeout
    /// ([`RequestOptions::timeout`](crate::RequestOptions::timeout)), its
    /// retries and their delays included. Like [`Error::Timeout`], the
    /// request may or may not have taken effect on the server.
    #[error(
        "{operation}: no answer within the call's timeout of {timeout:.1?} ({attempts} attempt(s)); the request may or may not have reached the server: raise the timeout or try again later"
    )]
    RequestTimeout {
        /// The operation that timed out.
        operation: &'static str,
        /// The timeout in force.
        timeout: Duration,
        /// How many attempts were started.
        attempts: u32,
    },

    /// The connection failed or broke.
    #[error(
        "{operation}: connection {}; check the base URL and the network",
        if *.before_sending { "could not be opened" } else { "broke" }
    )]
    Connection {
        /// The operation that failed.
        operation: &'static str,
        /// True when the request certainly never reached the server.
        before_sending: bool,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },

    /// A response body was larger than the client's limit
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes));
    /// nothing past the limit was read. The request itself may have taken
    /// effect on the server, so it is not retried.
    #[error(
        "{operation}: the response is larger than the limit of {limit} bytes and was not read; raise ClientBuilder::max_response_bytes if such answers are expected"
    )]
    ResponseTooLarge {
        /// The operation whose answer was too large.
        operation: &'static str,
        /// The limit in bytes.
        limit: u64,
    },

    /// An event was larger than the stream's cap (32 MiB); nothing past it
    /// was read. Reconnecting would meet the same event again, so the
    /// stream ends here.
    #[error(
        "event stream: an event is larger than {} MiB; the stream cannot go past it",
        .limit >> 20
    )]
    EventTooLarge {
        /// The cap in bytes.
        limit: usize,
        /// The last cursor successfully read, to resume from by hand.
        last_event_id: Option<String>,
    },

    /// A stream's answer was not an event stream (its content type was not
    /// `text/event-stream`: a proxy's or web server's HTML page, say).
    #[error(
        "event stream: the server answered with content type {content_type:?} instead of text/event-stream; check that the base URL points at the API"
    )]
    NotAnEventStream {
        /// The content type the server sent.
        content_type: String,
        /// The cursor the stream was opened from, to resume from by hand.
        last_event_id: Option<String>,
    },

    /// A single run's event stream ended before the run did (the connection
    /// broke or the server closed it). Such a stream has no
    /// cursor and cannot be resumed: open a new one (it starts again with
    /// the run's state and every progress message) or wait for the result.
    #[error(
        "event stream: {reason}; run event streams cannot be resumed: open a new one (it starts again with the run's state and all progress messages) or wait for the result"
    )]
    RunStreamEnded {
        /// What ended it.
        reason: String,
    },

    /// An event stream gave up: `connections` connections in a row (the
    /// stream's reconnect limit plus one) brought no event it had not
    /// already delivered (the
    /// server kept failing, closing at once, withholding the response
    /// headers, or replaying old events). Nothing was lost: open the stream
    /// again later from `last_event_id`.
    #[error(
        "event stream: no new event from {connections} connections in a row (the last: {reason}); open it again later from last_event_id {}",
        .last_event_id.as_deref().unwrap_or("<start>")
    )]
    StreamStalled {
        /// How many connections in a row made no progress.
        connections: u32,
        /// What the last of them ran into.
        reason: String,
        /// The last cursor handed out, to resume from.
        last_event_id: Option<String>,
    },

    /// A streamed chat completion stopped before its `data: [DONE]` end
    /// marker (a dropped connection, a server that closed early): the
    /// answer is incomplete. Chat streams cannot be resumed: send the
    /// request again.
    #[error(
        "chat stream: {reason} after {chunks} chunks; the answer is incomplete and chat streams cannot be resumed: send the request again"
    )]
    ChatStreamEnded {
        /// What ended it.
        reason: String,
        /// How many chunks had arrived.
        chunks: usize,
    },

    /// The server sent an `error` event inside a stream.
    #[error("the server reported an error in the stream: {message} (ref_id {ref_id})")]
    ServerEvent {
        /// The server's message.
        message: String,
        /// The server's reference id, useful for support requests.
        ref_id: String,
        /// Extra detail, when present.
        detail: Option<Value>,
    },

    /// A response or event could not be decoded into the expected type.
    #[error("could not decode {what}: {message}; the raw JSON is kept in `raw`")]
    Decode {
        /// What was being decoded (for example "output of run trun_...").
        what: String,
        /// Why decoding failed.
        message: String,
        /// The raw text that failed to decode.
        raw: String,
    },

    /// A request was rejected on the client before anything was sent.
    #[error("{}{field}: {message}", InputIndex(*.index))]
    InvalidInput {
        /// Position of the offending input in the iterator given, when the
        /// problem belongs to one input.
        index: Option<usize>,
        /// The field at fault (for example `metadata.customer_reference`).
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// An `add_runs` call stopped part-way: some chunks were created, some not.
    #[error(
        "add_runs stopped after creating {created} of {total} runs; `run_ids` tells which inputs are known to be created, the source says why it stopped"
    )]
    BatchIncomplete {
        /// Runs created.
        created: usize,
        /// Inputs given.
        total: usize,
        /// For each input, in order, its run id when it was created.
        run_ids: Vec<Option<String>>,
        /// The failure that stopped the batch.
        #[source]
        source: Box<Error>,
    },

    /// Some inputs of an `add_runs` call exist as more than one run: a POST
    /// that failed ambiguously was committed later than the settle window,
    /// after its inputs had been sent again. Every input the final read-back
    /// found more than once is listed, to keep or to clean up; the exact
    /// guarantee and its limits are on [`BATCH_TAG_KEY`](crate::BATCH_TAG_KEY).
    #[error(
        "add_runs created {} input(s) more than once (input indexes {}); `duplicates` lists their run ids{}",
        .duplicates.len(),
        Indexes(&.duplicates.iter().map(|d| d.index).collect::<Vec<_>>()),
        if .error.is_some() { "; the batch also stopped early (see the source)" } else { "" }
    )]
    DuplicateRuns {
        /// Each duplicated input with all of its run ids.
        duplicates: Vec<DuplicatedInput>,
        /// Inputs whose ambiguous POST the final read-back did not see land:
        /// a later commit would duplicate them too (see
        /// [`AddRunsOutcome::unsettled`](crate::AddRunsOutcome::unsettled)).
        unsettled: Vec<usize>,
        /// For each input, in order, the run id `add_runs` settled on, when
        /// it was created.
        run_ids: Vec<Option<String>>,
        /// A failure that also stopped the batch early, if any.
        #[source]
        error: Option<Box<Error>>,
    },

    /// An add-runs POST failed in a way that may or may not have created
    /// its runs, and the SDK could not find out which: batch tags were
    /// switched off, the group's runs could not be read back, or the
    /// attempts ran out. Nothing more was sent for these inputs. (Also the
    /// source of a [`BatchIncomplete`](Error::BatchIncomplete) whose final
    /// read-back failed: then `indexes` are the inputs sent more than once,
    /// which may exist twice; see [`BATCH_TAG_KEY`](crate::BATCH_TAG_KEY).)
    #[error(
        "an add-runs request failed in a way that may have created its runs, and whether inputs {} were created is unknown: look for them in the group's runs (by their `pw_batch` tag, if tagged) before sending them again",
        Indexes(.indexes)
    )]
    Unconfirmed {
        /// Positions of the inputs in doubt.
        indexes: Vec<usize>,
        /// The failure that left them in doubt.
        #[source]
        source: Box<Error>,
    },

    /// The client itself is misconfigured (missing key, bad URL or header).
    #[error("client configuration: {0}")]
    Config(String),

    /// A waiter gave up at its deadline.
    #[error("{0}")]
    WaitTimeout(Box<WaitTimeout>),
}

/// Details of a waiter that reached its deadline.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WaitTimeout {
    /// What was being waited for.
    pub what: String,
    /// How long the waiter waited.
    pub waited: Duration,
    /// How many status requests it made (including the final one).
    pub polls: u32,
    /// The last status seen, as a one-line summary.
    pub last_status: Option<String>,
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gave up waiting for {} after {:.1?} and {} status requests",
            self.what, self.waited, self.polls
        )?;
        if let Some(last) = &self.last_status {
            write!(f, " (last status: {last})")?;
        }
        write!(f, "; it is still running: wait again or raise max_wait")
    }
}

/// An input that exists as more than one run (see [`Error::DuplicateRuns`]).
///
/// ```
/// fn report(err: &parallel_web::Error) {
///     if let parallel_web::Error::DuplicateRuns { duplicates, .. } = err {
///         for d in duplicates {
///             eprintln!("input {} exists as runs {:?}", d.index, d.run_ids);
///         }
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DuplicatedInput {
    /// Position of the input in the iterator given to `add_runs`.
    pub index: usize,
    /// Every run created for it, oldest first.
    pub run_ids: Vec<String>,
}

impl From<parallel_web_api::types::Error> for Error {
    fn from(e: parallel_web_api::types::Error) -> Error {
        Error::ServerEvent {
            message: e.message,
            ref_id: e.ref_id,
            detail: e.detail.map(Value::Object),
        }
    }
}

impl Error {
    /// Turns an error response into the most specific variant.
    pub(crate) fn from_response(api: ApiError) -> Error {
        match api.status {
            401 | 403 => Error::Authentication(Box::new(api)),
            422 => {
                let fields = api
                    .body_json()
                    .map(|v| field_errors(&v))
                    .unwrap_or_default();
                Error::Validation {
                    error: Box::new(api),
                    fields,
                }
            }
            429 => Error::RateLimited {
                retry_after: api.retry_after,
                error: Box::new(api),
            },
            _ => Error::Api(Box::new(api)),
        }
    }

    /// The server's response, for errors that came from one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) | Error::Authentication(e) => Some(e),
            Error::Validation { error, .. } | Error::RateLimited { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The HTTP status, for errors that came from a response.
    pub fn status(&self) -> Option<u16> {
        self.api_error().map(|e| e.status)
    }

    pub(crate) fn input(
        index: Option<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error::InvalidInput {
            index,
            field: field.into(),
            message: message.into(),
        }
    }
}

struct Delay(Option<Duration>);

impl fmt::Display for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, "{d:.1?}"),
            None => write!(f, "a few seconds"),
        }
    }
}

/// What to do about a 401 or 403.
struct AuthHint<'a>(&'a ApiError);

impl fmt::Display for AuthHint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.status == 403 && self.0.message.to_ascii_lowercase().contains("processor") {
            f.write_str("check the processor name (the API key is not the problem)")
        } else {
            f.write_str("check the API key (PARALLEL_API_KEY) and its permissions")
        }
    }
}

/// Input indexes, the first ten of them.
struct Indexes<'a>(&'a [usize]);

impl fmt::Display for Indexes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self.0.iter().take(10).map(usize::to_string).collect();
        f.write_str(&shown.join(", "))?;
        if self.0.len() > 10 {
            write!(f, " and {} more", self.0.len() - 10)?;
        }
        Ok(())
    }
}

struct InputIndex(Option<usize>);

impl fmt::Display for InputIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(i) => write!(f, "input #{i}: "),
            None => Ok(()),
        }
    }
}
