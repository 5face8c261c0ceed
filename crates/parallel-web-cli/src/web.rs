//! `search` and `extract`: the web as the API sees it. Human-readable by
//! default (one block per page), the API's response as JSON with `--json`.
//! Pages `extract` could not read are listed on stderr and make the exit
//! status 2, as failed rows do for `enrich`: the pages read are still
//! printed.

use parallel_web::types::SourcePolicy;
use parallel_web::{Client, SearchMode};
use serde_json::json;

use crate::cli::{ExtractArgs, SearchArgs};
use crate::commands::print_json;
use crate::fail::{Exit, Failure, Result, to_stdout};

/// Runs `search`.
pub async fn search(client: &Client, args: &SearchArgs) -> Result<Exit> {
    let mut request = client.search();
    if let Some(objective) = &args.objective {
        request = request.objective(objective);
    }
    request = request.queries(&args.queries);
    if let Some(mode) = &args.mode {
        let mode: SearchMode = mode.parse().map_err(|_| {
            Failure::usage(format!(
                "--mode {mode:?} is not a search mode; use turbo, fast, basic or advanced"
            ))
        })?;
        request = request.mode(mode);
    }
    if let Some(n) = args.max_results {
        request = request.max_results(n);
    }
    if let Some(n) = args.max_chars_total {
        request = request.max_chars_total(n);
    }
    if !args.include_domains.is_empty()
        || !args.exclude_domains.is_empty()
        || args.after_date.is_some()
    {
        request = request.source_policy(source_policy(args)?);
    }
    let found = request.send().await?;
    if args.json {
        print_json(&found)?;
        return Ok(Exit::Done);
    }
    to_stdout(|out| {
        for (i, page) in found.results.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            let title = page.title.as_deref().unwrap_or("(no title)");
            match &page.publish_date {
                Some(date) => writeln!(out, "{title} ({date})")?,
                None => writeln!(out, "{title}")?,
            }
            writeln!(out, "{}", page.url)?;
            for excerpt in &page.excerpts {
                writeln!(out, "  > {}", one_line(excerpt))?;
            }
        }
        Ok(())
    })?;
    eprintln!(
        "{} page(s) found (search {})",
        found.results.len(),
        found.search_id
    );
    for w in found.warnings.iter().flatten() {
        eprintln!("warning: {}", w.message);
    }
    Ok(Exit::Done)
}

/// The source policy the domain and date flags describe.
fn source_policy(args: &SearchArgs) -> Result<SourcePolicy> {
    serde_json::from_value(json!({
        "include_domains": args.include_domains,
        "exclude_domains": args.exclude_domains,
        "after_date": args.after_date,
    }))
    .map_err(|e| {
        Failure::usage(format!(
            "--after-date {:?}: {e}; write the date as YYYY-MM-DD",
            args.after_date.as_deref().unwrap_or_default()
        ))
    })
}

/// Runs `extract`: exit status 0 when every page was read, 2 when some
/// could not be (they are listed on stderr).
pub async fn extract(client: &Client, args: &ExtractArgs) -> Result<Exit> {
    let mut request = client.extract(&args.urls).queries(&args.queries);
    if let Some(objective) = &args.objective {
        request = request.objective(objective);
    }
    if args.full_content {
        request = request.full_content(true);
    }
    let read = request.send().await?;
    let failed = read.errors().len();
    if args.json {
        print_json(&read.into_inner())?;
    } else {
        to_stdout(|out| {
            for (i, page) in read.results().iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                writeln!(out, "{}", page.title.as_deref().unwrap_or("(no title)"))?;
                writeln!(out, "{}", page.url)?;
                for excerpt in &page.excerpts {
                    writeln!(out, "  > {}", one_line(excerpt))?;
                }
                if let Some(content) = &page.full_content {
                    writeln!(out, "\n{}", content.trim_end())?;
                }
            }
            Ok(())
        })?;
        for e in read.errors() {
            eprintln!(
                "could not read {}: {} (HTTP status {})",
                e.url,
                e.error_type,
                e.http_status_code
                    .map_or_else(|| "none".to_owned(), |c| c.to_string())
            );
        }
    }
    Ok(if failed > 0 {
        Exit::RowsFailed
    } else {
        Exit::Done
    })
}

/// An excerpt on one line (excerpts may hold line breaks).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
