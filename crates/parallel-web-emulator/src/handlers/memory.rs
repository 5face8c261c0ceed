//! The memory operations (beta) under `/v1beta/memory`: retrieve, clear
//! and evict. The scopes are [`crate::memory`].

use super::body::JsonBody;
use crate::error::{ApiError, json_response};
use crate::memory::{DEFAULT_LIMIT, MemoryKind};
use crate::state::AppState;
use crate::validate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// Most memories one retrieve returns.
pub const MAX_LIMIT: usize = 100;

fn parsed(path: &str, body: Result<JsonBody, ApiError>) -> Result<Value, ApiError> {
    let JsonBody(body) = body.map_err(ApiError::into_error_response)?;
    let v: Value =
        validate::parse_json(&body).map_err(|e| ApiError::Validation(e).into_error_response())?;
    validate::check_contract(path, "post", &body)
        .map_err(|e| ApiError::Validation(e).into_error_response())?;
    Ok(v)
}

fn invalid(field: &str, msg: impl Into<String>) -> ApiError {
    ApiError::validation(&[json!("body"), json!(field)], msg, "value_error").into_error_response()
}

fn kind(v: &Value) -> Result<Option<MemoryKind>, ApiError> {
    match v.get("kind").and_then(Value::as_str) {
        None => Ok(None),
        Some(k) => MemoryKind::parse(k)
            .map(Some)
            .ok_or_else(|| invalid("kind", "kind must be `task`, `monitor` or `findall`")),
    }
}

/// `POST /v1beta/memory/retrieve`: 200 `MemoryRetrieveResponse`.
pub async fn retrieve(
    State(st): State<Arc<AppState>>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let v = parsed("/v1beta/memory/retrieve", body)?;
    let kind = kind(&v)?;
    let limit = match v.get("limit").and_then(Value::as_i64) {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(invalid(
                "limit",
                format!("limit is {n}; give a number from 1 to {MAX_LIMIT}"),
            ));
        }
    };
    let since = match v.get("since").and_then(Value::as_str) {
        None => None,
        Some(s) => Some(
            chrono::DateTime::parse_from_rfc3339(s)
                .map_err(|_| invalid("since", format!("since `{s}` is not an RFC 3339 date-time")))?
                .timestamp_micros(),
        ),
    };
    let results = st.memory().retrieve(
        v["memory_scope_key"].as_str(),
        kind,
        v["query"].as_str().filter(|q| !q.trim().is_empty()),
        since,
        limit,
    );
    Ok(json_response(
        StatusCode::OK,
        json!({ "results": results }).to_string(),
    ))
}

/// `POST /v1beta/memory/clear`: 204.
pub async fn clear(
    State(st): State<Arc<AppState>>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let v = parsed("/v1beta/memory/clear", body)?;
    st.memory().clear(v["memory_scope_key"].as_str());
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /v1beta/memory/evict`: 204, whether or not the scope held it.
pub async fn evict(
    State(st): State<Arc<AppState>>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let v = parsed("/v1beta/memory/evict", body)?;
    let kind = kind(&v)?.ok_or_else(|| invalid("kind", "Field required"))?;
    let id = v["id"].as_str().unwrap_or("");
    st.memory().evict(v["memory_scope_key"].as_str(), kind, id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
