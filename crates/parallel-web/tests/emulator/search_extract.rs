//! Search and extract against the emulator's synthetic web: typed answers,
//! per-URL failures inside a successful extract, the documented limits
//! checked before sending, and retries and options as for every call.

use parallel_web::{ExtractResponse, MAX_EXTRACT_URLS, SearchMode, WithOptions};

use crate::*;

/// `field` and `index` of an `InvalidInput`, or a panic naming the error.
fn invalid(err: Error) -> (Option<usize>, String, String) {
    match err {
        Error::InvalidInput {
            index,
            field,
            message,
        } => (index, field, message),
        other => panic!("wanted InvalidInput, got {other:?}"),
    }
}

#[tokio::test]
async fn a_search_returns_typed_results_within_its_settings() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let found = client
        .search()
        .objective("Drought policy in the western states")
        .queries(["water rights reform", "drought policy"])
        .mode(SearchMode::Basic)
        .include_domains([".gov"])
        .max_results(4)
        .max_chars_per_result(1000)
        .await
        .unwrap();
    assert_eq!(found.results.len(), 4);
    for page in &found.results {
        assert!(page.url.contains(".gov/"), "{}", page.url);
        let title = page.title.as_deref().unwrap_or_default().to_lowercase();
        assert!(
            ["drought", "water", "rights", "policy"]
                .iter()
                .any(|w| title.contains(w)),
            "{title}"
        );
        let chars: usize = page.excerpts.iter().map(|e| e.chars().count()).sum();
        assert!(chars <= 1000 && chars > 0, "{chars}");
    }
    assert!(found.search_id.starts_with("search_"));
    assert!(found.session_id.starts_with("session_"));
}

#[tokio::test]
async fn a_session_id_carries_from_search_to_extract() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let found = client.search().query("coral bleaching").await.unwrap();
    let first = found.results[0].url.clone();
    let read = client
        .extract([first.as_str()])
        .session_id(found.session_id.clone())
        .await
        .unwrap();
    assert_eq!(read.session_id, found.session_id);
    assert_eq!(read.results()[0].title, found.results[0].title);
}

#[tokio::test]
async fn pages_that_cannot_be_read_are_errors_inside_a_successful_extract() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let good = "https://docs.example.org/guides/soil-carbon";
    let read: ExtractResponse = client
        .extract([
            good,
            "https://unreachable.example/x",
            "https://example.org/missing/y",
        ])
        .objective("soil carbon")
        .full_content_max_chars(300)
        .await
        .unwrap();
    assert!(!read.is_complete());
    assert_eq!(read.results().len(), 1);
    let page = read.result_for(good).expect("the synthetic page is read");
    assert_eq!(
        page.full_content.as_deref().map(|t| t.chars().count()),
        Some(300)
    );
    assert!(page.excerpts.join(" ").to_lowercase().contains("soil"));
    let failed: Vec<(&str, Option<i64>)> = read
        .errors()
        .iter()
        .map(|e| (e.url.as_str(), e.http_status_code))
        .collect();
    assert_eq!(
        failed,
        [
            ("https://unreachable.example/x", None),
            ("https://example.org/missing/y", Some(404))
        ]
    );
    assert!(read.extract_id.starts_with("extract_"));
}

#[tokio::test]
async fn a_search_without_queries_is_refused_before_sending() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    for search in [
        client.search(),
        client.search().objective(""),
        client.search().objective("an objective alone"),
    ] {
        let (index, field, message) = invalid(search.await.unwrap_err());
        assert_eq!((index, field.as_str()), (None, "search_queries"));
        assert!(message.contains(".query("), "{message}");
    }
    let (_, field, _) = invalid(client.search().query("  ").await.unwrap_err());
    assert_eq!(field, "search_queries[0]");
    assert_eq!(ops(&emu, "search"), 0, "nothing was sent");
}

#[tokio::test]
async fn documented_limits_are_checked_before_sending() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let many: Vec<String> = (0..=MAX_EXTRACT_URLS)
        .map(|i| format!("https://example.com/{i}"))
        .collect();
    let (_, field, message) = invalid(client.extract(many).await.unwrap_err());
    assert_eq!(field, "urls");
    assert!(
        message.contains("21") && message.contains("20"),
        "{message}"
    );

    let (index, field, message) = invalid(
        client
            .extract(["https://example.com/a", "example.com/b"])
            .await
            .unwrap_err(),
    );
    assert_eq!((index, field.as_str()), (Some(1), "urls"));
    assert!(message.contains("example.com/b"), "{message}");
    let (index, _, _) = invalid(client.extract(["ftp://example.com/f"]).await.unwrap_err());
    assert_eq!(index, Some(0));
    let (_, field, _) = invalid(client.extract(Vec::<String>::new()).await.unwrap_err());
    assert_eq!(field, "urls");

    let (_, field, _) = invalid(
        client
            .search()
            .query("x")
            .session_id("s".repeat(1001))
            .await
            .unwrap_err(),
    );
    assert_eq!(field, "session_id");
    let domains: Vec<String> = (0..201).map(|i| format!("d{i}.example")).collect();
    let (_, field, _) = invalid(
        client
            .search()
            .query("x")
            .exclude_domains(domains)
            .await
            .unwrap_err(),
    );
    assert_eq!(field, "advanced_settings.source_policy");
    let stale: parallel_web::types::FetchPolicy =
        serde_json::from_value(json!({"max_age_seconds": 60})).unwrap();
    let (_, field, _) = invalid(
        client
            .extract(["https://example.com/a"])
            .fetch_policy(stale)
            .await
            .unwrap_err(),
    );
    assert_eq!(field, "advanced_settings.fetch_policy.max_age_seconds");
    assert_eq!(ops(&emu, "search") + ops(&emu, "extract"), 0);
}

#[tokio::test]
async fn search_and_extract_are_retried_and_take_per_call_options() {
    let emu = start(
        instant().fault(
            Fault::status(503)
                .retry_after_ms(1)
                .path("/search")
                .times(1),
        ),
    )
    .await;
    let client = client_for(&emu);
    let found = client.search().query("retried once").await.unwrap();
    assert!(!found.results.is_empty());
    assert_eq!(ops(&emu, "search"), 2);

    let emu = start(instant().fault(Fault::status(503).retry_after_ms(1).path("/extract"))).await;
    let client = client_for(&emu);
    let err = client
        .extract(["https://example.com/a"])
        .max_retries(0)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(ops(&emu, "extract"), 1);
}
