//! The API contract: a validator for the JSON Schema subset that OpenAPI
//! documents use, and the request schemas the emulator holds requests to.
//!
//! The request schemas come from the project's spec (`openapi/openapi.json`):
//! `cargo xtask regen` writes the in-scope operations' parameters and request
//! bodies, with the schemas they reach, into this crate
//! (`contract/requests.json`), and `regen --check` fails when that copy is
//! stale. So the emulator refuses exactly what the spec calls invalid.
//!
//! The validator is handwritten, for the subset the Parallel documents use:
//! `type` (one name or a list, `null` included), `enum`, `const`,
//! `required`, `properties`, `additionalProperties`, `propertyNames`,
//! `items`, `anyOf`, `oneOf` (with `discriminator`), `allOf`, `$ref` (local
//! JSON pointers), `format` (`date`, `date-time`, `uri`; others such as
//! `password` carry no check), `minLength`/`maxLength`, `minimum`/`maximum`,
//! `minItems`/`maxItems`, and `writeOnly`. [`KEYWORDS`] lists every keyword
//! it reads or knowingly ignores, so a test can prove a document uses nothing
//! else. It reports errors as FastAPI does: a `loc` path to the field, a
//! message and a pydantic-style `type`.
//!
//! It is also public so that tests can hold the emulator's answers to the
//! official documents' response schemas ([`Direction::Response`] refuses any
//! write-only value).

use serde_json::{Value, json};
use std::sync::OnceLock;

/// Every schema keyword the validator understands: the ones it checks and
/// the annotations it knowingly ignores (`title`, `description`,
/// `default`, `examples`, `deprecated`, `readOnly`, `format` names without a
/// check, …). A document whose schemas use another keyword needs the
/// validator extended first.
///
/// ```
/// use parallel_web_emulator::contract::KEYWORDS;
///
/// assert!(KEYWORDS.contains(&"writeOnly"));
/// assert!(!KEYWORDS.contains(&"pattern"));
/// ```
pub const KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "enum",
    "const",
    "required",
    "properties",
    "additionalProperties",
    "propertyNames",
    "items",
    "anyOf",
    "oneOf",
    "allOf",
    "discriminator",
    "format",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "writeOnly",
    // Annotations, no check.
    "readOnly",
    "title",
    "description",
    "default",
    "examples",
    "example",
    "deprecated",
    "hidden",
    "nullable",
];

/// Which way a value travels: a request may carry write-only values, a
/// response must not.
///
/// ```
/// use parallel_web_emulator::contract::{Direction, validate};
/// use serde_json::json;
///
/// let secret = json!({"type": "string", "writeOnly": true});
/// assert!(validate(&json!({}), &secret, &json!("s3cr3t"), Direction::Request, &[]).is_empty());
/// assert_eq!(validate(&json!({}), &secret, &json!("s3cr3t"), Direction::Response, &[]).len(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A value sent to the API.
    Request,
    /// A value the API answers with: `writeOnly` values are errors.
    Response,
}

/// One way a value breaks its schema, in FastAPI's `ValidationError` terms.
///
/// ```
/// use parallel_web_emulator::contract::{Direction, validate};
/// use serde_json::json;
///
/// let root = json!({});
/// let errors = validate(&root, &json!({"type": "string"}), &json!(1), Direction::Request, &[json!("body")]);
/// assert_eq!(errors[0].loc, [json!("body")]);
/// assert_eq!(errors[0].kind, "string_type");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Where: the path from the root (`["body", "inputs", 0, "processor"]`).
    pub loc: Vec<Value>,
    /// What is wrong, in words.
    pub msg: String,
    /// The pydantic error type (`string_type`, `missing`, `enum`, …).
    pub kind: String,
}

impl From<Violation> for crate::wire::ValidationError {
    fn from(v: Violation) -> Self {
        crate::wire::ValidationError {
            loc: v.loc,
            msg: v.msg,
            kind: v.kind,
        }
    }
}

/// How many `$ref`s in a row the validator follows without reaching a new
/// value (a cycle such as `A → $ref A` stops there instead of looping).
const MAX_REF_HOPS: u32 = 64;

/// Validates `value` against `schema`; `$ref`s resolve inside `root` (an
/// OpenAPI document or any JSON holding the referenced schemas). `loc` is
/// where `value` sits; every [`Violation`] extends it.
///
/// ```
/// use parallel_web_emulator::contract::{Direction, validate};
/// use serde_json::json;
///
/// let root = json!({"components": {"schemas": {"P": {
///     "type": "object", "required": ["url"],
///     "properties": {"url": {"type": "string"}, "after": {"type": "string", "format": "date"}}
/// }}}});
/// let schema = json!({"$ref": "#/components/schemas/P"});
/// let errors = validate(&root, &schema, &json!({"after": "yesterday"}), Direction::Request, &[]);
/// let locs: Vec<_> = errors.iter().map(|e| e.loc.clone()).collect();
/// assert_eq!(locs, [vec![json!("url")], vec![json!("after")]]);
/// ```
pub fn validate(
    root: &Value,
    schema: &Value,
    value: &Value,
    direction: Direction,
    loc: &[Value],
) -> Vec<Violation> {
    let mut v = Walker {
        root,
        direction,
        errors: Vec::new(),
        loc: loc.to_vec(),
    };
    v.check(schema, value, 0);
    v.errors
}

/// The request contract the emulator holds requests to: the in-scope
/// operations' parameters and request bodies from the project's spec,
/// with the schemas they reach (`paths` and `components.schemas`, as in
/// the spec).
///
/// ```
/// let contract = parallel_web_emulator::contract::requests();
/// assert!(contract.pointer("/components/schemas/TaskRunInput").is_some());
/// ```
pub fn requests() -> &'static Value {
    static CONTRACT: OnceLock<Value> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        // Written by `cargo xtask regen` and checked by a unit test below, so
        // it always parses; an empty contract would validate nothing.
        serde_json::from_str(include_str!("../contract/requests.json")).unwrap_or(Value::Null)
    })
}

/// The request-body schema of `method` `path` (a spec path such as
/// `/v1/tasks/runs`) in the contract.
fn body_schema(path: &str, method: &str) -> Option<&'static Value> {
    requests()
        .get("paths")?
        .get(path)?
        .get(method)?
        .pointer("/requestBody/content/application~1json/schema")
}

/// Checks a request body against the contract's schema for `method` `path`;
/// violations are located under `["body", …]` as FastAPI does.
pub(crate) fn check_body(path: &str, method: &str, body: &Value) -> Vec<Violation> {
    match body_schema(path, method) {
        Some(schema) => validate(
            requests(),
            schema,
            body,
            Direction::Request,
            &[json!("body")],
        ),
        None => Vec::new(),
    }
}

/// Checks the query string of a request to `method` `path` (a spec path)
/// against the contract's query parameters, as FastAPI reads them: each
/// value is a string taken as the first type its schema allows that the
/// string spells (an integer, a number, a FastAPI boolean such as `true` or
/// `0`, else the string itself), then validated at `["query", name]`. A
/// string no allowed type accepts is a `*_parsing` error, as pydantic names
/// it. Names the operation does not define are ignored, as the API does.
pub(crate) fn check_query(
    path: &str,
    method: &str,
    query: &std::collections::HashMap<String, String>,
) -> Vec<Violation> {
    let root = requests();
    let Some(parameters) = root
        .get("paths")
        .and_then(|p| p.get(path))
        .and_then(|p| p.get(method))
        .and_then(|op| op.get("parameters"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    for parameter in parameters {
        if parameter.get("in").and_then(Value::as_str) != Some("query") {
            continue;
        }
        let Some(name) = parameter.get("name").and_then(Value::as_str) else {
            continue;
        };
        let schema = parameter.get("schema").unwrap_or(&Value::Bool(true));
        let loc = [json!("query"), json!(name)];
        let Some(raw) = query.get(name) else {
            if parameter.get("required") == Some(&Value::Bool(true)) {
                errors.push(Violation {
                    loc: loc.to_vec(),
                    msg: "Field required".to_owned(),
                    kind: "missing".to_owned(),
                });
            }
            continue;
        };
        let value = query_value(root, schema, raw);
        let spelled = value.is_string();
        errors.extend(
            validate(root, schema, &value, Direction::Request, &loc)
                .into_iter()
                .map(|v| if spelled { as_parsing_error(v) } else { v }),
        );
    }
    errors
}

/// The JSON value a query string stands for under `schema`.
fn query_value(root: &Value, schema: &Value, raw: &str) -> Value {
    let boolean = match raw.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "off" | "f" | "n" => Some(false),
        _ => None,
    };
    // A number is read as such only where the schema takes a fraction
    // (pydantic does not read `1e3` or `2.0` as an integer).
    let takes_fractions = matches_type(root, schema, &json!(0.5), 0);
    let candidates = [
        raw.parse::<i64>().ok().map(Value::from),
        raw.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && takes_fractions)
            .map(Value::from),
        boolean.map(Value::Bool),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|v| matches_type(root, schema, v, 0))
        .unwrap_or_else(|| Value::String(raw.to_owned()))
}

/// A type error about a query string, in pydantic's words for a string that
/// does not parse as that type.
fn as_parsing_error(mut v: Violation) -> Violation {
    let (kind, msg) = match v.kind.as_str() {
        "int_type" => (
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        "float_type" => (
            "float_parsing",
            "Input should be a valid number, unable to parse string as a number",
        ),
        "bool_type" => (
            "bool_parsing",
            "Input should be a valid boolean, unable to interpret input",
        ),
        _ => return v,
    };
    v.kind = kind.to_owned();
    v.msg = msg.to_owned();
    v
}

/// The schema of an MCP server list inside a run input (for redaction).
fn mcp_servers_schema() -> Option<&'static Value> {
    requests().pointer("/components/schemas/TaskRunInput/properties/mcp_servers")
}

/// Removes every write-only value the contract marks in a run input's
/// `mcp_servers` (the servers' `headers` values), so that no answer echoes
/// them. `None` when there is nothing to remove.
pub(crate) fn redact_mcp_servers(raw: &str) -> Option<Box<serde_json::value::RawValue>> {
    if !raw.contains("headers") {
        return None;
    }
    let mut value: Value = serde_json::from_str(raw).ok()?;
    let schema = mcp_servers_schema()?;
    if !redact(requests(), schema, &mut value, 0) {
        return None;
    }
    serde_json::value::to_raw_value(&value).ok()
}

/// Removes from `value` every part whose schema is `writeOnly`; true if
/// anything was removed.
fn redact(root: &Value, schema: &Value, value: &mut Value, hops: u32) -> bool {
    if hops > MAX_REF_HOPS {
        return false;
    }
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        return resolve(root, target).is_some_and(|s| redact(root, s, value, hops + 1));
    }
    let mut removed = false;
    for key in ["anyOf", "oneOf", "allOf"] {
        for branch in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if matches_type(root, branch, value, 0) {
                removed |= redact(root, branch, value, hops + 1);
            }
        }
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let extra = schema.get("additionalProperties").filter(|s| s.is_object());
            let before = map.len();
            map.retain(|k, _| {
                let s = props.and_then(|p| p.get(k)).or(extra);
                !s.is_some_and(is_write_only)
            });
            removed |= map.len() != before;
            for (k, v) in map.iter_mut() {
                if let Some(s) = props.and_then(|p| p.get(k)).or(extra) {
                    removed |= redact(root, s, v, 0);
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for item in items {
                    removed |= redact(root, s, item, 0);
                }
            }
        }
        _ => {}
    }
    removed
}

fn is_write_only(schema: &Value) -> bool {
    schema.get("writeOnly").and_then(Value::as_bool) == Some(true)
}

/// Resolves a local `$ref` (`#/a/b~1c`) inside `root`.
fn resolve<'r>(root: &'r Value, target: &str) -> Option<&'r Value> {
    let pointer = target.strip_prefix('#')?;
    if pointer.contains('~') {
        return root.pointer(pointer);
    }
    // What `pointer` does for an unescaped path through objects, without
    // its copy of each segment (references are followed for every value
    // of a request).
    let Some(path) = pointer.strip_prefix('/') else {
        return root.pointer(pointer);
    };
    let mut at = root;
    for segment in path.split('/') {
        at = match at {
            Value::Object(map) => map.get(segment)?,
            _ => return root.pointer(pointer),
        };
    }
    Some(at)
}

/// The JSON type names a value has (`integer` values are also `number`s).
fn type_names(value: &Value) -> &'static [&'static str] {
    match value {
        Value::Null => &["null"],
        Value::Bool(_) => &["boolean"],
        Value::Number(n) if n.is_i64() || n.is_u64() => &["integer", "number"],
        Value::Number(n) if n.as_f64().is_some_and(|x| x.fract() == 0.0) => &["integer", "number"],
        Value::Number(_) => &["number"],
        Value::String(_) => &["string"],
        Value::Array(_) => &["array"],
        Value::Object(_) => &["object"],
    }
}

/// True when `value` has a JSON type the schema allows at its top level
/// (following `$ref`s and unions); a schema without `type` allows any.
fn matches_type(root: &Value, schema: &Value, value: &Value, hops: u32) -> bool {
    if hops > MAX_REF_HOPS {
        return false;
    }
    let kw = Keywords::of(schema);
    if let Some(target) = kw.reference.and_then(Value::as_str) {
        return resolve(root, target).is_some_and(|s| matches_type(root, s, value, hops + 1));
    }
    for branches in [kw.any_of, kw.one_of] {
        if let Some(branches) = branches.and_then(Value::as_array)
            && !branches
                .iter()
                .any(|b| matches_type(root, b, value, hops + 1))
        {
            return false;
        }
    }
    if let Some(c) = kw.constant
        && c != value
    {
        return false;
    }
    match kw.ty {
        None => true,
        Some(Value::String(t)) => type_names(value).contains(&t.as_str()),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .any(|t| type_names(value).contains(&t)),
        Some(_) => true,
    }
}

/// The keywords of one schema object the walker reads, found in one pass
/// over its entries. A request of a thousand runs walks the same few
/// schemas thousands of times, and a lookup per keyword (hashing each name,
/// mostly to find it absent) cost more than reading the few entries once.
#[derive(Default)]
struct Keywords<'s> {
    reference: Option<&'s Value>,
    all_of: Option<&'s Value>,
    any_of: Option<&'s Value>,
    one_of: Option<&'s Value>,
    discriminator: Option<&'s Value>,
    ty: Option<&'s Value>,
    constant: Option<&'s Value>,
    enumeration: Option<&'s Value>,
    max_length: Option<&'s Value>,
    min_length: Option<&'s Value>,
    format: Option<&'s Value>,
    maximum: Option<&'s Value>,
    minimum: Option<&'s Value>,
    max_items: Option<&'s Value>,
    min_items: Option<&'s Value>,
    items: Option<&'s Value>,
    properties: Option<&'s Value>,
    required: Option<&'s Value>,
    additional_properties: Option<&'s Value>,
    property_names: Option<&'s Value>,
}

impl<'s> Keywords<'s> {
    /// The keywords of `schema` (none when it is not an object).
    fn of(schema: &'s Value) -> Self {
        let mut k = Keywords::default();
        let Some(obj) = schema.as_object() else {
            return k;
        };
        for (name, value) in obj {
            let slot = match name.as_str() {
                "$ref" => &mut k.reference,
                "allOf" => &mut k.all_of,
                "anyOf" => &mut k.any_of,
                "oneOf" => &mut k.one_of,
                "discriminator" => &mut k.discriminator,
                "type" => &mut k.ty,
                "const" => &mut k.constant,
                "enum" => &mut k.enumeration,
                "maxLength" => &mut k.max_length,
                "minLength" => &mut k.min_length,
                "format" => &mut k.format,
                "maximum" => &mut k.maximum,
                "minimum" => &mut k.minimum,
                "maxItems" => &mut k.max_items,
                "minItems" => &mut k.min_items,
                "items" => &mut k.items,
                "properties" => &mut k.properties,
                "required" => &mut k.required,
                "additionalProperties" => &mut k.additional_properties,
                "propertyNames" => &mut k.property_names,
                _ => continue,
            };
            *slot = Some(value);
        }
        k
    }
}

struct Walker<'r> {
    root: &'r Value,
    direction: Direction,
    errors: Vec<Violation>,
    loc: Vec<Value>,
}

impl Walker<'_> {
    fn fail(&mut self, msg: impl Into<String>, kind: &str) {
        self.errors.push(Violation {
            loc: self.loc.clone(),
            msg: msg.into(),
            kind: kind.to_owned(),
        });
    }

    fn at(&mut self, segment: Value, schema: &Value, value: &Value) {
        self.loc.push(segment);
        self.check(schema, value, 0);
        self.loc.pop();
    }

    /// Errors `schema` finds in `value`, without recording them.
    fn trial(&mut self, schema: &Value, value: &Value, hops: u32) -> Vec<Violation> {
        let mark = self.errors.len();
        self.check(schema, value, hops);
        self.errors.split_off(mark)
    }

    fn check(&mut self, schema: &Value, value: &Value, hops: u32) {
        if hops > MAX_REF_HOPS {
            self.fail("Schema references loop", "schema_error");
            return;
        }
        if schema == &Value::Bool(false) {
            self.fail("No value is allowed here", "extra_forbidden");
            return;
        }
        if !schema.is_object() {
            return;
        }
        if self.direction == Direction::Response && is_write_only(schema) {
            self.fail(
                "A write-only value must never be returned",
                "write_only_returned",
            );
            return;
        }
        let kw = Keywords::of(schema);
        if let Some(target) = kw.reference.and_then(Value::as_str) {
            match resolve(self.root, target) {
                Some(s) => self.check(s, value, hops + 1),
                None => self.fail(
                    format!("Unresolvable schema reference {target}"),
                    "schema_error",
                ),
            }
        }
        if let Some(Value::Array(branches)) = kw.all_of {
            for b in branches {
                self.check(b, value, hops + 1);
            }
        }
        if let Some(Value::Array(branches)) = kw.any_of {
            self.any_of(branches, value, hops);
        }
        if let Some(Value::Array(branches)) = kw.one_of {
            self.one_of(kw.discriminator, branches, value, hops);
        }
        if !self.check_type(kw.ty, value) {
            return;
        }
        if let Some(c) = kw.constant
            && c != value
        {
            self.fail(format!("Input should be {}", c), "literal_error");
        }
        if let Some(Value::Array(options)) = kw.enumeration
            && !options.contains(value)
        {
            let names: Vec<String> = options.iter().map(Value::to_string).collect();
            self.fail(format!("Input should be {}", names.join(" or ")), "enum");
        }
        match value {
            Value::String(s) => self.check_string(&kw, s),
            Value::Number(n) => self.check_number(&kw, n.as_f64().unwrap_or(0.0)),
            Value::Array(items) => self.check_array(&kw, items),
            Value::Object(map) => self.check_object(&kw, map),
            _ => {}
        }
    }

    /// Checks `type`; false when the value has another type (the remaining
    /// keywords would only repeat the same complaint).
    fn check_type(&mut self, ty: Option<&Value>, value: &Value) -> bool {
        let allowed: Vec<&str> = match ty {
            None => return true,
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            Some(_) => return true,
        };
        if allowed.iter().any(|t| type_names(value).contains(t)) {
            return true;
        }
        let (msg, kind) = match allowed.first().copied().unwrap_or("") {
            "string" => ("Input should be a valid string", "string_type"),
            "integer" => ("Input should be a valid integer", "int_type"),
            "number" => ("Input should be a valid number", "float_type"),
            "boolean" => ("Input should be a valid boolean", "bool_type"),
            "object" => ("Input should be a valid dictionary", "dict_type"),
            "array" => ("Input should be a valid list", "list_type"),
            "null" => ("Input should be None", "none_required"),
            _ => ("Input has the wrong type", "type_error"),
        };
        if allowed.len() > 1 {
            self.fail(
                format!("Input should be one of the types {}", allowed.join(", ")),
                "union_type",
            );
        } else {
            self.fail(msg, kind);
        }
        false
    }

    /// `anyOf`: valid when a branch is. Otherwise the errors of the one
    /// branch whose type fits the value (so `include_domains: "x"` is a
    /// list error at `include_domains`, and a bad field inside an optional
    /// object is named), or one error saying which types fit.
    fn any_of(&mut self, branches: &[Value], value: &Value, hops: u32) {
        // A branch of another type cannot hold the value: only the
        // fitting ones are tried (cheap, and their errors are the useful ones).
        let mut fitting = Vec::new();
        for b in branches {
            if !matches_type(self.root, b, value, 0) {
                continue;
            }
            let errors = self.trial(b, value, hops + 1);
            if errors.is_empty() {
                return;
            }
            fitting.push(errors);
        }
        if fitting.len() == 1 {
            self.errors.extend(fitting.remove(0));
            return;
        }
        let mut names: Vec<&str> = Vec::new();
        for b in branches {
            for n in self.branch_types(b, 0) {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        if fitting.is_empty() {
            self.fail(
                format!("Input should be one of the types {}", names.join(", ")),
                "union_type",
            );
        } else {
            // Several branches of the value's type, none valid: report the
            // one with the fewest complaints (the closest match).
            fitting.sort_by_key(Vec::len);
            self.errors.extend(fitting.remove(0));
        }
    }

    /// `oneOf`: exactly one branch must hold; a `discriminator` picks it.
    fn one_of(
        &mut self,
        discriminator: Option<&Value>,
        branches: &[Value],
        value: &Value,
        hops: u32,
    ) {
        if let (Some(d), Some(map)) = (discriminator, value.as_object())
            && let Some(prop) = d.get("propertyName").and_then(Value::as_str)
        {
            let tag = map.get(prop).and_then(Value::as_str);
            let target = tag.and_then(|t| d.get("mapping").and_then(|m| m.get(t)));
            match target.and_then(Value::as_str) {
                Some(r) => {
                    self.check(&json!({ "$ref": r }), value, hops + 1);
                }
                None => {
                    self.loc.push(json!(prop));
                    self.fail(
                        format!("Input tag {tag:?} does not match any of the expected tags"),
                        "union_tag_invalid",
                    );
                    self.loc.pop();
                }
            }
            return;
        }
        let mut valid = 0;
        for b in branches {
            if matches_type(self.root, b, value, 0) && self.trial(b, value, hops + 1).is_empty() {
                valid += 1;
            }
        }
        match valid {
            1 => {}
            0 => self.any_of(branches, value, hops),
            n => self.fail(
                format!("Input matches {n} of the oneOf schemas; it must match exactly one"),
                "union_ambiguous",
            ),
        }
    }

    /// Type names a branch admits, for messages.
    fn branch_types(&self, schema: &Value, hops: u32) -> Vec<&'static str> {
        const NAMES: [&str; 7] = [
            "string", "integer", "number", "boolean", "object", "array", "null",
        ];
        if hops > MAX_REF_HOPS {
            return Vec::new();
        }
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            return resolve(self.root, target)
                .map(|s| self.branch_types(s, hops + 1))
                .unwrap_or_default();
        }
        if let Some(Value::Array(bs)) = schema.get("anyOf").or_else(|| schema.get("oneOf")) {
            return bs
                .iter()
                .flat_map(|b| self.branch_types(b, hops + 1))
                .collect();
        }
        let named = |t: &str| NAMES.iter().copied().find(|n| *n == t);
        match schema.get("type") {
            Some(Value::String(t)) => named(t).into_iter().collect(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .filter_map(named)
                .collect(),
            _ => Vec::new(),
        }
    }

    fn check_string(&mut self, kw: &Keywords<'_>, s: &str) {
        let len = s.chars().count() as u64;
        if let Some(max) = kw.max_length.and_then(Value::as_u64)
            && len > max
        {
            self.fail(
                format!("String should have at most {max} characters"),
                "string_too_long",
            );
        }
        if let Some(min) = kw.min_length.and_then(Value::as_u64)
            && len < min
        {
            self.fail(
                format!("String should have at least {min} characters"),
                "string_too_short",
            );
        }
        match kw.format.and_then(Value::as_str) {
            Some("date")
                if (s.len() != 10 || chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_err()) =>
            {
                self.fail(
                    "Input should be a valid date in the format YYYY-MM-DD",
                    "date_from_datetime_parsing",
                );
            }
            Some("date-time") if chrono::DateTime::parse_from_rfc3339(s).is_err() => {
                self.fail(
                    "Input should be a valid datetime (RFC 3339)",
                    "datetime_from_date_parsing",
                );
            }
            Some("uri") => {
                let scheme = s.split_once(':').map(|(scheme, _)| scheme);
                let ok = scheme.is_some_and(|sc| {
                    sc.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                        && sc
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                }) && !s.chars().any(char::is_whitespace);
                if !ok {
                    self.fail("Input should be a valid URL", "url_parsing");
                }
            }
            _ => {}
        }
    }

    fn check_number(&mut self, kw: &Keywords<'_>, x: f64) {
        if let Some(max) = kw.maximum.and_then(Value::as_f64)
            && x > max
        {
            self.fail(
                format!("Input should be less than or equal to {max}"),
                "less_than_equal",
            );
        }
        if let Some(min) = kw.minimum.and_then(Value::as_f64)
            && x < min
        {
            self.fail(
                format!("Input should be greater than or equal to {min}"),
                "greater_than_equal",
            );
        }
    }

    fn check_array(&mut self, kw: &Keywords<'_>, items: &[Value]) {
        let n = items.len() as u64;
        if let Some(max) = kw.max_items.and_then(Value::as_u64)
            && n > max
        {
            self.fail(format!("List should have at most {max} items"), "too_long");
        }
        if let Some(min) = kw.min_items.and_then(Value::as_u64)
            && n < min
        {
            self.fail(
                format!("List should have at least {min} items"),
                "too_short",
            );
        }
        if let Some(schema) = kw.items {
            for (i, item) in items.iter().enumerate() {
                self.at(json!(i), schema, item);
            }
        }
    }

    fn check_object(&mut self, kw: &Keywords<'_>, map: &serde_json::Map<String, Value>) {
        let props = kw.properties.and_then(Value::as_object);
        if let Some(Value::Array(required)) = kw.required {
            for name in required.iter().filter_map(Value::as_str) {
                if !map.contains_key(name) {
                    self.loc.push(json!(name));
                    self.fail("Field required", "missing");
                    self.loc.pop();
                }
            }
        }
        let extra = kw.additional_properties;
        let names = kw.property_names;
        for (k, v) in map {
            if let Some(names) = names {
                self.at(json!(k), names, &json!(k));
            }
            match (props.and_then(|p| p.get(k)), extra) {
                (Some(s), _) => self.at(json!(k), s, v),
                (None, Some(Value::Bool(false))) => {
                    self.loc.push(json!(k));
                    self.fail("Extra inputs are not permitted", "extra_forbidden");
                    self.loc.pop();
                }
                (None, Some(s @ Value::Object(_))) => self.at(json!(k), s, v),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locs(errors: &[Violation]) -> Vec<Vec<Value>> {
        errors.iter().map(|e| e.loc.clone()).collect()
    }

    fn run_input(value: Value) -> Vec<Violation> {
        check_body("/v1/tasks/runs", "post", &value)
    }

    #[test]
    fn references_resolve_as_json_pointers_do() {
        let root = json!({"a": {"b/c": {"d": [1, {"e": 2}]}, "x": {"y": true}}, "": 0});
        for target in [
            "#",
            "#/",
            "#/a",
            "#/a/x/y",
            "#/a/b~1c/d",
            "#/a/b~1c/d/1/e",
            "#/a/missing",
            "#/a/x/y/z",
            "a/x",
            "#a",
            "#//",
            "#/a/x/",
        ] {
            let pointer = target.strip_prefix('#');
            assert_eq!(
                resolve(&root, target),
                pointer.and_then(|p| root.pointer(p)),
                "{target}"
            );
        }
    }

    #[test]
    fn the_embedded_contract_parses_and_has_every_request_body() {
        assert!(requests().is_object());
        for (path, method) in [
            ("/v1/tasks/groups", "post"),
            ("/v1/tasks/groups/{taskgroup_id}/runs", "post"),
            ("/v1/tasks/runs", "post"),
            ("/v1beta/tasks/groups", "post"),
            ("/v1beta/tasks/groups/{taskgroup_id}/runs", "post"),
        ] {
            assert!(body_schema(path, method).is_some(), "{method} {path}");
        }
    }

    #[test]
    fn query_strings_are_read_as_their_schema_types() {
        let query = |path: &str, pairs: &[(&str, &str)]| {
            let q = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            check_query(path, "get", &q)
                .into_iter()
                .map(|v| (v.loc, v.kind))
                .collect::<Vec<_>>()
        };
        let result = "/v1/tasks/runs/{run_id}/result";
        let runs = "/v1/tasks/groups/{taskgroup_id}/runs";
        let events = "/v1beta/tasks/groups/{taskgroup_id}/events";
        let at = |name: &str, kind: &str| (vec![json!("query"), json!(name)], kind.to_owned());
        // An integer: whole numbers, negative ones too; no fraction, exponent or word.
        for ok in ["0", "-1", "600"] {
            assert_eq!(query(result, &[("timeout", ok)]), [], "{ok}");
        }
        for bad in ["0.2", "1e3", "", "soon", "NaN"] {
            assert_eq!(
                query(result, &[("timeout", bad)]),
                [at("timeout", "int_parsing")],
                "{bad}"
            );
        }
        // A number or null: fractions and negatives; no word or infinity.
        for ok in ["0.25", "-1", "3"] {
            assert_eq!(query(events, &[("timeout", ok)]), [], "{ok}");
        }
        for bad in ["", "inf", "soon"] {
            assert_eq!(query(events, &[("timeout", bad)]).len(), 1, "{bad}");
        }
        // Booleans in FastAPI's spellings; an enum by its values.
        assert_eq!(
            query(runs, &[("include_input", "Yes"), ("include_output", "0")]),
            []
        );
        assert_eq!(
            query(runs, &[("include_input", "maybe")]),
            [at("include_input", "bool_parsing")]
        );
        assert_eq!(query(runs, &[("status", "completed")]), []);
        assert_eq!(query(runs, &[("status", "finished")]).len(), 1);
        // Names the operation does not define, and other operations, are ignored.
        assert_eq!(query(runs, &[("beta", "x"), ("timeout", "soon")]), []);
        assert_eq!(query("/v1/unknown", &[("timeout", "soon")]), []);
    }

    #[test]
    fn the_known_gaps_are_refused_at_their_field() {
        let base = || json!({"processor": "lite", "input": "x"});
        let cases = [
            (
                "source_policy",
                json!({"include_domains": "a.com"}),
                vec![json!("source_policy"), json!("include_domains")],
            ),
            (
                "source_policy",
                json!({"after_date": "yesterday"}),
                vec![json!("source_policy"), json!("after_date")],
            ),
            (
                "mcp_servers",
                json!([{"name": "n"}]),
                vec![json!("mcp_servers"), json!(0), json!("url")],
            ),
            (
                "mcp_servers",
                json!([{"name": "n", "url": "https://m", "type": "stdio"}]),
                vec![json!("mcp_servers"), json!(0), json!("type")],
            ),
            ("enable_events", json!("yes"), vec![json!("enable_events")]),
            (
                "previous_interaction_id",
                json!(7),
                vec![json!("previous_interaction_id")],
            ),
            (
                "webhook",
                json!({"event_types": []}),
                vec![json!("webhook"), json!("url")],
            ),
            (
                "webhook",
                json!({"url": "https://h", "event_types": ["nope"]}),
                vec![json!("webhook"), json!("event_types"), json!(0)],
            ),
            (
                "advanced_settings",
                json!({"location": 33}),
                vec![json!("advanced_settings"), json!("location")],
            ),
        ];
        for (field, bad, tail) in cases {
            let mut body = base();
            body[field] = bad;
            let errors = run_input(body.clone());
            let mut want = vec![json!("body")];
            want.extend(tail);
            assert_eq!(locs(&errors), [want], "{body}");
        }
        assert!(run_input(base()).is_empty());
    }

    #[test]
    fn valid_bodies_pass() {
        let full = json!({
            "processor": "core", "input": {"a": 1}, "metadata": {"k": "v", "n": 1, "b": true, "f": 1.5},
            "source_policy": {"include_domains": ["a.com"], "exclude_domains": [], "after_date": "2024-02-29"},
            "advanced_settings": {"location": "fr"},
            "task_spec": {"output_schema": {"type": "json", "json_schema": {"type": "object"}}, "input_schema": "text"},
            "previous_interaction_id": "trun_1",
            "mcp_servers": [{"type": "url", "url": "https://m", "name": "m", "headers": {"a": "b"}, "allowed_tools": ["t"]}],
            "enable_events": true, "webhook": {"url": "https://h", "event_types": ["task_run.status"]}
        });
        assert_eq!(run_input(full), []);
        assert_eq!(check_body("/v1/tasks/groups", "post", &json!({})), []);
    }

    #[test]
    fn dates_are_checked_as_calendar_days() {
        let root = json!({});
        let s = json!({"type": "string", "format": "date"});
        for bad in [
            "2024-02-30",
            "2024-1-01",
            "yesterday",
            "2024-01-01T00:00:00Z",
        ] {
            assert_eq!(
                validate(&root, &s, &json!(bad), Direction::Request, &[]).len(),
                1,
                "{bad}"
            );
        }
        assert!(validate(&root, &s, &json!("2024-02-29"), Direction::Request, &[]).is_empty());
    }

    #[test]
    fn write_only_values_are_refused_in_responses_and_redacted() {
        let schema = json!({"$ref": "#/components/schemas/TaskRunInput/properties/mcp_servers"});
        let servers =
            json!([{"url": "https://m", "name": "m", "headers": {"authorization": "secret"}}]);
        assert!(validate(requests(), &schema, &servers, Direction::Request, &[]).is_empty());
        let errors = validate(requests(), &schema, &servers, Direction::Response, &[]);
        assert_eq!(
            locs(&errors),
            [vec![json!(0), json!("headers"), json!("authorization")]]
        );
        let redacted = redact_mcp_servers(&servers.to_string()).expect("headers removed");
        assert!(!redacted.get().contains("secret"), "{}", redacted.get());
        assert!(
            validate(
                requests(),
                &schema,
                &serde_json::from_str(redacted.get()).unwrap(),
                Direction::Response,
                &[]
            )
            .is_empty()
        );
        assert!(redact_mcp_servers(r#"[{"url":"u","name":"n"}]"#).is_none());
    }

    #[test]
    fn one_of_uses_the_discriminator_and_a_ref_loop_stops() {
        let root = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"type": {"const": "a"}, "x": {"type": "integer"}}},
            "B": {"type": "object", "properties": {"type": {"const": "b"}}},
            "Loop": {"$ref": "#/components/schemas/Loop"}
        }}});
        let s = json!({"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
            "discriminator": {"propertyName": "type", "mapping": {"a": "#/components/schemas/A", "b": "#/components/schemas/B"}}});
        assert!(
            validate(
                &root,
                &s,
                &json!({"type": "a", "x": 1}),
                Direction::Response,
                &[]
            )
            .is_empty()
        );
        assert_eq!(
            locs(&validate(
                &root,
                &s,
                &json!({"type": "a", "x": "1"}),
                Direction::Response,
                &[]
            )),
            [vec![json!("x")]]
        );
        assert_eq!(
            locs(&validate(
                &root,
                &s,
                &json!({"type": "c"}),
                Direction::Response,
                &[]
            )),
            [vec![json!("type")]]
        );
        let looped = validate(
            &root,
            &json!({"$ref": "#/components/schemas/Loop"}),
            &json!(1),
            Direction::Request,
            &[],
        );
        assert_eq!(looped[0].kind, "schema_error");
    }

    /// The kinds of the errors `schema` finds in `value` (no `$ref`s to resolve).
    fn kinds(schema: Value, value: Value) -> Vec<String> {
        validate(&json!({}), &schema, &value, Direction::Request, &[])
            .into_iter()
            .map(|v| v.kind)
            .collect()
    }

    /// A document whose schema `S0` refers to `S1`, …, `S{hops}`, the last one `end`.
    fn ref_chain(hops: usize, end: Value) -> (Value, Value) {
        let mut schemas = serde_json::Map::new();
        for i in 0..hops {
            schemas.insert(
                format!("S{i}"),
                json!({"$ref": format!("#/components/schemas/S{}", i + 1)}),
            );
        }
        schemas.insert(format!("S{hops}"), end);
        let root = json!({"components": {"schemas": schemas}});
        (root, json!({"$ref": "#/components/schemas/S0"}))
    }

    #[test]
    fn reference_chains_are_followed_for_64_hops_and_no_further() {
        let string = json!({"type": "string"});
        let (ok_root, ok) = ref_chain(63, string.clone());
        let (long_root, long) = ref_chain(64, string);
        // `S0` is reached by one hop from the outer `$ref`: 64 and 65 hops.
        let check = |root: &Value, s: &Value, v: Value| {
            validate(root, s, &v, Direction::Request, &[])
                .into_iter()
                .map(|v| v.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(check(&ok_root, &ok, json!("x")), Vec::<String>::new());
        assert_eq!(check(&ok_root, &ok, json!(1)), ["string_type"]);
        assert_eq!(check(&long_root, &long, json!("x")), ["schema_error"]);
        assert!(matches_type(&ok_root, &ok, &json!("x"), 0));
        assert!(!matches_type(&ok_root, &ok, &json!(1), 0));
        assert!(!matches_type(&long_root, &long, &json!("x"), 0));
        let walker = |root| Walker {
            root,
            direction: Direction::Request,
            errors: Vec::new(),
            loc: Vec::new(),
        };
        assert_eq!(walker(&ok_root).branch_types(&ok, 0), ["string"]);
        assert_eq!(
            walker(&long_root).branch_types(&long, 0),
            Vec::<&str>::new()
        );
        let secret = json!({"type": "object", "properties": {"h": {"writeOnly": true}, "k": {}}});
        let (ok_root, ok) = ref_chain(63, secret.clone());
        let (long_root, long) = ref_chain(64, secret);
        let mut value = json!({"h": 1, "k": 2});
        assert!(redact(&ok_root, &ok, &mut value, 0));
        assert_eq!(value, json!({"k": 2}));
        let mut value = json!({"h": 1, "k": 2});
        assert!(!redact(&long_root, &long, &mut value, 0));
        assert_eq!(value, json!({"h": 1, "k": 2}));
    }

    #[test]
    fn a_reference_loop_ends_every_walk() {
        let root = json!({"components": {"schemas": {
            "Loop": {"$ref": "#/components/schemas/Loop"},
            "Any": {"anyOf": [{"$ref": "#/components/schemas/Any"}]}
        }}});
        for name in ["Loop", "Any"] {
            let s = json!({"$ref": format!("#/components/schemas/{name}")});
            let mut v = json!({"h": 1});
            assert!(!redact(&root, &s, &mut v, 0), "{name}");
            assert!(!matches_type(&root, &s, &v, 0), "{name}");
            let w = Walker {
                root: &root,
                direction: Direction::Request,
                errors: Vec::new(),
                loc: Vec::new(),
            };
            assert_eq!(w.branch_types(&s, 0), Vec::<&str>::new(), "{name}");
        }
    }

    #[test]
    fn each_type_has_its_own_error_and_integers_are_whole_numbers() {
        for (ty, good, bad, kind) in [
            ("string", json!("s"), json!(1), "string_type"),
            ("integer", json!(2.0), json!(2.5), "int_type"),
            ("integer", json!(u64::MAX), json!("1"), "int_type"),
            ("integer", json!(-3), json!(true), "int_type"),
            ("number", json!(2.5), json!("2.5"), "float_type"),
            ("boolean", json!(false), json!(0), "bool_type"),
            ("object", json!({}), json!([]), "dict_type"),
            ("array", json!([]), json!({}), "list_type"),
            ("null", json!(null), json!(0), "none_required"),
            ("date", json!(null), json!(0), "type_error"),
        ] {
            if ty != "date" {
                assert_eq!(
                    kinds(json!({"type": ty}), good.clone()),
                    Vec::<String>::new(),
                    "{ty} {good}"
                );
            }
            assert_eq!(
                kinds(json!({"type": ty}), bad.clone()),
                [kind],
                "{ty} {bad}"
            );
        }
        assert_eq!(type_names(&json!(2.5)), ["number"]);
        assert_eq!(type_names(&json!(-2)), ["integer", "number"]);
        assert_eq!(
            kinds(json!({"type": ["string", "null"]}), json!(null)),
            Vec::<String>::new()
        );
        assert_eq!(
            kinds(json!({"type": ["string", "null"]}), json!(1)),
            ["union_type"]
        );
        // A wrong type stops the other keywords from repeating the complaint.
        assert_eq!(
            kinds(json!({"type": "string", "enum": ["a"]}), json!(1)),
            ["string_type"]
        );
    }

    #[test]
    fn const_and_enum_take_only_their_values() {
        assert_eq!(
            kinds(json!({"const": "a"}), json!("a")),
            Vec::<String>::new()
        );
        assert_eq!(kinds(json!({"const": "a"}), json!("b")), ["literal_error"]);
        assert_eq!(
            kinds(json!({"enum": ["a", 1]}), json!(1)),
            Vec::<String>::new()
        );
        assert_eq!(kinds(json!({"enum": ["a", 1]}), json!("b")), ["enum"]);
        assert!(matches_type(
            &json!({}),
            &json!({"const": "a"}),
            &json!("a"),
            0
        ));
        assert!(!matches_type(
            &json!({}),
            &json!({"const": "a"}),
            &json!("b"),
            0
        ));
    }

    #[test]
    fn lengths_sizes_and_bounds_hold_at_the_limit_and_not_past_it() {
        let s = json!({"type": "string", "minLength": 2, "maxLength": 3});
        assert_eq!(kinds(s.clone(), json!("é")), ["string_too_short"]);
        assert_eq!(kinds(s.clone(), json!("éé")), Vec::<String>::new());
        assert_eq!(kinds(s.clone(), json!("ééé")), Vec::<String>::new());
        assert_eq!(kinds(s, json!("éééé")), ["string_too_long"]);
        let n = json!({"type": "number", "minimum": 1, "maximum": 2});
        assert_eq!(kinds(n.clone(), json!(0.5)), ["greater_than_equal"]);
        assert_eq!(kinds(n.clone(), json!(1)), Vec::<String>::new());
        assert_eq!(kinds(n.clone(), json!(2)), Vec::<String>::new());
        assert_eq!(kinds(n, json!(2.5)), ["less_than_equal"]);
        let a =
            json!({"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "integer"}});
        assert_eq!(kinds(a.clone(), json!([])), ["too_short"]);
        assert_eq!(kinds(a.clone(), json!([1])), Vec::<String>::new());
        assert_eq!(kinds(a.clone(), json!([1, 2])), Vec::<String>::new());
        assert_eq!(kinds(a.clone(), json!([1, 2, 3])), ["too_long"]);
        let errors = validate(
            &json!({}),
            &a,
            &json!([1, "x"]),
            Direction::Request,
            &[json!("l")],
        );
        assert_eq!(locs(&errors), [vec![json!("l"), json!(1)]]);
    }

    #[test]
    fn date_times_and_uris_are_checked_by_their_format() {
        let dt = json!({"type": "string", "format": "date-time"});
        assert_eq!(
            kinds(dt.clone(), json!("2024-02-29T10:00:00Z")),
            Vec::<String>::new()
        );
        assert_eq!(
            kinds(dt, json!("2024-02-29")),
            ["datetime_from_date_parsing"]
        );
        let date = json!({"type": "string", "format": "date"});
        assert_eq!(kinds(date, json!("2024-02-29")), Vec::<String>::new());
        let uri = json!({"type": "string", "format": "uri"});
        for ok in [
            "https://a.example/x",
            "mailto:a@b",
            "svn+ssh://h",
            "a-b.c:x",
        ] {
            assert_eq!(kinds(uri.clone(), json!(ok)), Vec::<String>::new(), "{ok}");
        }
        for bad in [
            "a.example/x",
            "1http://x",
            "ht tp://x",
            "https://a b",
            "h_t://x",
            ":x",
        ] {
            assert_eq!(kinds(uri.clone(), json!(bad)), ["url_parsing"], "{bad}");
        }
    }

    #[test]
    fn objects_check_required_extra_and_named_properties_at_their_keys() {
        let s = json!({
            "type": "object", "required": ["a"],
            "properties": {"a": {"type": "integer"}},
            "additionalProperties": false
        });
        assert_eq!(kinds(s.clone(), json!({"a": 1})), Vec::<String>::new());
        let errors = validate(&json!({}), &s, &json!({"b": 1}), Direction::Request, &[]);
        assert_eq!(locs(&errors), [vec![json!("a")], vec![json!("b")]]);
        assert_eq!(errors[0].kind, "missing");
        assert_eq!(errors[1].kind, "extra_forbidden");
        let errors = validate(&json!({}), &s, &json!({"a": "1"}), Direction::Request, &[]);
        assert_eq!(locs(&errors), [vec![json!("a")]]);
        let map = json!({"type": "object", "additionalProperties": {"type": "string"},
            "propertyNames": {"maxLength": 2}});
        assert_eq!(kinds(map.clone(), json!({"ab": "x"})), Vec::<String>::new());
        let errors = validate(
            &json!({}),
            &map,
            &json!({"abc": 1}),
            Direction::Request,
            &[],
        );
        assert_eq!(
            errors
                .iter()
                .map(|e| (e.loc.clone(), e.kind.as_str()))
                .collect::<Vec<_>>(),
            [
                (vec![json!("abc")], "string_too_long"),
                (vec![json!("abc")], "string_type")
            ]
        );
        // No `additionalProperties`: other keys are allowed and unchecked.
        assert_eq!(
            kinds(json!({"type": "object"}), json!({"z": 1})),
            Vec::<String>::new()
        );
        assert_eq!(kinds(json!(false), json!(1)), ["extra_forbidden"]);
        assert_eq!(kinds(json!(true), json!(1)), Vec::<String>::new());
    }

    #[test]
    fn unions_report_the_closest_branch_or_the_types_that_fit() {
        let any = json!({"anyOf": [
            {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}},
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["c", "d"]},
            {"type": "null"}
        ]});
        assert_eq!(kinds(any.clone(), json!(null)), Vec::<String>::new());
        assert_eq!(kinds(any.clone(), json!({"a": 1})), Vec::<String>::new());
        // Both object branches fail: the one with fewer complaints is reported.
        assert_eq!(
            kinds(any.clone(), json!({"a": "x", "b": "y"})),
            ["int_type", "int_type"]
        );
        let errors = validate(&json!({}), &any, &json!(3), Direction::Request, &[]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind, "union_type");
        assert_eq!(
            errors[0].msg,
            "Input should be one of the types object, null"
        );
        let listed = json!({"anyOf": [{"type": ["integer", "boolean"]}, {"type": "null"}]});
        let errors = validate(&json!({}), &listed, &json!("x"), Direction::Request, &[]);
        assert_eq!(
            errors[0].msg,
            "Input should be one of the types integer, boolean, null"
        );
        // One branch of the value's type: its own errors.
        let opt =
            json!({"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]});
        let errors = validate(&json!({}), &opt, &json!(["a", 1]), Direction::Request, &[]);
        assert_eq!(locs(&errors), [vec![json!(1)]]);
        let one = json!({"oneOf": [
            {"type": "integer", "maximum": 5},
            {"type": "number", "maximum": 10}
        ]});
        assert_eq!(kinds(one.clone(), json!(2.5)), Vec::<String>::new());
        assert_eq!(kinds(one.clone(), json!(2)), ["union_ambiguous"]);
        // No branch holds: the closest one's errors, as for `anyOf`.
        assert_eq!(kinds(one.clone(), json!(20)), ["less_than_equal"]);
        assert_eq!(kinds(one, json!("2")), ["union_type"]);
        let all = json!({"allOf": [{"type": "integer"}, {"minimum": 3}]});
        assert_eq!(kinds(all.clone(), json!(3)), Vec::<String>::new());
        assert_eq!(kinds(all, json!(2)), ["greater_than_equal"]);
    }

    #[test]
    fn query_strings_of_the_wrong_type_are_parsing_errors_of_that_type() {
        let q = |path: &str, k: &str, v: &str| {
            let query = [(k.to_owned(), v.to_owned())].into_iter().collect();
            check_query(path, "get", &query)
                .into_iter()
                .map(|v| (v.kind, v.msg))
                .collect::<Vec<_>>()
        };
        let runs = "/v1/tasks/groups/{taskgroup_id}/runs";
        for t in [
            "true", "1", "yes", "on", "t", "y", "false", "0", "no", "off", "f", "n", "TRUE",
        ] {
            assert_eq!(q(runs, "include_input", t), [], "{t}");
        }
        let result = "/v1/tasks/runs/{run_id}/result";
        assert_eq!(q(result, "timeout", "soon")[0].0, "int_parsing");
        assert!(
            q(result, "timeout", "soon")[0]
                .1
                .contains("unable to parse string as an integer")
        );
    }

    #[test]
    fn write_only_values_are_removed_from_lists_maps_and_union_branches() {
        let root = json!({});
        let s = json!({"type": "array", "items": {"anyOf": [
            {"type": "object", "properties": {"headers": {"type": "object", "additionalProperties": {"type": "string", "writeOnly": true}}}},
            {"type": "null"}
        ]}});
        let mut v = json!([{"headers": {"a": "x", "b": "y"}, "name": "n"}, null]);
        assert!(redact(&root, &s, &mut v, 0));
        assert_eq!(v, json!([{"headers": {}, "name": "n"}, null]));
        assert!(!redact(&root, &s, &mut v, 0), "nothing left to remove");
        let mut only_later = json!([{"name": "n"}, {"headers": {"a": "x"}}]);
        assert!(
            redact(&root, &s, &mut only_later, 0),
            "a later item counts too"
        );
        assert!(is_write_only(&json!({"writeOnly": true})));
        assert!(!is_write_only(&json!({"writeOnly": false})));
        assert!(!is_write_only(&json!({})));
    }

    /// `end` inside `n` nested single-branch `kind` unions.
    fn nested_unions(kind: &str, n: usize, end: Value) -> Value {
        (0..n).fold(end, |inner, _| json!({ kind: [inner] }))
    }

    #[test]
    fn nested_union_branches_count_as_hops_too() {
        let root = json!({});
        let string = json!({"type": "string"});
        for kind in ["allOf", "anyOf"] {
            let ok = nested_unions(kind, 64, string.clone());
            let long = nested_unions(kind, 65, string.clone());
            assert_eq!(kinds(ok, json!("x")), Vec::<String>::new(), "{kind}");
            assert!(
                kinds(long, json!("x")).contains(&"schema_error".to_owned()),
                "{kind}"
            );
        }
        // A failing `oneOf` tries each branch twice (for the count, then for
        // the errors), so only the last 5 hops are `oneOf`s: 59 or 60
        // references lead to them.
        let one_of = nested_unions("oneOf", 5, string.clone());
        for (refs, want) in [(58, vec![]), (59, vec!["schema_error".to_owned()])] {
            let (root, start) = ref_chain(refs, one_of.clone());
            let got: Vec<String> = validate(&root, &start, &json!("x"), Direction::Request, &[])
                .into_iter()
                .map(|v| v.kind)
                .collect();
            assert_eq!(got, want, "{refs}");
        }
        let ok = nested_unions("anyOf", 64, string.clone());
        let long = nested_unions("anyOf", 65, string);
        assert!(matches_type(&root, &ok, &json!("x"), 0));
        assert!(!matches_type(&root, &long, &json!("x"), 0));
        let w = Walker {
            root: &root,
            direction: Direction::Request,
            errors: Vec::new(),
            loc: Vec::new(),
        };
        assert_eq!(w.branch_types(&ok, 0), ["string"]);
        assert_eq!(w.branch_types(&long, 0), Vec::<&str>::new());
        let secret = json!({"type": "object", "properties": {"h": {"writeOnly": true}}});
        let mut value = json!({"h": 1});
        assert!(redact(
            &root,
            &nested_unions("anyOf", 64, secret.clone()),
            &mut value,
            0
        ));
        assert_eq!(value, json!({}));
        let mut value = json!({"h": 1});
        assert!(!redact(
            &root,
            &nested_unions("anyOf", 65, secret),
            &mut value,
            0
        ));
    }

    #[test]
    fn type_errors_about_a_query_string_are_named_as_parsing_errors() {
        let violation = |kind: &str| Violation {
            loc: vec![json!("query"), json!("q")],
            msg: "m".to_owned(),
            kind: kind.to_owned(),
        };
        for (kind, parsing) in [
            ("int_type", "int_parsing"),
            ("float_type", "float_parsing"),
            ("bool_type", "bool_parsing"),
        ] {
            let v = as_parsing_error(violation(kind));
            assert_eq!(v.kind, parsing);
            assert!(v.msg.starts_with("Input should be a valid"), "{}", v.msg);
            assert_eq!(v.loc, [json!("query"), json!("q")]);
        }
        assert_eq!(as_parsing_error(violation("enum")), violation("enum"));
    }

    #[test]
    fn a_discriminator_s_choice_costs_two_hops_a_reference_and_the_branch() {
        // `D0` … `D{n}`: each a union whose discriminator picks the next.
        let chain = |n: usize| {
            let mut schemas = serde_json::Map::new();
            for i in 0..n {
                let next = format!("#/components/schemas/D{}", i + 1);
                schemas.insert(
                    format!("D{i}"),
                    json!({"oneOf": [{"$ref": next}],
                        "discriminator": {"propertyName": "t", "mapping": {"a": next}}}),
                );
            }
            schemas.insert(format!("D{n}"), json!({"type": "object"}));
            json!({"components": {"schemas": schemas}})
        };
        let start = json!({"$ref": "#/components/schemas/D0"});
        let check = |root: &Value| {
            validate(root, &start, &json!({"t": "a"}), Direction::Request, &[])
                .into_iter()
                .map(|v| v.kind)
                .collect::<Vec<_>>()
        };
        // `D{k}` is reached after 2k + 1 hops: 63 for `D31`, 65 for `D32`.
        assert_eq!(check(&chain(31)), Vec::<String>::new());
        assert_eq!(check(&chain(32)), ["schema_error"]);
    }
}
