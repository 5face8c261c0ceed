//! Which parts of the published API this project covers.

use serde_json::Value;

/// Path prefixes of the in-scope operations: the Task Group API (GA and beta),
/// the Task Run API, FindAll, Monitors (GA) and Memory, plus the paths in
/// [`IN_SCOPE_PATHS`] (search, extract and chat completions). The alpha-era
/// `/v1alpha/monitors` of the legacy document is left out: `/v1/monitors`
/// supersedes it (see `NOT_COVERED` in `xtask/src/parity.rs`).
const IN_SCOPE_PREFIXES: &[&str] = &[
    "/v1/tasks/groups",
    "/v1beta/tasks/groups",
    "/v1/tasks/runs",
    "/v1beta/findall",
    "/v1/monitors",
    "/v1beta/memory",
];

/// Single in-scope paths outside those prefixes.
const IN_SCOPE_PATHS: &[&str] = &[
    "/v1beta/tasks/runs/{run_id}/events",
    "/v1/search",
    "/v1/extract",
    "/v1beta/search",
    "/v1beta/extract",
    "/v1beta/chat/completions",
];

/// True when `path` belongs to the API this project wraps.
pub fn is_in_scope(path: &str) -> bool {
    IN_SCOPE_PATHS.contains(&path)
        || IN_SCOPE_PREFIXES
            .iter()
            .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")))
}

/// Removes every path that is not in scope, and the top-level 3.1 extras
/// (`webhooks`) that 3.0 does not have.
pub fn keep_in_scope_paths(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        paths.retain(|path, _| is_in_scope(path));
    }
    if let Some(object) = doc.as_object_mut() {
        object.remove("webhooks");
        object.remove("jsonSchemaDialect");
    }
}

/// Sets the document version to 3.0.3, the dialect every other rewrite targets.
pub fn set_openapi_version(doc: &mut Value) {
    doc["openapi"] = Value::String("3.0.3".into());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_paths_of_the_apis_we_wrap_are_kept() {
        let mut doc = json!({"paths": {
            "/v1/tasks/groups": {}, "/v1beta/tasks/groups/{id}/runs": {}, "/v1/tasks/runs/{id}/result": {},
            "/v1beta/tasks/runs/{run_id}/events": {}, "/v1beta/search": {}, "/v1/tasks/runsx": {},
            "/v1beta/findall/runs": {}, "/v1/search/extra": {}, "/v1beta/chat/completions": {},
            "/v1/monitors/{monitor_id}/events": {}, "/v1alpha/monitors": {}, "/v1beta/memory/clear": {},
            "/v1beta/findallx": {}
        }, "webhooks": {}});
        keep_in_scope_paths(&mut doc);
        let kept: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
        assert_eq!(
            kept,
            [
                "/v1/tasks/groups",
                "/v1beta/tasks/groups/{id}/runs",
                "/v1/tasks/runs/{id}/result",
                "/v1beta/tasks/runs/{run_id}/events",
                "/v1beta/search",
                "/v1beta/findall/runs",
                "/v1beta/chat/completions",
                "/v1/monitors/{monitor_id}/events",
                "/v1beta/memory/clear"
            ]
        );
        assert!(doc.get("webhooks").is_none());
    }

    #[test]
    fn version_becomes_3_0_3() {
        let mut doc = json!({"openapi": "3.1.0"});
        set_openapi_version(&mut doc);
        assert_eq!(doc, json!({"openapi": "3.0.3"}));
    }
}
