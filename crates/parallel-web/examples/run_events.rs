//! A run's event stream: its state, the progress messages and statistics
//! it reports while it works, and its final state with the output.
//!
//! ```text
//! cargo run -p parallel-web --example run_events
//! ```
//!
//! Without `PARALLEL_API_KEY` it runs against an in-process emulator.

use futures::StreamExt;
use parallel_web::{RunInput, RunStreamEvent, TaskSpec};

mod common;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _emulator) = common::connect(0.005).await?;
    // Progress events come with `pro` and above, or with enable_events.
    let run = client
        .task_runs()
        .create(
            RunInput::new("What are the latest developments in solid-state batteries?")
                .enable_events(true),
        )
        .processor("core")
        .spec(&TaskSpec::text("A short summary with sources"))
        .await?;
    println!("following {}", run.run_id);

    let mut events = client.task_runs().events(&run.run_id).await?;
    while let Some(event) = events.next().await {
        match event? {
            RunStreamEvent::State(state) => {
                println!("state: {}", state.run.status);
                if let Some(output) = &state.output {
                    println!("output: {}", serde_json::to_string(output)?);
                }
            }
            RunStreamEvent::Message(m) => println!("{}: {}", m.type_, m.message),
            RunStreamEvent::Stats(s) => println!(
                "{} sources read so far ({:?}%)",
                s.source_stats.num_sources_read.unwrap_or(0),
                s.progress_meter
            ),
            RunStreamEvent::Error(e) => eprintln!("server error in the stream: {}", e.message),
            other => println!("(an event this version does not know: {other:?})"),
        }
    }
    Ok(())
}
