//! Request handlers, one small function per operation.
//!
//! - [`body`]: reading a POST's JSON body (content type, size limit, deadlines)
//! - [`groups`]: create, retrieve, add runs, retrieve a group's run (G1–G3, G6)
//! - [`runs`]: create, retrieve, input, result long-poll (R1–R4)
//! - [`runs_stream`], [`events_stream`], [`run_events`]: the SSE endpoints (G4, G5, R5)
//! - [`chat`]: OpenAI-compatible chat completions, whole or streamed
//! - [`ledger`]: the emulator's own record of a group's runs (not part of the API)
//! - [`search`], [`extract`]: search and extract over the synthetic web ([`crate::web`])
//! - [`findall`], [`findall_events`]: FindAll runs and their event stream ([`crate::findall`])
//! - [`monitors`] serves monitors (create, list, retrieve, update, cancel, trigger, events)
//! - [`memory`] serves memory scopes (beta: retrieve, clear, evict)

pub mod body;
pub mod chat;
pub mod events_stream;
pub mod extract;
pub mod findall;
pub mod findall_events;
pub mod groups;
pub mod ledger;
pub mod memory;
pub mod monitors;
pub mod run_events;
pub mod runs;
pub mod runs_stream;
pub mod search;

use crate::error::ApiError;
use crate::render::Renderer;
use crate::state::AppState;
use crate::world::RunView;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

/// Query parameters by name (last one wins; unknown names such as `beta` are
/// ignored), checked against the operation's query parameters in the
/// contract ([`crate::contract`]): a value its schema refuses is a 422 at
/// `["query", name]`. A malformed query string is a 422 in FastAPI's shape
/// rather than axum's plain-text rejection.
#[derive(Debug, Default)]
pub struct Params(pub HashMap<String, String>);

impl std::ops::Deref for Params {
    type Target = HashMap<String, String>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, ApiError> {
        let query = axum::extract::Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map_err(|e| {
                ApiError::validation(
                    &[json!("query")],
                    format!("Malformed query string: {e}"),
                    "value_error",
                )
            })?
            .0;
        // The route's template is the spec path (see `routes::ENDPOINTS`).
        if let Some(path) = parts.extensions.get::<axum::extract::MatchedPath>() {
            let method = parts.method.as_str().to_ascii_lowercase();
            let violations = crate::contract::check_query(path.as_str(), &method, &query);
            if !violations.is_empty() {
                return Err(ApiError::Validation(
                    violations.into_iter().map(Into::into).collect(),
                ));
            }
        }
        Ok(Params(query))
    }
}

/// Path parameters, like axum's `Path`, except that a parameter that is not
/// UTF-8 once percent-decoded (`tgrp_%FF`) is an unknown id, a 404 in the
/// API's error shape, instead of axum's plain-text 400: no real id can look
/// like that, and the real service decodes such paths leniently.
#[derive(Debug)]
pub struct PathIds<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for PathIds<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        use axum::extract::path::{ErrorKind, Path};
        use axum::extract::rejection::PathRejection;
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(PathIds(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => match e.kind() {
                ErrorKind::InvalidUtf8InPathParam { key } if key == "run_id" => {
                    Err(ApiError::run_not_found())
                }
                ErrorKind::InvalidUtf8InPathParam { key } if key == "findall_id" => {
                    Err(findall::not_found())
                }
                ErrorKind::InvalidUtf8InPathParam { .. } => Err(ApiError::group_not_found()),
                _ => Err(path_error(e.body_text())),
            },
            Err(other) => Err(path_error(other.body_text())),
        }
    }
}

fn path_error(text: String) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        format!("Invalid path: {text}; check the ids in the URL"),
    )
}

/// Reads a boolean query parameter ([`Params`] has checked its spelling).
pub fn bool_param(params: &Params, name: &str, default: bool) -> Result<bool, ApiError> {
    match params.get(name).map(|v| v.to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) => match v.as_str() {
            "true" | "1" | "yes" | "on" | "t" | "y" => Ok(true),
            "false" | "0" | "no" | "off" | "f" | "n" => Ok(false),
            _ => Err(ApiError::validation(
                &[json!("query"), json!(name)],
                "Input should be a valid boolean, unable to interpret input",
                "bool_parsing",
            )),
        },
    }
}

/// Reads an optional number-of-seconds query parameter ([`Params`] has
/// checked that it is a number of the type the contract names). The
/// documents give no minimum: a negative number means no wait at all.
pub fn seconds_param(params: &Params, name: &str) -> Result<Option<f64>, ApiError> {
    match params.get(name) {
        None => Ok(None),
        Some(v) => match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x.max(0.0))),
            _ => Err(ApiError::validation(
                &[json!("query"), json!(name)],
                "Input should be a valid number, unable to parse string as a number",
                "float_parsing",
            )),
        },
    }
}

/// Finds a group by id, or 404.
pub fn group_index(st: &AppState, id: &str) -> Result<u32, ApiError> {
    st.world()
        .find_group(id)
        .ok_or_else(ApiError::group_not_found)
}

/// Copies a run out by id, or 404.
pub fn run_view(st: &AppState, id: &str) -> Result<RunView, ApiError> {
    let w = st.world();
    w.find_run(id)
        .and_then(|i| w.view(i))
        .ok_or_else(ApiError::run_not_found)
}

/// Runs the part of a POST that creates things in a task of its own and
/// waits for it. hyper drops a handler's future when its client
/// disconnects; a real server that has begun handling a POST finishes it
/// (and commits) whether or not anyone is left to read the answer, so what
/// creates things runs where a disconnect cannot cancel it.
pub async fn to_completion<F>(work: F) -> Result<axum::response::Response, ApiError>
where
    F: std::future::Future<Output = Result<axum::response::Response, ApiError>> + Send + 'static,
{
    use tracing::Instrument;
    match tokio::spawn(work.in_current_span()).await {
        Ok(answer) => answer,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Only a runtime shutting down cancels the task.
        Err(_) => Err(ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "The server is shutting down",
        )),
    }
}

/// If a `late-commit` fault fires for this run-creating POST, holds it for
/// the fault's time. Called inside [`to_completion`], so the commit that
/// follows lands even when the client gave up during the hold. Keep the
/// returned guard until the commit is made: the stats count the POST as
/// pending until it is dropped.
pub async fn late_commit_hold<'a>(st: &'a AppState, path: &str) -> Option<PendingCommit<'a>> {
    let hold: u64 = st
        .faults
        .firing("POST", path, |k| {
            matches!(k, crate::faults::FaultKind::LateCommit { .. })
        })
        .map(|f| match f.kind() {
            crate::faults::FaultKind::LateCommit { ms } => *ms,
            _ => 0,
        })
        .sum();
    if hold == 0 {
        return None;
    }
    st.counters.late_commit_started();
    let pending = PendingCommit(&st.counters);
    tokio::time::sleep(Duration::from_millis(hold)).await;
    Some(pending)
}

/// A POST held by a `late-commit` fault whose commit has not been made yet.
pub struct PendingCommit<'a>(&'a crate::stats::Counters);

impl Drop for PendingCommit<'_> {
    fn drop(&mut self) {
        self.0.late_commit_done();
    }
}

/// The 429 answer to a run-creating POST over the rate limit.
pub fn rate_limited(st: &AppState, wait: Duration) -> ApiError {
    st.counters.rate_limited();
    // `retry-after` in whole seconds, rounded up, as the API sends it. A
    // window shorter than the documented minute (a test setting) also gets
    // the exact wait in `retry-after-ms`, which the official SDKs prefer.
    let secs = wait.as_millis().div_ceil(1000).max(1);
    let mut err = ApiError::new(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        "Too many requests: quota temporarily exceeded",
    )
    .with_header(axum::http::header::RETRY_AFTER, secs.to_string());
    if st.config.rate_window < crate::config::DEFAULT_RATE_WINDOW {
        err = err.with_header(
            axum::http::HeaderName::from_static("retry-after-ms"),
            wait.as_millis().max(1).to_string(),
        );
    }
    err
}

/// How long an idle stream waits before a keep-alive comment (15 s, scaled).
pub fn keep_alive_interval(st: &AppState) -> Duration {
    st.scaled(Duration::from_secs(15))
        .clamp(Duration::from_millis(50), Duration::from_secs(15))
}

/// The 422 for a cursor that is not one of this group's `which` stream.
pub fn cursor_error(name: &str, value: &str, which: &str) -> ApiError {
    ApiError::validation(
        &[json!("query"), json!(name)],
        format!("Invalid cursor `{value}`: not an event_id of this task group's {which} stream"),
        "value_error",
    )
}

/// The beta that asks for per-list-element basis entries.
const FIELD_BASIS_BETA: &str = "field-basis-2025-11-25";

/// A renderer for one request (its `parallel-beta` header selects output details).
pub fn renderer(st: &AppState, headers: &axum::http::HeaderMap) -> Renderer {
    let element_basis = headers
        .get_all("parallel-beta")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|b| b.trim() == FIELD_BASIS_BETA);
    Renderer {
        codec: st.codec,
        seed: st.config.seed,
        element_basis,
    }
}
