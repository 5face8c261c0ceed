//! The enrich workloads' files: the input table every CLI enriches, the
//! YAML config `parallel-cli enrich run` reads, and the check of an output
//! table (how many input rows it kept, and whether in input order).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use crate::clients::Client;

/// What one enrich sample left besides its cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// The CLI measured.
    pub client: Client,
    /// Its exit code.
    pub exit: i32,
    /// What its output table kept of the input.
    pub kept: Kept,
    /// CPU seconds the emulator used in the sample (its start included).
    pub emulator_cpu: Option<f64>,
}

/// The `i`-th input row's company name (every row distinct).
pub fn company_name(i: usize) -> String {
    format!("Company {i}")
}

/// Writes `rows` distinct rows of `company_name,company_website` to `path`.
pub fn write_input(path: &Path, rows: usize) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = BufWriter::new(file);
    let written = (|| {
        writeln!(out, "company_name,company_website")?;
        for i in 0..rows {
            writeln!(out, "{},company{i}.example", company_name(i))?;
        }
        out.flush()
    })();
    written.map_err(|e| format!("{}: {e}", path.display()))
}

/// The config `parallel-cli enrich run` reads for the same job as
/// `parallel-web enrich INPUT -o TARGET --processor lite --column 'ceo: CEO name'`.
pub fn parallel_cli_config(source: &Path, target: &Path) -> String {
    format!(
        "source_type: csv\nsource: \"{}\"\ntarget: \"{}\"\nprocessor: lite\n\
         source_columns:\n  - name: company_name\n    description: The company's name\n\
         \x20 - name: company_website\n    description: The company's website\n\
         enriched_columns:\n  - name: ceo\n    description: CEO name\n",
        source.display(),
        target.display()
    )
}

/// What an output table holds of the `rows` input rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept {
    /// Data rows in the output.
    pub rows: usize,
    /// Whether they are input rows in input order (by `company_name`; rows
    /// left out do not count against it, so with `rows` equal to the input's
    /// it means every row, in order).
    pub in_order: bool,
}

/// Reads the CSV table at `path` and checks its `company_name` column
/// against the input's.
pub fn check_output(path: &Path) -> Result<Kept, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    check_csv(BufReader::new(file)).map_err(|e| format!("{}: {e}", path.display()))
}

/// [`check_output`] on any reader.
pub fn check_csv(input: impl BufRead) -> Result<Kept, String> {
    let mut records = Records {
        input,
        line: String::new(),
    };
    let header = records.next_record()?.ok_or("empty output")?;
    let column = header
        .iter()
        .position(|h| h == "company_name")
        .ok_or_else(|| format!("no company_name column in {header:?}"))?;
    let mut kept = Kept {
        rows: 0,
        in_order: true,
    };
    // The input row the previous output row was, if any.
    let mut previous: Option<usize> = None;
    while let Some(record) = records.next_record()? {
        let name = record.get(column).map(String::as_str).unwrap_or("");
        let index = name
            .strip_prefix("Company ")
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|&i| company_name(i) == name);
        let follows = match (previous, index) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(p), Some(i)) => i > p,
        };
        kept.in_order &= follows;
        previous = index.or(previous);
        kept.rows += 1;
    }
    Ok(kept)
}

/// A small RFC 4180 reader: quoted fields may hold commas, doubled quotes
/// and line breaks.
struct Records<R> {
    input: R,
    line: String,
}

impl<R: BufRead> Records<R> {
    fn next_record(&mut self) -> Result<Option<Vec<String>>, String> {
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut started = false;
        loop {
            self.line.clear();
            let n = self
                .input
                .read_line(&mut self.line)
                .map_err(|e| e.to_string())?;
            if n == 0 {
                if quoted {
                    return Err("a quoted field runs to the end of the file".into());
                }
                if !started {
                    return Ok(None);
                }
                fields.push(field);
                return Ok(Some(fields));
            }
            started = true;
            let mut chars = self.line.chars().peekable();
            while let Some(c) = chars.next() {
                match (quoted, c) {
                    (true, '"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    (true, '"') => quoted = false,
                    (true, c) => field.push(c),
                    (false, '"') => quoted = true,
                    (false, ',') => fields.push(std::mem::take(&mut field)),
                    (false, '\r' | '\n') => {}
                    (false, c) => field.push(c),
                }
            }
            if !quoted {
                fields.push(field);
                return Ok(Some(fields));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_input_reads_back_as_every_row_in_order() {
        let dir = std::env::temp_dir().join(format!("pw-bench-enrich-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("in.csv");
        write_input(&path, 1000).unwrap();
        assert_eq!(
            check_output(&path),
            Ok(Kept {
                rows: 1000,
                in_order: true
            })
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn quoted_fields_with_commas_quotes_and_line_breaks_are_one_field() {
        let table = "company_website,company_name,ceo\n\
                     a,Company 0,\"Doe, \"\"Jane\"\"\nJr.\"\n\
                     b,\"Company 1\",x\r\n";
        assert_eq!(
            check_csv(table.as_bytes()),
            Ok(Kept {
                rows: 2,
                in_order: true
            })
        );
    }

    #[test]
    fn dropped_rows_are_counted_and_reordered_or_repeated_ones_are_out_of_order() {
        let dropped = "company_name\nCompany 0\nCompany 2\n";
        assert_eq!(
            check_csv(dropped.as_bytes()),
            Ok(Kept {
                rows: 2,
                in_order: true
            })
        );
        for table in [
            "company_name\nCompany 1\nCompany 0\n",
            "company_name\nCompany 0\nCompany 0\n",
            "company_name\nCompany 0\nCompany 01\n",
            "company_name\nCompany 0\nsomeone else\n",
        ] {
            assert!(!check_csv(table.as_bytes()).unwrap().in_order, "{table}");
        }
        assert!(check_csv("name\nCompany 0\n".as_bytes()).is_err());
    }
}
