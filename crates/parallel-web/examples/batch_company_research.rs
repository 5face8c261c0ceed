//! Batch company research: the Task Group guide's complete example in Rust.
//!
//! Creates a task group, adds one `pro` run per company with a typed spec,
//! waits with a progress line, and prints the typed results.
//!
//! ```text
//! cargo run -p parallel-web --example batch_company_research
//! ```
//!
//! With `PARALLEL_API_KEY` set it calls the real API (or `PARALLEL_BASE_URL`).
//! Without it, it starts the local emulator in this process, with time sped
//! up so that `pro` runs finish in a few seconds, and says so on stderr.

use std::time::{Duration, Instant};

use futures::StreamExt;
use parallel_web::TaskSpec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One company to research.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct CompanyInput {
    /// Name of the company
    company_name: String,
    /// Company website URL
    company_website: String,
}

/// What we want to know about it.
#[derive(Debug, Deserialize, JsonSchema)]
struct CompanyOutput {
    /// Key business insights
    key_insights: Vec<String>,
    /// Market positioning analysis
    market_position: String,
}

mod common;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    // Emulated `pro` runs take 2-10 minutes times the scale: 0.6-3 s here.
    let (client, emulator) = common::connect(0.005).await?;

    // Reusable task specification, derived from the two types.
    let spec = TaskSpec::json::<CompanyInput, CompanyOutput>();

    let group = client.task_groups().create().send().await?;
    println!("Created taskgroup id {}", group.id());

    let companies = [
        ("Stripe", "https://stripe.com"),
        ("Shopify", "https://shopify.com"),
        ("Salesforce", "https://salesforce.com"),
    ]
    .map(|(name, site)| CompanyInput {
        company_name: name.into(),
        company_website: site.into(),
    });

    let added = group
        .add_runs(&companies)
        .processor("pro")
        .default_spec(&spec)
        .send()
        .await?;
    println!(
        "Added {} runs to taskgroup {}",
        added.run_ids.len(),
        group.id()
    );

    let status = group
        .wait()
        .on_progress(|p| eprintln!("Status: {p}"))
        .max_wait(Duration::from_secs(3600))
        .await?;
    println!("All tasks completed! ({} runs)", status.num_task_runs);

    let mut runs = group
        .runs()
        .include_input()
        .include_output()
        .typed::<CompanyInput, CompanyOutput>()
        .await?;
    let mut processed = 0;
    while let Some(run) = runs.next().await {
        match run {
            Ok(run) => match (run.input, run.output) {
                (Some(input), Some(output)) => {
                    processed += 1;
                    println!("\n{} ({})", input.company_name, input.company_website);
                    println!("  market position: {}", output.market_position);
                    for insight in &output.key_insights {
                        println!("  - {insight}");
                    }
                }
                _ => println!(
                    "\nrun {} ended {} without output",
                    run.run.run_id, run.run.status
                ),
            },
            Err(e) => eprintln!("Error: {e}"),
        }
    }
    println!("\nSuccessfully processed {processed} companies");
    println!(
        "Wall time {:.2?}, {} HTTP requests",
        started.elapsed(),
        client.request_count()
    );
    if let Some(emulator) = emulator {
        eprintln!(
            "(the emulator counted {} requests)",
            emulator.stats().requests
        );
        emulator.shutdown().await;
    }
    Ok(())
}
