//! One run and its result: create a run with a typed output, then wait for
//! the result decoded into your own type.
//!
//! ```text
//! cargo run -p parallel-web --example single_run
//! ```
//!
//! Without `PARALLEL_API_KEY` it runs against an in-process emulator.

use std::time::Duration;

use parallel_web::{RunInput, TaskSpec};
use schemars::JsonSchema;
use serde::Deserialize;

mod common;

/// What we want back.
#[derive(Debug, Deserialize, JsonSchema)]
struct Founders {
    /// Full names of the founders
    names: Vec<String>,
    /// Year the company was founded
    founded: String,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _emulator) = common::connect(0.01).await?;
    let run = client
        .task_runs()
        .create(RunInput::new("Who founded Stripe, and when?").processor("base"))
        .spec(&TaskSpec::output::<Founders>())
        .await?;
    println!("created {} ({})", run.run_id, run.status);

    // Waits with the server's long-poll, as long as it takes up to the limit.
    let result = client
        .task_runs()
        .result(&run.run_id)
        .typed::<Founders>()
        .wait(Duration::from_secs(1800))
        .await?;
    println!("founders: {:?}", result.output.names);
    println!("founded:  {}", result.output.founded);
    for basis in &result.basis {
        println!(
            "  {} rests on {} citation(s)",
            basis.field,
            basis.citations.len()
        );
    }
    Ok(())
}
