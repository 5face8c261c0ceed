//! Task-group endpoints (G1–G3, G6) over real HTTP: status codes, exact wire
//! shapes, both path prefixes, cursors in add-runs responses.

mod common;

use common::{STATUS_KEYS, TASK_RUN_KEYS, is_timestamp, keys, keys_at, start};
use serde_json::{Value, json};

#[tokio::test]
async fn create_group_answers_200_with_every_field_in_schema_order() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/v1/tasks/groups",
            &json!({"metadata": {"team": "x", "n": 2}}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        keys(&r.text),
        ["taskgroup_id", "metadata", "status", "created_at"]
    );
    assert_eq!(keys_at(&r.text, &["status"]), STATUS_KEYS);
    let v = r.json();
    assert!(v["taskgroup_id"].as_str().unwrap().starts_with("tgrp_"));
    assert_eq!(v["metadata"], json!({"team": "x", "n": 2}));
    assert_eq!(v["status"]["num_task_runs"], 0);
    assert_eq!(v["status"]["is_active"], false);
    assert!(is_timestamp(&v["created_at"]), "{}", v["created_at"]);
    assert_eq!(
        serde_json::to_string(&v).unwrap().len(),
        r.text.len(),
        "compact JSON: {}",
        r.text
    );
}

#[tokio::test]
async fn create_group_without_metadata_serialises_explicit_null() {
    let (_emu, api) = start().await;
    let r = api.post("/v1/tasks/groups", &json!({})).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains(r#""metadata":null"#), "{}", r.text);
}

#[tokio::test]
async fn groups_are_served_under_v1_and_v1beta() {
    let (_emu, api) = start().await;
    let r = api.post("/v1beta/tasks/groups", &json!({})).await;
    assert_eq!(r.status, 200);
    let id = r.json()["taskgroup_id"].as_str().unwrap().to_owned();
    assert_eq!(api.get(&format!("/v1/tasks/groups/{id}")).await.status, 200);
    assert_eq!(
        api.get(&format!("/v1beta/tasks/groups/{id}")).await.status,
        200
    );
    let add = api
        .post(
            &format!("/v1beta/tasks/groups/{id}/runs?beta=true"),
            &json!({"inputs": [{"input": "q", "processor": "base"}]}),
        )
        .await;
    assert_eq!(add.status, 200, "{}", add.text);
}

#[tokio::test]
async fn retrieve_unknown_group_is_404_error_response() {
    let (_emu, api) = start().await;
    let r = api.get("/v1/tasks/groups/tgrp_nope").await;
    assert_eq!(r.status, 404);
    assert_eq!(keys(&r.text), ["type", "error"]);
    assert_eq!(
        keys_at(&r.text, &["error"]),
        ["ref_id", "message", "detail"]
    );
    assert_eq!(r.json()["error"]["message"], "TaskGroup not found");
}

#[tokio::test]
async fn add_runs_returns_200_with_ids_status_and_null_cursors_first() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    let r = api
        .post(&format!("/v1/tasks/groups/{g}/runs"), &json!({"inputs": [{"input": "a", "processor": "lite"}, {"input": {"x": 1}, "processor": "pro-fast"}]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        keys(&r.text),
        ["status", "run_ids", "run_cursor", "event_cursor"]
    );
    let v = r.json();
    let ids = v["run_ids"].as_array().unwrap();
    assert_eq!(ids.len(), 2);
    for id in ids {
        let id = id.as_str().unwrap();
        assert!(
            id.starts_with("trun_")
                && id.len() == 37
                && id[5..].bytes().all(|b| b.is_ascii_hexdigit()),
            "{id}"
        );
    }
    assert_eq!(v["run_cursor"], json!(null));
    assert_eq!(v["event_cursor"], json!(null));
    assert_eq!(v["status"]["num_task_runs"], 2);
    assert_eq!(v["status"]["task_run_status_counts"], json!({"queued": 2}));
    assert_eq!(v["status"]["is_active"], true);
}

#[tokio::test]
async fn second_add_returns_string_cursors() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    api.add(&g, 1).await;
    let second = api.add(&g, 1).await;
    assert!(second["run_cursor"].is_string());
    assert!(second["event_cursor"].is_string());
}

#[tokio::test]
async fn add_runs_accepts_refresh_status_and_beta_header() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    let r = api
        .send(
            api.http
                .post(format!(
                    "{}/v1/tasks/groups/{g}/runs?refresh_status=false",
                    api.base
                ))
                .header(
                    "parallel-beta",
                    "mcp-server-2025-07-17,search-extract-2025-10-10",
                )
                .header("content-type", "application/json")
                .body(r#"{"inputs":[{"input":"q","processor":"core"}]}"#),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn adding_runs_to_a_finished_group_makes_it_active_again() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    api.add(&g, 2).await;
    let events = api.events(&g, "").await;
    assert_eq!(events.last().unwrap().json()["status"]["is_active"], false);
    let again = api.add(&g, 1).await;
    assert_eq!(again["status"]["is_active"], true);
    assert_eq!(again["status"]["num_task_runs"], 3);
}

#[tokio::test]
async fn retrieve_group_run_returns_the_task_run_of_that_group_only() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    let other = api.group().await;
    let run = api.add(&g, 1).await["run_ids"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api.get(&format!("/v1/tasks/groups/{g}/runs/{run}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(keys(&r.text), TASK_RUN_KEYS);
    assert_eq!(r.json()["taskgroup_id"], json!(g));
    let wrong = api
        .get(&format!("/v1/tasks/groups/{other}/runs/{run}"))
        .await;
    assert_eq!(wrong.status, 404);
    assert_eq!(wrong.json()["error"]["message"], "Run id not found");
}

#[tokio::test]
async fn missing_or_wrong_api_key_is_401() {
    let (_emu, api) = start().await;
    let none = api
        .http
        .post(format!("{}/v1/tasks/groups", api.base))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(none.status().as_u16(), 401);
    let body = none.text().await.unwrap();
    assert_eq!(keys(&body), ["type", "error"]);
    let wrong = api
        .http
        .get(format!("{}/v1/tasks/runs/trun_x", api.base))
        .header("x-api-key", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
}

#[tokio::test]
async fn group_status_counts_runs_and_reports_modified_at() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    api.add(&g, 3).await;
    api.events(&g, "").await;
    let v = api.get(&format!("/v1/tasks/groups/{g}")).await.json();
    assert_eq!(v["status"]["num_task_runs"], 3);
    assert_eq!(
        v["status"]["task_run_status_counts"],
        json!({"completed": 3})
    );
    assert!(
        v["status"]["status_message"]
            .as_str()
            .unwrap()
            .contains('3')
    );
    assert!(is_timestamp(&v["status"]["modified_at"]));
}

#[tokio::test]
async fn ledger_lists_every_run_with_its_input_in_creation_order() {
    let (_emu, api) = start().await;
    let g = api.group().await;
    let first = api.add(&g, 3).await;
    let second = api.add(&g, 2).await;
    let ids: Vec<Value> = [first, second]
        .iter()
        .flat_map(|r| r["run_ids"].as_array().unwrap().clone())
        .collect();
    let other = api.group().await;
    api.add(&other, 1).await;

    let r = api.get(&format!("/_emulator/groups/{g}/runs")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
    let lines: Vec<Value> = r
        .text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "only this group's runs: {}", r.text);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["run_id"], ids[i]);
        let question = if i < 3 { i } else { i - 3 };
        assert_eq!(
            line["run_input"],
            json!({"input": format!("question {question}"), "processor": "lite"})
        );
        assert!(line["status"].is_string());
    }
    assert_eq!(
        api.get("/_emulator/groups/tgrp_nope/runs").await.status,
        404
    );
}
