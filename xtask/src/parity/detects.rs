//! Proof that `spec-parity` fails on every kind of difference it claims to
//! see: each test changes one fact in a copy of our spec and compares it
//! with the original, which must yield exactly that difference, not allowed.

use serde_json::{Value, json};

use super::{Difference, allowed_because, compare, facts};

fn our_spec() -> Value {
    let path = crate::workspace_root().join("openapi/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The differences between our spec and a copy changed by `mutate`, after
/// the allow-list; each must be reported and none may be allowed.
fn unexpected_differences(mutate: impl FnOnce(&mut Value)) -> Vec<Difference> {
    let ours = our_spec();
    let mut reference = ours.clone();
    mutate(&mut reference);
    let differences = compare(&facts::collect(ours), &facts::collect(reference));
    assert!(!differences.is_empty(), "the change went unnoticed");
    for difference in &differences {
        assert_eq!(
            allowed_because(difference),
            None,
            "{difference} must not be allowed"
        );
    }
    differences
}

/// The one key that differs, with both values.
fn single_change(differences: &[Difference]) -> (&str, &str, &str) {
    match differences {
        [
            Difference::Differs {
                key,
                ours,
                reference,
            },
        ] => (key, ours, reference),
        other => panic!("expected one changed fact, got {other:?}"),
    }
}

const RUNS_STREAM: &str = "/v1/tasks/groups/{taskgroup_id}/runs";

fn parameter<'a>(doc: &'a mut Value, path: &str, name: &str) -> &'a mut Value {
    doc["paths"][path]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["name"] == name)
        .unwrap()
}

fn field<'a>(doc: &'a mut Value, schema: &str, name: &str) -> &'a mut Value {
    &mut doc["components"]["schemas"][schema]["properties"][name]
}

#[test]
fn a_parameter_required_flag_is_a_failure() {
    let differences = unexpected_differences(|doc| {
        parameter(doc, RUNS_STREAM, "include_input")["required"] = json!(true);
    });
    let (key, ours, reference) = single_change(&differences);
    assert_eq!(
        key,
        format!("GET {RUNS_STREAM} parameter query include_input")
    );
    assert!(ours.starts_with("required=false"), "{ours}");
    assert!(reference.starts_with("required=true"), "{reference}");
}

#[test]
fn a_parameter_type_is_a_failure() {
    let differences = unexpected_differences(|doc| {
        parameter(doc, "/v1/tasks/groups/{taskgroup_id}/events", "timeout")["schema"] =
            json!({"anyOf": [{"type": "integer"}, {"type": "null"}]});
    });
    let (key, _, reference) = single_change(&differences);
    assert_eq!(
        key,
        "GET /v1/tasks/groups/{taskgroup_id}/events parameter query timeout"
    );
    assert!(reference.contains("type=anyOf(integer)"), "{reference}");
}

#[test]
fn a_parameter_location_is_a_failure() {
    let differences = unexpected_differences(|doc| {
        parameter(doc, RUNS_STREAM, "last_event_id")["in"] = json!("header");
    });
    let keys: Vec<&str> = differences.iter().map(Difference::key).collect();
    assert_eq!(
        keys,
        [
            format!("GET {RUNS_STREAM} parameter header last_event_id"),
            format!("GET {RUNS_STREAM} parameter query last_event_id"),
        ]
    );
}

#[test]
fn a_missing_parameter_is_a_failure() {
    let differences = unexpected_differences(|doc| {
        doc["paths"][RUNS_STREAM]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "limit", "in": "query", "schema": {"type": "integer"}}));
    });
    assert!(
        matches!(&differences[..], [Difference::MissingInOurs { key, .. }]
            if *key == format!("GET {RUNS_STREAM} parameter query limit")),
        "{differences:?}"
    );
}

#[test]
fn a_field_type_is_a_failure() {
    let differences = unexpected_differences(|doc| {
        field(doc, "TaskGroupStatus", "num_task_runs")["type"] = json!("string");
    });
    let (key, ours, reference) = single_change(&differences);
    assert_eq!(key, "schema TaskGroupStatus.num_task_runs");
    assert!(ours.contains("type=integer"), "{ours}");
    assert!(reference.contains("type=string"), "{reference}");
}

#[test]
fn a_field_required_flag_is_a_failure() {
    let differences = unexpected_differences(|doc| {
        let required = doc["components"]["schemas"]["TaskRun"]["required"]
            .as_array_mut()
            .unwrap();
        required.retain(|name| name != "processor");
    });
    let (key, ours, reference) = single_change(&differences);
    assert_eq!(key, "schema TaskRun.processor");
    assert!(ours.starts_with("required=true"), "{ours}");
    assert!(reference.starts_with("required=false"), "{reference}");
}

#[test]
fn a_field_nullable_flag_is_a_failure() {
    let differences = unexpected_differences(|doc| {
        *field(doc, "TaskGroupStatus", "status_message") = json!({"type": "string"});
    });
    let (key, ours, reference) = single_change(&differences);
    assert_eq!(key, "schema TaskGroupStatus.status_message");
    assert!(ours.contains("nullable=true"), "{ours}");
    assert!(reference.contains("nullable=false"), "{reference}");
}

#[test]
fn an_enum_value_is_a_failure() {
    let differences = unexpected_differences(|doc| {
        field(doc, "TaskRun", "status")["enum"]
            .as_array_mut()
            .unwrap()
            .push(json!("paused"));
    });
    let (key, _, reference) = single_change(&differences);
    assert_eq!(key, "schema TaskRun.status");
    assert!(reference.contains(r#""cancelled","paused""#), "{reference}");
}

#[test]
fn a_default_is_a_failure() {
    let differences = unexpected_differences(|doc| {
        field(doc, "FieldBasis", "citations")["default"] = json!(null);
    });
    let (key, ours, reference) = single_change(&differences);
    assert_eq!(key, "schema FieldBasis.citations");
    assert!(ours.ends_with("default=[]"), "{ours}");
    assert!(reference.ends_with("default=null"), "{reference}");
}

#[test]
fn a_missing_field_is_a_failure() {
    let differences = unexpected_differences(|doc| {
        let properties = doc["components"]["schemas"]["TaskRun"]["properties"]
            .as_object_mut()
            .unwrap();
        let mut moved = properties.remove("interaction_id").unwrap();
        moved["description"] = json!("prose is not a fact");
        properties.insert("session_id".into(), moved);
    });
    let keys: Vec<(&str, bool)> = differences
        .iter()
        .map(|d| (d.key(), matches!(d, Difference::MissingInOurs { .. })))
        .collect();
    assert_eq!(
        keys,
        [
            ("schema TaskRun.interaction_id", false),
            ("schema TaskRun.session_id", true),
        ]
    );
}

#[test]
fn a_missing_operation_is_a_failure() {
    let differences = unexpected_differences(|doc| {
        doc["paths"]["/v1/tasks/runs/{run_id}/input"]["delete"] =
            doc["paths"]["/v1/tasks/runs/{run_id}/input"]["get"].clone();
    });
    assert!(
        differences
            .iter()
            .all(|d| matches!(d, Difference::MissingInOurs { key, .. }
            if key.starts_with("DELETE /v1/tasks/runs/{run_id}/input"))),
        "{differences:?}"
    );
}

#[test]
fn prose_alone_is_not_a_difference() {
    let ours = our_spec();
    let mut reference = ours.clone();
    field(&mut reference, "TaskRun", "status")["description"] = json!("other words");
    reference["components"]["schemas"]["TaskRun"]["title"] = json!("Another title");
    assert_eq!(
        compare(&facts::collect(ours), &facts::collect(reference)),
        []
    );
}
