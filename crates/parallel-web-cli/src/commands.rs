//! The small subcommands: `groups create|status|wait|runs` and
//! `runs result`. Each prints JSON (runs as JSONL) on stdout. Also the
//! printers the other commands share: pretty JSON and aligned tables.

use std::io::Write;
use std::time::Duration;

use futures::StreamExt;
use parallel_web::types::TaskRunStatus;
use parallel_web::{Client, GroupEvent};
use serde::Serialize;
use serde_json::json;

use crate::cli::{GroupsCommand, RunsCommand};
use crate::fail::{Failure, Result, stdout_failure, to_stdout};

/// Runs a `groups` subcommand.
pub async fn groups(client: &Client, command: &GroupsCommand) -> Result<()> {
    let groups = client.task_groups();
    match command {
        GroupsCommand::Create { metadata } => {
            let entries = metadata
                .iter()
                .map(|kv| {
                    kv.split_once('=')
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .ok_or_else(|| {
                            Failure::usage(format!("--metadata {kv:?}: write it as key=value"))
                        })
                })
                .collect::<Result<Vec<_>>>()?;
            let group = groups.create().metadata(entries).send().await?;
            print_json(&group.info())
        }
        GroupsCommand::Status { id } => print_json(&groups.handle(id).retrieve().await?),
        GroupsCommand::Wait { id, max_wait } => {
            let status = groups
                .handle(id)
                .wait()
                .on_progress(|p| eprintln!("{p}"))
                .max_wait(Duration::from_secs(*max_wait))
                .await?;
            print_json(&status)
        }
        GroupsCommand::Runs {
            id,
            status,
            include_input,
            include_output,
        } => {
            let mut request = groups.handle(id).runs();
            if let Some(s) = status {
                request = request.status(run_status(s)?);
            }
            if *include_input {
                request = request.include_input();
            }
            if *include_output {
                request = request.include_output();
            }
            let mut runs = request.send().await?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            while let Some(event) = runs.next().await {
                if let GroupEvent::RunState(r) = event? {
                    let line = json!({
                        "run": r.run,
                        "input": r.input,
                        "output": r.output,
                        "event_id": r.event_id,
                    });
                    serde_json::to_writer(&mut out, &line)
                        .map_err(std::io::Error::from)
                        .and_then(|()| out.write_all(b"\n"))
                        .map_err(stdout_failure)?;
                }
            }
            out.flush().map_err(stdout_failure)
        }
    }
}

/// Runs a `runs` subcommand.
pub async fn runs(client: &Client, command: &RunsCommand) -> Result<()> {
    match command {
        RunsCommand::Result { id, max_wait } => {
            let result = client
                .task_runs()
                .result(id)
                .wait(Duration::from_secs(*max_wait))
                .await?;
            print_json(&result)
        }
    }
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json(value: &impl Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    to_stdout(|out| writeln!(out, "{text}"))
}

/// Rows as columns padded to their widest cell, two spaces apart.
pub fn print_table(rows: &[Vec<String>]) -> Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for row in rows {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(c);
            } else {
                line.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        writeln!(out, "{}", line.trim_end()).map_err(stdout_failure)?;
    }
    out.flush().map_err(stdout_failure)
}

/// The run status `--status` names; an unknown one is refused here rather
/// than sent (the SDK keeps unknown statuses, for statuses the API adds).
fn run_status(name: &str) -> Result<TaskRunStatus> {
    match TaskRunStatus::from(name) {
        TaskRunStatus::Other(_) => Err(Failure::usage(format!(
            "--status {name:?} is not a run status; use one of queued, action_required, running, completed, failed, cancelling, cancelled"
        ))),
        known => Ok(known),
    }
}
