//! `parallel-web`: enrich CSV/JSONL/JSON tables with Parallel task groups
//! (one run per row, crash-safe, exactly once); research, search, extract
//! and chat; FindAll runs and monitors; and inspect groups and runs.
//!
//! Exit status: see [`fail::Exit`] (0 done, 1 the tool's own failure, 2
//! some rows or pages failed, 3 authentication, 4 the API, 5 a timeout, 64
//! a wrong command line or input); the message on stderr says what to do.

mod chat;
mod cli;
mod commands;
mod connect;
mod enrich;
mod fail;
mod findall;
mod journal;
mod lock;
mod logging;
mod monitor;
mod progress;
mod research;
mod table;
mod test_hook;
mod web;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command};
use fail::{Exit, Result};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Not clap's own exit (status 2, which here means "some rows
            // failed"): a wrong command line is a usage error, 64;
            // `--help` and `--version` print and succeed.
            let _ = e.print();
            return exit(if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Done
            });
        }
    };
    if let Err(e) = logging::init(cli.verbose) {
        eprintln!("error: {e}");
        return exit(Exit::Usage);
    }
    // One worker drives the connections; the command's own work (reading
    // tables, the journal) runs on this thread, in `block_on`. More workers
    // buy nothing on the CPU a CLI gets and cost memory.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit(Exit::Tool);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => exit(code),
        Err(failure) => {
            eprintln!("error: {failure}");
            exit(failure.exit)
        }
    }
}

fn exit(how: Exit) -> ExitCode {
    ExitCode::from(how.code())
}

async fn run(cli: Cli) -> Result<Exit> {
    let client = || connect::client(&cli.connection);
    match &cli.command {
        Command::Enrich(args) => Ok(match enrich::run(args, &cli.connection).await? {
            enrich::Outcome::AllCompleted => Exit::Done,
            enrich::Outcome::SomeFailed => Exit::RowsFailed,
            enrich::Outcome::Submitted => Exit::Done,
        }),
        Command::Groups(command) => {
            commands::groups(&client()?, command).await?;
            Ok(Exit::Done)
        }
        Command::Runs(command) => {
            commands::runs(&client()?, command).await?;
            Ok(Exit::Done)
        }
        Command::Research(command) => {
            research::research(&client()?, command).await?;
            Ok(Exit::Done)
        }
        Command::Search(args) => web::search(&client()?, args).await,
        Command::Extract(args) => web::extract(&client()?, args).await,
        Command::Chat(args) => {
            chat::chat(&client()?, args).await?;
            Ok(Exit::Done)
        }
        Command::Findall(command) => findall::findall(&client()?, command).await,
        Command::Monitor(command) => {
            monitor::monitor(&client()?, command).await?;
            Ok(Exit::Done)
        }
        Command::Completions { shell } => {
            // Into memory first: `generate` panics when its writer fails.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "parallel-web", &mut script);
            fail::to_stdout(|out| out.write_all(&script))?;
            Ok(Exit::Done)
        }
    }
}
