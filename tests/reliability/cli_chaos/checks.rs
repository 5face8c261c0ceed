//! The input table of the CLI chaos run, and the checks of what a finished
//! run left: the emulator's ledger (exactly one run per row), the output
//! table (every row, in input order, each with its own run's result) and
//! the directory (no temporary output file left behind).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use parallel_web_tests::{EmulatorProcess, RunRecord, check_rows_got_their_own_results};
use serde_json::{Map, Value};

/// Columns of the output: the input's, the added one, the status columns.
const OUTPUT_COLUMNS: [&str; 6] = ["id", "name", "ceo", "_run_id", "_status", "_error"];

/// One input row. Only `name` is sent (`--input-columns name`), so the
/// ledger knows rows by their name.
pub struct Row {
    /// Distinct per row: `r-000042`.
    pub id: String,
    /// The sent content: `Company 000042` for row 42, the row's own (its
    /// id's number is in it); every 20th row instead shares one of 25
    /// `Twin Co NN` names with other rows, so identical content is sent
    /// more than once and each copy must still get a run of its own.
    pub name: String,
}

/// The `n` rows of the input table.
pub fn rows(n: usize) -> Vec<Row> {
    (0..n)
        .map(|i| Row {
            id: format!("r-{i:06}"),
            name: if i % 20 == 19 {
                format!("Twin Co {:02}", (i / 20) % 25)
            } else {
                format!("Company {i:06}")
            },
        })
        .collect()
}

/// Writes `rows` as `in.csv` in `dir`.
pub fn write_input(dir: &Path, rows: &[Row]) {
    let mut text = String::with_capacity(rows.len() * 32);
    text.push_str("id,name\n");
    for r in rows {
        text.push_str(&format!("{},{}\n", r.id, r.name));
    }
    std::fs::write(dir.join("in.csv"), text).expect("write the input table");
}

/// What the checks counted.
pub struct Counted {
    /// Runs the emulator created in all.
    pub runs_created: u64,
    /// Groups the emulator created (one holds the runs; a process killed
    /// between creating its group and journaling it leaves an empty one).
    pub groups: u64,
    /// Rows whose run failed (the emulator's `--failure-rate`).
    pub failed: usize,
}

/// Checks everything a finished run must have left, given the last exit
/// code; each broken promise is one line of `problems`.
pub async fn finished_run(
    emulator: &EmulatorProcess,
    dir: &Path,
    rows: &[Row],
    exit_code: i32,
    problems: &mut Vec<String>,
) -> Counted {
    let stats = emulator.stats().await;
    let runs_created = stats["runs_created"].as_u64().unwrap_or_default();
    let groups = stats["groups"].as_u64().unwrap_or_default();
    if runs_created != rows.len() as u64 {
        problems.push(format!(
            "the emulator created {runs_created} runs for {} rows",
            rows.len()
        ));
    }

    // Every run of every group that has runs: the ledger's input and
    // status, and the output the API serves for it.
    let runs = emulator.runs_by_id().await;
    let mut sent_names: Vec<&str> = Vec::with_capacity(runs.len());
    for (run_id, run) in &runs {
        match run.input.as_object().map(|o| (o.len(), o.get("name"))) {
            Some((1, Some(Value::String(name)))) => sent_names.push(name),
            _ => problems.push(format!(
                "run {run_id} was sent {}, not a row's name alone",
                run.input
            )),
        }
    }

    // Exactly one run per row: each name as many times as rows have it.
    let mut expected: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        *expected.entry(r.name.as_str()).or_default() += 1;
    }
    let mut created: HashMap<&str, usize> = HashMap::with_capacity(expected.len());
    for name in sent_names {
        *created.entry(name).or_default() += 1;
    }
    let mut wrong: Vec<String> = expected
        .iter()
        .filter(|(name, want)| created.get(*name).copied().unwrap_or_default() != **want)
        .map(|(name, want)| {
            let got = created.get(name).copied().unwrap_or_default();
            format!("{name}: {got} runs for {want} rows")
        })
        .collect();
    wrong.extend(
        created
            .keys()
            .filter(|name| !expected.contains_key(*name))
            .map(|name| format!("{name}: a run for no row")),
    );
    if !wrong.is_empty() {
        problems.push(format!(
            "{} names do not have one run per row: {}",
            wrong.len(),
            shorten(&wrong)
        ));
    }

    let failed = check_output(dir, rows, &runs, problems);
    let want_code = if failed > 0 { 2 } else { 0 };
    if exit_code != want_code {
        problems.push(format!(
            "the finishing run exited {exit_code}; with {failed} failed rows it should be {want_code}"
        ));
    }
    let partial: Vec<String> = std::fs::read_dir(dir)
        .expect("list the run's directory")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".partial-"))
        .collect();
    if !partial.is_empty() {
        problems.push(format!("temporary output files left behind: {partial:?}"));
    }
    Counted {
        runs_created,
        groups,
        failed,
    }
}

/// Every output row, in input order, is its row, and carries its own
/// run's result (the shared check: a run of its own, sent the row's name,
/// with the row's status and the row's `ceo` as its output). Returns the
/// failed rows.
fn check_output(
    dir: &Path,
    rows: &[Row],
    runs: &HashMap<String, RunRecord>,
    problems: &mut Vec<String>,
) -> usize {
    let mut reader = match csv::Reader::from_path(dir.join("out.csv")) {
        Ok(r) => r,
        Err(e) => {
            problems.push(format!("no output table: {e}"));
            return 0;
        }
    };
    let header: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(str::to_owned).collect())
        .unwrap_or_default();
    if header != OUTPUT_COLUMNS {
        problems.push(format!("output columns {header:?}, not {OUTPUT_COLUMNS:?}"));
        return 0;
    }
    let mut wrong = Vec::new();
    let mut table = Vec::with_capacity(rows.len());
    for (i, record) in reader.records().enumerate() {
        let Ok(record) = record else {
            wrong.push(format!("output row {i} is not CSV"));
            continue;
        };
        let row: Map<String, Value> = OUTPUT_COLUMNS
            .iter()
            .zip(record.iter())
            .map(|(k, v)| ((*k).to_owned(), Value::String(v.to_owned())))
            .collect();
        let (id, name) = (&row["id"], &row["name"]);
        match rows.get(i) {
            None => wrong.push(format!("output row {i} ({id}) is one row too many")),
            Some(r) if *id != r.id.as_str() || *name != r.name.as_str() => {
                wrong.push(format!("output row {i} is {id} {name}, not {}", r.id));
            }
            Some(_) => {}
        }
        table.push(row);
    }
    if table.len() != rows.len() {
        wrong.push(format!(
            "{} output rows for {} input rows",
            table.len(),
            rows.len()
        ));
    }
    wrong.extend(check_rows_got_their_own_results(
        runs,
        &table,
        &["ceo"],
        Some(&["name"]),
    ));
    if !wrong.is_empty() {
        problems.push(format!(
            "{} output rows are wrong: {}",
            wrong.len(),
            shorten(&wrong)
        ));
    }
    table.iter().filter(|r| r["_status"] != "completed").count()
}

/// The first few items of a long list, and how many more there are.
fn shorten(items: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut text = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > SHOWN {
        text.push_str(&format!("; and {} more", items.len() - SHOWN));
    }
    text
}
