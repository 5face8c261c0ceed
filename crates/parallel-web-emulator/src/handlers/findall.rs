//! FindAll (`/v1beta/findall/...`): create, retrieve, cancel, extend,
//! enrich, result and schema of a run, and the three calls that need no
//! run (ingest, candidates, entity search). The stream is
//! [`super::findall_events`]; the rules that move a run live in
//! [`crate::findall`].
//!
//! Bodies are checked against the contract first, then against the rules
//! the documents state in prose (a `match_limit` from 5 to 1000, at least
//! one match condition with a unique, non-blank name, an
//! `additional_match_limit` above 0), each refused with a 422 in the shape
//! the spec gives the operation: `ErrorResponse` for create, extend, enrich
//! and entity search, FastAPI's `HTTPValidationError` for ingest and
//! candidates.

use super::body::JsonBody;
use super::search::{checked_body, invalid};
use super::{PathIds, late_commit_hold, rate_limited, to_completion};
use crate::error::{ApiError, json_response};
use crate::findall::entities::{self, World};
use crate::findall::render::{FindAllRenderer, Standing, schema_of};
use crate::findall::{
    self, Condition, FindAllRun, Generator, MATCH_LIMITS, Refusal, Spec, Webhook,
};
use crate::ids;
use crate::state::AppState;
use crate::validate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use tokio::time::Instant;

/// The spec path of create, as the contract names it.
const RUNS: &str = "/v1beta/findall/runs";

/// The renderer of this emulator's FindAll runs.
pub fn renderer(st: &AppState) -> FindAllRenderer {
    FindAllRenderer {
        codec: st.codec,
        seed: st.config.seed,
    }
}

/// 404 for an unknown FindAll run.
pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "FindAll run not found; check the findall_id",
    )
}

/// The index of run `id`, brought up to date, or 404.
pub fn current(st: &AppState, id: &str) -> Result<u32, ApiError> {
    let mut runs = st.findall();
    let index = runs.find(&st.codec, id).ok_or_else(not_found)?;
    if runs.runs[index as usize].advance(Instant::now()) {
        drop(runs);
        st.changed();
    }
    Ok(index)
}

fn ok(value: &Value) -> Response {
    json_response(StatusCode::OK, value.to_string())
}

/// `POST /v1beta/findall/runs`.
pub async fn create(
    State(st): State<Arc<AppState>>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body.map_err(ApiError::into_error_response)?;
    to_completion(async move {
        st.take_rate_token()
            .map_err(|wait| rate_limited(&st, wait))?;
        let v = checked_body(RUNS, &body)?;
        let (spec, limit) = spec_of(&st, &v)?;
        let _pending = late_commit_hold(&st, RUNS).await;
        let now = Instant::now();
        let scale = st
            .config
            .time_scale
            .clamp(0.0, crate::config::MAX_TIME_SCALE);
        let answer = {
            let mut runs = st.findall();
            let index = runs.runs.len() as u32;
            let mut run = FindAllRun::new(
                spec,
                limit,
                scale,
                index,
                st.config.seed,
                now,
                ids::now_micros(),
            );
            run.advance(now);
            let answer = renderer(&st).run(index, &run, Standing::now(&run));
            runs.runs.push(run);
            answer
        };
        st.changed();
        Ok(ok(&answer))
    })
    .await
}

/// Reads a create body the contract accepted into a run's spec and match limit.
fn spec_of(st: &AppState, v: &Value) -> Result<(Spec, u32), ApiError> {
    let objective = v["objective"].as_str().unwrap_or_default();
    if objective.trim().is_empty() {
        return Err(invalid(
            &["body", "objective"],
            "The objective must not be blank",
        ));
    }
    let limit = v["match_limit"].as_i64().unwrap_or(0);
    if !MATCH_LIMITS.contains(&(limit.max(0) as u64)) {
        return Err(invalid(
            &["body", "match_limit"],
            format!(
                "match_limit must be from {} to {} (got {limit}); use extend for more matches later",
                MATCH_LIMITS.start(),
                MATCH_LIMITS.end()
            ),
        ));
    }
    let conditions = conditions_of(&v["match_conditions"])?;
    let mut errors = Vec::new();
    let meta = serde_json::value::to_raw_value(&v["metadata"]).ok();
    validate::check_metadata(
        meta.as_deref().filter(|_| !v["metadata"].is_null()),
        &[json!("body"), json!("metadata")],
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors).into_error_response());
    }
    let excluded: HashSet<String> = v["exclude_list"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| [&e["name"], &e["url"]])
        .filter_map(Value::as_str)
        .map(str::to_lowercase)
        .collect();
    let webhook = v["webhook"]["url"].as_str().map(|url| Webhook {
        url: url.to_owned(),
        event_types: super::search::strings(&v["webhook"]["event_types"]),
    });
    let entity_type = v["entity_type"].as_str().unwrap_or_default().to_owned();
    let generator =
        Generator::parse(v["generator"].as_str().unwrap_or_default()).unwrap_or(Generator::Core);
    let spec = Spec {
        world: World::new(st.config.seed, objective, &entity_type),
        objective: objective.to_owned(),
        entity_type,
        conditions,
        generator,
        metadata: (!v["metadata"].is_null()).then(|| v["metadata"].clone()),
        webhook,
        excluded,
    };
    Ok((spec, limit as u32))
}

/// The match conditions: at least one, each name non-blank and unique.
fn conditions_of(v: &Value) -> Result<Vec<Condition>, ApiError> {
    let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
    if items.is_empty() {
        return Err(invalid(
            &["body", "match_conditions"],
            "Give at least one match condition (ingest drafts them from an objective)",
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, c) in items.iter().enumerate() {
        let name = c["name"].as_str().unwrap_or_default().trim().to_owned();
        let refuse = |field: &str, msg: String| {
            let loc = [
                json!("body"),
                json!("match_conditions"),
                json!(i),
                json!(field),
            ];
            ApiError::validation(&loc, msg, "value_error").into_error_response()
        };
        if name.is_empty() {
            return Err(refuse(
                "name",
                "A match condition's name must not be blank".into(),
            ));
        }
        if !seen.insert(name.clone()) {
            return Err(refuse(
                "name",
                format!(
                    "Two match conditions are named `{name}`; names key the output, so each must be unique"
                ),
            ));
        }
        out.push(Condition {
            name,
            description: c["description"].as_str().unwrap_or_default().to_owned(),
        });
    }
    Ok(out)
}

/// `GET /v1beta/findall/runs/{findall_id}`.
pub async fn retrieve(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
) -> Result<Response, ApiError> {
    let index = current(&st, &id)?;
    let runs = st.findall();
    let run = &runs.runs[index as usize];
    Ok(ok(&renderer(&st).run(index, run, Standing::now(run))))
}

/// `GET /v1beta/findall/runs/{findall_id}/schema`.
pub async fn schema(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
) -> Result<Response, ApiError> {
    let index = current(&st, &id)?;
    let runs = st.findall();
    let run = &runs.runs[index as usize];
    Ok(ok(&renderer(&st).schema(
        run,
        run.enrichments.len(),
        run.match_limit,
    )))
}

/// `GET /v1beta/findall/runs/{findall_id}/result`: the run and every candidate so far.
pub async fn result(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
) -> Result<Response, ApiError> {
    let index = current(&st, &id)?;
    let r = renderer(&st);
    let runs = st.findall();
    let run = &runs.runs[index as usize];
    let candidates: Vec<Value> = (0..run.generated())
        .map(|c| r.candidate_now(index, run, c))
        .collect();
    let last = run
        .events
        .len()
        .checked_sub(1)
        .map(|pos| findall::event_id(&st.codec, index, pos));
    Ok(ok(&json!({
        "run": r.run(index, run, Standing::now(run)),
        "candidates": candidates,
        "last_event_id": last,
    })))
}

/// `POST /v1beta/findall/runs/{findall_id}/cancel`: the run, cancelled.
pub async fn cancel(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
) -> Result<Response, ApiError> {
    to_completion(async move {
        let answer = {
            let mut runs = st.findall();
            let index = runs.find(&st.codec, &id).ok_or_else(not_found)?;
            let run = &mut runs.runs[index as usize];
            run.cancel(Instant::now()).map_err(refusal)?;
            renderer(&st).run(index, run, Standing::now(run))
        };
        st.changed();
        Ok(ok(&answer))
    })
    .await
}

/// `POST /v1beta/findall/runs/{findall_id}/extend`: the schema with the raised limit.
pub async fn extend(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body.map_err(ApiError::into_error_response)?;
    to_completion(async move {
        let v = checked_body("/v1beta/findall/runs/{findall_id}/extend", &body)?;
        let more = v["additional_match_limit"].as_i64().unwrap_or(0);
        if more <= 0 {
            return Err(invalid(
                &["body", "additional_match_limit"],
                format!("additional_match_limit must be above 0 (got {more})"),
            ));
        }
        let answer = {
            let mut runs = st.findall();
            let index = runs.find(&st.codec, &id).ok_or_else(not_found)?;
            let run = &mut runs.runs[index as usize];
            run.extend(more as u64, Instant::now()).map_err(refusal)?;
            renderer(&st).schema(run, run.enrichments.len(), run.match_limit)
        };
        st.changed();
        Ok(ok(&answer))
    })
    .await
}

/// `POST /v1beta/findall/runs/{findall_id}/enrich`: the schema with the enrichment added.
pub async fn enrich(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body.map_err(ApiError::into_error_response)?;
    to_completion(async move {
        let v = checked_body("/v1beta/findall/runs/{findall_id}/enrich", &body)?;
        let answer = {
            let mut runs = st.findall();
            let index = runs.find(&st.codec, &id).ok_or_else(not_found)?;
            let run = &mut runs.runs[index as usize];
            run.enrich(enrichment_of(&v), Instant::now())
                .map_err(refusal)?;
            renderer(&st).schema(run, run.enrichments.len(), run.match_limit)
        };
        st.changed();
        Ok(ok(&answer))
    })
    .await
}

/// An enrich body as the schema shows it: defaults filled in, MCP server
/// headers (write-only secrets) left out.
fn enrichment_of(v: &Value) -> Value {
    let servers = v["mcp_servers"].as_array().map(|servers| {
        servers
            .iter()
            .map(|s| {
                let mut s = s.clone();
                if let Some(o) = s.as_object_mut() {
                    o.remove("headers");
                    o.entry("type").or_insert(json!("url"));
                }
                s
            })
            .collect::<Vec<_>>()
    });
    json!({
        "processor": v["processor"].as_str().unwrap_or("core"),
        "output_schema": {
            "json_schema": v["output_schema"]["json_schema"],
            "type": "json",
        },
        "mcp_servers": servers,
    })
}

fn refusal(r: Refusal) -> ApiError {
    match r {
        Refusal::Cancelled => ApiError::new(
            StatusCode::CONFLICT,
            "The FindAll run was cancelled; nothing more can happen to it. Create a new run",
        ),
        Refusal::AlreadyCompleted => ApiError::new(
            StatusCode::CONFLICT,
            "The FindAll run already completed; there is nothing to cancel",
        ),
        Refusal::LimitTooHigh => invalid(
            &["body", "additional_match_limit"],
            format!(
                "The extended match limit would pass {}; create a new run instead",
                findall::MAX_EXTENDED_LIMIT
            ),
        ),
        Refusal::TooManyEnrichments => invalid(
            &["body"],
            format!(
                "A run takes at most {} enrichments; create a new run",
                findall::MAX_ENRICHMENTS
            ),
        ),
    }
}

/// `POST /v1beta/findall/ingest`: a draft schema for an objective.
pub async fn ingest(
    State(st): State<Arc<AppState>>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body?;
    let v = fastapi_body("/v1beta/findall/ingest", &body)?;
    let objective = v["objective"].as_str().unwrap_or_default();
    if objective.trim().is_empty() {
        return Err(ApiError::validation(
            &[json!("body"), json!("objective")],
            "The objective must not be blank",
            "value_error",
        ));
    }
    let (entity_type, conditions) = entities::draft(objective);
    let spec = Spec {
        world: World::new(st.config.seed, objective, &entity_type),
        objective: objective.to_owned(),
        entity_type,
        conditions,
        generator: Generator::Core,
        metadata: None,
        webhook: None,
        excluded: HashSet::new(),
    };
    Ok(ok(&schema_of(&spec, None, None)))
}

/// Parses and checks a body whose 422 is FastAPI's `HTTPValidationError`.
fn fastapi_body(path: &str, body: &[u8]) -> Result<Value, ApiError> {
    validate::parse_json::<&serde_json::value::RawValue>(body).map_err(ApiError::Validation)?;
    validate::check_contract(path, "post", body).map_err(ApiError::Validation)?;
    serde_json::from_slice(body).map_err(|e| {
        ApiError::validation(
            &[json!("body")],
            format!("JSON decode error: {e}"),
            "json_invalid",
        )
    })
}

/// The first `limit` entities (default 100) of an objective's world.
fn entity_list(st: &AppState, v: &Value, entity_type: &str) -> (String, Vec<Value>) {
    let objective = v["objective"].as_str().unwrap_or_default();
    let limit = v["match_limit"]
        .as_u64()
        .unwrap_or(100)
        .min(*MATCH_LIMITS.end()) as u32;
    let world = World::new(st.config.seed, objective, entity_type);
    let list = world
        .first(limit)
        .map(|e| json!({"name": world.name(e), "url": world.url(e), "description": world.description(e)}))
        .collect();
    let set = st.codec.encode(
        ids::Kind::FindAllCandidate,
        ids::hash_bytes(
            st.config.seed,
            format!("{objective}\u{0}{entity_type}").as_bytes(),
        ) | (1 << 63),
    );
    (set, list)
}

/// `POST /v1beta/findall/candidates`: entities that may fit an objective.
pub async fn candidates(
    State(st): State<Arc<AppState>>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body?;
    let v = fastapi_body("/v1beta/findall/candidates", &body)?;
    let (set, list) = entity_list(&st, &v, v["entity_type"].as_str().unwrap_or_default());
    Ok(ok(
        &json!({"candidate_set_id": format!("cset_{set}"), "candidates": list}),
    ))
}

/// `POST /v1beta/findall/entity-search`: the SDK's entity lookup. The
/// official documents do not describe it, so the contract holds no schema
/// for it: its body is checked here, field by field.
pub async fn entity_search(
    State(st): State<Arc<AppState>>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body.map_err(ApiError::into_error_response)?;
    let v = checked_body("/v1beta/findall/entity-search", &body)?;
    let entity_type = match v.get("entity_type") {
        None => return Err(missing("entity_type")),
        Some(Value::String(t)) if t == "people" || t == "companies" => t.clone(),
        Some(_) => {
            return Err(invalid(
                &["body", "entity_type"],
                "Input should be 'people' or 'companies'",
            ));
        }
    };
    match v.get("objective") {
        None => return Err(missing("objective")),
        Some(Value::String(_)) => {}
        Some(_) => {
            return Err(invalid(
                &["body", "objective"],
                "Input should be a valid string",
            ));
        }
    }
    match v.get("match_limit") {
        None => {}
        Some(n) if n.as_u64().is_some_and(|n| MATCH_LIMITS.contains(&n)) => {}
        Some(_) => {
            return Err(invalid(
                &["body", "match_limit"],
                format!(
                    "match_limit must be an integer from {} to {}",
                    MATCH_LIMITS.start(),
                    MATCH_LIMITS.end()
                ),
            ));
        }
    }
    let (set, list) = entity_list(&st, &v, &entity_type);
    Ok(ok(
        &json!({"entities": list, "entity_set_id": format!("eset_{set}")}),
    ))
}

fn missing(field: &str) -> ApiError {
    ApiError::validation(&[json!("body"), json!(field)], "Field required", "missing")
        .into_error_response()
}
