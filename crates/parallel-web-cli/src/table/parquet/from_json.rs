//! JSON values back into Arrow arrays of a given type, for a Parquet
//! output: the inverse of `to_json.rs` for every type [`kept`] keeps, and
//! the Arrow type of a JSON Schema ([`of_schema`]).
//!
//! Values are taken leniently where nothing is lost (a number in a string
//! column is written as its JSON text, `"42"` in an integer column as 42,
//! 3.0 as 3) and refused otherwise ([`Misfit`]): a value is never dropped
//! or rounded without a word.

use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Float64Array, GenericListArray, Int64Array,
    NullArray, OffsetSizeTrait, StringArray, StructArray, UInt64Array,
};
use arrow_buffer::{BooleanBufferBuilder, NullBuffer, OffsetBuffer};
use arrow_cast::CastOptions;
use arrow_schema::{DataType, Field, Fields};
use base64::Engine;
use serde_json::Value;

use super::to_json::UTC;

/// A value that does not fit its column's type.
#[derive(Debug)]
pub struct Misfit(pub String);

type Result<T> = std::result::Result<T, Misfit>;

/// The type a Parquet input's column keeps in the output: its own, for
/// every type the tool reads and writes back unchanged (integers, floats,
/// booleans, strings, binary, dates, times, timestamps, decimals, and
/// lists, structs and dictionaries of those); text (what `to_json.rs`
/// made of it) for the rest (durations, intervals, maps, unions).
pub fn kept(data_type: &DataType) -> DataType {
    use DataType as T;
    match data_type {
        T::Null
        | T::Boolean
        | T::Int8
        | T::Int16
        | T::Int32
        | T::Int64
        | T::UInt8
        | T::UInt16
        | T::UInt32
        | T::UInt64
        | T::Float16
        | T::Float32
        | T::Float64
        | T::Utf8
        | T::LargeUtf8
        | T::Utf8View
        | T::Binary
        | T::LargeBinary
        | T::BinaryView
        | T::FixedSizeBinary(_)
        | T::Date32
        | T::Date64
        | T::Timestamp(..)
        | T::Time32(_)
        | T::Time64(_)
        | T::Decimal32(..)
        | T::Decimal64(..)
        | T::Decimal128(..)
        | T::Decimal256(..) => data_type.clone(),
        T::List(f) => T::List(kept_field(f)),
        T::LargeList(f) => T::LargeList(kept_field(f)),
        T::FixedSizeList(f, n) => T::FixedSizeList(kept_field(f), *n),
        T::Struct(fields) => T::Struct(fields.iter().map(kept_field).collect()),
        T::Dictionary(_, values) if kept(values) == **values => data_type.clone(),
        T::Dictionary(_, values) => kept(values),
        _ => T::Utf8,
    }
}

fn kept_field(field: &Arc<Field>) -> Arc<Field> {
    Arc::new(
        field
            .as_ref()
            .clone()
            .with_data_type(kept(field.data_type())),
    )
}

/// The Arrow type of a column that this JSON Schema describes: `integer`
/// Int64, `number` Float64, `boolean` Boolean, `array` a list of its
/// items' type; strings (dates and date-times too), objects and anything
/// else Utf8 (objects as JSON text). `anyOf`/`oneOf` with `null` is the
/// other alternative (every column is nullable anyway).
pub fn of_schema(schema: &Value) -> DataType {
    if let Some(alternatives) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        let not_null: Vec<&Value> = alternatives
            .iter()
            .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        return match not_null[..] {
            [one] => of_schema(one),
            _ => DataType::Utf8,
        };
    }
    let kind = match schema.get("type") {
        Some(Value::String(kind)) => Some(kind.as_str()),
        Some(Value::Array(kinds)) => {
            let not_null: Vec<&str> = kinds
                .iter()
                .filter_map(Value::as_str)
                .filter(|k| *k != "null")
                .collect();
            match not_null[..] {
                [one] => Some(one),
                _ => None,
            }
        }
        _ => None,
    };
    match kind {
        Some("integer") => DataType::Int64,
        Some("number") => DataType::Float64,
        Some("boolean") => DataType::Boolean,
        Some("array") => {
            let items = schema.get("items").map_or(DataType::Utf8, of_schema);
            DataType::List(Arc::new(Field::new_list_field(items, true)))
        }
        _ => DataType::Utf8,
    }
}

/// The array of `data_type` holding `values`, one per row.
pub fn array(values: &[&Value], data_type: &DataType) -> Result<ArrayRef> {
    use DataType as T;
    let array: ArrayRef = match data_type {
        T::Null => Arc::new(NullArray::new(values.len())),
        T::Boolean => Arc::new(BooleanArray::from(each(values, boolean)?)),
        T::Int8 | T::Int16 | T::Int32 | T::Int64 => {
            Arc::new(Int64Array::from(each(values, integer)?))
        }
        T::UInt8 | T::UInt16 | T::UInt32 | T::UInt64 => {
            Arc::new(UInt64Array::from(each(values, unsigned)?))
        }
        T::Float16 | T::Float32 | T::Float64 => Arc::new(Float64Array::from(each(values, float)?)),
        T::Binary | T::LargeBinary | T::BinaryView | T::FixedSizeBinary(_) => {
            let bytes = each(values, binary)?;
            Arc::new(BinaryArray::from_iter(bytes))
        }
        T::List(item) => list::<i32>(values, item)?,
        T::LargeList(item) => list::<i64>(values, item)?,
        T::FixedSizeList(item, _) => list::<i32>(values, item)?,
        T::Struct(fields) => structure(values, fields)?,
        T::Dictionary(_, value_type) => array(values, value_type)?,
        // Written in UTC by the reader (see `to_json.rs`): parsed as UTC,
        // then given back its zone, which changes no instant.
        T::Timestamp(unit, Some(zone)) if zone.as_ref() != UTC => {
            let utc = array(values, &T::Timestamp(*unit, Some(UTC.into())))?;
            return super::retag(utc.as_ref(), data_type)
                .map_err(|e| Misfit(format!("cannot give timestamps their zone: {e}")));
        }
        // Strings, and what the reader wrote as strings (dates, times,
        // timestamps, decimals): Arrow parses those from text below.
        _ => Arc::new(StringArray::from(each(values, text)?)),
    };
    if array.data_type() == data_type {
        return Ok(array);
    }
    let options = CastOptions {
        safe: false,
        ..CastOptions::default()
    };
    arrow_cast::cast::cast_with_options(&array, data_type, &options)
        .map_err(|e| Misfit(format!("a value is not a {data_type}: {e}")))
}

/// `convert` for each value that is not null.
fn each<T>(values: &[&Value], convert: impl Fn(&Value) -> Result<T>) -> Result<Vec<Option<T>>> {
    values
        .iter()
        .map(|v| match v {
            Value::Null => Ok(None),
            v => convert(v).map(Some),
        })
        .collect()
}

fn misfit(value: &Value, what: &str) -> Misfit {
    let mut text = value.to_string();
    if text.len() > 80 {
        let cut = (0..=80)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push_str("...");
    }
    Misfit(format!("{text} is not {what}"))
}

fn boolean(value: &Value) -> Result<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(misfit(value, "a boolean")),
    }
}

fn integer(value: &Value) -> Result<i64> {
    let whole = match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    whole.ok_or_else(|| misfit(value, "an integer"))
}

fn unsigned(value: &Value) -> Result<u64> {
    let whole = match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..9.0e15).contains(f))
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    whole.ok_or_else(|| misfit(value, "a non-negative integer"))
}

fn float(value: &Value) -> Result<f64> {
    let number = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    number.ok_or_else(|| misfit(value, "a number"))
}

fn text(value: &Value) -> Result<String> {
    Ok(match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn binary(value: &Value) -> Result<Vec<u8>> {
    value
        .as_str()
        .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
        .ok_or_else(|| misfit(value, "base64 text"))
}

/// The rows' nulls, when there are any.
fn validity(values: &[&Value]) -> Option<NullBuffer> {
    if !values.iter().any(|v| v.is_null()) {
        return None;
    }
    let mut valid = BooleanBufferBuilder::new(values.len());
    for v in values {
        valid.append(!v.is_null());
    }
    Some(NullBuffer::new(valid.finish()))
}

fn list<O: OffsetSizeTrait>(values: &[&Value], item: &Arc<Field>) -> Result<ArrayRef> {
    let mut offsets = Vec::with_capacity(values.len() + 1);
    offsets.push(O::usize_as(0));
    let mut items: Vec<&Value> = Vec::new();
    for value in values {
        match value {
            Value::Null => {}
            Value::Array(elements) => items.extend(elements),
            other => return Err(misfit(other, "a list")),
        }
        offsets.push(O::usize_as(items.len()));
    }
    let child = array(&items, item.data_type())?;
    let offsets = OffsetBuffer::new(offsets.into());
    GenericListArray::<O>::try_new(item.clone(), offsets, child, validity(values))
        .map(|a| Arc::new(a) as ArrayRef)
        .map_err(|e| Misfit(format!("cannot make a list: {e}")))
}

fn structure(values: &[&Value], fields: &Fields) -> Result<ArrayRef> {
    for value in values {
        if !matches!(value, Value::Null | Value::Object(_)) {
            return Err(misfit(value, "an object"));
        }
    }
    let children = fields
        .iter()
        .map(|f| {
            let column: Vec<&Value> = values
                .iter()
                .map(|v| v.get(f.name()).unwrap_or(&Value::Null))
                .collect();
            array(&column, f.data_type())
        })
        .collect::<Result<Vec<_>>>()?;
    StructArray::try_new(fields.clone(), children, validity(values))
        .map(|a| Arc::new(a) as ArrayRef)
        .map_err(|e| Misfit(format!("cannot make a struct: {e}")))
}
