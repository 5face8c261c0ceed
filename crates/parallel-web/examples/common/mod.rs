//! What the examples share: a client for the real API when
//! `PARALLEL_API_KEY` is set, else for an emulator started in this process,
//! and printing an error with its causes.

use std::error::Error;
use std::process::ExitCode;

use parallel_web::Client;
use parallel_web_emulator::{Emulator, EmulatorHandle};

/// The real API when a key is configured (and `PARALLEL_BASE_URL`, if set),
/// else an in-process emulator whose runs take `time_scale` times their
/// real duration. Keep the handle alive while the client is used.
pub async fn connect(time_scale: f64) -> Result<(Client, Option<EmulatorHandle>), Box<dyn Error>> {
    if std::env::var("PARALLEL_API_KEY").is_ok_and(|k| !k.trim().is_empty()) {
        return Ok((Client::from_env()?, None));
    }
    let emulator = Emulator::builder()
        .time_scale(time_scale)
        .seed(7)
        .start()
        .await?;
    eprintln!(
        "PARALLEL_API_KEY is not set: using the local emulator at {}",
        emulator.base_url()
    );
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .build()?;
    Ok((client, Some(emulator)))
}

/// The exit status for `result`, printing an error's message and causes.
pub fn exit(result: Result<(), Box<dyn Error>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The error's own message says what happened and what to do;
            // its sources add the transport detail.
            eprintln!("error: {error}");
            let mut source = error.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}
