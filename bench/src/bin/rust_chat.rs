//! `rust_chat`: the Rust SDK side of the chat workloads.
//!
//! Streams one chat completion with `client.chat().stream()`, decodes every
//! chunk into the typed chunk, adds up the answer's length without keeping
//! the text, and prints one JSON line:
//! `{"client":"rust","chunks":N,"checksum":C}`.

use std::process::ExitCode;

use clap::Parser;
use futures::StreamExt;
use parallel_web::ChatChunk;
use parallel_web_bench::Runtime;

/// Stream one chat completion with the Rust SDK and count its chunks.
#[derive(Parser)]
struct Args {
    /// API base URL, e.g. http://127.0.0.1:PORT.
    #[arg(long)]
    base_url: String,
    /// API key.
    #[arg(long, default_value = "bench-key")]
    api_key: String,
    /// Model (the static server picks its fixture by it).
    #[arg(long)]
    model: String,
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
            eprintln!("rust_chat: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let client = parallel_web::Client::builder()
        .api_key(&args.api_key)
        .base_url(&args.base_url)
        .build()?;
    let mut chunks = client
        .chat()
        .model(&args.model)
        .user("Which river runs through Lyon?")
        .stream()
        .await?;
    let (mut count, mut checksum) = (0u64, 0usize);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        if let ChatChunk::Delta(_) = &chunk {
            count += 1;
        }
        checksum += chunk.content().map_or(0, str::len);
    }
    println!(r#"{{"client":"rust","chunks":{count},"checksum":{checksum}}}"#);
    Ok(())
}
