//! Task-group operations that answer with plain JSON (G1, G2, G3, G6).

use super::body::JsonBody;
use super::{
    Params, PathIds, bool_param, group_index, late_commit_hold, rate_limited, to_completion,
};
use crate::error::{ApiError, json_response};
use crate::faults::FaultKind;
use crate::ids;
use crate::state::AppState;
use crate::validate::{self, AddRunsBody, CreateGroupBody, InputProblem, MAX_INPUTS};
use crate::wire::{TaskGroupResponse, TaskGroupRunResponse, to_json};
use crate::world::{Batch, NewRun};
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::json;
use serde_json::value::RawValue;
use std::sync::Arc;

fn group_json(st: &AppState, group: u32) -> Result<String, ApiError> {
    let w = st.world();
    let g = w
        .groups
        .get(group as usize)
        .ok_or_else(ApiError::group_not_found)?;
    Ok(to_json(&TaskGroupResponse {
        taskgroup_id: st.codec.group_id(group),
        metadata: g.metadata.as_deref(),
        status: g.status(),
        created_at: Some(ids::timestamp(g.created_us)),
    }))
}

/// G1 `POST /v1/tasks/groups`: 200 `TaskGroupResponse`. Once the body is
/// read, the group is created even if the client goes away.
pub async fn create_group(
    State(st): State<Arc<AppState>>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    to_completion(create_group_now(st, body)).await
}

async fn create_group_now(st: Arc<AppState>, body: Bytes) -> Result<Response, ApiError> {
    validate::check_json_object(&body).map_err(ApiError::Validation)?;
    validate::check_contract("/v1/tasks/groups", "post", &body).map_err(ApiError::Validation)?;
    let parsed: CreateGroupBody<'_> =
        validate::parse_checked(&body).map_err(ApiError::Validation)?;
    let mut errors = Vec::new();
    validate::check_metadata(
        parsed.metadata,
        &[json!("body"), json!("metadata")],
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let metadata = parsed
        .metadata
        .filter(|m| m.get() != "null")
        .and_then(|m| RawValue::from_string(validate::minify(m.get())).ok());
    let group = st.world().create_group(metadata, ids::now_micros());
    Ok(json_response(StatusCode::OK, group_json(&st, group)?))
}

/// G2 `GET /v1/tasks/groups/{id}`: 200 `TaskGroupResponse`.
pub async fn retrieve_group(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
) -> Result<Response, ApiError> {
    let group = group_index(&st, &id)?;
    Ok(json_response(StatusCode::OK, group_json(&st, group)?))
}

/// G3 `POST /v1/tasks/groups/{id}/runs`: 200 `TaskGroupRunResponse`. Once
/// the body is read, the runs are committed even if the client goes away
/// (during a `late-commit` hold, say).
pub async fn add_runs(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
    params: Params,
    uri: axum::http::Uri,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    to_completion(add_runs_now(st, id, params, uri, body)).await
}

async fn add_runs_now(
    st: Arc<AppState>,
    id: String,
    params: Params,
    uri: axum::http::Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    let group = group_index(&st, &id)?;
    bool_param(&params, "refresh_status", true)?;
    st.take_rate_token()
        .map_err(|wait| rate_limited(&st, wait))?;
    // JSON, an object, not too deep; then the schema; then the typed read
    // (which cannot fail once the schema holds).
    validate::check_json_object(&body).map_err(ApiError::Validation)?;
    validate::check_contract("/v1/tasks/groups/{taskgroup_id}/runs", "post", &body)
        .map_err(ApiError::Validation)?;
    let parsed: AddRunsBody<'_> = validate::parse_checked(&body).map_err(ApiError::Validation)?;
    let Some(inputs) = parsed.inputs else {
        return Err(ApiError::validation(
            &[json!("body"), json!("inputs")],
            "Field required",
            "missing",
        ));
    };
    if inputs.len() > MAX_INPUTS {
        return Err(ApiError::validation(
            &[json!("body"), json!("inputs")],
            format!(
                "List should have at most {MAX_INPUTS} items after validation, not {}",
                inputs.len()
            ),
            "too_long",
        ));
    }
    let mut errors = Vec::new();
    let default_spec = parsed.default_task_spec.filter(|s| s.get() != "null");
    let default_len = validate::check_task_spec(
        default_spec,
        &[json!("body"), json!("default_task_spec")],
        &mut errors,
    );
    let default_required = validate::required_inputs(default_spec);
    let mut new_runs = Vec::with_capacity(inputs.len());
    for (i, raw) in inputs.iter().enumerate() {
        let loc = [json!("body"), json!("inputs"), json!(i)];
        match validate::check_input(raw, &loc, default_len, &default_required) {
            Ok(v) => new_runs.push(NewRun {
                input: Arc::from(v.stored),
                processor: v.processor,
                input_warning: v.input_warning,
            }),
            Err(InputProblem::Invalid(e)) => errors.extend(e),
            Err(InputProblem::UnknownProcessor(name)) => {
                errors.push(crate::wire::ValidationError {
                    loc: vec![json!("body"), json!("inputs"), json!(i), json!("processor")],
                    msg: format!("Invalid processor: `{name}`"),
                    kind: "value_error".to_owned(),
                })
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let batch = Batch::new(
        default_spec.and_then(|s| RawValue::from_string(validate::minify(s.get())).ok()),
    );
    let held = late_commit_hold(&st, uri.path()).await;
    let response = {
        let mut w = st.world();
        let run_cursor = w.last_run_cursor(group);
        let event_cursor = w.last_event_cursor(group);
        let batch = w.add_batch(batch);
        let created = w.create_runs(group, batch, new_runs, ids::now_micros());
        let status = w.groups[group as usize].status();
        TaskGroupRunResponse {
            status,
            run_ids: created.iter().map(|i| st.codec.run_id(*i)).collect(),
            run_cursor,
            event_cursor,
        }
    };
    st.changed();
    drop(held);
    if st
        .faults
        .firing("POST", uri.path(), |k| {
            matches!(k, FaultKind::AmbiguousAddRuns)
        })
        .count()
        > 0
    {
        return Ok(connection_cut());
    }
    Ok(json_response(StatusCode::OK, to_json(&response)))
}

/// A response whose body fails before its first byte: hyper then closes the
/// connection without writing the status line, so the client sees a
/// transport error although the request was committed.
fn connection_cut() -> Response {
    let body = futures::stream::once(async { Err::<Bytes, _>(crate::sse::StreamCut) });
    Body::from_stream(body).into_response()
}

/// G6 `GET /v1/tasks/groups/{id}/runs/{run_id}`: 200 `TaskRun`.
pub async fn retrieve_group_run(
    State(st): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    PathIds((id, run_id)): PathIds<(String, String)>,
) -> Result<Response, ApiError> {
    let group = group_index(&st, &id)?;
    let view = super::run_view(&st, &run_id)?;
    if view.run.group != group {
        return Err(ApiError::run_not_found());
    }
    let r = super::renderer(&st, &headers);
    Ok(json_response(StatusCode::OK, r.run(&view)))
}
