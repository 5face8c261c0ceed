//! Component names the generated Rust types get instead of the published
//! ones.
//!
//! Our spec keeps the official component names (they are facts that
//! `spec-parity` compares). A few of them make poor or clashing Rust names:
//! the chat document's `JSONSchema` and the task spec's `JsonSchema` both
//! become `JsonSchema`, and the OpenAI-derived response formats carry their
//! Python module path. This pass renames them, and every `$ref` to them,
//! just before generation.

use serde_json::Value;

/// (published component name, name in the generated code).
const RENAMED_COMPONENTS: &[(&str, &str)] = &[
    ("JSONSchema", "ChatJsonSchema"),
    (
        "openai__types__shared_params__response_format_text__ResponseFormatText",
        "ResponseFormatText",
    ),
    (
        "openai__types__shared_params__response_format_json_object__ResponseFormatJSONObject",
        "ResponseFormatJsonObject",
    ),
];

const PREFIX: &str = "#/components/schemas/";

/// Renames each component of [`RENAMED_COMPONENTS`] and every `$ref` to it.
/// Fails if the new name is already taken by another component.
pub fn rename_components(doc: &mut Value) -> Result<(), String> {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    for (published, generated) in RENAMED_COMPONENTS {
        let Some(schema) = schemas.remove(*published) else {
            continue;
        };
        if schemas.contains_key(*generated) {
            return Err(format!(
                "component {published} is renamed to {generated} for generation, but the \
                 document already has a {generated}; change RENAMED_COMPONENTS in \
                 xtask/src/normalize/component_names.rs"
            ));
        }
        schemas.insert((*generated).to_owned(), schema);
    }
    rename_refs(doc);
    Ok(())
}

fn rename_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref"
                    && let Some(name) = child.as_str().and_then(|r| r.strip_prefix(PREFIX))
                    && let Some((_, generated)) =
                        RENAMED_COMPONENTS.iter().find(|(from, _)| *from == name)
                {
                    *child = Value::String(format!("{PREFIX}{generated}"));
                } else {
                    rename_refs(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rename_refs),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_renamed_component_takes_its_references_along() {
        let mut doc = json!({
            "paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {"schema":
                {"anyOf": [{"$ref": "#/components/schemas/JSONSchema"}, {"type": "null"}]}}}}}}},
            "components": {"schemas": {
                "JSONSchema": {"type": "object"},
                "JsonSchema": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/JsonSchema"}}}
            }}
        });
        rename_components(&mut doc).unwrap();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        assert!(schemas.contains_key("ChatJsonSchema"));
        assert!(!schemas.contains_key("JSONSchema"));
        assert_eq!(
            schemas["JsonSchema"]["properties"]["a"]["$ref"],
            "#/components/schemas/JsonSchema"
        );
        assert_eq!(
            doc.pointer(
                "/paths/~1x/post/requestBody/content/application~1json/schema/anyOf/0/$ref"
            ),
            Some(&json!("#/components/schemas/ChatJsonSchema"))
        );
    }

    #[test]
    fn a_rename_onto_an_existing_component_fails() {
        let mut doc = json!({"components": {"schemas": {
            "JSONSchema": {"type": "object"}, "ChatJsonSchema": {"type": "string"}
        }}});
        let err = rename_components(&mut doc).unwrap_err();
        assert!(err.contains("ChatJsonSchema"), "{err}");
    }
}
