//! Task specifications: what a run receives and what it must return, built
//! from Rust types with `schemars`, and checked against the documented
//! limits before anything is sent.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::Error;

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

/// A task specification: the schema of the input and of the output.
///
/// Build it from types deriving [`schemars::JsonSchema`]:
///
/// ```
/// use parallel_web::TaskSpec;
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
/// let wire = spec.to_json();
/// assert_eq!(wire["output_schema"]["type"], "json");
/// assert!(wire["output_schema"]["json_schema"].get("$schema").is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    input_schema: Option<Value>,
    output_schema: Value,
}

/// Generates an inline JSON schema (no `$ref`/`$defs`, no `$schema`).
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

impl TaskSpec {
    /// Input and output both described by JSON schemas generated from `I` and `O`.
    pub fn json<I: JsonSchema, O: JsonSchema>() -> TaskSpec {
        TaskSpec {
            input_schema: Some(json!({"type": "json", "json_schema": schema_of::<I>()})),
            output_schema: json!({"type": "json", "json_schema": schema_of::<O>()}),
        }
    }

    /// Only the output described by a JSON schema generated from `O`.
    pub fn output<O: JsonSchema>() -> TaskSpec {
        TaskSpec {
            input_schema: None,
            output_schema: json!({"type": "json", "json_schema": schema_of::<O>()}),
        }
    }

    /// Output schemas given as JSON values (for schemas not derived from types).
    pub fn from_json_schemas(input: Option<Value>, output: Value) -> TaskSpec {
        TaskSpec {
            input_schema: input.map(|s| json!({"type": "json", "json_schema": s})),
            output_schema: json!({"type": "json", "json_schema": output}),
        }
    }

    /// A free-text output described in words.
    ///
    /// ```
    /// let spec = parallel_web::TaskSpec::text("A two-sentence summary of the company");
    /// assert_eq!(spec.to_json()["output_schema"]["type"], "text");
    /// ```
    pub fn text(description: impl Into<String>) -> TaskSpec {
        TaskSpec {
            input_schema: None,
            output_schema: json!({"type": "text", "description": description.into()}),
        }
    }

    /// Let the processor choose the output structure.
    pub fn auto() -> TaskSpec {
        TaskSpec {
            input_schema: None,
            output_schema: json!({"type": "auto"}),
        }
    }

    /// Describes the input in words instead of a schema.
    pub fn with_input_description(mut self, description: impl Into<String>) -> TaskSpec {
        self.input_schema = Some(json!({"type": "text", "description": description.into()}));
        self
    }

    /// The wire form: `{"output_schema": ..., "input_schema": ...}`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("output_schema".into(), self.output_schema.clone());
        if let Some(i) = &self.input_schema {
            m.insert("input_schema".into(), i.clone());
        }
        Value::Object(m)
    }

    /// Size in characters of the compact JSON form (what the limits count).
    pub fn len_chars(&self) -> usize {
        self.to_json().to_string().chars().count()
    }

    /// Checks the documented limits: at most [`MAX_SPEC_CHARS`] characters,
    /// output nesting at most [`MAX_SCHEMA_DEPTH`], at most
    /// [`MAX_SCHEMA_PROPERTIES`] properties, at most [`MAX_ENUM_VALUES`]
    /// enum values (and [`MAX_LARGE_ENUM_CHARS`] characters in an enum of
    /// more than 250 values), and no `$ref` (the API needs inline schemas,
    /// so recursive types cannot be used).
    pub fn validate(&self) -> Result<(), Error> {
        let len = self.len_chars();
        if len > MAX_SPEC_CHARS {
            return Err(Error::input(
                None,
                "task_spec",
                format!(
                    "the spec is {len} characters; the API accepts at most {MAX_SPEC_CHARS}: shorten descriptions or split the task"
                ),
            ));
        }
        for (name, schema) in [
            ("input_schema", self.input_schema.as_ref()),
            ("output_schema", Some(&self.output_schema)),
        ] {
            let Some(js) = schema.and_then(|s| s.get("json_schema")) else {
                continue;
            };
            if contains_ref(js) {
                return Err(Error::input(
                    None,
                    format!("task_spec.{name}"),
                    "the schema uses $ref (a recursive or shared type); the API needs inline schemas: make the type non-recursive",
                ));
            }
            if name == "output_schema" {
                let depth = depth_of(js);
                if depth > MAX_SCHEMA_DEPTH {
                    return Err(Error::input(
                        None,
                        "task_spec.output_schema",
                        format!(
                            "nesting depth is {depth}; the API accepts at most {MAX_SCHEMA_DEPTH}: flatten the output type"
                        ),
                    ));
                }
                check_enums(js)?;
                let props = count_properties(js);
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
mod tests {
    use super::*;

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
