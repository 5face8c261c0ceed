//! Parquet tables (the `parquet` cargo feature), through arrow-rs: read
//! one record batch at a time and turned into the JSON rows every reader
//! gives (`to_json.rs` says how each type becomes JSON), and written one
//! row group at a time from JSON rows with column types decided up front
//! (`from_json.rs`). Neither ever holds the whole table.

mod from_json;
#[cfg(test)]
mod tests;
mod to_json;

use std::fs::File;
use std::ops::ControlFlow;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::{Map, Value};

use super::ColumnTypes;
use super::read::{Each, Row};
use crate::fail::{Failure, Result};

/// Rows per record batch read. Small enough that a batch of wide rows is
/// a few megabytes, large enough that per-batch costs do not show.
const ROWS_PER_BATCH_READ: usize = 1024;
/// Rows collected before they are converted and handed to the writer.
const ROWS_PER_BATCH_WRITTEN: usize = 4096;
/// Rows per row group written: the writer holds one row group, encoded and
/// compressed, in memory until it is complete.
const ROWS_PER_ROW_GROUP: usize = 65_536;

/// A Parquet file that cannot be read, for the user: which file, why, and
/// that nothing was sent (reading happens before any POST).
fn unreadable(path: &str, e: impl std::fmt::Display) -> Failure {
    let e = e.to_string();
    // The parquet crate's words for a codec left out of the build.
    let hint = if e.contains("Disabled feature at compile time") {
        "; this build reads uncompressed, Snappy and zstd Parquet: rewrite the file with one of those (pandas: compression=\"snappy\")"
    } else {
        ""
    };
    Failure::usage(format!(
        "cannot read the input {path} as Parquet ({e}){hint}; nothing was sent"
    ))
}

/// The reader of `path`, once its footer and schema have been read.
fn open(path: &str) -> Result<ParquetRecordBatchReaderBuilder<File>> {
    if path == "-" {
        return Err(Failure::usage(
            "Parquet cannot be read from standard input (its index is at the end of the file); name the file",
        ));
    }
    let file =
        File::open(path).map_err(|e| Failure::new(format!("cannot read the input {path}: {e}")))?;
    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| unreadable(path, e))
}

/// The Arrow schema of the Parquet file `path`.
fn schema_of(path: &str) -> Result<SchemaRef> {
    Ok(open(path)?.schema().clone())
}

/// Reads `path` batch by batch, calling `each` for every row in order;
/// a row's `line` is its 1-based row number. Returns the column names.
pub fn for_each_row(path: &str, each: &mut Each<'_>) -> Result<Vec<String>> {
    let builder = open(path)?;
    let names: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(Failure::usage(format!(
                "{path}: the Parquet schema names the column {name:?} twice"
            )));
        }
    }
    let reader = builder
        .with_batch_size(ROWS_PER_BATCH_READ)
        .build()
        .map_err(|e| unreadable(path, e))?;
    let mut line = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| unreadable(path, format!("after row {line}: {e}")))?;
        let mut columns = batch
            .columns()
            .iter()
            .map(|c| to_json::values(c.as_ref()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| unreadable(path, format!("after row {line}: {e}")))?;
        for row in 0..batch.num_rows() {
            line += 1;
            let fields: Map<String, Value> = names
                .iter()
                .zip(columns.iter_mut())
                .map(|(name, column)| (name.clone(), std::mem::take(&mut column[row])))
                .collect();
            if each(Ok(Row { line, fields }))? == ControlFlow::Break(()) {
                return Ok(names);
            }
        }
    }
    Ok(names)
}

/// A Parquet table being written.
pub struct Sink {
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    /// Rows not yet handed to the writer.
    pending: Vec<Map<String, Value>>,
    /// Rows handed to the writer, for error messages.
    written: u64,
}

impl Sink {
    /// Starts writing `columns` into `file` (named `path` for messages),
    /// typed as `types` says.
    pub fn create(file: File, path: &str, columns: &[String], types: &ColumnTypes) -> Result<Sink> {
        let source = match &types.parquet_source {
            Some(input) => Some(schema_of(input)?),
            None => None,
        };
        let fields: Vec<Field> = columns
            .iter()
            .map(|name| {
                let own = source
                    .as_ref()
                    .and_then(|s| s.field_with_name(name).ok())
                    .map(|f| from_json::kept(f.data_type()));
                let data_type = own
                    .or_else(|| types.schemas.get(name).map(from_json::of_schema))
                    .unwrap_or(DataType::Utf8);
                Field::new(name, data_type, true)
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_size(ROWS_PER_ROW_GROUP)
            .build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(properties))
            .map_err(|e| Failure::new(format!("cannot write the output {path}: {e}")))?;
        Ok(Sink {
            writer,
            schema,
            pending: Vec::with_capacity(ROWS_PER_BATCH_WRITTEN),
            written: 0,
        })
    }

    /// Takes one row; columns it lacks are null.
    pub fn write_row(&mut self, row: &Map<String, Value>) -> Result<()> {
        self.pending.push(row.clone());
        if self.pending.len() >= ROWS_PER_BATCH_WRITTEN {
            self.write_pending()?;
        }
        Ok(())
    }

    fn write_pending(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let first = self.written + 1;
        let last = self.written + self.pending.len() as u64;
        let columns = self
            .schema
            .fields()
            .iter()
            .map(|field| {
                let values: Vec<&Value> = self
                    .pending
                    .iter()
                    .map(|row| row.get(field.name()).unwrap_or(&Value::Null))
                    .collect();
                from_json::array(&values, field.data_type()).map_err(|misfit| {
                    Failure::new(format!(
                        "cannot write the output: the column {:?} is {} in Parquet, and among rows {first}-{last} {}",
                        field.name(),
                        field.data_type(),
                        misfit.0
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| Failure::new(format!("cannot write the output: {e}")))?;
        self.writer.write(&batch).map_err(write_failure)?;
        self.written = last;
        self.pending.clear();
        Ok(())
    }

    /// Writes what is pending and the file's footer.
    pub fn finish(mut self) -> Result<()> {
        self.write_pending()?;
        self.writer.close().map_err(write_failure)?;
        Ok(())
    }
}

/// The same values under another type of the same layout (a timestamp
/// with another zone): no value changes.
fn retag(
    array: &dyn arrow_array::Array,
    data_type: &DataType,
) -> std::result::Result<arrow_array::ArrayRef, arrow_schema::ArrowError> {
    let data = array
        .to_data()
        .into_builder()
        .data_type(data_type.clone())
        .build()?;
    Ok(arrow_array::make_array(data))
}

fn write_failure(e: parquet::errors::ParquetError) -> Failure {
    Failure::new(format!("cannot write the output: {e}"))
}
