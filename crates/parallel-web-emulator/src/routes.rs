//! The route table, and the gate every request passes first (counting,
//! injected faults, API-key check).

use crate::error::{ApiError, json_response};
use crate::faults::FaultKind;
use crate::handlers::{
    chat, events_stream, extract, findall, findall_events, groups, ledger, memory, monitors,
    run_events, runs, runs_stream, search,
};
use crate::state::AppState;
use crate::stats::RequestRecord;
use crate::wire::to_json;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// One endpoint: what it answers, where, under which operation names, and
/// which handler serves it. [`ENDPOINTS`] is the one route table: the
/// router and the operation names counted per request are both built from
/// it, so they cannot drift apart.
struct Endpoint {
    method: Method,
    /// The path after the version prefix.
    path: &'static str,
    /// Each prefix it is served under, with the operation name there (the
    /// project's short operationId, as the SDK names it).
    names: &'static [(&'static str, &'static str)],
    handler: fn(MethodFilter) -> MethodRouter<Arc<AppState>>,
}

/// Served under `/v1` and `/v1beta`; the beta operation is `beta_<name>`.
macro_rules! ga_and_beta {
    ($name:literal) => {
        &[("/v1", $name), ("/v1beta", concat!("beta_", $name))]
    };
}

/// Served under `/v1` only.
macro_rules! ga_only {
    ($name:literal) => {
        &[("/v1", $name)]
    };
}

/// Served under `/v1beta` only, as `beta_<name>`; for operations whose
/// beta-era request shape differs from the GA one, so each has its handler.
macro_rules! beta_only {
    ($name:literal) => {
        &[("/v1beta", concat!("beta_", $name))]
    };
}

/// Every endpoint of API-NOTES §2, search, extract, chat completions,
/// FindAll, monitors, memory, and the emulator's own (`/_emulator`).
static ENDPOINTS: [Endpoint; 40] = [
    Endpoint {
        method: Method::POST,
        path: "/tasks/groups",
        names: ga_and_beta!("task_group_create"),
        handler: |m| on(m, groups::create_group),
    },
    Endpoint {
        method: Method::GET,
        path: "/tasks/groups/{taskgroup_id}",
        names: ga_and_beta!("task_group_retrieve"),
        handler: |m| on(m, groups::retrieve_group),
    },
    Endpoint {
        method: Method::POST,
        path: "/tasks/groups/{taskgroup_id}/runs",
        names: ga_and_beta!("task_group_add_runs"),
        handler: |m| on(m, groups::add_runs),
    },
    Endpoint {
        method: Method::GET,
        path: "/tasks/groups/{taskgroup_id}/runs",
        names: ga_and_beta!("task_group_get_runs"),
        handler: |m| on(m, runs_stream::group_runs),
    },
    Endpoint {
        method: Method::GET,
        path: "/tasks/groups/{taskgroup_id}/events",
        names: ga_and_beta!("task_group_events"),
        handler: |m| on(m, events_stream::group_events),
    },
    Endpoint {
        method: Method::GET,
        path: "/tasks/groups/{taskgroup_id}/runs/{run_id}",
        names: ga_and_beta!("task_group_retrieve_run"),
        handler: |m| on(m, groups::retrieve_group_run),
    },
    Endpoint {
        method: Method::GET,
        path: "/tasks/runs/{run_id}/events",
        names: ga_and_beta!("task_run_events"),
        handler: |m| on(m, run_events::run_events),
    },
    Endpoint {
        method: Method::POST,
        path: "/tasks/runs",
        names: ga_only!("task_run_create"),
        handler: |m| on(m, runs::create_run),
    },
    Endpoint {
        method: Method::GET,
        path: "/tasks/runs/{run_id}",
        names: ga_only!("task_run_retrieve"),
        handler: |m| on(m, runs::retrieve_run),
    },
    Endpoint {
        method: Method::GET,
        path: "/tasks/runs/{run_id}/input",
        names: ga_only!("task_run_input"),
        handler: |m| on(m, runs::run_input),
    },
    Endpoint {
        method: Method::GET,
        path: "/tasks/runs/{run_id}/result",
        names: ga_only!("task_run_result"),
        handler: |m| on(m, runs::run_result),
    },
    // Chat exists only under /v1beta; the SDK calls it `client.chat()`.
    Endpoint {
        method: Method::POST,
        path: "/chat/completions",
        names: &[("/v1beta", "chat_completions")],
        handler: |m| on(m, chat::chat_completions),
    },
    Endpoint {
        method: Method::POST,
        path: "/search",
        names: ga_only!("search"),
        handler: |m| on(m, search::search),
    },
    Endpoint {
        method: Method::POST,
        path: "/search",
        names: beta_only!("search"),
        handler: |m| on(m, search::beta_search),
    },
    Endpoint {
        method: Method::POST,
        path: "/extract",
        names: ga_only!("extract"),
        handler: |m| on(m, extract::extract),
    },
    Endpoint {
        method: Method::POST,
        path: "/extract",
        names: beta_only!("extract"),
        handler: |m| on(m, extract::beta_extract),
    },
    // FindAll exists only under /v1beta; the names are the spec's operationIds.
    Endpoint {
        method: Method::POST,
        path: "/findall/runs",
        names: &[("/v1beta", "findall_create")],
        handler: |m| on(m, findall::create),
    },
    Endpoint {
        method: Method::GET,
        path: "/findall/runs/{findall_id}",
        names: &[("/v1beta", "findall_retrieve")],
        handler: |m| on(m, findall::retrieve),
    },
    Endpoint {
        method: Method::POST,
        path: "/findall/runs/{findall_id}/cancel",
        names: &[("/v1beta", "findall_cancel")],
        handler: |m| on(m, findall::cancel),
    },
    Endpoint {
        method: Method::POST,
        path: "/findall/runs/{findall_id}/enrich",
        names: &[("/v1beta", "findall_enrich")],
        handler: |m| on(m, findall::enrich),
    },
    Endpoint {
        method: Method::GET,
        path: "/findall/runs/{findall_id}/events",
        names: &[("/v1beta", "findall_events")],
        handler: |m| on(m, findall_events::findall_events),
    },
    Endpoint {
        method: Method::POST,
        path: "/findall/runs/{findall_id}/extend",
        names: &[("/v1beta", "findall_extend")],
        handler: |m| on(m, findall::extend),
    },
    Endpoint {
        method: Method::GET,
        path: "/findall/runs/{findall_id}/result",
        names: &[("/v1beta", "findall_result")],
        handler: |m| on(m, findall::result),
    },
    Endpoint {
        method: Method::GET,
        path: "/findall/runs/{findall_id}/schema",
        names: &[("/v1beta", "findall_schema")],
        handler: |m| on(m, findall::schema),
    },
    Endpoint {
        method: Method::POST,
        path: "/findall/ingest",
        names: &[("/v1beta", "findall_ingest")],
        handler: |m| on(m, findall::ingest),
    },
    Endpoint {
        method: Method::POST,
        path: "/findall/candidates",
        names: &[("/v1beta", "findall_candidates")],
        handler: |m| on(m, findall::candidates),
    },
    Endpoint {
        method: Method::POST,
        path: "/findall/entity-search",
        names: &[("/v1beta", "findall_entity_search")],
        handler: |m| on(m, findall::entity_search),
    },
    Endpoint {
        method: Method::POST,
        path: "/monitors",
        names: ga_only!("monitor_create"),
        handler: |m| on(m, monitors::create),
    },
    Endpoint {
        method: Method::GET,
        path: "/monitors",
        names: ga_only!("monitor_list"),
        handler: |m| on(m, monitors::list),
    },
    Endpoint {
        method: Method::GET,
        path: "/monitors/{monitor_id}",
        names: ga_only!("monitor_retrieve"),
        handler: |m| on(m, monitors::retrieve),
    },
    Endpoint {
        method: Method::POST,
        path: "/monitors/{monitor_id}/update",
        names: ga_only!("monitor_update"),
        handler: |m| on(m, monitors::update),
    },
    Endpoint {
        method: Method::POST,
        path: "/monitors/{monitor_id}/cancel",
        names: ga_only!("monitor_cancel"),
        handler: |m| on(m, monitors::cancel),
    },
    Endpoint {
        method: Method::POST,
        path: "/monitors/{monitor_id}/trigger",
        names: ga_only!("monitor_trigger"),
        handler: |m| on(m, monitors::trigger),
    },
    Endpoint {
        method: Method::GET,
        path: "/monitors/{monitor_id}/events",
        names: ga_only!("monitor_events"),
        handler: |m| on(m, monitors::events),
    },
    Endpoint {
        method: Method::POST,
        path: "/memory/retrieve",
        names: &[("/v1beta", "memory_retrieve")],
        handler: |m| on(m, memory::retrieve),
    },
    Endpoint {
        method: Method::POST,
        path: "/memory/clear",
        names: &[("/v1beta", "memory_clear")],
        handler: |m| on(m, memory::clear),
    },
    Endpoint {
        method: Method::POST,
        path: "/memory/evict",
        names: &[("/v1beta", "memory_evict")],
        handler: |m| on(m, memory::evict),
    },
    Endpoint {
        method: Method::GET,
        path: "/_emulator/stats",
        names: &[("", "emulator_stats")],
        handler: |m| on(m, stats),
    },
    // A group's run ledger (see [`ledger`]).
    Endpoint {
        method: Method::GET,
        path: "/_emulator/groups/{taskgroup_id}/runs",
        names: &[("", "emulator_ledger")],
        handler: |m| on(m, ledger::group_ledger),
    },
    // Every webhook delivery attempt (see `crate::webhooks`).
    Endpoint {
        method: Method::GET,
        path: "/_emulator/webhooks",
        names: &[("", "emulator_webhooks")],
        handler: |m| on(m, webhook_deliveries),
    },
];

/// Operation names by matched route path, then method.
type Operations = HashMap<String, Vec<(Method, &'static str)>>;

/// Builds the router and the operation names from [`ENDPOINTS`].
pub fn router(st: Arc<AppState>) -> Router {
    let mut r = Router::new();
    let mut operations = Operations::new();
    for e in &ENDPOINTS {
        let filter = MethodFilter::try_from(e.method.clone()).expect("a standard method");
        for (prefix, name) in e.names {
            let path = format!("{prefix}{}", e.path);
            r = r.route(&path, (e.handler)(filter));
            operations
                .entry(path)
                .or_default()
                .push((e.method.clone(), *name));
        }
    }
    r.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            (st.clone(), Arc::new(operations)),
            gate,
        ))
        .with_state(st)
}

/// The operation name of a matched route (`other` for none).
fn operation(operations: &Operations, method: &Method, matched: Option<&str>) -> &'static str {
    matched
        .and_then(|path| operations.get(path))
        .and_then(|by_method| by_method.iter().find(|(m, _)| m == method))
        .map_or("other", |(_, name)| *name)
}

/// Counts and logs the request, applies latency and status faults, checks the API key,
/// and numbers the `ref_id` of any error answer.
async fn gate(
    State((st, operations)): State<(Arc<AppState>, Arc<Operations>)>,
    req: Request,
    next: Next,
) -> Response {
    let at = st.counters.elapsed();
    let method = req.method().as_str().to_owned();
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    let op = operation(
        &operations,
        req.method(),
        req.extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str),
    );
    let resp = admit(&st, op, req, next).await;
    st.counters.log(RequestRecord {
        at,
        method,
        path,
        operation: op.to_owned(),
        status: resp.status().as_u16(),
    });
    st.ref_ids.number(resp)
}

async fn admit(st: &AppState, op: &'static str, req: Request, next: Next) -> Response {
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
        .is_some_and(|v| v.as_bytes() == st.config.api_key.as_bytes())
        || (path == chat::PATH && bearer_key_ok(&req, &st.config.api_key));
    if !key_ok {
        return ApiError::unauthorized().into_response();
    }
    let span = tracing::debug_span!("request", method = %method, %path, op);
    next.run(req).instrument(span).await
}

/// True when `req` carries `Authorization: Bearer <key>`: how OpenAI's
/// SDKs send the key, which Parallel's docs tell chat users to pass to
/// them. Accepted on the chat path only (an assumption; see the README).
fn bearer_key_ok(req: &Request, key: &str) -> bool {
    req.headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|token| token.as_bytes() == key.as_bytes())
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

/// `GET /_emulator/webhooks`: a JSON array of every delivery attempt.
async fn webhook_deliveries(State(st): State<Arc<AppState>>) -> Response {
    json_response(StatusCode::OK, to_json(&st.webhooks.deliveries()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_route_has_one_operation_name_and_every_name_one_route() {
        let (mut names, mut routes) = (HashSet::new(), HashSet::new());
        for e in &ENDPOINTS {
            for (prefix, name) in e.names {
                assert!(names.insert(*name), "{name} twice");
                let path = format!("{prefix}{}", e.path);
                assert!(routes.insert((e.method.clone(), path.clone())), "{path}");
            }
        }
        // 7 operations in both versions, 4 in /v1 only, search and extract
        // with one handler per version, chat in /v1beta only, 3 of the
        // emulator's, 11 FindAll operations in /v1beta only, 7 monitor
        // operations in /v1 and 3 memory ones in /v1beta.
        assert_eq!(names.len(), 7 * 2 + 4 + 2 * 2 + 1 + 3 + 11 + 7 + 3);
    }

    #[test]
    fn a_request_no_route_matched_is_counted_as_other() {
        let mut operations = Operations::new();
        operations
            .entry("/v1/tasks/runs".to_owned())
            .or_default()
            .push((Method::POST, "task_run_create"));
        let op = |m: &Method, p| operation(&operations, m, p);
        assert_eq!(op(&Method::POST, Some("/v1/tasks/runs")), "task_run_create");
        assert_eq!(op(&Method::GET, Some("/v1/tasks/runs")), "other");
        assert_eq!(op(&Method::POST, None), "other");
    }
}
