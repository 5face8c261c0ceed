//! Memory scopes (beta) over real HTTP: monitors created with a
//! `memory_scope_key` are remembered there until evicted or cleared.

mod common;

use common::{Api, start};
use serde_json::{Value, json};

async fn monitor_in(api: &Api, scope: &str, query: &str) -> String {
    let body = json!({"type": "event_stream", "frequency": "1d",
        "settings": {"query": query}, "memory_scope_key": scope});
    let r = api.post("/v1/monitors", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["monitor_id"].as_str().unwrap().to_owned()
}

async fn retrieve(api: &Api, body: Value) -> Vec<Value> {
    let r = api.post("/v1beta/memory/retrieve", &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["results"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_monitor_created_with_a_scope_key_is_remembered_in_that_scope_only() {
    let (_emu, api) = start().await;
    let solar = monitor_in(&api, "team-a", "solar panel prices").await;
    let wind = monitor_in(&api, "team-a", "wind farm auctions").await;
    monitor_in(&api, "team-b", "solar subsidies").await;
    let all = retrieve(&api, json!({"memory_scope_key": "team-a"})).await;
    let ids: Vec<&Value> = all.iter().map(|r| &r["id"]).collect();
    assert_eq!(ids, [&json!(wind), &json!(solar)], "most recent first");
    assert_eq!(all[0]["kind"], "monitor");
    assert_eq!(all[0]["status"], "active");
    let found = retrieve(
        &api,
        json!({"memory_scope_key": "team-a", "query": "solar"}),
    )
    .await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], json!(solar));
    let tasks = retrieve(&api, json!({"memory_scope_key": "team-a", "kind": "task"})).await;
    assert!(tasks.is_empty());
}

#[tokio::test]
async fn a_task_run_created_with_a_scope_key_is_remembered_with_its_input_and_output() {
    let (_emu, api) = start().await;
    let run = api
        .create_run(&json!({"input": "Who founded Rust?", "processor": "lite",
            "memory_scope_key": "team-a"}))
        .await;
    let found = retrieve(&api, json!({"memory_scope_key": "team-a", "kind": "task"})).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["id"], json!(run));
    assert_eq!(found[0]["input_excerpt"], "Who founded Rust?");
    assert!(!found[0]["output_excerpt"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn evict_forgets_one_memory_and_clear_the_whole_scope() {
    let (_emu, api) = start().await;
    let a = monitor_in(&api, "s", "one").await;
    monitor_in(&api, "s", "two").await;
    let r = api
        .post(
            "/v1beta/memory/evict",
            &json!({"memory_scope_key": "s", "kind": "monitor", "id": a}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(
        retrieve(&api, json!({"memory_scope_key": "s"})).await.len(),
        1
    );
    let r = api
        .post("/v1beta/memory/clear", &json!({"memory_scope_key": "s"}))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(
        retrieve(&api, json!({"memory_scope_key": "s"}))
            .await
            .is_empty()
    );
    // The monitor itself is kept.
    assert_eq!(api.get(&format!("/v1/monitors/{a}")).await.status, 200);
}

#[tokio::test]
async fn bad_memory_requests_are_422s() {
    let (_emu, api) = start().await;
    for (path, body) in [
        ("/v1beta/memory/retrieve", json!({"kind": "dream"})),
        ("/v1beta/memory/retrieve", json!({"limit": 0})),
        ("/v1beta/memory/retrieve", json!({"since": "yesterday"})),
        ("/v1beta/memory/evict", json!({"id": "x"})),
    ] {
        let r = api.post(path, &body).await;
        assert_eq!(r.status, 422, "{path} {body}: {}", r.text);
    }
}
