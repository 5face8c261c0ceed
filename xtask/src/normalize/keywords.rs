//! One-node rewrites of JSON Schema keywords that OpenAPI 3.0 spells
//! differently from 3.1, or that typify would misread.

use serde_json::{Value, json};

use super::visit::Position;

/// `const: v` → `enum: [v]`, adding the JSON `type` of `v` if none is given.
///
/// openapiv3 silently drops `const`, which turned every `type` discriminator
/// into a plain `String`.
pub fn const_to_enum(schema: &mut Value, _: Position) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let Some(value) = object.remove("const") else {
        return;
    };
    if !object.contains_key("type") {
        let kind = match &value {
            Value::String(_) => Some("string"),
            Value::Bool(_) => Some("boolean"),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some("integer"),
            Value::Number(_) => Some("number"),
            _ => None,
        };
        if let Some(kind) = kind {
            object.insert("type".into(), json!(kind));
        }
    }
    object.insert("enum".into(), json!([value]));
}

/// Removes `title` from every schema that is not a component root.
///
/// typify names inline types after their `title` and reuses the first type of
/// a given name, so FastAPI's per-property titles (`"Type"`) merged unrelated
/// enums into one wrong type.
pub fn strip_inline_title(schema: &mut Value, position: Position) {
    if position == Position::ComponentRoot {
        return;
    }
    if let Some(object) = schema.as_object_mut() {
        object.remove("title");
    }
}

/// `anyOf` → `oneOf`.
///
/// typify turns `anyOf` into a struct of flattened optional fields, which
/// cannot hold a bare string and may match several variants at once; `oneOf`
/// becomes an untagged enum.
pub fn any_of_to_one_of(schema: &mut Value, _: Position) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if object.contains_key("oneOf") {
        return;
    }
    if let Some(alternatives) = object.remove("anyOf") {
        object.insert("oneOf".into(), alternatives);
    }
}

/// `examples: [a, ...]` → `example: a`. 3.0 schemas have a single example.
pub fn examples_to_example(schema: &mut Value, _: Position) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(examples)) = object.remove("examples")
        && let Some(first) = examples.into_iter().next()
    {
        object.entry("example").or_insert(first);
    }
}

/// Drops `propertyNames`, which 3.0 does not have. It only constrains map
/// keys (e.g. the status names of a count map); the map type is unchanged.
pub fn drop_property_names(schema: &mut Value, _: Position) {
    if let Some(object) = schema.as_object_mut() {
        object.remove("propertyNames");
    }
}

/// Numeric `exclusiveMinimum: n` → `minimum: n, exclusiveMinimum: true`
/// (and the same for the maximum): 3.0 uses the boolean form.
pub fn exclusive_bounds_to_bool(schema: &mut Value, _: Position) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Number(n)) = object.get(exclusive).cloned() {
            object.insert(bound.into(), Value::Number(n));
            object.insert(exclusive.into(), Value::Bool(true));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::visit::rewrite;

    #[test]
    fn const_becomes_single_value_enum_with_type() {
        let out = rewrite(
            const_to_enum,
            json!({"const": "json", "default": "json"}),
            Position::Inline,
        );
        assert_eq!(
            out,
            json!({"enum": ["json"], "default": "json", "type": "string"})
        );
    }

    #[test]
    fn const_keeps_an_explicit_type() {
        let out = rewrite(
            const_to_enum,
            json!({"type": "integer", "const": 3}),
            Position::Inline,
        );
        assert_eq!(out, json!({"type": "integer", "enum": [3]}));
    }

    #[test]
    fn inline_titles_are_stripped_but_component_titles_kept() {
        let input = json!({"title": "Type", "type": "string"});
        assert_eq!(
            rewrite(strip_inline_title, input.clone(), Position::Inline),
            json!({"type": "string"})
        );
        assert_eq!(
            rewrite(strip_inline_title, input.clone(), Position::ParameterRoot),
            json!({"type": "string"})
        );
        assert_eq!(
            rewrite(strip_inline_title, input.clone(), Position::ComponentRoot),
            input
        );
    }

    #[test]
    fn any_of_becomes_one_of() {
        let out = rewrite(
            any_of_to_one_of,
            json!({"anyOf": [{"type": "string"}, {"type": "object"}]}),
            Position::Inline,
        );
        assert_eq!(
            out,
            json!({"oneOf": [{"type": "string"}, {"type": "object"}]})
        );
    }

    #[test]
    fn examples_array_becomes_first_example() {
        let out = rewrite(
            examples_to_example,
            json!({"type": "string", "examples": ["a", "b"]}),
            Position::Inline,
        );
        assert_eq!(out, json!({"type": "string", "example": "a"}));
    }

    #[test]
    fn property_names_are_dropped() {
        let out = rewrite(
            drop_property_names,
            json!({"type": "object", "propertyNames": {"enum": ["a"]}, "additionalProperties": {"type": "integer"}}),
            Position::Inline,
        );
        assert_eq!(
            out,
            json!({"type": "object", "additionalProperties": {"type": "integer"}})
        );
    }

    #[test]
    fn numeric_exclusive_bounds_become_booleans() {
        let out = rewrite(
            exclusive_bounds_to_bool,
            json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100}),
            Position::Inline,
        );
        assert_eq!(
            out,
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 100, "exclusiveMaximum": true})
        );
    }
}
