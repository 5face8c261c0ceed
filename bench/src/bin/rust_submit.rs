//! `rust_submit`: the Rust SDK side of the submission workload.
//!
//! Creates a group and adds `--inputs` distinct company inputs, `--per-call`
//! of them per `add_runs` call (the SDK itself splits a call into POSTs of at
//! most 1,000), then prints one JSON line: `{"client":"rust","runs":N,"posts":P}`.

use std::process::ExitCode;

use clap::Parser;
use parallel_web::TaskSpec;
use parallel_web_bench::{CompanyInput, CompanyOutput, Runtime, run_client};

/// Submit runs with the Rust SDK.
#[derive(Parser)]
struct Args {
    /// API base URL, e.g. http://127.0.0.1:PORT.
    #[arg(long)]
    base_url: String,
    /// API key.
    #[arg(long, default_value = "bench-key")]
    api_key: String,
    /// How many inputs to add.
    #[arg(long, default_value_t = 100_000)]
    inputs: usize,
    /// Inputs per `add_runs` call.
    #[arg(long, default_value_t = 500)]
    per_call: usize,
    /// Tokio runtime flavour.
    #[arg(long, value_enum, default_value_t = Runtime::Current)]
    runtime: Runtime,
}

fn main() -> ExitCode {
    let args = Args::parse();
    run_client("rust_submit", args.runtime, run(&args))
}

async fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let client = parallel_web::Client::builder()
        .api_key(&args.api_key)
        .base_url(&args.base_url)
        .build()?;
    let spec = TaskSpec::json::<CompanyInput, CompanyOutput>();
    let inputs: Vec<CompanyInput> = (0..args.inputs).map(CompanyInput::numbered).collect();
    let group = client.task_groups().create().send().await?;
    let (mut runs, mut posts) = (0, 0);
    for chunk in inputs.chunks(args.per_call.max(1)) {
        let added = group
            .add_runs(chunk)
            .processor("lite")
            .default_spec(&spec)
            .send()
            .await?;
        runs += added.run_ids.len();
        posts += added.posts;
    }
    println!(r#"{{"client":"rust","runs":{runs},"posts":{posts}}}"#);
    Ok(())
}
