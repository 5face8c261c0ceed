//! A run's input (`TaskRunInput.input`): a JSON object or a string, kept as
//! compact JSON text.
//!
//! The generated code refers to [`InputValue`] instead of an untagged enum
//! over `String` and `serde_json::Map` (see `HANDWRITTEN_TYPES` in
//! `xtask/src/normalize/lift.rs`). An input is serialised once, when it is
//! made, and written into request bodies as it is: no map is built, and a
//! large batch holds a short string per run rather than a tree of values.
//!
//! This file is self-contained on purpose: the xtask embeds it unchanged in
//! its scratch builds.

use std::fmt;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// The input of one run: a JSON object or a string, as compact JSON text.
///
/// ```
/// use parallel_web_api::InputValue;
///
/// let input = InputValue::new(&serde_json::json!({"company_name": "Stripe"})).unwrap();
/// assert_eq!(input.json(), r#"{"company_name":"Stripe"}"#);
/// assert!(InputValue::new(&42).is_err(), "only objects and strings are inputs");
/// assert_eq!(InputValue::text("Who founded Stripe?").as_text().as_deref(), Some("Who founded Stripe?"));
/// ```
#[derive(Clone)]
pub struct InputValue(Box<RawValue>);

/// Why a value cannot be a run's input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputValueError {
    /// The value serialised to something other than an object or a string.
    NotObjectOrString {
        /// What it serialised to: "a number", "an array", ...
        found: &'static str,
    },
    /// The value could not be serialised to JSON.
    Serialize(String),
}

impl fmt::Display for InputValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputValueError::NotObjectOrString { found } => {
                write!(f, "must be a JSON object or a string, not {found}")
            }
            InputValueError::Serialize(e) => write!(f, "could not be serialized: {e}"),
        }
    }
}

impl std::error::Error for InputValueError {}

impl InputValue {
    /// Serialises `value`, which must become a JSON object or a string.
    pub fn new<T: Serialize + ?Sized>(value: &T) -> Result<InputValue, InputValueError> {
        let raw = serde_json::value::to_raw_value(value)
            .map_err(|e| InputValueError::Serialize(e.to_string()))?;
        InputValue::checked(raw)
    }

    /// A plain-text input.
    pub fn text(text: &str) -> InputValue {
        // A string always serialises, and always to a JSON string.
        InputValue(serde_json::value::to_raw_value(text).unwrap_or_default())
    }

    /// Takes JSON text as it is (after checking that it is an object or a
    /// string).
    pub fn from_json(json: String) -> Result<InputValue, InputValueError> {
        let raw = RawValue::from_string(json)
            .map_err(|e| InputValueError::Serialize(format!("invalid JSON: {e}")))?;
        InputValue::checked(raw)
    }

    fn checked(raw: Box<RawValue>) -> Result<InputValue, InputValueError> {
        match raw.get().trim_start().as_bytes().first() {
            Some(b'{' | b'"') => Ok(InputValue(raw)),
            Some(b'[') => Err(found("an array")),
            Some(b'n') => Err(found("null")),
            Some(b't' | b'f') => Err(found("a boolean")),
            _ => Err(found("a number")),
        }
    }

    /// The JSON text.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// True for a plain-text input.
    pub fn is_text(&self) -> bool {
        self.json().trim_start().starts_with('"')
    }

    /// The text of a plain-text input.
    pub fn as_text(&self) -> Option<String> {
        if self.is_text() {
            serde_json::from_str(self.json()).ok()
        } else {
            None
        }
    }

    /// Decodes the input as `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.json())
    }

    /// The input as a `serde_json::Value`.
    pub fn to_value(&self) -> serde_json::Value {
        self.decode().unwrap_or(serde_json::Value::Null)
    }

    /// Length in characters, as the API's size limits count it: the text
    /// of a plain-text input, the compact JSON text of an object.
    pub fn len_chars(&self) -> usize {
        if let Some(text) = self.as_text() {
            return text.chars().count();
        }
        let json = self.json();
        if json.is_ascii() {
            json.len()
        } else {
            json.chars().count()
        }
    }
}

fn found(kind: &'static str) -> InputValueError {
    InputValueError::NotObjectOrString { found: kind }
}

impl fmt::Debug for InputValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.json())
    }
}

impl fmt::Display for InputValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.json())
    }
}

impl PartialEq for InputValue {
    fn eq(&self, other: &InputValue) -> bool {
        self.json() == other.json()
    }
}

impl From<&str> for InputValue {
    fn from(text: &str) -> InputValue {
        InputValue::text(text)
    }
}

impl From<String> for InputValue {
    fn from(text: String) -> InputValue {
        InputValue::text(&text)
    }
}

impl From<serde_json::Map<String, serde_json::Value>> for InputValue {
    fn from(object: serde_json::Map<String, serde_json::Value>) -> InputValue {
        // A map of JSON values always serialises, to an object.
        InputValue::new(&object).unwrap_or_else(|_| InputValue::text(""))
    }
}

impl TryFrom<serde_json::Value> for InputValue {
    type Error = InputValueError;
    fn try_from(value: serde_json::Value) -> Result<InputValue, InputValueError> {
        InputValue::new(&value)
    }
}

impl Serialize for InputValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for InputValue {
    /// Re-encodes whatever the deserializer holds as compact JSON, so it
    /// works from any source, including the buffered values of untagged
    /// unions (which cannot hand out raw JSON text).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<InputValue, D::Error> {
        let mut json = Vec::with_capacity(128);
        serde_transcode::transcode(deserializer, &mut serde_json::Serializer::new(&mut json))
            .map_err(D::Error::custom)?;
        let json = String::from_utf8(json).map_err(D::Error::custom)?;
        InputValue::from_json(json).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_and_strings_round_trip_as_compact_json() {
        let v: InputValue = serde_json::from_str(r#"{ "a" : [1, 2] }"#).unwrap();
        assert_eq!(v.json(), r#"{"a":[1,2]}"#);
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"a":[1,2]}"#);
        let t: InputValue = serde_json::from_value(json!("hé")).unwrap();
        assert_eq!((t.as_text().as_deref(), t.len_chars()), (Some("hé"), 2));
    }

    #[test]
    fn other_json_kinds_are_refused() {
        for (v, kind) in [
            (json!(1), "a number"),
            (json!([1]), "an array"),
            (json!(null), "null"),
            (json!(true), "a boolean"),
        ] {
            assert_eq!(
                InputValue::new(&v).unwrap_err(),
                InputValueError::NotObjectOrString { found: kind }
            );
            assert!(serde_json::from_value::<InputValue>(v).is_err());
        }
    }

    #[test]
    fn it_decodes_inside_untagged_unions() {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Input { input: InputValue },
        }
        let Either::Input { input } = serde_json::from_str(r#"{"input":{"k":"v"}}"#).unwrap();
        assert_eq!(input.json(), r#"{"k":"v"}"#);
    }
}
