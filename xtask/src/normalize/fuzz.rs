//! Fuzzing of the spec normaliser ([`normalize`]) as property tests.
//!
//! The properties: on any JSON document, and on the project's own
//! `openapi/openapi.json` (and the official reference documents, when a
//! checkout has them next to it in `../shared/reference/`; read at test
//! time, never copied here) broken at random places, [`normalize`] never
//! panics: it returns a document or an error message; it is deterministic;
//! and normalising its own output again changes nothing (idempotence).
//! Idempotence is only tested when a document normalises, so one property
//! puts generated 3.1 schemas (type arrays with `null`, `anyOf` with
//! `null`, `const`, `examples`, `exclusiveMinimum`, nested) into the
//! properties of our own spec, which normalises; every property tallies how
//! often its precondition held and fails when it never did.
//!
//! Why proptest and not `cargo fuzz`: cargo-fuzz needs a nightly toolchain
//! (for its sanitizer flags) and this project builds on stable only.
//! proptest shrinks a failure to a small input and writes its seed under
//! `xtask/proptest-regressions/`, where every later run replays it first.
//! `PW_FUZZ_SECONDS=N` turns each target into an N-second run:
//!
//! ```text
//! PW_FUZZ_SECONDS=600 cargo test --release -p xtask fuzz_ -- --nocapture
//! ```

use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::OnceLock;

use parallel_web_test_support::fuzz::{Tally, json_places as places, json_remove, json_tree};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

use super::normalize;

/// The shared runner (`crates/parallel-web/src/fuzz_runner.rs`), with this
/// file's regression seeds.
fn fuzz<S>(cases: u32, strategy: S, property: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    parallel_web_test_support::fuzz::fuzz(file!(), cases, strategy, property);
}

/// The documents to break: ours, and the official ones when present.
fn seeds() -> &'static [(String, Value)] {
    static SEEDS: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = crate::workspace_root();
        let mut files = vec![root.join("openapi/openapi.json")];
        let reference: PathBuf = root.join("../shared/reference");
        if let Ok(entries) = std::fs::read_dir(&reference) {
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            found.sort();
            files.extend(found);
        }
        files
            .into_iter()
            .filter_map(|path| {
                let text = std::fs::read_to_string(&path).ok()?;
                let doc = serde_json::from_str(&text).ok()?;
                Some((path.display().to_string(), doc))
            })
            .collect()
    })
}

/// Any JSON, with the keys and values OpenAPI 3.1 rewrites look at.
fn openapi_like() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,6}".prop_map(Value::from),
        prop::sample::select(vec![
            "null",
            "string",
            "object",
            "array",
            "integer",
            "3.1.0",
            "#/components/schemas/ApiError",
            "#/components/schemas/Nope",
            "/v1/tasks/groups",
            "/v1/tasks/runs/{run_id}",
            "create_task_group_v1_tasks_groups_post",
            "application/json",
            "text/event-stream",
        ])
        .prop_map(Value::from),
    ];
    let key = prop_oneof![
        3 => prop::sample::select(vec![
            "openapi", "paths", "components", "schemas", "get", "post", "parameters",
            "requestBody", "responses", "content", "application/json", "schema", "type",
            "anyOf", "oneOf", "allOf", "const", "examples", "title", "nullable", "items",
            "properties", "required", "enum", "$ref", "operationId", "422", "200",
            "exclusiveMinimum", "propertyNames", "x-stainless-override-schema", "webhooks",
            "/v1/tasks/groups", "/v1/tasks/runs",
        ])
        .prop_map(str::to_owned),
        1 => "[a-z]{1,5}",
    ];
    json_tree(leaf.boxed(), key.boxed(), 6, 64, 6)
}

/// One way to break a document.
#[derive(Debug, Clone)]
enum Mutation {
    Drop(Index),
    Replace(Index, Value),
    AddField(Index, String, Value),
}

/// Schema snippets in the 3.1 forms the rewrites handle, and broken ones.
fn snippet() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => openapi_like(),
        1 => prop::sample::select(vec![
            json!({"type": ["string", "null"]}),
            json!({"type": ["null"]}),
            json!({"type": []}),
            json!({"anyOf": [{"type": "string"}, {"type": "null"}]}),
            json!({"anyOf": [{"$ref": "#/components/schemas/ApiError"}, {"type": "null"}]}),
            json!({"anyOf": []}),
            json!({"oneOf": [{"type": "null"}]}),
            json!({"allOf": [{"$ref": "#/components/schemas/Missing"}]}),
            json!({"const": "x", "examples": [1, 2]}),
            json!({"exclusiveMinimum": 3, "exclusiveMaximum": "x"}),
            json!({"propertyNames": {"pattern": "^a"}}),
            json!({"$ref": 5}),
            json!({"title": {"nested": true}}),
        ]),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Drop),
        (any::<Index>(), snippet()).prop_map(|(at, v)| Mutation::Replace(at, v)),
        (any::<Index>(), "[a-z$-]{1,8}", snippet())
            .prop_map(|(at, k, v)| Mutation::AddField(at, k, v)),
    ]
}

fn mutate(doc: &mut Value, mutations: &[Mutation]) {
    let mut all = places(doc);
    for m in mutations {
        let pick = |at: &Index| all[at.index(all.len())].clone();
        match m {
            Mutation::Drop(at) => json_remove(doc, &pick(at)),
            Mutation::Replace(at, v) => {
                if let Some(slot) = doc.pointer_mut(&pick(at)) {
                    *slot = v.clone();
                }
            }
            Mutation::AddField(at, k, v) => {
                if let Some(Value::Object(o)) = doc.pointer_mut(&pick(at)) {
                    o.insert(k.clone(), v.clone());
                }
            }
        }
        all = places(doc);
    }
}

/// Where `a` and `b` first differ, as a JSON pointer with both sides.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let here = format!("{at}/{key}");
                match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => {
                        if let Some(d) = first_difference(p, q, &here) {
                            return Some(d);
                        }
                    }
                    (p, q) => return Some(format!("{here}: {p:?} vs {q:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}/{i}"))),
        _ if a == b => None,
        _ => Some(format!("{at}: {a} vs {b}")),
    }
}

/// The properties every input must have; notes in `tally` whether the
/// document normalised (the precondition of idempotence).
fn check(doc: Value, tally: &Tally) -> Result<(), TestCaseError> {
    let first = normalize(doc.clone());
    let second = normalize(doc);
    prop_assert!(first == second, "not deterministic");
    tally.note("normalised (idempotence checked)", first.is_ok());
    if let Ok(out) = first {
        match normalize(out.clone()) {
            Ok(again) => prop_assert!(
                again == out,
                "normalising the output changed it at {}",
                first_difference(&out, &again, "").unwrap_or_default()
            ),
            Err(e) => prop_assert!(false, "normalising the output failed: {e}"),
        }
    }
    Ok(())
}

#[test]
fn fuzz_normalize_any_json_never_panics_and_is_deterministic() {
    // Bare random documents never normalise (they lack what a spec needs),
    // so this target checks only "no panic, deterministic"; idempotence on
    // random trees is `fuzz_normalize_any_json_in_a_real_spec_is_idempotent`.
    let tally = Tally::new();
    fuzz(4000, openapi_like(), |doc| check(doc, &tally));
    tally.require(&[]);
}

#[test]
fn fuzz_normalize_broken_real_specs_never_panic_and_are_idempotent() {
    let case = (any::<Index>(), prop::collection::vec(mutation(), 1..6));
    let tally = Tally::new();
    fuzz(180, case, |(which, mutations)| {
        let seeds = seeds();
        let mut doc = seeds[which.index(seeds.len())].1.clone();
        mutate(&mut doc, &mutations);
        check(doc, &tally)
    });
    tally.require(&[("normalised (idempotence checked)", 0.1)]);
}

/// A schema in OpenAPI 3.1 forms the rewrites translate to 3.0, nested.
fn schema_31() -> impl Strategy<Value = Value> {
    let scalar = prop::sample::select(vec!["string", "integer", "number", "boolean"]);
    let leaf = prop_oneof![
        scalar.clone().prop_map(|t| json!({"type": t})),
        scalar.clone().prop_map(|t| json!({"type": [t, "null"]})),
        scalar.prop_map(|t| json!({"anyOf": [{"type": t}, {"type": "null"}]})),
        "[a-z]{1,6}".prop_map(|c| json!({"const": c})),
        (any::<i32>(), any::<i32>())
            .prop_map(|(a, b)| json!({"type": "integer", "examples": [a, b]})),
        any::<i32>().prop_map(|n| json!({"type": "number", "exclusiveMinimum": n})),
        Just(json!({"$ref": "#/components/schemas/TaskSpec"})),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::btree_map("[a-z]{1,5}", inner.clone(), 1..4).prop_map(|m| {
                json!({"type": ["object", "null"], "properties": m, "title": "T"})
            }),
            inner
                .clone()
                .prop_map(|i| json!({"type": "array", "items": i, "examples": [[]]})),
            (inner.clone(), inner).prop_map(|(a, b)| json!({"anyOf": [a, b, {"type": "null"}]})),
        ]
    })
}

/// Whether `value` holds a 3.1 form the rewrites translate.
fn has_31_form(value: &Value) -> bool {
    let mut todo = vec![value];
    while let Some(v) = todo.pop() {
        match v {
            Value::Object(m) => {
                if m.get("type").is_some_and(Value::is_array)
                    || ["const", "examples", "exclusiveMinimum"]
                        .iter()
                        .any(|k| m.contains_key(*k))
                {
                    return true;
                }
                todo.extend(m.values());
            }
            Value::Array(a) => todo.extend(a),
            _ => {}
        }
    }
    false
}

/// Every property schema of every component of our spec, as JSON pointers:
/// where a generated schema goes.
fn property_slots() -> &'static [String] {
    static SLOTS: OnceLock<Vec<String>> = OnceLock::new();
    SLOTS.get_or_init(|| {
        places(&seeds()[0].1)
            .into_iter()
            .filter(|p| {
                let parts: Vec<&str> = p.split('/').collect();
                parts.len() == 6 && parts[1] == "components" && parts[4] == "properties"
            })
            .collect()
    })
}

/// Our spec with each schema put at its slot.
fn ours_with(inserts: &[(Index, Value)]) -> Value {
    let slots = property_slots();
    let mut doc = seeds()[0].1.clone();
    for (at, schema) in inserts {
        if let Some(slot) = doc.pointer_mut(&slots[at.index(slots.len())]) {
            *slot = schema.clone();
        }
    }
    doc
}

#[test]
fn fuzz_normalize_any_json_in_a_real_spec_is_idempotent() {
    // Random trees where a schema goes: the document around them normalises,
    // so idempotence is checked, not skipped.
    assert!(
        !property_slots().is_empty(),
        "our spec has component properties"
    );
    let case = prop::collection::vec((any::<Index>(), openapi_like()), 1..4);
    let tally = Tally::new();
    fuzz(300, case, |inserts| check(ours_with(&inserts), &tally));
    tally.require(&[("normalised (idempotence checked)", 0.5)]);
}

#[test]
fn fuzz_normalize_31_schemas_in_our_spec_are_rewritten_idempotently() {
    assert!(
        !property_slots().is_empty(),
        "our spec has component properties"
    );
    let plain = normalize(seeds()[0].1.clone()).expect("our spec normalises");
    let case = prop::collection::vec((any::<Index>(), schema_31()), 1..4);
    let tally = Tally::new();
    fuzz(300, case, |inserts| {
        tally.note(
            "an inserted schema holds a 3.1 form to rewrite",
            inserts.iter().any(|(_, s)| has_31_form(s)),
        );
        let doc = ours_with(&inserts);
        tally.note(
            "it normalised, and the inserts changed the output",
            normalize(doc.clone()).is_ok_and(|out| out != plain),
        );
        check(doc, &tally)
    });
    tally.require(&[
        ("an inserted schema holds a 3.1 form to rewrite", 0.5),
        ("it normalised, and the inserts changed the output", 0.5),
        ("normalised (idempotence checked)", 0.5),
    ]);
}
