//! `research run|status|result`: one task run, from a question to its
//! answer. The answer goes to stdout (markdown for a text answer, JSON for a
//! structured one, the whole result with `--json`); what the tool is doing
//! goes to stderr.

use std::io::{IsTerminal, Read};
use std::time::{Duration, Instant};

use parallel_web::types::{TaskRunResult, TaskRunResultOutput};
use parallel_web::{Client, RunInput, TaskSpec};
use serde_json::Value;

use crate::cli::{AnswerArgs, ResearchCommand, ResearchRunArgs};
use crate::commands::print_json;
use crate::enrich::plan::{metadata_pairs, read_output_schema, schema_of_columns};
use crate::fail::{Failure, Result, to_stdout};

/// Runs a `research` subcommand.
pub async fn research(client: &Client, command: &ResearchCommand) -> Result<()> {
    match command {
        ResearchCommand::Run(args) => run(client, args).await,
        ResearchCommand::Status { id, json } => {
            let run = client.task_runs().retrieve(id).await?;
            if *json {
                return print_json(&run);
            }
            let mut line = format!(
                "{}: {} (processor {})",
                run.run_id, run.status, run.processor
            );
            if let Some(error) = &run.error {
                line.push_str(&format!("; error: {}", error.message));
            }
            to_stdout(|out| writeln!(out, "{line}"))
        }
        ResearchCommand::Result {
            id,
            answer,
            max_wait,
        } => {
            let result = client
                .task_runs()
                .result(id)
                .wait(Duration::from_secs(*max_wait))
                .await?;
            print_answer(&result, answer)
        }
    }
}

async fn run(client: &Client, args: &ResearchRunArgs) -> Result<()> {
    let mut input = RunInput::new(read_input(args)?).processor(&args.processor);
    input = input.task_spec(&spec(args)?);
    if let Some(id) = &args.previous_interaction_id {
        input = input.previous_interaction_id(id);
    }
    if let Some(key) = &args.memory_scope_key {
        input = input.memory_scope_key(key);
    }
    input = input.metadata(metadata_pairs(&args.metadata)?);
    let run = client.task_runs().create(input).await?;
    if args.no_wait {
        return to_stdout(|out| writeln!(out, "{}", run.run_id));
    }
    let started = Instant::now();
    let waiting = Waiting::start(&run.run_id);
    let result = client
        .task_runs()
        .result(&run.run_id)
        .wait(Duration::from_secs(args.max_wait))
        .await;
    waiting.finish(started.elapsed(), result.is_ok());
    let result = result.map_err(|e| {
        Failure::from(e).context(format!(
            "run {} (it goes on: `parallel-web research result {}` collects it)",
            run.run_id, run.run_id
        ))
    })?;
    print_answer(&result, &args.answer)
}

/// The question: the argument, stdin for `-`, or the file (a JSON object in
/// a file is a structured input).
fn read_input(args: &ResearchRunArgs) -> Result<Value> {
    let text = match (&args.input_file, args.query.as_deref()) {
        (Some(path), _) => std::fs::read_to_string(path).map_err(|e| {
            Failure::usage(format!(
                "cannot read the input file {}: {e}",
                path.display()
            ))
        })?,
        (None, Some("-")) => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Failure::usage(format!("cannot read the question from stdin: {e}")))?;
            text
        }
        (None, Some(q)) => q.to_owned(),
        (None, None) => {
            return Err(Failure::usage(
                "no question: give it as an argument, `-` to read it from stdin, or --input-file FILE",
            ));
        }
    };
    if args.input_file.is_some()
        && let Ok(object @ Value::Object(_)) = serde_json::from_str::<Value>(&text)
    {
        return Ok(object);
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(Failure::usage("the question is empty"));
    }
    Ok(Value::String(text.to_owned()))
}

/// The output the run is asked for: a text report, the fields given, or
/// the structure the processor chooses.
fn spec(args: &ResearchRunArgs) -> Result<TaskSpec> {
    let schema = match &args.output_schema {
        Some(path) => Some(read_output_schema(path)?),
        None => schema_of_columns(&args.columns)?,
    };
    let spec = match (args.text, schema) {
        (true, _) => TaskSpec::text(
            args.text_description
                .clone()
                .unwrap_or_else(|| "A research report in markdown, with citations".to_owned()),
        ),
        (false, Some(schema)) => TaskSpec::from_json_schemas(None, schema)
            .map_err(|e| Failure::usage(format!("the output schema is not usable: {e}")))?,
        (false, None) => TaskSpec::auto(),
    };
    spec.validate()
        .map_err(|e| Failure::usage(format!("the output schema is over the API's limits: {e}")))?;
    Ok(spec)
}

/// What stderr shows while the tool waits: a line when it starts and when
/// it ends (a terminal also sees the time go by).
struct Waiting {
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Waiting {
    fn start(run_id: &str) -> Waiting {
        eprintln!("run {run_id} created; waiting for its answer");
        let ticker = std::io::stderr().is_terminal().then(|| {
            let started = Instant::now();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    eprint!("\r  {:>5} s", started.elapsed().as_secs());
                }
            })
        });
        Waiting { ticker }
    }

    fn finish(self, elapsed: Duration, ok: bool) {
        if let Some(t) = self.ticker {
            t.abort();
            eprint!("\r");
        }
        if ok {
            eprintln!("answered in {:.1} s", elapsed.as_secs_f64());
        }
    }
}

/// Prints a result: the whole of it as JSON with `--json`; else the answer
/// (markdown text as is, a structured answer as JSON), then its basis with
/// `--basis`.
fn print_answer(result: &TaskRunResult, how: &AnswerArgs) -> Result<()> {
    if how.json {
        return print_json(result);
    }
    let (answer, basis) = match &result.output {
        TaskRunResultOutput::TextOutput(t) => (t.content.clone(), &t.basis),
        TaskRunResultOutput::JsonOutput(j) => (
            serde_json::to_string_pretty(&j.content).map_err(Failure::from)?,
            &j.basis,
        ),
    };
    to_stdout(|out| {
        writeln!(out, "{}", answer.trim_end())?;
        if how.basis && !basis.is_empty() {
            writeln!(out, "\n## Basis")?;
            for b in basis {
                let confidence = b
                    .confidence
                    .as_deref()
                    .map(|c| format!(" (confidence: {c})"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "\n### {}{confidence}\n\n{}",
                    b.field,
                    b.reasoning.trim()
                )?;
                for c in &b.citations {
                    writeln!(out, "- {}", c.url)?;
                }
            }
        }
        Ok(())
    })
}
