//! Reading the input into the journal, with every check that needs the
//! rows: malformed rows (by line), missing input columns, input columns
//! named like output columns, rows over the spec+input size limit. Any of
//! these stops the tool before a single POST, listing the problems, so
//! that nothing is half-submitted.
//!
//! The input is read on every run, also a rerun: the journal matches its
//! rows to journaled runs by content (see `crate::journal`), so the output
//! always follows the current input.

use std::collections::HashSet;
use std::ops::ControlFlow;

use parallel_web::MAX_SPEC_AND_INPUT_CHARS;

use crate::enrich::plan::{Plan, STATUS_COLUMNS};
use crate::fail::{Failure, Result};
use crate::journal::{Journal, Matched};
use crate::table::Format;
use crate::table::read::{self, Item};

/// Rows written to the journal per transaction.
const ROWS_PER_COMMIT: usize = 5_000;
/// Problems listed in full; the rest are counted.
const PROBLEMS_SHOWN: usize = 20;

/// What reading the input came to.
pub struct Ingested {
    /// How its rows matched the journal.
    pub matched: Matched,
    /// The longest sent content of a row, in bytes (at least its length in
    /// characters, so a limit it keeps needs no closer look).
    pub longest_input: usize,
}

/// Reads the input into the journal, matching its rows to journaled runs.
pub fn ingest(plan: &Plan, format: Format, journal: &mut Journal) -> Result<Ingested> {
    journal.begin_ingest()?;
    let mut problems: Vec<String> = Vec::new();
    let mut problem_count = 0usize;
    let mut columns: Vec<String> = Vec::new();
    let mut seen_columns: HashSet<String> = HashSet::new();
    let mut pending = Vec::with_capacity(ROWS_PER_COMMIT);
    let mut count = 0u64;
    let mut longest_input = 0usize;
    let selected = &plan.input_columns;
    let mut report = |problems: &mut Vec<String>, text: String| {
        problem_count += 1;
        if problems.len() < PROBLEMS_SHOWN {
            problems.push(text);
        }
    };
    let header = read::for_each_row(&plan.input, format, |item: Item| {
        let row = match item {
            Ok(row) => row,
            Err(bad) => {
                report(&mut problems, format!("line {}: {}", bad.line, bad.message));
                return Ok(ControlFlow::Continue(()));
            }
        };
        for key in row.fields.keys() {
            if !seen_columns.contains(key) {
                seen_columns.insert(key.clone());
                columns.push(key.clone());
            }
        }
        if format == Format::Csv
            && let Some(missing) = selected.iter().find(|c| !row.fields.contains_key(*c))
        {
            return Err(missing_column(&plan.input, missing, row.fields.keys()));
        }
        // Every column sent, in file order (the usual case): the row as
        // read is its sent content, serialised once.
        let original = serde_json::to_string(&row.fields)?;
        let input = if plan.input_columns.is_empty() {
            original.clone()
        } else {
            serde_json::to_string(&plan.sent_content(row.fields))?
        };
        longest_input = longest_input.max(input.len());
        pending.push((count, row.line, original, input));
        count += 1;
        if pending.len() >= ROWS_PER_COMMIT {
            journal.insert_rows(&pending)?;
            pending.clear();
        }
        Ok(ControlFlow::Continue(()))
    })?;
    journal.insert_rows(&pending)?;
    if let Some(header) = header {
        columns = header;
    }
    if let Some(missing) = selected.iter().find(|c| !columns.contains(c)) {
        return Err(missing_column(&plan.input, missing, columns.iter()));
    }
    check_clashes(plan, &columns)?;
    if problem_count > 0 {
        return Err(problems_failure(
            &plan.input,
            "cannot be read",
            problems,
            problem_count,
        ));
    }
    if count == 0 {
        return Err(Failure::usage(format!("{}: no rows to enrich", plan.input)));
    }
    Ok(Ingested {
        matched: journal.finish_ingest(&columns)?,
        longest_input,
    })
}

/// Fails, naming them, if input columns are named like columns the tool
/// writes: the output would overwrite them without a word.
fn check_clashes(plan: &Plan, columns: &[String]) -> Result<()> {
    let clashes: Vec<String> = columns
        .iter()
        .filter(|c| plan.enriched.contains(c) || STATUS_COLUMNS.contains(&c.as_str()))
        .map(|c| format!("{c:?}"))
        .collect();
    if clashes.is_empty() {
        return Ok(());
    }
    let own = columns.iter().any(|c| STATUS_COLUMNS.contains(&c.as_str()));
    let mut text = format!(
        "{}: the input already has column(s) named like output columns: {}; the output would overwrite them, so nothing was sent; \
         rename those input columns, or name the added columns differently (--column other_name: ...)",
        plan.input,
        clashes.join(", ")
    );
    if own {
        text.push_str(
            "; an input that is the output of an earlier enrichment: drop its _run_id, _status and _error columns first",
        );
    }
    Err(Failure::usage(text))
}

/// Fails, listing them, if some rows' input plus the spec is over the
/// API's size limit. `longest_input` is [`Ingested::longest_input`]: when
/// it fits, no row needs counting.
pub fn check_sizes(plan: &Plan, journal: &Journal, longest_input: usize) -> Result<()> {
    let room = MAX_SPEC_AND_INPUT_CHARS.saturating_sub(plan.spec.len_chars());
    if longest_input <= room {
        return Ok(());
    }
    let (over, count) = journal.rows_longer_than(room as u64, PROBLEMS_SHOWN)?;
    if count == 0 {
        return Ok(());
    }
    let problems = over
        .into_iter()
        .map(|(line, chars)| {
            format!(
                "line {line}: the input is {chars} characters and the task spec {}; the API accepts at most {MAX_SPEC_AND_INPUT_CHARS} together",
                plan.spec.len_chars()
            )
        })
        .collect();
    Err(problems_failure(
        &plan.input,
        "are too long to send (shorten them, or send fewer columns with --input-columns)",
        problems,
        count as usize,
    ))
}

fn missing_column<'a>(
    input: &str,
    missing: &str,
    columns: impl Iterator<Item = &'a String>,
) -> Failure {
    let list: Vec<&str> = columns.map(String::as_str).collect();
    Failure::usage(format!(
        "{input}: there is no input column {missing:?}; its columns are: {}",
        list.join(", ")
    ))
}

fn problems_failure(input: &str, what: &str, shown: Vec<String>, count: usize) -> Failure {
    let more = count.saturating_sub(shown.len());
    let mut text = format!(
        "{input}: {count} row(s) {what}; nothing was sent:\n  {}",
        shown.join("\n  ")
    );
    if more > 0 {
        text.push_str(&format!("\n  ... and {more} more"));
    }
    Failure::usage(text)
}
