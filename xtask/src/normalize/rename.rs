//! Short operationIds: they become the generated method names.

use serde_json::Value;

use super::visit::operations_mut;

/// Official (FastAPI-generated) operationId → our short name. Our own spec
/// already uses the short names, which pass through unchanged. An in-scope
/// operation that is in neither column fails the run, so a new endpoint in
/// the published document gets a deliberate name instead of an 80-character one.
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
];

/// The short name for `id`, if `id` is an official id or already short.
pub fn short_operation_id(id: &str) -> Option<&'static str> {
    RENAMES
        .iter()
        .find(|(official, short)| *official == id || *short == id)
        .map(|(_, short)| *short)
}

/// Replaces every operationId with its short name; fails on the first
/// operation that has no entry (or no id at all).
pub fn rename_operation_ids(doc: &mut Value) -> Result<(), String> {
    for (path, method, operation) in operations_mut(doc) {
        let id = operation
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("");
        let short = short_operation_id(id).ok_or_else(|| {
            format!(
                "{} {path}: operationId {id:?} has no short name; add it to RENAMES in \
                 xtask/src/normalize/rename.rs (and, if it streams events, to \
                 STREAM_OPERATIONS in crates/parallel-web-api/src/hooks.rs)",
                method.to_uppercase()
            )
        })?;
        operation["operationId"] = Value::String(short.into());
    }
    Ok(())
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
    fn an_unmapped_operation_fails() {
        let mut doc = json!({"paths": {"/v1/tasks/runs/{run_id}/cancel": {"post": {"operationId": "cancel_it"}}}});
        let error = rename_operation_ids(&mut doc).unwrap_err();
        assert!(
            error.contains("POST /v1/tasks/runs/{run_id}/cancel"),
            "{error}"
        );
        assert!(error.contains("cancel_it"), "{error}");
    }
}
