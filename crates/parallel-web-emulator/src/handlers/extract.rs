//! Extract (`POST /v1/extract`, and the beta-era `POST /v1beta/extract`):
//! pages of the synthetic web ([`crate::web`]) are read; any other URL is a
//! per-URL error in `errors`, and the call still succeeds.
//!
//! Per-URL errors (`error_type`): `invalid_url` for a string that is not an
//! `http(s)://` address, `fetch_error` for a host outside the synthetic web
//! (no status code) and for a `/missing` path of one of its hosts (404).

use super::body::JsonBody;
use super::search::{
    Budget, Era, at, call_id, check_fetch_policy, checked_body, count, finish, invalid, raised,
    strings,
};
use super::{rate_limited, to_completion};
use crate::error::{ApiError, json_response};
use crate::state::AppState;
use crate::web::{self, Unreachable};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The documented bound on URLs per extract call.
pub const MAX_URLS: usize = 20;

/// Excerpt characters per URL when no bound is given.
const DEFAULT_EXCERPT_CHARS: u64 = 2000;

/// `POST /v1/extract`.
pub async fn extract(
    State(st): State<Arc<AppState>>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body.map_err(ApiError::into_error_response)?;
    to_completion(async move { answer_extract(&st, &body, Era::Ga) }).await
}

/// `POST /v1beta/extract`.
pub async fn beta_extract(
    State(st): State<Arc<AppState>>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body.map_err(ApiError::into_error_response)?;
    to_completion(async move { answer_extract(&st, &body, Era::Beta) }).await
}

/// What to return per page.
#[derive(Debug)]
struct Wanted {
    /// Excerpt characters per page, or no excerpts.
    excerpts: Option<u64>,
    /// Full content, with an optional length bound, or none.
    full_content: Option<Option<u64>>,
    /// Excerpt characters over all pages.
    total: Option<u64>,
}

fn answer_extract(st: &AppState, body: &[u8], era: Era) -> Result<Response, ApiError> {
    st.take_rate_token()
        .map_err(|wait| rate_limited(st, wait))?;
    let path = match era {
        Era::Ga => "/v1/extract",
        Era::Beta => "/v1beta/extract",
    };
    let v = checked_body(path, body)?;
    let urls: Vec<String> = v["urls"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|u| u.as_str().unwrap_or_default().to_owned())
        .collect();
    if urls.len() > MAX_URLS {
        return Err(invalid(
            &["body", "urls"],
            format!(
                "{} URLs given; at most {MAX_URLS} are allowed per call",
                urls.len()
            ),
        ));
    }
    let mut warnings = Vec::new();
    let wanted = match era {
        Era::Ga => {
            let settings = &v["advanced_settings"];
            check_fetch_policy(
                &settings["fetch_policy"],
                &["body", "advanced_settings", "fetch_policy"],
            )?;
            let per = count(
                &settings["excerpt_settings"]["max_chars_per_result"],
                &[
                    "body",
                    "advanced_settings",
                    "excerpt_settings",
                    "max_chars_per_result",
                ],
            )?;
            Wanted {
                excerpts: Some(per.map_or(DEFAULT_EXCERPT_CHARS, |n| {
                    raised("max_chars_per_result", n, &mut warnings)
                })),
                full_content: full_content(
                    &settings["full_content"],
                    &["body", "advanced_settings", "full_content"],
                )?,
                total: count(&v["max_chars_total"], &["body", "max_chars_total"])?,
            }
        }
        Era::Beta => {
            check_fetch_policy(&v["fetch_policy"], &["body", "fetch_policy"])?;
            let (excerpts, total) = match &v["excerpts"] {
                Value::Bool(false) => (None, None),
                Value::Null | Value::Bool(true) => (Some(DEFAULT_EXCERPT_CHARS), None),
                settings => {
                    let per = count(
                        &settings["max_chars_per_result"],
                        &["body", "excerpts", "max_chars_per_result"],
                    )?
                    .map_or(DEFAULT_EXCERPT_CHARS, |n| {
                        raised("excerpts.max_chars_per_result", n, &mut warnings)
                    });
                    let total = count(
                        &settings["max_chars_total"],
                        &["body", "excerpts", "max_chars_total"],
                    )?
                    .map(|n| raised("excerpts.max_chars_total", n, &mut warnings));
                    (Some(per), total)
                }
            };
            Wanted {
                excerpts,
                full_content: full_content(&v["full_content"], &["body", "full_content"])?,
                total,
            }
        }
    };
    let mut focus = web::words_of(v["objective"].as_str().unwrap_or(""));
    for word in strings(&v["search_queries"])
        .iter()
        .flat_map(|q| web::words_of(q))
    {
        if !focus.contains(&word) {
            focus.push(word);
        }
    }
    let mut budget = Budget::new(wanted.total);
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for url in &urls {
        match web::page(st.config.seed, url) {
            Ok(page) => {
                let mut result = json!({
                    "url": page.url,
                    "title": page.title,
                    "publish_date": page.published.format("%Y-%m-%d").to_string(),
                });
                if let Some(per) = wanted.excerpts {
                    let excerpts = page.excerpts(&focus, budget.take(per));
                    budget.spend(&excerpts);
                    result["excerpts"] = json!(excerpts);
                } else if era == Era::Ga {
                    result["excerpts"] = json!([]);
                }
                if let Some(bound) = wanted.full_content {
                    let bound = bound.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
                    result["full_content"] = json!(page.full_content(bound));
                }
                results.push(result);
            }
            Err(why) => errors.push(extract_error(url, &why)),
        }
    }
    let n = st.web_calls.fetch_add(1, Ordering::Relaxed);
    let mut usage = Vec::new();
    if wanted.excerpts.is_some() && !results.is_empty() {
        usage.push(json!({"name": "sku_extract_excerpts", "count": results.len()}));
    }
    if wanted.full_content.is_some() && !results.is_empty() {
        usage.push(json!({"name": "sku_extract_full_content", "count": results.len()}));
    }
    let mut answer = json!({
        "extract_id": call_id(st, "extract_", n),
        "results": results,
        "errors": errors,
        "usage": usage,
    });
    finish(st, &mut answer, &v, era, n, warnings);
    Ok(json_response(StatusCode::OK, answer.to_string()))
}

/// `full_content`: `true`, `false` (the default) or settings with a bound.
fn full_content(v: &Value, loc: &[&str]) -> Result<Option<Option<u64>>, ApiError> {
    match v {
        Value::Null | Value::Bool(false) => Ok(None),
        Value::Bool(true) => Ok(Some(None)),
        settings => Ok(Some(count(
            &settings["max_chars_per_result"],
            &at(loc, "max_chars_per_result"),
        )?)),
    }
}

/// The documented per-URL error shape for a page that could not be read.
fn extract_error(url: &str, why: &Unreachable) -> Value {
    let (kind, status, content) = match why {
        Unreachable::NotAUrl => (
            "invalid_url",
            Value::Null,
            json!(format!("{url:?} is not an http(s) URL")),
        ),
        Unreachable::UnknownHost(host) => (
            "fetch_error",
            Value::Null,
            json!(format!("Could not reach {host}: the host did not answer")),
        ),
        Unreachable::NotFound => ("fetch_error", json!(404), json!("Not Found")),
    };
    json!({"url": url, "error_type": kind, "http_status_code": status, "content": content})
}
