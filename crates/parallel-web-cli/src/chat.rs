//! `chat`: one message to a chat model, the answer streamed to stdout as
//! it arrives (flushed piece by piece, to a terminal or a pipe alike), the
//! interaction id on stderr for a follow-up. A stream cut before its end
//! is an error (exit status 4) after the part received, never passed off
//! as a whole answer. `--json` waits for the whole completion instead.

use std::io::{Read, Write};

use futures::StreamExt;
use parallel_web::Client;

use crate::cli::ChatArgs;
use crate::commands::print_json;
use crate::fail::{Failure, Result, stdout_failure};

/// Runs `chat`.
pub async fn chat(client: &Client, args: &ChatArgs) -> Result<()> {
    let message = if args.message == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::usage(format!("cannot read the message from stdin: {e}")))?;
        text
    } else {
        args.message.clone()
    };
    if message.trim().is_empty() {
        return Err(Failure::usage("the message is empty"));
    }
    let mut request = client.chat().model(&args.model);
    if let Some(system) = &args.system {
        request = request.system(system);
    }
    request = request.user(message.trim());
    if let Some(id) = &args.previous_interaction_id {
        request = request.previous_interaction_id(id);
    }
    if args.json {
        return print_json(&request.send().await?.wire);
    }
    let mut chunks = request.stream().await?;
    let mut out = std::io::stdout().lock();
    let mut interaction = None;
    let mut unknown = 0usize;
    while let Some(chunk) = chunks.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                // What was printed so far stays; the line break keeps the
                // error off the answer's last line.
                let _ = writeln!(out);
                return Err(Failure::from(e).context("the answer is incomplete"));
            }
        };
        if let Some(text) = chunk.content() {
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(stdout_failure)?;
        }
        match chunk {
            parallel_web::ChatChunk::Delta(delta) => {
                interaction = delta.interaction_id.clone().or(interaction);
            }
            _ => unknown += 1,
        }
    }
    writeln!(out)
        .and_then(|()| out.flush())
        .map_err(stdout_failure)?;
    if unknown > 0 {
        eprintln!("note: {unknown} chunk(s) of a shape this tool does not know were skipped");
    }
    if let Some(id) = interaction {
        eprintln!("interaction: {id} (continue with --previous-interaction-id {id})");
    }
    Ok(())
}
