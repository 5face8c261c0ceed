//! Building the SDK client from `--base-url` / `--api-key` (or
//! `PARALLEL_BASE_URL` / `PARALLEL_API_KEY`), with a clear message when
//! neither is set.

use parallel_web::Client;

use crate::cli::Connection;
use crate::fail::{Failure, Result};

/// What to do when no key is set, including how to use the emulator.
const NO_KEY_HELP: &str = "no API key: set PARALLEL_API_KEY (or pass --api-key) to use the Parallel API; \
to try the tool locally instead, start the emulator with \
`cargo run -p parallel-web-emulator -- --addr 127.0.0.1:8787` and run with \
`PARALLEL_BASE_URL=http://127.0.0.1:8787 PARALLEL_API_KEY=emulator-key`";

/// The client for these connection settings.
pub fn client(conn: &Connection) -> Result<Client> {
    let key = conn.api_key.as_deref().filter(|k| !k.trim().is_empty());
    let Some(key) = key else {
        return Err(Failure::new(match &conn.base_url {
            None => NO_KEY_HELP.to_owned(),
            Some(url) => format!(
                "no API key for {url}: set PARALLEL_API_KEY (the emulator's default key is `emulator-key`)"
            ),
        }));
    };
    let mut builder = Client::builder().api_key(key);
    if let Some(url) = conn.base_url.as_deref().filter(|u| !u.trim().is_empty()) {
        builder = builder.base_url(url.trim_end_matches('/'));
    }
    Ok(builder.build()?)
}
