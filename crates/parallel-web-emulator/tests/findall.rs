//! FindAll over HTTP: a run's life, its event stream (resume, timeout,
//! end), extend, enrich, cancel, the calls without a run, faults, and the
//! inputs refused.

mod common;

use common::{Api, Frame, builder, frames, keys, start, start_with};
use futures::StreamExt;
use parallel_web_emulator::Fault;
use serde_json::{Value, json};
use std::collections::HashSet;

fn body(objective: &str, limit: u64) -> Value {
    json!({
        "objective": objective,
        "entity_type": "companies",
        "match_conditions": [
            {"name": "series_a", "description": "Raised a Series A."},
            {"name": "in_berlin", "description": "Based in Berlin."}
        ],
        "generator": "core",
        "match_limit": limit,
    })
}

async fn create(api: &Api, b: &Value) -> String {
    let r = api.post("/v1beta/findall/runs", b).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["findall_id"].as_str().unwrap().to_owned()
}

async fn events(api: &Api, id: &str, query: &str) -> Vec<Frame> {
    let r = api
        .get(&format!("/v1beta/findall/runs/{id}/events{query}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    frames(&r.text)
}

/// Every `loc` of a 422, in either error shape.
fn locs(v: &Value) -> Vec<Value> {
    let list = v["detail"]
        .as_array()
        .or(v["error"]["detail"]["errors"].as_array())
        .cloned()
        .unwrap_or_default();
    list.iter().map(|e| e["loc"].clone()).collect()
}

async fn refused_at(api: &Api, path: &str, b: &Value, loc: Value) {
    let r = api.post(path, b).await;
    assert_eq!(r.status, 422, "{b}: {}", r.text);
    assert!(locs(&r.json()).contains(&loc), "{b}: {}", r.text);
}

#[tokio::test]
async fn an_instant_run_completes_with_the_match_limit_met_and_counts_its_candidates() {
    let (emu, api) = start().await;
    let r = api
        .post("/v1beta/findall/runs", &body("AI startups in Berlin", 5))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        keys(&r.text),
        [
            "findall_id",
            "status",
            "generator",
            "metadata",
            "created_at",
            "modified_at"
        ]
    );
    let run = r.json();
    assert!(run["findall_id"].as_str().unwrap().starts_with("findall_"));
    assert_eq!(run["status"]["status"], "completed");
    assert_eq!(run["status"]["is_active"], false);
    assert_eq!(run["status"]["termination_reason"], "match_limit_met");
    assert_eq!(run["status"]["metrics"]["matched_candidates_count"], 5);
    let id = run["findall_id"].as_str().unwrap();
    let result = api
        .get(&format!("/v1beta/findall/runs/{id}/result"))
        .await
        .json();
    let candidates = result["candidates"].as_array().unwrap();
    assert_eq!(
        json!(candidates.len()),
        run["status"]["metrics"]["generated_candidates_count"]
    );
    let matched: Vec<&Value> = candidates
        .iter()
        .filter(|c| c["match_status"] == "matched")
        .collect();
    assert_eq!(matched.len(), 5);
    for c in &matched {
        for cond in ["series_a", "in_berlin"] {
            assert_eq!(c["output"][cond]["is_matched"], true, "{c}");
            assert_eq!(c["output"][cond]["type"], "match_condition");
        }
        assert_eq!(c["basis"].as_array().unwrap().len(), 2);
    }
    assert!(
        candidates
            .iter()
            .filter(|c| c["match_status"] == "unmatched")
            .all(|c| ["series_a", "in_berlin"]
                .iter()
                .any(|k| c["output"][k]["is_matched"] == false))
    );
    assert_eq!(emu.stats().findall_runs_created, 1);
}

#[tokio::test]
async fn the_stream_goes_from_queued_to_completed_with_each_candidate_generated_before_judged() {
    let (_emu, api) = start().await;
    let id = create(&api, &body("AI startups in Berlin", 5)).await;
    let f = events(&api, &id, "").await;
    let statuses: Vec<Value> = f
        .iter()
        .filter(|e| e.event == "findall.status")
        .map(|e| e.json()["data"]["status"]["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [json!("queued"), json!("running"), json!("completed")]
    );
    let mut generated = HashSet::new();
    let mut ids = HashSet::new();
    for e in &f {
        let v = e.json();
        assert_eq!(keys(&e.data), ["type", "timestamp", "event_id", "data"]);
        assert_eq!(v["type"], e.event.as_str());
        assert!(ids.insert(v["event_id"].as_str().unwrap().to_owned()));
        if let Some(kind) = e.event.strip_prefix("findall.candidate.") {
            let c = v["data"]["candidate_id"].as_str().unwrap().to_owned();
            if kind == "generated" {
                assert!(generated.insert(c));
            } else {
                assert!(generated.contains(&c), "{kind} before generated");
                assert_eq!(v["data"]["match_status"], kind);
            }
        }
    }
    let last = f.last().unwrap().json();
    assert_eq!(
        last["data"]["status"]["termination_reason"],
        "match_limit_met"
    );
}

#[tokio::test]
async fn resuming_after_any_event_id_sends_exactly_the_events_after_it() {
    let (_emu, api) = start().await;
    let id = create(&api, &body("AI startups in Berlin", 8)).await;
    let all = events(&api, &id, "").await;
    for k in [0, 1, all.len() / 2, all.len() - 2, all.len() - 1] {
        let after = all[k].json()["event_id"].as_str().unwrap().to_owned();
        let rest = events(&api, &id, &format!("?last_event_id={after}")).await;
        let want: Vec<&str> = all[k + 1..].iter().map(|f| f.data.as_str()).collect();
        let got: Vec<&str> = rest.iter().map(|f| f.data.as_str()).collect();
        assert_eq!(got, want, "resumed after event {k}");
    }
}

#[tokio::test]
async fn the_result_names_the_last_event_so_a_stream_can_start_from_it() {
    let (_emu, api) = start().await;
    let id = create(&api, &body("AI startups in Berlin", 5)).await;
    let result = api
        .get(&format!("/v1beta/findall/runs/{id}/result"))
        .await
        .json();
    let last = result["last_event_id"].as_str().unwrap();
    assert!(
        events(&api, &id, &format!("?last_event_id={last}"))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn an_event_id_of_another_run_or_no_run_is_422_at_last_event_id() {
    let (_emu, api) = start().await;
    let a = create(&api, &body("AI startups in Berlin", 5)).await;
    let b = create(&api, &body("AI startups in Berlin", 5)).await;
    let foreign = events(&api, &b, "").await[0].json()["event_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for cursor in [foreign.as_str(), "nonsense"] {
        let r = api
            .get(&format!(
                "/v1beta/findall/runs/{a}/events?last_event_id={cursor}"
            ))
            .await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(locs(&r.json()), [json!(["query", "last_event_id"])]);
    }
}

#[tokio::test]
async fn timeout_ends_the_stream_of_a_run_that_is_still_active() {
    let (_emu, api) = start_with(builder().time_scale(1.0)).await;
    let id = create(&api, &body("AI startups in Berlin", 1000)).await;
    let f = events(&api, &id, "?timeout=0.3").await;
    let last_status = f
        .iter()
        .rev()
        .find(|e| e.event == "findall.status")
        .unwrap()
        .json();
    assert_eq!(last_status["data"]["status"]["is_active"], true);
    let run = api.get(&format!("/v1beta/findall/runs/{id}")).await.json();
    assert_eq!(run["status"]["is_active"], true);
}

#[tokio::test]
async fn a_live_stream_follows_the_run_until_it_completes() {
    let (_emu, api) = start_with(builder().time_scale(0.01)).await;
    let id = create(&api, &body("AI startups in Berlin", 10)).await;
    let f = events(&api, &id, "").await;
    let last = f.last().unwrap();
    assert_eq!(last.event, "findall.status");
    assert_eq!(last.json()["data"]["status"]["status"], "completed");
    assert_eq!(
        f.iter()
            .filter(|e| e.event == "findall.candidate.matched")
            .count(),
        10
    );
}

#[tokio::test]
async fn extend_raises_the_limit_and_the_run_finds_that_many_more() {
    let (_emu, api) = start().await;
    let id = create(&api, &body("AI startups in Berlin", 5)).await;
    let r = api
        .post(
            &format!("/v1beta/findall/runs/{id}/extend"),
            &json!({"additional_match_limit": 7}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["match_limit"], 12);
    let run = api.get(&format!("/v1beta/findall/runs/{id}")).await.json();
    assert_eq!(run["status"]["metrics"]["matched_candidates_count"], 12);
    assert_eq!(run["status"]["termination_reason"], "match_limit_met");
    let f = events(&api, &id, "").await;
    let updated: Vec<Value> = f
        .iter()
        .filter(|e| e.event == "findall.schema.updated")
        .map(|e| e.json()["data"]["match_limit"].clone())
        .collect();
    assert_eq!(updated, [json!(12)]);
    let statuses: Vec<Value> = f
        .iter()
        .filter(|e| e.event == "findall.status")
        .map(|e| e.json()["data"]["status"]["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        ["queued", "running", "completed", "running", "completed"].map(|s| json!(s))
    );
}

#[tokio::test]
async fn enrich_fills_every_match_once_with_the_schema_fields() {
    let (_emu, api) = start().await;
    let id = create(&api, &body("AI startups in Berlin", 5)).await;
    let schema = json!({"type": "object", "properties": {
        "ceo_name": {"type": "string", "description": "Name of the CEO"},
        "employees": {"type": "integer", "description": "Head count"}
    }, "required": ["ceo_name", "employees"]});
    let r = api
        .post(
            &format!("/v1beta/findall/runs/{id}/enrich"),
            &json!({"output_schema": {"json_schema": schema}, "processor": "base"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["enrichments"][0]["processor"], "base");
    let current = api
        .get(&format!("/v1beta/findall/runs/{id}/schema"))
        .await
        .json();
    assert_eq!(
        current["enrichments"][0]["output_schema"]["json_schema"],
        schema
    );
    let f = events(&api, &id, "").await;
    let enriched: Vec<Value> = f
        .iter()
        .filter(|e| e.event == "findall.candidate.enriched")
        .map(|e| e.json()["data"].clone())
        .collect();
    assert_eq!(enriched.len(), 5);
    let distinct: HashSet<&str> = enriched
        .iter()
        .map(|c| c["candidate_id"].as_str().unwrap())
        .collect();
    assert_eq!(distinct.len(), 5);
    for c in &enriched {
        assert_eq!(c["output"]["ceo_name"]["type"], "enrichment");
        assert!(c["output"]["ceo_name"]["value"].is_string());
        assert!(c["output"]["employees"]["value"].is_i64());
        assert!(c["output"]["ceo_name"].get("is_matched").is_none());
    }
}

#[tokio::test]
async fn cancel_stops_an_active_run_and_then_refuses_more_work() {
    let (_emu, api) = start_with(builder().time_scale(1.0)).await;
    let id = create(&api, &body("AI startups in Berlin", 1000)).await;
    let r = api
        .post(&format!("/v1beta/findall/runs/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"]["status"], "cancelled");
    assert_eq!(r.json()["status"]["termination_reason"], "user_cancelled");
    let again = api
        .post(&format!("/v1beta/findall/runs/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(again.status, 409, "{}", again.text);
    let extend = api
        .post(
            &format!("/v1beta/findall/runs/{id}/extend"),
            &json!({"additional_match_limit": 5}),
        )
        .await;
    assert_eq!(extend.status, 409, "{}", extend.text);
    let f = events(&api, &id, "").await;
    assert_eq!(
        f.last().unwrap().json()["data"]["status"]["status"],
        "cancelled"
    );
}

#[tokio::test]
async fn cancelling_a_completed_run_is_409() {
    let (_emu, api) = start().await;
    let id = create(&api, &body("AI startups in Berlin", 5)).await;
    let r = api
        .post(&format!("/v1beta/findall/runs/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
}

#[tokio::test]
async fn a_narrow_objective_ends_with_its_candidates_exhausted() {
    let (_emu, api) = start().await;
    let id = create(&api, &body("obscure makers of brass astrolabes", 1000)).await;
    let run = api.get(&format!("/v1beta/findall/runs/{id}")).await.json();
    assert_eq!(run["status"]["termination_reason"], "candidates_exhausted");
}

#[tokio::test]
async fn excluded_entities_never_become_candidates() {
    let (_emu, api) = start().await;
    let first = create(&api, &body("AI startups in Berlin", 5)).await;
    let result = api
        .get(&format!("/v1beta/findall/runs/{first}/result"))
        .await
        .json();
    let seen: Vec<Value> = result["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!({"name": c["name"], "url": c["url"]}))
        .collect();
    let mut b = body("AI startups in Berlin", 5);
    b["exclude_list"] = json!(seen);
    let second = create(&api, &b).await;
    let again = api
        .get(&format!("/v1beta/findall/runs/{second}/result"))
        .await
        .json();
    let names: HashSet<&str> = seen.iter().map(|c| c["name"].as_str().unwrap()).collect();
    for c in again["candidates"].as_array().unwrap() {
        assert!(!names.contains(c["name"].as_str().unwrap()), "{c}");
    }
}

#[tokio::test]
async fn ingest_drafts_a_schema_and_candidates_and_entity_search_list_entities() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            "/v1beta/findall/ingest",
            &json!({"objective": "Fintech companies in Lagos that raised a seed round"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let draft = r.json();
    assert_eq!(draft["entity_type"], "companies");
    assert_eq!(draft["match_conditions"].as_array().unwrap().len(), 1);
    let r = api
        .post(
            "/v1beta/findall/candidates",
            &json!({"entity_type": "company", "objective": "fintech", "match_limit": 7}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(keys(&r.text), ["candidate_set_id", "candidates"]);
    assert_eq!(r.json()["candidates"].as_array().unwrap().len(), 7);
    let r = api
        .post(
            "/v1beta/findall/entity-search",
            &json!({"entity_type": "people", "objective": "obscure fintech founders"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(keys(&r.text), ["entities", "entity_set_id"]);
    let n = r.json()["entities"].as_array().unwrap().len();
    assert!(
        n < 100,
        "a narrow objective has fewer than the default 100: {n}"
    );
}

#[tokio::test]
async fn bad_create_bodies_are_422_at_the_field() {
    let (_emu, api) = start().await;
    let path = "/v1beta/findall/runs";
    for limit in [4, 1001, 0] {
        refused_at(
            &api,
            path,
            &body("x", limit),
            json!(["body", "match_limit"]),
        )
        .await;
    }
    let mut b = body("x", 5);
    b["match_conditions"] = json!([]);
    refused_at(&api, path, &b, json!(["body", "match_conditions"])).await;
    b["match_conditions"] =
        json!([{"name": "a", "description": "x"}, {"name": "a", "description": "y"}]);
    refused_at(
        &api,
        path,
        &b,
        json!(["body", "match_conditions", 1, "name"]),
    )
    .await;
    b["match_conditions"] = json!([{"name": " ", "description": "x"}]);
    refused_at(
        &api,
        path,
        &b,
        json!(["body", "match_conditions", 0, "name"]),
    )
    .await;
    let mut b = body("x", 5);
    b["generator"] = json!("ultra");
    refused_at(&api, path, &b, json!(["body", "generator"])).await;
    let mut b = body("x", 5);
    b.as_object_mut().unwrap().remove("objective");
    refused_at(&api, path, &b, json!(["body", "objective"])).await;
    let r = api.post(path, &body("x", 4)).await;
    assert_eq!(
        r.json()["type"],
        "error",
        "create answers 422 as an ErrorResponse"
    );
}

#[tokio::test]
async fn bad_extend_enrich_and_lookup_bodies_are_422_at_the_field() {
    let (_emu, api) = start().await;
    let id = create(&api, &body("AI startups in Berlin", 5)).await;
    for more in [0, -3] {
        refused_at(
            &api,
            &format!("/v1beta/findall/runs/{id}/extend"),
            &json!({"additional_match_limit": more}),
            json!(["body", "additional_match_limit"]),
        )
        .await;
    }
    refused_at(
        &api,
        &format!("/v1beta/findall/runs/{id}/enrich"),
        &json!({"processor": "core"}),
        json!(["body", "output_schema"]),
    )
    .await;
    refused_at(
        &api,
        "/v1beta/findall/candidates",
        &json!({"entity_type": "company", "objective": "x", "match_limit": 4}),
        json!(["body", "match_limit"]),
    )
    .await;
    refused_at(
        &api,
        "/v1beta/findall/entity-search",
        &json!({"entity_type": "planets", "objective": "x"}),
        json!(["body", "entity_type"]),
    )
    .await;
    refused_at(
        &api,
        "/v1beta/findall/entity-search",
        &json!({"entity_type": "people", "objective": "x", "match_limit": 1001}),
        json!(["body", "match_limit"]),
    )
    .await;
    refused_at(
        &api,
        "/v1beta/findall/ingest",
        &json!({}),
        json!(["body", "objective"]),
    )
    .await;
    let r = api
        .get(&format!("/v1beta/findall/runs/{id}/events?timeout=soon"))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
}

#[tokio::test]
async fn unknown_findall_ids_are_404_on_every_run_route() {
    let (_emu, api) = start().await;
    let real = create(&api, &body("AI startups in Berlin", 5)).await;
    // A well-formed id of a run that does not exist yet, and a malformed one.
    let unborn = real.replace('a', "b");
    for id in ["findall_nope", unborn.as_str()] {
        for sub in ["", "/result", "/schema", "/events"] {
            let r = api.get(&format!("/v1beta/findall/runs/{id}{sub}")).await;
            assert_eq!(r.status, 404, "GET {sub}: {}", r.text);
        }
        for (sub, b) in [
            ("/cancel", json!({})),
            ("/extend", json!({"additional_match_limit": 5})),
            (
                "/enrich",
                json!({"output_schema": {"json_schema": {"type": "object"}}}),
            ),
        ] {
            let r = api
                .post(&format!("/v1beta/findall/runs/{id}{sub}"), &b)
                .await;
            assert_eq!(r.status, 404, "POST {sub}: {}", r.text);
        }
    }
}

#[tokio::test]
async fn a_drop_stream_fault_cuts_the_findall_stream_and_the_client_can_resume() {
    let (emu, api) =
        start_with(builder().fault(Fault::drop_stream_after(4).times(1).path("/findall/"))).await;
    let id = create(&api, &body("AI startups in Berlin", 5)).await;
    let resp = api
        .http
        .get(format!("{}/v1beta/findall/runs/{id}/events", api.base))
        .header("x-api-key", &api.key)
        .send()
        .await
        .unwrap();
    let mut stream = resp.bytes_stream();
    let mut text = String::new();
    let mut cut = false;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(b) => text.push_str(std::str::from_utf8(&b).unwrap()),
            Err(_) => {
                cut = true;
                break;
            }
        }
    }
    assert!(cut, "the client sees the connection drop");
    let before = frames(&text);
    assert_eq!(before.len(), 4);
    let after = before[3].json()["event_id"].as_str().unwrap().to_owned();
    let rest = events(&api, &id, &format!("?last_event_id={after}")).await;
    let whole = events(&api, &id, "").await;
    assert_eq!(before.len() + rest.len(), whole.len());
    assert_eq!(emu.stats().faults_fired.values().sum::<u64>(), 1);
}

#[tokio::test]
async fn a_status_fault_on_the_findall_path_answers_before_the_run_is_created() {
    let (emu, api) =
        start_with(builder().fault(Fault::status(503).times(1).path("/v1beta/findall/runs"))).await;
    let r = api
        .post("/v1beta/findall/runs", &body("AI startups in Berlin", 5))
        .await;
    assert_eq!(r.status, 503);
    assert_eq!(emu.stats().findall_runs_created, 0);
    create(&api, &body("AI startups in Berlin", 5)).await;
    assert_eq!(emu.stats().findall_runs_created, 1);
}
