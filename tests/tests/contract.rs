//! The emulator holds the official contract (issue 19, Must 1 and 2).
//!
//! Both tests read the official OpenAPI documents from `../shared/reference`
//! (beside the checkout) at run time and never copy them; without that
//! folder they say so and skip, as `.ci/run` does.
//!
//! - [`schema_derived_request_corpus`]: from each document's REQUEST schemas,
//!   for every in-scope operation that takes a body, builds valid bodies
//!   (required fields only, every field, each optional field alone, each
//!   enum value) and invalid ones (each field given each JSON type its
//!   schema refuses, each enum and const a wrong value, each `date` a
//!   non-date, each required field removed, at every depth), plus each query
//!   parameter given values its type refuses (a word, an empty string, a
//!   fraction for an integer, a value outside its enum) and values it
//!   takes (each enum value and boolean spelling, a negative number where no
//!   minimum is documented). Each goes to the emulator
//!   binary over HTTP: an invalid one must get 422 with an error at the
//!   field's location, a valid one 2xx.
//!   Chat bodies use a model the chat documentation names (see
//!   [`documented_model`]).
//! - [`every_response_and_event_matches_the_response_schemas`]: drives every
//!   operation but chat (which [`chat_answers_and_chunks_match_the_response_schemas`]
//!   checks) (GA and beta paths) and validates each answer and each SSE
//!   event against the documents' RESPONSE schema for its status code,
//!   including the error answers; every event type in the streams'
//!   discriminators must have been seen, except `error`, which the emulator
//!   never sends.
//!
//! Both use the emulator's published validator
//! (`parallel_web_emulator::contract::validate`) with the official document
//! as the root; a body the corpus builds as invalid must also be invalid
//! to that validator (a check on the validator), and a mutation that another
//! branch of a union accepts is sent as a valid body instead.

use parallel_web_emulator::contract::{Direction, KEYWORDS, validate};
use parallel_web_tests::{EmulatorProcess, TEST_API_KEY};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The official documents, if `../shared/reference` is beside the checkout.
fn official_documents() -> Option<Vec<(String, Value)>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference");
    let mut docs = Vec::new();
    for name in ["public-openapi.json", "docs-legacy-openapi.json"] {
        let path = dir.join(name);
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!(
                "SKIPPED: the official OpenAPI documents are absent (../shared/reference/{name} \
                 beside the checkout); this contract test needs them"
            );
            return None;
        };
        let doc: Value = serde_json::from_str(&text).expect("the official document is JSON");
        docs.push((name.to_owned(), doc));
    }
    Some(docs)
}

/// The in-scope paths, as `xtask/src/normalize/scope.rs` defines them:
/// the emulator serves every one. (Memory, `/v1beta/memory`, is served
/// but in neither official document.)
fn in_scope(path: &str) -> bool {
    [
        "/v1beta/tasks/runs/{run_id}/events",
        "/v1/search",
        "/v1/extract",
        "/v1beta/search",
        "/v1beta/extract",
        "/v1beta/chat/completions",
    ]
    .contains(&path)
        || [
            "/v1/tasks/groups",
            "/v1beta/tasks/groups",
            "/v1/tasks/runs",
            "/v1beta/findall",
            "/v1/monitors",
        ]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// `(method, path, operation)` of every in-scope GET and POST.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        if !in_scope(path) {
            continue;
        }
        for (method, op) in item.as_object().expect("path item") {
            if method == "get" || method == "post" {
                out.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    out
}

fn resolve<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => schema = root.pointer(&r[1..]).expect("the reference resolves"),
            None => break,
        }
    }
    schema
}

fn is_valid(root: &Value, schema: &Value, value: &Value) -> bool {
    validate(root, schema, value, Direction::Request, &[]).is_empty()
}

/// The JSON types a schema admits at its top level (all, without `type`).
fn allowed_types(root: &Value, schema: &Value) -> BTreeSet<String> {
    let s = resolve(root, schema);
    let all = || {
        [
            "string", "integer", "number", "boolean", "null", "array", "object",
        ]
        .iter()
        .map(|t| (*t).to_owned())
        .collect()
    };
    if let Some(branches) = s
        .get("anyOf")
        .or_else(|| s.get("oneOf"))
        .and_then(Value::as_array)
    {
        return branches
            .iter()
            .flat_map(|b| allowed_types(root, b))
            .collect();
    }
    match s.get("type") {
        Some(Value::String(t)) => [t.clone()].into_iter().collect(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => all(),
    }
}

/// The branch of a union that `value` is valid for (the schema itself, refs
/// resolved, when it is no union).
fn branch_for<'a>(root: &'a Value, schema: &'a Value, value: &Value) -> &'a Value {
    let s = resolve(root, schema);
    match s
        .get("anyOf")
        .or_else(|| s.get("oneOf"))
        .and_then(Value::as_array)
    {
        Some(branches) => branches
            .iter()
            .find(|b| is_valid(root, b, value))
            .map_or(s, |b| branch_for(root, b, value)),
        None => s,
    }
}

/// A valid value for `schema`: with every optional property when `full`,
/// with required ones only otherwise. Prefers the schema's own example.
fn valid_value(root: &Value, schema: &Value, full: bool, depth: usize) -> Value {
    assert!(depth < 24, "schema nests too deep to generate");
    let s = resolve(root, schema);
    if let Some(example) = s.get("examples").and_then(|e| e.get(0))
        && is_valid(root, s, example)
        && !(full && example.is_object() && s.get("properties").is_some())
    {
        return example.clone();
    }
    if let Some(c) = s.get("const") {
        return c.clone();
    }
    if let Some(e) = s.get("enum").and_then(|e| e.get(0)) {
        return e.clone();
    }
    if let Some(branches) = s
        .get("anyOf")
        .or_else(|| s.get("oneOf"))
        .and_then(Value::as_array)
    {
        let branch = branches
            .iter()
            .find(|b| resolve(root, b).get("type") != Some(&json!("null")))
            .unwrap_or(&branches[0]);
        return valid_value(root, branch, full, depth + 1);
    }
    match s.get("type").and_then(Value::as_str) {
        Some("string") => match s.get("format").and_then(Value::as_str) {
            Some("date") => json!("2024-01-31"),
            Some("date-time") => json!("2024-01-31T12:00:00Z"),
            _ => json!("example"),
        },
        // 3, or the nearest value the schema's bounds allow.
        Some("integer") => {
            let low = s.get("minimum").and_then(Value::as_i64).unwrap_or(i64::MIN);
            let high = s.get("maximum").and_then(Value::as_i64).unwrap_or(i64::MAX);
            json!(3i64.clamp(low, high))
        }
        Some("number") => json!(2.5),
        Some("boolean") => json!(true),
        Some("null") => Value::Null,
        Some("array") => json!([valid_value(root, &s["items"], full, depth + 1)]),
        _ => {
            let mut map = Map::new();
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                for (name, p) in props {
                    if full || required.contains(&name.as_str()) {
                        map.insert(name.clone(), valid_value(root, p, full, depth + 1));
                    }
                }
            } else if let Some(extra @ Value::Object(_)) = s.get("additionalProperties") {
                map.insert("key".into(), valid_value(root, extra, full, depth + 1));
            }
            Value::Object(map)
        }
    }
}

/// Where a body the schema accepts breaks a rule the document states only
/// in its prose: the beta-era search needs an objective or search queries
/// ("at least one of objective or search_queries must be provided"); a
/// FindAll run's `match_limit` must be from 5 to 1000, and an extension's
/// `additional_match_limit` above 0; a
/// monitor's `type` decides the shape of its `settings` (a snapshot needs
/// a task run, which a generated id never names; an event stream needs a
/// query); an update must name a field, changes settings only with
/// `type`, and cannot change the type (the corpus's monitor is an event
/// stream).
fn refused_by_prose(path: &str, body: &Value) -> Option<Vec<Value>> {
    let given = |field: &str| match &body[field] {
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(items) => items
            .iter()
            .any(|q| q.as_str().is_some_and(|q| !q.trim().is_empty())),
        _ => false,
    };
    let outside = |field: &str, low: i64, high: i64| {
        body[field]
            .as_i64()
            .is_some_and(|n| !(low..=high).contains(&n))
            .then(|| vec![json!(field)])
    };
    match path {
        "/v1beta/search" => (!given("objective") && !given("search_queries")).then(Vec::new),
        "/v1beta/findall/runs" => outside("match_limit", 5, 1000),
        "/v1beta/findall/runs/{findall_id}/extend" => {
            outside("additional_match_limit", 1, i64::MAX)
        }
        "/v1/monitors" if body["type"] == "snapshot" => {
            Some(vec![json!("settings"), json!("task_run_id")])
        }
        "/v1/monitors" => body["settings"]["query"]
            .as_str()
            .is_none_or(|q| q.trim().is_empty())
            .then(|| vec![json!("settings"), json!("query")]),
        "/v1/monitors/{monitor_id}/update" => {
            let named = body.as_object().is_some_and(|o| !o.is_empty());
            if !named {
                Some(Vec::new())
            } else if body["type"].as_str().is_some_and(|t| t != "event_stream") {
                Some(vec![json!("type")])
            } else if !body["settings"].is_null() && body["type"].is_null() {
                Some(vec![json!("settings")])
            } else {
                None
            }
        }
        _ => None,
    }
}

const CHAT_PATH: &str = "/v1beta/chat/completions";

/// The chat documents type `model` as any string, but Parallel's chat
/// documentation names the models (`speed`, `lite`, `base`, `core`) and the
/// emulator refuses others (an assumption its README lists). A generated
/// placeholder model is replaced by `speed` in every case, and one case
/// keeps the placeholder, to be refused at `model`.
fn documented_model(cases: &mut Vec<Case>, full: &Value) {
    for case in cases.iter_mut() {
        if case.body["model"] == json!("example") {
            case.body["model"] = json!("speed");
        }
    }
    cases.push(Case {
        what: "model not one the chat documentation names".into(),
        body: full.clone(),
        invalid_at: Some(vec![json!("model")]),
    });
}

/// The FindAll run documents state the `match_limit` bounds (5 to 1000)
/// only in prose, so the generated placeholder (3) is below them: every
/// case that carries it gets 5 instead, and the two limits just outside
/// the bounds are cases of their own, to be refused at `match_limit`.
fn documented_match_limit(cases: &mut Vec<Case>, full: &Value) {
    for case in cases.iter_mut() {
        if case.body["match_limit"] == json!(3) {
            case.body["match_limit"] = json!(5);
        }
    }
    for limit in [4, 1001] {
        let mut body = full.clone();
        body["match_limit"] = json!(limit);
        cases.push(Case {
            what: format!("match_limit {limit}, outside the documented bounds"),
            body,
            invalid_at: Some(vec![json!("match_limit")]),
        });
    }
}

/// One body or parameter value to send, and what must come back.
struct Case {
    what: String,
    body: Value,
    /// `Some(loc)`: invalid, a 422 must name `loc`; `None`: valid.
    invalid_at: Option<Vec<Value>>,
}

fn set_at(body: &mut Value, path: &[Value], new: Option<Value>) {
    let (last, parents) = path.split_last().expect("a non-empty path");
    let mut node = body;
    for p in parents {
        node = match p {
            Value::String(k) => &mut node[k.as_str()],
            Value::Number(i) => &mut node[i.as_u64().expect("index") as usize],
            _ => unreachable!(),
        };
    }
    match (last, new) {
        (Value::String(k), Some(v)) => node[k.as_str()] = v,
        (Value::String(k), None) => {
            node.as_object_mut().expect("object").remove(k);
        }
        (Value::Number(i), Some(v)) => node[i.as_u64().expect("index") as usize] = v,
        _ => unreachable!(),
    }
}

fn path_text(path: &[Value]) -> String {
    path.iter()
        .map(|p| match p {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Invalid variants of `body`, for the node at `path` (value `value`,
/// schema `schema`) and everything below it.
fn mutations(
    root: &Value,
    body: &Value,
    schema: &Value,
    value: &Value,
    path: &mut Vec<Value>,
    out: &mut Vec<Case>,
) {
    let allowed = allowed_types(root, schema);
    let probes: [(&str, Value); 7] = [
        ("string", json!("not-a-valid-value")),
        ("integer", json!(7)),
        ("number", json!(1.5)),
        ("boolean", json!(true)),
        ("null", Value::Null),
        ("array", json!([])),
        ("object", json!({})),
    ];
    for (ty, probe) in probes {
        let admitted = allowed.contains(ty) || (ty == "integer" && allowed.contains("number"));
        if !admitted && !path.is_empty() {
            let mut b = body.clone();
            set_at(&mut b, path, Some(probe));
            out.push(Case {
                what: format!("{} as {ty}", path_text(path)),
                body: b,
                invalid_at: Some(path.clone()),
            });
        }
    }
    let s = branch_for(root, schema, value);
    if !path.is_empty() {
        let wrong = if s.get("enum").is_some() {
            Some(("a value outside the enum", json!("not-an-enum-value")))
        } else if s.get("const").is_some_and(Value::is_string) {
            Some(("a wrong const", json!("not-the-const")))
        } else if matches!(
            s.get("format").and_then(Value::as_str),
            Some("date" | "date-time")
        ) {
            Some(("a non-date", json!("yesterday")))
        } else {
            None
        };
        if let Some((label, bad)) = wrong {
            let mut b = body.clone();
            set_at(&mut b, path, Some(bad));
            out.push(Case {
                what: format!("{} as {label}", path_text(path)),
                body: b,
                invalid_at: Some(path.clone()),
            });
        }
    }
    match value {
        Value::Object(map) => {
            let props = s.get("properties").and_then(Value::as_object);
            if let Some(required) = s.get("required").and_then(Value::as_array) {
                for name in required.iter().filter_map(Value::as_str) {
                    path.push(json!(name));
                    let mut b = body.clone();
                    set_at(&mut b, path, None);
                    out.push(Case {
                        what: format!("{} removed", path_text(path)),
                        body: b,
                        invalid_at: Some(path.clone()),
                    });
                    path.pop();
                }
            }
            let extra = s.get("additionalProperties").filter(|e| e.is_object());
            for (k, v) in map {
                if let Some(child) = props.and_then(|p| p.get(k)).or(extra) {
                    path.push(json!(k));
                    mutations(root, body, child, v, path, out);
                    path.pop();
                }
            }
        }
        Value::Array(items) => {
            if let (Some(item), Some(item_schema)) = (items.first(), s.get("items")) {
                path.push(json!(0));
                mutations(root, body, item_schema, item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Valid variants: required fields only, every field, each optional field
/// alone (top level and inside each object reached), each enum value.
fn valid_cases(root: &Value, schema: &Value) -> Vec<Case> {
    let minimal = valid_value(root, schema, false, 0);
    let full = valid_value(root, schema, true, 0);
    let mut cases = vec![
        Case {
            what: "required fields only".into(),
            body: minimal.clone(),
            invalid_at: None,
        },
        Case {
            what: "every field".into(),
            body: full.clone(),
            invalid_at: None,
        },
    ];
    // Each optional property of the body (and of each run input), alone.
    let s = resolve(root, schema);
    let mut targets: Vec<(Vec<Value>, &Value)> = vec![(vec![], s)];
    if let Some(items) = s.pointer("/properties/inputs/items") {
        targets.push((vec![json!("inputs"), json!(0)], resolve(root, items)));
    }
    for (at, obj) in targets {
        for (name, p) in obj
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let mut b = minimal.clone();
            let mut path = at.clone();
            path.push(json!(name));
            set_at(&mut b, &path, Some(valid_value(root, p, true, 0)));
            cases.push(Case {
                what: format!("{} set", path_text(&path)),
                body: b,
                invalid_at: None,
            });
            if allowed_types(root, p).contains("null") {
                let mut b = minimal.clone();
                set_at(&mut b, &path, Some(Value::Null));
                cases.push(Case {
                    what: format!("{} null", path_text(&path)),
                    body: b,
                    invalid_at: None,
                });
            }
        }
    }
    // Each enum value wherever the full body has an enum.
    let mut enums = Vec::new();
    enum_sites(root, schema, &full, &mut Vec::new(), &mut enums);
    for (path, values) in enums {
        for v in values {
            let mut b = full.clone();
            set_at(&mut b, &path, Some(v.clone()));
            cases.push(Case {
                what: format!("{} = {v}", path_text(&path)),
                body: b,
                invalid_at: None,
            });
        }
    }
    cases
}

fn enum_sites(
    root: &Value,
    schema: &Value,
    value: &Value,
    path: &mut Vec<Value>,
    out: &mut Vec<(Vec<Value>, Vec<Value>)>,
) {
    let s = branch_for(root, schema, value);
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        out.push((path.clone(), values.clone()));
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if let Some(child) = s.get("properties").and_then(|p| p.get(k)) {
                    path.push(json!(k));
                    enum_sites(root, child, v, path, out);
                    path.pop();
                }
            }
        }
        Value::Array(items) => {
            if let (Some(item), Some(is)) = (items.first(), s.get("items")) {
                path.push(json!(0));
                enum_sites(root, is, item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Every schema keyword the in-scope schemas of `doc` use.
fn keywords_used(doc: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    out.insert(k.clone());
                    match k.as_str() {
                        "properties" => {
                            for c in child.as_object().into_iter().flat_map(|m| m.values()) {
                                walk(c, out);
                            }
                        }
                        // Values, not schemas.
                        "examples" | "example" | "default" | "const" | "enum" | "description"
                        | "title" | "discriminator" => {}
                        _ => walk(child, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut names = BTreeSet::new();
    let mut todo: Vec<String> = Vec::new();
    for (_, _, op) in operations(doc) {
        collect_refs(&op, &mut todo);
    }
    let mut seen = BTreeSet::new();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let s = &doc["components"]["schemas"][&name];
        walk(s, &mut names);
        collect_refs(s, &mut todo);
    }
    names
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, c) in map {
                if k == "$ref" {
                    if let Some(n) = c
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        out.push(n.to_owned());
                    }
                } else {
                    collect_refs(c, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, out)),
        _ => {}
    }
}

fn client() -> reqwest::Client {
    parallel_web::install_tls_provider();
    reqwest::Client::new()
}

struct Answer {
    status: u16,

    text: String,
}

async fn send(req: reqwest::RequestBuilder) -> Answer {
    let resp = req
        .header("x-api-key", TEST_API_KEY)
        .send()
        .await
        .expect("the emulator answers");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("the body reads");
    Answer { status, text }
}

async fn post(http: &reqwest::Client, base: &str, path: &str, body: &Value) -> Answer {
    send(
        http.post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
    .await
}

/// The `loc`s of a 422's errors, in either of the API's shapes.
fn error_locs(text: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let items = v["detail"]
        .as_array()
        .or_else(|| v["error"]["detail"]["errors"].as_array())
        .cloned()
        .unwrap_or_default();
    items.iter().map(|e| e["loc"].clone()).collect()
}

/// A fresh group id (the add-runs cases share one per document).
async fn new_group(http: &reqwest::Client, base: &str) -> String {
    let a = post(http, base, "/v1/tasks/groups", &json!({})).await;
    assert_eq!(a.status, 200, "{}", a.text);
    serde_json::from_str::<Value>(&a.text).unwrap()["taskgroup_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn schema_derived_request_corpus() {
    let Some(docs) = official_documents() else {
        return;
    };
    let emulator =
        EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "19", "--rate-limit", "0"]);
    let base = emulator.base_url().to_owned();
    let http = client();
    let group = new_group(&http, &base).await;
    let run = {
        let a = post(
            &http,
            &base,
            "/v1/tasks/runs",
            &json!({"input": "x", "processor": "lite"}),
        )
        .await;
        assert_eq!(a.status, 202, "{}", a.text);
        serde_json::from_str::<Value>(&a.text).unwrap()["run_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let findall = {
        let a = post(&http, &base, "/v1beta/findall/runs", &findall_fixture(5)).await;
        assert_eq!(a.status, 200, "{}", a.text);
        id_of(&a, "findall_id")
    };

    let monitor = {
        let a = post(
            &http,
            &base,
            "/v1/monitors",
            &json!({"type": "event_stream", "frequency": "1d", "settings": {"query": "x"}}),
        )
        .await;
        id_of(&a, "monitor_id")
    };

    let mut failures = Vec::new();
    let mut counts: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for (doc_name, doc) in &docs {
        let unknown: Vec<String> = keywords_used(doc)
            .into_iter()
            .filter(|k| !KEYWORDS.contains(&k.as_str()))
            .collect();
        assert!(
            unknown.is_empty(),
            "{doc_name}: the in-scope schemas use keywords the validator does not know: {unknown:?}"
        );
        for (method, path, op) in operations(doc) {
            let concrete = path
                .replace("{taskgroup_id}", &group)
                .replace("{run_id}", &run)
                .replace("{findall_id}", &findall)
                .replace("{monitor_id}", &monitor);
            let label = format!("{} {path} ({doc_name})", method.to_uppercase());
            let mut cases = Vec::new();
            if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
                let full = valid_value(doc, schema, true, 0);
                assert!(
                    is_valid(doc, schema, &full),
                    "{label}: generated body is not valid: {full}"
                );
                cases.extend(valid_cases(doc, schema));
                let mut invalid = Vec::new();
                mutations(doc, &full, schema, &full, &mut Vec::new(), &mut invalid);
                for mut case in invalid {
                    // A mutation that another union branch accepts is valid.
                    if is_valid(doc, schema, &case.body) {
                        case.what = format!("{} (another union branch accepts it)", case.what);
                        case.invalid_at = None;
                    }
                    cases.push(case);
                }
                for case in &cases {
                    assert_eq!(
                        case.invalid_at.is_none(),
                        is_valid(doc, schema, &case.body),
                        "{label}: the corpus and the validator disagree on {}",
                        case.what
                    );
                }
                if path == CHAT_PATH {
                    documented_model(&mut cases, &full);
                }
                if path == "/v1beta/findall/runs" {
                    documented_match_limit(&mut cases, &full);
                }
                for case in &mut cases {
                    if case.invalid_at.is_none()
                        && let Some(at) = refused_by_prose(&path, &case.body)
                    {
                        case.what = format!(
                            "{} (refused by a rule the document states in prose)",
                            case.what
                        );
                        case.invalid_at = Some(at);
                    }
                }
            }
            let tally = counts.entry(label.clone()).or_default();
            for case in &cases {
                let a = if method == "post" {
                    post(&http, &base, &concrete, &case.body).await
                } else {
                    unreachable!("only POSTs take bodies")
                };
                match &case.invalid_at {
                    Some(at) => {
                        tally[0] += 1;
                        let mut want = vec![json!("body")];
                        want.extend(at.iter().cloned());
                        if a.status != 422 || !error_locs(&a.text).contains(&json!(want)) {
                            failures.push(format!(
                                "{label}: {} → {} {} (wanted 422 at {})",
                                case.what,
                                a.status,
                                a.text,
                                json!(want)
                            ));
                        }
                    }
                    None => {
                        tally[1] += 1;
                        if !(200..300).contains(&a.status) {
                            failures.push(format!(
                                "{label}: valid {} → {} {}",
                                case.what, a.status, a.text
                            ));
                        }
                    }
                }
            }
            // Query parameters: each given a value of the wrong type, and
            // each valid value of a boolean or an enum.
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] != "query" {
                    continue;
                }
                let name = p["name"].as_str().unwrap();
                let allowed = allowed_types(doc, &p["schema"]);
                let enum_values: Vec<Value> = [&p["schema"]]
                    .into_iter()
                    .chain(p["schema"]["anyOf"].as_array().into_iter().flatten())
                    .filter_map(|s| resolve(doc, s).get("enum").and_then(Value::as_array))
                    .flatten()
                    .cloned()
                    .collect();
                let mut values: Vec<(String, bool)> = Vec::new();
                if !enum_values.is_empty() {
                    values.push(("not-a-status".into(), false));
                    values.extend(
                        enum_values
                            .iter()
                            .map(|v| (v.as_str().unwrap().to_owned(), true)),
                    );
                } else if allowed.contains("boolean") {
                    values.extend([
                        ("maybe".into(), false),
                        ("true".into(), true),
                        ("false".into(), true),
                    ]);
                } else if allowed.contains("number") {
                    // No minimum in the documents: a negative one is valid.
                    values.extend([
                        ("soon".into(), false),
                        (String::new(), false),
                        ("NaN".into(), false),
                        ("5".into(), true),
                        ("0.5".into(), true),
                        ("-1".into(), true),
                    ]);
                } else if allowed.contains("integer") {
                    // Negative numbers are valid unless a minimum says otherwise.
                    let takes = |n: i64| is_valid(doc, &p["schema"], &json!(n));
                    values.extend([
                        ("soon".into(), false),
                        (String::new(), false),
                        ("0.5".into(), false),
                        ("1e3".into(), false),
                        ("5".into(), takes(5)),
                        ("-1".into(), takes(-1)),
                    ]);
                } else {
                    continue; // a free string: nothing in the documents makes one invalid
                }
                for (value, valid) in values {
                    let url = format!("{base}{concrete}?{name}={value}");
                    let a = if method == "post" {
                        send(
                            http.post(url)
                                .header("content-type", "application/json")
                                .body(r#"{"inputs":[]}"#),
                        )
                        .await
                    } else {
                        send(http.get(url)).await
                    };
                    let what = format!("query {name}={value}");
                    if valid {
                        tally[1] += 1;
                        if !(200..300).contains(&a.status) {
                            failures
                                .push(format!("{label}: valid {what} → {} {}", a.status, a.text));
                        }
                    } else {
                        tally[0] += 1;
                        let want = json!(["query", name]);
                        if a.status != 422 || !error_locs(&a.text).contains(&want) {
                            failures.push(format!(
                                "{label}: {what} → {} {} (wanted 422 at {want})",
                                a.status, a.text
                            ));
                        }
                    }
                }
            }
            tally[2] = cases
                .iter()
                .filter(|c| c.what.ends_with("(another union branch accepts it)"))
                .count();
        }
    }
    let (mut invalid, mut valid) = (0, 0);
    eprintln!(
        "request corpus (invalid → 422 at the field / valid → 2xx / mutations a union branch accepts):"
    );
    for (label, [i, v, rescued]) in &counts {
        eprintln!("  {label}: {i} invalid, {v} valid ({rescued} rescued by a union)");
        invalid += i;
        valid += v;
    }
    eprintln!(
        "  total: {invalid} invalid, {valid} valid, {} failures",
        failures.len()
    );
    assert!(
        invalid > 300 && valid > 50,
        "the corpus is too small to mean much"
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases broke the contract:\n{}",
        failures.len(),
        invalid + valid,
        failures.join("\n")
    );
    emulator.terminate();
}

/// A FindAll run body with `match_limit` (two match conditions).
fn findall_fixture(match_limit: i64) -> Value {
    json!({
        "objective": "Robotics companies in Lisbon that raised a seed round",
        "entity_type": "companies",
        "match_conditions": [
            {"name": "raised_seed", "description": "Raised a seed round."},
            {"name": "in_lisbon", "description": "Based in Lisbon."}
        ],
        "generator": "core",
        "match_limit": match_limit,
    })
}

/// An enrichment of two typed fields, through an MCP server with
/// write-only headers (which no answer may echo).
fn findall_enrichment() -> Value {
    json!({
        "processor": "core",
        "output_schema": {"type": "json", "json_schema": {"type": "object", "properties": {
            "ceo_name": {"type": "string", "description": "Name of the CEO"},
            "founded": {"type": "integer", "description": "Year founded"}
        }, "required": ["ceo_name", "founded"]}},
        "mcp_servers": [{"type": "url", "url": "https://mcp.example.com", "name": "crm",
                          "headers": {"authorization": "Bearer secret"}}]
    })
}

/// Run inputs that reach every output kind and every optional input field
/// (an MCP server with write-only `headers` among them).
fn fixture_inputs() -> Vec<Value> {
    vec![
        json!({"input": "Who founded the Rust Foundation?", "processor": "lite"}),
        json!({"input": {"company": "Example Corp"}, "processor": "base", "metadata": {"k": "v", "n": 2, "b": true},
            "task_spec": {"output_schema": {"type": "json", "json_schema": {"type": "object", "properties": {
                "founded": {"type": "string", "description": "Year founded"},
                "people": {"type": "array", "items": {"type": "string"}, "description": "Founders"}}}}}}),
        json!({"input": "Summarise", "processor": "core", "task_spec": {"output_schema": "A two-line summary", "input_schema": "A topic"}}),
        json!({"input": "Everything", "processor": "pro", "enable_events": true,
            "mcp_servers": [{"type": "url", "url": "https://mcp.example", "name": "m", "headers": {"authorization": "Bearer secret"}, "allowed_tools": ["t"]}],
            "source_policy": {"include_domains": ["example.com"], "exclude_domains": [".io"], "after_date": "2024-01-01"},
            "advanced_settings": {"location": "fr"}, "previous_interaction_id": "trun_0",
            "webhook": {"url": "https://hook.example", "event_types": ["task_run.status"]}}),
    ]
}

/// Checks one answer against the document's response schema for its
/// status; records SSE event types by operation.
struct ResponseCheck<'d> {
    doc_name: &'d str,
    doc: &'d Value,
    failures: Vec<String>,
    undocumented: BTreeSet<String>,
    checked: usize,
    events: BTreeMap<String, BTreeSet<String>>,
}

impl ResponseCheck<'_> {
    fn check(&mut self, method: &str, path: &str, what: &str, a: &Answer, expect: u16) {
        let label = format!(
            "{} {path} ({}) {what}",
            method.to_uppercase(),
            self.doc_name
        );
        if a.status != expect {
            self.failures.push(format!(
                "{label}: status {} (wanted {expect}): {}",
                a.status, a.text
            ));
            return;
        }
        let op = &self.doc["paths"][path][method];
        let Some(response) = op["responses"].get(a.status.to_string()) else {
            // Beyond the documents (a 404 for an unknown group on a plain
            // GET, say): held to the API's error shape.
            self.undocumented
                .insert(format!("{} {path} → {}", method.to_uppercase(), a.status));
            let schema = json!({"$ref": "#/components/schemas/ErrorResponse"});
            self.validate_json(&label, &schema, &a.text);
            return;
        };
        let content = &response["content"];
        // An operation that answers JSON or a stream (chat completions)
        // documents both under one status; a JSON answer starts with `{`.
        let streamed = !a.text.trim_start().starts_with('{');
        if let Some(schema) = content
            .pointer("/text~1event-stream/schema")
            .filter(|_| streamed)
        {
            let mut seen = Vec::new();
            for block in a.text.split_terminator("\n\n") {
                if block.starts_with(':') {
                    continue;
                }
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap_or_else(|| panic!("{label}: SSE block without data: {block:?}"));
                if data == "[DONE]" {
                    // The end marker of an OpenAI-style stream, not an event.
                    seen.push(data.to_owned());
                    continue;
                }
                let event: Value = serde_json::from_str(data).expect("SSE data is JSON");
                let kind = event["type"].as_str().unwrap_or("").to_owned();
                let errors = validate(self.doc, schema, &event, Direction::Response, &[]);
                self.checked += 1;
                if !errors.is_empty() {
                    self.failures.push(format!(
                        "{label}: event {kind} breaks the schema: {errors:?}\n  {data}"
                    ));
                }
                seen.push(kind);
            }
            if seen.is_empty() {
                self.failures
                    .push(format!("{label}: the stream carried no event"));
            }
            self.events
                .entry(format!("{} {path}", method.to_uppercase()))
                .or_default()
                .extend(seen);
        } else if let Some(schema) = content.pointer("/application~1json/schema") {
            self.validate_json(&label, schema, &a.text);
        } else {
            self.failures.push(format!(
                "{label}: the document gives no schema for {}",
                a.status
            ));
        }
    }

    fn validate_json(&mut self, label: &str, schema: &Value, text: &str) {
        let Ok(body) = serde_json::from_str::<Value>(text) else {
            self.failures.push(format!("{label}: not JSON: {text}"));
            return;
        };
        let errors = validate(self.doc, schema, &body, Direction::Response, &[]);
        self.checked += 1;
        if !errors.is_empty() {
            self.failures
                .push(format!("{label}: breaks the schema: {errors:?}\n  {text}"));
        }
    }
}

/// A new event-stream monitor and a snapshot monitor of `run`: their ids.
async fn new_monitor(http: &reqwest::Client, base: &str, run: &str) -> (String, String) {
    let stream = post(
        http,
        base,
        "/v1/monitors",
        &json!({"type": "event_stream", "frequency": "1d", "settings": {"query": "wind farms"}}),
    )
    .await;
    let snapshot = post(
        http,
        base,
        "/v1/monitors",
        &json!({"type": "snapshot", "frequency": "1d", "settings": {"task_run_id": run}}),
    )
    .await;
    (id_of(&stream, "monitor_id"), id_of(&snapshot, "monitor_id"))
}

fn id_of(a: &Answer, field: &str) -> String {
    serde_json::from_str::<Value>(&a.text).unwrap_or(Value::Null)[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {}", a.text))
        .to_owned()
}

#[tokio::test]
async fn every_response_and_event_matches_the_response_schemas() {
    let Some(docs) = official_documents() else {
        return;
    };
    // Instant runs; every run failing; runs that take real time (for
    // `queued`/`running` states and the 408 of a result long-poll).
    let instant =
        EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "5", "--rate-limit", "0"]);
    let failing = EmulatorProcess::spawn(&[
        "--time-scale",
        "0",
        "--failure-rate",
        "1",
        "--rate-limit",
        "0",
    ]);
    let slow = EmulatorProcess::spawn(&["--time-scale", "1", "--rate-limit", "0"]);
    let http = client();
    let mut totals = Vec::new();
    let mut all_failures = Vec::new();
    for (doc_name, doc) in &docs {
        let mut c = ResponseCheck {
            doc_name,
            doc,
            failures: Vec::new(),
            undocumented: BTreeSet::new(),
            checked: 0,
            events: BTreeMap::new(),
        };
        for (method, path, _) in operations(doc) {
            if path == CHAT_PATH {
                // Checked by `chat_answers_and_chunks_match_the_response_schemas`.
                continue;
            }
            for (emu, flavour) in [
                (&instant, "instant"),
                (&failing, "failing"),
                (&slow, "slow"),
            ] {
                let base = emu.base_url();
                let prefix = if path.starts_with("/v1beta/tasks/groups") {
                    "/v1beta"
                } else {
                    "/v1"
                };
                let group = {
                    let a = post(
                        &http,
                        base,
                        &format!("{prefix}/tasks/groups"),
                        &json!({"metadata": {"k": "v", "n": 1.5, "b": false}}),
                    )
                    .await;
                    id_of(&a, "taskgroup_id")
                };
                let added = post(
                    &http,
                    base,
                    &format!("{prefix}/tasks/groups/{group}/runs"),
                    &json!({"inputs": fixture_inputs()}),
                )
                .await;
                let group_run = serde_json::from_str::<Value>(&added.text).unwrap()["run_ids"][3]
                    .as_str()
                    .expect("four runs added")
                    .to_owned();
                let single = post(&http, base, "/v1/tasks/runs", &fixture_inputs()[3]).await;
                let run = id_of(&single, "run_id");
                let fill = |p: &str, g: &str, r: &str| {
                    p.replace("{taskgroup_id}", g).replace("{run_id}", r)
                };
                let url = |p: &str| format!("{base}{}", fill(p, &group, &run));
                let with = |f: &str| format!("{flavour}: {f}");
                let m = method.as_str();
                match (
                    m,
                    path.trim_start_matches("/v1beta").trim_start_matches("/v1"),
                ) {
                    ("post", "/tasks/groups") => {
                        for body in [
                            json!({}),
                            json!({"metadata": {"a": "b", "c": 1}}),
                            json!({"metadata": null}),
                        ] {
                            let a = post(&http, base, &path, &body).await;
                            c.check(m, &path, &with(&format!("body {body}")), &a, 200);
                        }
                        let a = post(&http, base, &path, &json!({"metadata": "x"})).await;
                        c.check(m, &path, &with("bad metadata"), &a, 422);
                    }
                    ("get", "/tasks/groups/{taskgroup_id}") => {
                        c.check(
                            m,
                            &path,
                            &with("group"),
                            &send(http.get(url(&path))).await,
                            200,
                        );
                        let a =
                            send(http.get(format!("{base}{}", fill(&path, "tgrp_unknown", ""))))
                                .await;
                        c.check(m, &path, &with("unknown group"), &a, 404);
                    }
                    ("post", "/tasks/groups/{taskgroup_id}/runs") => {
                        c.check(m, &path, &with("add runs"), &added, 200);
                        let a = send(http.post(format!("{}?refresh_status=false", url(&path))).header("content-type", "application/json").body(json!({"inputs": [fixture_inputs()[0]], "default_task_spec": {"output_schema": {"type": "auto"}}}).to_string())).await;
                        c.check(
                            m,
                            &path,
                            &with("refresh_status=false, default spec"),
                            &a,
                            200,
                        );
                        let a = post(
                            &http,
                            base,
                            &fill(&path, &group, ""),
                            &json!({"inputs": [{"input": 1}]}),
                        )
                        .await;
                        c.check(m, &path, &with("invalid input"), &a, 422);
                        let a = post(
                            &http,
                            base,
                            &fill(&path, &group, ""),
                            &json!({"inputs": [{"input": "x", "processor": "nope"}]}),
                        )
                        .await;
                        c.check(m, &path, &with("unknown processor"), &a, 422);
                    }
                    ("get", "/tasks/groups/{taskgroup_id}/runs") => {
                        let filter = match flavour {
                            "instant" => "?status=completed&include_output=true",
                            "failing" => "?status=failed&include_output=true",
                            _ => "?include_output=true",
                        };
                        for q in [
                            "",
                            "?include_input=true&include_output=true",
                            filter,
                            "?include_input=true",
                        ] {
                            let a = send(http.get(format!("{}{q}", url(&path)))).await;
                            c.check(m, &path, &with(&format!("stream {q}")), &a, 200);
                        }
                        let a = send(http.get(format!("{}?status=bogus", url(&path)))).await;
                        c.check(m, &path, &with("bad status"), &a, 422);
                        let a =
                            send(http.get(format!("{base}{}", fill(&path, "tgrp_unknown", ""))))
                                .await;
                        c.check(m, &path, &with("unknown group"), &a, 404);
                    }
                    ("get", "/tasks/groups/{taskgroup_id}/events") => {
                        // The slow emulator's group stays active: bound the
                        // stream with `timeout` (seconds).
                        let a = send(http.get(format!("{}?timeout=0.5", url(&path)))).await;
                        c.check(m, &path, &with("events"), &a, 200);
                        let a = send(http.get(format!("{}?timeout=-1", url(&path)))).await;
                        c.check(m, &path, &with("negative timeout: no wait"), &a, 200);
                        let a = send(http.get(format!("{}?timeout=soon", url(&path)))).await;
                        c.check(m, &path, &with("bad timeout"), &a, 422);
                        let a =
                            send(http.get(format!("{base}{}", fill(&path, "tgrp_unknown", ""))))
                                .await;
                        c.check(m, &path, &with("unknown group"), &a, 404);
                    }
                    ("get", "/tasks/groups/{taskgroup_id}/runs/{run_id}") => {
                        let a =
                            send(http.get(format!("{base}{}", fill(&path, &group, &group_run))))
                                .await;
                        c.check(m, &path, &with("group run"), &a, 200);
                        let a = send(
                            http.get(format!("{base}{}", fill(&path, &group, "trun_unknown"))),
                        )
                        .await;
                        c.check(m, &path, &with("unknown run"), &a, 404);
                    }
                    ("post", "/tasks/runs") => {
                        for (i, body) in fixture_inputs().into_iter().enumerate() {
                            let a = post(&http, base, &path, &body).await;
                            c.check(m, &path, &with(&format!("input {i}")), &a, 202);
                        }
                        let a = post(&http, base, &path, &json!({"input": "x"})).await;
                        c.check(m, &path, &with("no processor"), &a, 422);
                        let a = post(
                            &http,
                            base,
                            &path,
                            &json!({"input": "x", "processor": "nope"}),
                        )
                        .await;
                        c.check(m, &path, &with("unknown processor"), &a, 403);
                    }
                    ("get", "/tasks/runs/{run_id}") => {
                        c.check(
                            m,
                            &path,
                            &with("run"),
                            &send(http.get(url(&path))).await,
                            200,
                        );
                        let a =
                            send(http.get(format!("{base}{}", fill(&path, "", "trun_unknown"))))
                                .await;
                        c.check(m, &path, &with("unknown run"), &a, 404);
                        let a = http.get(url(&path)).send().await.expect("answers");
                        let a = Answer {
                            status: a.status().as_u16(),
                            text: a.text().await.expect("body"),
                        };
                        c.check(m, &path, &with("no API key"), &a, 401);
                    }
                    ("get", "/tasks/runs/{run_id}/input") => {
                        c.check(
                            m,
                            &path,
                            &with("input with MCP headers"),
                            &send(http.get(url(&path))).await,
                            200,
                        );
                        let a =
                            send(http.get(format!("{base}{}", fill(&path, "", "trun_unknown"))))
                                .await;
                        c.check(m, &path, &with("unknown run"), &a, 404);
                    }
                    ("get", "/tasks/runs/{run_id}/result") => {
                        let (status, what) = match flavour {
                            "instant" => (200, "result"),
                            "failing" => (404, "result of a failed run"),
                            _ => (408, "result of an active run"),
                        };
                        let a = send(http.get(format!("{}?timeout=0", url(&path)))).await;
                        c.check(m, &path, &with(what), &a, status);
                        if flavour == "instant" {
                            for i in 0..3 {
                                let r = id_of(
                                    &post(&http, base, "/v1/tasks/runs", &fixture_inputs()[i])
                                        .await,
                                    "run_id",
                                );
                                let a = send(
                                    http.get(format!("{base}{}", fill(&path, "", &r)))
                                        .header("parallel-beta", "field-basis-2025-11-25"),
                                )
                                .await;
                                c.check(m, &path, &with(&format!("result of input {i}")), &a, 200);
                            }
                        }
                        let a = send(http.get(format!("{}?timeout=soon", url(&path)))).await;
                        c.check(m, &path, &with("bad timeout"), &a, 422);
                    }
                    ("get", "/tasks/runs/{run_id}/events") => {
                        if flavour != "slow" {
                            c.check(
                                m,
                                &path,
                                &with("run events"),
                                &send(http.get(url(&path))).await,
                                200,
                            );
                        }
                        let a =
                            send(http.get(format!("{base}{}", fill(&path, "", "trun_unknown"))))
                                .await;
                        c.check(m, &path, &with("unknown run"), &a, 404);
                    }
                    ("post", "/search") => {
                        let beta = path.starts_with("/v1beta");
                        let settings = json!({
                            "source_policy": {"include_domains": [".gov", "example.edu"], "after_date": "2020-01-01"},
                            "fetch_policy": {"max_age_seconds": 3600, "timeout_seconds": 5},
                            "location": "de",
                            "max_results": 3
                        });
                        let good = if beta {
                            let mut all = settings.clone();
                            all["objective"] = json!("solar storage policy");
                            all["mode"] = json!("agentic");
                            all["excerpts"] =
                                json!({"max_chars_per_result": 500, "max_chars_total": 4000});
                            vec![
                                json!({"objective": "solar storage"}),
                                json!({"search_queries": ["grid batteries"]}),
                                all,
                            ]
                        } else {
                            vec![
                                json!({"search_queries": ["grid batteries"]}),
                                json!({"objective": "solar storage", "search_queries": ["grid batteries"], "mode": "turbo", "session_id": "session_x", "max_chars_total": 2500,
                                       "advanced_settings": {"excerpt_settings": {"max_chars_per_result": 500}}}),
                                json!({"search_queries": ["grid batteries"], "advanced_settings": settings}),
                            ]
                        };
                        for body in good {
                            let a = post(&http, base, &path, &body).await;
                            c.check(m, &path, &with(&format!("body {body}")), &a, 200);
                        }
                        let bad = if beta {
                            json!({"mode": "fast"})
                        } else {
                            json!({"search_queries": []})
                        };
                        let a = post(&http, base, &path, &bad).await;
                        c.check(m, &path, &with("no objective or queries"), &a, 422);
                        let domains: Vec<String> =
                            (0..201).map(|i| format!("d{i}.example")).collect();
                        let policy = json!({"exclude_domains": domains});
                        let body = if beta {
                            json!({"objective": "x", "source_policy": policy})
                        } else {
                            json!({"search_queries": ["x"], "advanced_settings": {"source_policy": policy}})
                        };
                        let a = post(&http, base, &path, &body).await;
                        c.check(m, &path, &with("201 policy domains"), &a, 422);
                    }
                    ("post", "/extract") => {
                        let beta = path.starts_with("/v1beta");
                        let urls = json!([
                            "https://example.com/guides/solar-storage",
                            "https://unknown-host.test/page",
                            "not a url",
                            "https://example.org/missing/page"
                        ]);
                        let good = if beta {
                            vec![
                                json!({"urls": urls, "objective": "storage"}),
                                json!({"urls": urls, "excerpts": false, "full_content": true}),
                                json!({"urls": urls, "excerpts": {"max_chars_total": 1500}, "full_content": {"max_chars_per_result": 300}, "fetch_policy": {"max_age_seconds": 600}}),
                            ]
                        } else {
                            vec![
                                json!({"urls": urls, "objective": "storage", "search_queries": ["batteries"], "session_id": "session_y"}),
                                json!({"urls": urls, "advanced_settings": {"full_content": true}}),
                                json!({"urls": urls, "max_chars_total": 1200, "advanced_settings": {"full_content": {"max_chars_per_result": 300}, "excerpt_settings": {"max_chars_per_result": 10}}}),
                            ]
                        };
                        for body in good {
                            let a = post(&http, base, &path, &body).await;
                            c.check(m, &path, &with(&format!("body {body}")), &a, 200);
                        }
                        let many: Vec<String> = (0..21)
                            .map(|i| format!("https://example.com/p{i}"))
                            .collect();
                        let a = post(&http, base, &path, &json!({"urls": many})).await;
                        c.check(m, &path, &with("21 URLs"), &a, 422);
                        let stale = if beta {
                            json!({"urls": urls, "fetch_policy": {"max_age_seconds": 5}})
                        } else {
                            json!({"urls": urls, "advanced_settings": {"fetch_policy": {"max_age_seconds": 5}}})
                        };
                        let a = post(&http, base, &path, &stale).await;
                        c.check(m, &path, &with("max_age_seconds under 600"), &a, 422);
                    }
                    ("post", "/findall/runs") => {
                        let mut full = findall_fixture(10);
                        full["metadata"] = json!({"team": "growth", "n": 2, "ok": true});
                        full["exclude_list"] =
                            json!([{"name": "Solvia Labs", "url": "https://example.com/x"}]);
                        full["webhook"] = json!({"url": "https://hooks.example.com/findall",
                                                 "event_types": ["task_run.status"]});
                        for body in [findall_fixture(5), full] {
                            let a = post(&http, base, &path, &body).await;
                            c.check(m, &path, &with(&format!("body {body}")), &a, 200);
                        }
                        let a = post(&http, base, &path, &findall_fixture(4)).await;
                        c.check(m, &path, &with("match_limit 4"), &a, 422);
                    }
                    (_, p) if p.starts_with("/findall/runs/") => {
                        let fa = id_of(
                            &post(&http, base, "/v1beta/findall/runs", &findall_fixture(50)).await,
                            "findall_id",
                        );
                        let at =
                            |p: &str, id: &str| format!("{base}{}", p.replace("{findall_id}", id));
                        let unknown = if m == "get" {
                            send(http.get(at(&path, "findall_unknown"))).await
                        } else {
                            post(&http, base, &path.replace("{findall_id}", "findall_unknown"), &json!({"additional_match_limit": 1, "output_schema": {"json_schema": {}}})).await
                        };
                        c.check(m, &path, &with("unknown run"), &unknown, 404);
                        // Each flavour's run: finished (instant), failed, or queued (slow).
                        let busy = flavour == "slow";
                        let failed = flavour == "failing";
                        let enrich_path = "/v1beta/findall/runs/{findall_id}/enrich";
                        let extend_path = "/v1beta/findall/runs/{findall_id}/extend";
                        match p {
                            "/findall/runs/{findall_id}/cancel" => {
                                let a = post(
                                    &http,
                                    base,
                                    &path.replace("{findall_id}", &fa),
                                    &json!({}),
                                )
                                .await;
                                c.check(
                                    m,
                                    &path,
                                    &with("cancel"),
                                    &a,
                                    if busy { 200 } else { 409 },
                                );
                            }
                            "/findall/runs/{findall_id}/enrich" => {
                                let a = post(
                                    &http,
                                    base,
                                    &path.replace("{findall_id}", &fa),
                                    &findall_enrichment(),
                                )
                                .await;
                                c.check(
                                    m,
                                    &path,
                                    &with("enrich"),
                                    &a,
                                    if failed { 409 } else { 200 },
                                );
                                let a = post(
                                    &http,
                                    base,
                                    &path.replace("{findall_id}", &fa),
                                    &json!({"processor": "core"}),
                                )
                                .await;
                                c.check(m, &path, &with("no output schema"), &a, 422);
                            }
                            "/findall/runs/{findall_id}/extend" => {
                                let a = post(
                                    &http,
                                    base,
                                    &path.replace("{findall_id}", &fa),
                                    &json!({"additional_match_limit": 5}),
                                )
                                .await;
                                c.check(
                                    m,
                                    &path,
                                    &with("extend"),
                                    &a,
                                    if failed { 409 } else { 200 },
                                );
                                let a = post(
                                    &http,
                                    base,
                                    &path.replace("{findall_id}", &fa),
                                    &json!({"additional_match_limit": 0}),
                                )
                                .await;
                                c.check(m, &path, &with("extend by 0"), &a, 422);
                            }
                            _ => {
                                // Reads see a run that was enriched and extended
                                // (every event type), where the flavour allows.
                                if !failed {
                                    post(
                                        &http,
                                        base,
                                        &enrich_path.replace("{findall_id}", &fa),
                                        &findall_enrichment(),
                                    )
                                    .await;
                                    post(
                                        &http,
                                        base,
                                        &extend_path.replace("{findall_id}", &fa),
                                        &json!({"additional_match_limit": 5}),
                                    )
                                    .await;
                                }
                                let q = if p.ends_with("/events") && busy {
                                    "?timeout=0.5"
                                } else {
                                    ""
                                };
                                let a = send(http.get(format!("{}{q}", at(&path, &fa)))).await;
                                c.check(m, &path, &with("run"), &a, 200);
                                if p.ends_with("/events") {
                                    let a =
                                        send(http.get(format!("{}?timeout=soon", at(&path, &fa))))
                                            .await;
                                    c.check(m, &path, &with("bad timeout"), &a, 422);
                                }
                            }
                        }
                    }
                    ("post", "/findall/ingest") => {
                        let a = post(
                            &http,
                            base,
                            &path,
                            &json!({"objective": "Biotech founders in Seoul with a PhD"}),
                        )
                        .await;
                        c.check(m, &path, &with("ingest"), &a, 200);
                        let a = post(&http, base, &path, &json!({})).await;
                        c.check(m, &path, &with("no objective"), &a, 422);
                    }
                    ("post", "/findall/candidates") => {
                        for body in [
                            json!({"entity_type": "company", "objective": "battery makers"}),
                            json!({"entity_type": "people", "objective": "obscure battery chemists", "match_limit": 5}),
                        ] {
                            let a = post(&http, base, &path, &body).await;
                            c.check(m, &path, &with(&format!("body {body}")), &a, 200);
                        }
                        let a = post(
                            &http,
                            base,
                            &path,
                            &json!({"entity_type": "company", "objective": "x", "match_limit": 4}),
                        )
                        .await;
                        c.check(m, &path, &with("match_limit 4"), &a, 422);
                    }
                    ("post", "/monitors") => {
                        let body = json!({"type": "event_stream", "frequency": "1d",
                            "settings": {"query": "battery recycling", "include_backfill": true},
                            "webhook": {"url": "https://example.com/hook"},
                            "metadata": {"team": "energy"}});
                        let a = post(&http, base, &path, &body).await;
                        c.check(m, &path, &with("event stream"), &a, 201);
                        let snapshot = json!({"type": "snapshot", "frequency": "1w",
                            "settings": {"task_run_id": run}});
                        let a = post(&http, base, &path, &snapshot).await;
                        c.check(m, &path, &with("snapshot"), &a, 201);
                        let mut bad = body.clone();
                        bad["frequency"] = json!("daily");
                        let a = post(&http, base, &path, &bad).await;
                        c.check(m, &path, &with("unknown frequency"), &a, 422);
                    }
                    ("get", "/monitors") => {
                        new_monitor(&http, base, &run).await;
                        let a = send(http.get(format!("{base}{path}?limit=1"))).await;
                        c.check(m, &path, &with("first page"), &a, 200);
                        let next = serde_json::from_str::<Value>(&a.text).unwrap()["next_cursor"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned();
                        let a = send(http.get(format!(
                            "{base}{path}?cursor={next}&status=active&status=cancelled"
                        )))
                        .await;
                        c.check(m, &path, &with("next page"), &a, 200);
                        let a = send(http.get(format!("{base}{path}?cursor=garbage"))).await;
                        c.check(m, &path, &with("garbage cursor"), &a, 422);
                    }
                    ("get", "/monitors/{monitor_id}") => {
                        let (stream, snapshot) = new_monitor(&http, base, &run).await;
                        for (id, what) in [(stream, "event stream"), (snapshot, "snapshot")] {
                            let a = send(http.get(format!("{base}/v1/monitors/{id}"))).await;
                            c.check(m, &path, &with(what), &a, 200);
                        }
                        let a = send(http.get(format!("{base}/v1/monitors/monitor_unknown"))).await;
                        c.check(m, &path, &with("unknown monitor"), &a, 404);
                    }
                    ("post", "/monitors/{monitor_id}/update") => {
                        let (id, _) = new_monitor(&http, base, &run).await;
                        let at = format!("/v1/monitors/{id}/update");
                        let a = post(
                            &http,
                            base,
                            &at,
                            &json!({"frequency": "12h", "webhook": null}),
                        )
                        .await;
                        c.check(m, &path, &with("frequency"), &a, 200);
                        let a = post(&http, base, &at, &json!({})).await;
                        c.check(m, &path, &with("no field"), &a, 422);
                        let a = post(
                            &http,
                            base,
                            "/v1/monitors/monitor_unknown/update",
                            &json!({"frequency": "1d"}),
                        )
                        .await;
                        c.check(m, &path, &with("unknown monitor"), &a, 404);
                    }
                    ("post", "/monitors/{monitor_id}/cancel") => {
                        let (id, _) = new_monitor(&http, base, &run).await;
                        let at = format!("/v1/monitors/{id}/cancel");
                        let a = post(&http, base, &at, &json!({})).await;
                        c.check(m, &path, &with("cancel"), &a, 200);
                        let a = post(
                            &http,
                            base,
                            "/v1/monitors/monitor_unknown/cancel",
                            &json!({}),
                        )
                        .await;
                        c.check(m, &path, &with("unknown monitor"), &a, 404);
                    }
                    ("post", "/monitors/{monitor_id}/trigger") => {
                        let (id, _) = new_monitor(&http, base, &run).await;
                        let a = post(
                            &http,
                            base,
                            &format!("/v1/monitors/{id}/trigger"),
                            &json!({}),
                        )
                        .await;
                        // 204 has no body to check.
                        if a.status != 204 {
                            c.failures.push(format!(
                                "{path} {flavour}: trigger → {} {}",
                                a.status, a.text
                            ));
                        }
                        post(
                            &http,
                            base,
                            &format!("/v1/monitors/{id}/cancel"),
                            &json!({}),
                        )
                        .await;
                        let a = post(
                            &http,
                            base,
                            &format!("/v1/monitors/{id}/trigger"),
                            &json!({}),
                        )
                        .await;
                        c.check(m, &path, &with("cancelled monitor"), &a, 422);
                        let a = post(
                            &http,
                            base,
                            "/v1/monitors/monitor_unknown/trigger",
                            &json!({}),
                        )
                        .await;
                        c.check(m, &path, &with("unknown monitor"), &a, 404);
                    }
                    ("get", "/monitors/{monitor_id}/events") => {
                        let (stream, snapshot) = new_monitor(&http, base, &run).await;
                        let mut kinds = BTreeSet::new();
                        for id in [&stream, &snapshot] {
                            for _ in 0..12 {
                                post(
                                    &http,
                                    base,
                                    &format!("/v1/monitors/{id}/trigger"),
                                    &json!({}),
                                )
                                .await;
                            }
                            let at = format!("{base}/v1/monitors/{id}/events");
                            let a =
                                send(http.get(format!("{at}?include_completions=true&limit=100")))
                                    .await;
                            c.check(m, &path, &with("every event"), &a, 200);
                            let page: Value = serde_json::from_str(&a.text).unwrap_or_default();
                            for e in page["events"].as_array().into_iter().flatten() {
                                kinds.insert(e["event_type"].as_str().unwrap_or("").to_owned());
                            }
                            if let Some(group) = page["events"][0]["event_group_id"].as_str() {
                                let a =
                                    send(http.get(format!("{at}?event_group_id={group}"))).await;
                                c.check(m, &path, &with("one group"), &a, 200);
                            }
                            let a = send(http.get(format!("{at}?limit=2"))).await;
                            c.check(m, &path, &with("a page"), &a, 200);
                            let a = send(http.get(format!("{at}?cursor=garbage"))).await;
                            c.check(m, &path, &with("garbage cursor"), &a, 422);
                        }
                        // Every kind of the page's union was checked: the
                        // emulator whose runs all fail has only failed checks.
                        let wanted: &[&str] = match flavour {
                            "failing" => &["error"],
                            _ => &["event_stream", "snapshot", "completion"],
                        };
                        for kind in wanted {
                            if !kinds.contains(*kind) {
                                c.failures.push(format!(
                                    "{path} {flavour}: no `{kind}` event was produced to check"
                                ));
                            }
                        }
                    }
                    other => c.failures.push(format!("no driver for {other:?}: add one")),
                }
            }
        }
        // Every event type a stream's discriminator names was seen, except
        // `error` (the emulator never sends an error event).
        for (method, path, op) in operations(doc) {
            let Some(mapping) = op
                .pointer("/responses/200/content/text~1event-stream/schema/discriminator/mapping")
            else {
                continue;
            };
            let key = format!("{} {path}", method.to_uppercase());
            let seen = c.events.get(&key).cloned().unwrap_or_default();
            for kind in mapping.as_object().expect("mapping").keys() {
                if kind != "error" && !seen.contains(kind) {
                    c.failures.push(format!(
                        "{key} ({doc_name}): no `{kind}` event was produced to check"
                    ));
                }
            }
        }
        totals.push(format!(
            "{doc_name}: {} answers and events checked; statuses beyond the document: {:?}",
            c.checked, c.undocumented
        ));
        all_failures.extend(c.failures);
    }
    for t in &totals {
        eprintln!("{t}");
    }
    assert!(
        all_failures.is_empty(),
        "{} failures:\n{}",
        all_failures.len(),
        all_failures.join("\n")
    );
    for emu in [instant, failing, slow] {
        emu.terminate();
    }
}

/// Chat completions (`POST /v1beta/chat/completions`), whole and streamed,
/// in every answer format and from both kinds of model, against both
/// documents' response schemas; every stream ends with `[DONE]`. (Chat is
/// not in [`operations`], so the request corpus above leaves it out: the
/// documents name no models, and their `JSONSchema.schema` forbids every
/// property, which no real schema could satisfy.)
#[tokio::test]
async fn chat_answers_and_chunks_match_the_response_schemas() {
    let Some(docs) = official_documents() else {
        return;
    };
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "7", "--rate-limit", "0"]);
    let base = emu.base_url();
    let http = client();
    let path = "/v1beta/chat/completions";
    let formats = [
        Value::Null,
        json!({"type": "text"}),
        json!({"type": "json_object"}),
        json!({"type": "json_schema", "json_schema": {"name": "city", "strict": true, "schema": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "population": {"type": "integer"}},
            "required": ["name", "population"], "additionalProperties": false
        }}}),
    ];
    let mut all_failures = Vec::new();
    for (doc_name, doc) in &docs {
        let mut c = ResponseCheck {
            doc_name,
            doc,
            failures: Vec::new(),
            undocumented: BTreeSet::new(),
            checked: 0,
            events: BTreeMap::new(),
        };
        for model in ["speed", "lite", "core"] {
            for format in &formats {
                for stream in [false, true] {
                    let mut body = json!({"model": model, "stream": stream, "messages": [
                        {"role": "system", "content": "Answer in one line."},
                        {"role": "user", "content": "Largest city of Chile?", "name": "ana"}
                    ], "previous_interaction_id": "intr_0", "temperature": 0.2});
                    if !format.is_null() {
                        body["response_format"] = format.clone();
                    }
                    let a = post(&http, base, path, &body).await;
                    let what = format!("{model} {format} stream={stream}");
                    c.check("post", path, &what, &a, 200);
                    if stream && !a.text.ends_with("data: [DONE]\n\n") {
                        c.failures
                            .push(format!("{what}: the stream does not end with [DONE]"));
                    }
                }
            }
        }
        let a = post(
            &http,
            base,
            path,
            &json!({"model": "gpt-4o", "messages": [
                {"role": "user", "content": "hi"}
            ]}),
        )
        .await;
        c.check("post", path, "unknown model", &a, 422);
        let a = post(
            &http,
            base,
            path,
            &json!({"model": "speed", "messages": []}),
        )
        .await;
        c.check("post", path, "no messages", &a, 422);
        eprintln!("{doc_name}: {} chat answers and chunks checked", c.checked);
        assert!(c.checked > 24 * 3, "too few checks: {}", c.checked);
        all_failures.extend(c.failures);
    }
    assert!(
        all_failures.is_empty(),
        "{} failures:\n{}",
        all_failures.len(),
        all_failures.join("\n")
    );
    emu.terminate();
}
