//! `findall run|status|result|extend|enrich|cancel|events`: FindAll runs
//! over the SDK's `client.findall()`. Matches go to stdout (a table, or the
//! whole result as JSON with `--json`; events as JSONL); progress and
//! summaries go to stderr.
//!
//! A run that stops `failed` or `cancelled` still has its matches so far
//! printed, then the command exits with status 4 (an API failure), as a
//! failed `research run` does.

use std::time::Duration;

use futures::StreamExt;
use parallel_web::types::{FindAllRunInputGenerator, FindAllRunResult, FindAllRunStatus};
use parallel_web::{
    Client, FindAllEvent, FindAllRun, MAX_MATCH_LIMIT, MIN_MATCH_LIMIT, MatchStatus,
};
use serde_json::{Value, json};

use crate::cli::{FindallCommand, FindallRunArgs};
use crate::commands::{print_json, print_table};
use crate::enrich::plan::{metadata_pairs, schema_of_columns};
use crate::fail::{Exit, Failure, Result, to_stdout};

/// Runs a `findall` subcommand.
pub async fn findall(client: &Client, command: &FindallCommand) -> Result<Exit> {
    let findall = client.findall();
    match command {
        FindallCommand::Run(args) => run(client, args).await,
        FindallCommand::Status { id, json } => {
            let run = findall.get(id).status().await?;
            if *json {
                print_json(&run)?;
            } else {
                to_stdout(|out| writeln!(out, "{}: {}", run.findall_id, summary(&run.status)))?;
            }
            Ok(Exit::Done)
        }
        FindallCommand::Result {
            id,
            wait,
            max_wait,
            json,
        } => {
            let run = findall.get(id);
            if *wait {
                wait_for(&run, *max_wait).await?;
            }
            let result = run.result().send().await?;
            print_result(&result, *json)
        }
        FindallCommand::Extend {
            id,
            additional,
            json,
        } => {
            if *additional <= 0 {
                return Err(Failure::usage(format!(
                    "{additional} more matches: give a number above 0"
                )));
            }
            let schema = findall.get(id).extend(*additional).await?;
            if *json {
                print_json(&schema)?;
            } else {
                let limit = schema
                    .match_limit
                    .map_or_else(|| "?".to_owned(), |n| n.to_string());
                to_stdout(|out| writeln!(out, "{id}: match limit now {limit}"))?;
            }
            Ok(Exit::Done)
        }
        FindallCommand::Enrich {
            id,
            columns,
            processor,
            json,
        } => {
            let Some(schema) = schema_of_columns(columns)? else {
                return Err(Failure::usage("give at least one --column to fill"));
            };
            let mut enrich = findall.get(id).enrich_schema(schema);
            if let Some(p) = processor {
                enrich = enrich.processor(p);
            }
            let schema = enrich.await?;
            if *json {
                print_json(&schema)?;
            } else {
                let count = schema.enrichments.as_ref().map_or(0, Vec::len);
                to_stdout(|out| writeln!(out, "{id}: {count} enrichment(s)"))?;
            }
            Ok(Exit::Done)
        }
        FindallCommand::Cancel { id } => {
            findall.get(id).cancel().await?;
            eprintln!("asked {id} to stop; `parallel-web findall result {id}` shows what it found");
            Ok(Exit::Done)
        }
        FindallCommand::Events { id, after } => {
            let mut request = findall.get(id).events();
            if let Some(cursor) = after {
                request = request.after(cursor);
            }
            let mut events = request.await?;
            while let Some(event) = events.next().await {
                let line = serde_json::to_string(&event_json(event?)?)?;
                // One line at a time: a reader sees each event as it comes.
                to_stdout(|out| writeln!(out, "{line}"))?;
            }
            Ok(Exit::Done)
        }
    }
}

async fn run(client: &Client, args: &FindallRunArgs) -> Result<Exit> {
    // Checked here as well as in the SDK: with `--ingest` a request goes
    // out before the SDK sees the limit.
    if let Some(n) = args.match_limit
        && !(MIN_MATCH_LIMIT..=MAX_MATCH_LIMIT).contains(&n)
    {
        return Err(Failure::usage(format!(
            "--match-limit {n}: give {MIN_MATCH_LIMIT} to {MAX_MATCH_LIMIT}"
        )));
    }
    let generator = args.generator.as_deref().map(generator).transpose()?;
    let exclude = args
        .exclude
        .iter()
        .map(|e| {
            e.split_once('=')
                .map(|(n, u)| (n.trim().to_owned(), u.trim().to_owned()))
                .ok_or_else(|| Failure::usage(format!("--exclude {e:?}: write it as NAME=URL")))
        })
        .collect::<Result<Vec<_>>>()?;
    let conditions = args
        .conditions
        .iter()
        .map(|c| condition(c))
        .collect::<Result<Vec<_>>>()?;
    let metadata = metadata_pairs(&args.metadata)?;

    let findall = client.findall();
    let mut create = if args.ingest {
        let draft = findall.ingest(&args.objective).await?;
        eprintln!(
            "drafted from the objective: entity type {:?}, conditions:",
            draft.entity_type
        );
        for c in &draft.match_conditions {
            eprintln!("  {}: {}", c.name, c.description);
        }
        findall.create(&draft.objective).from_schema(&draft)
    } else {
        let mut create = findall.create(&args.objective);
        if let Some(t) = &args.entity_type {
            create = create.entity_type(t);
        }
        for (name, description) in conditions {
            create = create.match_condition(name, description);
        }
        create
    };
    if let Some(n) = args.match_limit {
        create = create.match_limit(n);
    }
    if let Some(g) = generator {
        create = create.generator(g);
    }
    for (name, url) in exclude {
        create = create.exclude(name, url);
    }
    let run = create.metadata(metadata).await?;
    if args.no_wait {
        to_stdout(|out| writeln!(out, "{}", run.id()))?;
        return Ok(Exit::Done);
    }
    eprintln!("FindAll run {} started; waiting for it", run.id());
    wait_for(&run, args.max_wait).await?;
    let result = run.result().send().await?;
    print_result(&result, args.json)
}

/// Waits for `run` to stop, a progress line on stderr per change.
async fn wait_for(run: &FindAllRun, max_wait: u64) -> Result<()> {
    run.wait()
        .on_progress(|p| eprintln!("{p}"))
        .max_wait(Duration::from_secs(max_wait))
        .await
        .map_err(|e| {
            Failure::from(e).context(format!(
                "FindAll run {id} (it goes on: `parallel-web findall result {id} --wait` collects it)",
                id = run.id()
            ))
        })?;
    Ok(())
}

/// Prints a result (a table of the matches, or all of it as JSON) and
/// says on stderr how the run stands; exit status 4 when it stopped
/// `failed` or `cancelled`.
fn print_result(result: &FindAllRunResult, json: bool) -> Result<Exit> {
    if json {
        print_json(result)?;
    } else {
        print_matches(result)?;
    }
    let status = &result.run.status;
    eprintln!("{}: {}", result.run.findall_id, summary(status));
    let state = status.status.to_string();
    if !status.is_active && (state == "failed" || state == "cancelled") {
        return Err(Failure {
            message: format!(
                "FindAll run {} ended {state}; the matches it found are printed",
                result.run.findall_id
            ),
            exit: Exit::Api,
        });
    }
    Ok(Exit::Done)
}

/// One line: status, counts and why the run stopped.
fn summary(s: &FindAllRunStatus) -> String {
    let m = &s.metrics;
    let mut line = format!(
        "{} ({} matched of {} candidates",
        s.status, m.matched_candidates_count, m.generated_candidates_count
    );
    if let Some(reason) = &s.termination_reason {
        line.push_str(&format!("; {reason}"));
    }
    line.push(')');
    line
}

/// The matched candidates as an aligned table: name, URL, then each
/// enrichment field.
fn print_matches(result: &FindAllRunResult) -> Result<()> {
    let matches: Vec<_> = result
        .candidates
        .iter()
        .filter(|c| c.match_status == MatchStatus::Matched)
        .collect();
    let mut fields: Vec<String> = Vec::new();
    for c in &matches {
        for (name, entry) in c.output.iter().flatten() {
            if entry.get("type").and_then(Value::as_str) == Some("enrichment")
                && !fields.contains(name)
            {
                fields.push(name.clone());
            }
        }
    }
    let mut rows: Vec<Vec<String>> = vec![
        ["NAME", "URL"]
            .into_iter()
            .map(str::to_owned)
            .chain(fields.iter().map(|f| f.to_uppercase()))
            .collect(),
    ];
    for c in &matches {
        let mut row = vec![cell(&c.name), cell(&c.url)];
        for f in &fields {
            let value = c
                .output
                .as_ref()
                .and_then(|o| o.get(f))
                .map(|e| e.get("value").unwrap_or(e));
            row.push(match value {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => cell(s),
                Some(other) => cell(&other.to_string()),
            });
        }
        rows.push(row);
    }
    if matches.is_empty() {
        return Ok(());
    }
    print_table(&rows)
}

/// A cell on one line, at most 60 characters.
fn cell(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 60 {
        one_line.chars().take(59).chain(['…']).collect()
    } else {
        one_line
    }
}

/// `name: description`.
fn condition(spec: &str) -> Result<(String, String)> {
    match spec.split_once(':') {
        Some((name, description)) if !name.trim().is_empty() && !description.trim().is_empty() => {
            Ok((name.trim().to_owned(), description.trim().to_owned()))
        }
        _ => Err(Failure::usage(format!(
            "--condition {spec:?}: write it as `name: what a match must meet`"
        ))),
    }
}

fn generator(name: &str) -> Result<FindAllRunInputGenerator> {
    name.parse().map_err(|_| {
        Failure::usage(format!(
            "--generator {name:?} is not a generator; use base, core, pro or preview"
        ))
    })
}

/// An event as one JSON object: `type` (`status`, `candidate`,
/// `schema_updated`, `error`, or the server's own type for one this
/// version does not know), `event_id`, and the event's content.
fn event_json(event: FindAllEvent) -> Result<Value> {
    Ok(match event {
        FindAllEvent::Status { event_id, run } => {
            json!({"type": "status", "event_id": event_id, "run": run})
        }
        FindAllEvent::Candidate {
            event_id,
            kind,
            candidate,
        } => json!({
            "type": "candidate",
            "event_id": event_id,
            "kind": kind.to_string(),
            "candidate": candidate,
        }),
        FindAllEvent::SchemaUpdated { event_id, schema } => {
            json!({"type": "schema_updated", "event_id": event_id, "schema": schema})
        }
        FindAllEvent::Error(e) => json!({"type": "error", "error": e}),
        FindAllEvent::Unknown { kind, data } => json!({"type": kind, "data": data}),
        other => json!({"type": "unknown", "debug": format!("{other:?}")}),
    })
}
