//! Your own `reqwest::Client` (proxies, timeouts, middleware-ready): the
//! SDK still sends its API key and extra headers with every request.
//!
//! ```text
//! cargo run -p parallel-web --example custom_http_client
//! ```
//!
//! Without `PARALLEL_API_KEY` it runs against an in-process emulator.

use std::time::Duration;

use parallel_web::Client;

mod common;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Only to learn where to send requests; the client below is our own.
    let (defaults, _emulator) = common::connect(0.0).await?;

    // reqwest needs a TLS provider to build a client; this installs ring's
    // unless the application already chose one.
    parallel_web::install_tls_provider();
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .read_timeout(Duration::from_secs(700)) // longer than the result long-poll
        .pool_max_idle_per_host(8)
        .user_agent("my-app/1.0")
        .build()?;

    let key = std::env::var("PARALLEL_API_KEY").unwrap_or_else(|_| "emulator-key".into());
    let client = Client::builder()
        .api_key(key)
        .base_url(defaults.base_url())
        .header("x-team", "research")
        .http_client(http)
        .build()?;
    let group = client
        .task_groups()
        .create()
        .metadata([("via", "custom-client")])
        .await?;
    println!("created {} through our own reqwest client", group.id());
    Ok(())
}
