//! `rust_monitor_events`: the Rust SDK side of the monitor-events paging
//! workload.
//!
//! Reads the events of one monitor (all, or the newest `--max-events`)
//! through `monitor.events().page_size(N).stream()`, touches each event's id and output, keeps nothing, then
//! prints one JSON line: `{"client":"rust","events":N,"checksum":C}`, where
//! C adds up the lengths of the event ids and output contents, so the
//! harness can check that every client read the same events.

use std::process::ExitCode;

use clap::Parser;
use futures::TryStreamExt;
use parallel_web::MonitorEvent;
use parallel_web::types::MonitorEventStreamEventOutput;
use parallel_web_bench::{Runtime, run_client};

/// Page through a monitor's events with the Rust SDK.
#[derive(Parser)]
struct Args {
    /// API base URL, e.g. http://127.0.0.1:PORT.
    #[arg(long)]
    base_url: String,
    /// API key.
    #[arg(long, default_value = "bench-key")]
    api_key: String,
    /// The monitor whose events to read.
    #[arg(long)]
    monitor_id: String,
    /// Events per page.
    #[arg(long, default_value_t = 100)]
    page_size: u32,
    /// Stop after this many events (all when not given).
    #[arg(long)]
    max_events: Option<u64>,
    /// Tokio runtime flavour.
    #[arg(long, value_enum, default_value_t = Runtime::Current)]
    runtime: Runtime,
}

fn main() -> ExitCode {
    let args = Args::parse();
    run_client("rust_monitor_events", args.runtime, run(&args))
}

async fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let client = parallel_web::Client::builder()
        .api_key(&args.api_key)
        .base_url(&args.base_url)
        .build()?;
    let mut events = client
        .monitors()
        .monitor(&args.monitor_id)
        .events()
        .page_size(args.page_size)
        .stream();
    let (mut n, mut checksum) = (0u64, 0u64);
    let max = args.max_events.unwrap_or(u64::MAX);
    while n < max {
        let Some(event) = events.try_next().await? else {
            break;
        };
        n += 1;
        if let MonitorEvent::Event(e) = event {
            checksum += e.event_id.len() as u64;
            checksum += match &e.output {
                MonitorEventStreamEventOutput::TextOutput(t) => t.content.chars().count() as u64,
                MonitorEventStreamEventOutput::JsonOutput(j) => j.content.len() as u64,
            };
        }
    }
    println!(r#"{{"client":"rust","events":{n},"checksum":{checksum}}}"#);
    Ok(())
}
