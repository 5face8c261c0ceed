//! Error responses in the two shapes the API uses.
//!
//! Most errors are an `ErrorResponse` (`{"type":"error","error":{…}}`); request
//! validation on the group endpoints G1–G5 is FastAPI's `HTTPValidationError`
//! (`{"detail":[{"loc":…,"msg":…,"type":…}]}`).

use crate::ids;
use crate::wire::{ErrorObject, ErrorResponse, HttpValidationError, ValidationError, to_json};
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicU64, Ordering};

/// Numbers the `ref_id`s of one emulator's error bodies, so that under a seed
/// the same requests get the same `ref_id`s.
#[derive(Debug)]
pub struct RefIds {
    seed: u64,
    next: AtomicU64,
}

impl RefIds {
    /// Starts numbering for `seed`.
    pub fn new(seed: u64) -> Self {
        RefIds {
            seed,
            next: AtomicU64::new(0),
        }
    }

    fn next(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        ids::ref_id(ids::hash(self.seed, &[n, 5]))
    }

    /// Gives an error response built by [`ApiError`] its `ref_id` (other
    /// responses pass unchanged). Every response goes through here, in the
    /// request gate, because `IntoResponse` has no access to the emulator.
    pub fn number(&self, mut resp: Response) -> Response {
        if let Some(unnumbered) = resp.extensions_mut().remove::<Unnumbered>() {
            *resp.body_mut() = Body::from(unnumbered.render(self.next()));
        }
        resp
    }
}

/// An `ErrorResponse` body still waiting for its `ref_id`.
#[derive(Debug, Clone)]
struct Unnumbered {
    message: String,
    detail: Option<serde_json::Value>,
}

impl Unnumbered {
    fn render(self, ref_id: String) -> String {
        to_json(&ErrorResponse {
            kind: "error",
            error: ErrorObject {
                ref_id,
                message: self.message,
                detail: self.detail,
            },
        })
    }
}

/// An error the emulator answers with.
#[derive(Debug)]
pub enum ApiError {
    /// An `ErrorResponse` body.
    Error {
        status: StatusCode,
        message: String,
        detail: Option<serde_json::Value>,
        headers: Vec<(HeaderName, String)>,
    },
    /// A 422 `HTTPValidationError` body.
    Validation(Vec<ValidationError>),
}

impl ApiError {
    /// An `ErrorResponse` with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError::Error {
            status,
            message: message.into(),
            detail: None,
            headers: Vec::new(),
        }
    }

    /// Adds a `detail` object.
    pub fn with_detail(mut self, value: serde_json::Value) -> Self {
        if let ApiError::Error { detail, .. } = &mut self {
            *detail = Some(value);
        }
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: String) -> Self {
        if let ApiError::Error { headers, .. } = &mut self {
            headers.push((name, value));
        }
        self
    }

    /// A single FastAPI validation error at `loc`.
    pub fn validation(loc: &[serde_json::Value], msg: impl Into<String>, kind: &str) -> Self {
        ApiError::Validation(vec![ValidationError {
            loc: loc.to_vec(),
            msg: msg.into(),
            kind: kind.to_owned(),
        }])
    }

    /// Turns a validation error into a 422 `ErrorResponse` (for the endpoints that use that shape).
    pub fn into_error_response(self) -> Self {
        match self {
            ApiError::Validation(items) => {
                let msg = items.first().map(|e| e.msg.clone()).unwrap_or_default();
                let detail = serde_json::json!({ "errors": items.iter().map(|e| serde_json::json!({
                    "loc": e.loc, "msg": e.msg, "type": e.kind })).collect::<Vec<_>>() });
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Unprocessable content: request validation error: {msg}"),
                )
                .with_detail(detail)
            }
            other => other,
        }
    }

    /// 401 for a missing or wrong API key.
    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: invalid or missing credentials",
        )
    }

    /// 404 for an unknown group.
    pub fn group_not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "TaskGroup not found")
    }

    /// 404 for an unknown run.
    pub fn run_not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "Run id not found")
    }
}

/// A JSON response with a status code and a compact body.
pub fn json_response(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Error {
                status,
                message,
                detail,
                headers,
            } => {
                // The body is written by `RefIds::number`; the extension
                // carries it there.
                let mut resp = json_response(status, String::new());
                resp.extensions_mut().insert(Unnumbered { message, detail });
                for (name, value) in headers {
                    if let Ok(v) = HeaderValue::from_str(&value) {
                        resp.headers_mut().insert(name, v);
                    }
                }
                resp
            }
            ApiError::Validation(detail) => json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                to_json(&HttpValidationError { detail }),
            ),
        }
    }
}
