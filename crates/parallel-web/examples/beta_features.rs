//! Beta features: the `/v1beta` task-group endpoints, per-list-item basis
//! (`field-basis-2025-11-25`), MCP servers and progress events. The SDK
//! sets the `parallel-beta` header from the options a request uses; name
//! any other beta with `.beta(...)`.
//!
//! ```text
//! cargo run -p parallel-web --example beta_features
//! ```
//!
//! Without `PARALLEL_API_KEY` it runs against an in-process emulator.

use std::time::Duration;

use parallel_web::types::McpServer;
use parallel_web::{ApiVersion, Client, RunInput, TaskSpec, WithOptions, beta};
use schemars::JsonSchema;
use serde::Deserialize;

mod common;

/// A list output, so each item gets a basis of its own.
#[derive(Debug, Deserialize, JsonSchema)]
struct Competitors {
    /// Main competitors of the company
    competitors: Vec<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (defaults, _emulator) = common::connect(0.01).await?;
    let key = std::env::var("PARALLEL_API_KEY").unwrap_or_else(|_| "emulator-key".into());
    // The original Task Group docs' endpoints: /v1beta/tasks/groups/...
    let client = Client::builder()
        .api_key(key)
        .base_url(defaults.base_url())
        .api_version(ApiVersion::V1Beta)
        .build()?;

    let group = client.task_groups().create().await?;
    // Generated types are built with their builders: fields added to the
    // API later keep their defaults, so this code keeps compiling.
    let tools: McpServer = McpServer::builder()
        .name("docs")
        .url("https://mcp.example.com")
        .allowed_tools(Some(vec!["search".to_owned()]))
        .try_into()
        .expect("name and url are set");
    // `mcp_server` and `enable_events` add their betas to the header.
    let run = RunInput::new("Stripe")
        .mcp_server(tools)
        .enable_events(true);
    let added = group
        .add_run_inputs([run])
        .processor("base")
        .default_spec(&TaskSpec::output::<Competitors>())
        .await?;
    let run_id = &added.run_ids[0];

    let result = client
        .task_runs()
        .result(run_id)
        .beta(beta::FIELD_BASIS)
        .typed::<Competitors>()
        .wait(Duration::from_secs(1800))
        .await?;
    println!("competitors: {:?}", result.output.competitors);
    for basis in &result.basis {
        // With field-basis, list items have entries such as `competitors.0`.
        println!("  {}: {}", basis.field, basis.reasoning);
    }
    Ok(())
}
