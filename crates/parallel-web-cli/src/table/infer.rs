//! The JSON Schema of each column of JSON rows, for a typed output
//! (Parquet) of an input that has no types of its own (JSON, JSONL). One
//! pass over the rows; the narrowest type that holds every value:
//! booleans, integers (integers and other numbers together: numbers),
//! strings, arrays (their items typed the same way). Nulls fit any type.
//! Objects and columns of mixed kinds are strings (non-strings written as
//! JSON text), so that no value is lost; a column of nulls only is text.

use serde_json::{Map, Value, json};

/// What a column's values seen so far have in common.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// Only nulls (or nothing).
    Nothing,
    Boolean,
    Integer,
    Number,
    /// Strings, or values of several kinds (written as text).
    Text,
    /// Arrays whose items are of this kind.
    Array(Box<Kind>),
}

impl Kind {
    fn of(value: &Value) -> Kind {
        match value {
            Value::Null => Kind::Nothing,
            Value::Bool(_) => Kind::Boolean,
            Value::Number(n) if n.is_i64() || n.is_u64() => Kind::Integer,
            Value::Number(_) => Kind::Number,
            Value::Array(items) => Kind::Array(Box::new(
                items.iter().fold(Kind::Nothing, |k, v| k.join(Kind::of(v))),
            )),
            Value::String(_) | Value::Object(_) => Kind::Text,
        }
    }

    /// The narrowest kind that holds both.
    fn join(self, other: Kind) -> Kind {
        match (self, other) {
            (Kind::Nothing, k) | (k, Kind::Nothing) => k,
            (a, b) if a == b => a,
            (Kind::Integer | Kind::Number, Kind::Integer | Kind::Number) => Kind::Number,
            (Kind::Array(a), Kind::Array(b)) => Kind::Array(Box::new(a.join(*b))),
            _ => Kind::Text,
        }
    }

    fn schema(&self) -> Value {
        match self {
            Kind::Nothing | Kind::Text => json!({ "type": "string" }),
            Kind::Boolean => json!({ "type": "boolean" }),
            Kind::Integer => json!({ "type": "integer" }),
            Kind::Number => json!({ "type": "number" }),
            Kind::Array(items) => json!({ "type": "array", "items": items.schema() }),
        }
    }
}

/// The column types of the rows seen so far.
#[derive(Debug, Default)]
pub struct Inferred {
    kinds: Vec<(String, Kind)>,
}

impl Inferred {
    /// Takes one row's values into account.
    pub fn observe(&mut self, row: &Map<String, Value>) {
        for (name, value) in row {
            let kind = Kind::of(value);
            match self.kinds.iter_mut().find(|(n, _)| n == name) {
                Some((_, k)) => *k = std::mem::replace(k, Kind::Nothing).join(kind),
                None => self.kinds.push((name.clone(), kind)),
            }
        }
    }

    /// Each column's JSON Schema, in the order first seen.
    pub fn schemas(&self) -> Map<String, Value> {
        self.kinds
            .iter()
            .map(|(name, kind)| (name.clone(), kind.schema()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(rows: &[Value]) -> Map<String, Value> {
        let mut inferred = Inferred::default();
        for row in rows {
            inferred.observe(row.as_object().unwrap());
        }
        inferred.schemas()
    }

    #[test]
    fn each_column_gets_the_narrowest_type_that_holds_all_its_values() {
        let schemas = infer(&[
            json!({"id": 1, "score": 2, "ok": true, "tags": ["a"], "when": "2024-01-01", "nothing": null}),
            json!({"id": 2, "score": 2.5, "ok": null, "tags": [], "when": null, "nothing": null}),
        ]);
        assert_eq!(schemas["id"], json!({"type": "integer"}));
        assert_eq!(schemas["score"], json!({"type": "number"}));
        assert_eq!(schemas["ok"], json!({"type": "boolean"}));
        assert_eq!(
            schemas["tags"],
            json!({"type": "array", "items": {"type": "string"}})
        );
        assert_eq!(schemas["when"], json!({"type": "string"}));
        assert_eq!(schemas["nothing"], json!({"type": "string"}));
    }

    #[test]
    fn mixed_kinds_and_objects_become_text_so_that_no_value_is_lost() {
        let schemas = infer(&[
            json!({"mixed": 1, "object": {"a": 1}, "items": [1]}),
            json!({"mixed": "one", "object": {"b": 2}, "items": [true]}),
        ]);
        assert_eq!(schemas["mixed"], json!({"type": "string"}));
        assert_eq!(schemas["object"], json!({"type": "string"}));
        assert_eq!(
            schemas["items"],
            json!({"type": "array", "items": {"type": "string"}})
        );
    }
}
