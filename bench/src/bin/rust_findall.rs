//! `rust_findall`: the Rust SDK side of the FindAll event-stream workload.
//!
//! Streams one FindAll run's events with `run.events()` (the SDK's
//! self-resuming stream), decodes every event into its typed form, adds up
//! the candidates' name lengths without keeping them, and prints one JSON
//! line: `{"client":"rust","events":N,"checksum":C}`.

use std::process::ExitCode;

use clap::Parser;
use futures::StreamExt;
use parallel_web::FindAllEvent;
use parallel_web_bench::Runtime;

/// Stream one FindAll run's events with the Rust SDK and count them.
#[derive(Parser)]
struct Args {
    /// API base URL, e.g. http://127.0.0.1:PORT.
    #[arg(long)]
    base_url: String,
    /// API key.
    #[arg(long, default_value = "bench-key")]
    api_key: String,
    /// The FindAll run id (the static server picks its fixture by it).
    #[arg(long)]
    findall_id: String,
    /// Tokio runtime flavour.
    #[arg(long, value_enum, default_value_t = Runtime::Current)]
    runtime: Runtime,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = args
        .runtime
        .build()
        .map_err(|e| e.into())
        .and_then(|rt| rt.block_on(run(&args)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rust_findall: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let client = parallel_web::Client::builder()
        .api_key(&args.api_key)
        .base_url(&args.base_url)
        .build()?;
    let mut events = client.findall().get(&args.findall_id).events().await?;
    let (mut count, mut checksum) = (0u64, 0usize);
    while let Some(event) = events.next().await {
        if let FindAllEvent::Candidate { candidate, .. } = event? {
            checksum += candidate.name.len();
        }
        count += 1;
    }
    println!(r#"{{"client":"rust","events":{count},"checksum":{checksum}}}"#);
    Ok(())
}
