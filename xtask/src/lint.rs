//! Mistakes in a spec, found before anything else reads it, each with the
//! JSON pointer of where it is in *our* document (normalisation moves
//! things around, and progenitor or typify would report some of these as
//! panics with no location at all).
//!
//! Checked everywhere in the document: every `$ref` is a string naming a
//! local JSON pointer that resolves; `required` is an array of strings;
//! `properties` is an object whose values are schemas; `type` names JSON
//! Schema types; `enum` is a non-empty array; `items`,
//! `additionalProperties`, `not` are schemas; `allOf`/`anyOf`/`oneOf` are
//! non-empty arrays of schemas. Every operation has `responses`, and every
//! parameter a `name` and an `in`.

use serde_json::Value;

/// The types JSON Schema (and OpenAPI 3.1) knows.
const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "object", "array", "null",
];

/// HTTP methods that name operations in a path item.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every mistake in `doc`, one line each: `<pointer>: <what is wrong>`.
pub fn lint(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    walk(doc, doc, &mut String::new(), &mut problems);
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, operation) in item {
                let at = format!("/paths/{}/{method}", escape(path));
                if METHODS.contains(&method.as_str()) {
                    if operation.get("responses").is_none() {
                        problems.push(format!("{at}: the operation has no `responses`"));
                    }
                    check_parameters(operation.get("parameters"), &at, &mut problems);
                } else if method == "parameters" {
                    check_parameters(
                        Some(operation),
                        &format!("/paths/{}", escape(path)),
                        &mut problems,
                    );
                }
            }
        }
    }
    problems
}

/// `Err` listing every mistake, or `Ok` when there is none.
pub fn check(doc: &Value, source: &str) -> Result<(), String> {
    let problems = lint(doc);
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{source} has {} mistake(s) (JSON pointers into {source}):\n  {}",
        problems.len(),
        problems.join("\n  ")
    ))
}

fn check_parameters(parameters: Option<&Value>, at: &str, problems: &mut Vec<String>) {
    let Some(parameters) = parameters else {
        return;
    };
    let Some(list) = parameters.as_array() else {
        problems.push(format!("{at}/parameters: must be an array"));
        return;
    };
    for (i, p) in list.iter().enumerate() {
        if p.get("$ref").is_some() {
            continue;
        }
        for key in ["name", "in"] {
            if !p.get(key).is_some_and(Value::is_string) {
                problems.push(format!("{at}/parameters/{i}: no `{key}` string"));
            }
        }
    }
}

/// JSON pointer escaping of one reference token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn walk(root: &Value, node: &Value, at: &mut String, problems: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            check_keywords(root, map, at, problems);
            for (key, child) in map {
                // Examples and enums hold data, not schemas (a `$ref` key in
                // an example is just data); security schemes and vendor
                // extensions have keywords of their own.
                if matches!(
                    key.as_str(),
                    "example" | "examples" | "enum" | "const" | "default" | "securitySchemes"
                ) || key.starts_with("x-")
                {
                    continue;
                }
                let len = at.len();
                at.push('/');
                at.push_str(&escape(key));
                walk(root, child, at, problems);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                walk(root, child, at, problems);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Whether the object at `at` is a `properties` map, whose keys are field
/// names (a field may be called `type` or `required`), not keywords.
fn is_properties_map(at: &str) -> bool {
    at.ends_with("/properties")
}

fn check_keywords(
    root: &Value,
    map: &serde_json::Map<String, Value>,
    at: &str,
    problems: &mut Vec<String>,
) {
    let here = if at.is_empty() { "/" } else { at };
    if let Some(reference) = map.get("$ref") {
        match reference.as_str() {
            None => problems.push(format!("{here}/$ref: must be a string")),
            Some(r) => match r.strip_prefix('#') {
                None => problems.push(format!(
                    "{here}/$ref: {r:?} is not a local reference (`#/...`); external documents are not supported"
                )),
                Some(pointer) if root.pointer(pointer).is_none() => problems.push(format!(
                    "{here}/$ref: {r:?} points at nothing (dangling reference)"
                )),
                Some(_) => {}
            },
        }
    }
    // Below: schema keywords. A `properties` map's own keys are field
    // names, not keywords.
    if is_properties_map(at) {
        return;
    }
    if let Some(required) = map.get("required")
        && !required.is_boolean()
        && !required
            .as_array()
            .is_some_and(|list| list.iter().all(Value::is_string))
    {
        problems.push(format!("{here}/required: must be an array of strings"));
    }
    if let Some(properties) = map.get("properties") {
        match properties.as_object() {
            None => problems.push(format!("{here}/properties: must be an object")),
            Some(props) => {
                for (name, schema) in props {
                    if !schema.is_object() && !schema.is_boolean() {
                        problems.push(format!(
                            "{here}/properties/{}: must be a schema (an object)",
                            escape(name)
                        ));
                    }
                }
            }
        }
    }
    if let Some(ty) = map.get("type") {
        let ok = |t: &Value| t.as_str().is_some_and(|t| TYPES.contains(&t));
        let valid = match ty {
            Value::Array(list) => !list.is_empty() && list.iter().all(ok),
            other => ok(other),
        };
        if !valid {
            problems.push(format!("{here}/type: {ty} is not a JSON Schema type"));
        }
    }
    if let Some(values) = map.get("enum")
        && values.as_array().is_none_or(Vec::is_empty)
    {
        problems.push(format!("{here}/enum: must be a non-empty array"));
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(schema) = map.get(key)
            && !schema.is_object()
            && !schema.is_boolean()
        {
            problems.push(format!("{here}/{key}: must be a schema (an object)"));
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = map.get(key)
            && !list
                .as_array()
                .is_some_and(|l| !l.is_empty() && l.iter().all(|s| s.is_object() || s.is_boolean()))
        {
            problems.push(format!(
                "{here}/{key}: must be a non-empty array of schemas"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(schema: Value) -> Value {
        json!({
            "openapi": "3.1.0",
            "paths": {"/v1/tasks/runs": {"post": {
                "operationId": "task_run_create",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Input"}}}},
                "responses": {"200": {"description": "ok"}}
            }}},
            "components": {"schemas": {"Input": schema}}
        })
    }

    #[test]
    fn the_projects_spec_has_no_mistakes() {
        let spec = crate::outputs::read_json(&crate::workspace_root().join("openapi/openapi.json"))
            .unwrap();
        assert_eq!(lint(&spec), Vec::<String>::new());
    }

    #[test]
    fn a_dangling_ref_is_reported_with_its_pointer() {
        let problems = lint(&doc(json!({"type": "object", "properties": {
            "policy": {"$ref": "#/components/schemas/Missing"}
        }})));
        assert_eq!(
            problems,
            [
                "/components/schemas/Input/properties/policy/$ref: \"#/components/schemas/Missing\" points at nothing (dangling reference)"
            ]
        );
    }

    #[test]
    fn structural_mistakes_are_each_reported() {
        let problems = lint(&doc(json!({
            "type": "objekt",
            "required": "name",
            "properties": {"name": "a string", "type": {"type": "string"}, "required": {"type": "boolean"}},
            "items": 3,
            "enum": [],
            "oneOf": []
        })));
        let at = "/components/schemas/Input";
        for expected in [
            format!("{at}/type: \"objekt\" is not a JSON Schema type"),
            format!("{at}/required: must be an array of strings"),
            format!("{at}/properties/name: must be a schema (an object)"),
            format!("{at}/items: must be a schema (an object)"),
            format!("{at}/enum: must be a non-empty array"),
            format!("{at}/oneOf: must be a non-empty array of schemas"),
        ] {
            assert!(
                problems.contains(&expected),
                "{expected} not in {problems:#?}"
            );
        }
        assert_eq!(problems.len(), 6, "{problems:#?}");
    }

    #[test]
    fn operations_without_responses_and_nameless_parameters_are_reported() {
        let spec = json!({"paths": {"/v1/x/{id}": {"get": {
            "operationId": "x",
            "parameters": [{"in": "path"}]
        }}}});
        assert_eq!(
            lint(&spec),
            [
                "/paths/~1v1~1x~1{id}/get: the operation has no `responses`",
                "/paths/~1v1~1x~1{id}/get/parameters/0: no `name` string"
            ]
        );
    }

    #[test]
    fn non_local_and_non_string_refs_are_reported() {
        let problems = lint(&doc(json!({"properties": {
            "a": {"$ref": "other.json#/X"},
            "b": {"$ref": 7}
        }})));
        assert_eq!(problems.len(), 2, "{problems:#?}");
    }
}
