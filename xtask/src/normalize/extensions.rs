//! Vendor extensions the generator must not see.

use serde_json::Value;

/// True for extension keys that only serve other SDK generators.
fn is_foreign_extension(key: &str) -> bool {
    key.starts_with("x-stainless-") || key == "x-code-samples"
}

/// Removes `x-stainless-*` and `x-code-samples` everywhere. The Stainless
/// overrides hold `$ref`s (to `ParallelBeta`) that would otherwise pull
/// unrelated schemas into the generated client.
pub fn drop_vendor_extensions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, _| !is_foreign_extension(key));
            map.values_mut().for_each(drop_vendor_extensions);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_vendor_extensions),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stainless_and_code_sample_extensions_are_removed_at_any_depth() {
        let mut doc = json!({
            "x-code-samples": [1],
            "get": {"schema": {"type": "string", "x-stainless-override-schema": {"$ref": "#/x"}}, "x-other": 1}
        });
        drop_vendor_extensions(&mut doc);
        assert_eq!(
            doc,
            json!({"get": {"schema": {"type": "string"}, "x-other": 1}})
        );
    }
}
