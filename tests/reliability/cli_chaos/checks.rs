//! The input table of the CLI chaos run, and the checks of what a finished
//! run left: the emulator's ledger (exactly one run per row), the output
//! table (every row, in input order, each with its own run's result) and
//! the directory (no temporary output file left behind).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use parallel_web::{Client, RetryPolicy};
use parallel_web_tests::{EmulatorProcess, TEST_API_KEY};
use serde_json::Value;

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

    // The ledger of every group that has runs: run id -> (sent name, status).
    let mut ledger: HashMap<String, (String, String)> = HashMap::with_capacity(rows.len());
    let mut group_ids = Vec::new();
    for (group, count) in stats["runs_per_group"].as_object().into_iter().flatten() {
        if count.as_u64().unwrap_or_default() == 0 {
            continue;
        }
        group_ids.push(group.clone());
        for entry in emulator.ledger(group).await {
            let input = &entry.run_input["input"];
            let name = match input.as_object().map(|o| (o.len(), o.get("name"))) {
                Some((1, Some(Value::String(name)))) => name.clone(),
                _ => {
                    problems.push(format!(
                        "run {} was sent {input}, not a row's name alone",
                        entry.run_id
                    ));
                    continue;
                }
            };
            ledger.insert(entry.run_id, (name, entry.status));
        }
    }

    // Exactly one run per row: each name as many times as rows have it.
    let mut expected: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        *expected.entry(r.name.as_str()).or_default() += 1;
    }
    let mut created: HashMap<&str, usize> = HashMap::with_capacity(expected.len());
    for (name, _) in ledger.values() {
        *created.entry(name.as_str()).or_default() += 1;
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

    let outputs = run_outputs(emulator, &group_ids).await;
    let failed = check_output(dir, rows, &ledger, &outputs, problems);
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

/// Every output row, in input order, is its row, with a run of its own
/// whose sent content is the row's, the run's final status, and the run's
/// own output (which, for this emulator, names the row's content).
/// Returns the failed rows.
fn check_output(
    dir: &Path,
    rows: &[Row],
    ledger: &HashMap<String, (String, String)>,
    outputs: &HashMap<String, String>,
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
    let mut seen_runs: HashSet<String> = HashSet::with_capacity(rows.len());
    let mut failed = 0;
    let mut count = 0;
    for (i, record) in reader.records().enumerate() {
        count += 1;
        let Ok(record) = record else {
            wrong.push(format!("output row {i} is not CSV"));
            continue;
        };
        let field = |k: usize| record.get(k).unwrap_or_default();
        let (id, name, ceo, run_id, status, error) =
            (field(0), field(1), field(2), field(3), field(4), field(5));
        let Some(row) = rows.get(i) else {
            wrong.push(format!("output row {i} ({id}) is one row too many"));
            continue;
        };
        if id != row.id || name != row.name {
            wrong.push(format!("output row {i} is {id} {name:?}, not {}", row.id));
            continue;
        }
        if !seen_runs.insert(run_id.to_owned()) {
            wrong.push(format!("{id}: run {run_id:?} is also another row's"));
        }
        let Some((sent, run_status)) = ledger.get(run_id) else {
            wrong.push(format!("{id}: run {run_id:?} is not in the ledger"));
            continue;
        };
        if sent != name {
            wrong.push(format!("{id}: run {run_id} was created for {sent:?}"));
        }
        if status != run_status {
            wrong.push(format!(
                "{id}: status {status:?}, its run is {run_status:?}"
            ));
        }
        if run_status == "completed" {
            let theirs = outputs.get(run_id).map_or("<no output>", String::as_str);
            if ceo != theirs || !ceo.contains(name) {
                wrong.push(format!(
                    "{id}: ceo {ceo:?}, its run's output is {theirs:?} (for {name:?})"
                ));
            }
        } else {
            failed += 1;
            if error.is_empty() || !ceo.is_empty() {
                wrong.push(format!(
                    "{id}: {status} with ceo {ceo:?} and error {error:?}"
                ));
            }
        }
    }
    if count != rows.len() {
        wrong.push(format!("{count} output rows for {} input rows", rows.len()));
    }
    if !wrong.is_empty() {
        problems.push(format!(
            "{} output rows are wrong: {}",
            wrong.len(),
            shorten(&wrong)
        ));
    }
    failed
}

/// The `ceo` the emulator gave each completed run of these groups, read
/// with a client that rides out the injected faults.
async fn run_outputs(emulator: &EmulatorProcess, groups: &[String]) -> HashMap<String, String> {
    let quick = RetryPolicy::default()
        .max_retries(12)
        .initial_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(100));
    let client = Client::builder()
        .api_key(TEST_API_KEY)
        .base_url(emulator.base_url())
        .retry_policy(quick.clone())
        .stream_backoff(quick)
        .stream_max_reconnects(20)
        .build()
        .expect("client");
    let mut outputs = HashMap::new();
    for group in groups {
        let mut runs = client
            .task_groups()
            .handle(group)
            .runs()
            .include_output()
            .typed::<Value, Value>()
            .await
            .unwrap_or_else(|e| panic!("open the runs of {group}: {e}"));
        while let Some(run) = runs.next().await {
            let run = run.unwrap_or_else(|e| panic!("read the runs of {group}: {e}"));
            if let Some(ceo) = run.output.as_ref().and_then(|o| o["ceo"].as_str()) {
                outputs.insert(run.run.run_id.clone(), ceo.to_owned());
            }
        }
    }
    outputs
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
