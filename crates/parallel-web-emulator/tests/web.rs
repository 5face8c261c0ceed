//! Search and extract over the synthetic web, over real HTTP.

mod common;

use common::{builder, start, start_with};
use serde_json::{Value, json};

fn excerpt_chars(result: &Value) -> usize {
    result["excerpts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().chars().count())
        .sum()
}

#[tokio::test]
async fn search_returns_ten_results_by_default_that_mention_the_query() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/v1/search",
            &json!({"objective": "heat pumps", "search_queries": ["heat pump efficiency"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 10);
    for result in results {
        let title = result["title"].as_str().unwrap().to_lowercase();
        assert!(title.contains("heat") || title.contains("pump"), "{title}");
        let text = result["excerpts"].to_string().to_lowercase();
        assert!(text.contains("heat") || text.contains("pump"), "{text}");
    }
    let id = v["search_id"].as_str().unwrap();
    assert!(
        id.starts_with("search_") && id.len() == "search_".len() + 32,
        "{id}"
    );
    assert!(v["session_id"].as_str().unwrap().starts_with("session_"));
}

#[tokio::test]
async fn search_honours_max_results_and_echoes_the_session() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/v1/search",
            &json!({"search_queries": ["tidal power"], "session_id": "session_mine",
                    "advanced_settings": {"max_results": 3}}),
        )
        .await;
    let v = r.json();
    assert_eq!(v["results"].as_array().unwrap().len(), 3);
    assert_eq!(v["session_id"], "session_mine");
}

#[tokio::test]
async fn search_keeps_to_the_source_policy() {
    let (_emu, api) = start().await;
    let policy = json!({"include_domains": [".gov"], "after_date": "2022-01-01"});
    let r = api
        .post(
            "/v1/search",
            &json!({"search_queries": ["water rights"],
                    "advanced_settings": {"source_policy": policy, "max_results": 5}}),
        )
        .await;
    let results = r.json()["results"].as_array().unwrap().clone();
    assert!(!results.is_empty(), "{}", r.text);
    for result in &results {
        assert!(
            result["url"].as_str().unwrap().contains(".gov/"),
            "{result}"
        );
        assert!(result["publish_date"].as_str().unwrap() >= "2022-01-01");
    }
    let r = api
        .post(
            "/v1/search",
            &json!({"search_queries": ["water rights"],
                    "advanced_settings": {"source_policy": {"exclude_domains": ["example.com", ".edu"]}}}),
        )
        .await;
    for result in r.json()["results"].as_array().unwrap() {
        let url = result["url"].as_str().unwrap();
        assert!(
            !url.contains("example.com/") && !url.contains(".edu/"),
            "{url}"
        );
    }
}

#[tokio::test]
async fn search_bounds_excerpts_per_result_and_in_total() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/v1/search",
            &json!({"search_queries": ["wind turbines"], "max_chars_total": 2500,
                    "advanced_settings": {"excerpt_settings": {"max_chars_per_result": 1000}}}),
        )
        .await;
    let results = r.json()["results"].as_array().unwrap().clone();
    let per: Vec<usize> = results.iter().map(excerpt_chars).collect();
    assert!(per.iter().all(|n| *n <= 1000), "{per:?}");
    assert_eq!(per.iter().sum::<usize>(), 2500, "{per:?}");
}

#[tokio::test]
async fn search_below_the_excerpt_minimum_is_raised_with_a_warning() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/v1/search",
            &json!({"search_queries": ["wind turbines"],
                    "advanced_settings": {"excerpt_settings": {"max_chars_per_result": 10}}}),
        )
        .await;
    let v = r.json();
    assert_eq!(v["warnings"][0]["type"], "input_validation_warning");
    assert!(excerpt_chars(&v["results"][0]) > 10);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_answers() {
    let body = json!({"search_queries": ["coral reefs"]});
    let (_a, api_a) = start_with(builder().seed(5)).await;
    let (_b, api_b) = start_with(builder().seed(5)).await;
    let (_c, api_c) = start_with(builder().seed(6)).await;
    let a = api_a.post("/v1/search", &body).await.json();
    let b = api_b.post("/v1/search", &body).await.json();
    let c = api_c.post("/v1/search", &body).await.json();
    assert_eq!(a, b);
    assert_ne!(a["results"], c["results"]);
}

#[tokio::test]
async fn search_limits_are_422_error_responses() {
    let (_emu, api) = start().await;
    let no_queries = api.post("/v1/search", &json!({"search_queries": []})).await;
    assert_eq!(no_queries.status, 422);
    assert_eq!(no_queries.json()["type"], "error");
    let beta_empty = api.post("/v1beta/search", &json!({"objective": " "})).await;
    assert_eq!(beta_empty.status, 422, "{}", beta_empty.text);
    let domains: Vec<String> = (0..201).map(|i| format!("d{i}.example")).collect();
    let too_many = api
        .post(
            "/v1/search",
            &json!({"search_queries": ["x"], "advanced_settings": {"source_policy": {"include_domains": domains}}}),
        )
        .await;
    assert_eq!(too_many.status, 422);
    let message = too_many.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("201") && message.contains("200"),
        "{message}"
    );
}

#[tokio::test]
async fn extract_reads_synthetic_pages_and_reports_the_others_per_url() {
    let (_emu, api) = start().await;
    let page = "https://docs.example.org/guides/rust-ownership";
    let r = api
        .post(
            "/v1/extract",
            &json!({"urls": [page, "https://elsewhere.test/a", "not a url", "https://example.org/missing/x"],
                    "objective": "ownership",
                    "advanced_settings": {"full_content": {"max_chars_per_result": 200}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["results"].as_array().unwrap().len(), 1);
    let result = &v["results"][0];
    assert_eq!(result["url"], page);
    assert!(
        result["excerpts"]
            .to_string()
            .to_lowercase()
            .contains("ownership")
    );
    assert_eq!(
        result["full_content"].as_str().unwrap().chars().count(),
        200
    );
    let errors = v["errors"].as_array().unwrap();
    let kinds: Vec<(&str, &Value)> = errors
        .iter()
        .map(|e| (e["error_type"].as_str().unwrap(), &e["http_status_code"]))
        .collect();
    assert_eq!(
        kinds,
        [
            ("fetch_error", &Value::Null),
            ("invalid_url", &Value::Null),
            ("fetch_error", &json!(404))
        ]
    );
    assert!(v["extract_id"].as_str().unwrap().starts_with("extract_"));
}

#[tokio::test]
async fn extract_of_a_search_result_returns_the_same_page() {
    let (_emu, api) = start().await;
    let found = api
        .post(
            "/v1/search",
            &json!({"search_queries": ["glacier retreat"]}),
        )
        .await
        .json();
    let url = found["results"][0]["url"].clone();
    let read = api
        .post("/v1/extract", &json!({"urls": [url]}))
        .await
        .json();
    assert_eq!(read["results"][0]["title"], found["results"][0]["title"]);
}

#[tokio::test]
async fn beta_extract_can_skip_excerpts_and_return_full_content() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/v1beta/extract",
            &json!({"urls": ["https://example.io/x/async-io"], "excerpts": false, "full_content": true}),
        )
        .await;
    let v = r.json();
    assert!(v["results"][0].get("excerpts").is_none(), "{v}");
    assert!(
        v["results"][0]["full_content"]
            .as_str()
            .unwrap()
            .starts_with("# ")
    );
    assert!(
        v.get("session_id").is_none(),
        "the beta shape has no session id"
    );
}

#[tokio::test]
async fn more_than_twenty_urls_is_a_422() {
    let (_emu, api) = start().await;
    let urls: Vec<String> = (0..21)
        .map(|i| format!("https://example.com/{i}"))
        .collect();
    let r = api.post("/v1/extract", &json!({"urls": urls})).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("at most 20"), "{}", r.text);
}

#[tokio::test]
async fn faults_and_the_rate_limit_apply_to_search_and_extract() {
    let fault = "status:code=503,path=/search,times=1".parse().unwrap();
    let (_emu, api) = start_with(builder().fault(fault)).await;
    let body = json!({"search_queries": ["x"]});
    assert_eq!(api.post("/v1/search", &body).await.status, 503);
    assert_eq!(api.post("/v1/search", &body).await.status, 200);

    let (_emu, api) = start_with(builder().rate_limit(1)).await;
    assert_eq!(api.post("/v1/search", &body).await.status, 200);
    let limited = api
        .post("/v1/extract", &json!({"urls": ["https://example.com/a"]}))
        .await;
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").is_some());
}
