//! Short operationIds: they become the generated method names.

use serde_json::Value;

use super::visit::operations_mut;

/// Official (FastAPI-generated) operationId → our short name. Our own spec
/// already uses the short names, which pass through unchanged. An in-scope
/// operation that is in neither column gets a name derived from its method
/// and path ([`derived_name`]), with a warning to give it a deliberate one
/// here: a new endpoint never stops the build, and never gets an
/// 80-character method name either.
const RENAMES: &[(&str, &str)] = &[
    (
        "tasks_taskgroups_post_v1_tasks_groups_post",
        "task_group_create",
    ),
    (
        "tasks_taskgroups_get_v1_tasks_groups__taskgroup_id__get",
        "task_group_retrieve",
    ),
    (
        "tasks_taskgroups_runs_post_v1_tasks_groups__taskgroup_id__runs_post",
        "task_group_add_runs",
    ),
    (
        "tasks_taskgroups_runs_get_v1_tasks_groups__taskgroup_id__runs_get",
        "task_group_get_runs",
    ),
    (
        "tasks_sessions_events_get_v1_tasks_groups__taskgroup_id__events_get",
        "task_group_events",
    ),
    (
        "tasks_taskgroups_runs_id_get_v1_tasks_groups__taskgroup_id__runs__run_id__get",
        "task_group_retrieve_run",
    ),
    (
        "tasks_taskgroups_post_v1beta_tasks_groups_post",
        "beta_task_group_create",
    ),
    (
        "tasks_taskgroups_get_v1beta_tasks_groups__taskgroup_id__get",
        "beta_task_group_retrieve",
    ),
    (
        "tasks_taskgroups_runs_post_v1beta_tasks_groups__taskgroup_id__runs_post",
        "beta_task_group_add_runs",
    ),
    (
        "tasks_taskgroups_runs_get_v1beta_tasks_groups__taskgroup_id__runs_get",
        "beta_task_group_get_runs",
    ),
    (
        "tasks_sessions_events_get_v1beta_tasks_groups__taskgroup_id__events_get",
        "beta_task_group_events",
    ),
    (
        "tasks_taskgroups_runs_id_get_v1beta_tasks_groups__taskgroup_id__runs__run_id__get",
        "beta_task_group_retrieve_run",
    ),
    ("tasks_runs_post_v1_tasks_runs_post", "task_run_create"),
    (
        "tasks_runs_get_v1_tasks_runs__run_id__get",
        "task_run_retrieve",
    ),
    (
        "tasks_runs_input_get_v1_tasks_runs__run_id__input_get",
        "task_run_input",
    ),
    (
        "tasks_runs_result_get_v1_tasks_runs__run_id__result_get",
        "task_run_result",
    ),
    (
        "tasks_runs_events_get_v1_tasks_runs__run_id__events_get",
        "task_run_events",
    ),
    (
        "tasks_runs_events_get_v1beta_tasks_runs__run_id__events_get",
        "beta_task_run_events",
    ),
    ("v1_search_v1_search_post", "search"),
    ("extract_v1_extract_post", "extract"),
    ("web_search_v1beta_search_post", "beta_search"),
    ("beta_extract_v1beta_extract_post", "beta_extract"),
    // Chat exists only under /v1beta, and the SDK calls it `client.chat()`:
    // no `beta_` prefix, which would only say where it lives today.
    (
        "chat_completions_v1beta_chat_completions_post",
        "chat_completions",
    ),
    // FindAll lives under /v1beta only; as for chat, no `beta_` prefix.
    (
        "findall_candidates_v1beta_findall_candidates_post",
        "findall_candidates",
    ),
    (
        "ingest_findall_run_v1beta_findall_ingest_post",
        "findall_ingest",
    ),
    ("findall_runs_v1_v1beta_findall_runs_post", "findall_create"),
    (
        "findall_runs_v1_get_v1beta_findall_runs__findall_id__get",
        "findall_retrieve",
    ),
    (
        "cancel_findall_run_v1beta_findall_runs__findall_id__cancel_post",
        "findall_cancel",
    ),
    (
        "enrich_findall_run_v1beta_findall_runs__findall_id__enrich_post",
        "findall_enrich",
    ),
    (
        "get_findall_events_v1beta_findall_runs__findall_id__events_get",
        "findall_events",
    ),
    (
        "extend_findall_run_v1beta_findall_runs__findall_id__extend_post",
        "findall_extend",
    ),
    (
        "get_findall_result_v1beta_findall_runs__findall_id__result_get",
        "findall_result",
    ),
    (
        "get_findall_schema_v1beta_findall_runs__findall_id__schema_get",
        "findall_schema",
    ),
    ("create_monitor_v1_monitors_post", "monitor_create"),
    ("list_monitors_v1_monitors_get", "monitor_list"),
    (
        "retrieve_monitor_v1_monitors__monitor_id__get",
        "monitor_retrieve",
    ),
    (
        "cancel_monitor_v1_monitors__monitor_id__cancel_post",
        "monitor_cancel",
    ),
    (
        "list_monitor_events_v1_monitors__monitor_id__events_get",
        "monitor_events",
    ),
    (
        "trigger_monitor_run_v1_monitors__monitor_id__trigger_post",
        "monitor_trigger",
    ),
    (
        "update_monitor_v1_monitors__monitor_id__update_post",
        "monitor_update",
    ),
    // In the newest official SDK only (no published document lists them):
    // our own names, which pass through.
    ("findall_entity_search", "findall_entity_search"),
    ("memory_retrieve", "memory_retrieve"),
    ("memory_clear", "memory_clear"),
    ("memory_evict", "memory_evict"),
];

/// The short name for `id`, if `id` is an official id or already short.
pub fn short_operation_id(id: &str) -> Option<&'static str> {
    RENAMES
        .iter()
        .find(|(official, short)| *official == id || *short == id)
        .map(|(_, short)| *short)
}

/// Replaces every operationId with its short name. An operation without
/// one gets [`derived_name`] and a warning on stderr; two operations ending
/// with the same name fail the run, naming both.
pub fn rename_operation_ids(doc: &mut Value) -> Result<(), String> {
    let mut taken: Vec<(String, String)> = Vec::new();
    for (path, method, operation) in operations_mut(doc) {
        let id = operation
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let at = format!("{} {path}", method.to_uppercase());
        if !operation.is_object() {
            return Err(format!(
                "{at}: the operation is {}, not an object",
                if operation.is_string() {
                    "a string"
                } else {
                    "not a JSON object"
                }
            ));
        }
        let short = match short_operation_id(&id) {
            Some(short) => short.to_owned(),
            None => {
                let derived = derived_name(method, path);
                eprintln!(
                    "warning: {at}: operationId {id:?} has no short name; using the derived \
                     `{derived}`. Give it a deliberate one in RENAMES \
                     (xtask/src/normalize/rename.rs), and if it streams events, add it to \
                     STREAM_OPERATIONS (crates/parallel-web-api/src/hooks.rs)"
                );
                derived
            }
        };
        if let Some((other, _)) = taken.iter().find(|(_, name)| *name == short) {
            return Err(format!(
                "{at} and {other} would both be named `{short}`: give one of them a short                  name in RENAMES (xtask/src/normalize/rename.rs)"
            ));
        }
        taken.push((at, short.clone()));
        operation["operationId"] = Value::String(short);
    }
    Ok(())
}

/// A method name for an operation nobody named: the method and the path's
/// fixed segments after the version, `beta_` first for `/v1beta`
/// (`POST /v1/tasks/runs/{run_id}/cancel` → `post_tasks_runs_cancel`).
pub fn derived_name(method: &str, path: &str) -> String {
    let mut segments = path.split('/').filter(|s| !s.is_empty()).peekable();
    let beta = match segments.peek() {
        Some(&"v1beta") => {
            segments.next();
            true
        }
        Some(v) if v.starts_with('v') && v[1..].chars().all(|c| c.is_ascii_digit()) => {
            segments.next();
            false
        }
        _ => false,
    };
    let mut name = String::new();
    if beta {
        name.push_str("beta_");
    }
    name.push_str(&method.to_ascii_lowercase());
    for segment in segments.filter(|s| !s.starts_with('{')) {
        name.push('_');
        name.extend(segment.chars().map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        }));
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn official_ids_are_renamed_and_short_ids_pass_through() {
        let mut doc = json!({"paths": {
            "/v1/tasks/runs": {"post": {"operationId": "tasks_runs_post_v1_tasks_runs_post"}},
            "/v1/tasks/runs/{run_id}": {"get": {"operationId": "task_run_retrieve"}}
        }});
        rename_operation_ids(&mut doc).unwrap();
        assert_eq!(
            doc["paths"]["/v1/tasks/runs"]["post"]["operationId"],
            "task_run_create"
        );
        assert_eq!(
            doc["paths"]["/v1/tasks/runs/{run_id}"]["get"]["operationId"],
            "task_run_retrieve"
        );
    }

    #[test]
    fn an_unmapped_operation_gets_a_derived_name() {
        let mut doc = json!({"paths": {
            "/v1/tasks/runs/{run_id}/cancel": {"post": {"operationId": "tasks_runs_cancel_post_v1_tasks_runs__run_id__cancel_post"}},
            "/v1beta/tasks/runs/{run_id}/input-files": {"get": {}}
        }});
        rename_operation_ids(&mut doc).unwrap();
        assert_eq!(
            doc["paths"]["/v1/tasks/runs/{run_id}/cancel"]["post"]["operationId"],
            "post_tasks_runs_cancel"
        );
        assert_eq!(
            doc["paths"]["/v1beta/tasks/runs/{run_id}/input-files"]["get"]["operationId"],
            "beta_get_tasks_runs_input_files"
        );
    }

    #[test]
    fn an_operation_that_is_not_an_object_is_an_error_not_a_panic() {
        let mut doc = json!({"paths": {"/v1/tasks/runs": {"post": "create it"}}});
        let error = rename_operation_ids(&mut doc).unwrap_err();
        assert!(error.contains("POST /v1/tasks/runs"), "{error}");
    }

    #[test]
    fn two_operations_with_the_same_name_fail_naming_both() {
        let mut doc = json!({"paths": {
            "/v1/tasks/runs": {"post": {"operationId": "task_run_create"}},
            "/v1/tasks/runs/{x}": {"post": {"operationId": "tasks_runs_post_v1_tasks_runs_post"}}
        }});
        let error = rename_operation_ids(&mut doc).unwrap_err();
        assert!(
            error.contains("POST /v1/tasks/runs and POST /v1/tasks/runs/{x}")
                || error.contains("POST /v1/tasks/runs/{x} and POST /v1/tasks/runs"),
            "{error}"
        );
        assert!(error.contains("task_run_create"), "{error}");
    }
}
