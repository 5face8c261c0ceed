//! The handwritten parts of the crate know everything the committed spec
//! lists: the open enums know every value (so a value added to the spec
//! cannot silently land in `Other` until someone notices), and the hooks know
//! every event-stream operation.
//!
//! These tests read the repository's `openapi/openapi-3.0.json`, so they are
//! left out of the published package (`exclude` in Cargo.toml).

use parallel_web_api::open::{
    FindAllCandidateEventType, FindAllMatchStatus, FindAllStatus, FindAllTerminationReason,
    MonitorStatus, TaskRunProgressMessageEventType, TaskRunStatus, WarningType,
};
use parallel_web_api::{JSON_OR_STREAM_OPERATIONS, STREAM_OPERATIONS};
use serde_json::Value;

/// The committed normalised spec.
fn spec() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/openapi-3.0.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The `enum` values of component `name` in the committed normalised spec.
fn spec_values(name: &str) -> Vec<String> {
    let spec = spec();
    let values = spec["components"]["schemas"][name]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} has no enum in the spec"));
    values
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// Asserts that each spec value of `name` decodes to a known variant that
/// prints back as the same wire name.
fn assert_all_known<T>(name: &str, is_other: impl Fn(&T) -> bool)
where
    T: for<'a> From<&'a str> + std::fmt::Display,
{
    let values = spec_values(name);
    assert!(!values.is_empty(), "{name} lists no values");
    for value in values {
        let parsed = T::from(value.as_str());
        assert!(
            !is_other(&parsed),
            "{name}: the spec lists {value:?}, which src/open.rs does not know"
        );
        assert_eq!(parsed.to_string(), value);
    }
}

#[test]
fn every_run_status_in_the_spec_is_a_known_variant() {
    assert_all_known::<TaskRunStatus>("TaskRunStatus", |v| matches!(v, TaskRunStatus::Other(_)));
}

#[test]
fn every_warning_type_in_the_spec_is_a_known_variant() {
    assert_all_known::<WarningType>("WarningType", |v| matches!(v, WarningType::Other(_)));
}

#[test]
fn every_progress_message_kind_in_the_spec_is_a_known_variant() {
    assert_all_known::<TaskRunProgressMessageEventType>("TaskRunProgressMessageEventType", |v| {
        matches!(v, TaskRunProgressMessageEventType::Other(_))
    });
}

#[test]
fn every_findall_and_monitor_value_in_the_spec_is_a_known_variant() {
    assert_all_known::<FindAllStatus>("FindAllStatus", |v| matches!(v, FindAllStatus::Other(_)));
    assert_all_known::<FindAllTerminationReason>("FindAllTerminationReason", |v| {
        matches!(v, FindAllTerminationReason::Other(_))
    });
    assert_all_known::<FindAllMatchStatus>("FindAllMatchStatus", |v| {
        matches!(v, FindAllMatchStatus::Other(_))
    });
    assert_all_known::<FindAllCandidateEventType>("FindAllCandidateEventType", |v| {
        matches!(v, FindAllCandidateEventType::Other(_))
    });
    assert_all_known::<MonitorStatus>("MonitorStatus", |v| matches!(v, MonitorStatus::Other(_)));
}

/// The operationIds whose success response is `text/event-stream` in the
/// committed normalised spec, sorted.
fn event_stream_operations_in_the_spec() -> Vec<String> {
    let spec = spec();
    let mut found: Vec<String> = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter(|operation| {
            operation["responses"]["200"]["content"]
                .get("text/event-stream")
                .is_some()
        })
        .map(|operation| operation["operationId"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    found
}

#[test]
fn the_hooks_know_every_event_stream_operation_of_the_spec() {
    // A new stream operation in the spec must be added to STREAM_OPERATIONS,
    // or its requests would go out without `Accept: text/event-stream`.
    // One that answers JSON too (chat) must be in JSON_OR_STREAM_OPERATIONS,
    // with the handwritten call that asks for its stream.
    let mut known: Vec<&str> = STREAM_OPERATIONS.to_vec();
    known.extend(JSON_OR_STREAM_OPERATIONS.iter().map(|(op, _)| *op));
    known.sort();
    assert_eq!(event_stream_operations_in_the_spec(), known);
}
