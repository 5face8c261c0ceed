//! The search and extract cases of the bad-input table (issue 15), against
//! the emulator binary: every documented limit is refused before sending,
//! with the field named; what no document limits is sent and answered.

use super::*;

/// An `InvalidInput` at `index` on `field` (exactly).
fn refused(index: Option<usize>, field: &'static str) -> Check {
    expect_err(
        move |e| matches!(e, Error::InvalidInput { index: i, field: f, .. } if *i == index && f == field),
    )
}

/// Runs `call` on a client of the instant emulator; the outcome, with a
/// violation recorded if a request was sent when `sends` is false.
async fn counted<F, Fut>(env: &Env, sends: bool, call: F) -> Observed
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let client = env.client();
    let before = client.request_count();
    let outcome = call(client.clone()).await;
    let sent = client.request_count() - before;
    Observed::of(outcome).check(sends || sent == 0, || format!("{sent} request(s) sent"))
}

async fn search(search: parallel_web::Search) -> Outcome {
    let found = search.await?;
    Ok(format!("{} results", found.results.len()))
}

async fn extract(extract: parallel_web::Extract) -> Outcome {
    let read = extract.await?;
    Ok(format!(
        "{} results, {} errors",
        read.results().len(),
        read.errors().len()
    ))
}

pub(super) fn search_cases() -> Vec<Case> {
    vec![
        Case::new(
            "search_no_objective_no_queries",
            "client.search() with nothing set",
            "InvalidInput on search_queries, nothing sent",
            refused(None, "search_queries"),
            |env| async move { counted(&env, false, |c| search(c.search())).await },
        ),
        Case::new(
            "search_empty_objective_no_queries",
            "client.search().objective(\"\")",
            "InvalidInput on search_queries, nothing sent",
            refused(None, "search_queries"),
            |env| async move { counted(&env, false, |c| search(c.search().objective(""))).await },
        ),
        Case::new(
            "search_objective_only",
            "client.search().objective(\"…\") without a query (the GA API requires one)",
            "InvalidInput on search_queries saying the objective alone is not enough",
            expect_err(
                |e| matches!(e, Error::InvalidInput { field, message, .. } if field == "search_queries" && message.contains("objective alone")),
            ),
            |env| async move {
                counted(&env, false, |c| {
                    search(c.search().objective("battery prices"))
                })
                .await
            },
        ),
        Case::new(
            "search_blank_query",
            "client.search().query(\"   \")",
            "InvalidInput on search_queries[0], nothing sent",
            refused(None, "search_queries[0]"),
            |env| async move { counted(&env, false, |c| search(c.search().query("   "))).await },
        ),
        Case::new(
            "search_session_id_1001_chars",
            "a session id of 1,001 characters (limit 1,000)",
            "InvalidInput on session_id, nothing sent",
            refused(None, "session_id"),
            |env| async move {
                counted(&env, false, |c| {
                    search(c.search().query("q").session_id("s".repeat(1001)))
                })
                .await
            },
        ),
        Case::new(
            "search_201_policy_domains",
            "include_domains + exclude_domains of 201 entries (limit 200)",
            "InvalidInput on advanced_settings.source_policy, nothing sent",
            refused(None, "advanced_settings.source_policy"),
            |env| async move {
                let domains: Vec<String> = (0..201).map(|i| format!("d{i}.example")).collect();
                counted(&env, false, |c| {
                    search(c.search().query("q").exclude_domains(domains))
                })
                .await
            },
        ),
        Case::new(
            "search_200_queries",
            "200 keyword queries (no document limits their number)",
            "Ok: sent and answered with the default 10 results",
            expect_ok(|s| s == "10 results"),
            |env| async move {
                let queries: Vec<String> = (0..200).map(|i| format!("topic {i} energy")).collect();
                counted(&env, true, |c| search(c.search().queries(queries))).await
            },
        ),
        Case::new(
            "search_objective_of_1_mb",
            "an objective of 1 MB (no document limits its length)",
            "Ok: sent and answered (the emulator reads at most 12 topic words)",
            expect_ok(|s| s == "10 results"),
            |env| async move {
                let objective = "renewable energy storage ".repeat(40_000);
                counted(&env, true, |c| {
                    search(c.search().objective(objective).query("energy storage"))
                })
                .await
            },
        ),
        Case::new(
            "extract_21_urls",
            "extract of 21 URLs (limit 20)",
            "InvalidInput on urls naming both numbers, nothing sent",
            expect_err(
                |e| matches!(e, Error::InvalidInput { index: None, field, message } if field == "urls" && message.contains("21") && message.contains("20")),
            ),
            |env| async move {
                let urls: Vec<String> = (0..21)
                    .map(|i| format!("https://example.com/{i}"))
                    .collect();
                counted(&env, false, |c| extract(c.extract(urls))).await
            },
        ),
        Case::new(
            "extract_no_urls",
            "extract of an empty list",
            "InvalidInput on urls, nothing sent",
            refused(None, "urls"),
            |env| async move {
                counted(&env, false, |c| extract(c.extract(Vec::<String>::new()))).await
            },
        ),
        Case::new(
            "extract_non_url_string",
            "extract([\"https://example.com/a\", \"example.com/b\"]): the second has no scheme",
            "InvalidInput for input #1 on urls, nothing sent",
            refused(Some(1), "urls"),
            |env| async move {
                counted(&env, false, |c| {
                    extract(c.extract(["https://example.com/a", "example.com/b"]))
                })
                .await
            },
        ),
        Case::new(
            "extract_ftp_url",
            "extract([\"ftp://example.com/file\"])",
            "InvalidInput for input #0 on urls (http and https only), nothing sent",
            refused(Some(0), "urls"),
            |env| async move {
                counted(&env, false, |c| {
                    extract(c.extract(["ftp://example.com/file"]))
                })
                .await
            },
        ),
        Case::new(
            "extract_fetch_max_age_60",
            "extract with fetch_policy.max_age_seconds = 60 (minimum 600)",
            "InvalidInput on advanced_settings.fetch_policy.max_age_seconds, nothing sent",
            refused(None, "advanced_settings.fetch_policy.max_age_seconds"),
            |env| async move {
                let policy: parallel_web::types::FetchPolicy =
                    serde_json::from_value(json!({"max_age_seconds": 60})).expect("a policy");
                counted(&env, false, |c| {
                    extract(c.extract(["https://example.com/a"]).fetch_policy(policy))
                })
                .await
            },
        ),
        Case::new(
            "extract_only_unreachable_pages",
            "extract of two valid URLs on hosts outside the emulator's web",
            "Ok: a success with 0 results and 2 per-URL errors, not an Err",
            expect_ok(|s| s == "0 results, 2 errors"),
            |env| async move {
                counted(&env, true, |c| {
                    extract(c.extract(["https://a.invalid/x", "https://b.invalid/y"]))
                })
                .await
            },
        ),
    ]
}
