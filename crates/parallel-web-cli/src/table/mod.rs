//! Tables in and out: CSV, JSONL, JSON and Parquet, row by row (Parquet:
//! batch by batch), so that neither reading nor writing ever holds the
//! whole table in memory. Every format's rows are JSON objects here; only
//! a typed output (Parquet) needs column types, given as [`ColumnTypes`].

pub mod infer;
#[cfg(feature = "parquet")]
mod parquet;
pub mod read;
pub mod write;

use serde_json::{Map, Value};

use crate::fail::{Failure, Result};

/// A table file format, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per line (also `-`: stdin and stdout).
    Jsonl,
    /// One JSON array of objects.
    Json,
    /// Apache Parquet (the `parquet` cargo feature; a file, never stdin or
    /// stdout).
    Parquet,
}

impl Format {
    /// The format of `path` (`-` is JSONL).
    pub fn of(path: &str) -> Result<Format> {
        if path == "-" {
            return Ok(Format::Jsonl);
        }
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Ok(Format::Csv)
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Ok(Format::Jsonl)
        } else if lower.ends_with(".json") {
            Ok(Format::Json)
        } else if lower.ends_with(".parquet") || lower.ends_with(".pq") {
            Format::parquet(path)
        } else {
            Err(Failure::usage(format!(
                "{path}: unknown table format; name the file .csv, .jsonl, .json or .parquet (or use - for JSONL on stdin/stdout)"
            )))
        }
    }

    /// Parquet, for `path`, when this build reads and writes it.
    pub fn parquet(path: &str) -> Result<Format> {
        if cfg!(feature = "parquet") {
            Ok(Format::Parquet)
        } else {
            Err(Failure::usage(format!(
                "{path}: this build of parallel-web has no Parquet support (it was built without the `parquet` cargo feature); \
                 convert the table to CSV or JSONL, or install a build with default features"
            )))
        }
    }
}

/// How a typed output (Parquet) types its columns; the text formats
/// ignore it. A column neither names is text.
#[derive(Debug, Default, Clone)]
pub struct ColumnTypes {
    /// A Parquet file (the input) whose columns keep their own types.
    pub parquet_source: Option<String>,
    /// JSON Schemas of the other columns (the added ones, say).
    pub schemas: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parquet_path_is_parquet_with_the_feature_and_a_usage_error_without() {
        let format = Format::of("Data/Table.PARQUET");
        if cfg!(feature = "parquet") {
            assert_eq!(format.ok(), Some(Format::Parquet));
        } else {
            let refused = format.unwrap_err();
            assert_eq!(refused.exit, crate::fail::Exit::Usage);
            assert!(
                refused.message.contains("`parquet` cargo feature"),
                "{}",
                refused.message
            );
        }
    }
}
