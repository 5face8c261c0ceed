//! `rust_calls`: the Rust SDK side of the call workloads.
//!
//! Makes `--calls` sequential `client.search()` or `client.extract(urls)`
//! calls (10 URLs each) with the requests of `parallel_web_bench`, then
//! prints one JSON line: `{"client":"rust","calls":N,"items":M}`, where M
//! counts the results (and per-URL errors) read, so the harness can check
//! that every client read the same answers.

use std::process::ExitCode;

use clap::Parser;
use parallel_web_bench::{Runtime, extract_urls, run_client, search_request};

/// Which API the calls go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Api {
    Search,
    Extract,
}

/// Make sequential search or extract calls with the Rust SDK.
#[derive(Parser)]
struct Args {
    /// API base URL, e.g. http://127.0.0.1:PORT.
    #[arg(long)]
    base_url: String,
    /// API key.
    #[arg(long, default_value = "bench-key")]
    api_key: String,
    /// The API to call.
    #[arg(long, value_enum)]
    api: Api,
    /// How many calls, one after another.
    #[arg(long, default_value_t = 1_000)]
    calls: usize,
    /// Tokio runtime flavour.
    #[arg(long, value_enum, default_value_t = Runtime::Current)]
    runtime: Runtime,
}

fn main() -> ExitCode {
    let args = Args::parse();
    run_client("rust_calls", args.runtime, run(&args))
}

async fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let client = parallel_web::Client::builder()
        .api_key(&args.api_key)
        .base_url(&args.base_url)
        .build()?;
    let mut items = 0;
    for i in 0..args.calls {
        items += match args.api {
            Api::Search => {
                let (objective, queries) = search_request(i);
                let found = client
                    .search()
                    .objective(objective)
                    .queries(queries)
                    .send()
                    .await?;
                found.results.len()
            }
            Api::Extract => {
                let read = client.extract(extract_urls(i)).send().await?;
                read.results().len() + read.errors().len()
            }
        };
    }
    println!(
        r#"{{"client":"rust","calls":{},"items":{items}}}"#,
        args.calls
    );
    Ok(())
}
