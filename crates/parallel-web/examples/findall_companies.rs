//! FindAll: find every company that meets some conditions, wait with
//! progress, read the matches with their citations, then enrich them with
//! fields from your own Rust type.
//!
//! ```text
//! cargo run -p parallel-web --example findall_companies
//! ```
//!
//! Without `PARALLEL_API_KEY` it runs against an in-process emulator.

use std::time::Duration;

use parallel_web::types::FindAllRunInputGenerator;
use schemars::JsonSchema;
use serde::Deserialize;

mod common;

/// The fields to fill for every match.
#[derive(Debug, Deserialize, JsonSchema)]
struct Profile {
    /// The year the company was founded.
    founded: Option<String>,
    /// The city of the company's head office.
    headquarters: Option<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _emulator) = common::connect(0.01).await?;
    let run = client
        .findall()
        .create("Robotics companies that sell surgical robots to hospitals")
        .entity_type("companies")
        .match_condition("surgical_robots", "Builds and sells surgical robots")
        .match_condition("hospital_customers", "Has hospitals among its customers")
        .generator(FindAllRunInputGenerator::Core)
        .match_limit(10)
        .await?;
    println!("started {}", run.id());

    // Follows the run's events (falling back to polling) until it stops.
    let done = run
        .wait()
        .on_progress(|p| eprintln!("  {p}"))
        .max_wait(Duration::from_secs(3600))
        .await?;
    println!(
        "{}: {:?}",
        done.status.status, done.status.termination_reason
    );

    // Enrich every match with the fields of `Profile`, then wait again.
    run.enrich::<Profile>().await?;
    run.wait().max_wait(Duration::from_secs(3600)).await?;

    let result = run.result().typed::<Profile>().await?;
    for m in result.matches() {
        let profile = m.output.as_ref();
        println!(
            "{} <{}>: founded {}, based in {}",
            m.name,
            m.url,
            profile.and_then(|p| p.founded.as_deref()).unwrap_or("?"),
            profile
                .and_then(|p| p.headquarters.as_deref())
                .unwrap_or("?"),
        );
        for basis in m.basis.iter().take(1) {
            let source = basis.citations.first().map_or("-", |c| c.url.as_str());
            println!("    {}: {} ({source})", basis.field, basis.reasoning);
        }
    }
    Ok(())
}
