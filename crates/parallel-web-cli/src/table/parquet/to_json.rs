//! Arrow arrays as JSON values, one per row, the same values the other
//! readers give: integers, floats, booleans and strings as themselves;
//! lists as arrays and structs as objects (recursively); nulls as null.
//! What JSON has no type for becomes a string, exactly as Arrow displays
//! it: dates, times and timestamps in ISO 8601 (`2024-05-01`,
//! `2024-05-01T12:00:00`, `...Z` with a time zone:
//! timestamps with a zone always in UTC, the zone kept by a Parquet
//! output), decimals as decimal text (no rounding through a float), binary as
//! standard base64. Non-finite floats (NaN, infinities) become null: JSON
//! has no such numbers. Dictionary-encoded columns (pandas categoricals)
//! give their values.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrowPrimitiveType, OffsetSizeTrait};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{ArrowError, DataType};
use base64::Engine;
use serde_json::{Map, Number, Value};

/// Each value of `array`, in order.
pub fn values(array: &dyn Array) -> Result<Vec<Value>, ArrowError> {
    use DataType as T;
    Ok(match array.data_type() {
        T::Null => vec![Value::Null; array.len()],
        T::Boolean => {
            let a = array.as_boolean();
            each(array, |i| Value::Bool(a.value(i)))
        }
        T::Int8 => primitive::<Int8Type>(array, Value::from),
        T::Int16 => primitive::<Int16Type>(array, Value::from),
        T::Int32 => primitive::<Int32Type>(array, Value::from),
        T::Int64 => primitive::<Int64Type>(array, Value::from),
        T::UInt8 => primitive::<UInt8Type>(array, Value::from),
        T::UInt16 => primitive::<UInt16Type>(array, Value::from),
        T::UInt32 => primitive::<UInt32Type>(array, Value::from),
        T::UInt64 => primitive::<UInt64Type>(array, Value::from),
        T::Float16 => primitive::<Float16Type>(array, |x| float32(x.to_f32())),
        T::Float32 => primitive::<Float32Type>(array, float32),
        T::Float64 => primitive::<Float64Type>(array, float),
        T::Utf8 => {
            let a = array.as_string::<i32>();
            each(array, |i| Value::String(a.value(i).to_owned()))
        }
        T::LargeUtf8 => {
            let a = array.as_string::<i64>();
            each(array, |i| Value::String(a.value(i).to_owned()))
        }
        T::Utf8View => {
            let a = array.as_string_view();
            each(array, |i| Value::String(a.value(i).to_owned()))
        }
        T::Binary => {
            let a = array.as_binary::<i32>();
            each(array, |i| base64_of(a.value(i)))
        }
        T::LargeBinary => {
            let a = array.as_binary::<i64>();
            each(array, |i| base64_of(a.value(i)))
        }
        T::BinaryView => {
            let a = array.as_binary_view();
            each(array, |i| base64_of(a.value(i)))
        }
        T::FixedSizeBinary(_) => {
            let a = array.as_fixed_size_binary();
            each(array, |i| base64_of(a.value(i)))
        }
        T::List(_) => list::<i32>(array)?,
        T::LargeList(_) => list::<i64>(array)?,
        T::FixedSizeList(_, size) => {
            let a = array.as_fixed_size_list();
            let size = usize::try_from(*size).unwrap_or(0);
            let items = values(a.values())?;
            each(array, |i| {
                let start = a.value_offset(i) as usize;
                Value::Array(items[start..start + size].to_vec())
            })
        }
        T::Struct(fields) => {
            let a = array.as_struct();
            let children = a
                .columns()
                .iter()
                .map(|c| values(c.as_ref()))
                .collect::<Result<Vec<_>, _>>()?;
            each(array, |i| {
                let object: Map<String, Value> = fields
                    .iter()
                    .zip(&children)
                    .map(|(f, child)| (f.name().clone(), child[i].clone()))
                    .collect();
                Value::Object(object)
            })
        }
        T::Timestamp(unit, Some(zone)) if zone.as_ref() != UTC => {
            // Named zones need the zone database (chrono-tz, left out of
            // the build): the same instants, written in UTC.
            let utc = super::retag(array, &T::Timestamp(*unit, Some(UTC.into())))?;
            values(utc.as_ref())?
        }
        T::Dictionary(_, value_type) => {
            let decoded = arrow_cast::cast(array, value_type)?;
            values(decoded.as_ref())?
        }
        _ => {
            let options = FormatOptions::default();
            let formatter = ArrayFormatter::try_new(array, &options)?;
            each(array, |i| Value::String(formatter.value(i).to_string()))
        }
    })
}

/// The zone timestamps with a zone are written in.
pub const UTC: &str = "+00:00";

/// `value(i)` for each row that is not null, null for the others.
fn each(array: &dyn Array, value: impl Fn(usize) -> Value) -> Vec<Value> {
    (0..array.len())
        .map(|i| {
            if array.is_null(i) {
                Value::Null
            } else {
                value(i)
            }
        })
        .collect()
}

fn primitive<T: ArrowPrimitiveType>(
    array: &dyn Array,
    json: impl Fn(T::Native) -> Value,
) -> Vec<Value> {
    let a = array.as_primitive::<T>();
    each(array, |i| json(a.value(i)))
}

fn list<O: OffsetSizeTrait>(array: &dyn Array) -> Result<Vec<Value>, ArrowError> {
    let a = array.as_list::<O>();
    let items = values(a.values())?;
    let offsets = a.value_offsets();
    Ok(each(array, |i| {
        let (start, end) = (offsets[i].as_usize(), offsets[i + 1].as_usize());
        Value::Array(items[start..end].to_vec())
    }))
}

fn float(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// A 32-bit float as the decimal it prints as (0.1, not 0.10000000149).
fn float32(x: f32) -> Value {
    float(x.to_string().parse().unwrap_or(f64::from(x)))
}

fn base64_of(bytes: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}
