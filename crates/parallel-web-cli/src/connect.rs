//! Building the SDK client from `--base-url` / `--api-key` (or
//! `PARALLEL_BASE_URL` / `PARALLEL_API_KEY`), with a clear message when
//! neither is set. A base URL that is set but empty is an error, never a
//! silent fall-back to the production API.

use parallel_web::Client;

use crate::cli::Connection;
use crate::fail::{Failure, Result};

/// What to do when no key is set, including how to use the emulator.
const NO_KEY_HELP: &str = "no API key: set PARALLEL_API_KEY (or pass --api-key) to use the Parallel API; \
to try the tool locally instead, start the emulator with \
`cargo run -p parallel-web-emulator -- --addr 127.0.0.1:8787` and run with \
`PARALLEL_BASE_URL=http://127.0.0.1:8787 PARALLEL_API_KEY=emulator-key`";

/// Unset the variable (or drop the flag) to use the production API.
const EMPTY_URL_HELP: &str = "the API base URL is empty (--base-url or PARALLEL_BASE_URL): \
set it to the API's URL (e.g. http://127.0.0.1:8787 for the emulator), \
or unset PARALLEL_BASE_URL and drop --base-url to use the Parallel API";

/// The client for these connection settings.
pub fn client(conn: &Connection) -> Result<Client> {
    // clap drops an empty environment value: look at the variable itself.
    let empty_env = std::env::var_os("PARALLEL_BASE_URL")
        .is_some_and(|v| v.to_string_lossy().trim().is_empty());
    match conn.base_url.as_deref() {
        Some(url) if url.trim().is_empty() => return Err(Failure::usage(EMPTY_URL_HELP)),
        None if empty_env => return Err(Failure::usage(EMPTY_URL_HELP)),
        _ => {}
    }
    let key = conn.api_key.as_deref().filter(|k| !k.trim().is_empty());
    let Some(key) = key else {
        return Err(Failure::authentication(match &conn.base_url {
            None => NO_KEY_HELP.to_owned(),
            Some(url) => format!(
                "no API key for {url}: set PARALLEL_API_KEY (the emulator's default key is `emulator-key`)"
            ),
        }));
    };
    let mut builder = Client::builder().api_key(key);
    if let Some(window) = conn.settle_window {
        builder = builder.settle_window(window);
    }
    if let Some(url) = conn.base_url.as_deref() {
        builder = builder.base_url(url.trim().trim_end_matches('/'));
    }
    Ok(builder.build()?)
}
