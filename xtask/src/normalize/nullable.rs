//! OpenAPI 3.1 spells "may be null" as a `null` type; 3.0 (and so progenitor)
//! wants `nullable: true`. These rewrites translate one schema node each.

use serde_json::{Map, Value, json};

use super::visit::Position;

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
        && schema.as_object().is_some_and(|m| m.len() == 1)
}

/// `type: [T, "null"]` → `type: T, nullable: true`.
///
/// openapiv3 only parses a single string for `type`.
pub fn type_array_to_nullable(schema: &mut Value, _: Position) {
    let Some(types) = schema.get("type").and_then(Value::as_array).cloned() else {
        return;
    };
    let non_null: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
    let has_null = non_null.len() != types.len();
    let object = schema.as_object_mut().expect("checked above");
    match non_null.as_slice() {
        [single] => {
            object.insert("type".into(), single.clone());
        }
        [] => {
            // Only `null`: leave the type out, the value is always null.
            object.remove("type");
        }
        _ => {
            // Several real types: express them as alternatives.
            object.remove("type");
            let alternatives = non_null.iter().map(|t| json!({ "type": t })).collect();
            object.insert("anyOf".into(), Value::Array(alternatives));
        }
    }
    if has_null {
        object.insert("nullable".into(), Value::Bool(true));
    }
}

/// `anyOf/oneOf: [X, {type: null}]` → `X` + `nullable: true`.
///
/// Without it progenitor panics on the `null` type. When `X` is a `$ref` it
/// becomes `allOf: [{$ref}]`, because openapiv3 ignores every sibling of a
/// `$ref`, `nullable` included. With several non-null alternatives they stay
/// and only `nullable` is added.
pub fn nullable_union_to_nullable(schema: &mut Value, _: Position) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    for keyword in ["anyOf", "oneOf"] {
        let Some(Value::Array(alternatives)) = object.get(keyword) else {
            continue;
        };
        if !alternatives.iter().any(is_null_schema) {
            continue;
        }
        let mut rest: Vec<Value> = alternatives
            .iter()
            .filter(|a| !is_null_schema(a))
            .cloned()
            .collect();
        object.remove(keyword);
        if rest.len() == 1 {
            let single = rest.remove(0);
            merge_single_alternative(object, single);
        } else if !rest.is_empty() {
            object.insert(keyword.into(), Value::Array(rest));
        }
        object.insert("nullable".into(), Value::Bool(true));
    }
}

/// Folds the one remaining alternative into the outer schema. Keywords set on
/// the outer schema (description, default, ...) win over the inner ones.
fn merge_single_alternative(outer: &mut Map<String, Value>, single: Value) {
    if single.get("$ref").is_some() {
        outer.insert("allOf".into(), Value::Array(vec![single]));
        return;
    }
    if let Value::Object(inner) = single {
        for (key, value) in inner {
            outer.entry(key).or_insert(value);
        }
    }
}

/// Parameter schemas lose `nullable`, and a lone `allOf: [{$ref}]` wrapper
/// becomes the bare `$ref`.
///
/// An optional parameter is already an `Option`; a nullable one became
/// `Option<Option<String>>`, which does not compile in the generated builder.
pub fn drop_parameter_nullable(schema: &mut Value, position: Position) {
    if position != Position::ParameterRoot {
        return;
    }
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    object.remove("nullable");
    let lone_ref = match object.get("allOf") {
        Some(Value::Array(all)) if all.len() == 1 && all[0].get("$ref").is_some() => {
            Some(all[0].clone())
        }
        _ => None,
    };
    if let Some(reference) = lone_ref {
        *schema = reference;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::visit::rewrite;

    #[test]
    fn type_array_with_null_becomes_nullable_type() {
        let out = rewrite(
            type_array_to_nullable,
            json!({"type": ["string", "null"], "description": "d"}),
            Position::Inline,
        );
        assert_eq!(
            out,
            json!({"type": "string", "nullable": true, "description": "d"})
        );
    }

    #[test]
    fn type_array_with_several_types_becomes_alternatives() {
        let out = rewrite(
            type_array_to_nullable,
            json!({"type": ["string", "integer"]}),
            Position::Inline,
        );
        assert_eq!(
            out,
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})
        );
    }

    #[test]
    fn nullable_any_of_folds_into_the_outer_schema() {
        let out = rewrite(
            nullable_union_to_nullable,
            json!({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}], "default": null}),
            Position::Inline,
        );
        assert_eq!(
            out,
            json!({"type": "string", "format": "date", "default": null, "nullable": true})
        );
    }

    #[test]
    fn nullable_ref_is_wrapped_in_all_of() {
        let out = rewrite(
            nullable_union_to_nullable,
            json!({"anyOf": [{"$ref": "#/components/schemas/Error"}, {"type": "null"}], "description": "d"}),
            Position::Inline,
        );
        assert_eq!(
            out,
            json!({"allOf": [{"$ref": "#/components/schemas/Error"}], "description": "d", "nullable": true})
        );
    }

    #[test]
    fn nullable_union_with_several_alternatives_keeps_them() {
        let out = rewrite(
            nullable_union_to_nullable,
            json!({"oneOf": [{"type": "string"}, {"type": "object"}, {"type": "null"}]}),
            Position::Inline,
        );
        assert_eq!(
            out,
            json!({"oneOf": [{"type": "string"}, {"type": "object"}], "nullable": true})
        );
    }

    #[test]
    fn union_without_null_is_untouched() {
        let input = json!({"anyOf": [{"type": "string"}, {"type": "integer"}]});
        assert_eq!(
            rewrite(nullable_union_to_nullable, input.clone(), Position::Inline),
            input
        );
    }

    #[test]
    fn parameter_schemas_lose_nullable_and_ref_wrappers() {
        let out = rewrite(
            drop_parameter_nullable,
            json!({"type": "string", "nullable": true}),
            Position::ParameterRoot,
        );
        assert_eq!(out, json!({"type": "string"}));
        let out = rewrite(
            drop_parameter_nullable,
            json!({"allOf": [{"$ref": "#/components/schemas/S"}], "nullable": true}),
            Position::ParameterRoot,
        );
        assert_eq!(out, json!({"$ref": "#/components/schemas/S"}));
    }

    #[test]
    fn nullable_is_kept_outside_parameters() {
        let input = json!({"type": "string", "nullable": true});
        assert_eq!(
            rewrite(drop_parameter_nullable, input.clone(), Position::Inline),
            input
        );
    }
}
