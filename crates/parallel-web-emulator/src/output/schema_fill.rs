//! Filling a JSON schema with made-up values that validate against it:
//! types, enums, consts, `anyOf`/`oneOf`/`allOf`, local `$ref`s, nested objects
//! and arrays, numeric bounds, string lengths and common formats.

use super::{Context, slug};
use crate::ids;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};

/// Most items generated for one array, whatever `minItems` says.
const MAX_ITEMS: u64 = 100;
/// Longest string padded up to a `minLength`.
const MAX_STRING: u64 = 10_000;

fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    let mut s = schema;
    for _ in 0..16 {
        let Some(r) = s.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(path) = r.strip_prefix("#/") else {
            break;
        };
        let mut target = root;
        for part in path.split('/') {
            match target.get(part.replace("~1", "/").replace("~0", "~")) {
                Some(t) => target = t,
                None => return s,
            }
        }
        s = target;
    }
    s
}

fn first_type(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .or(Some("null")),
        _ => None,
    }
}

pub(super) fn gen_value(
    schema: &Value,
    root: &Value,
    name: &str,
    ctx: &Context,
    rng: &mut StdRng,
    depth: u32,
) -> Value {
    let schema = resolve(schema, root);
    if depth > 12 {
        return Value::Null;
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(Value::Array(options)) = schema.get("enum")
        && !options.is_empty()
    {
        return options[rng.random_range(0..options.len())].clone();
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(branches)) = schema.get(key) {
            let pick = branches
                .iter()
                .find(|b| first_type(resolve(b, root)) != Some("null"))
                .or(branches.first());
            if let Some(b) = pick {
                return gen_value(b, root, name, ctx, rng, depth + 1);
            }
        }
    }
    let ty = first_type(schema).unwrap_or(if schema.get("properties").is_some() {
        "object"
    } else if schema.get("items").is_some() {
        "array"
    } else {
        "string"
    });
    match ty {
        "object" => {
            let mut map = Map::new();
            if let Some(Value::Object(props)) = schema.get("properties") {
                for (k, s) in props {
                    map.insert(k.clone(), gen_value(s, root, k, ctx, rng, depth + 1));
                }
            }
            Value::Object(map)
        }
        "array" => {
            let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(1);
            let max = schema
                .get("maxItems")
                .and_then(Value::as_u64)
                .unwrap_or(3)
                .max(min);
            // Large minItems are honoured only up to a sane size (no giant allocations).
            let n = rng
                .random_range(min.max(1).min(max)..=max.min(min.max(3)))
                .min(MAX_ITEMS);
            let items = schema
                .get("items")
                .cloned()
                .unwrap_or(json!({"type": "string"}));
            Value::Array(
                (0..n)
                    .map(|i| {
                        // Numbered, so list items read as distinct findings.
                        let item_name = format!("{name} {}", i + 1);
                        let v = gen_value(&items, root, &item_name, ctx, rng, depth + 1);
                        match v {
                            Value::String(s)
                                if schema.get("uniqueItems") == Some(&Value::Bool(true)) =>
                            {
                                Value::String(format!("{s} ({})", i + 1))
                            }
                            other => other,
                        }
                    })
                    .collect(),
            )
        }
        "integer" => {
            let lo = schema.get("minimum").and_then(Value::as_i64).unwrap_or(1);
            let hi = schema
                .get("maximum")
                .and_then(Value::as_i64)
                .unwrap_or(lo.max(1) * 1000)
                .max(lo);
            json!(rng.random_range(lo..=hi))
        }
        "number" => {
            let lo = schema.get("minimum").and_then(Value::as_f64).unwrap_or(0.0);
            let hi = schema
                .get("maximum")
                .and_then(Value::as_f64)
                .unwrap_or(lo + 100.0)
                .max(lo);
            let x: f64 = lo + (hi - lo) * rng.random::<f64>();
            json!((x * 100.0).floor() / 100.0)
        }
        "boolean" => json!(rng.random_bool(0.5)),
        "null" => Value::Null,
        _ => Value::String(gen_string(schema, name, ctx, rng)),
    }
}

fn gen_string(schema: &Value, name: &str, ctx: &Context, rng: &mut StdRng) -> String {
    let domain = &ctx.domains[rng.random_range(0..ctx.domains.len())];
    let s = match schema.get("format").and_then(Value::as_str) {
        Some("date") => format!(
            "20{:02}-{:02}-{:02}",
            rng.random_range(15..26),
            rng.random_range(1..13),
            rng.random_range(1..29)
        ),
        Some("date-time") => format!(
            "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            rng.random_range(15..26),
            rng.random_range(1..13),
            rng.random_range(1..29),
            rng.random_range(0..24),
            rng.random_range(0..60),
            rng.random_range(0..60)
        ),
        Some("time") => format!(
            "{:02}:{:02}:{:02}",
            rng.random_range(0..24),
            rng.random_range(0..60),
            rng.random_range(0..60)
        ),
        Some("uri" | "url" | "uri-reference" | "iri") => {
            format!("https://{domain}/{}", slug(&ctx.subject))
        }
        Some("hostname") => domain.clone(),
        Some("email" | "idn-email") => format!("contact@{domain}"),
        Some("uuid") => {
            let h = ids::hash(rng.random(), &[1]);
            ids::ref_id(h)
        }
        Some("ipv4") => format!("192.0.2.{}", rng.random_range(1..255)),
        Some("ipv6") => format!("2001:db8::{:x}", rng.random_range(1..65535)),
        _ => {
            let label = name.replace('_', " ");
            format!("{} for {}", capitalise(&label), ctx.subject)
        }
    };
    fit_length(s, schema)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn fit_length(mut s: String, schema: &Value) -> String {
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        s = s.chars().take(max as usize).collect();
    }
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
        let min = min.min(MAX_STRING);
        while (s.chars().count() as u64) < min {
            s.push('.');
        }
    }
    s
}
