//! The order of a union's alternatives, which decides what an untagged enum
//! decodes to.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::visit::for_each_schema;

const PREFIX: &str = "#/components/schemas/";

/// Moves each `oneOf`/`anyOf` alternative that requires every field an
/// earlier alternative requires, and more, in front of that alternative.
///
/// typify turns a union of `$ref`s into an untagged enum, and serde takes
/// the first variant that decodes; unknown fields are ignored. A monitor's
/// `settings` is `MonitorEventStreamResponseSettings` (requires `query`) or
/// `MonitorSnapshotResponseSettings` (requires `task_run_id` and `query`),
/// in that order: every snapshot monitor's settings would silently decode
/// as event-stream settings and lose `task_run_id`. With the stricter
/// alternative first, each decodes as itself. Unions whose alternatives'
/// required fields are not nested are left in their order.
pub fn most_specific_first(doc: &mut Value) {
    let required = required_fields(doc);
    for_each_schema(doc, &mut |schema, _| {
        for keyword in ["oneOf", "anyOf"] {
            if let Some(alternatives) = schema.get_mut(keyword).and_then(Value::as_array_mut) {
                reorder(alternatives, &required);
            }
        }
    });
}

/// Each component's `required` names.
fn required_fields(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, schema)| {
            let names = schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            (name.clone(), names)
        })
        .collect()
}

/// The required names of a `$ref` alternative; `None` for anything else.
fn required_of<'a>(
    alternative: &Value,
    required: &'a BTreeMap<String, BTreeSet<String>>,
) -> Option<&'a BTreeSet<String>> {
    let name = alternative.get("$ref")?.as_str()?.strip_prefix(PREFIX)?;
    required.get(name)
}

/// Moves a later alternative in front of the first earlier one whose
/// required names it strictly contains, until none is left. Each move puts
/// a strictly larger set earlier, so this ends.
fn reorder(alternatives: &mut Vec<Value>, required: &BTreeMap<String, BTreeSet<String>>) {
    loop {
        let found = (0..alternatives.len()).find_map(|later| {
            let later_set = required_of(&alternatives[later], required)?;
            (0..later)
                .find(|&earlier| {
                    required_of(&alternatives[earlier], required).is_some_and(|earlier_set| {
                        later_set.is_superset(earlier_set) && later_set.len() > earlier_set.len()
                    })
                })
                .map(|earlier| (earlier, later))
        });
        let Some((earlier, later)) = found else {
            return;
        };
        let moved = alternatives.remove(later);
        alternatives.insert(earlier, moved);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(union: Value) -> Value {
        json!({
            "components": {"schemas": {
                "Loose": {"type": "object", "required": ["query"]},
                "Strict": {"type": "object", "required": ["query", "task_run_id"]},
                "Other": {"type": "object", "required": ["url"]},
                "Holder": {"type": "object", "properties": {"settings": union}}
            }}
        })
    }

    fn refs(doc: &Value, keyword: &str) -> Vec<String> {
        doc["components"]["schemas"]["Holder"]["properties"]["settings"][keyword]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                a["$ref"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches(PREFIX)
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn an_alternative_that_requires_more_goes_before_the_one_it_contains() {
        let mut doc = doc(json!({"oneOf": [
            {"$ref": "#/components/schemas/Other"},
            {"$ref": "#/components/schemas/Loose"},
            {"$ref": "#/components/schemas/Strict"}
        ]}));
        most_specific_first(&mut doc);
        assert_eq!(refs(&doc, "oneOf"), ["Other", "Strict", "Loose"]);
    }

    #[test]
    fn unrelated_alternatives_keep_their_order() {
        let mut doc = doc(json!({"anyOf": [
            {"$ref": "#/components/schemas/Other"},
            {"$ref": "#/components/schemas/Loose"}
        ]}));
        let before = doc.clone();
        most_specific_first(&mut doc);
        assert_eq!(doc, before);
    }

    #[test]
    fn an_already_specific_first_union_is_left_alone() {
        let mut doc = doc(json!({"oneOf": [
            {"$ref": "#/components/schemas/Strict"},
            {"$ref": "#/components/schemas/Loose"}
        ]}));
        let before = doc.clone();
        most_specific_first(&mut doc);
        assert_eq!(doc, before);
    }
}
