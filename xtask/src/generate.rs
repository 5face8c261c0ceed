//! Runs progenitor on the normalised document and formats its output.

use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle, TypeImpl};
use serde_json::Value;

use crate::format::{format_rust, unparsable};
use crate::normalize::{HANDWRITTEN_TYPES, OPEN_ENUMS, normalize};

/// Everything `regen` writes, as text.
pub struct Generated {
    /// The normalised OpenAPI 3.0 document (pretty JSON).
    pub openapi_30: String,
    /// The low-level client (`crates/parallel-web-api/src/generated.rs`).
    pub client: String,
    /// The typed httpmock layer (`crates/parallel-web-api-httpmock/src/generated.rs`).
    pub httpmock: String,
    /// The emulator's request contract (`crate::contract::CONTRACT_JSON`).
    pub emulator_contract: String,
}

/// The client's inner value: headers added to every request and the
/// response size limit (`crates/parallel-web-api/src/extras.rs`).
const INNER_TYPE: &str = "crate::ClientExtras";

/// Every generator setting, in one place.
fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        // Builder calls (`client.task_run_result().run_id(..).timeout(..).send()`)
        // name each argument, so a new optional parameter in the spec cannot
        // silently shift positional arguments; bodies get struct builders too.
        .with_interface(InterfaceStyle::Builder)
        // One `Client` with every method: the SDK wraps it by API area itself,
        // and Positional+Separate would panic in progenitor anyway.
        .with_tag(TagStyle::Merged)
        // Tests and the SDK compare generated values directly.
        .with_derive("PartialEq")
        // Maps (metadata, status counts) serialise in a stable key order, so
        // request bodies and logs are reproducible.
        .with_map_type("::std::collections::BTreeMap")
        // What the client carries besides its reqwest client (the key and
        // extra headers of a client built around a caller's own reqwest
        // client, the response size limit), applied by the hooks in
        // `crates/parallel-web-api/src/hooks.rs`.
        .with_inner_type(INNER_TYPE.parse::<TokenStream>().unwrap_or_default());
    // Server-side value sets that grow (run statuses, warning kinds,
    // progress message kinds) use the handwritten open enums in
    // `crates/parallel-web-api/src/open.rs`: an unknown value becomes
    // `Other(String)` instead of failing a whole response or event. Display
    // is used to send the `status` query parameter.
    for (_, _, name) in OPEN_ENUMS {
        settings.with_replacement(
            name,
            format!("crate::open::{name}"),
            [TypeImpl::Display].into_iter(),
        );
    }
    // Other handwritten types (a run's input as JSON text); see
    // `HANDWRITTEN_TYPES` in `xtask/src/normalize/lift.rs`.
    for (_, _, name, path) in HANDWRITTEN_TYPES {
        settings.with_replacement(name, path, [].into_iter());
    }
    settings
}

/// The crate path the httpmock layer uses to name the client's types.
const CLIENT_CRATE: &str = "parallel_web_api";

/// Normalises `spec` (OpenAPI 3.1 JSON) and generates all outputs.
/// `source` names the spec in the generated files' header.
pub fn generate(spec: Value, source: &str) -> Result<Generated, String> {
    let emulator_contract = crate::contract::request_contract(&spec)?;
    let normalised = normalize(spec)?;
    let mut openapi_30 = serde_json::to_string_pretty(&normalised).map_err(|e| e.to_string())?;
    openapi_30.push('\n');

    let for_httpmock: openapiv3::OpenAPI =
        serde_json::from_value(without_array_query_parameters(normalised.clone()))
            .map_err(|e| format!("normalised document is not OpenAPI 3.0: {e}"))?;
    let parsed: openapiv3::OpenAPI = serde_json::from_value(normalised)
        .map_err(|e| format!("normalised document is not OpenAPI 3.0: {e}"))?;
    // progenitor reports some unsupported input as panics (`todo!`,
    // `assert!`, typify's `unwrap`s on references). Mistakes we can see are
    // refused earlier, with their location (`lint.rs`); anything else is
    // caught here and turned into an error naming the step.
    let (client_tokens, httpmock_tokens) = std::panic::catch_unwind(|| {
        let mut generator = Generator::new(&settings());
        let client = generator
            .generate_tokens(&parsed)
            .map_err(|e| format!("progenitor: {e}"))?;
        let httpmock = generator
            .httpmock(&for_httpmock, CLIENT_CRATE)
            .map_err(|e| format!("progenitor httpmock: {e}"))?;
        Ok::<_, String>((client, httpmock))
    })
    .map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("<no message>");
        format!(
            "progenitor panicked on the normalised document ({message}): the spec uses \
             something the generator does not support (normalising succeeded and the \
             spec has no mistake the lint knows of)"
        )
    })??;

    let header = format!(
        "// @generated by `cargo xtask regen` from {source}. Do not edit by hand:\n\
         // change the spec or the xtask and regenerate.\n\n"
    );
    Ok(Generated {
        openapi_30,
        client: format_rust(&header, syn::parse2(client_tokens).map_err(unparsable)?)?,
        httpmock: format_rust(&header, syn::parse2(httpmock_tokens).map_err(unparsable)?)?,
        emulator_contract,
    })
}

/// `doc` without its array-valued query parameters, for the httpmock layer
/// only. progenitor 0.15.1 writes `value.to_string()` for every query
/// parameter of a mock, which does not compile for a `Vec` (the monitor
/// list's `status` and `type` filters). The mock's other matchers stay;
/// such a parameter is matched through `into_inner().query_param(..)`. The
/// client itself keeps them (sent as one `name=value` pair per element).
fn without_array_query_parameters(mut doc: Value) -> Value {
    for (_, _, operation) in crate::normalize::visit::operations_mut(&mut doc) {
        if let Some(parameters) = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
        {
            parameters.retain(|parameter| {
                !(parameter.get("in").and_then(Value::as_str) == Some("query")
                    && parameter.pointer("/schema/type").and_then(Value::as_str) == Some("array"))
            });
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_httpmock_layer_leaves_out_array_query_parameters_only() {
        let doc = serde_json::json!({"paths": {"/v1/monitors": {"get": {"parameters": [
            {"name": "status", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
            {"name": "limit", "in": "query", "schema": {"type": "integer"}},
            {"name": "ids", "in": "header", "schema": {"type": "array", "items": {"type": "string"}}}
        ]}}}});
        let kept = without_array_query_parameters(doc);
        let names: Vec<&str> = kept["paths"]["/v1/monitors"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["limit", "ids"]);
    }

    #[test]
    fn generation_is_deterministic() {
        let spec: Value = serde_json::from_str(
            &std::fs::read_to_string(crate::workspace_root().join("openapi/openapi.json")).unwrap(),
        )
        .unwrap();
        let first = generate(spec.clone(), "openapi/openapi.json").unwrap();
        let second = generate(spec, "openapi/openapi.json").unwrap();
        assert_eq!(first.openapi_30, second.openapi_30);
        assert_eq!(first.client, second.client);
        assert_eq!(first.httpmock, second.httpmock);
        assert!(
            first
                .client
                .starts_with("// @generated by `cargo xtask regen` from openapi/openapi.json.")
        );
    }
}
