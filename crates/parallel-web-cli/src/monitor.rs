//! `monitor create|list|get|update|cancel|trigger|events`: monitors over
//! the SDK's `client.monitors()`. One line per monitor or event on stdout
//! (JSON with `--json`; lists as JSONL, every page read); confirmations
//! of what was done go to stderr.

use std::io::Write;

use futures::StreamExt;
use parallel_web::types::{
    CreateMonitorRequestProcessor, MonitorListStatusItem, MonitorListTypeItem, MonitorResponse,
    UpdateMonitorRequestProcessor,
};
use parallel_web::{Client, MonitorEvent};
use serde_json::Value;

use crate::cli::{MonitorCommand, MonitorCreateArgs, MonitorUpdateArgs};
use crate::commands::{print_json, print_table};
use crate::enrich::plan::{metadata_pairs, schema_of_columns};
use crate::fail::{Failure, Result, stdout_failure, to_stdout};

/// Runs a `monitor` subcommand.
pub async fn monitor(client: &Client, command: &MonitorCommand) -> Result<()> {
    let monitors = client.monitors();
    match command {
        MonitorCommand::Create(args) => create(client, args).await,
        MonitorCommand::List {
            types,
            statuses,
            json,
        } => {
            let types = types
                .iter()
                .map(|t| {
                    t.parse::<MonitorListTypeItem>().map_err(|_| {
                        Failure::usage(format!(
                            "--type {t:?} is not a monitor type; use event_stream or snapshot"
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let statuses = statuses
                .iter()
                .map(|s| {
                    s.parse::<MonitorListStatusItem>().map_err(|_| {
                        Failure::usage(format!(
                            "--status {s:?} is not a monitor status; use active or cancelled"
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let mut stream = monitors.list().types(types).statuses(statuses).stream();
            let mut rows = vec![header()];
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            while let Some(m) = stream.next().await {
                let m = m?;
                if *json {
                    serde_json::to_writer(&mut out, &m)
                        .map_err(std::io::Error::from)
                        .and_then(|()| out.write_all(b"\n"))
                        .map_err(stdout_failure)?;
                } else {
                    rows.push(row(&m));
                }
            }
            out.flush().map_err(stdout_failure)?;
            drop(out);
            if !*json {
                if rows.len() > 1 {
                    print_table(&rows)?;
                }
                eprintln!("{} monitor(s)", rows.len() - 1);
            }
            Ok(())
        }
        MonitorCommand::Get { id, json } => {
            let m = monitors.monitor(id).retrieve().await?;
            print_monitor(&m, *json)
        }
        MonitorCommand::Update(args) => update(client, args).await,
        MonitorCommand::Cancel { id, json } => {
            let m = monitors.monitor(id).cancel().await?;
            eprintln!("monitor {id} cancelled");
            if *json { print_json(&m) } else { Ok(()) }
        }
        MonitorCommand::Trigger { id } => {
            monitors.monitor(id).trigger().await?;
            eprintln!(
                "monitor {id} triggered; `parallel-web monitor events {id}` lists what it finds"
            );
            Ok(())
        }
        MonitorCommand::Events {
            id,
            event_group,
            include_completions,
            json,
        } => {
            let mut request = monitors
                .monitor(id)
                .events()
                .include_completions(*include_completions);
            if let Some(group) = event_group {
                request = request.event_group_id(group);
            }
            let mut events = request.stream();
            let mut count = 0u64;
            while let Some(event) = events.next().await {
                let value = event_json(&event?)?;
                count += 1;
                let line = if *json {
                    serde_json::to_string(&value)?
                } else {
                    event_line(&value)
                };
                to_stdout(|out| writeln!(out, "{line}"))?;
            }
            eprintln!("{count} event(s)");
            Ok(())
        }
    }
}

async fn create(client: &Client, args: &MonitorCreateArgs) -> Result<()> {
    let mut create = client.monitors().create().frequency(&args.frequency);
    create = match (&args.snapshot, &args.query) {
        (Some(run), _) => create.snapshot(run),
        (None, Some(query)) => create.event_stream(query),
        (None, None) => {
            return Err(Failure::usage(
                "say what to watch: a query, or --snapshot RUN_ID",
            ));
        }
    };
    if let Some(p) = &args.processor {
        create = create.processor(p.parse::<CreateMonitorRequestProcessor>().map_err(|_| {
            Failure::usage(format!("--processor {p:?}: a monitor's is lite or base"))
        })?);
    }
    if let Some(schema) = schema_of_columns(&args.columns)? {
        create = create.output_schema(schema);
    }
    if let Some(url) = &args.webhook {
        create = create.webhook(url, []);
    }
    for (k, v) in metadata_pairs(&args.metadata)? {
        create = create.metadata(k, v);
    }
    let m = create.await?;
    let info = m
        .info()
        .ok_or_else(|| Failure::new("the API did not return the monitor it created"))?;
    if args.json {
        print_json(info)
    } else {
        eprintln!("monitor created ({}, every {})", info.type_, info.frequency);
        to_stdout(|out| writeln!(out, "{}", info.monitor_id))
    }
}

async fn update(client: &Client, args: &MonitorUpdateArgs) -> Result<()> {
    let mut update = client.monitors().monitor(&args.id).update();
    if let Some(f) = &args.frequency {
        update = update.frequency(f);
    }
    if let Some(p) = &args.processor {
        update = update.processor(p.parse::<UpdateMonitorRequestProcessor>().map_err(|_| {
            Failure::usage(format!("--processor {p:?}: a monitor's is lite or base"))
        })?);
    }
    if let Some(url) = &args.webhook {
        update = update.webhook(url, []);
    }
    if args.no_webhook {
        update = update.remove_webhook();
    }
    if !args.metadata.is_empty() {
        update = update.metadata(metadata_pairs(&args.metadata)?);
    }
    if args.no_metadata {
        update = update.remove_metadata();
    }
    let m = update.await?;
    print_monitor(&m, args.json)
}

fn header() -> Vec<String> {
    ["ID", "TYPE", "STATUS", "FREQUENCY", "WATCHES"]
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// A monitor as a table row.
fn row(m: &MonitorResponse) -> Vec<String> {
    vec![
        m.monitor_id.clone(),
        m.type_.to_string(),
        m.status.to_string(),
        m.frequency.clone(),
        watches(m),
    ]
}

/// What a monitor watches: its query, or the task run of a snapshot.
fn watches(m: &MonitorResponse) -> String {
    let settings = serde_json::to_value(&m.settings).unwrap_or_default();
    settings
        .get("task_run_id")
        .or_else(|| settings.get("query"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn print_monitor(m: &MonitorResponse, json: bool) -> Result<()> {
    if json {
        return print_json(m);
    }
    to_stdout(|out| {
        writeln!(out, "{}", m.monitor_id)?;
        writeln!(out, "  type:      {}", m.type_)?;
        writeln!(out, "  status:    {}", m.status)?;
        writeln!(out, "  frequency: {}", m.frequency)?;
        writeln!(out, "  processor: {}", m.processor)?;
        writeln!(out, "  watches:   {}", watches(m))?;
        if let Some(last) = &m.last_run_at {
            writeln!(out, "  last run:  {last}")?;
        }
        if let Some(w) = &m.webhook {
            writeln!(out, "  webhook:   {}", w.url)?;
        }
        for (k, v) in m.metadata.iter().flatten() {
            writeln!(out, "  metadata:  {k}={v}")?;
        }
        Ok(())
    })
}

/// An event as the JSON the API sent (an unknown kind as it came).
fn event_json(event: &MonitorEvent) -> Result<Value> {
    Ok(match event {
        MonitorEvent::Event(e) => serde_json::to_value(e)?,
        MonitorEvent::Snapshot(e) => serde_json::to_value(e)?,
        MonitorEvent::Completion(e) => serde_json::to_value(e)?,
        MonitorEvent::Error(e) => serde_json::to_value(e)?,
        MonitorEvent::Unknown { raw, .. } => serde_json::from_str(raw)?,
        other => serde_json::json!({"event_type": "unknown", "debug": format!("{other:?}")}),
    })
}

/// An event on one line: its date, kind, check and output.
fn event_line(e: &Value) -> String {
    let text = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default();
    let when = [text("event_date"), text("timestamp")]
        .into_iter()
        .find(|t| !t.is_empty())
        .unwrap_or("-");
    let group = [text("event_group_id"), text("monitor_group_id")]
        .into_iter()
        .find(|t| !t.is_empty())
        .unwrap_or("-");
    let what = match text("event_type") {
        "error" => text("error_message").to_owned(),
        "event_stream" => content(e.get("output")),
        "snapshot" => content(e.get("changed_output")),
        _ => String::new(),
    };
    format!("{when}  {}  {group}  {what}", text("event_type"))
        .trim_end()
        .to_owned()
}

/// An output's content on one line (text as is, JSON as compact JSON).
fn content(output: Option<&Value>) -> String {
    let c = output
        .and_then(|o| o.get("content"))
        .unwrap_or(&Value::Null);
    let text = match c {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
