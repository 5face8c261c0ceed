//! Turns the project's OpenAPI 3.1 document (or the official one) into the
//! OpenAPI 3.0 document progenitor 0.15.1 can generate a correct client from.
//!
//! Each rewrite is one small function with its own test; [`normalize`] is the
//! only place that decides their order. The reasons for each rewrite are on
//! the functions (and in the project's progenitor notes).

mod component_names;
mod errors;
mod extensions;
mod keywords;
mod lenient;
mod lift;
mod nullable;
mod prune;
mod rename;
mod scope;
mod unions;
pub mod visit;

use serde_json::Value;

pub use extensions::drop_vendor_extensions;
pub use lift::{HANDWRITTEN_TYPES, OPEN_ENUMS};
pub use rename::short_operation_id;
pub use scope::is_in_scope;

use visit::{Position, for_each_schema};

/// Per-node schema rewrites, in the order they run on each node. The type
/// and nullability rewrites come first so the keyword rewrites see the final
/// shape (e.g. `anyOf` → `oneOf` must not touch a nullable `anyOf`).
const SCHEMA_REWRITES: &[fn(&mut Value, Position)] = &[
    nullable::type_array_to_nullable,
    nullable::nullable_union_to_nullable,
    nullable::drop_parameter_nullable,
    keywords::const_to_enum,
    keywords::strip_inline_title,
    keywords::any_of_to_one_of,
    keywords::examples_to_example,
    keywords::drop_property_names,
    keywords::exclusive_bounds_to_bool,
];

/// Most passes of [`SCHEMA_REWRITES`] over one node. Each pass that
/// changes something removes a 3.1 form; none adds one back, so a node
/// settles after a few.
const MAX_REWRITE_ROUNDS: usize = 8;

/// Normalises `doc` (OpenAPI 3.1, FastAPI style) into the 3.0.3 document the
/// generator reads. Fails on anything it cannot translate faithfully.
pub fn normalize(mut doc: Value) -> Result<Value, String> {
    if !doc.is_object() {
        // The rewrites below index into the document, which panics on a
        // non-object; say what is wrong instead.
        let found = match doc {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        };
        return Err(format!(
            "the OpenAPI document is {found}, not a JSON object: check that the file is the spec"
        ));
    }
    scope::keep_in_scope_paths(&mut doc);
    extensions::drop_vendor_extensions(&mut doc);
    rename::rename_operation_ids(&mut doc)?;
    lift::lift_stream_schemas(&mut doc)?;
    lift::lift_open_enums(&mut doc)?;
    lift::lift_handwritten_types(&mut doc)?;
    errors::unify_error_responses(&mut doc);
    lenient::relax_omitted_required(&mut doc);
    prune::prune_components(&mut doc);
    component_names::rename_components(&mut doc)?;
    for_each_schema(&mut doc, &mut rewrite_schema);
    unions::most_specific_first(&mut doc);
    scope::set_openapi_version(&mut doc);
    Ok(doc)
}

/// Applies [`SCHEMA_REWRITES`] to one node. A rewrite can leave a form an
/// earlier one translates (an `anyOf` alternative merged in with a `type`
/// array), so they run again until the node settles: the output is fully
/// 3.0, and normalising it again changes nothing.
fn rewrite_schema(schema: &mut Value, position: Position) {
    for _ in 0..MAX_REWRITE_ROUNDS {
        let before = schema.clone();
        for rewrite in SCHEMA_REWRITES {
            rewrite(schema, position);
        }
        if *schema == before {
            return;
        }
    }
}

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn our_spec() -> Value {
        let path = crate::workspace_root().join("openapi/openapi.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn operations(doc: &Value) -> Vec<(String, &Value)> {
        let mut found = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                found.push((format!("{} {path}", method.to_uppercase()), operation));
            }
        }
        found
    }

    /// Counts keys named `keyword` anywhere in `value`, except directly
    /// inside `properties` maps (where they are field names).
    fn keyword_count(value: &Value, keyword: &str) -> usize {
        match value {
            Value::Object(map) => map
                .iter()
                .map(|(key, child)| {
                    let here = usize::from(key == keyword);
                    let below = if key == "properties" {
                        child
                            .as_object()
                            .map_or(0, |p| p.values().map(|v| keyword_count(v, keyword)).sum())
                    } else {
                        keyword_count(child, keyword)
                    };
                    here + below
                })
                .sum(),
            Value::Array(items) => items.iter().map(|item| keyword_count(item, keyword)).sum(),
            _ => 0,
        }
    }

    #[test]
    fn our_spec_normalises_to_what_progenitor_needs() {
        let doc = normalize(our_spec()).unwrap();
        assert_eq!(doc["openapi"], "3.0.3");
        let operations = operations(&doc);
        assert_eq!(operations.len(), 44);
        for (name, operation) in &operations {
            let id = operation["operationId"].as_str().unwrap();
            assert_eq!(rename::short_operation_id(id), Some(id), "{name}");
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"],
                        visit::component_ref("ApiError"),
                        "{name} {status}"
                    );
                }
            }
        }
        for keyword in [
            "anyOf",
            "const",
            "examples",
            "propertyNames",
            "x-stainless-override-schema",
        ] {
            assert_eq!(
                keyword_count(&doc, keyword),
                0,
                "{keyword} left in the document"
            );
        }
        assert!(
            !serde_json::to_string(&doc)
                .unwrap()
                .contains(r#""type":"null""#)
        );
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for lifted in [
            "TaskRunStatus",
            "TaskGroupEventStreamItem",
            "TaskGroupRunStreamItem",
            "TaskRunEventStreamItem",
            "ApiError",
        ] {
            assert!(schemas.contains_key(lifted), "{lifted} missing");
        }
        let runs = &doc["paths"]["/v1/tasks/groups/{taskgroup_id}/runs"]["get"]["parameters"];
        let status = runs
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "status")
            .unwrap();
        assert_eq!(
            status["schema"],
            json!({"$ref": "#/components/schemas/TaskRunStatus"})
        );
    }

    #[test]
    fn a_merged_nullable_alternative_with_a_type_array_is_translated_too() {
        // Found by the fuzzer: the union rewrite merged `type: [..]` into the
        // node after the type-array rewrite had already looked at it.
        let mut x = json!({"anyOf": [{"type": ["string", "integer"]}, {"type": "null"}]});
        rewrite_schema(&mut x, Position::Inline);
        assert_eq!(
            x,
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
        );
    }

    #[test]
    fn titles_survive_only_on_component_roots() {
        let doc = normalize(our_spec()).unwrap();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let inline_titles: usize = schemas
            .values()
            .map(|schema| {
                let mut without_root = schema.clone();
                without_root.as_object_mut().unwrap().remove("title");
                keyword_count(&without_root, "title")
            })
            .sum::<usize>()
            + keyword_count(&doc["paths"], "title");
        assert_eq!(inline_titles, 0);
    }
}
