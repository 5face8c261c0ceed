//! Search the web, then read the pages found: typed results, a session id
//! carried from one call to the next, and the pages that could not be read
//! listed beside the ones that were.
//!
//! ```text
//! cargo run -p parallel-web --example search_and_extract
//! ```
//!
//! Without `PARALLEL_API_KEY` it runs against an in-process emulator, whose
//! synthetic web makes up pages from their addresses.

use parallel_web::SearchMode;

mod common;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _emulator) = common::connect(0.0).await?;

    let found = client
        .search()
        .objective("Recent grid-scale battery storage projects and what they cost")
        .queries([
            "grid battery storage project",
            "battery storage cost per MWh",
        ])
        .mode(SearchMode::Basic)
        .max_results(3)
        .max_chars_per_result(1000)
        .await?;
    println!(
        "search {} found {} pages:",
        found.search_id,
        found.results.len()
    );
    for page in &found.results {
        println!(
            "  {} ({})\n    {}",
            page.title.as_deref().unwrap_or("(no title)"),
            page.publish_date.as_deref().unwrap_or("undated"),
            page.url
        );
    }

    // Read the pages found, plus one that cannot be read: its failure is
    // part of the answer, not an error of the call.
    let mut urls: Vec<String> = found.results.iter().map(|p| p.url.clone()).collect();
    urls.push("https://unreachable.invalid/report".into());
    let read = client
        .extract(urls)
        .objective("What did the projects cost?")
        .session_id(found.session_id.clone())
        .full_content_max_chars(400)
        .await?;
    for page in read.results() {
        let first = page.excerpts.first().map_or("", String::as_str);
        println!("\n{}\n  excerpt: {first}", page.url);
    }
    for failed in read.errors() {
        let status = failed
            .http_status_code
            .map_or("no HTTP answer".to_owned(), |code| format!("HTTP {code}"));
        println!(
            "\ncould not read {}: {} ({status})",
            failed.url, failed.error_type
        );
    }
    println!(
        "\nsession {} ({} pages read)",
        read.session_id,
        read.results().len()
    );
    Ok(())
}
