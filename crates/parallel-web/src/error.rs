//! The one error type of the SDK, and how server responses become errors.
//!
//! Every fallible call returns [`Error`]. Retry decisions are not made here:
//! they live in `retry.rs`, which reads the facts recorded on these values
//! (status, `x-should-retry`, the delay the server asked for).

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

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

    /// The API key was missing, wrong or not allowed to do this (HTTP 401/403).
    #[error("{0}; check the API key (PARALLEL_API_KEY) and its permissions")]
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

    /// The connection failed or broke.
    #[error(
        "{operation}: connection {}: {source}; check the base URL and the network",
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

    /// An event stream failed in a way it could not recover from by
    /// reconnecting (including an unknown resume cursor).
    #[error("event stream: {message}")]
    Stream {
        /// What happened.
        message: String,
        /// The last cursor successfully read, to resume from by hand.
        last_event_id: Option<String>,
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
        "add_runs stopped after creating {created} of {total} runs: {source}; `run_ids` tells which inputs were created (resubmit only the others)"
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

    /// The client itself is misconfigured (missing key, bad URL or header).
    #[error("client configuration: {0}")]
    Config(String),

    /// A waiter gave up at its deadline.
    #[error("{0}")]
    WaitTimeout(Box<WaitTimeout>),
}

/// An error response from the API, with everything the server told us.
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation that failed, e.g. `task_group_add_runs`.
    pub operation: &'static str,
    /// HTTP status code.
    pub status: u16,
    /// The server's message, or a summary of the body when it had none.
    pub message: String,
    /// The server's reference id for this failure (quote it to support).
    pub ref_id: Option<String>,
    /// Extra structured detail from the server.
    pub detail: Option<Value>,
    /// The response body as received (truncated to 4 KiB).
    pub body: String,
    /// The `x-should-retry` header, when present.
    pub should_retry: Option<bool>,
    /// The delay asked for by `retry-after-ms` / `retry-after`, when present.
    pub retry_after: Option<Duration>,
}

/// One field rejected by the server's validation (a 422 `detail` entry).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FieldError {
    /// Location of the field, e.g. `["body", "inputs", 3, "processor"]`.
    pub loc: Vec<Value>,
    /// The server's message.
    pub msg: String,
    /// The kind of validation failure.
    pub kind: String,
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

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("message", &self.message)
            .field("ref_id", &self.ref_id)
            .field("detail", &self.detail)
            .field("should_retry", &self.should_retry)
            .field("retry_after", &self.retry_after)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: HTTP {}: {}",
            self.operation, self.status, self.message
        )?;
        if let Some(ref_id) = &self.ref_id {
            write!(f, " (ref_id {ref_id})")?;
        }
        Ok(())
    }
}

const MAX_BODY_KEPT: usize = 4096;

impl ApiError {
    /// Builds the error from a status, the response headers and the raw body.
    pub(crate) fn from_parts(
        operation: &'static str,
        status: u16,
        headers: &HeaderMap,
        body: &str,
    ) -> ApiError {
        let parsed: Option<Value> = serde_json::from_str(body).ok();
        let (message, ref_id, detail) = match &parsed {
            Some(v) => summarize_body(v),
            None => (None, None, None),
        };
        let message = message.unwrap_or_else(|| {
            if body.trim().is_empty() {
                reason(status).to_owned()
            } else {
                truncate(body.trim(), 200)
            }
        });
        ApiError {
            operation,
            status,
            message,
            ref_id,
            detail,
            body: truncate(body, MAX_BODY_KEPT),
            should_retry: crate::retry::should_retry_header(headers),
            retry_after: crate::retry::retry_after_header(headers),
        }
    }

    /// The parsed JSON body, when it was JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
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

/// Reads `{"type":"error","error":{...}}`, FastAPI's `{"detail": ...}` or
/// anything else into (message, ref_id, detail).
fn summarize_body(v: &Value) -> (Option<String>, Option<String>, Option<Value>) {
    if let Some(err) = v.get("error").filter(|e| e.is_object()) {
        let message = err
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let ref_id = err.get("ref_id").and_then(Value::as_str).map(str::to_owned);
        let detail = err.get("detail").filter(|d| !d.is_null()).cloned();
        return (message, ref_id, detail);
    }
    match v.get("detail") {
        Some(Value::String(s)) => (Some(s.clone()), None, None),
        Some(Value::Array(items)) => {
            let msgs: Vec<String> = items
                .iter()
                .map(|i| {
                    let loc = i.get("loc").map(loc_string).unwrap_or_default();
                    let msg = i.get("msg").and_then(Value::as_str).unwrap_or("invalid");
                    format!("{loc}: {msg}")
                })
                .collect();
            (
                Some(format!("request validation failed: {}", msgs.join("; "))),
                None,
                Some(v["detail"].clone()),
            )
        }
        _ => (None, None, None),
    }
}

fn field_errors(v: &Value) -> Vec<FieldError> {
    let items = match v.get("detail") {
        Some(Value::Array(items)) => items,
        _ => return Vec::new(),
    };
    items
        .iter()
        .map(|i| FieldError {
            loc: i
                .get("loc")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            msg: i
                .get("msg")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            kind: i
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        })
        .collect()
}

fn loc_string(loc: &Value) -> String {
    match loc {
        Value::Array(parts) => parts
            .iter()
            .map(|p| match p {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("."),
        other => other.to_string(),
    }
}

fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error status")
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

struct FieldList<'a>(&'a [FieldError]);

impl fmt::Display for FieldList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            let sep = if i == 0 { ": " } else { ", " };
            write!(
                f,
                "{sep}{} ({})",
                loc_string(&Value::Array(e.loc.clone())),
                e.msg
            )?;
        }
        Ok(())
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

struct InputIndex(Option<usize>);

impl fmt::Display for InputIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(i) => write!(f, "input #{i}: "),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_api_error_envelope() {
        let body = r#"{"type":"error","error":{"ref_id":"r-1","message":"Run id not found","detail":null}}"#;
        let e = ApiError::from_parts("task_run_retrieve", 404, &HeaderMap::new(), body);
        assert_eq!(e.message, "Run id not found");
        assert_eq!(e.ref_id.as_deref(), Some("r-1"));
        assert!(e.detail.is_none());
        assert_eq!(
            e.to_string(),
            "task_run_retrieve: HTTP 404: Run id not found (ref_id r-1)"
        );
    }

    #[test]
    fn validation_errors_list_field_locations() {
        let body = r#"{"detail":[{"loc":["body","inputs",0,"processor"],"msg":"field required","type":"missing"}]}"#;
        let err = Error::from_response(ApiError::from_parts("x", 422, &HeaderMap::new(), body));
        match &err {
            Error::Validation { fields, .. } => {
                assert_eq!(fields.len(), 1);
                assert_eq!(fields[0].kind, "missing");
            }
            other => panic!("expected Validation, got {other:?}"),
        }
        assert!(
            err.to_string()
                .contains("body.inputs.0.processor (field required)")
        );
    }

    #[test]
    fn non_json_bodies_are_kept_raw() {
        let e = ApiError::from_parts("x", 502, &HeaderMap::new(), "<html>bad gateway</html>");
        assert_eq!(e.message, "<html>bad gateway</html>");
        assert_eq!(e.body, "<html>bad gateway</html>");
    }
}
