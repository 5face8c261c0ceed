//! The command line: every subcommand and flag, as clap derives. What each
//! command does lives in `enrich/`, `research.rs`, `web.rs`, `chat.rs`,
//! `findall.rs`, `monitor.rs` and `commands.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Enrich tables with Parallel task groups, run research tasks, search,
/// extract and chat, and inspect groups and runs.
#[derive(Debug, Parser)]
#[command(name = "parallel-web", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub connection: Connection,
    /// Log to stderr what the SDK does: `-v` each request (status,
    /// duration) and retry, `-vv` stream reconnects too, `-vvv` everything.
    /// `PARALLEL_LOG` (a filter such as `parallel_web=debug`) overrides it.
    /// The API key is never logged.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the API is and how to authenticate.
#[derive(Debug, Args)]
pub struct Connection {
    /// API base URL (e.g. a local emulator: http://127.0.0.1:8787).
    #[arg(long, env = "PARALLEL_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// API key; prefer the environment variable, which keeps it out of
    /// the shell history. Never printed.
    #[arg(long, env = "PARALLEL_API_KEY", hide_env_values = true, global = true)]
    pub api_key: Option<String>,
    /// After a run-creating POST failed ambiguously (or the tool stopped
    /// while one was in flight), how long after it was sent to wait before
    /// reading the group back to decide what to resend, in seconds
    /// (default: the SDK's, 60). Longer makes a duplicate run less likely
    /// when a server commits late; it is paid only after such a failure.
    #[arg(long, env = "PARALLEL_SETTLE_WINDOW", global = true, value_name = "SECONDS", value_parser = parse_seconds)]
    pub settle_window: Option<std::time::Duration>,
}

/// A non-negative number of seconds.
fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    std::time::Duration::try_from_secs_f64(secs)
        .map_err(|_| format!("{text:?} must be a non-negative number of seconds"))
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add columns to a CSV/JSONL/JSON/Parquet table: one run per row, resumable.
    ///
    /// Waits up to a week for the group to finish, then stops with an
    /// error; rerunning the same command waits again, sending nothing
    /// twice.
    Enrich(Box<EnrichArgs>),
    /// Task groups: create, status, wait, list runs.
    #[command(subcommand)]
    Groups(GroupsCommand),
    /// Single runs.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// One research task: run it and print its answer, or look one up.
    #[command(subcommand)]
    Research(ResearchCommand),
    /// Searches the web and prints the pages found with their excerpts.
    Search(SearchArgs),
    /// Reads web pages and prints their excerpts or full content.
    Extract(ExtractArgs),
    /// Asks one of Parallel's chat models and streams the answer.
    Chat(ChatArgs),
    /// FindAll: find every entity that meets your conditions, then enrich
    /// the matches.
    #[command(subcommand)]
    Findall(FindallCommand),
    /// Monitors: watch the web on a schedule and list what they found.
    #[command(subcommand)]
    Monitor(MonitorCommand),
    /// Prints a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `parallel-web enrich`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct EnrichArgs {
    /// `enrich status`: where a journal or group stands.
    #[command(subcommand)]
    pub command: Option<EnrichCommand>,
    /// Input table: .csv, .jsonl, .json or .parquet (`-` reads JSONL from stdin).
    /// Optional with --config, which may name it as `source`.
    pub input: Option<String>,
    /// Output table: .csv, .jsonl, .json or .parquet (`-` writes JSONL to
    /// stdout).
    #[arg(short, long)]
    pub output: Option<String>,
    /// A column to add: `name: description`, optionally typed
    /// `name:integer: description` (string, integer, number, boolean).
    /// Repeatable.
    #[arg(long = "column", value_name = "SPEC")]
    pub columns: Vec<String>,
    /// The columns to add, as a JSON Schema file of an object.
    #[arg(long, value_name = "FILE")]
    pub output_schema: Option<PathBuf>,
    /// A YAML config in the shape `parallel-cli enrich run` reads
    /// (source, target, source_columns, enriched_columns, processor).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Input columns sent to the API, comma-separated (default: all).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub input_columns: Vec<String>,
    /// Processor for every run (default: the config's, else `core`).
    #[arg(long)]
    pub processor: Option<String>,
    /// Metadata `key=value` added to the group and to every run. Repeatable.
    #[arg(long = "metadata", value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// The journal that makes reruns resume (default: next to the output,
    /// `<output>.journal`).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Discard an existing journal and start over in a new group.
    #[arg(long)]
    pub fresh: bool,
    /// Add, after the added columns, each one's citations and confidence
    /// from the run's basis: `<column>_citations` (the cited URLs; in CSV
    /// one cell, separated by spaces) and `<column>_confidence` (`high`,
    /// `medium` or `low`, as the processor rated it). Can be asked for
    /// on a rerun of a finished journal: the basis is read then.
    #[arg(long)]
    pub basis: bool,
    /// Print the task spec and the first POST body, send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress output.
    #[arg(short, long)]
    pub quiet: bool,
    /// Submit every row, journal it and exit, printing the group id; the
    /// same command without `--no-wait` later collects the results.
    #[arg(long)]
    pub no_wait: bool,
}

/// `parallel-web enrich status`.
#[derive(Debug, Subcommand)]
pub enum EnrichCommand {
    /// Where an enrichment stands: from its journal (rows, submitted,
    /// results; and the group's own counts when a key is set) or from a
    /// group id.
    Status {
        /// A journal, the output it belongs to (`OUTPUT.journal` is read),
        /// or a group id (`tgrp_...`).
        target: String,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `parallel-web groups ...`.
#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// Creates an empty group and prints it as JSON.
    Create {
        /// Metadata `key=value`. Repeatable.
        #[arg(long = "metadata", value_name = "KEY=VALUE")]
        metadata: Vec<String>,
    },
    /// Prints a group (status and counts) as JSON.
    Status {
        /// The group id (`tgrp_...`).
        id: String,
    },
    /// Waits until the group is inactive, printing progress on stderr and
    /// the final status as JSON.
    Wait {
        /// The group id.
        id: String,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 86_400)]
        max_wait: u64,
    },
    /// Prints the group's runs as JSONL.
    Runs {
        /// The group id.
        id: String,
        /// Only runs with this status (queued, running, completed, failed, ...).
        #[arg(long)]
        status: Option<String>,
        /// Include each run's input.
        #[arg(long)]
        include_input: bool,
        /// Include each completed run's output.
        #[arg(long)]
        include_output: bool,
    },
}

/// `parallel-web runs ...`.
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// Waits for a run's result and prints it as JSON.
    Result {
        /// The run id (`trun_...`).
        id: String,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 3_600)]
        max_wait: u64,
    },
}

/// `parallel-web research ...`.
#[derive(Debug, Subcommand)]
pub enum ResearchCommand {
    /// Runs one task and prints its answer: markdown for a text answer,
    /// JSON for a structured one (`--json`: the whole result).
    Run(Box<ResearchRunArgs>),
    /// Prints a run's status (`--json`: the whole run).
    Status {
        /// The run id (`trun_...`).
        id: String,
        /// Print the run as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Waits for a run's result and prints it like `research run`.
    Result {
        /// The run id (`trun_...`).
        id: String,
        #[command(flatten)]
        answer: AnswerArgs,
        /// Give up after this many seconds (exit status 5; the run goes on).
        #[arg(long, default_value_t = 3_600, value_name = "SECONDS")]
        max_wait: u64,
    },
}

/// `parallel-web research run`.
#[derive(Debug, Args)]
pub struct ResearchRunArgs {
    /// The question or task, as text (`-` reads it from stdin).
    pub query: Option<String>,
    /// Read the question from this file instead (a JSON object is sent as
    /// a structured input, anything else as text).
    #[arg(short = 'f', long, value_name = "FILE", conflicts_with = "query")]
    pub input_file: Option<PathBuf>,
    /// Processor tier.
    #[arg(short, long, default_value = "pro-fast")]
    pub processor: String,
    /// Ask for a markdown report (a text output schema) instead of the
    /// structure the processor chooses.
    #[arg(long, conflicts_with_all = ["columns", "output_schema"])]
    pub text: bool,
    /// What the report should be like (with `--text`).
    #[arg(long, requires = "text", value_name = "TEXT")]
    pub text_description: Option<String>,
    /// A field of a structured answer, as in `enrich`: `name: description`
    /// or `name:type: description`. Repeatable.
    #[arg(long = "column", value_name = "SPEC", conflicts_with = "output_schema")]
    pub columns: Vec<String>,
    /// The answer's JSON Schema (an object), from a file.
    #[arg(long, value_name = "FILE")]
    pub output_schema: Option<PathBuf>,
    /// Continue from an earlier run's `interaction_id`.
    #[arg(long, value_name = "ID")]
    pub previous_interaction_id: Option<String>,
    /// The memory scope the run may use.
    #[arg(long, value_name = "KEY")]
    pub memory_scope_key: Option<String>,
    /// Metadata `key=value` on the run. Repeatable.
    #[arg(long = "metadata", value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// Print the run id and exit without waiting (`research result ID`
    /// collects the answer later).
    #[arg(long)]
    pub no_wait: bool,
    /// Give up waiting after this many seconds (exit status 5; the run
    /// goes on and `research result ID` collects it).
    #[arg(long, default_value_t = 3_600, value_name = "SECONDS")]
    pub max_wait: u64,
    #[command(flatten)]
    pub answer: AnswerArgs,
}

/// How an answer is printed.
#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// Print the whole result (run and output) as JSON.
    #[arg(long)]
    pub json: bool,
    /// After the answer, the basis of each field: citations (URLs),
    /// confidence and reasoning.
    #[arg(long)]
    pub basis: bool,
}

/// `parallel-web search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What you are looking for, in words.
    pub objective: Option<String>,
    /// A search query. Repeatable.
    #[arg(short, long = "query", value_name = "QUERY")]
    pub queries: Vec<String>,
    /// Search mode: `turbo`, `fast`, `basic` or `advanced` (the API's default
    /// when not given).
    #[arg(long)]
    pub mode: Option<String>,
    /// At most this many results.
    #[arg(long, value_name = "N")]
    pub max_results: Option<u32>,
    /// At most this many characters of excerpts in all.
    #[arg(long, value_name = "N")]
    pub max_chars_total: Option<u32>,
    /// Only pages from this domain. Repeatable.
    #[arg(long = "include-domain", value_name = "DOMAIN")]
    pub include_domains: Vec<String>,
    /// No pages from this domain. Repeatable.
    #[arg(long = "exclude-domain", value_name = "DOMAIN")]
    pub exclude_domains: Vec<String>,
    /// Only pages published on or after this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub after_date: Option<String>,
    /// Print the API's response as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `parallel-web extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The pages to read (http or https URLs).
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<String>,
    /// What you are looking for on the pages; excerpts focus on it.
    #[arg(long)]
    pub objective: Option<String>,
    /// A search query to focus the excerpts. Repeatable.
    #[arg(short, long = "query", value_name = "QUERY")]
    pub queries: Vec<String>,
    /// Each page's full content as well as its excerpts.
    #[arg(long)]
    pub full_content: bool,
    /// Print the API's response as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `parallel-web chat`.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// Your message (`-` reads it from stdin).
    pub message: String,
    /// The model: `speed` answers at once; `lite`, `base` and `core`
    /// research the web first.
    #[arg(short, long, default_value = "speed")]
    pub model: String,
    /// A system message before yours.
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,
    /// Continue an earlier conversation (the interaction id printed on
    /// stderr after an answer).
    #[arg(long, value_name = "ID")]
    pub previous_interaction_id: Option<String>,
    /// Wait for the whole answer and print the completion as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `parallel-web findall ...`.
#[derive(Debug, Subcommand)]
pub enum FindallCommand {
    /// Starts a run, waits for it (progress on stderr) and prints its
    /// matches (`--no-wait`: prints the run id and exits).
    Run(Box<FindallRunArgs>),
    /// Prints a run's status and candidate counts.
    Status {
        /// The run id (`findall_...`).
        id: String,
        /// Print the run as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Prints a run's matches so far (`--json`: every candidate).
    Result {
        /// The run id (`findall_...`).
        id: String,
        /// Wait for the run to stop first (progress on stderr).
        #[arg(long)]
        wait: bool,
        /// With `--wait`: give up after this many seconds (exit status 5;
        /// the run goes on).
        #[arg(
            long,
            default_value_t = 3_600,
            value_name = "SECONDS",
            requires = "wait"
        )]
        max_wait: u64,
        /// Print the whole result (run and every candidate) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Raises a run's match limit by N, so it looks for more matches.
    Extend {
        /// The run id (`findall_...`).
        id: String,
        /// How many more matches to look for (above 0).
        additional: i64,
        /// Print the run's new schema as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Adds fields to fill for every match.
    Enrich {
        /// The run id (`findall_...`).
        id: String,
        /// A field to fill, as in `enrich`: `name: description` or
        /// `name:type: description`. Repeatable; at least one.
        #[arg(long = "column", value_name = "SPEC", required = true)]
        columns: Vec<String>,
        /// The processor that fills the fields (the API's default: `core`).
        #[arg(short, long)]
        processor: Option<String>,
        /// Print the run's new schema as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Asks a run to stop; what it evaluated stays in its result.
    Cancel {
        /// The run id (`findall_...`).
        id: String,
    },
    /// Prints a run's events as JSONL until the run stops.
    Events {
        /// The run id (`findall_...`).
        id: String,
        /// Start after this event id.
        #[arg(long, value_name = "EVENT_ID")]
        after: Option<String>,
    },
}

/// `parallel-web findall run`.
#[derive(Debug, Args)]
pub struct FindallRunArgs {
    /// What to find, in plain language.
    pub objective: String,
    /// The kind of entity to find (`companies`, `people`, ...). Required
    /// unless `--ingest`.
    #[arg(long, value_name = "TYPE", required_unless_present = "ingest")]
    pub entity_type: Option<String>,
    /// A condition every match must meet: `name: description`.
    /// Repeatable; at least one unless `--ingest`.
    #[arg(
        long = "condition",
        value_name = "SPEC",
        required_unless_present = "ingest"
    )]
    pub conditions: Vec<String>,
    /// Let the API draft the entity type and conditions from the objective
    /// (printed on stderr before the run starts).
    #[arg(long, conflicts_with_all = ["entity_type", "conditions"])]
    pub ingest: bool,
    /// The most matches to find (5 to 1000; default 10, or the draft's
    /// with `--ingest`).
    #[arg(long, value_name = "N")]
    pub match_limit: Option<i64>,
    /// The generator: `base`, `core` (default), `pro` or `preview`.
    #[arg(long)]
    pub generator: Option<String>,
    /// An entity to leave out, `NAME=URL`. Repeatable.
    #[arg(long = "exclude", value_name = "NAME=URL")]
    pub exclude: Vec<String>,
    /// Metadata `key=value` on the run. Repeatable.
    #[arg(long = "metadata", value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// Print the run id and exit without waiting (`findall result ID
    /// --wait` collects the matches later).
    #[arg(long)]
    pub no_wait: bool,
    /// Give up waiting after this many seconds (exit status 5; the run
    /// goes on).
    #[arg(long, default_value_t = 3_600, value_name = "SECONDS")]
    pub max_wait: u64,
    /// Print the whole result (run and every candidate) as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `parallel-web monitor ...`.
#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// Creates a monitor and prints its id (`--json`: the monitor).
    Create(Box<MonitorCreateArgs>),
    /// Lists every monitor, one line each (`--json`: JSONL).
    List {
        /// Only monitors of this type: `event_stream` or `snapshot`.
        /// Repeatable.
        #[arg(long = "type", value_name = "TYPE")]
        types: Vec<String>,
        /// Only monitors with this status: `active` or `cancelled`.
        /// Repeatable (default: as the API, active ones only).
        #[arg(long = "status", value_name = "STATUS")]
        statuses: Vec<String>,
        /// Print each monitor as a JSON line.
        #[arg(long)]
        json: bool,
    },
    /// Prints a monitor.
    Get {
        /// The monitor id.
        id: String,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Changes a monitor; only what is given is sent.
    Update(Box<MonitorUpdateArgs>),
    /// Stops a monitor for good.
    Cancel {
        /// The monitor id.
        id: String,
        /// Print the cancelled monitor as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Runs a monitor's check now, off its schedule.
    Trigger {
        /// The monitor id.
        id: String,
    },
    /// Lists a monitor's events, newest first (`--json`: JSONL).
    Events {
        /// The monitor id.
        id: String,
        /// Only the events of this check.
        #[arg(long, value_name = "ID")]
        event_group: Option<String>,
        /// Also the checks that found nothing new.
        #[arg(long)]
        include_completions: bool,
        /// Print each event as a JSON line.
        #[arg(long)]
        json: bool,
    },
}

/// `parallel-web monitor create`.
#[derive(Debug, Args)]
pub struct MonitorCreateArgs {
    /// What to watch for, in a sentence (an `event_stream` monitor).
    #[arg(required_unless_present = "snapshot")]
    pub query: Option<String>,
    /// Watch a finished task run's answer for changes instead (a
    /// `snapshot` monitor).
    #[arg(long, value_name = "RUN_ID", conflicts_with_all = ["query", "columns"])]
    pub snapshot: Option<String>,
    /// How often to check: a whole number and `h`, `d` or `w`, from `1h`
    /// to `30d` (`6h`, `1d`, `2w`).
    #[arg(long, value_name = "FREQUENCY")]
    pub frequency: String,
    /// The processor: `lite` (default) or `base`.
    #[arg(short, long)]
    pub processor: Option<String>,
    /// A field of each event's output, as in `enrich`: `name: description`
    /// or `name:type: description`. Repeatable; without any, events are
    /// text.
    #[arg(long = "column", value_name = "SPEC")]
    pub columns: Vec<String>,
    /// A URL to notify of events (every kind).
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Metadata `key=value`. Repeatable.
    #[arg(long = "metadata", value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// Print the monitor as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `parallel-web monitor update`.
#[derive(Debug, Args)]
pub struct MonitorUpdateArgs {
    /// The monitor id.
    pub id: String,
    /// A new frequency (`1h` to `30d`).
    #[arg(long, value_name = "FREQUENCY")]
    pub frequency: Option<String>,
    /// A new processor: `lite` or `base`.
    #[arg(short, long)]
    pub processor: Option<String>,
    /// A new webhook URL (every kind of event).
    #[arg(long, value_name = "URL", conflicts_with = "no_webhook")]
    pub webhook: Option<String>,
    /// Remove the webhook.
    #[arg(long)]
    pub no_webhook: bool,
    /// Replace the metadata with these `key=value` entries. Repeatable.
    #[arg(
        long = "metadata",
        value_name = "KEY=VALUE",
        conflicts_with = "no_metadata"
    )]
    pub metadata: Vec<String>,
    /// Remove the metadata.
    #[arg(long)]
    pub no_metadata: bool,
    /// Print the monitor as changed, as JSON.
    #[arg(long)]
    pub json: bool,
}
