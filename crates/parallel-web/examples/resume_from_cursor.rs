//! Resuming a stream from a saved cursor: read part of a group's runs,
//! keep the last `event_id` (in a file, a database...), and later carry on
//! from there in a new stream, possibly in a new process. Nothing is read
//! twice or skipped. (Within one stream, drops are resumed for you.)
//!
//! ```text
//! cargo run -p parallel-web --example resume_from_cursor
//! ```
//!
//! Without `PARALLEL_API_KEY` it runs against an in-process emulator.

use futures::StreamExt;

mod common;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _emulator) = common::connect(0.0).await?;
    let group = client.task_groups().create().await?;
    let questions: Vec<String> = (0..10).map(|i| format!("Question {i}")).collect();
    group.add_runs(&questions).processor("lite").await?;
    group.wait().await?;

    // First pass: read four runs, then stop, keeping the cursor.
    let mut first = group.runs().typed::<String, serde_json::Value>().await?;
    let mut cursor = None;
    for _ in 0..4 {
        let Some(run) = first.next().await else { break };
        let run = run?;
        println!("read {} ({})", run.run_id(), run.run.status);
        cursor = run.event_id.clone();
    }
    drop(first); // closes the connection
    let cursor = cursor.ok_or("the stream had no cursor")?;
    println!("saved cursor {cursor}");

    // Later: a handle from the id alone, and the stream after the cursor.
    let same_group = client.task_groups().handle(group.id());
    let mut rest = same_group
        .runs()
        .after(cursor)
        .typed::<String, serde_json::Value>()
        .await?;
    let mut count = 0;
    while let Some(run) = rest.next().await {
        println!("read {} after resuming", run?.run_id());
        count += 1;
    }
    println!("{count} more runs: 10 in all, none twice");
    Ok(())
}
