//! Writing a table row by row. A file is written under a temporary name
//! beside the target and renamed into place at the end, so a crash never
//! leaves a half-written table under the output's name.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{ColumnTypes, Format};
use crate::fail::{Failure, Result};

/// Where the rows go.
enum Sink {
    Csv(Box<csv::Writer<Box<dyn Write>>>),
    Jsonl(Box<dyn Write>),
    Json {
        out: Box<dyn Write>,
        first: bool,
    },
    #[cfg(feature = "parquet")]
    Parquet(Box<super::parquet::Sink>),
}

/// A table being written.
pub struct TableWriter {
    sink: Sink,
    columns: Vec<String>,
    /// (temporary file, final path) for a file output.
    rename: Option<(PathBuf, PathBuf)>,
}

/// The temporary name `path` is written under.
fn temporary(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    path.with_file_name(name)
}

/// Fails, saying why, unless a file can be created where `path` will be
/// written. Run before anything is submitted.
pub fn check_writable(path: &str) -> Result<()> {
    if path == "-" {
        return Ok(());
    }
    let target = Path::new(path);
    if target.is_dir() {
        return Err(Failure::usage(format!(
            "the output {path} is a directory; name a file"
        )));
    }
    let probe = temporary(target);
    File::create(&probe)
        .and_then(|_| remove_if_there(&probe))
        .map_err(|e| Failure::new(format!("cannot write the output {path}: {e}")))
}

/// Removes `<output>.partial-<pid>` files that runs killed while writing
/// left beside the output (any but this process's own). Call with the
/// journal locked: no other run on this output is writing then.
pub fn remove_stale_partials(path: &str) -> Result<()> {
    if path == "-" {
        return Ok(());
    }
    let target = Path::new(path);
    let Some(name) = target.file_name().and_then(|n| n.to_str()) else {
        return Ok(());
    };
    let prefix = format!("{name}.partial-");
    let mine = temporary(target);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(()); // `check_writable` already said what is wrong
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) || entry.path() == mine {
            continue;
        }
        // A process that finds the journal locked may remove its own probe
        // (see `check_writable`) at the same moment.
        remove_if_there(&entry.path()).map_err(|e| {
            Failure::new(format!(
                "cannot remove {}, left by a run that was stopped: {e}",
                entry.path().display()
            ))
        })?;
    }
    Ok(())
}

/// Removes a file that another process may have removed first.
fn remove_if_there(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

impl TableWriter {
    /// Starts writing `path` (`-`: stdout) with these columns, in order;
    /// a typed format (Parquet) types them as `types` says.
    pub fn create(
        path: &str,
        format: Format,
        columns: Vec<String>,
        types: &ColumnTypes,
    ) -> Result<TableWriter> {
        let (file, rename) = if path == "-" {
            (None, None)
        } else {
            let target = PathBuf::from(path);
            let tmp = temporary(&target);
            let file = File::create(&tmp)
                .map_err(|e| Failure::new(format!("cannot write the output {path}: {e}")))?;
            (Some(file), Some((tmp, target)))
        };
        let sink = match format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(text_out(file));
                w.write_record(&columns).map_err(csv_failure)?;
                Sink::Csv(Box::new(w))
            }
            Format::Jsonl => Sink::Jsonl(text_out(file)),
            Format::Json => Sink::Json {
                out: text_out(file),
                first: true,
            },
            Format::Parquet => parquet_sink(file, path, &columns, types)?,
        };
        Ok(TableWriter {
            sink,
            columns,
            rename,
        })
    }

    /// Writes one row; columns it lacks are empty (CSV), left out (JSON)
    /// or null (Parquet).
    pub fn write_row(&mut self, row: &Map<String, Value>) -> Result<()> {
        match &mut self.sink {
            Sink::Csv(w) => {
                for c in &self.columns {
                    w.write_field(cell(row.get(c)).as_bytes())
                        .map_err(csv_failure)?;
                }
                w.write_record(None::<&[u8]>).map_err(csv_failure)
            }
            Sink::Jsonl(out) => {
                serde_json::to_writer(&mut *out, row)?;
                out.write_all(b"\n").map_err(Failure::from)
            }
            Sink::Json { out, first } => {
                out.write_all(if *first { b"[\n" } else { b",\n" })?;
                *first = false;
                serde_json::to_writer(&mut *out, row).map_err(Failure::from)
            }
            #[cfg(feature = "parquet")]
            Sink::Parquet(sink) => sink.write_row(row),
        }
    }

    /// Flushes, syncs and moves the file into place.
    pub fn finish(self) -> Result<()> {
        let mut out: Box<dyn Write> = match self.sink {
            Sink::Csv(w) => (*w)
                .into_inner()
                .map_err(|e| Failure::new(format!("cannot write the output: {}", e.error())))?,
            Sink::Jsonl(out) => out,
            Sink::Json { mut out, first } => {
                out.write_all(if first { b"[]\n" } else { b"\n]\n" })?;
                out
            }
            #[cfg(feature = "parquet")]
            Sink::Parquet(sink) => {
                sink.finish()?;
                Box::new(std::io::sink())
            }
        };
        out.flush()?;
        drop(out);
        if let Some((tmp, target)) = self.rename {
            File::open(&tmp).and_then(|f| f.sync_all())?;
            fs::rename(&tmp, &target).map_err(|e| {
                Failure::new(format!(
                    "cannot move the output into {}: {e}",
                    target.display()
                ))
            })?;
        }
        Ok(())
    }
}

#[cfg(feature = "parquet")]
fn parquet_sink(
    file: Option<File>,
    path: &str,
    columns: &[String],
    types: &ColumnTypes,
) -> Result<Sink> {
    let file = file.ok_or_else(|| {
        Failure::usage("Parquet cannot be written to standard output; name a .parquet file")
    })?;
    let sink = super::parquet::Sink::create(file, path, columns, types)?;
    Ok(Sink::Parquet(Box::new(sink)))
}

#[cfg(not(feature = "parquet"))]
fn parquet_sink(_: Option<File>, path: &str, _: &[String], _: &ColumnTypes) -> Result<Sink> {
    Err(Format::parquet(path).expect_err("a build without the parquet feature"))
}

/// Where a text format goes: the file, else stdout.
fn text_out(file: Option<File>) -> Box<dyn Write> {
    match file {
        Some(file) => Box::new(BufWriter::with_capacity(1 << 16, file)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    }
}

/// A JSON value as one CSV cell: strings as they are, null as empty,
/// anything else as JSON text.
fn cell(value: Option<&Value>) -> std::borrow::Cow<'_, str> {
    match value {
        None | Some(Value::Null) => "".into(),
        Some(Value::String(s)) => s.as_str().into(),
        Some(other) => other.to_string().into(),
    }
}

fn csv_failure(e: csv::Error) -> Failure {
    Failure::new(format!("cannot write the output: {e}"))
}
