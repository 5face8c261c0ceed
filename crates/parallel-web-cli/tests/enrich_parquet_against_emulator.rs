//! `parallel-web enrich` with Parquet tables, against the emulator binary:
//! a Parquet input's column types survive into a Parquet output, the added
//! columns are typed from their JSON Schema, CSV and Parquet convert both
//! ways, an unreadable Parquet file sends nothing, and a rerun on a
//! finished journal creates no run. Outputs are read back with the
//! `parquet` crate itself.

#![cfg(feature = "parquet")]

mod support;

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use parallel_web_tests::EmulatorProcess;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Map, Value, json};
use support::{
    COMPANIES, api_operations, assert_rows_got_their_own_results, pw, read_csv, scratch, stats,
    stderr_of,
};

const USAGE: i32 = 64;
/// 2024-05-01, in days since 1970-01-01.
const MAY_DAY_2024: i32 = 19_844;

/// `rows` rows of an input a pandas user might have: an int32 id, a name,
/// a date, a float, a boolean and a list of strings; every seventh row's
/// date is null. Written in batches of 1,000 rows.
fn write_input(path: &Path, rows: i32) {
    let schema = Arc::new(input_schema());
    let mut writer =
        ArrowWriter::try_new(File::create(path).unwrap(), schema.clone(), None).unwrap();
    for start in (0..rows).step_by(1000) {
        let ids: Vec<i32> = (start..rows.min(start + 1000)).collect();
        let mut tags = ListBuilder::new(StringBuilder::new());
        for id in &ids {
            tags.values().append_value(format!("t{id}"));
            tags.values().append_value("x");
            tags.append(true);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from(ids.clone())),
            Arc::new(StringArray::from_iter_values(
                ids.iter().map(|i| format!("company {i}")),
            )),
            Arc::new(Date32Array::from_iter(
                ids.iter().map(|i| (i % 7 != 0).then_some(MAY_DAY_2024 + i)),
            )),
            Arc::new(Float64Array::from_iter_values(
                ids.iter().map(|i| f64::from(*i) + 0.5),
            )),
            Arc::new(BooleanArray::from_iter(
                ids.iter().map(|i| Some(i % 2 == 0)),
            )),
            Arc::new(tags.finish()),
        ];
        writer
            .write(&RecordBatch::try_new(schema.clone(), columns).unwrap())
            .unwrap();
    }
    writer.close().unwrap();
}

fn input_schema() -> Schema {
    Schema::new(vec![
        Field::new("id", DataType::Int32, false),
        Field::new("name", DataType::Utf8, false),
        Field::new("founded", DataType::Date32, true),
        Field::new("revenue", DataType::Float64, false),
        Field::new("public", DataType::Boolean, true),
        Field::new(
            "tags",
            DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            true,
        ),
    ])
}

/// The schema and rows of a Parquet file.
fn read_parquet(path: &Path) -> (Arc<Schema>, Vec<RecordBatch>) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let schema = builder.schema().clone();
    let batches = builder.build().unwrap().map(Result::unwrap).collect();
    (schema, batches)
}

/// One cell as JSON, as the CLI reads it (for the types these tests use).
fn cell(column: &dyn Array, i: usize) -> Value {
    if column.is_null(i) {
        return Value::Null;
    }
    match column.data_type() {
        DataType::Int32 => json!(column.as_primitive::<Int32Type>().value(i)),
        DataType::Int64 => json!(column.as_primitive::<Int64Type>().value(i)),
        DataType::Float64 => json!(column.as_primitive::<Float64Type>().value(i)),
        DataType::Boolean => json!(column.as_boolean().value(i)),
        DataType::Utf8 => json!(column.as_string::<i32>().value(i)),
        DataType::Date32 => {
            let day = column
                .as_primitive::<Date32Type>()
                .value_as_date(i)
                .unwrap();
            json!(day.to_string())
        }
        DataType::List(_) => {
            let items = column.as_list::<i32>().value(i);
            Value::Array((0..items.len()).map(|j| cell(items.as_ref(), j)).collect())
        }
        other => panic!("no test conversion for {other}"),
    }
}

/// The rows of Parquet batches as JSON objects.
fn json_rows(batches: &[RecordBatch]) -> Vec<Value> {
    let mut rows = Vec::new();
    for batch in batches {
        let schema = batch.schema();
        for i in 0..batch.num_rows() {
            let row: Map<String, Value> = schema
                .fields()
                .iter()
                .zip(batch.columns())
                .map(|(f, c)| (f.name().clone(), cell(c.as_ref(), i)))
                .collect();
            rows.push(Value::Object(row));
        }
    }
    rows
}

fn data_type(schema: &Schema, name: &str) -> DataType {
    schema.field_with_name(name).unwrap().data_type().clone()
}

const SENT: [&str; 6] = ["id", "name", "founded", "revenue", "public", "tags"];

fn enrich_parquet(emu: &EmulatorProcess, dir: &Path, output: &str) -> std::process::Output {
    pw(
        emu,
        dir,
        &[
            "enrich",
            "in.parquet",
            "-o",
            output,
            "--processor",
            "lite",
            "--column",
            "ceo: CEO name",
            "--column",
            "employees:integer: Number of employees",
            "--basis",
        ],
    )
}

#[test]
fn parquet_in_parquet_out_keeps_input_types_and_order_and_types_the_added_columns() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "17"]);
    let dir = scratch("parquet-to-parquet");
    // Over one read batch (1,024 rows) and one written batch (4,096).
    let rows = 5_000;
    write_input(&dir.join("in.parquet"), rows);

    let out = enrich_parquet(&emu, &dir, "out.parquet");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let (schema, batches) = read_parquet(&dir.join("out.parquet"));
    for field in input_schema().fields() {
        assert_eq!(
            &data_type(&schema, field.name()),
            field.data_type(),
            "{}",
            field.name()
        );
    }
    let text_list = DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)));
    let added = [
        ("ceo", DataType::Utf8),
        ("employees", DataType::Int64),
        ("ceo_citations", text_list),
        ("ceo_confidence", DataType::Utf8),
        ("_run_id", DataType::Utf8),
        ("_status", DataType::Utf8),
        ("_error", DataType::Utf8),
    ];
    for (name, kind) in added {
        assert_eq!(data_type(&schema, name), kind, "{name}");
    }

    let table = json_rows(&batches);
    assert_eq!(table.len(), rows as usize);
    for (i, row) in table.iter().enumerate() {
        assert_eq!(row["id"], i, "row {i} out of order");
        assert_eq!(row["_status"], "completed", "row {i}: {row}");
        assert!(row["employees"].is_i64(), "row {i}: {row}");
    }
    assert_eq!(table[1]["founded"], "2024-05-02");
    assert_eq!(table[7]["founded"], Value::Null);
    assert_eq!(table[3]["tags"], json!(["t3", "x"]));
    assert!(
        table
            .iter()
            .any(|r| r["ceo_citations"].as_array().is_some_and(|c| !c.is_empty())),
        "some row cites a source"
    );
    // Each row was sent as the JSON the CLI reads it as (dates as ISO
    // text, lists as arrays) and got its own run's values.
    assert_rows_got_their_own_results(&emu, &table, &["ceo", "employees"], Some(&SENT));
    assert_eq!(stats(&emu)["runs_created"], rows);
}

#[test]
fn a_rerun_on_a_finished_journal_with_parquet_input_creates_no_runs() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "19"]);
    let dir = scratch("parquet-rerun");
    write_input(&dir.join("in.parquet"), 50);
    let first = enrich_parquet(&emu, &dir, "out.parquet");
    assert_eq!(first.status.code(), Some(0), "{}", stderr_of(&first));
    let before = json_rows(&read_parquet(&dir.join("out.parquet")).1);

    let rerun = enrich_parquet(&emu, &dir, "out.parquet");
    assert_eq!(rerun.status.code(), Some(0), "{}", stderr_of(&rerun));
    let stderr = stderr_of(&rerun);
    assert!(stderr.contains("50 reused, 0 new"), "{stderr}");
    assert_eq!(stats(&emu)["runs_created"], 50, "the rerun created none");
    assert_eq!(json_rows(&read_parquet(&dir.join("out.parquet")).1), before);
}

#[test]
fn csv_in_parquet_out_has_text_input_columns_and_typed_added_columns() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "23"]);
    let dir = scratch("csv-to-parquet");
    let out = pw(
        &emu,
        &dir,
        &[
            "enrich",
            COMPANIES,
            "-o",
            "out.parquet",
            "--processor",
            "lite",
            "--column",
            "ceo: CEO name",
            "--column",
            "founded:integer: Year founded",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let (schema, batches) = read_parquet(&dir.join("out.parquet"));
    let kinds: Vec<(String, DataType)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    let text = |n: &str| (n.to_owned(), DataType::Utf8);
    assert_eq!(
        kinds,
        [
            text("company_name"),
            text("company_website"),
            text("ceo"),
            ("founded".to_owned(), DataType::Int64),
            text("_run_id"),
            text("_status"),
            text("_error"),
        ]
    );
    let table = json_rows(&batches);
    let names: Vec<&Value> = table.iter().map(|r| &r["company_name"]).collect();
    assert_eq!(
        names,
        [&json!("Stripe"), &json!("Shopify"), &json!("Salesforce")]
    );
    assert_rows_got_their_own_results(&emu, &table, &["ceo", "founded"], None);
}

#[test]
fn parquet_in_csv_out_writes_dates_as_iso_text_and_lists_as_json() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "29"]);
    let dir = scratch("parquet-to-csv");
    write_input(&dir.join("in.parquet"), 10);
    let out = pw(
        &emu,
        &dir,
        &[
            "enrich",
            "in.parquet",
            "-o",
            "out.csv",
            "--processor",
            "lite",
            "--column",
            "ceo: CEO name",
            // CSV cells are text: compare the runs' inputs on a text column.
            "--input-columns",
            "name",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let table = read_csv(&dir.join("out.csv"));
    assert_eq!(table.len(), 10);
    for (i, row) in table.iter().enumerate() {
        assert_eq!(row["id"], i.to_string(), "row {i} out of order");
    }
    assert_eq!(table[2]["founded"], "2024-05-03");
    assert_eq!(table[7]["founded"], "", "a null date is an empty cell");
    assert_eq!(table[2]["revenue"], "2.5");
    assert_eq!(table[2]["public"], "true");
    assert_eq!(table[2]["tags"], r#"["t2","x"]"#);
    assert_rows_got_their_own_results(&emu, &table, &["ceo"], Some(&["name"]));
}

#[test]
fn an_unreadable_parquet_input_is_a_usage_error_naming_it_and_nothing_is_sent() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("parquet-corrupt");
    write_input(&dir.join("whole.parquet"), 100);
    let bytes = std::fs::read(dir.join("whole.parquet")).unwrap();
    // The footer intact, the pages it points to overwritten.
    let mut scrambled = bytes.clone();
    scrambled[4..bytes.len() / 2].fill(0xEE);
    let cases: [(&str, &[u8]); 4] = [
        ("cut.parquet", &bytes[..bytes.len() / 2]),
        ("scrambled.parquet", &scrambled),
        ("text.parquet", b"company_name\nStripe\n"),
        ("empty.parquet", b""),
    ];
    for (name, content) in cases {
        std::fs::write(dir.join(name), content).unwrap();
        let out = pw(
            &emu,
            &dir,
            &[
                "enrich",
                name,
                "-o",
                "out.parquet",
                "--column",
                "ceo: CEO name",
            ],
        );
        let stderr = stderr_of(&out);
        assert_eq!(out.status.code(), Some(USAGE), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("cannot read the input {name} as Parquet")),
            "{stderr}"
        );
        assert!(!dir.join("out.parquet").exists(), "{name}");
        assert!(
            !dir.join("out.parquet.journal").exists(),
            "{name}: no journal left"
        );
    }
    assert!(
        api_operations(&emu).is_empty(),
        "{:?}",
        api_operations(&emu)
    );
}
