//! Tables in and out: CSV, JSONL and JSON, row by row, so that neither
//! reading nor writing ever holds the whole table in memory.

pub mod read;
pub mod write;

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
        } else {
            Err(Failure::usage(format!(
                "{path}: unknown table format; name the file .csv, .jsonl or .json (or use - for JSONL on stdin/stdout)"
            )))
        }
    }
}
