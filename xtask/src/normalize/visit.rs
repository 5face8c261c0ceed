//! Walks every schema object of an OpenAPI document.
//!
//! The rewrites in this module tree each look at one schema node at a time;
//! this walker is what applies them to the whole document, so the rewrites
//! stay small and testable on a single node.

use serde_json::Value;

/// Where a schema sits in the document. Some rewrites only apply in one place
/// (titles are kept on component roots, `nullable` is dropped from parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// `components.schemas.<Name>` itself.
    ComponentRoot,
    /// The `schema` of an operation parameter.
    ParameterRoot,
    /// Anything else: nested schemas, request and response media schemas.
    Inline,
}

/// Calls `rewrite` on every schema in `doc`, parents before children, so a
/// rewrite that restructures a node (e.g. unwraps an `anyOf`) has its result
/// visited in turn.
pub fn for_each_schema(doc: &mut Value, rewrite: &mut dyn FnMut(&mut Value, Position)) {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            walk(schema, Position::ComponentRoot, rewrite);
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (key, value) in item.iter_mut() {
            if key == "parameters" {
                walk_parameters(value, rewrite);
            } else if let Some(operation) = value.as_object_mut() {
                if let Some(parameters) = operation.get_mut("parameters") {
                    walk_parameters(parameters, rewrite);
                }
                if let Some(body) = operation.get_mut("requestBody") {
                    walk_content(body, rewrite);
                }
                if let Some(responses) = operation
                    .get_mut("responses")
                    .and_then(Value::as_object_mut)
                {
                    for response in responses.values_mut() {
                        walk_content(response, rewrite);
                    }
                }
            }
        }
    }
}

fn walk_parameters(parameters: &mut Value, rewrite: &mut dyn FnMut(&mut Value, Position)) {
    for parameter in parameters.as_array_mut().into_iter().flatten() {
        if let Some(schema) = parameter.get_mut("schema") {
            walk(schema, Position::ParameterRoot, rewrite);
        }
    }
}

fn walk_content(holder: &mut Value, rewrite: &mut dyn FnMut(&mut Value, Position)) {
    let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    for media in content.values_mut() {
        if let Some(schema) = media.get_mut("schema") {
            walk(schema, Position::Inline, rewrite);
        }
    }
}

/// Applies `rewrite` to `schema` and then to each of its sub-schemas.
pub fn walk(schema: &mut Value, position: Position, rewrite: &mut dyn FnMut(&mut Value, Position)) {
    if !schema.is_object() {
        return;
    }
    rewrite(schema, position);
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    for (key, child) in object.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" => {
                for sub in child
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|m| m.values_mut())
                {
                    walk(sub, Position::Inline, rewrite);
                }
            }
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                for sub in child.as_array_mut().into_iter().flatten() {
                    walk(sub, Position::Inline, rewrite);
                }
            }
            "items" | "additionalProperties" | "not" | "propertyNames" | "contains" => {
                match child {
                    Value::Array(items) => {
                        for sub in items {
                            walk(sub, Position::Inline, rewrite);
                        }
                    }
                    _ => walk(child, Position::Inline, rewrite),
                }
            }
            _ => {}
        }
    }
}

/// The HTTP methods an OpenAPI path item may hold operations under.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of `doc` as `(path, method, operation)`, in document
/// order. Path-level keys that are not methods (`parameters`, `summary`)
/// are skipped.
pub fn operations_mut(doc: &mut Value) -> impl Iterator<Item = (&str, &str, &mut Value)> {
    doc.get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.iter_mut())
        .flat_map(|(path, item)| {
            item.as_object_mut()
                .into_iter()
                .flat_map(|item| item.iter_mut())
                .filter(|(method, _)| METHODS.contains(&method.as_str()))
                .map(move |(method, operation)| (path.as_str(), method.as_str(), operation))
        })
}

/// The `(status, response)` pairs of one operation.
pub fn responses_mut(operation: &mut Value) -> impl Iterator<Item = (&String, &mut Value)> {
    operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|responses| responses.iter_mut())
}

/// Every `$ref` target name (`#/components/schemas/<Name>`) found in `value`.
pub fn schema_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    if let Some(name) = child
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        out.push(name.to_owned());
                    }
                } else {
                    schema_refs(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| schema_refs(item, out)),
        _ => {}
    }
}

/// The `$ref` string that points at component `name`.
pub fn component_ref(name: &str) -> Value {
    serde_json::json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// Test helper: the output of the one-node rewrite `f` on `input`.
#[cfg(test)]
pub fn rewrite(f: fn(&mut Value, Position), mut input: Value, position: Position) -> Value {
    f(&mut input, position);
    input
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn walker_visits_nested_schemas_with_their_position() {
        let mut doc = json!({
            "components": {"schemas": {"A": {"properties": {"b": {"items": {"type": "string"}}}}}},
            "paths": {"/x": {"get": {
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {"anyOf": [{"type": "null"}]}}}}}
            }}}
        });
        let mut seen = Vec::new();
        for_each_schema(&mut doc, &mut |s, p| seen.push((s.clone(), p)));
        assert_eq!(seen.len(), 6);
        assert_eq!(seen[0].1, Position::ComponentRoot);
        assert_eq!(
            seen[3],
            (json!({"type": "integer"}), Position::ParameterRoot)
        );
        assert_eq!(seen[5], (json!({"type": "null"}), Position::Inline));
    }

    #[test]
    fn operations_are_listed_with_path_and_method_skipping_other_keys() {
        let mut doc = json!({"paths": {
            "/a": {"parameters": [], "get": {"operationId": "a"}, "post": {"operationId": "b"}},
            "/b": {"summary": "s", "delete": {"operationId": "c"}}
        }});
        let found: Vec<(String, String, Value)> = operations_mut(&mut doc)
            .map(|(path, method, operation)| {
                (path.into(), method.into(), operation["operationId"].clone())
            })
            .collect();
        assert_eq!(
            found,
            [
                ("/a".into(), "get".into(), json!("a")),
                ("/a".into(), "post".into(), json!("b")),
                ("/b".into(), "delete".into(), json!("c")),
            ]
        );
    }

    #[test]
    fn schema_refs_finds_component_names() {
        let mut out = Vec::new();
        schema_refs(
            &json!({"a": [{"$ref": "#/components/schemas/X"}], "$ref": "#/components/schemas/Y"}),
            &mut out,
        );
        out.sort();
        assert_eq!(out, ["X", "Y"]);
    }
}
