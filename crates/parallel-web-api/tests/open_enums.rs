//! The handwritten open enums know every value the spec lists, so a value
//! added to the spec cannot silently land in `Other` until someone notices.

use parallel_web_api::open::{TaskRunProgressMessageEventType, TaskRunStatus, WarningType};
use serde_json::Value;

/// The `enum` values of component `name` in the committed normalised spec.
fn spec_values(name: &str) -> Vec<String> {
    let spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/openapi-3.0.json"
    );
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(spec).unwrap()).unwrap();
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
