//! Parquet read and written back: every type the reader turns into JSON
//! and the writer keeps comes back unchanged.

use std::fs::File;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    FixedSizeListBuilder, Int64Builder, LargeListBuilder, ListBuilder, StringBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BinaryArray, BinaryViewArray, BooleanArray, Date32Array, Date64Array,
    Decimal128Array, Decimal256Array, DictionaryArray, DurationSecondArray, FixedSizeBinaryArray,
    Float32Array, Float64Array, Int8Array, Int32Array, LargeStringArray, RecordBatch, StringArray,
    StringViewArray, StructArray, Time32SecondArray, Time64MicrosecondArray,
    TimestampMicrosecondArray, TimestampNanosecondArray, UInt64Array,
};
use arrow_buffer::i256;
use arrow_schema::{DataType, Field};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Map, Value, json};

use super::{Sink, for_each_row};
use crate::table::ColumnTypes;
use crate::table::read::Item;

/// A scratch file path for one test.
fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("pw-parquet-{}-{name}", std::process::id()))
}

/// Two rows of every kind of column, the second mostly null.
fn every_type() -> RecordBatch {
    let mut list = ListBuilder::new(Int64Builder::new());
    list.values().append_value(1);
    list.values().append_value(2);
    list.append(true);
    list.append(false);
    let structure = StructArray::from(vec![(
        Arc::new(Field::new("a", DataType::Utf8, true)),
        Arc::new(StringArray::from(vec![Some("x"), None])) as ArrayRef,
    )]);
    let dictionary: DictionaryArray<Int32Type> = vec![Some("red"), None].into_iter().collect();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("i32", Arc::new(Int32Array::from(vec![Some(-7), None]))),
        (
            "u64",
            Arc::new(UInt64Array::from(vec![Some(u64::MAX), None])),
        ),
        ("f32", Arc::new(Float32Array::from(vec![Some(0.1), None]))),
        (
            "f64",
            Arc::new(Float64Array::from(vec![Some(2.5), Some(f64::NAN)])),
        ),
        ("bool", Arc::new(BooleanArray::from(vec![Some(true), None]))),
        (
            "text",
            Arc::new(StringArray::from(vec![Some("héllo"), None])),
        ),
        (
            "large",
            Arc::new(LargeStringArray::from(vec![Some("big"), None])),
        ),
        (
            "bytes",
            Arc::new(BinaryArray::from_opt_vec(vec![Some(b"\x00\xff"), None])),
        ),
        (
            "date",
            Arc::new(Date32Array::from(vec![Some(19_844), None])),
        ),
        (
            "naive",
            Arc::new(TimestampMicrosecondArray::from(vec![
                Some(1_714_564_800_123_456),
                None,
            ])),
        ),
        (
            "zoned",
            Arc::new(
                TimestampNanosecondArray::from(vec![Some(1_714_564_800_000_000_000), None])
                    .with_timezone("Europe/Paris"),
            ),
        ),
        (
            "decimal",
            Arc::new(
                Decimal128Array::from(vec![Some(12_345), None])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
        ("list", Arc::new(list.finish())),
        ("struct", Arc::new(structure)),
        ("category", Arc::new(dictionary)),
    ];
    RecordBatch::try_from_iter(columns).unwrap()
}

fn write_file(path: &Path, batch: &RecordBatch) {
    let mut writer =
        ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

fn read_rows(path: &Path) -> Vec<(u64, Map<String, Value>)> {
    let mut rows = Vec::new();
    for_each_row(path.to_str().unwrap(), &mut |item: Item| {
        let row = item.map_err(|bad| crate::fail::Failure::new(bad.message))?;
        rows.push((row.line, row.fields));
        Ok(ControlFlow::Continue(()))
    })
    .unwrap();
    rows
}

fn read_batch(path: &Path) -> RecordBatch {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    assert_eq!(batches.len(), 1, "the tests' tables fit in one batch");
    batches.remove(0)
}

#[test]
fn each_parquet_type_reads_as_the_json_the_other_readers_give() {
    let path = scratch("types-read.parquet");
    write_file(&path, &every_type());
    let rows = read_rows(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2]);
    let first = Value::Object(rows[0].1.clone());
    assert_eq!(
        first,
        json!({
            "i32": -7, "u64": u64::MAX, "f32": 0.1, "f64": 2.5, "bool": true,
            "text": "héllo", "large": "big", "bytes": "AP8=", "date": "2024-05-01",
            "naive": "2024-05-01T12:00:00.123456", "zoned": "2024-05-01T12:00:00Z",
            "decimal": "123.45", "list": [1, 2], "struct": {"a": "x"}, "category": "red",
        })
    );
    let second = &rows[1].1;
    assert!(
        second.iter().all(|(k, v)| v.is_null() || k == "struct"),
        "nulls, NaN included: {second:?}"
    );
    assert_eq!(second["struct"], json!({"a": null}));
}

#[test]
fn a_parquet_input_written_back_keeps_every_column_type_and_value() {
    let batch = every_type();
    let back = round_trip("types", &batch);
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let name = field.name();
        let written = back.column_by_name(name).unwrap();
        assert_eq!(written.data_type(), field.data_type(), "{name}");
        if name == "f64" {
            // NaN reads as null (JSON has no NaN), so it comes back null.
            assert!(written.is_null(1), "{name}");
            continue;
        }
        assert_eq!(written.as_ref(), column.as_ref(), "{name}");
    }
}

/// The other layouts of the same types: small integers, views, fixed
/// sizes, large offsets, 64-bit dates, times, 256-bit decimals.
fn other_layouts() -> RecordBatch {
    let mut fixed_list = FixedSizeListBuilder::new(Int64Builder::new(), 2);
    fixed_list.values().append_slice(&[3, 4]);
    fixed_list.append(true);
    fixed_list.values().append_nulls(2);
    fixed_list.append(false);
    let mut large_list = LargeListBuilder::new(StringBuilder::new());
    large_list.values().append_value("a");
    large_list.append(true);
    large_list.append(false);
    let fixed_binary =
        FixedSizeBinaryArray::try_from_sparse_iter_with_size([Some(b"abc"), None].into_iter(), 3)
            .unwrap();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("i8", Arc::new(Int8Array::from(vec![Some(-128), None]))),
        (
            "view",
            Arc::new(StringViewArray::from(vec![
                Some("a view longer than twelve"),
                None,
            ])),
        ),
        (
            "binary_view",
            Arc::new(BinaryViewArray::from(vec![Some(&b""[..]), None])),
        ),
        ("fixed_binary", Arc::new(fixed_binary)),
        ("fixed_list", Arc::new(fixed_list.finish())),
        ("large_list", Arc::new(large_list.finish())),
        (
            "date64",
            Arc::new(Date64Array::from(vec![Some(1_714_521_600_000), None])),
        ),
        (
            "time32",
            Arc::new(Time32SecondArray::from(vec![Some(45_000), None])),
        ),
        (
            "time64",
            Arc::new(Time64MicrosecondArray::from(vec![
                Some(45_000_000_001),
                None,
            ])),
        ),
        (
            "decimal256",
            Arc::new(
                Decimal256Array::from(vec![Some(i256::from_i128(-1_234_567)), None])
                    .with_precision_and_scale(40, 3)
                    .unwrap(),
            ),
        ),
    ];
    RecordBatch::try_from_iter(columns).unwrap()
}

/// Writes `batch` to a Parquet file, reads it as rows, writes those rows
/// back as the tool does with the file as the types' source, and returns
/// what was written.
fn round_trip(name: &str, batch: &RecordBatch) -> RecordBatch {
    let input = scratch(&format!("{name}-in.parquet"));
    let output = scratch(&format!("{name}-out.parquet"));
    write_file(&input, batch);
    let rows = read_rows(&input);
    let columns: Vec<String> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let types = ColumnTypes {
        parquet_source: Some(input.to_str().unwrap().to_owned()),
        ..ColumnTypes::default()
    };
    let mut sink = Sink::create(File::create(&output).unwrap(), "out", &columns, &types).unwrap();
    for (_, row) in &rows {
        sink.write_row(row).unwrap();
    }
    sink.finish().unwrap();
    let back = read_batch(&output);
    let _ = (std::fs::remove_file(&input), std::fs::remove_file(&output));
    back
}

#[test]
fn other_layouts_of_the_same_types_are_written_back_unchanged_too() {
    let batch = other_layouts();
    let back = round_trip("layouts", &batch);
    // What the Parquet file itself gives back (a Date64 column, say, is
    // stored as a date and read back as one).
    let input = scratch("layouts-plain.parquet");
    write_file(&input, &batch);
    let plain = read_batch(&input);
    let _ = std::fs::remove_file(&input);
    for field in plain.schema().fields() {
        let name = field.name();
        let theirs = plain.column_by_name(name).unwrap();
        let ours = back.column_by_name(name).unwrap();
        assert_eq!(ours.data_type(), theirs.data_type(), "{name}");
        assert_eq!(ours.as_ref(), theirs.as_ref(), "{name}");
    }
}

#[test]
fn a_type_the_writer_cannot_give_back_is_written_as_its_text() {
    let input = scratch("duration-in.parquet");
    let output = scratch("duration-out.parquet");
    let batch = RecordBatch::try_from_iter([(
        "took",
        Arc::new(DurationSecondArray::from(vec![Some(90)])) as ArrayRef,
    )])
    .unwrap();
    write_file(&input, &batch);
    let rows = read_rows(&input);
    let types = ColumnTypes {
        parquet_source: Some(input.to_str().unwrap().to_owned()),
        ..ColumnTypes::default()
    };
    let mut sink = Sink::create(
        File::create(&output).unwrap(),
        "out",
        &["took".into()],
        &types,
    )
    .unwrap();
    sink.write_row(&rows[0].1).unwrap();
    sink.finish().unwrap();
    let back = read_batch(&output);
    let _ = (std::fs::remove_file(&input), std::fs::remove_file(&output));
    let text = back
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .expect("text");
    assert_eq!(Value::String(text.value(0).into()), rows[0].1["took"]);
}

#[test]
fn added_columns_are_typed_from_their_json_schema() {
    let output = scratch("schema-out.parquet");
    let types = ColumnTypes {
        parquet_source: None,
        schemas: json!({
            "n": {"type": "integer"},
            "x": {"type": "number"},
            "ok": {"anyOf": [{"type": "boolean"}, {"type": "null"}]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "when": {"type": "string", "format": "date"},
        })
        .as_object()
        .unwrap()
        .clone(),
    };
    let columns: Vec<String> = ["n", "x", "ok", "tags", "when", "other"]
        .map(String::from)
        .into();
    let mut sink = Sink::create(File::create(&output).unwrap(), "out", &columns, &types).unwrap();
    let row = json!({"n": "42", "x": 1, "ok": true, "tags": ["a", "b"], "when": "2024-05-01", "other": {"k": 1}});
    sink.write_row(row.as_object().unwrap()).unwrap();
    sink.finish().unwrap();
    let back = read_batch(&output);
    let _ = std::fs::remove_file(&output);
    let kinds: Vec<DataType> = back
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    assert_eq!(
        kinds,
        [
            DataType::Int64,
            DataType::Float64,
            DataType::Boolean,
            DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            DataType::Utf8,
            DataType::Utf8,
        ]
    );
    let other = back
        .column(5)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert_eq!(other.value(0), r#"{"k":1}"#);
}

#[test]
fn a_value_that_does_not_fit_its_column_fails_the_write_naming_the_column() {
    let output = scratch("misfit-out.parquet");
    let types = ColumnTypes {
        parquet_source: None,
        schemas: json!({"n": {"type": "integer"}})
            .as_object()
            .unwrap()
            .clone(),
    };
    let mut sink =
        Sink::create(File::create(&output).unwrap(), "out", &["n".into()], &types).unwrap();
    sink.write_row(json!({"n": "many"}).as_object().unwrap())
        .unwrap();
    let refused = sink.finish().unwrap_err();
    let _ = std::fs::remove_file(&output);
    assert!(refused.message.contains("\"n\""), "{}", refused.message);
    assert!(
        refused.message.contains("\"many\" is not an integer"),
        "{}",
        refused.message
    );
}

#[test]
fn a_file_that_is_not_parquet_is_a_usage_error_naming_it() {
    let path = scratch("not.parquet");
    std::fs::write(&path, "company\nStripe\n").unwrap();
    let refused = for_each_row(path.to_str().unwrap(), &mut |_| {
        Ok(ControlFlow::Continue(()))
    })
    .unwrap_err();
    let _ = std::fs::remove_file(&path);
    assert_eq!(refused.exit, crate::fail::Exit::Usage);
    assert!(
        refused.message.contains(path.to_str().unwrap()),
        "{}",
        refused.message
    );
}
