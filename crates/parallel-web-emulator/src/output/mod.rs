//! Run outputs, made up deterministically from the run's input and task spec.
//!
//! A JSON output schema gets content that validates against it; a text schema
//! gets text; an auto (or absent) schema gets a small object plus the schema
//! describing it. The same input, spec and seed always give the same output.
//! Nothing is stored: outputs are generated when served.

mod schema_fill;

use crate::ids;
use crate::wire::{Citation, FieldBasis, TaskRunInput, TaskRunOutput};
use crate::world::RunView;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use schema_fill::gen_value;

pub mod chat;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// What kind of output a task spec asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputKind {
    /// A JSON schema (the `json_schema` object).
    Json(Value),
    /// Free text, with an optional description.
    Text(Option<String>),
    /// Let the processor pick.
    Auto,
}

/// Reads the output kind of a `TaskSpec` value (or `None` when there is no spec).
pub fn output_kind(task_spec: Option<&Value>) -> OutputKind {
    let Some(spec) = task_spec else {
        return OutputKind::Auto;
    };
    match spec.get("output_schema") {
        Some(Value::String(s)) => OutputKind::Text(Some(s.clone())),
        Some(Value::Object(o)) => {
            match (o.get("type").and_then(Value::as_str), o.get("json_schema")) {
                (Some("text"), _) => OutputKind::Text(
                    o.get("description")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                ),
                (Some("auto"), _) => OutputKind::Auto,
                (_, Some(schema)) => OutputKind::Json(schema.clone()),
                _ => OutputKind::Text(
                    o.get("description")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                ),
            }
        }
        _ => OutputKind::Auto,
    }
}

/// The effective task spec of a run: its own, else its batch's default.
pub fn effective_spec(view: &RunView) -> Option<Value> {
    let input: TaskRunInput<'_> = serde_json::from_str(&view.run.input).unwrap_or_default();
    input
        .task_spec
        .or(view.batch.default_task_spec.as_deref())
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
}

/// A task spec as output generation reads it: parsed, its text (part of
/// the output's seed) and the kind of output it asks for.
#[derive(Debug)]
pub struct Spec {
    text: String,
    kind: OutputKind,
}

impl Spec {
    /// Reads a `TaskSpec` (`None`, or text that does not parse, is no spec).
    pub fn read(raw: Option<&RawValue>) -> Self {
        let value: Option<Value> = raw.and_then(|raw| serde_json::from_str(raw.get()).ok());
        Spec {
            text: value.as_ref().map(Value::to_string).unwrap_or_default(),
            kind: output_kind(value.as_ref()),
        }
    }
}

/// Facts from the input that generated text mentions.
pub(crate) struct Context {
    pub(crate) subject: String,
    pub(crate) urls: Vec<String>,
    pub(crate) domains: Vec<String>,
}

const DEFAULT_DOMAINS: [&str; 8] = [
    "en.wikipedia.org",
    "reuters.com",
    "bloomberg.com",
    "sec.gov",
    "crunchbase.com",
    "techcrunch.com",
    "forbes.com",
    "ft.com",
];

fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest
        .split(['/', '?', '#'])
        .next()?
        .trim_start_matches("www.");
    (host.contains('.') && !host.contains(' ')).then(|| host.to_ascii_lowercase())
}

fn domain_allowed(domain: &str, excluded: &[String]) -> bool {
    !excluded.iter().any(|e| {
        let e = e
            .trim_start_matches("*.")
            .trim_start_matches("www.")
            .to_ascii_lowercase();
        domain == e || domain.ends_with(&format!(".{e}"))
    })
}

fn context(input: &Value, source_policy: Option<&Value>) -> Context {
    let mut strings = Vec::new();
    collect_strings(input, &mut strings);
    let subject = strings
        .first()
        .cloned()
        .unwrap_or_else(|| "the requested topic".to_owned());
    let subject: String = subject.chars().take(80).collect();
    let list = |key: &str| -> Vec<String> {
        source_policy
            .and_then(|p| p.get(key))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let include = list("include_domains");
    let exclude = list("exclude_domains");
    let urls: Vec<String> = strings
        .iter()
        .filter(|s| s.starts_with("http"))
        .cloned()
        .collect();
    let mut domains: Vec<String> = if include.is_empty() {
        let mut d: Vec<String> = urls.iter().filter_map(|u| host_of(u)).collect();
        d.extend(DEFAULT_DOMAINS.iter().map(|s| (*s).to_owned()));
        d
    } else {
        include
            .iter()
            .map(|d| d.trim_start_matches("*.").to_ascii_lowercase())
            .collect()
    };
    domains.retain(|d| domain_allowed(d, &exclude));
    domains.dedup();
    if domains.is_empty() {
        domains.push("example.org".to_owned());
    }
    Context {
        subject,
        urls,
        domains,
    }
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        Value::Number(n) => out.push(n.to_string()),
        _ => {}
    }
}

/// Fills a JSON schema with made-up values about `subject`, the same for
/// the same `key` (FindAll enrichments reuse the task runs' filler).
pub fn fill_schema(key: u64, schema: &Value, subject: &str) -> Value {
    let ctx = Context {
        subject: subject.to_owned(),
        urls: Vec::new(),
        domains: DEFAULT_DOMAINS.iter().map(|d| (*d).to_owned()).collect(),
    };
    let mut rng = StdRng::seed_from_u64(key);
    gen_value(schema, schema, "result", &ctx, &mut rng, 0)
}

/// Generates the output of a completed run; `element_basis` adds a basis entry
/// per element of top-level lists (`field.0`, `field.1`, …).
pub fn generate(seed: u64, view: &RunView, element_basis: bool) -> TaskRunOutput {
    let input: TaskRunInput<'_> = serde_json::from_str(&view.run.input).unwrap_or_default();
    let input_value: Value = input
        .input
        .and_then(|r| serde_json::from_str(r.get()).ok())
        .unwrap_or(Value::Null);
    let policy: Option<Value> = input
        .source_policy
        .and_then(|r| serde_json::from_str(r.get()).ok());
    // The run's own spec, else its batch's default (read once per batch).
    let own_spec;
    let spec = match input.task_spec {
        Some(raw) => {
            own_spec = Spec::read(Some(raw));
            &own_spec
        }
        None => view.batch.default_spec(),
    };
    let mut rng = StdRng::seed_from_u64(ids::hash_byte_parts(
        seed,
        &[
            input.input.map_or("", |r| r.get()).as_bytes(),
            b"\0",
            spec.text.as_bytes(),
        ],
    ));
    let ctx = context(&input_value, policy.as_ref());
    match &spec.kind {
        OutputKind::Text(description) => {
            let about = description.as_deref().unwrap_or("a short report");
            let content = format!(
                "Research summary for {}: this answer addresses {} using {} sources, including {}.",
                ctx.subject,
                about.trim_end_matches('.'),
                rng.random_range(3..12),
                ctx.domains[0]
            );
            let basis = vec![basis_for("output", &ctx, &mut rng)];
            TaskRunOutput::Text {
                basis,
                kind: "text",
                mcp_tool_calls: None,
                beta_fields: None,
                content,
            }
        }
        OutputKind::Json(schema) => {
            let content = gen_value(schema, schema, "result", &ctx, &mut rng, 0);
            json_output(content, None, &ctx, &mut rng, element_basis)
        }
        OutputKind::Auto => {
            let schema = auto_schema();
            let content = gen_value(&schema, &schema, "result", &ctx, &mut rng, 0);
            json_output(content, Some(schema), &ctx, &mut rng, element_basis)
        }
    }
}

fn json_output(
    content: Value,
    schema: Option<Value>,
    ctx: &Context,
    rng: &mut StdRng,
    element_basis: bool,
) -> TaskRunOutput {
    let mut fields: Vec<String> = Vec::new();
    match &content {
        Value::Object(o) => {
            for (k, v) in o {
                fields.push(k.clone());
                if let (true, Value::Array(items)) = (element_basis, v) {
                    fields.extend((0..items.len()).map(|i| format!("{k}.{i}")));
                }
            }
        }
        _ => fields.push("output".to_owned()),
    }
    let basis = fields.iter().map(|f| basis_for(f, ctx, rng)).collect();
    TaskRunOutput::Json {
        basis,
        kind: "json",
        mcp_tool_calls: None,
        beta_fields: None,
        content,
        output_schema: schema,
    }
}

fn auto_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "summary": {"type": "string", "description": "Overview of the findings"},
            "key_facts": {"type": "array", "items": {"type": "string"}, "description": "Notable facts"},
            "source_count": {"type": "integer", "description": "How many sources were read"}
        },
        "required": ["summary", "key_facts", "source_count"],
        "additionalProperties": false
    })
}

fn basis_for(field: &str, ctx: &Context, rng: &mut StdRng) -> FieldBasis {
    let n = rng.random_range(1..=2usize);
    let citations = (0..n)
        .map(|i| {
            let domain = &ctx.domains[rng.random_range(0..ctx.domains.len())];
            let url = match ctx
                .urls
                .iter()
                .find(|u| host_of(u).as_deref() == Some(domain.as_str()))
            {
                Some(u) if i == 0 => u.clone(),
                _ => format!(
                    "https://{domain}/{}-{}",
                    slug(&ctx.subject),
                    rng.random_range(100..1000)
                ),
            };
            Citation {
                title: Some(format!("{} – {}", ctx.subject, domain)),
                url,
                excerpts: Some(vec![format!(
                    "{} is discussed in relation to {field}.",
                    ctx.subject
                )]),
            }
        })
        .collect();
    FieldBasis {
        field: field.to_owned(),
        citations,
        reasoning: format!(
            "The {field} for {} was derived from {n} cited source(s).",
            ctx.subject
        ),
        confidence: Some(["high", "medium", "low"][rng.random_range(0..3)]),
    }
}

pub(crate) fn slug(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        "topic".to_owned()
    } else {
        out.chars().take(40).collect()
    }
}

/// A JSON output filling `schema`, made up deterministically from `key`
/// and about `subject` (for outputs not tied to a task run, such as a
/// monitor's events).
pub fn schema_output(key: u64, schema: &Value, subject: &str) -> TaskRunOutput {
    let mut rng = StdRng::seed_from_u64(key);
    let ctx = Context {
        subject: subject.chars().take(80).collect(),
        urls: Vec::new(),
        domains: DEFAULT_DOMAINS.iter().map(|d| (*d).to_owned()).collect(),
    };
    let content = gen_value(schema, schema, "result", &ctx, &mut rng, 0);
    json_output(content, None, &ctx, &mut rng, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_from_specs() {
        assert_eq!(output_kind(None), OutputKind::Auto);
        assert_eq!(
            output_kind(Some(&json!({"output_schema": "a string"}))),
            OutputKind::Text(Some("a string".into()))
        );
        assert_eq!(
            output_kind(Some(&json!({"output_schema": {"type": "auto"}}))),
            OutputKind::Auto
        );
        assert!(matches!(
            output_kind(Some(&json!({"output_schema": {"json_schema": {}}}))),
            OutputKind::Json(_)
        ));
    }

    #[test]
    fn excluded_domains_are_never_cited() {
        let ctx = context(
            &json!({"u": "https://stripe.com"}),
            Some(&json!({"exclude_domains": ["stripe.com", "reuters.com"]})),
        );
        assert!(
            ctx.domains
                .iter()
                .all(|d| d != "stripe.com" && d != "reuters.com")
        );
        let ctx = context(&json!("x"), Some(&json!({"include_domains": ["sec.gov"]})));
        assert_eq!(ctx.domains, vec!["sec.gov".to_owned()]);
    }
}
