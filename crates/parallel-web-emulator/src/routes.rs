//! The route table, and the gate every request passes first (counting,
//! injected faults, API-key check).

use crate::error::{ApiError, json_response};
use crate::faults::FaultKind;
use crate::handlers::{events_stream, groups, ledger, run_events, runs, runs_stream};
use crate::state::AppState;
use crate::wire::to_json;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// Path of the stats endpoint.
pub const STATS_PATH: &str = "/_emulator/stats";
/// Path of a group's run ledger (see [`ledger`]).
pub const LEDGER_PATH: &str = "/_emulator/groups/{taskgroup_id}/runs";

/// Builds the router: every endpoint of API-NOTES §2, under `/v1` and `/v1beta`.
pub fn router(st: Arc<AppState>) -> Router {
    let mut r = Router::new();
    for prefix in ["/v1", "/v1beta"] {
        r = r
            .route(
                &format!("{prefix}/tasks/groups"),
                post(groups::create_group),
            )
            .route(
                &format!("{prefix}/tasks/groups/{{taskgroup_id}}"),
                get(groups::retrieve_group),
            )
            .route(
                &format!("{prefix}/tasks/groups/{{taskgroup_id}}/runs"),
                post(groups::add_runs).get(runs_stream::group_runs),
            )
            .route(
                &format!("{prefix}/tasks/groups/{{taskgroup_id}}/events"),
                get(events_stream::group_events),
            )
            .route(
                &format!("{prefix}/tasks/groups/{{taskgroup_id}}/runs/{{run_id}}"),
                get(groups::retrieve_group_run),
            )
            .route(
                &format!("{prefix}/tasks/runs/{{run_id}}/events"),
                get(run_events::run_events),
            );
    }
    r.route("/v1/tasks/runs", post(runs::create_run))
        .route("/v1/tasks/runs/{run_id}", get(runs::retrieve_run))
        .route("/v1/tasks/runs/{run_id}/input", get(runs::run_input))
        .route("/v1/tasks/runs/{run_id}/result", get(runs::run_result))
        .route(STATS_PATH, get(stats))
        .route(LEDGER_PATH, get(ledger::group_ledger))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(st.clone(), gate))
        .with_state(st)
}

/// The operation name (the project's short operationId) of a matched route.
pub fn operation(method: &Method, matched: Option<&str>) -> &'static str {
    let Some(path) = matched else { return "other" };
    let beta = path.starts_with("/v1beta");
    let tail = path.trim_start_matches("/v1beta").trim_start_matches("/v1");
    let name = match (method.as_str(), tail) {
        ("POST", "/tasks/groups") => "task_group_create",
        ("GET", "/tasks/groups/{taskgroup_id}") => "task_group_retrieve",
        ("POST", "/tasks/groups/{taskgroup_id}/runs") => "task_group_add_runs",
        ("GET", "/tasks/groups/{taskgroup_id}/runs") => "task_group_get_runs",
        ("GET", "/tasks/groups/{taskgroup_id}/events") => "task_group_events",
        ("GET", "/tasks/groups/{taskgroup_id}/runs/{run_id}") => "task_group_retrieve_run",
        ("POST", "/tasks/runs") => "task_run_create",
        ("GET", "/tasks/runs/{run_id}") => "task_run_retrieve",
        ("GET", "/tasks/runs/{run_id}/input") => "task_run_input",
        ("GET", "/tasks/runs/{run_id}/result") => "task_run_result",
        ("GET", "/tasks/runs/{run_id}/events") => "task_run_events",
        ("GET", "/_emulator/stats") => return "emulator_stats",
        ("GET", "/_emulator/groups/{taskgroup_id}/runs") => return "emulator_ledger",
        _ => return "other",
    };
    if !beta {
        return name;
    }
    match name {
        "task_group_create" => "beta_task_group_create",
        "task_group_retrieve" => "beta_task_group_retrieve",
        "task_group_add_runs" => "beta_task_group_add_runs",
        "task_group_get_runs" => "beta_task_group_get_runs",
        "task_group_events" => "beta_task_group_events",
        "task_group_retrieve_run" => "beta_task_group_retrieve_run",
        "task_run_events" => "beta_task_run_events",
        _ => "other",
    }
}

/// Counts the request, applies latency and status faults, checks the API key,
/// and numbers the `ref_id` of any error answer.
async fn gate(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let resp = admit(&st, req, next).await;
    st.ref_ids.number(resp)
}

async fn admit(st: &AppState, req: Request, next: Next) -> Response {
    let op = operation(
        req.method(),
        req.extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str),
    );
    st.counters.request(op);
    let path = req.uri().path().to_owned();
    let method = req.method().as_str().to_owned();
    if !path.starts_with("/_emulator") {
        let delay: u64 = st
            .faults
            .firing(&method, &path, |k| matches!(k, FaultKind::Latency { .. }))
            .map(|f| match f.kind() {
                FaultKind::Latency { ms } => *ms,
                _ => 0,
            })
            .sum();
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        let status_fault = st
            .faults
            .firing(&method, &path, |k| matches!(k, FaultKind::Status { .. }))
            .next()
            .cloned();
        if let Some(f) = status_fault {
            return fault_response(f.kind()).into_response();
        }
    }
    let key_ok = req
        .headers()
        .get("x-api-key")
        .is_some_and(|v| v.as_bytes() == st.config.api_key.as_bytes());
    if !key_ok {
        return ApiError::unauthorized().into_response();
    }
    let span = tracing::debug_span!("request", method = %method, %path, op);
    next.run(req).instrument(span).await
}

fn fault_response(kind: &FaultKind) -> ApiError {
    let FaultKind::Status {
        code,
        retry_after_secs,
        retry_after_ms,
        should_retry,
    } = kind
    else {
        return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
    };
    let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let message = match code {
        429 => "Too many requests: quota temporarily exceeded".to_owned(),
        503 => "Service temporarily unavailable".to_owned(),
        c => format!("Injected fault: HTTP {c}"),
    };
    let mut err = ApiError::new(status, message);
    if let Some(s) = retry_after_secs {
        err = err.with_header(axum::http::header::RETRY_AFTER, s.to_string());
    }
    if let Some(ms) = retry_after_ms {
        err = err.with_header(HeaderName::from_static("retry-after-ms"), ms.to_string());
    }
    if let Some(b) = should_retry {
        err = err.with_header(HeaderName::from_static("x-should-retry"), b.to_string());
    }
    err
}

async fn stats(State(st): State<Arc<AppState>>) -> Response {
    json_response(StatusCode::OK, to_json(&st.stats()))
}

async fn not_found() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        r#"{"detail":"Not Found"}"#.to_owned(),
    )
}

async fn method_not_allowed() -> Response {
    json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        r#"{"detail":"Method Not Allowed"}"#.to_owned(),
    )
}
