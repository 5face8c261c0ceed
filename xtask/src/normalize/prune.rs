//! Keeps only the component schemas the in-scope operations use.

use std::collections::BTreeSet;

use serde_json::Value;

use super::visit::schema_refs;

/// Removes every component schema outside the transitive `$ref` closure of
/// the paths. progenitor emits a type for every component, used or not.
pub fn prune_components(doc: &mut Value) {
    let mut pending = Vec::new();
    if let Some(paths) = doc.get("paths") {
        schema_refs(paths, &mut pending);
    }
    let mut reachable = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if reachable.insert(name.clone())
            && let Some(schema) = doc.pointer(&format!("/components/schemas/{name}"))
        {
            schema_refs(schema, &mut pending);
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.retain(|name, _| reachable.contains(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unreferenced_components_are_removed_and_transitive_ones_kept() {
        let mut doc = json!({
            "paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
            "components": {"schemas": {
                "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
                "B": {"type": "string"},
                "Unused": {"$ref": "#/components/schemas/B"}
            }}
        });
        prune_components(&mut doc);
        let names: Vec<&String> = doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(names, ["A", "B"]);
    }
}
