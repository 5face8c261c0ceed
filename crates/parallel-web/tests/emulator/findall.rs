//! FindAll runs against the emulator: lifecycle, events that resume
//! themselves, waiting, typed results, extend, enrich, cancel, errors.

use std::sync::{Arc, Mutex};

use parallel_web::types::{FindAllStatus, FindAllTerminationReason};
use parallel_web::{CandidateEventKind, CreateFindAll, FindAllEvent, MatchStatus};

use serde_json::Value;

use crate::*;

/// What the example enrichment asks for.
#[derive(Debug, Deserialize, JsonSchema)]
struct Profile {
    /// The year the company was founded.
    founded: Option<String>,
    /// Where the company has its head office.
    headquarters: Option<String>,
}

fn robotics(client: &Client, match_limit: i64) -> CreateFindAll {
    client
        .findall()
        .create("Robotics companies that sell to hospitals")
        .entity_type("companies")
        .match_condition("sells_robots", "Builds and sells robots")
        .match_condition("hospitals", "Has hospitals among its customers")
        .match_limit(match_limit)
}

#[tokio::test]
async fn a_run_goes_from_create_to_a_typed_result_with_citations() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let run = robotics(&client, 5).await.unwrap();
    let done = run.wait().await.unwrap();
    assert!(!done.status.is_active);
    assert_eq!(done.status.status, FindAllStatus::Completed);

    let result = run.result().typed::<Value>().await.unwrap();
    let matches: Vec<_> = result.matches().collect();
    assert!(
        !matches.is_empty() && matches.len() <= 5,
        "{}",
        matches.len()
    );
    for m in &matches {
        // Each condition is an output field, and has its basis.
        let output = m.output.as_ref().unwrap();
        assert!(output.get("sells_robots").is_some(), "{output}");
        let basis = m.basis.iter().find(|b| b.field == "hospitals").unwrap();
        assert!(!basis.citations.is_empty() && !basis.reasoning.is_empty());
    }
    assert_eq!(
        result.run.status.metrics.matched_candidates_count as usize,
        matches.len()
    );
}

// Paused tokio time: the emulator's scheduler and the SDK's delays run on
// the tokio clock, so each step of the run is its own virtual moment.
#[tokio::test(start_paused = true)]
async fn the_event_stream_resumes_after_drops_without_losing_or_repeating_an_event() {
    let emu = start(
        Emulator::builder()
            .time_scale(1.0)
            .seed(3)
            .fault(Fault::drop_stream_after(3).path("/events")),
    )
    .await;
    let client = client_for(&emu);
    let run = robotics(&client, 8).await.unwrap();
    let mut events = run.events().await.unwrap();
    let mut ids = Vec::new();
    let mut matched = HashSet::new();
    let mut last_status = None;
    while let Some(event) = events.next().await {
        let event = event.unwrap();
        ids.push(event.event_id().unwrap().to_owned());
        match event {
            FindAllEvent::Candidate {
                kind: CandidateEventKind::Matched,
                candidate,
                ..
            } => assert!(matched.insert(candidate.candidate_id), "match repeated"),
            FindAllEvent::Status { run, .. } => last_status = Some(run.status),
            _ => {}
        }
    }
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no event repeated");
    assert!(
        !last_status.unwrap().is_active,
        "ended on an inactive status"
    );
    let result = run.result().await.unwrap();
    let in_result: HashSet<String> = result
        .candidates
        .into_iter()
        .filter(|c| c.match_status == MatchStatus::Matched)
        .map(|c| c.candidate_id)
        .collect();
    assert_eq!(matched, in_result, "no match lost");
    assert!(
        ops(&emu, "findall_events") > 1,
        "the stream was cut and resumed"
    );
}

#[tokio::test(start_paused = true)]
async fn wait_reports_progress_until_the_run_stops() {
    let emu = start(Emulator::builder().time_scale(1.0).seed(4)).await;
    let client = client_for(&emu);
    let run = robotics(&client, 6).await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let done = run
        .wait()
        .on_progress(move |p| log.lock().unwrap().push(p.status.clone()))
        .await
        .unwrap();
    assert!(!done.status.is_active);
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 2, "{seen:?}");
    assert_eq!(
        seen.last().unwrap(),
        &done.status,
        "the last report is the final status"
    );
    let generated: Vec<i64> = seen
        .iter()
        .map(|s| s.metrics.generated_candidates_count)
        .collect();
    assert!(generated.windows(2).all(|w| w[0] <= w[1]), "{generated:?}");
}

#[tokio::test]
async fn extend_raises_the_limit_and_the_run_finds_more() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let run = robotics(&client, 5).await.unwrap();
    let first = run.wait().await.unwrap();
    let schema = run.extend(5).await.unwrap();
    assert_eq!(schema.match_limit, Some(10));
    let second = run.wait().await.unwrap();
    // Seed 1's world has more than 5 matches: the first wait stopped at
    // the limit, so the extended run has more to find.
    assert_eq!(
        first.status.termination_reason,
        Some(FindAllTerminationReason::MatchLimitMet)
    );
    assert!(
        second.status.metrics.matched_candidates_count
            > first.status.metrics.matched_candidates_count,
        "{first:?} {second:?}"
    );
    assert_eq!(run.schema().await.unwrap().match_limit, Some(10));
}

#[tokio::test]
async fn enrich_fills_the_fields_of_the_rust_type_for_every_match() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let run = robotics(&client, 5).await.unwrap();
    run.wait().await.unwrap();
    let schema = run.enrich::<Profile>().await.unwrap();
    assert_eq!(schema.enrichments.map(|e| e.len()), Some(1));
    run.wait().await.unwrap();
    let result = run.result().typed::<Profile>().await.unwrap();
    assert!(result.matches().count() > 0);
    for m in result.matches() {
        let profile = m.output.as_ref().unwrap();
        assert!(
            profile.founded.is_some() && profile.headquarters.is_some(),
            "{}: {profile:?}",
            m.name
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_run_stops_and_says_so() {
    let emu = start(Emulator::builder().time_scale(1.0).seed(5)).await;
    let client = client_for(&emu);
    let run = robotics(&client, 50).await.unwrap();
    run.cancel().await.unwrap();
    let done = run.wait().await.unwrap();
    assert!(!done.status.is_active);
    assert_eq!(done.status.status, FindAllStatus::Cancelled, "{done:?}");
    assert_eq!(
        done.status.termination_reason,
        Some(FindAllTerminationReason::UserCancelled)
    );
}

#[tokio::test]
async fn an_unknown_run_and_a_foreign_cursor_are_typed_errors() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let err = client
        .findall()
        .get("findall_nope")
        .status()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
    let run = robotics(&client, 5).await.unwrap();
    let err = run.events().after("not-a-cursor").await.err().unwrap();
    assert!(matches!(err.status(), Some(400..=499)), "{err:?}");
}

#[tokio::test]
async fn ingest_proposes_a_schema_that_creates_a_run() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let draft = client
        .findall()
        .ingest("Find robotics companies that sell to hospitals")
        .await
        .unwrap();
    assert!(!draft.match_conditions.is_empty(), "{draft:?}");
    let run = client
        .findall()
        .create("ignored")
        .from_schema(&draft)
        .match_limit(5)
        .await
        .unwrap();
    assert!(!run.wait().await.unwrap().status.is_active);
}
