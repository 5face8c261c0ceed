//! Monitor the news: create an `event_stream` monitor with a typed output,
//! run a check now, and page through what it found.
//!
//! ```text
//! cargo run -p parallel-web --example monitor_news
//! ```
//!
//! With `PARALLEL_API_KEY` set it calls the real API (or `PARALLEL_BASE_URL`)
//! and cancels the monitor at the end, so it stops checking (and billing).
//! Without it, it starts the local emulator in this process and says so on
//! stderr.

use futures::TryStreamExt;
use parallel_web::MonitorEvent;
use parallel_web::types::MonitorEventStreamEventOutput;
use schemars::JsonSchema;
use serde::Deserialize;

/// What each event reports.
#[derive(Debug, Deserialize, JsonSchema)]
struct Development {
    /// One-line summary of what happened
    headline: String,
    /// Who is involved (companies, agencies, people)
    parties: Vec<String>,
}

mod common;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Time does not need speeding up: the first check runs at once, and a
    // trigger runs another.
    let (client, emulator) = common::connect(0.0).await?;

    let monitor = client
        .monitors()
        .create()
        .event_stream("New grid-scale battery storage projects announced in Europe")
        .frequency("1d")
        .output::<Development>()
        .metadata("team", "energy-desk")
        .await?;
    println!("Created monitor {}", monitor.id());

    // One more check now; the daily schedule stays as it was.
    monitor.trigger().await?;

    let mut events = monitor.events().page_size(100).stream();
    let mut found = 0;
    while let Some(event) = events.try_next().await? {
        match event {
            MonitorEvent::Event(e) => {
                found += 1;
                let date = e.event_date.as_deref().unwrap_or("undated");
                match &e.output {
                    MonitorEventStreamEventOutput::JsonOutput(out) => {
                        let d: Development =
                            serde_json::from_value(serde_json::Value::Object(out.content.clone()))?;
                        println!("[{date}] {} ({})", d.headline, d.parties.join(", "));
                    }
                    MonitorEventStreamEventOutput::TextOutput(out) => {
                        println!("[{date}] {}", out.content);
                    }
                }
            }
            MonitorEvent::Error(e) => eprintln!("a check failed: {}", e.error_message),
            other => println!("{other:?}"),
        }
    }
    println!("\n{found} event{} found", if found == 1 { "" } else { "s" });

    let stopped = monitor.cancel().await?;
    println!(
        "Monitor {} is now {}",
        stopped.monitor_id,
        stopped.status.as_str()
    );
    if let Some(emulator) = emulator {
        emulator.shutdown().await;
    }
    Ok(())
}
