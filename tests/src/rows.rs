//! The check every end-to-end test of `parallel-web enrich` makes of its
//! output table: each row got *its own* run's result. A row/run mix-up
//! (two rows' results swapped, a result filed under the wrong run id)
//! keeps every row "completed" with a plausible value, so counting rows and
//! statuses cannot see it; this check compares each row with what the
//! emulator itself holds for the run the row names.
//!
//! [`EmulatorProcess::runs_by_id`] reads, for every group that has runs,
//! the emulator's ledger (run id → the input the client sent, and the
//! run's status) and the runs' outputs (through the SDK, riding out any
//! injected faults). [`check_rows_got_their_own_results`] then checks each
//! output row against the run in its `_run_id` column.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures::StreamExt;
use parallel_web::{Client, RetryPolicy};
use serde_json::{Map, Value};

use crate::{EmulatorProcess, TEST_API_KEY};

/// The status columns the CLI adds after the enriched ones.
pub const STATUS_COLUMNS: [&str; 3] = ["_run_id", "_status", "_error"];

/// What the emulator holds for one run.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The `input` the client sent for it, exactly (from the ledger).
    pub input: Value,
    /// Its status (from the ledger).
    pub status: String,
    /// Its output content, for a completed run (from the group's runs).
    pub output: Option<Value>,
}

impl EmulatorProcess {
    /// Every run of every group that has runs, by run id: the ledger's
    /// input and status, and the output the API serves for it.
    pub async fn runs_by_id(&self) -> HashMap<String, RunRecord> {
        let stats = self.stats().await;
        let groups: Vec<String> = stats["runs_per_group"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, n)| n.as_u64().unwrap_or_default() > 0)
            .map(|(g, _)| g.clone())
            .collect();
        let mut runs = HashMap::new();
        for group in &groups {
            for entry in self.ledger(group).await {
                runs.insert(
                    entry.run_id,
                    RunRecord {
                        input: entry.run_input["input"].clone(),
                        status: entry.status,
                        output: None,
                    },
                );
            }
        }
        // Faults may be on (cut streams, 429s, 503s): retry quickly and often.
        let quick = RetryPolicy::default()
            .max_retries(12)
            .initial_delay(Duration::from_millis(5))
            .max_delay(Duration::from_millis(100));
        let client = Client::builder()
            .api_key(TEST_API_KEY)
            .base_url(self.base_url())
            .retry_policy(quick.clone())
            .stream_backoff(quick)
            .stream_max_reconnects(20)
            .build()
            .expect("a client for the emulator");
        for group in &groups {
            let mut stream = client
                .task_groups()
                .handle(group)
                .runs()
                .include_output()
                .typed::<Value, Value>()
                .await
                .unwrap_or_else(|e| panic!("open the runs of {group}: {e}"));
            while let Some(run) = stream.next().await {
                let run = run.unwrap_or_else(|e| panic!("read the runs of {group}: {e}"));
                if let Some(record) = runs.get_mut(&run.run.run_id) {
                    record.output = run.output;
                }
            }
        }
        runs
    }
}

/// Checks that every output row carries its own run's result, and returns
/// one line per broken promise (empty when all hold). For each row:
///
/// - its `_run_id` is a run of the emulator's, named by no other row;
/// - that run was sent exactly the row's content: the row minus
///   `enriched` and the status columns, or only `sent_columns` of it when
///   the command named its input columns;
/// - the row's `_status` is the run's;
/// - a completed row's `enriched` values are the run's output (a CSV
///   cell, being text, matches a number or boolean by its JSON text), and
///   each text value names one of the row's sent values (the emulator
///   derives its outputs from the input);
/// - any other row has no enriched value and says why in `_error`.
pub fn check_rows_got_their_own_results(
    runs: &HashMap<String, RunRecord>,
    rows: &[Map<String, Value>],
    enriched: &[&str],
    sent_columns: Option<&[&str]>,
) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut seen = HashSet::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let Some(run_id) = row.get("_run_id").and_then(Value::as_str) else {
            wrong.push(format!(
                "row {i} has no run id: {}",
                Value::Object(row.clone())
            ));
            continue;
        };
        if !seen.insert(run_id) {
            wrong.push(format!("row {i}: run {run_id} is also another row's"));
        }
        let Some(run) = runs.get(run_id) else {
            wrong.push(format!(
                "row {i}: run {run_id} is not in the emulator's ledger"
            ));
            continue;
        };
        let sent: Map<String, Value> = row
            .iter()
            .filter(|(k, _)| match sent_columns {
                Some(cols) => cols.contains(&k.as_str()),
                None => !enriched.contains(&k.as_str()) && !STATUS_COLUMNS.contains(&k.as_str()),
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if run.input != Value::Object(sent.clone()) {
            wrong.push(format!(
                "row {i}: its run {run_id} was sent {}, the row is {}",
                run.input,
                Value::Object(sent.clone())
            ));
        }
        let status = row.get("_status").and_then(Value::as_str).unwrap_or("");
        if status != run.status {
            wrong.push(format!(
                "row {i}: status {status:?}, its run {run_id} is {:?}",
                run.status
            ));
        }
        if run.status == "completed" {
            let Some(output) = &run.output else {
                wrong.push(format!("row {i}: its completed run {run_id} has no output"));
                continue;
            };
            for column in enriched {
                let theirs = match output {
                    Value::Object(m) => m.get(*column).cloned().unwrap_or(Value::Null),
                    text @ Value::String(_) if enriched.len() == 1 => text.clone(),
                    _ => Value::Null,
                };
                let ours = row.get(*column).cloned().unwrap_or(Value::Null);
                if !same_cell(&ours, &theirs) {
                    wrong.push(format!(
                        "row {i}: {column} is {ours}, its run {run_id} gave {theirs}"
                    ));
                }
                if let Value::String(text) = &theirs {
                    // The emulator writes free text as "<Field> for <subject>",
                    // the subject being one of the input's values.
                    let named = sent.values().any(|v| {
                        let value = match v {
                            Value::String(s) => s.clone(),
                            Value::Number(n) => n.to_string(),
                            _ => return false,
                        };
                        let subject: String = value.chars().take(80).collect();
                        text.ends_with(&format!(" for {subject}"))
                    });
                    if !named {
                        wrong.push(format!(
                            "row {i}: {column} {text:?} names none of the row's sent values"
                        ));
                    }
                }
            }
        } else {
            for column in enriched {
                let ours = row.get(*column).cloned().unwrap_or(Value::Null);
                if !same_cell(&ours, &Value::Null) {
                    wrong.push(format!(
                        "row {i}: {column} is {ours} though its run {run_id} is {}",
                        run.status
                    ));
                }
            }
            let error = row.get("_error").and_then(Value::as_str).unwrap_or("");
            if error.is_empty() {
                wrong.push(format!("row {i}: {status} with no _error"));
            }
        }
    }
    wrong
}

/// A table cell equals a JSON value: exactly, or as CSV writes it (text;
/// an empty cell for null).
fn same_cell(cell: &Value, value: &Value) -> bool {
    if cell == value {
        return true;
    }
    match (cell, value) {
        (Value::String(text), Value::Null) => text.is_empty(),
        (Value::String(_), Value::String(_)) => false,
        (Value::String(text), other) => {
            serde_json::from_str::<Value>(text).is_ok_and(|v| v == *other)
        }
        _ => false,
    }
}
