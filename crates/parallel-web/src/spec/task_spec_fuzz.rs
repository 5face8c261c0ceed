//! Fuzzing of task-spec checks (`TaskSpec::from_json_schemas` and
//! `validate`) as property tests.
//!
//! The properties: on any JSON value, and on schemas nested up to 200,000
//! levels (built in code, as a caller could), neither panics nor overflows
//! the stack; every refusal is an `Error::InvalidInput` on a `task_spec`
//! field; a schema nested past [`MAX_JSON_NESTING`] is refused as too deep;
//! what `validate` accepts keeps the documented limits, checked here by
//! independent, iterative walks; and specs generated within a few
//! characters and properties of the limits are refused exactly when over
//! one. Each property tallies how often its precondition held and fails
//! when it never did (`Tally` in `fuzz_runner.rs`).
//!
//! Why proptest and not `cargo fuzz`: see `fuzz_runner.rs` (no nightly).

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{
    MAX_JSON_NESTING, MAX_SCHEMA_DEPTH, MAX_SCHEMA_PROPERTIES, MAX_SPEC_CHARS, TaskSpec, drop_flat,
};
use crate::error::Error;
use crate::fuzz_runner::{Tally, fuzz, json_tree};

/// JSON that looks like schemas: schema keywords as keys, type names and
/// `$ref`s as values, and anything else.
fn schema_like() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,6}".prop_map(Value::from),
        prop::sample::select(vec!["object", "array", "string", "integer", "#/$defs/A",])
            .prop_map(Value::from),
    ];
    let key = prop_oneof![
        3 => prop::sample::select(vec![
            "type", "properties", "items", "anyOf", "oneOf", "allOf", "enum", "$ref", "$defs",
            "description", "required",
        ])
        .prop_map(str::to_owned),
        1 => "[a-z]{1,4}",
    ];
    json_tree(leaf.boxed(), key.boxed(), 8, 128, 8)
}

/// How one level of a deep schema wraps the level below.
#[derive(Debug, Clone, Copy)]
enum Level {
    Property,
    Items,
    AnyOf,
    BareArray,
    BareObject,
}

fn level() -> impl Strategy<Value = Level> {
    prop::sample::select(vec![
        Level::Property,
        Level::Items,
        Level::AnyOf,
        Level::BareArray,
        Level::BareObject,
    ])
}

/// A schema of `levels` levels, cycling through `pattern`, built from the
/// inside out without recursion (`json!` would copy the inner value through
/// `to_value`, recursively).
fn deep_schema(levels: usize, pattern: &[Level]) -> Value {
    let object = |members: Vec<(&str, Value)>| {
        Value::Object(
            members
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    };
    let mut schema = json!({"type": "string"});
    for i in 0..levels {
        schema = match pattern[i % pattern.len()] {
            Level::Property => object(vec![
                ("type", Value::from("object")),
                ("properties", object(vec![("x", schema)])),
            ]),
            Level::Items => object(vec![("type", Value::from("array")), ("items", schema)]),
            Level::AnyOf => object(vec![(
                "anyOf",
                Value::Array(vec![schema, json!({"type": "null"})]),
            )]),
            Level::BareArray => Value::Array(vec![schema]),
            Level::BareObject => object(vec![("x", schema)]),
        };
    }
    schema
}

/// Nesting of objects and arrays, the schema itself being 1 (iterative).
fn nesting(value: &Value) -> usize {
    let mut deepest = 0;
    let mut todo = vec![(value, 1)];
    while let Some((v, depth)) = todo.pop() {
        match v {
            Value::Object(m) => todo.extend(m.values().map(|c| (c, depth + 1))),
            Value::Array(a) => todo.extend(a.iter().map(|c| (c, depth + 1))),
            _ => continue,
        }
        deepest = deepest.max(depth);
    }
    deepest
}

/// Every key anywhere in `value` (iterative).
fn keys(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![value];
    while let Some(v) = todo.pop() {
        match v {
            Value::Object(m) => {
                out.extend(m.keys().cloned());
                todo.extend(m.values());
            }
            Value::Array(a) => todo.extend(a),
            _ => {}
        }
    }
    out
}

/// Schema levels the way the limit counts them, written independently:
/// `properties` and `items` open a level below an object or array.
fn schema_depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut todo = vec![(value, 0)];
    while let Some((v, above)) = todo.pop() {
        let Value::Object(m) = v else { continue };
        let container = matches!(m.get("type"), Some(Value::String(t)) if t == "object" || t == "array")
            || m.contains_key("properties")
            || m.contains_key("items");
        let here = above + usize::from(container);
        deepest = deepest.max(here);
        if let Some(Value::Object(props)) = m.get("properties") {
            todo.extend(props.values().map(|c| (c, here)));
        }
        if let Some(items) = m.get("items") {
            todo.push((items, here));
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(Value::Array(alts)) = m.get(key) {
                // Alternatives sit at their parent's level.
                let level = here - usize::from(container);
                todo.extend(alts.iter().map(|c| (c, level)));
            }
        }
    }
    deepest
}

fn is_task_spec_input_error(e: &Error) -> bool {
    matches!(e, Error::InvalidInput { field, message, .. }
        if field.starts_with("task_spec") && !message.is_empty())
}

#[test]
fn fuzz_task_spec_any_json_is_checked_without_panic() {
    let case = (prop::option::of(schema_like()), schema_like());
    let tally = Tally::new();
    fuzz(file!(), 2500, case, |(input, output)| {
        let unusable = |v: &Value| !v.is_object() || nesting(v) > MAX_JSON_NESTING;
        let refusable = input.as_ref().is_some_and(unusable) || unusable(&output);
        tally.note("a usable schema pair", !refusable);
        let output_copy = output.clone();
        // A second spec built independently from copies: the verdict is a
        // function of the schemas, not of one object's state.
        let twin = TaskSpec::from_json_schemas(input.clone(), output.clone());
        let spec = match TaskSpec::from_json_schemas(input, output) {
            Ok(spec) => spec,
            Err(e) => {
                prop_assert!(is_task_spec_input_error(&e), "{e:?}");
                prop_assert!(refusable, "refused: {e}");
                return Ok(());
            }
        };
        prop_assert!(!refusable, "a schema that is not an object was accepted");
        let verdict = spec.validate();
        tally.note(
            "validate accepted (the limits were checked)",
            verdict.is_ok(),
        );
        tally.note("validate refused", verdict.is_err());
        match twin {
            Ok(twin) => prop_assert_eq!(
                format!("{verdict:?}"),
                format!("{:?}", twin.validate()),
                "two specs built from the same schemas got different verdicts"
            ),
            Err(e) => prop_assert!(false, "the same schemas were refused the second time: {e}"),
        }
        match verdict {
            Ok(()) => {
                prop_assert!(spec.len_chars() <= MAX_SPEC_CHARS);
                let all = spec.to_json();
                prop_assert!(!keys(&all).iter().any(|k| k == "$ref" || k == "$defs"));
                let depth = schema_depth(&output_copy);
                prop_assert!(depth <= MAX_SCHEMA_DEPTH, "depth {depth} accepted");
                let props: usize = {
                    let mut n = 0;
                    let mut todo = vec![&output_copy];
                    while let Some(v) = todo.pop() {
                        match v {
                            Value::Object(m) => {
                                n += m
                                    .get("properties")
                                    .and_then(Value::as_object)
                                    .map_or(0, |p| p.len());
                                todo.extend(m.values());
                            }
                            Value::Array(a) => todo.extend(a),
                            _ => {}
                        }
                    }
                    n
                };
                prop_assert!(props <= MAX_SCHEMA_PROPERTIES);
            }
            Err(e) => prop_assert!(is_task_spec_input_error(&e), "{e:?}"),
        }
        Ok(())
    });
    tally.require(&[
        ("a usable schema pair", 0.2),
        ("validate accepted (the limits were checked)", 0.2),
        ("validate refused", 0.01),
    ]);
}

/// A flat object output schema with `properties` string properties and a
/// description padded with `pad` (`é` when `wide`, a 2-byte character, so
/// a byte count would differ from the character count the limit uses).
fn flat_schema(properties: usize, pad: usize, wide: bool) -> Value {
    let props: serde_json::Map<String, Value> = (0..properties)
        .map(|i| (format!("p{i}"), json!({"type": "string"})))
        .collect();
    let pad: String = std::iter::repeat_n(if wide { 'é' } else { 'x' }, pad).collect();
    json!({"type": "object", "description": pad, "properties": props})
}

/// Characters of the spec's compact JSON, counted here, not by the spec.
fn chars_of(spec: &TaskSpec) -> usize {
    serde_json::to_string(&spec.to_json())
        .map(|s| s.chars().count())
        .unwrap_or(0)
}

#[test]
fn fuzz_task_spec_size_and_property_limits_hold_at_their_boundaries() {
    // Specs within 40 characters and 3 properties of the limits, on both
    // sides: `validate` refuses exactly those over a limit, naming it.
    let case = (
        (MAX_SCHEMA_PROPERTIES - 3)..=(MAX_SCHEMA_PROPERTIES + 3),
        (MAX_SPEC_CHARS - 40)..=(MAX_SPEC_CHARS + 40),
        any::<bool>(),
    );
    let tally = Tally::new();
    fuzz(file!(), 600, case, |(properties, target, wide)| {
        let bare = TaskSpec::from_json_schemas(None, flat_schema(properties, 0, wide)).unwrap();
        let pad = target.saturating_sub(chars_of(&bare));
        let spec = TaskSpec::from_json_schemas(None, flat_schema(properties, pad, wide)).unwrap();
        let chars = chars_of(&spec);
        prop_assert_eq!(chars, target, "the generator missed its target");
        prop_assert_eq!(spec.len_chars(), chars);
        let too_long = chars > MAX_SPEC_CHARS;
        let too_many = properties > MAX_SCHEMA_PROPERTIES;
        tally.note("over the character limit", too_long);
        tally.note("at the character limit exactly", chars == MAX_SPEC_CHARS);
        tally.note("over the property limit only", too_many && !too_long);
        tally.note(
            "at the property limit exactly",
            properties == MAX_SCHEMA_PROPERTIES,
        );
        tally.note("within both limits", !too_long && !too_many);
        match spec.validate() {
            Ok(()) => prop_assert!(
                !too_long && !too_many,
                "{chars} chars, {properties} properties accepted"
            ),
            Err(e) => {
                let text = e.to_string();
                if too_long {
                    prop_assert!(
                        text.contains(&format!("the spec is {chars} characters")),
                        "{text}"
                    );
                } else {
                    prop_assert!(
                        too_many,
                        "{chars} chars, {properties} properties refused: {text}"
                    );
                    prop_assert!(text.contains(&format!("{properties} properties")), "{text}");
                }
            }
        }
        Ok(())
    });
    tally.require(&[
        ("over the character limit", 0.2),
        ("at the character limit exactly", 0.0),
        ("over the property limit only", 0.1),
        ("at the property limit exactly", 0.0),
        ("within both limits", 0.1),
    ]);
}

#[test]
fn fuzz_task_spec_deep_schemas_are_refused_without_overflow() {
    let levels = prop_oneof![
        2 => 0usize..12,
        2 => (MAX_JSON_NESTING - 4)..(MAX_JSON_NESTING + 4),
        1 => 1_000usize..5_000,
        1 => 100_000usize..200_000,
    ];
    // Few cases: one of 200,000 levels takes a while in a debug build.
    let case = (levels, prop::collection::vec(level(), 1..4), any::<bool>());
    fuzz(file!(), 24, case, |(levels, pattern, as_input)| {
        let schema = deep_schema(levels, &pattern);
        let depth = nesting(&schema);
        let wrapped_in_array = !schema.is_object();
        let result = if as_input {
            TaskSpec::from_json_schemas(Some(schema), json!({"type": "string"}))
        } else {
            TaskSpec::from_json_schemas(None, schema)
        };
        let field = if as_input {
            "task_spec.input_schema"
        } else {
            "task_spec.output_schema"
        };
        match result {
            Err(Error::InvalidInput {
                field: f, message, ..
            }) => {
                prop_assert_eq!(f.as_str(), field);
                prop_assert!(
                    depth > MAX_JSON_NESTING || wrapped_in_array,
                    "{depth} levels refused: {message}"
                );
            }
            Err(other) => prop_assert!(false, "untyped error {other:?}"),
            Ok(spec) => {
                prop_assert!(depth <= MAX_JSON_NESTING, "{depth} levels accepted");
                if let Err(e) = spec.validate() {
                    prop_assert!(is_task_spec_input_error(&e), "{e:?}");
                }
            }
        }
        Ok(())
    });
}

#[test]
fn a_schema_nested_100_000_levels_is_refused_not_a_stack_overflow() {
    let schema = deep_schema(100_000, &[Level::Property]);
    let err = TaskSpec::from_json_schemas(None, schema).unwrap_err();
    assert!(
        err.to_string().contains("more than 128 levels deep"),
        "{err}"
    );
}

#[test]
fn a_deep_wire_spec_is_refused_by_validate_and_not_measured() {
    use crate::spec::wire::built;
    use crate::types::{JsonSchema, JsonSchemaType, SchemaText, TaskSpec as WireSpec};
    let schema = SchemaText::new(&deep_schema(MAX_JSON_NESTING + 1, &[Level::Items])).unwrap();
    let output: JsonSchema = built(
        JsonSchema::builder()
            .json_schema(schema)
            .type_(JsonSchemaType::Json),
    );
    let spec = TaskSpec::from_wire(built(WireSpec::builder().output_schema(output)));
    let err = spec.validate().unwrap_err();
    assert!(err.to_string().contains("levels deep"), "{err}");
    assert_eq!(spec.to_json(), Value::Null);
    assert_eq!(spec.len_chars(), 0);
}

#[test]
fn a_schema_at_the_nesting_limit_is_accepted_and_checked_as_usual() {
    let schema = deep_schema(MAX_JSON_NESTING - 1, &[Level::BareObject]);
    assert_eq!(nesting(&schema), MAX_JSON_NESTING);
    let spec = TaskSpec::from_json_schemas(None, schema).unwrap();
    spec.validate().unwrap();
    let too_deep = deep_schema(MAX_JSON_NESTING, &[Level::BareObject]);
    assert!(TaskSpec::from_json_schemas(None, too_deep).is_err());
}

#[test]
fn deep_schema_text_is_refused_before_it_is_parsed() {
    let at_limit = format!(
        "{}{}",
        "[".repeat(MAX_JSON_NESTING - 2),
        "]".repeat(MAX_JSON_NESTING - 2)
    );
    let ok = format!(r#"{{"type":"object","x":{at_limit}}}"#);
    TaskSpec::from_json_schema_text(None, &ok).unwrap();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = TaskSpec::from_json_schema_text(None, &format!(r#"{{"x":{deep}}}"#)).unwrap_err();
    assert!(err.to_string().contains("levels deep"), "{err}");
    // Brackets inside strings are text, not nesting.
    let quoted = format!(
        r#"{{"description":"{}\"{}"}}"#,
        "[".repeat(500),
        "{".repeat(500)
    );
    TaskSpec::from_json_schema_text(None, &quoted).unwrap();
}

#[test]
fn deep_values_are_dropped_without_recursion() {
    drop_flat(deep_schema(200_000, &[Level::BareArray, Level::AnyOf]));
}
