//! What the server said when a request failed: the [`ApiError`] record, and
//! how a response body (the API's error envelope, FastAPI's validation
//! list, or anything else) and the retry headers (`x-should-retry`,
//! `retry-after-ms`, `retry-after`) are read into it. Which
//! [`Error`](crate::Error) variant it becomes is decided in `error/mod.rs`;
//! what a retry does with the headers, in `client/retry.rs`.

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

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

const MAX_BODY_KEPT: usize = parallel_web_api::ERROR_BODY_KEPT_BYTES;

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
        let message = message
            .or_else(|| redirect_message(status, headers))
            .unwrap_or_else(|| {
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
            should_retry: should_retry_header(headers),
            retry_after: retry_after_header(headers),
        }
    }

    /// The parsed JSON body, when it was JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
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

pub(crate) fn field_errors(v: &Value) -> Vec<FieldError> {
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

pub(crate) fn loc_string(loc: &Value) -> String {
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

/// A redirect the client did not follow (one to another host: it would
/// have received the API key).
fn redirect_message(status: u16, headers: &HeaderMap) -> Option<String> {
    if !(300..400).contains(&status) {
        return None;
    }
    let to = headers
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("an unknown location");
    Some(format!(
        "redirected to {}, which was not followed because the API key must not go to another host; point the base URL at the API itself",
        truncate(to, 200)
    ))
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

pub(crate) struct FieldList<'a>(pub(crate) &'a [FieldError]);

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

/// `x-should-retry: true|false`.
fn should_retry_header(headers: &HeaderMap) -> Option<bool> {
    match headers.get("x-should-retry")?.to_str().ok()?.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// `retry-after-ms` (milliseconds) or `retry-after` (seconds or HTTP date).
fn retry_after_header(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
    {
        return Some(secs_to_duration(ms / 1000.0));
    }
    let raw = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| secs_to_duration(secs));
    }
    let when = httpdate::parse_http_date(raw).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// Seconds to a duration, capped at a day (a huge header must not panic).
fn secs_to_duration(secs: f64) -> Duration {
    Duration::from_secs_f64(secs.min(86_400.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_accepts_an_http_date() {
        let mut h = HeaderMap::new();
        h.insert(
            "retry-after",
            HeaderValue::from_static("Fri, 01 Jan 2100 00:00:00 GMT"),
        );
        let far = retry_after_header(&h).unwrap();
        assert!(far > Duration::from_secs(365 * 86_400), "{far:?}");
        h.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after_header(&h), Some(Duration::ZERO), "a past date");
    }

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
    fn a_403_for_an_unknown_processor_points_at_the_processor_not_the_key() {
        let envelope = |message: &str| {
            format!(r#"{{"type":"error","error":{{"ref_id":"r-2","message":"{message}"}}}}"#)
        };
        let processor = Error::from_response(ApiError::from_parts(
            "task_run_create",
            403,
            &HeaderMap::new(),
            &envelope("Forbidden: invalid processor in request"),
        ));
        assert!(matches!(processor, Error::Authentication(_)));
        let text = processor.to_string();
        assert!(
            text.ends_with("check the processor name (the API key is not the problem)"),
            "{text}"
        );
        let key = Error::from_response(ApiError::from_parts(
            "task_run_create",
            401,
            &HeaderMap::new(),
            &envelope("Unauthorized: invalid or missing API key"),
        ));
        assert!(
            key.to_string()
                .ends_with("check the API key (PARALLEL_API_KEY) and its permissions")
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
