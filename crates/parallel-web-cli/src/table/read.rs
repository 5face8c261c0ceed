//! Reading a table row by row. Each row is a JSON object with its columns
//! in file order; a row that cannot be read is reported with its line
//! number (CSV, JSONL) or position (JSON) and reading goes on, so that every
//! bad row is listed at once.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::Format;
use crate::fail::{Failure, Result};

/// One row of the input.
pub struct Row {
    /// Where the row is: its line (CSV, JSONL) or 1-based position (JSON).
    pub line: u64,
    /// Its columns, in file order.
    pub fields: Map<String, Value>,
}

/// A row that could not be read.
#[derive(Debug)]
pub struct BadRow {
    /// Its line (CSV, JSONL) or 1-based position (JSON).
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
}

/// What the reader hands on: a row, or a row that could not be read.
pub type Item = std::result::Result<Row, BadRow>;

/// What `each` tells the reader after a row: read on, or stop here (the
/// rows after it are not read, and reading still ends with `Ok`).
pub type Next = ControlFlow<()>;

/// The callback of [`for_each_row`].
pub(super) type Each<'a> = dyn FnMut(Item) -> Result<Next> + 'a;

/// Reads `path` (`-`: stdin) in `format`, calling `each` for every row in
/// order. Returns the header (CSV) or schema's column names (Parquet),
/// when the format has one. Stops at the
/// first error `each` returns (which is returned), when `each` says
/// [`ControlFlow::Break`] (a clean stop), or when the file cannot be read
/// at all.
pub fn for_each_row(
    path: &str,
    format: Format,
    mut each: impl FnMut(Item) -> Result<Next>,
) -> Result<Option<Vec<String>>> {
    if format == Format::Parquet {
        return read_parquet(path, &mut each).map(Some);
    }
    let source: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            File::open(path)
                .map_err(|e| Failure::new(format!("cannot read the input {path}: {e}")))?,
        )
    };
    let source = BufReader::with_capacity(1 << 16, source);
    match format {
        Format::Csv => read_csv(path, source, &mut each).map(Some),
        Format::Jsonl => read_jsonl(path, source, &mut each).map(|()| None),
        Format::Json => read_json(path, source, &mut each).map(|()| None),
        Format::Parquet => unreachable!("read above"),
    }
}

#[cfg(feature = "parquet")]
fn read_parquet(path: &str, each: &mut Each<'_>) -> Result<Vec<String>> {
    super::parquet::for_each_row(path, each)
}

#[cfg(not(feature = "parquet"))]
fn read_parquet(path: &str, _: &mut Each<'_>) -> Result<Vec<String>> {
    Format::parquet(path).map(|_| Vec::new())
}

fn read_csv(path: &str, source: impl Read, each: &mut Each<'_>) -> Result<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(source);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Failure::new(format!("cannot read the CSV header of {path}: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    if header.is_empty() || header.iter().all(String::is_empty) {
        return Err(Failure::usage(format!(
            "{path}: the CSV file has no header line"
        )));
    }
    for (i, name) in header.iter().enumerate() {
        if header[..i].contains(name) {
            return Err(Failure::usage(format!(
                "{path}: the CSV header names the column {name:?} twice; rename one"
            )));
        }
    }
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, csv::Position::line);
                if record.len() != header.len() {
                    let bad = BadRow {
                        line,
                        message: format!(
                            "{} fields, the header has {}",
                            record.len(),
                            header.len()
                        ),
                    };
                    if each(Err(bad))?.is_break() {
                        break;
                    }
                    continue;
                }
                let fields = header
                    .iter()
                    .zip(record.iter())
                    .map(|(k, v)| (k.clone(), Value::String(v.to_owned())))
                    .collect();
                if each(Ok(Row { line, fields }))?.is_break() {
                    break;
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                if let csv::ErrorKind::Io(io) = e.kind() {
                    return Err(Failure::new(format!("cannot read {path}: {io}")));
                }
                let bad = BadRow {
                    line,
                    message: e.to_string(),
                };
                if each(Err(bad))?.is_break() {
                    break;
                }
            }
        }
    }
    Ok(header)
}

fn read_jsonl(path: &str, mut source: impl BufRead, each: &mut Each<'_>) -> Result<()> {
    let mut buf = String::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = source
            .read_line(&mut buf)
            .map_err(|e| Failure::new(format!("cannot read {path} after line {line}: {e}")))?;
        if n == 0 {
            return Ok(());
        }
        line += 1;
        let text = buf.trim();
        if text.is_empty() {
            continue;
        }
        let item = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(fields)) => Ok(Row { line, fields }),
            Ok(_) => Err(BadRow {
                line,
                message: "not a JSON object".into(),
            }),
            Err(e) => Err(BadRow {
                line,
                message: format!("invalid JSON: {e}"),
            }),
        };
        if each(item)?.is_break() {
            return Ok(());
        }
    }
}

/// Reads a JSON array element by element, never the whole array at once.
fn read_json(path: &str, source: impl Read, each: &mut Each<'_>) -> Result<()> {
    let mut stopped = None;
    let mut de = serde_json::Deserializer::from_reader(source);
    let seed = Elements {
        each,
        stopped: &mut stopped,
    };
    let parsed = seed.deserialize(&mut de).and_then(|()| de.end());
    match stopped {
        // The parser was stopped on purpose: its error says nothing.
        Some(Stopped::Failed(f)) => return Err(f),
        Some(Stopped::Asked) => return Ok(()),
        None => {}
    }
    parsed.map_err(|e| {
        Failure::usage(format!(
            "{path}: not a JSON array of objects ({e}); use .jsonl for one object per line"
        ))
    })
}

/// Why `each` stopped the parser of a JSON array.
enum Stopped {
    /// It returned this error.
    Failed(Failure),
    /// It said [`ControlFlow::Break`].
    Asked,
}

struct Elements<'a, 'b> {
    each: &'a mut Each<'b>,
    stopped: &'a mut Option<Stopped>,
}

impl<'de> DeserializeSeed<'de> for Elements<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut position = 0u64;
        while let Some(value) = seq.next_element::<Value>()? {
            position += 1;
            let item = match value {
                Value::Object(fields) => Ok(Row {
                    line: position,
                    fields,
                }),
                _ => Err(BadRow {
                    line: position,
                    message: "not a JSON object".into(),
                }),
            };
            let stop = match (self.each)(item) {
                Ok(ControlFlow::Continue(())) => continue,
                Ok(ControlFlow::Break(())) => Stopped::Asked,
                Err(f) => Stopped::Failed(f),
            };
            *self.stopped = Some(stop);
            return Err(serde::de::Error::custom("stopped"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of the rows read before `each` said stop after `stop_after`.
    fn read_until(format: Format, text: &str, stop_after: usize) -> (Result<()>, Vec<u64>) {
        let mut lines = Vec::new();
        let mut each = |item: Item| {
            lines.push(item.map_or_else(|bad| bad.line, |row| row.line));
            Ok(if lines.len() >= stop_after {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        };
        let source = text.as_bytes();
        let read = match format {
            Format::Csv => read_csv("t", source, &mut each).map(drop),
            Format::Jsonl => read_jsonl("t", source, &mut each),
            Format::Json => read_json("t", source, &mut each),
            Format::Parquet => unreachable!("a file format"),
        };
        (read, lines)
    }

    #[test]
    fn a_break_stops_reading_cleanly_in_every_format() {
        let cases = [
            (Format::Csv, "a\n1\n2\n3\n"),
            (Format::Jsonl, "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"),
            (Format::Json, "[{\"a\":1},{\"a\":2},{\"a\":3}]"),
        ];
        for (format, text) in cases {
            let (read, lines) = read_until(format, text, 2);
            assert!(
                read.is_ok(),
                "{format:?}: {:?}",
                read.err().map(|f| f.to_string())
            );
            assert_eq!(lines.len(), 2, "{format:?}: the third row is not read");
        }
    }

    #[test]
    fn an_error_from_each_is_returned_not_taken_for_a_stop() {
        let mut each = |_: Item| -> Result<Next> { Err(Failure::new("journal full")) };
        let csv = read_csv("t", "a\n1\n2\n".as_bytes(), &mut each).map(drop);
        let jsonl = read_jsonl("t", "{\"a\":1}\n{\"a\":2}\n".as_bytes(), &mut each);
        let json = read_json("t", "[{\"a\":1},{\"a\":2}]".as_bytes(), &mut each);
        for (format, read) in [("csv", csv), ("jsonl", jsonl), ("json", json)] {
            assert_eq!(
                read.err().map(|f| f.to_string()).as_deref(),
                Some("journal full"),
                "{format}"
            );
        }
        let (read, lines) = read_until(Format::Json, "[{\"a\":1},{\"a\":2}", 5);
        assert!(read.is_err(), "a cut array is still an error: {lines:?}");
    }
}
