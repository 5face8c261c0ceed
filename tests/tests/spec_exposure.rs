//! Which fields of the spec's request schemas the SDK's builders do not
//! expose yet.
//!
//! A new optional field in `openapi/openapi.json` never breaks the build
//! (`cargo xtask spec-evolution` checks that); it is simply not sent until a
//! builder sets it. This test finds such fields by behaviour: it sets every
//! option the public builders offer, previews the add-runs request
//! (`AddRuns::preview`, nothing is sent) and compares the JSON keys with the
//! spec's properties. A field missing from the request and not listed in
//! [`NOT_YET_EXPOSED`] fails the test: expose it, or list it here.
//!
//! Nested types the caller passes whole (`types::SourcePolicy`,
//! `types::McpServer`, `types::Webhook`, `types::TaskDataSources`,
//! `types::FetchPolicy`, `types::FullContentSettings`) are generated, so
//! every field of theirs is exposed by construction. Search and extract are
//! checked through their builders' `body()`; the beta-era `/v1beta` search
//! and extract shapes are not on the SDK's surface (the generated
//! `client.raw().beta_search()` / `.beta_extract()` send them), so their
//! schemas are not checked here.

use std::collections::BTreeSet;

use parallel_web::types::{FetchPolicy, McpServer, SourcePolicy, TaskDataSources, Webhook};
use parallel_web::{Client, RunInput, TaskSpec};
use serde_json::Value;

/// (schema, field) pairs of the spec that no builder sets yet.
const NOT_YET_EXPOSED: &[(&str, &str)] = &[];

/// The spec's properties of `schema`.
fn spec_fields(spec: &Value, schema: &str) -> BTreeSet<String> {
    spec["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("the spec has no properties for {schema}"))
        .keys()
        .cloned()
        .collect()
}

/// The keys of a JSON object.
fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[allow(dead_code)]
struct In {
    /// A company.
    name: String,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[allow(dead_code)]
struct Out {
    /// Its CEO.
    ceo: String,
}

fn generated<T: serde::de::DeserializeOwned>(json: Value) -> T {
    serde_json::from_value(json).expect("a valid generated value")
}

#[test]
fn every_request_field_of_the_spec_is_exposed_by_a_builder_or_listed() {
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../openapi/openapi.json"
        ))
        .expect("the spec"),
    )
    .expect("the spec is JSON");
    let client = Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let spec_of_run = TaskSpec::json::<In, Out>();
    // Every option RunInput offers, set.
    let run = RunInput::new(serde_json::json!({"name": "Stripe"}))
        .processor("base")
        .metadata([("team", "research")])
        .task_spec(&spec_of_run)
        .source_policy(generated::<SourcePolicy>(
            serde_json::json!({"include_domains": ["example.com"]}),
        ))
        .location("US")
        .data_sources(generated::<TaskDataSources>(
            serde_json::json!({"free": ["web"]}),
        ))
        .memory_scope_key("customer-42")
        .previous_interaction_id("trun_previous")
        .mcp_server(generated::<McpServer>(
            serde_json::json!({"type": "url", "url": "https://mcp.example.com", "name": "m"}),
        ))
        .enable_events(true)
        .webhook(generated::<Webhook>(
            serde_json::json!({"url": "https://hooks.example.com"}),
        ));
    let bodies = client
        .task_groups()
        .handle("tgrp_preview")
        .add_run_inputs([run])
        .default_spec(&spec_of_run)
        .batch_id("0000000000000001")
        .preview()
        .expect("a valid batch");
    let body = serde_json::to_value(&bodies[0]).unwrap();
    let sent = [
        ("TaskGroupRunRequest", keys(&body)),
        ("TaskRunInput", keys(&body["inputs"][0])),
        (
            "TaskAdvancedSettings",
            keys(&body["inputs"][0]["advanced_settings"]),
        ),
        ("TaskSpec", keys(&body["default_task_spec"])),
    ];
    // Every option the search and extract builders offer, set.
    let search = client
        .search()
        .objective("o")
        .query("q")
        .mode(parallel_web::SearchMode::Fast)
        .max_chars_total(5000)
        .session_id("session_1")
        .client_model("m")
        .include_domains(["example.com"])
        .fetch_policy(generated::<FetchPolicy>(
            serde_json::json!({"max_age_seconds": 600}),
        ))
        .max_chars_per_result(1000)
        .location("us")
        .max_results(3)
        .body()
        .expect("a valid search");
    let search = serde_json::to_value(&search).unwrap();
    let extract = client
        .extract(["https://example.com"])
        .objective("o")
        .query("q")
        .max_chars_total(5000)
        .session_id("session_1")
        .client_model("m")
        .fetch_policy(generated::<FetchPolicy>(
            serde_json::json!({"max_age_seconds": 600}),
        ))
        .max_chars_per_result(1000)
        .full_content(true)
        .body()
        .expect("a valid extract");
    let extract = serde_json::to_value(&extract).unwrap();
    let sent = sent.into_iter().chain([
        ("V1SearchRequest", keys(&search)),
        ("AdvancedSearchSettings", keys(&search["advanced_settings"])),
        (
            "V1ExcerptSettings",
            keys(&search["advanced_settings"]["excerpt_settings"]),
        ),
        ("V1ExtractRequest", keys(&extract)),
        (
            "AdvancedExtractSettings",
            keys(&extract["advanced_settings"]),
        ),
    ]);
    let mut missing = Vec::new();
    for (schema, sent) in sent {
        for field in spec_fields(&spec, schema) {
            if !sent.contains(&field) && !NOT_YET_EXPOSED.contains(&(schema, field.as_str())) {
                missing.push(format!("{schema}.{field}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "spec fields no builder sets: {missing:?}; expose each in the SDK's builders, or list it in NOT_YET_EXPOSED"
    );
    // The list holds only fields that really are missing.
    for (schema, field) in NOT_YET_EXPOSED {
        assert!(
            spec_fields(&spec, schema).contains(*field),
            "{schema}.{field} is listed but not in the spec"
        );
    }
}
