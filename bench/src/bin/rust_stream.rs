//! `rust_stream`: the Rust SDK side of the stream workload.
//!
//! Opens a group's run stream with inputs and outputs, decodes every run as
//! `TypedRun<CompanyInput, CompanyOutput>`, touches the decoded fields
//! without keeping them, and prints one JSON line:
//! `{"client":"rust","runs":N,"with_output":M,"checksum":C}`.

use std::process::ExitCode;

use clap::Parser;
use futures::StreamExt;
use parallel_web_bench::{CompanyInput, CompanyOutput, Runtime, run_client};

/// Stream a group's runs with the Rust SDK and count them.
#[derive(Parser)]
struct Args {
    /// API base URL, e.g. http://127.0.0.1:PORT.
    #[arg(long)]
    base_url: String,
    /// API key.
    #[arg(long, default_value = "bench-key")]
    api_key: String,
    /// Task group id.
    #[arg(long)]
    group: String,
    /// Tokio runtime flavour.
    #[arg(long, value_enum, default_value_t = Runtime::Current)]
    runtime: Runtime,
}

fn main() -> ExitCode {
    let args = Args::parse();
    run_client("rust_stream", args.runtime, run(&args))
}

async fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let client = parallel_web::Client::builder()
        .api_key(&args.api_key)
        .base_url(&args.base_url)
        .build()?;
    let group = client.task_groups().handle(&args.group);
    let mut runs = group
        .runs()
        .include_input()
        .include_output()
        .typed::<CompanyInput, CompanyOutput>()
        .await?;
    let (mut count, mut with_output, mut checksum) = (0u64, 0u64, 0usize);
    while let Some(run) = runs.next().await {
        let run = run?;
        count += 1;
        if let Some(input) = &run.input {
            checksum += input.company_name.len();
        }
        if let Some(output) = &run.output {
            with_output += 1;
            checksum += output.market_position.len() + output.key_insights.len();
        }
    }
    println!(
        r#"{{"client":"rust","runs":{count},"with_output":{with_output},"checksum":{checksum}}}"#
    );
    Ok(())
}
