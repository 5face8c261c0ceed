//! Monitors over real HTTP: create, list, retrieve, update, cancel,
//! trigger and events, with their paging and refusals.

mod common;

use common::{Api, start};
use serde_json::{Value, json};
use std::collections::HashSet;

async fn create(api: &Api, body: Value) -> Value {
    let r = api.post("/v1/monitors", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

fn news(query: &str) -> Value {
    json!({"type": "event_stream", "frequency": "1d", "settings": {"query": query}})
}

async fn trigger(api: &Api, id: &str, times: usize) {
    for _ in 0..times {
        let r = api
            .post(&format!("/v1/monitors/{id}/trigger"), &json!({}))
            .await;
        assert_eq!(r.status, 204, "{}", r.text);
    }
}

/// Every event of a monitor, page by page; also the number of pages.
async fn all_events(api: &Api, id: &str, query: &str) -> (Vec<Value>, usize) {
    let (mut events, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
    loop {
        let path = match &cursor {
            None => format!("/v1/monitors/{id}/events?{query}"),
            Some(c) => format!("/v1/monitors/{id}/events?{query}&cursor={c}"),
        };
        let r = api.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let v = r.json();
        pages += 1;
        events.extend(v["events"].as_array().unwrap().iter().cloned());
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return (events, pages),
        }
    }
}

#[tokio::test]
async fn a_created_monitor_is_active_and_has_run_its_first_check() {
    let (_emu, api) = start().await;
    let m = create(&api, news("battery recycling plants")).await;
    assert_eq!(m["status"], "active");
    assert_eq!(m["type"], "event_stream");
    assert_eq!(m["processor"], "lite");
    assert_eq!(m["settings"]["query"], "battery recycling plants");
    assert!(m["monitor_id"].as_str().unwrap().starts_with("monitor_"));
    assert!(m["last_run_at"].is_string(), "{m}");
    let id = m["monitor_id"].as_str().unwrap();
    let again = api.get(&format!("/v1/monitors/{id}")).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["monitor_id"], m["monitor_id"]);
}

#[tokio::test]
async fn unknown_frequencies_are_refused_with_a_422_that_names_the_field() {
    let (_emu, api) = start().await;
    for bad in ["daily", "0h", "31d", "90m"] {
        let mut body = news("x");
        body["frequency"] = json!(bad);
        let r = api.post("/v1/monitors", &body).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
        let v = r.json();
        assert_eq!(v["type"], "error", "{v}");
        assert_eq!(
            v["error"]["detail"]["errors"][0]["loc"],
            json!(["body", "frequency"])
        );
    }
}

#[tokio::test]
async fn settings_that_do_not_fit_the_type_are_refused() {
    let (_emu, api) = start().await;
    let blank = json!({"type": "event_stream", "frequency": "1d", "settings": {"query": "  "}});
    assert_eq!(api.post("/v1/monitors", &blank).await.status, 422);
    let no_run = json!({"type": "snapshot", "frequency": "1d",
        "settings": {"task_run_id": "trun_0123456789abcdef0123456789abcdef"}});
    let r = api.post("/v1/monitors", &no_run).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("not found"), "{}", r.text);
}

#[tokio::test]
async fn a_snapshot_monitor_watches_its_task_runs_input() {
    let (_emu, api) = start().await;
    let run = api
        .create_run(&json!({"input": "Who leads the EV market?", "processor": "lite"}))
        .await;
    let m = create(
        &api,
        json!({"type": "snapshot", "frequency": "1w", "settings": {"task_run_id": run}}),
    )
    .await;
    assert_eq!(m["settings"]["task_run_id"], json!(run));
    assert_eq!(m["settings"]["query"], "Who leads the EV market?");
    let id = m["monitor_id"].as_str().unwrap();
    trigger(&api, id, 8).await;
    let (events, _) = all_events(&api, id, "limit=100").await;
    assert!(!events.is_empty());
    for e in &events {
        assert_eq!(e["event_type"], "snapshot", "{e}");
        assert!(e["changed_output"]["content"].is_string(), "{e}");
        assert!(e["previous_output"]["content"].is_string(), "{e}");
    }
}

#[tokio::test]
async fn paging_lists_every_event_once_newest_first_and_the_last_page_has_no_cursor() {
    let (_emu, api) = start().await;
    let id = create(&api, news("grid storage")).await["monitor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    trigger(&api, &id, 150).await;
    let (events, pages) = all_events(&api, &id, "limit=7").await;
    let ids: HashSet<&str> = events
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), events.len(), "an event was listed twice");
    assert!(events.len() > 100, "{}", events.len());
    assert_eq!(pages, events.len().div_ceil(7));
    // One page of everything gives the same list.
    let (again, _) = all_events(&api, &id, "limit=100").await;
    assert_eq!(again, events);
    // Each check's events are listed together.
    let mut groups: Vec<&str> = events
        .iter()
        .map(|e| e["event_group_id"].as_str().unwrap())
        .collect();
    groups.dedup();
    assert_eq!(groups.iter().collect::<HashSet<_>>().len(), groups.len());
}

#[tokio::test]
async fn completions_are_listed_only_when_asked_for() {
    let (_emu, api) = start().await;
    let id = create(&api, news("lithium prices")).await["monitor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    trigger(&api, &id, 40).await;
    let (plain, _) = all_events(&api, &id, "limit=100").await;
    assert!(plain.iter().all(|e| e["event_type"] == "event_stream"));
    let (with, _) = all_events(&api, &id, "limit=100&include_completions=true").await;
    let completions = with
        .iter()
        .filter(|e| e["event_type"] == "completion")
        .count();
    assert!(completions > 0);
    assert_eq!(with.len(), plain.len() + completions);
}

#[tokio::test]
async fn an_event_group_id_lists_that_checks_events_only() {
    let (_emu, api) = start().await;
    let id = create(&api, news("offshore wind")).await["monitor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    trigger(&api, &id, 20).await;
    let (events, _) = all_events(&api, &id, "limit=100").await;
    let group = events[0]["event_group_id"].as_str().unwrap();
    let r = api
        .get(&format!(
            "/v1/monitors/{id}/events?event_group_id={group}&limit=1"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let listed = r.json()["events"].as_array().unwrap().clone();
    let expected: Vec<&Value> = events
        .iter()
        .filter(|e| e["event_group_id"] == group)
        .collect();
    assert_eq!(listed.iter().collect::<Vec<_>>(), expected);
    let r = api
        .get(&format!(
            "/v1/monitors/{id}/events?event_group_id=mevtgrp_nope"
        ))
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn a_garbage_cursor_or_another_monitors_cursor_is_a_422() {
    let (_emu, api) = start().await;
    let a = create(&api, news("a")).await["monitor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = create(&api, news("b")).await["monitor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    trigger(&api, &a, 20).await;
    let page = api
        .get(&format!("/v1/monitors/{a}/events?limit=1"))
        .await
        .json();
    let cursor = page["next_cursor"].as_str().unwrap();
    for (id, c) in [
        (&a, "garbage"),
        (&a, "0123456789abcdef0123456789abcdef"),
        (&b, cursor),
    ] {
        let r = api
            .get(&format!("/v1/monitors/{id}/events?cursor={c}"))
            .await;
        assert_eq!(r.status, 422, "{c}: {}", r.text);
        assert!(r.text.contains("cursor"), "{}", r.text);
    }
    let r = api.get("/v1/monitors?cursor=garbage").await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.json()["detail"][0]["loc"], json!(["query", "cursor"]));
}

#[tokio::test]
async fn events_limits_outside_one_to_a_hundred_are_refused() {
    let (_emu, api) = start().await;
    let id = create(&api, news("x")).await["monitor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for bad in ["0", "101", "ten"] {
        let r = api
            .get(&format!("/v1/monitors/{id}/events?limit={bad}"))
            .await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
    }
}

#[tokio::test]
async fn cancelling_stops_the_monitor_for_good_and_hides_it_from_the_default_list() {
    let (_emu, api) = start().await;
    let id = create(&api, news("x")).await["monitor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api
        .post(&format!("/v1/monitors/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "cancelled");
    // Again: nothing changes.
    assert_eq!(
        api.post(&format!("/v1/monitors/{id}/cancel"), &json!({}))
            .await
            .status,
        200
    );
    assert_eq!(
        api.post(&format!("/v1/monitors/{id}/trigger"), &json!({}))
            .await
            .status,
        422
    );
    let upd = api
        .post(
            &format!("/v1/monitors/{id}/update"),
            &json!({"frequency": "2d"}),
        )
        .await;
    assert_eq!(upd.status, 422);
    let listed = api.get("/v1/monitors").await.json();
    assert!(
        listed["monitors"].as_array().unwrap().is_empty(),
        "{listed}"
    );
    let listed = api
        .get("/v1/monitors?status=cancelled&status=active")
        .await
        .json();
    assert_eq!(listed["monitors"][0]["monitor_id"], json!(id));
    // Comma-separated, as the Python SDK sends a list.
    let listed = api.get("/v1/monitors?status=cancelled,active").await.json();
    assert_eq!(listed["monitors"][0]["monitor_id"], json!(id));
}

#[tokio::test]
async fn the_list_pages_newest_first_and_filters_by_type() {
    let (_emu, api) = start().await;
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(create(&api, news(&format!("topic {i}"))).await["monitor_id"].clone());
    }
    let (mut seen, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let path = match &cursor {
            None => "/v1/monitors?limit=2".to_owned(),
            Some(c) => format!("/v1/monitors?limit=2&cursor={c}"),
        };
        let v = api.get(&path).await.json();
        seen.extend(
            v["monitors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["monitor_id"].clone()),
        );
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen, made);
    let v = api.get("/v1/monitors?type=snapshot").await.json();
    assert!(v["monitors"].as_array().unwrap().is_empty());
    assert_eq!(api.get("/v1/monitors?type=weekly").await.status, 422);
}

#[tokio::test]
async fn an_update_changes_only_the_fields_it_names() {
    let (_emu, api) = start().await;
    let mut body = news("x");
    body["metadata"] = json!({"team": "research"});
    body["webhook"] = json!({"url": "https://example.com/hook"});
    let id = create(&api, body).await["monitor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/monitors/{id}/update");
    let r = api
        .post(&path, &json!({"frequency": "12h", "webhook": null}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["frequency"], "12h");
    assert!(v.get("webhook").is_none(), "{v}");
    assert_eq!(v["metadata"], json!({"team": "research"}));
    assert_eq!(api.post(&path, &json!({})).await.status, 422);
    assert_eq!(
        api.post(&path, &json!({"frequency": "1y"})).await.status,
        422
    );
}

#[tokio::test]
async fn an_unknown_monitor_is_a_404() {
    let (_emu, api) = start().await;
    assert_eq!(api.get("/v1/monitors/monitor_nope").await.status, 404);
    let r = api
        .post("/v1/monitors/monitor_nope/trigger", &json!({}))
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn a_webhook_gets_a_notice_per_check_of_the_types_it_subscribed_to() {
    let (emu, api) = start().await;
    let mut body = news("x");
    body["webhook"] =
        json!({"url": "https://example.com/hook", "event_types": ["monitor.event.detected"]});
    let id = create(&api, body).await["monitor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    trigger(&api, &id, 30).await;
    let (events, _) = all_events(&api, &id, "limit=100").await;
    let groups: HashSet<&Value> = events.iter().map(|e| &e["event_group_id"]).collect();
    let notices = emu.monitor_notices(0);
    assert_eq!(notices.len(), groups.len());
    for n in &notices {
        assert_eq!(n.event_type, "monitor.event.detected");
        assert_eq!(n.url, "https://example.com/hook");
        assert_eq!(n.data["monitor_id"], json!(id));
        assert!(
            groups.contains(&n.data["event"]["event_group_id"]),
            "{:?}",
            n.data
        );
    }
}
