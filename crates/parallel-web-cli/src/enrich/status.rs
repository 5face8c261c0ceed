//! `enrich status`: where an enrichment stands, read from its journal
//! (opened read-only, so it is safe while another process works on it)
//! and, when a key is set, from the group itself; or from a group id alone.

use std::path::{Path, PathBuf};

use parallel_web::types::TaskGroupResponse;
use serde_json::json;

use crate::cli::Connection;
use crate::commands::print_json;
use crate::fail::{Failure, Result, to_stdout};
use crate::journal::Journal;

/// Prints the status of `target`: a journal, an output with a journal
/// beside it, or a group id.
pub async fn show(target: &str, json: bool, conn: &Connection) -> Result<()> {
    let Some(path) = journal_of(target) else {
        if target.starts_with("tgrp_") {
            let group = group_status(&crate::connect::client(conn)?, target).await?;
            return print(json, None, Some(group));
        }
        return Err(Failure::usage(format!(
            "{target}: no such journal ({target}.journal neither); name a journal, the output it belongs to, or a group id (tgrp_...)"
        )));
    };
    let journal = Journal::open_read_only(&path)?;
    let (rows, submitted) = journal.counts()?;
    let (results, completed) = journal.result_counts()?;
    let group_id = journal.meta("group_id")?;
    let local = json!({
        "journal": path.display().to_string(),
        "group_id": group_id,
        "rows": rows,
        "submitted": submitted,
        "results": results,
        "completed": completed,
        "failed": results - completed,
        "waiting": submitted - results,
    });
    // Without a key the journal's view is all there is.
    let group = match (&group_id, crate::connect::client(conn)) {
        (Some(id), Ok(client)) => Some(group_status(&client, id).await?),
        _ => None,
    };
    print(json, Some(local), group)
}

/// The journal `target` names: the file itself, or `<target>.journal`.
fn journal_of(target: &str) -> Option<PathBuf> {
    let direct = Path::new(target);
    if direct.is_file() && !Path::new(&format!("{target}.journal")).is_file() {
        return Some(direct.to_owned());
    }
    let beside = PathBuf::from(format!("{target}.journal"));
    beside.is_file().then_some(beside)
}

async fn group_status(client: &parallel_web::Client, id: &str) -> Result<TaskGroupResponse> {
    Ok(client.task_groups().handle(id).retrieve().await?)
}

fn print(
    json: bool,
    local: Option<serde_json::Value>,
    group: Option<TaskGroupResponse>,
) -> Result<()> {
    if json {
        return print_json(&json!({ "journal": local, "group": group }));
    }
    to_stdout(|out| {
        if let Some(l) = &local {
            writeln!(
                out,
                "journal: {}",
                l["journal"].as_str().unwrap_or_default()
            )?;
            if let Some(g) = l["group_id"].as_str() {
                writeln!(out, "group: {g}")?;
            }
            writeln!(
                out,
                "rows: {}, submitted: {}, results: {} (completed {}, failed {}), waiting for {}",
                l["rows"], l["submitted"], l["results"], l["completed"], l["failed"], l["waiting"]
            )?;
        }
        if let Some(g) = &group {
            let counts: Vec<String> = g
                .status
                .task_run_status_counts
                .iter()
                .map(|(status, n)| format!("{status} {n}"))
                .collect();
            writeln!(
                out,
                "group {}: {}, {} runs ({})",
                g.taskgroup_id,
                if g.status.is_active { "active" } else { "done" },
                g.status.num_task_runs,
                counts.join(", ")
            )?;
        }
        Ok(())
    })
}
