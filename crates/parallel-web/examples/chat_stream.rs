//! Chat with Parallel's models: a streamed answer printed as it arrives,
//! a follow-up that continues the conversation, and a research model's
//! JSON answer read into a Rust type, with its basis.
//!
//! ```text
//! cargo run -p parallel-web --example chat_stream
//! ```
//!
//! Without `PARALLEL_API_KEY` it runs against an in-process emulator.

use std::io::Write;

use futures::StreamExt;
use parallel_web::{ChatChunk, Error};
use serde::Deserialize;

mod common;

/// The shape asked of the research model's answer.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct River {
    /// The river's name.
    name: String,
    /// Its length in kilometres.
    length_km: i64,
    /// Cities on its banks.
    cities: Vec<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _emulator) = common::connect(0.05).await?;

    // 1. `speed` answers at once; print each piece as it arrives.
    let mut chunks = client
        .chat()
        .model("speed")
        .system("Answer in one sentence.")
        .user("Which river runs through Lyon?")
        .stream()
        .await?;
    let mut interaction = None;
    while let Some(chunk) = chunks.next().await {
        match chunk {
            Ok(ChatChunk::Delta(delta)) => {
                print!(
                    "{}",
                    delta
                        .choices
                        .first()
                        .and_then(|c| c.delta.content.as_deref())
                        .unwrap_or_default()
                );
                std::io::stdout().flush()?;
                interaction = delta.interaction_id.clone().or(interaction);
            }
            Ok(other) => println!("\n(a chunk this SDK does not know, kept: {other:?})"),
            // A stream cut before `[DONE]`: the answer is incomplete.
            Err(Error::ChatStreamEnded { reason, chunks }) => {
                return Err(format!("the answer stopped after {chunks} chunks: {reason}").into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    println!();

    // 2. A follow-up in the same conversation, collected into one message.
    let follow_up = client
        .chat()
        .model("speed")
        .user("How long is it?")
        .previous_interaction_id(interaction.unwrap_or_default())
        .stream()
        .await?
        .collect_message()
        .await?;
    println!("follow-up: {}", follow_up.content().unwrap_or_default());

    // 3. A research model with a JSON answer typed by a Rust struct.
    let answer = client
        .chat()
        .model("lite")
        .user("The Rhône: length and cities on its banks")
        .json_schema::<River>()
        .await?;
    let river: River = answer.parse()?;
    println!(
        "{}: {} km, {} cities",
        river.name,
        river.length_km,
        river.cities.len()
    );
    for entry in answer.basis() {
        let urls: Vec<&str> = entry.citations.iter().map(|c| c.url.as_str()).collect();
        println!("  {} <- {}", entry.field, urls.join(", "));
    }
    Ok(())
}
