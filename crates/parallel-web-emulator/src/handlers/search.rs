//! Search (`POST /v1/search`, and the beta-era `POST /v1beta/search`) over
//! the synthetic web ([`crate::web`]), and the request checks it shares
//! with [`super::extract`].
//!
//! Each body is checked against the contract first, then against the limits
//! the API documents in prose (at least one query; 200 domain entries; a
//! fetch `max_age_seconds` of at least 600), each refused with a 422 in the
//! `ErrorResponse` shape. Search and extract calls count against the same
//! rate limit as run creation.

use super::body::JsonBody;
use super::{rate_limited, to_completion};
use crate::error::{ApiError, json_response};
use crate::state::AppState;
use crate::validate;
use crate::web::{self, MIN_EXCERPT_CHARS, SourcePolicy};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The documented bound on `include_domains` and `exclude_domains` together.
pub const MAX_POLICY_DOMAINS: usize = 200;

/// The smallest documented `fetch_policy.max_age_seconds`.
pub const MIN_MAX_AGE_SECONDS: i64 = 600;

/// Results per search when `max_results` is not given (documented).
pub const DEFAULT_MAX_RESULTS: u64 = 10;

/// `POST /v1/search`.
pub async fn search(
    State(st): State<Arc<AppState>>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body.map_err(ApiError::into_error_response)?;
    to_completion(async move { answer_search(&st, &body, Era::Ga) }).await
}

/// `POST /v1beta/search`.
pub async fn beta_search(
    State(st): State<Arc<AppState>>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body.map_err(ApiError::into_error_response)?;
    to_completion(async move { answer_search(&st, &body, Era::Beta) }).await
}

/// Which request shape a call uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// `/v1`: settings under `advanced_settings`, a session id in the answer.
    Ga,
    /// `/v1beta`: settings at the top level, no session id in the answer.
    Beta,
}

fn answer_search(st: &AppState, body: &[u8], era: Era) -> Result<Response, ApiError> {
    st.take_rate_token()
        .map_err(|wait| rate_limited(st, wait))?;
    let path = match era {
        Era::Ga => "/v1/search",
        Era::Beta => "/v1beta/search",
    };
    let v = checked_body(path, body)?;
    let objective = v["objective"].as_str().unwrap_or("");
    let queries = strings(&v["search_queries"]);
    match era {
        Era::Ga if queries.is_empty() => {
            return Err(invalid(
                &["body", "search_queries"],
                "At least one search query is required",
            ));
        }
        Era::Beta if objective.trim().is_empty() && queries.is_empty() => {
            return Err(invalid(
                &["body"],
                "Give an objective, search queries, or both",
            ));
        }
        _ => {}
    }
    // Where each setting sits in this era's shape.
    let (settings, settings_loc): (&Value, &[&str]) = match era {
        Era::Ga => (&v["advanced_settings"], &["body", "advanced_settings"]),
        Era::Beta => (&v, &["body"]),
    };
    let policy = source_policy(
        &settings["source_policy"],
        &at(settings_loc, "source_policy"),
    )?;
    check_fetch_policy(&settings["fetch_policy"], &at(settings_loc, "fetch_policy"))?;
    let max_results = count(&settings["max_results"], &at(settings_loc, "max_results"))?
        .unwrap_or(DEFAULT_MAX_RESULTS);
    let mut warnings = Vec::new();
    let (per_result, total) = match era {
        Era::Ga => (
            count(
                &v["advanced_settings"]["excerpt_settings"]["max_chars_per_result"],
                &[
                    "body",
                    "advanced_settings",
                    "excerpt_settings",
                    "max_chars_per_result",
                ],
            )?,
            count(&v["max_chars_total"], &["body", "max_chars_total"])?,
        ),
        Era::Beta => {
            let per = count(
                &v["excerpts"]["max_chars_per_result"],
                &["body", "excerpts", "max_chars_per_result"],
            )?
            .or(count(
                &v["max_chars_per_result"],
                &["body", "max_chars_per_result"],
            )?);
            let total = count(
                &v["excerpts"]["max_chars_total"],
                &["body", "excerpts", "max_chars_total"],
            )?
            .map(|t| raised("excerpts.max_chars_total", t, &mut warnings));
            (per, total)
        }
    };
    let per_result = per_result
        .map(|n| raised("max_chars_per_result", n, &mut warnings))
        .unwrap_or_else(|| default_excerpt_chars(v["mode"].as_str()));
    let mut words = web::words_of(objective);
    for word in queries.iter().flat_map(|q| web::words_of(q)) {
        if !words.contains(&word) {
            words.push(word);
        }
    }
    let pages = web::search(
        st.config.seed,
        &words,
        usize::try_from(max_results).unwrap_or(usize::MAX),
        &policy,
    );
    let mut budget = Budget::new(total);
    let results: Vec<Value> = pages
        .iter()
        .map(|page| {
            let excerpts = page.excerpts(&words, budget.take(per_result));
            budget.spend(&excerpts);
            json!({
                "url": page.url,
                "title": page.title,
                "publish_date": page.published.format("%Y-%m-%d").to_string(),
                "excerpts": excerpts,
            })
        })
        .collect();
    let n = st.web_calls.fetch_add(1, Ordering::Relaxed);
    let mut usage = vec![json!({"name": "sku_search", "count": 1})];
    if results.len() > DEFAULT_MAX_RESULTS as usize {
        usage.push(json!({
            "name": "sku_search_additional_results",
            "count": results.len() - DEFAULT_MAX_RESULTS as usize
        }));
    }
    let mut answer = json!({
        "search_id": call_id(st, "search_", n),
        "results": results,
        "usage": usage,
    });
    finish(st, &mut answer, &v, era, n, warnings);
    Ok(json_response(StatusCode::OK, answer.to_string()))
}

/// Adds the warnings and (in the GA shape) the session id to an answer.
pub fn finish(
    st: &AppState,
    answer: &mut Value,
    request: &Value,
    era: Era,
    n: u64,
    warnings: Vec<Value>,
) {
    if !warnings.is_empty() {
        answer["warnings"] = Value::Array(warnings);
    }
    if era == Era::Ga {
        answer["session_id"] = match request["session_id"].as_str() {
            Some(session) => Value::String(session.to_owned()),
            None => Value::String(call_id(st, "session_", n)),
        };
    }
}

/// Default excerpt length per result for a mode: the thorough presets get more.
fn default_excerpt_chars(mode: Option<&str>) -> u64 {
    match mode {
        Some("one-shot") | None => 3000,
        Some("advanced") => 2000,
        _ => MIN_EXCERPT_CHARS as u64,
    }
}

/// Raises a character bound under [`MIN_EXCERPT_CHARS`] to it, as
/// documented, and says so in a warning.
pub fn raised(field: &str, n: u64, warnings: &mut Vec<Value>) -> u64 {
    let min = MIN_EXCERPT_CHARS as u64;
    if n >= min {
        return n;
    }
    warnings.push(json!({
        "type": "input_validation_warning",
        "message": format!("{field} of {n} is below the minimum and was raised to {min}"),
    }));
    min
}

/// A character budget over all results (`max_chars_total`).
#[derive(Debug)]
pub struct Budget(Option<u64>);

impl Budget {
    /// A budget of `total` characters, or none.
    pub fn new(total: Option<u64>) -> Self {
        Budget(total)
    }

    /// How many characters the next result may use, at most `wanted`.
    pub fn take(&self, wanted: u64) -> usize {
        let n = self.0.map_or(wanted, |left| left.min(wanted));
        usize::try_from(n).unwrap_or(usize::MAX)
    }

    /// Counts `excerpts` as used.
    pub fn spend(&mut self, excerpts: &[String]) {
        if let Some(left) = &mut self.0 {
            let used: usize = excerpts.iter().map(|e| e.chars().count()).sum();
            *left = left.saturating_sub(used as u64);
        }
    }
}

/// The body as JSON, once it parses and passes the contract for `path`.
pub fn checked_body(path: &str, body: &[u8]) -> Result<Value, ApiError> {
    validate::parse_json::<&RawValue>(body)
        .map_err(|e| ApiError::Validation(e).into_error_response())?;
    validate::check_contract(path, "post", body)
        .map_err(|e| ApiError::Validation(e).into_error_response())?;
    serde_json::from_slice(body).map_err(|e| {
        ApiError::validation(
            &[json!("body")],
            format!("JSON decode error: {e}"),
            "json_invalid",
        )
        .into_error_response()
    })
}

/// A 422 in the `ErrorResponse` shape for a documented limit at `loc`.
pub fn invalid(loc: &[&str], msg: impl Into<String>) -> ApiError {
    let loc: Vec<Value> = loc.iter().map(|s| json!(s)).collect();
    ApiError::validation(&loc, msg, "value_error").into_error_response()
}

/// `loc` with `field` appended.
pub fn at<'a>(loc: &[&'a str], field: &'a str) -> Vec<&'a str> {
    let mut out = loc.to_vec();
    out.push(field);
    out
}

/// The strings of an array (anything else is none).
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// An optional count that must not be negative.
pub fn count(v: &Value, loc: &[&str]) -> Result<Option<u64>, ApiError> {
    match v {
        Value::Null => Ok(None),
        other => other
            .as_u64()
            .map(Some)
            .ok_or_else(|| invalid(loc, "Input should be greater than or equal to 0")),
    }
}

/// The source policy at `v`, within the documented 200 domain entries.
fn source_policy(v: &Value, loc: &[&str]) -> Result<SourcePolicy, ApiError> {
    let include = strings(&v["include_domains"]);
    let exclude = strings(&v["exclude_domains"]);
    if include.len() + exclude.len() > MAX_POLICY_DOMAINS {
        return Err(invalid(
            loc,
            format!(
                "include_domains and exclude_domains together hold {} entries; at most \
                 {MAX_POLICY_DOMAINS} are allowed",
                include.len() + exclude.len()
            ),
        ));
    }
    let after = v["after_date"]
        .as_str()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    Ok(SourcePolicy {
        include,
        exclude,
        after,
    })
}

/// Refuses a `max_age_seconds` under the documented minimum.
pub fn check_fetch_policy(v: &Value, loc: &[&str]) -> Result<(), ApiError> {
    if let Some(age) = v["max_age_seconds"].as_i64()
        && age < MIN_MAX_AGE_SECONDS
    {
        return Err(invalid(
            &at(loc, "max_age_seconds"),
            format!("max_age_seconds is {age}; the minimum is {MIN_MAX_AGE_SECONDS} (ten minutes)"),
        ));
    }
    Ok(())
}

/// A `prefix` + 32 hex digit id for the `n`th search or extract call,
/// the same under the same seed.
pub fn call_id(st: &AppState, prefix: &str, n: u64) -> String {
    let salt = crate::ids::hash_bytes(0, prefix.as_bytes());
    let seed = st.config.seed;
    format!(
        "{prefix}{:016x}{:016x}",
        crate::ids::hash(seed, &[n, salt, 1]),
        crate::ids::hash(seed, &[n, salt, 2])
    )
}
