//! The command line: every subcommand and flag, as clap derives. What each
//! command does lives in `enrich/` and `commands.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Enrich tables with Parallel task groups, and inspect groups and runs.
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
    /// Add columns to a CSV/JSONL/JSON table: one run per row, resumable.
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
    /// Prints a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `parallel-web enrich`.
#[derive(Debug, Args)]
pub struct EnrichArgs {
    /// Input table: .csv, .jsonl or .json (`-` reads JSONL from stdin).
    /// Optional with --config, which may name it as `source`.
    pub input: Option<String>,
    /// Output table: .csv, .jsonl or .json (`-` writes JSONL to stdout).
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
    /// Print the task spec and the first POST body, send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress output.
    #[arg(short, long)]
    pub quiet: bool,
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
