//! A JSON Schema document inside a task spec (`JsonSchema.json_schema`),
//! kept as compact JSON text in the order it was given.
//!
//! The generated code refers to [`SchemaText`] instead of a
//! `serde_json::Map` (see `HANDWRITTEN_TYPES` in
//! `xtask/src/normalize/lift.rs`). Property order matters here: it is the
//! order in which a processor fills an output, and a map without
//! `preserve_order` re-sorts keys alphabetically. Text keeps the caller's
//! order, and a request body copies it instead of walking a tree.
//!
//! This file is self-contained on purpose: the xtask embeds it unchanged in
//! its scratch builds.

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// A JSON Schema document (a JSON object) as compact JSON text, keys in the
/// order they were given.
///
/// ```
/// use parallel_web_api::SchemaText;
///
/// let schema = SchemaText::from_json(
///     r#"{"type": "object", "properties": {"zeta": {}, "alpha": {}}}"#,
/// )
/// .unwrap();
/// assert_eq!(schema.json(), r#"{"type":"object","properties":{"zeta":{},"alpha":{}}}"#);
/// assert!(SchemaText::from_json("[1]").is_err(), "a schema is a JSON object");
/// ```
#[derive(Clone)]
pub struct SchemaText(Box<RawValue>);

/// Why a value cannot be a JSON Schema document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaTextError {
    /// The value is JSON, but not a JSON object.
    NotObject,
    /// The text is not JSON, or the value could not be serialised.
    Invalid(String),
}

impl fmt::Display for SchemaTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaTextError::NotObject => f.write_str("a JSON schema must be a JSON object"),
            SchemaTextError::Invalid(e) => write!(f, "not a valid JSON schema document: {e}"),
        }
    }
}

impl std::error::Error for SchemaTextError {}

impl SchemaText {
    /// Serialises `value`, which must become a JSON object. Keys come out in
    /// the order `value` yields them (a `serde_json::Map` yields its own
    /// order: alphabetical unless serde_json's `preserve_order` is on).
    ///
    /// ```
    /// let schema = parallel_web_api::SchemaText::new(&serde_json::json!({"type": "string"})).unwrap();
    /// assert_eq!(schema.json(), r#"{"type":"string"}"#);
    /// ```
    pub fn new<T: Serialize + ?Sized>(value: &T) -> Result<SchemaText, SchemaTextError> {
        let raw = serde_json::value::to_raw_value(value)
            .map_err(|e| SchemaTextError::Invalid(e.to_string()))?;
        SchemaText::checked(raw)
    }

    /// Takes JSON text, keeping its key order, written compactly (without
    /// the whitespace between tokens).
    ///
    /// ```
    /// let schema = parallel_web_api::SchemaText::from_json("{ \"b\": 1, \"a\": 2 }").unwrap();
    /// assert_eq!(schema.json(), r#"{"b":1,"a":2}"#);
    /// ```
    pub fn from_json(json: &str) -> Result<SchemaText, SchemaTextError> {
        let mut compact = Vec::with_capacity(json.len());
        let mut de = serde_json::Deserializer::from_str(json);
        serde_transcode::transcode(&mut de, &mut serde_json::Serializer::new(&mut compact))
            .map_err(|e| SchemaTextError::Invalid(e.to_string()))?;
        de.end()
            .map_err(|e| SchemaTextError::Invalid(e.to_string()))?;
        let compact =
            String::from_utf8(compact).map_err(|e| SchemaTextError::Invalid(e.to_string()))?;
        let raw =
            RawValue::from_string(compact).map_err(|e| SchemaTextError::Invalid(e.to_string()))?;
        SchemaText::checked(raw)
    }

    fn checked(raw: Box<RawValue>) -> Result<SchemaText, SchemaTextError> {
        if raw.get().trim_start().starts_with('{') {
            Ok(SchemaText(raw))
        } else {
            Err(SchemaTextError::NotObject)
        }
    }

    /// The compact JSON text, as sent.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The schema as a `serde_json::Value` (key order as the map keeps it).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(self.json()).unwrap_or(serde_json::Value::Null)
    }

    /// Length in characters of the JSON text (what the API's size limits count).
    pub fn len_chars(&self) -> usize {
        let json = self.json();
        if json.is_ascii() {
            json.len()
        } else {
            json.chars().count()
        }
    }
}

impl fmt::Debug for SchemaText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.json())
    }
}

impl fmt::Display for SchemaText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.json())
    }
}

impl PartialEq for SchemaText {
    fn eq(&self, other: &SchemaText) -> bool {
        self.json() == other.json()
    }
}

impl From<serde_json::Map<String, serde_json::Value>> for SchemaText {
    fn from(object: serde_json::Map<String, serde_json::Value>) -> SchemaText {
        // A map of JSON values always serialises, to an object.
        SchemaText::new(&object).unwrap_or_else(|_| SchemaText(empty_object()))
    }
}

impl TryFrom<serde_json::Value> for SchemaText {
    type Error = SchemaTextError;
    fn try_from(value: serde_json::Value) -> Result<SchemaText, SchemaTextError> {
        SchemaText::new(&value)
    }
}

fn empty_object() -> Box<RawValue> {
    RawValue::from_string("{}".to_owned()).unwrap_or_default()
}

impl Serialize for SchemaText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SchemaText {
    /// Re-encodes whatever the deserializer holds as compact JSON, in the
    /// order it holds it, so it works from any source, including the
    /// buffered values of untagged unions (which keep the order of the
    /// text they buffered).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SchemaText, D::Error> {
        let mut json = Vec::with_capacity(256);
        serde_transcode::transcode(deserializer, &mut serde_json::Serializer::new(&mut json))
            .map_err(D::Error::custom)?;
        let json = String::from_utf8(json).map_err(D::Error::custom)?;
        let raw = RawValue::from_string(json).map_err(D::Error::custom)?;
        SchemaText::checked(raw).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_its_key_order_through_a_round_trip() {
        let given = r#"{"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"integer"},"mid":{}}}"#;
        let schema: SchemaText = serde_json::from_str(given).unwrap();
        assert_eq!(schema.json(), given);
        assert_eq!(serde_json::to_string(&schema).unwrap(), given);
    }

    #[test]
    fn a_wire_task_spec_keeps_its_schema_order_byte_for_byte() {
        let given = r#"{"output_schema":{"json_schema":{"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"string"},"mid":{"type":"string"}}},"type":"json"}}"#;
        let spec: crate::types::TaskSpec = serde_json::from_str(given).unwrap();
        assert_eq!(serde_json::to_string(&spec).unwrap(), given);
        // The schema never passes through a `serde_json::Map`, which
        // re-sorts keys in any build without serde_json's `preserve_order`
        // (this crate does not ask for it; other crates in a build may).
        let crate::types::TaskSpecOutputSchema::JsonSchema(output) = &spec.output_schema else {
            panic!("a JSON schema: {spec:?}");
        };
        let _is_text: &SchemaText = &output.json_schema;
    }

    #[test]
    fn it_decodes_in_order_inside_untagged_unions() {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Json { json_schema: SchemaText },
        }
        let Either::Json { json_schema } =
            serde_json::from_str(r#"{"json_schema":{"z":1,"a":2}}"#).unwrap();
        assert_eq!(json_schema.json(), r#"{"z":1,"a":2}"#);
    }

    #[test]
    fn only_objects_are_schemas() {
        for text in ["[]", "1", "null", "\"s\"", "true"] {
            assert_eq!(
                SchemaText::from_json(text).unwrap_err(),
                SchemaTextError::NotObject,
                "{text}"
            );
            assert!(serde_json::from_str::<SchemaText>(text).is_err(), "{text}");
        }
        assert!(matches!(
            SchemaText::from_json("{\"a\":"),
            Err(SchemaTextError::Invalid(_))
        ));
        assert!(matches!(
            SchemaText::from_json("{} {}"),
            Err(SchemaTextError::Invalid(_))
        ));
    }
}
