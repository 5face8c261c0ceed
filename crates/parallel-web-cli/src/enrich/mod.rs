//! `parallel-web enrich`: one run per input row, results written back in
//! input order, resumable after any crash without creating a row twice.
//!
//! The steps, each in its own module: `plan.rs` decides what is sent,
//! `ingest.rs` reads and checks the input into the journal
//! (`crate::journal`, held by one process at a time: `crate::lock`),
//! `submit.rs` creates runs exactly once, `results.rs` waits and reads
//! results, and `write_output` below writes the table.

mod ingest;
pub(crate) mod plan;
mod results;
mod status;
mod submit;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use parallel_web::{Client, MAX_RUNS_PER_POST, RunInput};
use serde_json::{Map, Value};

use crate::cli::{Connection, EnrichArgs, EnrichCommand};
use crate::fail::{Failure, Result};
use crate::journal::{Journal, Matched, Stored};
use crate::lock::JournalLock;
use crate::progress::{Counts, Progress};
use crate::table::infer::Inferred;
use crate::table::write::{TableWriter, check_writable, remove_stale_partials};
use crate::table::{ColumnTypes, Format, read};
use plan::{Plan, STATUS_COLUMNS};
use submit::lock;

/// How an enrichment ended, for the exit status.
pub enum Outcome {
    /// Every row completed (exit 0).
    AllCompleted,
    /// Some rows failed; they are in the output with their error (exit 2).
    SomeFailed,
    /// `--no-wait`: every row was submitted, nothing collected yet (exit
    /// 0); also `enrich status`.
    Submitted,
}

/// Runs `parallel-web enrich`.
pub async fn run(args: &EnrichArgs, conn: &Connection) -> Result<Outcome> {
    if let Some(EnrichCommand::Status { target, json }) = &args.command {
        status::show(target, *json, conn).await?;
        return Ok(Outcome::Submitted);
    }
    let mut plan = Plan::from_args(args)?;
    let in_format = match plan.source_format {
        Some(format) => format,
        None => Format::of(&plan.input)?,
    };
    let out_format = Format::of(&plan.output)?;
    if args.dry_run {
        dry_run(&mut plan, in_format)?;
        return Ok(Outcome::AllCompleted);
    }
    let client = crate::connect::client(conn)?;
    check_writable(&plan.output)?;
    if plan.input != "-" && !std::path::Path::new(&plan.input).is_file() {
        return Err(Failure::usage(format!(
            "cannot read the input {}: no such file",
            plan.input
        )));
    }

    let journal_path = journal_path(args, &plan);
    refuse_overwriting_input(&plan, &journal_path)?;
    // Held until this function returns, on every path.
    let held = JournalLock::acquire(&journal_path)?;
    remove_stale_partials(&plan.output)?;
    let existed = !args.fresh && journal_path.exists();
    let mut journal = Journal::open(&journal_path, args.fresh)?;
    let progress = Arc::new(Mutex::new(Progress::new(args.quiet)));
    lock(&progress).note(&format!("journal: {}", journal_path.display()));
    journal.bind_command(&plan.identity())?;

    let checked = ingest::ingest(&plan, in_format, &mut journal).and_then(|read| {
        plan.with_input_columns(&journal.columns()?)?;
        ingest::check_sizes(&plan, &journal, read.longest_input)?;
        Ok(read.matched)
    });
    let matched = match checked {
        Ok(m) => m,
        Err(refused) if !existed => {
            // Nothing was sent: leave nothing behind either.
            drop(journal);
            if Journal::remove(&journal_path).is_ok() {
                held.remove();
            }
            return Err(refused);
        }
        Err(refused) => return Err(refused),
    };
    let Matched { rows, .. } = matched;
    if existed {
        lock(&progress).note(&format!(
            "input: {rows} rows: {} reused, {} new; {} journaled rows are not in this input",
            matched.reused, matched.new, matched.dropped
        ));
    }

    let group = match journal.meta("group_id")? {
        Some(id) => client.task_groups().handle(&id),
        None => {
            let group = client
                .task_groups()
                .create()
                .metadata(plan.metadata.iter().cloned())
                .send()
                .await?;
            journal.set_meta("group_id", group.id())?;
            group
        }
    };
    lock(&progress).note(&format!("group: {}", group.id()));
    let (_, submitted) = journal.counts()?;
    lock(&progress).set(Counts {
        rows,
        submitted,
        ..Counts::default()
    });

    submit::submit_all(
        &group,
        &mut journal,
        &plan,
        &progress,
        client.settle_window(),
    )
    .await?;
    if args.no_wait {
        let p = lock(&progress);
        p.finish();
        p.note(&format!(
            "submitted: {rows} rows in group {}; run the same command without --no-wait to collect the results (`parallel-web enrich status {}` shows where they stand)",
            group.id(),
            journal_path.display()
        ));
        drop(p);
        crate::fail::to_stdout(|out| writeln!(out, "{}", group.id()))?;
        return Ok(Outcome::Submitted);
    }
    results::collect(&group, &mut journal, &progress, plan.basis).await?;
    lock(&progress).finish();

    let failed = write_output(&plan, in_format, out_format, &journal)?;
    let p = lock(&progress);
    if failed == 0 {
        p.note(&format!("done: {rows} rows enriched into {}", plan.output));
        Ok(Outcome::AllCompleted)
    } else {
        p.note(&format!(
            "done: {} of {rows} rows enriched into {}; {failed} failed (see their _error column)",
            rows - failed,
            plan.output
        ));
        Ok(Outcome::SomeFailed)
    }
}

/// Fails unless the output and the journal are files other than the
/// input: named directly, through a symlink or by a hard link, writing
/// them would replace the input.
fn refuse_overwriting_input(plan: &Plan, journal: &Path) -> Result<()> {
    if plan.input == "-" {
        return Ok(());
    }
    let is_input = |path: &Path| same_file::is_same_file(&plan.input, path).unwrap_or(false);
    if plan.output != "-" && is_input(Path::new(&plan.output)) {
        return Err(Failure::usage(format!(
            "the output {} is the input {} (the same file, or a link to it): writing it would replace the input; name another output file with -o",
            plan.output, plan.input
        )));
    }
    if is_input(journal) {
        return Err(Failure::usage(format!(
            "the journal {} is the input {}: name another file with --journal",
            journal.display(),
            plan.input
        )));
    }
    Ok(())
}

/// `--journal`, else `<output>.journal` beside the output, else (for
/// stdout) a file in the temporary directory named after the input.
fn journal_path(args: &EnrichArgs, plan: &Plan) -> PathBuf {
    if let Some(p) = &args.journal {
        return p.clone();
    }
    if plan.output != "-" {
        return PathBuf::from(format!("{}.journal", plan.output));
    }
    let stem = std::path::Path::new(&plan.input)
        .file_name()
        .map_or("stdin".into(), |n| n.to_string_lossy().into_owned());
    std::env::temp_dir().join(format!("parallel-web-enrich-{stem}.journal"))
}

/// Writes the table in input order: original columns, enriched columns,
/// their basis columns (`--basis`), then `_run_id`, `_status`, `_error`.
/// Returns how many rows did not complete.
fn write_output(plan: &Plan, in_format: Format, format: Format, journal: &Journal) -> Result<u64> {
    let mut columns = journal.columns()?;
    let basis_columns = plan.basis_columns();
    for c in plan
        .enriched
        .iter()
        .map(String::as_str)
        .chain(basis_columns.iter().map(String::as_str))
        .chain(STATUS_COLUMNS)
    {
        if !columns.iter().any(|x| x == c) {
            columns.push(c.to_owned());
        }
    }
    let types = match format {
        Format::Parquet => output_types(plan, in_format, journal)?,
        _ => ColumnTypes::default(),
    };
    let mut writer = TableWriter::create(&plan.output, format, columns, &types)?;
    let mut failed = 0;
    journal.for_each_row(|row: Stored| {
        let mut out: Map<String, Value> = serde_json::from_str(&row.original)?;
        let content: Option<Value> = row
            .output
            .as_deref()
            .map(serde_json::from_str)
            .transpose()?;
        for c in &plan.enriched {
            let v = match &content {
                Some(Value::Object(m)) => m.get(c).cloned().unwrap_or(Value::Null),
                Some(Value::String(s)) if plan.enriched.len() == 1 => Value::String(s.clone()),
                _ => Value::Null,
            };
            out.insert(c.clone(), v);
        }
        if plan.basis {
            add_basis(&mut out, plan, row.basis.as_deref(), format)?;
        }
        let status = row.status.unwrap_or_else(|| "unknown".into());
        if status != "completed" {
            failed += 1;
        }
        let error = match (&row.error, status.as_str()) {
            (Some(e), _) => Value::String(e.clone()),
            (None, "completed") => Value::Null,
            (None, _) => Value::String(format!("the run ended as {status}")),
        };
        out.insert(
            "_run_id".into(),
            row.run_id.map_or(Value::Null, Value::String),
        );
        out.insert("_status".into(), Value::String(status));
        out.insert("_error".into(), error);
        writer.write_row(&out)
    })?;
    writer.finish()?;
    Ok(failed)
}

/// The column types of a typed output: the input's own (Parquet input),
/// inferred from its values (JSON input, one more pass over the journal)
/// or text (CSV input); the added columns' from their JSON Schema; text
/// for the rest (a list of text for `_citations`).
fn output_types(plan: &Plan, in_format: Format, journal: &Journal) -> Result<ColumnTypes> {
    let mut types = ColumnTypes::default();
    match in_format {
        Format::Parquet => types.parquet_source = Some(plan.input.clone()),
        Format::Json | Format::Jsonl => {
            let mut inferred = Inferred::default();
            journal.for_each_row(|row: Stored| {
                inferred.observe(&serde_json::from_str(&row.original)?);
                Ok(())
            })?;
            types.schemas = inferred.schemas();
        }
        Format::Csv => {}
    }
    types.schemas.extend(plan.enriched_schemas());
    let [citations, _] = plan::BASIS_SUFFIXES;
    for c in &plan.enriched {
        types.schemas.insert(
            format!("{c}{citations}"),
            serde_json::json!({ "type": "array", "items": { "type": "string" } }),
        );
    }
    Ok(types)
}

/// Sets each added column's `_citations` and `_confidence` from a run's
/// basis (JSON as the API sent it): the cited URLs, in CSV as one cell
/// separated by spaces, elsewhere as an array; the confidence as given.
/// Both are null for a column the basis does not mention.
fn add_basis(
    out: &mut Map<String, Value>,
    plan: &Plan,
    basis: Option<&str>,
    format: Format,
) -> Result<()> {
    let fields: Vec<Value> = match basis {
        Some(json) => serde_json::from_str(json)?,
        None => Vec::new(),
    };
    for c in &plan.enriched {
        let field = fields
            .iter()
            .find(|f| f.get("field").and_then(Value::as_str) == Some(c.as_str()));
        let urls: Vec<&str> = field
            .and_then(|f| f.get("citations"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|citation| citation.get("url").and_then(Value::as_str))
            .collect();
        let citations = match (field, format) {
            (None, _) => Value::Null,
            (Some(_), Format::Csv) => Value::String(urls.join(" ")),
            (Some(_), _) => Value::from(urls),
        };
        let confidence = field
            .and_then(|f| f.get("confidence"))
            .cloned()
            .unwrap_or(Value::Null);
        let [citations_suffix, confidence_suffix] = plan::BASIS_SUFFIXES;
        out.insert(format!("{c}{citations_suffix}"), citations);
        out.insert(format!("{c}{confidence_suffix}"), confidence);
    }
    Ok(())
}

/// Prints the task spec and the first POST body, as the SDK would build
/// it (`AddRuns::preview`); reads only the rows that body needs and sends
/// nothing, so it needs no API key.
fn dry_run(plan: &mut Plan, format: Format) -> Result<()> {
    let mut inputs = Vec::new();
    let mut columns = Vec::new();
    let header = read::for_each_row(&plan.input, format, |item| {
        let row = item.map_err(|bad| {
            Failure::usage(format!(
                "{}: line {}: {}",
                plan.input, bad.line, bad.message
            ))
        })?;
        for k in row.fields.keys() {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
        inputs.push(RunInput::new(Value::Object(plan.sent_content(row.fields))));
        // One POST's worth is all a preview shows.
        Ok(if inputs.len() >= MAX_RUNS_PER_POST {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    })?;
    plan.with_input_columns(&header.unwrap_or(columns))?;
    // A placeholder client: a preview builds bodies and sends nothing.
    let client = Client::builder().api_key("dry-run").build()?;
    let group = client.task_groups().handle("<group>");
    let bodies = submit::add_runs(&group, inputs, plan).preview()?;
    let spec = serde_json::to_string_pretty(&plan.spec.to_json())?;
    let body = bodies
        .first()
        .map(serde_json::to_string_pretty)
        .transpose()?;
    crate::fail::to_stdout(|out| {
        writeln!(out, "task spec:\n{spec}")?;
        writeln!(out, "first POST /v1/tasks/groups/<group>/runs body:")?;
        if let Some(body) = body {
            writeln!(out, "{body}")?;
        }
        Ok(())
    })
}
