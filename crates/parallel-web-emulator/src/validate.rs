//! Request bodies: parsing, the documented limits, and compact storage form.
//!
//! Errors come back as FastAPI-style [`ValidationError`]s with a `loc` path;
//! endpoints that answer with `ErrorResponse` convert them.

use crate::processors;
use crate::wire::{TaskRunInput, ValidationError};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// Most inputs in one add-runs POST.
pub const MAX_INPUTS: usize = 1000;
/// Longest metadata key.
pub const MAX_METADATA_KEY: usize = 16;
/// Longest metadata string value.
pub const MAX_METADATA_VALUE: usize = 512;
/// Most characters of task spec plus input.
pub const MAX_SPEC_AND_INPUT: usize = 25_000;
/// Deepest allowed output-schema nesting.
pub const MAX_SCHEMA_DEPTH: usize = 5;
/// Most include + exclude domains in a source policy.
pub const MAX_POLICY_DOMAINS: usize = 200;

type Errors = Vec<ValidationError>;

fn err(loc: Vec<Value>, msg: impl Into<String>, kind: &str) -> ValidationError {
    ValidationError {
        loc,
        msg: msg.into(),
        kind: kind.to_owned(),
    }
}

fn at(base: &[Value], tail: &[Value]) -> Vec<Value> {
    base.iter().chain(tail).cloned().collect()
}

/// Removes insignificant whitespace from JSON text (string contents untouched).
pub fn minify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// Deepest nesting of arrays and objects accepted in a request body. Parts of
/// a request come back inside answers a few levels down (an input inside an
/// event's `run`), and those answers must stay within the recursion limit of
/// common JSON parsers (128 in serde_json); the emulator's own checks parse
/// parts of the body with that limit too.
pub const MAX_JSON_DEPTH: usize = 100;

/// True when arrays and objects in `json` nest deeper than `max` (strings
/// and their escapes are skipped, so brackets inside them do not count).
pub fn nests_deeper_than(json: &[u8], max: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in json {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Parses a JSON body, or says where it is malformed. The body must be a
/// JSON object (serde would otherwise read an array as a struct's fields in
/// order) nested at most [`MAX_JSON_DEPTH`] deep.
pub fn parse_json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, Errors> {
    check_json_object(body)?;
    parse_checked(body)
}

/// The checks of [`parse_json`] without the typed read: the body is JSON,
/// an object, and not too deep.
pub fn check_json_object(body: &[u8]) -> Result<(), Errors> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(vec![err(vec![json!("body")], "Field required", "missing")]);
    }
    serde_json::from_slice::<&RawValue>(body).map_err(|e| {
        vec![err(
            vec![json!("body"), json!(e.column())],
            format!("JSON decode error: {e}"),
            "json_invalid",
        )]
    })?;
    if nests_deeper_than(body, MAX_JSON_DEPTH) {
        return Err(vec![err(
            vec![json!("body")],
            format!("JSON nests arrays and objects deeper than {MAX_JSON_DEPTH} levels"),
            "json_invalid",
        )]);
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(vec![err(
            vec![json!("body")],
            "Input should be a valid dictionary or object to extract fields from",
            "model_attributes_type",
        )]);
    }
    Ok(())
}

/// The typed read of [`parse_json`], for a body that passed
/// [`check_json_object`] (a large body is then not scanned twice more).
pub fn parse_checked<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, Errors> {
    serde_json::from_slice(body).map_err(|e| {
        vec![err(
            vec![json!("body")],
            format!("Input should be a valid object: {e}"),
            "model_attributes_type",
        )]
    })
}

/// Checks a request body (already known to be a JSON object) against the
/// contract's request schema of `method` `path` (a spec path).
pub fn check_contract(path: &str, method: &str, body: &[u8]) -> Result<(), Errors> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        vec![err(
            vec![json!("body")],
            format!("JSON decode error: {e}"),
            "json_invalid",
        )]
    })?;
    let violations = crate::contract::check_body(path, method, &value);
    if violations.is_empty() {
        return Ok(());
    }
    Err(violations.into_iter().map(Into::into).collect())
}

/// Checks a metadata object against the documented limits.
pub fn check_metadata(meta: Option<&RawValue>, loc: &[Value], errors: &mut Errors) {
    let Some(raw) = meta else { return };
    let Ok(value) = serde_json::from_str::<Value>(raw.get()) else {
        return;
    };
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in &map {
                let here = at(loc, &[json!(k)]);
                if k.chars().count() > MAX_METADATA_KEY {
                    errors.push(err(
                        here.clone(),
                        format!("Metadata key `{k}` is longer than {MAX_METADATA_KEY} characters"),
                        "string_too_long",
                    ));
                }
                match v {
                    Value::String(s) if s.chars().count() > MAX_METADATA_VALUE => errors.push(err(
                        here,
                        format!("Metadata value is longer than {MAX_METADATA_VALUE} characters"),
                        "string_too_long",
                    )),
                    Value::String(_) | Value::Number(_) | Value::Bool(_) => {}
                    _ => errors.push(err(
                        here,
                        "Metadata values must be strings, numbers or booleans",
                        "type_error",
                    )),
                }
            }
        }
        _ => errors.push(err(
            loc.to_vec(),
            "Input should be a valid dictionary",
            "dict_type",
        )),
    }
}

/// Nesting depth of a JSON schema: objects and arrays each add one level.
pub fn schema_depth(schema: &Value, root: &Value, budget: u32) -> usize {
    if budget == 0 {
        return usize::MAX / 2;
    }
    let schema = match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/"))
    {
        Some(path) => path
            .split('/')
            .try_fold(root, |t, p| t.get(p))
            .unwrap_or(schema),
        None => schema,
    };
    let mut deepest = 0;
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(bs)) = schema.get(key) {
            for b in bs {
                deepest = deepest.max(schema_depth(b, root, budget - 1));
            }
        }
    }
    if let Some(Value::Object(props)) = schema.get("properties") {
        let inner = props
            .values()
            .map(|p| schema_depth(p, root, budget - 1))
            .max()
            .unwrap_or(0);
        deepest = deepest.max(1 + inner);
    }
    if let Some(items) = schema.get("items") {
        deepest = deepest.max(1 + schema_depth(items, root, budget - 1));
    }
    deepest
}

/// Checks a `TaskSpec` value; returns its length in characters.
pub fn check_task_spec(spec: Option<&RawValue>, loc: &[Value], errors: &mut Errors) -> usize {
    let Some(raw) = spec else { return 0 };
    let Ok(value) = serde_json::from_str::<Value>(raw.get()) else {
        return 0;
    };
    if value.is_null() {
        return 0;
    }
    let Some(obj) = value.as_object() else {
        errors.push(err(
            loc.to_vec(),
            "Input should be a valid dictionary",
            "model_type",
        ));
        return 0;
    };
    match obj.get("output_schema") {
        None => errors.push(err(
            at(loc, &[json!("output_schema")]),
            "Field required",
            "missing",
        )),
        Some(Value::String(_)) => {}
        Some(Value::Object(o)) => {
            // Without `type`, an object with `json_schema` is a JSON schema and
            // anything else a text schema (`type` defaults to "text" there).
            let implied = if o.contains_key("json_schema") {
                "json"
            } else {
                "text"
            };
            let ty = o.get("type").and_then(Value::as_str).unwrap_or(implied);
            match ty {
                "json" => match o.get("json_schema") {
                    Some(schema @ Value::Object(_)) => {
                        if schema_depth(schema, schema, 64) > MAX_SCHEMA_DEPTH {
                            errors.push(err(
                                at(loc, &[json!("output_schema"), json!("json_schema")]),
                                format!("Output schema nesting exceeds the maximum depth of {MAX_SCHEMA_DEPTH}"),
                                "value_error",
                            ));
                        }
                    }
                    Some(_) => errors.push(err(
                        at(loc, &[json!("output_schema"), json!("json_schema")]),
                        "Input should be a valid dictionary",
                        "dict_type",
                    )),
                    None => errors.push(err(
                        at(loc, &[json!("output_schema"), json!("json_schema")]),
                        "Field required",
                        "missing",
                    )),
                },
                "text" | "auto" => {}
                other => errors.push(err(
                    at(loc, &[json!("output_schema"), json!("type")]),
                    format!("Unknown output schema type `{other}`"),
                    "literal_error",
                )),
            }
        }
        Some(_) => errors.push(err(
            at(loc, &[json!("output_schema")]),
            "Input should be a valid string or schema object",
            "union_type",
        )),
    }
    raw.get().chars().count()
}

/// Why a run input was rejected.
#[derive(Debug)]
pub enum InputProblem {
    /// Field-level problems.
    Invalid(Errors),
    /// The processor name is not known.
    UnknownProcessor(String),
}

/// A validated run input, ready to store.
#[derive(Debug)]
pub struct ValidInput {
    /// Compact JSON of the input object as sent.
    pub stored: String,
    /// Processor index.
    pub processor: u8,
    /// The input lacks fields the task spec's `input_schema` requires (a warning, not an error).
    pub input_warning: bool,
}

/// The input fields a task spec's JSON `input_schema` marks as required.
pub fn required_inputs(spec: Option<&RawValue>) -> Vec<String> {
    let Some(value) = spec.and_then(|s| serde_json::from_str::<Value>(s.get()).ok()) else {
        return Vec::new();
    };
    value
        .pointer("/input_schema/json_schema/required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Validates one run input (`TaskRunInput`) at `loc`; `default_spec_len` is the
/// size of the default task spec that applies when the input has none, and
/// `default_required` its required input fields.
pub fn check_input(
    raw: &RawValue,
    loc: &[Value],
    default_spec_len: usize,
    default_required: &[String],
) -> Result<ValidInput, InputProblem> {
    let text = raw.get();
    let input: TaskRunInput<'_> = match serde_json::from_str(text) {
        Ok(i) => i,
        Err(e) => {
            return Err(InputProblem::Invalid(vec![err(
                loc.to_vec(),
                format!("Input should be a valid dictionary: {e}"),
                "model_type",
            )]));
        }
    };
    let mut errors = Vec::new();
    let processor = match input
        .processor
        .map(|p| serde_json::from_str::<Value>(p.get()))
    {
        None => {
            errors.push(err(
                at(loc, &[json!("processor")]),
                "Field required",
                "missing",
            ));
            None
        }
        Some(Ok(Value::String(name))) => match processors::lookup(&name) {
            Some(i) => Some(i),
            None => return Err(InputProblem::UnknownProcessor(name)),
        },
        Some(_) => {
            errors.push(err(
                at(loc, &[json!("processor")]),
                "Input should be a valid string",
                "string_type",
            ));
            None
        }
    };
    let mut input_value = Value::Null;
    let input_len = match input.input {
        None => {
            errors.push(err(at(loc, &[json!("input")]), "Field required", "missing"));
            0
        }
        Some(v) => {
            let t = v.get().trim_start();
            if !(t.starts_with('"') || t.starts_with('{')) {
                errors.push(err(
                    at(loc, &[json!("input")]),
                    "Input should be a valid string or dictionary",
                    "union_type",
                ));
            }
            input_value = serde_json::from_str::<Value>(v.get()).unwrap_or(Value::Null);
            match &input_value {
                Value::String(s) => s.chars().count(),
                _ => v.get().chars().count(),
            }
        }
    };
    check_metadata(input.metadata, &at(loc, &[json!("metadata")]), &mut errors);
    let own_spec = input.task_spec.filter(|s| s.get() != "null");
    let own_required;
    let required = if own_spec.is_some() {
        own_required = required_inputs(own_spec);
        &own_required[..]
    } else {
        default_required
    };
    let input_warning = !required.is_empty()
        && input_value
            .as_object()
            .is_none_or(|o| required.iter().any(|k| !o.contains_key(k)));
    let spec_len = if own_spec.is_some() {
        check_task_spec(own_spec, &at(loc, &[json!("task_spec")]), &mut errors)
    } else {
        default_spec_len
    };
    if spec_len + input_len > MAX_SPEC_AND_INPUT {
        errors.push(err(
            loc.to_vec(),
            format!(
                "Task spec and input together exceed {MAX_SPEC_AND_INPUT} characters ({})",
                spec_len + input_len
            ),
            "value_error",
        ));
    }
    check_memory_scope_key(input.memory_scope_key, loc, &mut errors);
    check_data_sources(input.advanced_settings, loc, &mut errors);
    if let Some(policy) = input
        .source_policy
        .and_then(|p| serde_json::from_str::<Value>(p.get()).ok())
    {
        let count = |k: &str| policy.get(k).and_then(Value::as_array).map_or(0, Vec::len);
        if count("include_domains") + count("exclude_domains") > MAX_POLICY_DOMAINS {
            errors.push(err(
                at(loc, &[json!("source_policy")]),
                format!("At most {MAX_POLICY_DOMAINS} include and exclude domains in total"),
                "value_error",
            ));
        }
    }
    match (errors.is_empty(), processor) {
        (true, Some(processor)) => Ok(ValidInput {
            stored: minify(text),
            processor,
            input_warning,
        }),
        _ => Err(InputProblem::Invalid(errors)),
    }
}

/// `memory_scope_key`: a string or null.
fn check_memory_scope_key(key: Option<&RawValue>, loc: &[Value], errors: &mut Errors) {
    let Some(key) = key else { return };
    if !matches!(
        serde_json::from_str::<Value>(key.get()),
        Ok(Value::String(_) | Value::Null)
    ) {
        errors.push(err(
            at(loc, &[json!("memory_scope_key")]),
            "Input should be a valid string",
            "string_type",
        ));
    }
}

/// `advanced_settings.data_sources`: null, or an object whose `free` and
/// `pay_per_use` (each optional) are lists of strings.
fn check_data_sources(settings: Option<&RawValue>, loc: &[Value], errors: &mut Errors) {
    let Some(Ok(settings)) = settings.map(|s| serde_json::from_str::<Value>(s.get())) else {
        return;
    };
    let here = at(loc, &[json!("advanced_settings"), json!("data_sources")]);
    match settings.get("data_sources") {
        None | Some(Value::Null) => {}
        Some(Value::Object(sources)) => {
            for kind in ["free", "pay_per_use"] {
                let ok = match sources.get(kind) {
                    None => true,
                    Some(Value::Array(names)) => names.iter().all(Value::is_string),
                    Some(_) => false,
                };
                if !ok {
                    errors.push(err(
                        at(&here, &[json!(kind)]),
                        "Input should be a valid list of strings",
                        "list_type",
                    ));
                }
            }
        }
        Some(_) => errors.push(err(
            here,
            "Input should be a valid dictionary",
            "model_type",
        )),
    }
}

/// `TaskGroupRunRequest`, borrowed from the body.
#[derive(Deserialize, Debug)]
pub struct AddRunsBody<'a> {
    /// Default task spec.
    #[serde(borrow, default)]
    pub default_task_spec: Option<&'a RawValue>,
    /// The run inputs.
    #[serde(borrow, default)]
    pub inputs: Option<Vec<&'a RawValue>>,
}

/// `CreateTaskGroupRequest`, borrowed from the body.
#[derive(Deserialize, Debug)]
pub struct CreateGroupBody<'a> {
    /// Group metadata.
    #[serde(borrow, default)]
    pub metadata: Option<&'a RawValue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minify_keeps_strings() {
        assert_eq!(minify("{ \"a b\" : [1, 2] }"), "{\"a b\":[1,2]}");
        assert_eq!(
            minify(r#"{"q":"say \"hi there\""}"#),
            r#"{"q":"say \"hi there\""}"#
        );
    }

    #[test]
    fn nesting_depth_skips_brackets_inside_strings() {
        assert!(!nests_deeper_than(br#"{"a":[{"b":"[[[[{{{{"}]}"#, 3));
        assert!(nests_deeper_than(br#"{"a":[{"b":[]}]}"#, 3));
        assert!(!nests_deeper_than(br#"{"a":"\"[[[["}"#, 1));
    }

    #[test]
    fn bodies_that_are_not_objects_or_nest_too_deep_are_refused() {
        for body in ["[]", "[1]", "\"x\"", "null", "42"] {
            let parsed: Result<CreateGroupBody<'_>, _> = parse_json(body.as_bytes());
            assert!(parsed.is_err(), "{body} was accepted");
        }
        let deep = format!(
            "{{\"metadata\":{{\"k\":{}{}}}}}",
            "[".repeat(200),
            "]".repeat(200)
        );
        let parsed: Result<CreateGroupBody<'_>, _> = parse_json(deep.as_bytes());
        assert!(parsed.is_err(), "a 200-deep body was accepted");
        let parsed: Result<CreateGroupBody<'_>, _> = parse_json(br#" {"metadata":{"k":"v"}}"#);
        assert!(parsed.is_ok());
    }

    #[test]
    fn depth_counts_objects_and_arrays() {
        let flat = json!({"type":"object","properties":{"a":{"type":"string"}}});
        assert_eq!(schema_depth(&flat, &flat, 64), 1);
        let nested = json!({"type":"object","properties":{"a":{"type":"array","items":{"type":"object","properties":{"b":{"type":"string"}}}}}});
        assert_eq!(schema_depth(&nested, &nested, 64), 3);
    }

    fn raw(v: &Value) -> Box<RawValue> {
        RawValue::from_string(v.to_string()).unwrap()
    }

    fn check(v: Value) -> Result<ValidInput, InputProblem> {
        check_input(&raw(&v), &[json!("body")], 0, &[])
    }

    /// The `loc`s of the errors, or none when the input is valid.
    fn problems(v: Value) -> Vec<Vec<Value>> {
        match check(v) {
            Ok(_) => Vec::new(),
            Err(InputProblem::Invalid(errors)) => errors.into_iter().map(|e| e.loc).collect(),
            Err(InputProblem::UnknownProcessor(p)) => panic!("unknown processor {p}"),
        }
    }

    #[test]
    fn a_valid_input_is_stored_minified_with_its_processor() {
        let v = check(json!({"input": "q", "processor": "core", "metadata": null})).unwrap();
        assert_eq!(
            v.stored,
            r#"{"input":"q","processor":"core","metadata":null}"#
        );
        assert_eq!(v.processor, processors::lookup("core").unwrap());
        assert!(!v.input_warning);
    }

    #[test]
    fn each_field_of_an_input_is_checked_at_its_location() {
        let at = |tail: &[Value]| at(&[json!("body")], tail);
        assert_eq!(
            problems(json!({"processor": "lite"})),
            [at(&[json!("input")])]
        );
        assert_eq!(problems(json!({"input": "q"})), [at(&[json!("processor")])]);
        assert_eq!(
            problems(json!({"input": "q", "processor": 3})),
            [at(&[json!("processor")])]
        );
        for bad in [json!(1), json!([1]), json!(null), json!(true)] {
            assert_eq!(
                problems(json!({"input": bad, "processor": "lite"})),
                [at(&[json!("input")])],
                "{bad}"
            );
        }
        assert_eq!(
            problems(json!({"input": {"a": 1}, "processor": "lite"})),
            Vec::<Vec<Value>>::new()
        );
        assert_eq!(
            problems(json!({"input": "q", "processor": "lite", "metadata": [1]})),
            [at(&[json!("metadata")])]
        );
        assert_eq!(
            problems(json!({"input": "q", "processor": "lite", "metadata": {"k": [1]}})),
            [at(&[json!("metadata"), json!("k")])]
        );
        assert_eq!(
            problems(json!({"input": "q", "processor": "lite", "memory_scope_key": 1})),
            [at(&[json!("memory_scope_key")])]
        );
        for ok in [json!("scope"), json!(null)] {
            assert!(
                problems(json!({"input": "q", "processor": "lite", "memory_scope_key": ok}))
                    .is_empty()
            );
        }
        for (sources, bad) in [
            (
                json!({"free": ["a"], "pay_per_use": [1]}),
                Some("pay_per_use"),
            ),
            (json!({"free": "a"}), Some("free")),
            (json!({"free": ["a"], "pay_per_use": []}), None),
            (json!({}), None),
        ] {
            let body = json!({"input": "q", "processor": "lite", "advanced_settings": {"data_sources": sources}});
            let want: Vec<Vec<Value>> = bad
                .map(|k| at(&[json!("advanced_settings"), json!("data_sources"), json!(k)]))
                .into_iter()
                .collect();
            assert_eq!(problems(body), want, "{sources}");
        }
        assert_eq!(
            problems(
                json!({"input": "q", "processor": "lite", "advanced_settings": {"data_sources": "web"}})
            ),
            [at(&[json!("advanced_settings"), json!("data_sources")])]
        );
    }

    #[test]
    fn an_input_s_own_task_spec_counts_toward_the_size_limit_instead_of_the_default() {
        let spec = |n: usize| json!({"output_schema": "z".repeat(n)});
        // `{"output_schema":"…"}` is 20 characters around the text.
        let body = |n: usize, input: usize| json!({"input": "y".repeat(input), "processor": "lite", "task_spec": spec(n)});
        let whole =
            |n: usize, input: usize| check_input(&raw(&body(n, input)), &[json!("body")], 0, &[]);
        assert!(whole(23_980, 1_000).is_ok(), "exactly 25,000");
        assert!(matches!(
            whole(23_980, 1_001),
            Err(InputProblem::Invalid(_))
        ));
        // The default spec's size applies only without an own spec.
        let own = check_input(&raw(&body(10, 1_000)), &[json!("body")], 24_500, &[]);
        assert!(own.is_ok());
        let default = check_input(
            &raw(&json!({"input": "y".repeat(1_000), "processor": "lite", "task_spec": null})),
            &[json!("body")],
            24_500,
            &[],
        );
        assert!(matches!(default, Err(InputProblem::Invalid(_))));
    }

    #[test]
    fn an_input_missing_a_field_its_spec_requires_is_warned_about_not_refused() {
        let spec = json!({"output_schema": "o", "input_schema": {"type": "json",
            "json_schema": {"type": "object", "required": ["a", "b"]}}});
        let required = required_inputs(Some(&raw(&spec)));
        assert_eq!(required, ["a", "b"]);
        assert!(required_inputs(None).is_empty());
        assert!(required_inputs(Some(&raw(&json!({"output_schema": "o"})))).is_empty());
        let warned = |input: Value, required: &[String]| {
            let body = json!({"input": input, "processor": "lite"});
            check_input(&raw(&body), &[json!("body")], 0, required)
                .unwrap()
                .input_warning
        };
        assert!(!warned(json!({"a": 1, "b": 2}), &required));
        assert!(warned(json!({"a": 1}), &required));
        assert!(warned(json!("text"), &required));
        assert!(!warned(json!({}), &[]));
        // An input's own spec replaces the default's requirements.
        let own = json!({"input": {"a": 1}, "processor": "lite", "task_spec": spec});
        assert!(
            check_input(&raw(&own), &[json!("body")], 0, &[])
                .unwrap()
                .input_warning
        );
        let own =
            json!({"input": {"c": 1}, "processor": "lite", "task_spec": {"output_schema": "o"}});
        assert!(
            !check_input(&raw(&own), &[json!("body")], 0, &required)
                .unwrap()
                .input_warning
        );
    }

    #[test]
    fn a_schema_that_refers_to_itself_without_end_is_too_deep() {
        for looped in [
            json!({"anyOf": [{"$ref": "#/$defs/A"}]}),
            json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}}),
            json!({"type": "array", "items": {"$ref": "#/$defs/A"}}),
        ] {
            let looped = json!({"$defs": {"A": looped}, "$ref": "#/$defs/A"});
            assert!(
                schema_depth(&looped, &looped, 64) > MAX_SCHEMA_DEPTH,
                "{looped}"
            );
        }
    }

    #[test]
    fn metadata_may_be_null_and_holds_only_scalars() {
        let check = |v: Value| {
            let mut errors = Vec::new();
            check_metadata(Some(&raw(&v)), &[json!("m")], &mut errors);
            errors
                .into_iter()
                .map(|e| (e.loc, e.kind))
                .collect::<Vec<_>>()
        };
        assert_eq!(check(json!(null)), []);
        assert_eq!(check(json!({"s": "v", "n": 1.5, "b": false})), []);
        assert_eq!(
            check(json!({"k": null})),
            [(vec![json!("m"), json!("k")], "type_error".to_owned())]
        );
        assert_eq!(
            check(json!("v")),
            [(vec![json!("m")], "dict_type".to_owned())]
        );
    }
}
