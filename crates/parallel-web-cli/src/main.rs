//! `parallel-web`: enrich CSV/JSONL/JSON tables with Parallel task groups
//! (one run per row, crash-safe, exactly once), and inspect groups and runs.
//!
//! Exit status: 0 when every row completed (or the command succeeded), 2
//! when some rows failed (they are kept in the output with their error),
//! 1 when the tool itself failed or the command line is wrong (the message
//! says what to do).

mod cli;
mod commands;
mod connect;
mod enrich;
mod fail;
mod journal;
mod lock;
mod logging;
mod progress;
mod table;
mod test_hook;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command};
use fail::Result;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Not clap's own exit (status 2, which here means "some rows
            // failed"): a wrong command line is the tool's failure, 1;
            // `--help` and `--version` print and succeed.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    if let Err(e) = logging::init(cli.verbose) {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> Result<u8> {
    match &cli.command {
        Command::Enrich(args) => Ok(match enrich::run(args, &cli.connection).await? {
            enrich::Outcome::AllCompleted => 0,
            enrich::Outcome::SomeFailed => 2,
        }),
        Command::Groups(command) => {
            commands::groups(&connect::client(&cli.connection)?, command).await?;
            Ok(0)
        }
        Command::Runs(command) => {
            commands::runs(&connect::client(&cli.connection)?, command).await?;
            Ok(0)
        }
        Command::Completions { shell } => {
            // Into memory first: `generate` panics when its writer fails.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "parallel-web", &mut script);
            fail::to_stdout(|out| out.write_all(&script))?;
            Ok(0)
        }
    }
}
