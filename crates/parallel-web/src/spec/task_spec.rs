//! Task specifications: what a run receives and what it must return, built
//! from Rust types with `schemars`, and checked against the documented
//! limits before anything is sent.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::spec::wire::built;
use crate::types::{
    AutoSchema, JsonSchema as JsonSchemaSpec, JsonSchemaType, SchemaText, TaskSpecInputSchema,
    TaskSpecOutputSchema, TextSchema, TextSchemaType,
};

/// The generated wire form of a task spec.
use crate::types::TaskSpec as WireSpec;

/// Largest task spec the API accepts, in characters of compact JSON.
pub const MAX_SPEC_CHARS: usize = 15_000;
/// Deepest nesting of objects and arrays in an output schema.
pub const MAX_SCHEMA_DEPTH: usize = 5;
/// Most properties in an output schema, counted over all levels.
pub const MAX_SCHEMA_PROPERTIES: usize = 100;
/// Most `enum` values in an output schema, counted over all levels.
pub const MAX_ENUM_VALUES: usize = 500;
/// An `enum` with more than this many values is also limited in size
/// ([`MAX_LARGE_ENUM_CHARS`]).
const LARGE_ENUM: usize = 250;
/// Most characters of all values of one `enum` with more than 250 values.
pub const MAX_LARGE_ENUM_CHARS: usize = 7_500;
/// Deepest nesting of JSON objects and arrays (any keys, not only schema
/// levels) accepted in a schema at all. serde_json refuses to read deeper
/// JSON text, so no server reply or file holds more; a value built in code
/// can, and the checks, the size measurement and the request body all walk
/// a schema recursively: past this depth they could overflow the stack.
pub const MAX_JSON_NESTING: usize = 128;

/// A task specification: the schema of the input and of the output, as
/// the generated [`types::TaskSpec`](crate::types::TaskSpec) it sends, with
/// its size measured once.
///
/// JSON schemas are kept as JSON text ([`SchemaText`]) in the order they
/// were given, and sent in that order: property order is the order in which
/// a processor fills an output. Schemas from types list the fields in
/// declaration order (this crate turns on `schemars`' `preserve_order`).
///
/// Build it from types deriving [`schemars::JsonSchema`]:
///
/// ```
/// use parallel_web::TaskSpec;
/// use parallel_web::types::TaskSpecOutputSchema;
/// use schemars::JsonSchema;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, JsonSchema)]
/// struct CompanyInput {
///     /// Name of the company
///     company_name: String,
/// }
///
/// #[derive(Deserialize, JsonSchema)]
/// struct CompanyOutput {
///     /// Key business insights
///     key_insights: Vec<String>,
/// }
///
/// let spec = TaskSpec::json::<CompanyInput, CompanyOutput>();
/// spec.validate().unwrap();
/// let TaskSpecOutputSchema::JsonSchema(output) = &spec.wire().output_schema else { unreachable!() };
/// assert!(output.json_schema.to_value().get("$schema").is_none());
/// assert_eq!(spec.to_json()["output_schema"]["type"], "json");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    wire: WireSpec,
    /// Characters of the compact JSON form (what the limits count).
    chars: usize,
    /// The schema nested past [`MAX_JSON_NESTING`], by field name: nothing
    /// recursive may touch it, and [`TaskSpec::validate`] refuses it.
    too_deep: Option<&'static str>,
}

/// Generates an inline JSON schema (no `$ref`/`$defs`, no `$schema`), with
/// properties in declaration order.
///
/// ```
/// #[derive(schemars::JsonSchema)]
/// struct Answer { text: String }
/// let schema = parallel_web::schema_of::<Answer>();
/// assert_eq!(schema["properties"]["text"]["type"], "string");
/// ```
pub fn schema_of<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("$schema");
    }
    schema
}

fn json_schema(schema: SchemaText) -> JsonSchemaSpec {
    built(
        JsonSchemaSpec::builder()
            .json_schema(schema)
            .type_(JsonSchemaType::Json),
    )
}

/// The schema of `T` as text, in schemars' order (declaration order).
fn schema_text_of<T: JsonSchema>() -> SchemaText {
    let schema = schema_of::<T>();
    // schemars always produces an object for a type's root schema.
    SchemaText::new(&schema).unwrap_or_else(|_| SchemaText::from(Map::new()))
}

impl TaskSpec {
    /// Wraps a wire spec. A schema nested deeper than [`MAX_JSON_NESTING`]
    /// is not measured (that would recurse through it);
    /// [`validate`](TaskSpec::validate) refuses such a spec.
    pub fn from_wire(wire: WireSpec) -> TaskSpec {
        let too_deep = wire_schemas(&wire)
            .find(|(_, schema)| text_nested_deeper_than(schema.json(), MAX_JSON_NESTING))
            .map(|(name, _)| name);
        let chars = match too_deep {
            Some(_) => 0,
            None => serde_json::to_string(&wire).map_or(0, |s| s.chars().count()),
        };
        TaskSpec {
            wire,
            chars,
            too_deep,
        }
    }

    fn with_schemas(input: Option<TaskSpecInputSchema>, output: TaskSpecOutputSchema) -> TaskSpec {
        TaskSpec::from_wire(built(
            WireSpec::builder()
                .input_schema(input)
                .output_schema(output),
        ))
    }

    /// Input and output both described by JSON schemas generated from `I` and `O`.
    pub fn json<I: JsonSchema, O: JsonSchema>() -> TaskSpec {
        TaskSpec::with_schemas(
            Some(json_schema(schema_text_of::<I>()).into()),
            json_schema(schema_text_of::<O>()).into(),
        )
    }

    /// Only the output described by a JSON schema generated from `O`.
    pub fn output<O: JsonSchema>() -> TaskSpec {
        TaskSpec::with_schemas(None, json_schema(schema_text_of::<O>()).into())
    }

    /// Schemas given as JSON values (for schemas not derived from types);
    /// each must be a JSON object nested at most [`MAX_JSON_NESTING`]
    /// levels (a deeper one is refused here, and dropped without recursion).
    /// Properties go out in the order the value holds them: the order they
    /// were written in `json!` or parsed in (this crate turns on serde_json's
    /// `preserve_order`). To pass text through untouched, use
    /// [`from_json_schema_text`](TaskSpec::from_json_schema_text).
    ///
    /// ```
    /// use serde_json::json;
    /// let spec = parallel_web::TaskSpec::from_json_schemas(
    ///     None,
    ///     json!({"type": "object", "properties": {"ceo": {"type": "string"}}}),
    /// )
    /// .unwrap();
    /// assert!(parallel_web::TaskSpec::from_json_schemas(None, json!(true)).is_err());
    /// # let _ = spec;
    /// ```
    pub fn from_json_schemas(input: Option<Value>, output: Value) -> Result<TaskSpec, Error> {
        let deep = [
            ("input_schema", input.as_ref()),
            ("output_schema", Some(&output)),
        ]
        .into_iter()
        .find(|(_, schema)| nested_deeper_than(schema.iter().copied(), MAX_JSON_NESTING))
        .map(|(name, _)| name);
        if let Some(name) = deep {
            // Dropping it the usual way would recurse as deep as it goes.
            input.into_iter().chain([output]).for_each(drop_flat);
            return Err(too_deep(name));
        }
        let object = |name: &str, v: Value| {
            SchemaText::new(&v)
                .map_err(|e| Error::input(None, format!("task_spec.{name}"), e.to_string()))
        };
        let input = input
            .map(|v| object("input_schema", v))
            .transpose()?
            .map(|m| json_schema(m).into());
        Ok(TaskSpec::with_schemas(
            input,
            json_schema(object("output_schema", output)?).into(),
        ))
    }

    /// Schemas given as JSON text, kept exactly in the given key order
    /// (only the whitespace between tokens is dropped). Each must be a JSON
    /// object nested at most [`MAX_JSON_NESTING`] levels.
    ///
    /// ```
    /// let spec = parallel_web::TaskSpec::from_json_schema_text(
    ///     None,
    ///     r#"{"type": "object", "properties": {"zeta": {"type": "string"}, "alpha": {"type": "string"}}}"#,
    /// )
    /// .unwrap();
    /// let body = serde_json::to_string(spec.wire()).unwrap();
    /// assert!(body.find("zeta").unwrap() < body.find("alpha").unwrap());
    /// assert!(parallel_web::TaskSpec::from_json_schema_text(None, "[]").is_err());
    /// ```
    pub fn from_json_schema_text(input: Option<&str>, output: &str) -> Result<TaskSpec, Error> {
        let parse = |name: &'static str, text: &str| {
            if text_nested_deeper_than(text, MAX_JSON_NESTING) {
                return Err(too_deep(name));
            }
            SchemaText::from_json(text)
                .map_err(|e| Error::input(None, format!("task_spec.{name}"), e.to_string()))
        };
        let input = input
            .map(|text| parse("input_schema", text))
            .transpose()?
            .map(|s| json_schema(s).into());
        Ok(TaskSpec::with_schemas(
            input,
            json_schema(parse("output_schema", output)?).into(),
        ))
    }

    /// A free-text output described in words.
    ///
    /// ```
    /// let spec = parallel_web::TaskSpec::text("A two-sentence summary of the company");
    /// assert_eq!(spec.to_json()["output_schema"]["type"], "text");
    /// ```
    pub fn text(description: impl Into<String>) -> TaskSpec {
        TaskSpec::with_schemas(None, text_schema(description.into()).into())
    }

    /// Let the processor choose the output structure.
    ///
    /// ```
    /// assert_eq!(parallel_web::TaskSpec::auto().to_json()["output_schema"]["type"], "auto");
    /// ```
    pub fn auto() -> TaskSpec {
        TaskSpec::with_schemas(None, AutoSchema::default().into())
    }

    /// Describes the input in words instead of a schema.
    ///
    /// ```
    /// let spec = parallel_web::TaskSpec::auto().with_input_description("A company name");
    /// assert_eq!(spec.to_json()["input_schema"]["type"], "text");
    /// ```
    pub fn with_input_description(self, description: impl Into<String>) -> TaskSpec {
        let mut wire = self.wire;
        wire.input_schema = Some(text_schema(description.into()).into());
        TaskSpec::from_wire(wire)
    }

    /// The wire form, as sent.
    pub fn wire(&self) -> &WireSpec {
        &self.wire
    }

    /// The wire form as JSON: `{"input_schema": ..., "output_schema": ...}`
    /// (`null` for a spec nested past [`MAX_JSON_NESTING`], which cannot be
    /// sent).
    pub fn to_json(&self) -> Value {
        if self.too_deep.is_some() {
            return Value::Null;
        }
        serde_json::to_string(&self.wire).map_or(Value::Null, |text| parse_bounded(&text))
    }

    /// Size in characters of the compact JSON form (what the limits count),
    /// measured once when the spec was made.
    ///
    /// ```
    /// assert_eq!(parallel_web::TaskSpec::auto().len_chars(), r#"{"output_schema":{"type":"auto"}}"#.len());
    /// ```
    pub fn len_chars(&self) -> usize {
        self.chars
    }

    /// Checks the documented limits: at most [`MAX_SPEC_CHARS`] characters,
    /// output nesting at most [`MAX_SCHEMA_DEPTH`], at most
    /// [`MAX_SCHEMA_PROPERTIES`] properties, at most [`MAX_ENUM_VALUES`]
    /// enum values (and [`MAX_LARGE_ENUM_CHARS`] characters in an enum of
    /// more than 250 values), no `$ref` (the API needs inline schemas,
    /// so recursive types cannot be used), and no nesting past
    /// [`MAX_JSON_NESTING`] (a spec made with [`from_wire`](TaskSpec::from_wire)).
    ///
    /// ```
    /// let err = parallel_web::TaskSpec::text("x".repeat(20_000)).validate().unwrap_err();
    /// assert!(err.to_string().contains("at most 15000"));
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(name) = self.too_deep {
            return Err(too_deep(name));
        }
        let len = self.chars;
        if len > MAX_SPEC_CHARS {
            return Err(Error::input(
                None,
                "task_spec",
                format!(
                    "the spec is {len} characters; the API accepts at most {MAX_SPEC_CHARS}: shorten descriptions or split the task"
                ),
            ));
        }
        for (name, schema) in wire_schemas(&self.wire) {
            // The checks read a tree parsed from the text.
            let js = parse_bounded(schema.json());
            if contains_ref(&js) {
                return Err(Error::input(
                    None,
                    format!("task_spec.{name}"),
                    "the schema uses $ref (a recursive or shared type); the API needs inline schemas: make the type non-recursive",
                ));
            }
            if name == "output_schema" {
                let depth = depth_of(&js);
                if depth > MAX_SCHEMA_DEPTH {
                    return Err(Error::input(
                        None,
                        "task_spec.output_schema",
                        format!(
                            "nesting depth is {depth}; the API accepts at most {MAX_SCHEMA_DEPTH}: flatten the output type"
                        ),
                    ));
                }
                check_enums(&js)?;
                let props = count_properties(&js);
                if props > MAX_SCHEMA_PROPERTIES {
                    return Err(Error::input(
                        None,
                        "task_spec.output_schema",
                        format!(
                            "{props} properties; the API accepts at most {MAX_SCHEMA_PROPERTIES}: split the task"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The JSON schemas of a wire spec, by field name.
fn wire_schemas(wire: &WireSpec) -> impl Iterator<Item = (&'static str, &SchemaText)> {
    let input = match &wire.input_schema {
        Some(TaskSpecInputSchema::JsonSchema(j)) => Some(("input_schema", &j.json_schema)),
        _ => None,
    };
    let output = match &wire.output_schema {
        TaskSpecOutputSchema::JsonSchema(j) => Some(("output_schema", &j.json_schema)),
        _ => None,
    };
    input.into_iter().chain(output)
}

fn too_deep(name: &str) -> Error {
    Error::input(
        None,
        format!("task_spec.{name}"),
        format!(
            "the schema nests objects and arrays more than {MAX_JSON_NESTING} levels deep; the API accepts at most {MAX_SCHEMA_DEPTH} schema levels in an output: flatten it"
        ),
    )
}

/// Whether objects and arrays nest more than `limit` levels below (and
/// counting) the given values. Iterative, so any depth is safe to check.
fn nested_deeper_than<'a>(values: impl Iterator<Item = &'a Value>, limit: usize) -> bool {
    let mut todo: Vec<(&Value, usize)> = values.map(|v| (v, 1)).collect();
    while let Some((value, depth)) = todo.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Object(m) => Box::new(m.values()),
            Value::Array(a) => Box::new(a.iter()),
            _ => continue,
        };
        if depth > limit {
            return true;
        }
        todo.extend(children.map(|c| (c, depth + 1)));
    }
    false
}

/// Whether objects and arrays in JSON `text` nest more than `limit` levels
/// (the outermost object counts as one). A scan of the bytes: no tree is
/// built and no recursion happens, so any depth is safe to check.
fn text_nested_deeper_than(text: &str, limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in text.as_bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Parses JSON text whose nesting [`TaskSpec::from_wire`] has bounded
/// (by [`MAX_JSON_NESTING`]), without serde_json's own, lower, limit.
/// Malformed text (which a [`SchemaText`] never holds) reads as `null`.
fn parse_bounded(text: &str) -> Value {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    serde::Deserialize::deserialize(&mut de).unwrap_or(Value::Null)
}

/// Drops a value of any depth without recursing: each container is emptied
/// onto a work list before it is dropped.
fn drop_flat(value: Value) {
    let mut todo = vec![value];
    while let Some(value) = todo.pop() {
        match value {
            Value::Object(m) => todo.extend(m.into_iter().map(|(_, v)| v)),
            Value::Array(a) => todo.extend(a),
            _ => {}
        }
    }
}

fn text_schema(description: String) -> TextSchema {
    built(
        TextSchema::builder()
            .description(Some(description))
            .type_(TextSchemaType::Text),
    )
}

fn contains_ref(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            m.contains_key("$ref") || m.contains_key("$defs") || m.values().any(contains_ref)
        }
        Value::Array(a) => a.iter().any(contains_ref),
        _ => false,
    }
}

/// Nesting of object/array levels: `{"type":"object"}` alone is depth 1.
fn depth_of(v: &Value) -> usize {
    let Value::Object(m) = v else { return 0 };
    let is_container = matches!(m.get("type"), Some(Value::String(t)) if t == "object" || t == "array")
        || m.contains_key("properties")
        || m.contains_key("items");
    let mut child = 0;
    if let Some(Value::Object(props)) = m.get("properties") {
        child = props.values().map(depth_of).max().unwrap_or(0);
    }
    if let Some(items) = m.get("items") {
        child = child.max(depth_of(items));
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(alts)) = m.get(key) {
            // Alternatives sit at the same level as their parent.
            child = child.max(
                alts.iter()
                    .map(depth_of)
                    .max()
                    .unwrap_or(0)
                    .saturating_sub(usize::from(is_container)),
            );
        }
    }
    usize::from(is_container) + child
}

/// Checks the `enum` limits: at most [`MAX_ENUM_VALUES`] values in all, and
/// at most [`MAX_LARGE_ENUM_CHARS`] characters in an enum of more than 250.
fn check_enums(schema: &Value) -> Result<(), Error> {
    let mut enums = Vec::new();
    collect_enums(schema, &mut enums);
    let total: usize = enums.iter().map(|e| e.len()).sum();
    if total > MAX_ENUM_VALUES {
        return Err(Error::input(
            None,
            "task_spec.output_schema",
            format!(
                "{total} enum values; the API accepts at most {MAX_ENUM_VALUES}: use fewer or free text"
            ),
        ));
    }
    for values in enums.iter().filter(|e| e.len() > LARGE_ENUM) {
        let chars: usize = values
            .iter()
            .map(|v| {
                v.as_str()
                    .map_or_else(|| v.to_string().len(), |s| s.chars().count())
            })
            .sum();
        if chars > MAX_LARGE_ENUM_CHARS {
            return Err(Error::input(
                None,
                "task_spec.output_schema",
                format!(
                    "an enum of {} values has {chars} characters; with more than {LARGE_ENUM} values the API accepts at most {MAX_LARGE_ENUM_CHARS}",
                    values.len()
                ),
            ));
        }
    }
    Ok(())
}

fn collect_enums<'a>(v: &'a Value, out: &mut Vec<&'a Vec<Value>>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(values)) = m.get("enum") {
                out.push(values);
            }
            m.values().for_each(|c| collect_enums(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_enums(c, out)),
        _ => {}
    }
}

fn count_properties(v: &Value) -> usize {
    match v {
        Value::Object(m) => {
            let here = m
                .get("properties")
                .and_then(Value::as_object)
                .map_or(0, Map::len);
            here + m.values().map(count_properties).sum::<usize>()
        }
        Value::Array(a) => a.iter().map(count_properties).sum(),
        _ => 0,
    }
}

#[cfg(test)]
#[path = "task_spec_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Leaf {
        name: String,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Parent {
        leaves: Vec<Leaf>,
        tag: Option<String>,
    }

    #[test]
    fn nested_types_are_inlined_without_schema_keyword() {
        let s = schema_of::<Parent>();
        assert!(!contains_ref(&s), "{s}");
        assert!(s.get("$schema").is_none());
        assert_eq!(
            s["properties"]["leaves"]["items"]["properties"]["name"]["type"],
            "string"
        );
        assert_eq!(depth_of(&s), 3);
    }

    #[test]
    fn deep_outputs_are_rejected() {
        let mut schema = json!({"type": "string"});
        for _ in 0..6 {
            schema = json!({"type": "object", "properties": {"x": schema}});
        }
        let err = TaskSpec::from_json_schemas(None, schema)
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("nesting depth is 6"), "{err}");
    }

    #[test]
    fn too_many_properties_are_rejected() {
        let props: Map<String, Value> = (0..101)
            .map(|i| (format!("p{i}"), json!({"type": "string"})))
            .collect();
        let err = TaskSpec::from_json_schemas(None, json!({"type": "object", "properties": props}))
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("101 properties"), "{err}");
    }

    #[test]
    fn enum_limits_are_checked() {
        let values = |n: usize, len: usize| -> Vec<String> {
            (0..n).map(|i| format!("{i:0>len$}")).collect()
        };
        let schema = |vals: Vec<String>| {
            TaskSpec::from_json_schemas(
                None,
                json!({"type": "object", "properties": {"pick": {"type": "string", "enum": vals}}}),
            )
            .unwrap()
        };
        assert!(schema(values(500, 3)).validate().is_ok());
        let err = schema(values(501, 3)).validate().unwrap_err();
        assert!(err.to_string().contains("501 enum values"), "{err}");
        // 300 values of 26 characters: 7,800 characters.
        let err = schema(values(300, 26)).validate().unwrap_err();
        assert!(err.to_string().contains("7800 characters"), "{err}");
        assert!(schema(values(300, 25)).validate().is_ok());
    }

    #[test]
    fn oversized_specs_are_rejected() {
        let err = TaskSpec::text("x".repeat(MAX_SPEC_CHARS))
            .validate()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "task_spec"));
    }
}
