//! The monitor operations under `/v1/monitors`: create, list, retrieve,
//! update, cancel, trigger and events. The monitors themselves (checks,
//! events, cursors, webhook notices) are [`crate::monitors`].
//!
//! Bodies are checked against the contract, then against the rules the
//! spec states in prose (frequency 1h–30d, settings matching the type, a
//! snapshot's task run existing, an update naming a field); each refusal is
//! a 422 `ErrorResponse`. A cursor that is not one this monitor (or this
//! list) handed out is a 422 too, never a silent first page.

use super::body::JsonBody;
use super::{Params, PathIds, bool_param, to_completion};
use crate::error::{ApiError, json_response};
use crate::ids;
use crate::memory::{Entry, MemoryKind};
use crate::monitors::{Monitor, MonitorType, Monitors, NewMonitor, parse_frequency};
use crate::output;
use crate::state::AppState;
use crate::validate;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Monitors per list page when `limit` is not given (documented).
pub const DEFAULT_LIST_LIMIT: usize = 100;
/// Most monitors per list page (documented).
pub const MAX_LIST_LIMIT: usize = 10_000;
/// Events per page when `limit` is not given (documented).
pub const DEFAULT_EVENTS_LIMIT: usize = 20;
/// Most events per page (documented).
pub const MAX_EVENTS_LIMIT: usize = 100;

const CREATE_PATH: &str = "/v1/monitors";
const UPDATE_PATH: &str = "/v1/monitors/{monitor_id}/update";

fn invalid(loc: &[&str], msg: impl Into<String>) -> ApiError {
    let loc: Vec<Value> = loc.iter().map(|s| json!(s)).collect();
    ApiError::validation(&loc, msg, "value_error").into_error_response()
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "Monitor not found")
}

fn cancelled(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("The monitor is cancelled and cannot be {what}; create a new monitor instead"),
    )
}

/// Finds a monitor by id and brings its scheduled checks up to date.
fn find(ms: &mut Monitors, id: &str) -> Result<u32, ApiError> {
    let index = ms.find(id).ok_or_else(not_found)?;
    ms.catch_up(index, Instant::now());
    Ok(index)
}

/// `MonitorResponse` of monitor `index`.
fn render(ms: &Monitors, index: u32) -> Value {
    let m = &ms.list[index as usize];
    let mut v = json!({
        "type": m.kind.name(),
        "monitor_id": ms.id(index),
        "status": if m.active { "active" } else { "cancelled" },
        "frequency": m.frequency,
        "processor": m.processor,
        "created_at": ids::timestamp(m.created_us),
        "last_run_at": m.last_run_us().map(ids::timestamp),
        "settings": m.settings,
    });
    if let Some(w) = &m.webhook {
        v["webhook"] = w.clone();
    }
    if let Some(meta) = &m.metadata {
        v["metadata"] = meta.clone();
    }
    if m.kind == MonitorType::Snapshot {
        v["output"] = json!({"latest_snapshot": latest_snapshot(ms, index, m)});
    }
    v
}

/// The output of a snapshot monitor's last check that found a change.
fn latest_snapshot(ms: &Monitors, index: u32, m: &Monitor) -> Value {
    let Some(k) = m
        .checks
        .iter()
        .rposition(|c| matches!(c.outcome, crate::monitors::Outcome::Events(_)))
    else {
        return Value::Null;
    };
    let mut out = Vec::new();
    ms.check_items(index, k as u64, 0, false, &mut out, 1);
    out.pop()
        .map(|e| e["changed_output"].clone())
        .unwrap_or(Value::Null)
}

fn ok(status: StatusCode, v: &Value) -> Response {
    json_response(status, v.to_string())
}

/// Starts the clock of monitor `index`: a task that runs its scheduled
/// checks when they fall due, so webhook notices appear on time. Due
/// checks are batched at least 5 ms apart; reads catch up on their own.
fn start_clock(st: Arc<AppState>, index: u32) {
    tokio::spawn(async move {
        loop {
            let next = st.monitors().catch_up(index, Instant::now());
            st.changed();
            let Some(next) = next else { return };
            let wake = next.max(Instant::now() + Duration::from_millis(5));
            let mut changes = st.changes.subscribe();
            tokio::select! {
                _ = tokio::time::sleep_until(wake) => {}
                _ = changes.changed() => {}
            }
            if st.is_closing() {
                return;
            }
        }
    });
}

/// `POST /v1/monitors`: 201 `MonitorResponse`.
pub async fn create(
    State(st): State<Arc<AppState>>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body.map_err(ApiError::into_error_response)?;
    to_completion(async move {
        let new = checked_create(&st, &body)?;
        let scope = new.memory_scope_key.clone();
        let query = new.settings["query"].as_str().unwrap_or("").to_owned();
        let (index, v, now_us) = {
            let mut ms = st.monitors();
            let now_us = ids::now_micros();
            let index = ms.create(new, now_us, Instant::now());
            (index, render(&ms, index), now_us)
        };
        if let Some(scope) = scope {
            st.memory().remember(
                Some(&scope),
                Entry {
                    kind: MemoryKind::Monitor,
                    id: v["monitor_id"].as_str().unwrap_or("").to_owned(),
                    input_excerpt: query,
                    extra: json!({"status": "active"}),
                    updated_us: now_us,
                },
            );
        }
        start_clock(st.clone(), index);
        Ok(ok(StatusCode::CREATED, &v))
    })
    .await
}

fn parsed(path: &str, body: &[u8]) -> Result<Value, ApiError> {
    let v: Value =
        validate::parse_json(body).map_err(|e| ApiError::Validation(e).into_error_response())?;
    validate::check_contract(path, "post", body)
        .map_err(|e| ApiError::Validation(e).into_error_response())?;
    Ok(v)
}

fn checked_create(st: &AppState, body: &[u8]) -> Result<NewMonitor, ApiError> {
    let v = parsed(CREATE_PATH, body)?;
    let kind = MonitorType::parse(v["type"].as_str().unwrap_or("")).ok_or_else(|| {
        invalid(
            &["body", "type"],
            "type must be `event_stream` or `snapshot`",
        )
    })?;
    let frequency = v["frequency"].as_str().unwrap_or("").to_owned();
    let period = parse_frequency(&frequency).map_err(|msg| invalid(&["body", "frequency"], msg))?;
    let settings = match kind {
        MonitorType::EventStream => {
            let s = &v["settings"];
            let query = s["query"].as_str().unwrap_or("");
            if query.trim().is_empty() {
                return Err(invalid(
                    &["body", "settings", "query"],
                    "An event_stream monitor needs settings with a non-empty `query`",
                ));
            }
            check_output_schema(&s["output_schema"])?;
            s.clone()
        }
        MonitorType::Snapshot => snapshot_settings(st, &v["settings"])?,
    };
    let metadata = v.get("metadata").filter(|m| !m.is_null()).cloned();
    let mut meta_errors = Vec::new();
    if let Some(raw) = body_field(body, "metadata") {
        validate::check_metadata(
            Some(&raw),
            &[json!("body"), json!("metadata")],
            &mut meta_errors,
        );
    }
    if !meta_errors.is_empty() {
        return Err(ApiError::Validation(meta_errors).into_error_response());
    }
    Ok(NewMonitor {
        kind,
        frequency,
        period,
        processor: v["processor"].as_str().unwrap_or("lite").to_owned(),
        webhook: v.get("webhook").filter(|w| !w.is_null()).cloned(),
        metadata,
        settings,
        memory_scope_key: v["memory_scope_key"].as_str().map(str::to_owned),
    })
}

/// The raw text of a top-level field of a body already known to parse.
fn body_field(body: &[u8], name: &str) -> Option<Box<serde_json::value::RawValue>> {
    let map: std::collections::HashMap<String, Box<serde_json::value::RawValue>> =
        serde_json::from_slice(body).ok()?;
    map.into_iter()
        .find(|(k, v)| k == name && v.get() != "null")
        .map(|(_, v)| v)
}

/// An `output_schema` is absent, null, or `{"type": "json", "json_schema": {object schema}}`.
fn check_output_schema(schema: &Value) -> Result<(), ApiError> {
    if schema.is_null() {
        return Ok(());
    }
    match schema.get("json_schema") {
        Some(s) if s.get("type").and_then(Value::as_str) == Some("object") => Ok(()),
        _ => Err(invalid(
            &["body", "settings", "output_schema"],
            "output_schema.json_schema must be a JSON schema of `type: object`",
        )),
    }
}

/// A snapshot monitor's settings as answered: its task run's id, input as
/// the query, and output schema.
fn snapshot_settings(st: &AppState, s: &Value) -> Result<Value, ApiError> {
    let run_id = s["task_run_id"].as_str().unwrap_or("");
    if run_id.is_empty() {
        return Err(invalid(
            &["body", "settings", "task_run_id"],
            "A snapshot monitor needs settings with the `task_run_id` of a finished task run",
        ));
    }
    let view = super::run_view(st, run_id).map_err(|_| {
        invalid(
            &["body", "settings", "task_run_id"],
            format!("Task run `{run_id}` not found; give the id of a finished task run"),
        )
    })?;
    let input: crate::wire::TaskRunInput<'_> =
        serde_json::from_str(&view.run.input).unwrap_or_default();
    let mut query = input.input.map_or(String::new(), |r| match r.get() {
        t if t.starts_with('"') => serde_json::from_str::<String>(t).unwrap_or_default(),
        t => t.to_owned(),
    });
    crate::web::truncate_chars(&mut query, 500);
    let mut out = json!({"task_run_id": run_id, "query": query});
    if let output::OutputKind::Json(schema) =
        output::output_kind(output::effective_spec(&view).as_ref())
    {
        out["output_schema"] = json!({"type": "json", "json_schema": schema});
    }
    Ok(out)
}

/// `GET /v1/monitors`: 200 `PaginatedMonitorResponse`, newest first.
///
/// The query is read here rather than by [`Params`]: `type` and `status`
/// may repeat, which a map of last values would lose.
pub async fn list(
    State(st): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs: Vec<(String, String)> = match &query {
        None => Vec::new(),
        Some(q) => {
            axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
                &format!("/?{q}")
                    .parse()
                    .map_err(|_| bad_query("query", "Malformed query string"))?,
            )
            .map_err(|e| bad_query("query", format!("Malformed query string: {e}")))?
            .0
        }
    };
    let mut types = Vec::new();
    let mut statuses = Vec::new();
    let (mut cursor, mut limit) = (None, DEFAULT_LIST_LIMIT);
    // A list filter may repeat (`status=a&status=b`, as the spec says) or
    // come comma-separated (`status=a,b`, as the Python SDK sends it).
    let each = |v: &str| {
        v.split(',')
            .map(str::trim)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    for (k, v) in &pairs {
        match k.as_str() {
            "type" => {
                for v in each(v) {
                    types.push(MonitorType::parse(&v).ok_or_else(|| {
                        bad_query(
                            "type",
                            format!("Input should be 'event_stream' or 'snapshot', not `{v}`"),
                        )
                    })?);
                }
            }
            "status" => {
                for v in each(v) {
                    statuses.push(match v.as_str() {
                        "active" => true,
                        "cancelled" => false,
                        _ => {
                            return Err(bad_query(
                                "status",
                                format!("Input should be 'active' or 'cancelled', not `{v}`"),
                            ));
                        }
                    });
                }
            }
            "cursor" => cursor = Some(v.clone()),
            "limit" => {
                limit = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_LIST_LIMIT).contains(n))
                    .ok_or_else(|| {
                        bad_query(
                            "limit",
                            format!("limit must be a whole number from 1 to {MAX_LIST_LIMIT}"),
                        )
                    })?;
            }
            _ => {}
        }
    }
    if statuses.is_empty() {
        statuses.push(true);
    }
    let mut ms = st.monitors();
    let start = match &cursor {
        None => ms.list.len() as u32,
        Some(c) => ms.parse_list_cursor(c).map(|n| n + 1).ok_or_else(|| {
            bad_query(
                "cursor",
                format!(
                    "Invalid cursor `{c}`: pass the `next_cursor` of an earlier page unchanged"
                ),
            )
        })?,
    };
    let now = Instant::now();
    let mut monitors = Vec::new();
    let mut next = None;
    for index in (0..start).rev() {
        ms.catch_up(index, now);
        let m = &ms.list[index as usize];
        if !(types.is_empty() || types.contains(&m.kind)) || !statuses.contains(&m.active) {
            continue;
        }
        if monitors.len() == limit {
            next = Some(ms.list_cursor(index));
            break;
        }
        monitors.push(render(&ms, index));
    }
    let mut v = json!({"monitors": monitors});
    if let Some(c) = next {
        v["next_cursor"] = json!(c);
    }
    Ok(ok(StatusCode::OK, &v))
}

fn bad_query(name: &str, msg: impl Into<String>) -> ApiError {
    ApiError::validation(&[json!("query"), json!(name)], msg, "value_error")
}

/// `GET /v1/monitors/{monitor_id}`: 200 `MonitorResponse`.
pub async fn retrieve(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
) -> Result<Response, ApiError> {
    let mut ms = st.monitors();
    let index = find(&mut ms, &id)?;
    Ok(ok(StatusCode::OK, &render(&ms, index)))
}

/// `POST /v1/monitors/{monitor_id}/cancel`: 200 `MonitorResponse`.
pub async fn cancel(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
) -> Result<Response, ApiError> {
    let v = {
        let mut ms = st.monitors();
        let index = find(&mut ms, &id)?;
        ms.cancel(index, Instant::now());
        render(&ms, index)
    };
    st.changed();
    Ok(ok(StatusCode::OK, &v))
}

/// `POST /v1/monitors/{monitor_id}/trigger`: 204.
pub async fn trigger(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
) -> Result<Response, ApiError> {
    {
        let mut ms = st.monitors();
        let index = find(&mut ms, &id)?;
        if !ms.list[index as usize].active {
            return Err(cancelled("triggered"));
        }
        if !ms.trigger(index, ids::now_micros()) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The monitor has run as many checks as the emulator keeps; create a new one",
            ));
        }
    }
    st.changed();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /v1/monitors/{monitor_id}/update`: 200 `MonitorResponse`.
pub async fn update(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body.map_err(ApiError::into_error_response)?;
    let v = parsed(UPDATE_PATH, &body)?;
    let fields = [
        "type",
        "frequency",
        "webhook",
        "metadata",
        "settings",
        "processor",
    ];
    if !fields.iter().any(|f| v.get(*f).is_some()) {
        return Err(invalid(
            &["body"],
            format!("Name at least one field to change: {}", fields.join(", ")),
        ));
    }
    let period = match v.get("frequency").and_then(Value::as_str) {
        Some(f) => Some(parse_frequency(f).map_err(|msg| invalid(&["body", "frequency"], msg))?),
        None => None,
    };
    let mut ms = st.monitors();
    let index = find(&mut ms, &id)?;
    let m = &mut ms.list[index as usize];
    if !m.active {
        return Err(cancelled("changed"));
    }
    if let Some(t) = v.get("type").and_then(Value::as_str)
        && MonitorType::parse(t) != Some(m.kind)
    {
        return Err(invalid(
            &["body", "type"],
            format!(
                "A monitor's type cannot change (this one is `{}`)",
                m.kind.name()
            ),
        ));
    }
    if let Some(settings) = v.get("settings").filter(|s| !s.is_null()) {
        if m.kind != MonitorType::EventStream || v["type"].is_null() {
            return Err(invalid(
                &["body", "settings"],
                "Settings can be changed on event_stream monitors only, sent with `type: event_stream`",
            ));
        }
        if let Some(adv) = settings.get("advanced_settings") {
            m.settings["advanced_settings"] = adv.clone();
        }
    }
    if let (Some(period), Some(f)) = (period, v["frequency"].as_str()) {
        m.period = period;
        m.frequency = f.to_owned();
    }
    if let Some(w) = v.get("webhook") {
        m.webhook = (!w.is_null()).then(|| w.clone());
    }
    if let Some(meta) = v.get("metadata") {
        m.metadata = (!meta.is_null()).then(|| meta.clone());
    }
    if let Some(p) = v.get("processor").and_then(Value::as_str) {
        m.processor = p.to_owned();
    }
    Ok(ok(StatusCode::OK, &render(&ms, index)))
}

/// `GET /v1/monitors/{monitor_id}/events`: 200 `PaginatedMonitorEvents`,
/// newest first.
pub async fn events(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
    params: Result<Params, ApiError>,
) -> Result<Response, ApiError> {
    let params = params.map_err(ApiError::into_error_response)?;
    let completions =
        bool_param(&params, "include_completions", false).map_err(ApiError::into_error_response)?;
    let limit = match params.get("limit") {
        None => DEFAULT_EVENTS_LIMIT,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_EVENTS_LIMIT).contains(n))
            .ok_or_else(|| {
                invalid(
                    &["query", "limit"],
                    format!("limit must be a whole number from 1 to {MAX_EVENTS_LIMIT}"),
                )
            })?,
    };
    let mut ms = st.monitors();
    let index = find(&mut ms, &id)?;
    let mut events = Vec::new();
    if let Some(group) = params.get("event_group_id") {
        let k = ms.find_group(index, group).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("Event group `{group}` not found for this monitor"),
            )
        })?;
        ms.check_items(index, k, u8::MAX, true, &mut events, usize::MAX);
        st.counters.events("monitor_events", events.len() as u64);
        return Ok(ok(StatusCode::OK, &json!({"events": events})));
    }
    let checks = ms.list[index as usize].checks.len() as u64;
    let (mut k, mut from) = match params.get("cursor") {
        None => (checks, u8::MAX),
        Some(c) => {
            let (k, i) = ms.parse_event_cursor(index, c).ok_or_else(|| {
                invalid(
                    &["query", "cursor"],
                    format!(
                        "Invalid cursor `{c}`: not a next_cursor of this monitor's events; \
                         pass the `next_cursor` of an earlier page unchanged"
                    ),
                )
            })?;
            (k + 1, i)
        }
    };
    let mut next = None;
    while k > 0 {
        let check = k - 1;
        if events.len() == limit {
            // The next page starts at the next check that lists anything.
            let mut c = check + 1;
            while c > 0 && !ms.lists_anything(index, c - 1, completions) {
                c -= 1;
            }
            if c > 0 {
                next = Some(ms.event_cursor(index, c - 1, from));
            }
            break;
        }
        if let Some(left) = ms.check_items(index, check, from, completions, &mut events, limit) {
            next = Some(ms.event_cursor(index, check, left));
            break;
        }
        k -= 1;
        from = u8::MAX;
    }
    st.counters.events("monitor_events", events.len() as u64);
    let mut v = json!({"events": events});
    if let Some(c) = next {
        v["next_cursor"] = json!(c);
    }
    Ok(ok(StatusCode::OK, &v))
}
