//! Reduces an OpenAPI 3.1 document to comparable facts about its wire format.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::normalize::visit::{METHODS, schema_refs};
use crate::normalize::{drop_vendor_extensions, is_in_scope};

/// The facts of `doc`'s in-scope operations and of every schema they reach.
pub fn collect(mut doc: Value) -> BTreeMap<String, String> {
    drop_vendor_extensions(&mut doc);
    let mut facts = BTreeMap::new();
    let mut refs = Vec::new();
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (path, item) in paths.iter().filter(|(path, _)| is_in_scope(path)) {
        for method in METHODS {
            if let Some(operation) = item.get(*method) {
                let key = format!("{} {path}", method.to_uppercase());
                operation_facts(&key, operation, &mut facts);
                schema_refs(operation, &mut refs);
            }
        }
    }
    for name in reachable(&doc, refs) {
        if let Some(schema) = doc.pointer(&format!("/components/schemas/{name}")) {
            schema_facts(&format!("schema {name}"), schema, &mut facts);
        }
    }
    facts
}

fn operation_facts(key: &str, operation: &Value, facts: &mut BTreeMap<String, String>) {
    facts.insert(format!("{key} operation"), "present".into());
    let id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or("-");
    facts.insert(format!("{key} operationId"), id.into());
    for parameter in operation
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
        let location = parameter.get("in").and_then(Value::as_str).unwrap_or("?");
        let required = parameter
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let schema = parameter.get("schema").cloned().unwrap_or(Value::Null);
        facts.insert(
            format!("{key} parameter {location} {name}"),
            format!("required={required}, {}", field_summary(&schema)),
        );
    }
    if let Some(body) = operation.get("requestBody") {
        let required = body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        facts.insert(
            format!("{key} request body"),
            format!("required={required}"),
        );
        media_facts(&format!("{key} request body"), body, facts);
    }
    let responses = operation
        .get("responses")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let codes: Vec<&str> = responses.keys().map(String::as_str).collect();
    facts.insert(format!("{key} responses"), codes.join(", "));
    for (code, response) in &responses {
        media_facts(&format!("{key} response {code}"), response, facts);
    }
}

fn media_facts(key: &str, holder: &Value, facts: &mut BTreeMap<String, String>) {
    for (media, content) in holder
        .get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let schema = content.get("schema").cloned().unwrap_or(Value::Null);
        schema_facts(&format!("{key} {media}"), &schema, facts);
    }
}

/// The component names reachable from `roots` through `$ref`s.
fn reachable(doc: &Value, mut pending: Vec<String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if seen.insert(name.clone())
            && let Some(schema) = doc.pointer(&format!("/components/schemas/{name}"))
        {
            schema_refs(schema, &mut pending);
        }
    }
    seen
}

/// The facts of one schema: its shape at `key`, one entry per property
/// (recursing into inline objects), and its discriminator.
fn schema_facts(key: &str, schema: &Value, facts: &mut BTreeMap<String, String>) {
    facts.insert(key.to_owned(), field_summary(schema));
    if let Some(discriminator) = schema.get("discriminator") {
        let property = discriminator
            .get("propertyName")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let mapping: Vec<String> = discriminator
            .get("mapping")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(value, target)| format!("{value}->{}", ref_name(target.as_str().unwrap_or("?"))))
            .collect();
        facts.insert(
            format!("{key} discriminator"),
            format!("{property}: {}", mapping.join(", ")),
        );
    }
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let field_key = format!("{key}.{name}");
        facts.insert(
            field_key.clone(),
            format!(
                "required={}, {}",
                required.contains(name.as_str()),
                field_summary(property)
            ),
        );
        for inline in inline_objects(property) {
            schema_facts(&field_key, inline, facts);
        }
        if let Some(items) = property.get("items") {
            for inline in inline_objects(items) {
                schema_facts(&format!("{field_key}[]"), inline, facts);
            }
        }
    }
}

/// Inline object schemas under a property (itself, its items, its
/// alternatives), whose own fields are facts too.
fn inline_objects(schema: &Value) -> Vec<&Value> {
    let mut found = Vec::new();
    if schema.get("properties").is_some() {
        found.push(schema);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for alternative in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if alternative.get("properties").is_some() {
                found.push(alternative);
            }
        }
    }
    found
}

/// `type=.., nullable=.., default=..`: what a field accepts, without prose.
pub fn field_summary(schema: &Value) -> String {
    let mut summary = format!(
        "type={}, nullable={}",
        describe(schema),
        is_nullable(schema)
    );
    if let Some(default) = schema.get("default") {
        summary.push_str(&format!(", default={default}"));
    }
    summary
}

fn is_null(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// True when the schema admits `null`, in any of the spellings.
pub fn is_nullable(schema: &Value) -> bool {
    schema.get("nullable") == Some(&Value::Bool(true))
        || schema
            .get("type")
            .and_then(Value::as_array)
            .is_some_and(|types| types.iter().any(|t| t == "null"))
        || ["anyOf", "oneOf"].iter().any(|k| {
            schema
                .get(*k)
                .and_then(Value::as_array)
                .is_some_and(|alternatives| {
                    alternatives.iter().any(|a| is_null(a) || is_nullable(a))
                })
        })
}

fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// A compact description of the values a schema accepts: type, format,
/// enum/const values, item and map value types, union alternatives. `null`
/// alternatives are left out (they are the `nullable` fact).
pub fn describe(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return ref_name(reference).to_owned();
    }
    for (keyword, joiner) in [("anyOf", " | "), ("oneOf", " | "), ("allOf", " & ")] {
        if let Some(alternatives) = schema.get(keyword).and_then(Value::as_array) {
            let parts: Vec<String> = alternatives
                .iter()
                .filter(|a| !is_null(a))
                .map(describe)
                .collect();
            return format!("{}({})", keyword, parts.join(joiner));
        }
    }
    if let Some(value) = schema.get("const") {
        return format!("const {value}");
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(Value::to_string).collect();
        return format!("enum[{}]", values.join(","));
    }
    let kind = match schema.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        Some(Value::Array(kinds)) => {
            let kinds: Vec<&str> = kinds
                .iter()
                .filter_map(Value::as_str)
                .filter(|k| *k != "null")
                .collect();
            kinds.join("|")
        }
        _ if schema.get("properties").is_some() || schema.get("additionalProperties").is_some() => {
            "object".into()
        }
        _ => "any".into(),
    };
    let mut described = match kind.as_str() {
        "array" => format!(
            "array<{}>",
            schema
                .get("items")
                .map(describe)
                .unwrap_or_else(|| "any".into())
        ),
        "object" => match schema.get("additionalProperties") {
            Some(Value::Bool(false)) | None => "object".into(),
            Some(Value::Bool(true)) => "map<any>".into(),
            Some(values) => format!("map<{}>", describe(values)),
        },
        _ => kind,
    };
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        described.push_str(&format!("({format})"));
    }
    described
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn describe_ignores_prose_and_null_alternatives() {
        let a = json!({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}], "title": "A", "description": "x"});
        let b = json!({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}], "title": "B"});
        assert_eq!(describe(&a), "anyOf(string(date))");
        assert_eq!(field_summary(&a), field_summary(&b));
        assert!(is_nullable(&a));
    }

    #[test]
    fn describe_covers_refs_enums_consts_arrays_and_maps() {
        assert_eq!(
            describe(&json!({"$ref": "#/components/schemas/TaskRun"})),
            "TaskRun"
        );
        assert_eq!(
            describe(&json!({"type": "string", "enum": ["a", "b"]})),
            r#"enum["a","b"]"#
        );
        assert_eq!(describe(&json!({"const": "json"})), r#"const "json""#);
        assert_eq!(
            describe(&json!({"type": "array", "items": {"type": "integer"}})),
            "array<integer>"
        );
        assert_eq!(
            describe(&json!({"type": "object", "additionalProperties": {"type": "integer"}})),
            "map<integer>"
        );
    }

    #[test]
    fn collect_lists_operations_parameters_and_reachable_fields() {
        let doc = json!({
            "paths": {"/v1/tasks/runs/{run_id}": {"get": {
                "operationId": "x",
                "parameters": [{"name": "run_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/R"}}}}}
            }}, "/v1alpha/monitors": {"post": {}}},
            "components": {"schemas": {
                "R": {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer", "default": 3}}},
                "Unused": {"type": "string"}
            }}
        });
        let facts = collect(doc);
        let key = "GET /v1/tasks/runs/{run_id}";
        assert_eq!(
            facts[&format!("{key} parameter path run_id")],
            "required=true, type=string, nullable=false"
        );
        assert_eq!(facts[&format!("{key} responses")], "200");
        assert_eq!(
            facts["schema R.a"],
            "required=true, type=integer, nullable=false, default=3"
        );
        assert!(!facts.contains_key("schema Unused"));
        assert!(!facts.keys().any(|k| k.contains("v1alpha")));
    }
}
