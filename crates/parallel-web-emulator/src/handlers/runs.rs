//! Single task-run operations (R1–R4).

use super::body::JsonBody;
use super::{
    Params, PathIds, late_commit_hold, rate_limited, renderer, run_view, seconds_param,
    to_completion,
};
use crate::error::{ApiError, json_response};
use crate::ids;
use crate::render::Renderer;
use crate::state::AppState;
use crate::status::RunStatus;
use crate::validate::{self, InputProblem};
use crate::world::{NO_GROUP, NewRun, RunView};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;
use serde_json::value::RawValue;
use std::sync::Arc;
use std::time::Duration;

/// Longest result long-poll, seconds (the documented default of `timeout`).
const DEFAULT_RESULT_TIMEOUT: f64 = 600.0;

/// R1 `POST /v1/tasks/runs`: 202 `TaskRun` (queued). Once the body is
/// read, the run is created even if the client goes away (during a
/// `late-commit` hold, say).
pub async fn create_run(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body.map_err(ApiError::into_error_response)?;
    to_completion(create_run_now(st, headers, uri, body)).await
}

async fn create_run_now(
    st: Arc<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    body: bytes::Bytes,
) -> Result<Response, ApiError> {
    st.take_rate_token()
        .map_err(|wait| rate_limited(&st, wait))?;
    let raw: &RawValue =
        validate::parse_json(&body).map_err(|e| ApiError::Validation(e).into_error_response())?;
    validate::check_contract("/v1/tasks/runs", "post", &body)
        .map_err(|e| ApiError::Validation(e).into_error_response())?;
    let valid = match validate::check_input(raw, &[json!("body")], 0, &[]) {
        Ok(v) => v,
        Err(InputProblem::UnknownProcessor(name)) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "Forbidden: invalid processor in request",
            )
            .with_detail(json!({ "processor": name })));
        }
        Err(InputProblem::Invalid(e)) => return Err(ApiError::Validation(e).into_error_response()),
    };
    let held = late_commit_hold(&st, uri.path()).await;
    let view = {
        let mut w = st.world();
        let created = w.create_runs(
            NO_GROUP,
            0,
            vec![NewRun {
                input: Arc::from(valid.stored),
                processor: valid.processor,
                input_warning: valid.input_warning,
            }],
            ids::now_micros(),
        );
        created.first().and_then(|i| w.view(*i))
    };
    st.changed();
    drop(held);
    let view = view.ok_or_else(ApiError::run_not_found)?;
    remember_run(&st, raw, &view);
    Ok(json_response(
        StatusCode::ACCEPTED,
        renderer(&st, &headers).run(&view),
    ))
}

/// Adds a run created with a `memory_scope_key` to that memory scope
/// ([`crate::memory`]), with excerpts of its input and of its output.
fn remember_run(st: &AppState, raw: &RawValue, view: &RunView) {
    #[derive(serde::Deserialize)]
    struct Scope<'a> {
        #[serde(borrow, default)]
        memory_scope_key: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow, default)]
        input: Option<&'a RawValue>,
    }
    let Ok(Scope {
        memory_scope_key: Some(scope),
        input,
    }) = serde_json::from_str::<Scope<'_>>(raw.get())
    else {
        return;
    };
    let input_excerpt = match input.map(RawValue::get) {
        Some(t) if t.starts_with('"') => serde_json::from_str::<String>(t).unwrap_or_default(),
        Some(t) => t.to_owned(),
        None => String::new(),
    };
    let output = serde_json::to_value(crate::output::generate(st.config.seed, view, false))
        .unwrap_or_default();
    let mut output_excerpt = match &output["content"] {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    crate::web::truncate_chars(&mut output_excerpt, 200);
    st.memory().remember(
        Some(&scope),
        crate::memory::Entry {
            kind: crate::memory::MemoryKind::Task,
            id: st.codec.run_id(view.index),
            input_excerpt,
            extra: json!({ "output_excerpt": output_excerpt }),
            updated_us: ids::now_micros(),
        },
    );
}

/// R2 `GET /v1/tasks/runs/{run_id}`: 200 `TaskRun`.
pub async fn retrieve_run(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    PathIds(id): PathIds<String>,
) -> Result<Response, ApiError> {
    render_run(&st, &headers, &id, Renderer::run)
}

/// R3 `GET /v1/tasks/runs/{run_id}/input`: 200 `TaskRunInput`.
pub async fn run_input(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    PathIds(id): PathIds<String>,
) -> Result<Response, ApiError> {
    render_run(&st, &headers, &id, Renderer::input)
}

/// A 200 with one rendering of the run `id`, or 404.
fn render_run(
    st: &AppState,
    headers: &HeaderMap,
    id: &str,
    render: fn(&Renderer, &RunView) -> String,
) -> Result<Response, ApiError> {
    let view = run_view(st, id)?;
    Ok(json_response(
        StatusCode::OK,
        render(&renderer(st, headers), &view),
    ))
}

/// R4's 404, for an unknown run and for a failed one alike.
fn result_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "Run failed or run id not found")
}

/// R4 `GET /v1/tasks/runs/{run_id}/result`: blocks until the run ends or `timeout` passes.
pub async fn run_result(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    PathIds(id): PathIds<String>,
    params: Result<Params, ApiError>,
) -> Result<Response, ApiError> {
    // The task-run endpoints answer validation errors as `ErrorResponse`s.
    let params = params.map_err(ApiError::into_error_response)?;
    let timeout = seconds_param(&params, "timeout")
        .map_err(ApiError::into_error_response)?
        .unwrap_or(DEFAULT_RESULT_TIMEOUT)
        .min(3600.0);
    // R4 documents one 404 for both cases: "Run failed or run id not found".
    let index = run_view(&st, &id).map_err(|_| result_not_found())?.index;
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(timeout);
    let mut changes = st.changes.subscribe();
    loop {
        let view = st.world().view(index).ok_or_else(ApiError::run_not_found)?;
        if !view.run.status.is_active() {
            if view.run.status == RunStatus::Failed {
                return Err(
                    result_not_found().with_detail(json!({ "run_id": id, "status": "failed" }))
                );
            }
            return match renderer(&st, &headers).result(&view) {
                Some(body) => Ok(json_response(StatusCode::OK, body)),
                None => Err(result_not_found()),
            };
        }
        if st.is_closing() {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Emulator shutting down",
            ));
        }
        tokio::select! {
            r = changes.changed() => if r.is_err() { break },
            _ = tokio::time::sleep_until(deadline) => break,
        }
    }
    Err(ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "Request timed out; run still active",
    ))
}
