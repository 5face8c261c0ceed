//! Testing your own code against the emulator: start it in process with
//! faults switched on (dropped streams, 429s with retry headers, add-runs
//! POSTs that are committed and then cut), run your code, and check what
//! the server saw. The same shape works in a `#[tokio::test]`.
//!
//! ```text
//! cargo run -p parallel-web --example test_against_emulator
//! ```

use std::time::Duration;

use futures::StreamExt;
use parallel_web::Client;
use parallel_web_emulator::{Emulator, Fault};

// Only `exit` is used here: this example starts its own emulator.
#[allow(dead_code)]
mod common;

/// The code under test: add one run per question, wait, count completions.
async fn research(client: &Client, questions: &[String]) -> Result<usize, parallel_web::Error> {
    let group = client.task_groups().create().await?;
    group.add_runs(questions).processor("lite").await?;
    group.wait().await?;
    let mut runs = group.runs().typed::<String, serde_json::Value>().await?;
    let mut completed = 0;
    while let Some(run) = runs.next().await {
        if run?.run.status.as_str() == "completed" {
            completed += 1;
        }
    }
    Ok(completed)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder()
        .time_scale(0.0) // runs finish at once
        .seed(42) // the same faults every time
        .fault(Fault::drop_stream_between(5, 20))
        .fault(Fault::status(429).rate(0.1).retry_after_ms(20))
        .fault(Fault::ambiguous_add_runs().times(1))
        .start()
        .await?;
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        // The emulator's cut POST is committed before the cut, so nothing
        // lands late: a short settle window saves the default minute of
        // waiting. Against the real API, keep the default.
        .settle_window(Duration::from_millis(100))
        .build()?;

    let questions: Vec<String> = (0..1_500).map(|i| format!("Question {i}")).collect();
    let completed = research(&client, &questions).await?;

    let stats = emulator.stats();
    println!("completed runs seen: {completed}");
    println!("runs the server created: {}", stats.runs_created);
    println!("faults fired: {:?}", stats.faults_fired);
    // Despite the cut POST and the dropped streams: each question once.
    assert_eq!(stats.runs_created, 1_500, "no run created twice");
    assert_eq!(completed, 1_500, "every result read once");
    emulator.shutdown().await;
    Ok(())
}
