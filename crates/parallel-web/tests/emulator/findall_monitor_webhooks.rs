//! FindAll and monitor webhooks end to end: the emulator delivers signed
//! `findall.*` and `monitor.*` events, as runs progress and checks run, to
//! a local axum receiver that verifies them with `parallel_web::webhooks`.

use crate::webhooks::receiver;
use crate::*;
use parallel_web::types::{FindAllWebhookEventTypesItem, MonitorWebhookEventTypesItem};
use parallel_web::webhooks::{
    FindAllRunChange, MonitorChange, WebhookEvent, WebhookSecret, WebhookVerifier,
};
use parallel_web_emulator::DEFAULT_WEBHOOK_SECRET;

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(WebhookSecret::new(DEFAULT_WEBHOOK_SECRET))
}

#[tokio::test]
async fn a_findall_run_nobody_watches_delivers_its_matches_and_its_completion() {
    // A small time scale: the run takes steps over time, so only the
    // emulator's own driver can move it once it is created.
    let emu = start(Emulator::builder().time_scale(0.001).seed(1)).await;
    let (url, mut checked) = receiver(verifier(), false).await;
    let run = client_for(&emu)
        .findall()
        .create("Robotics companies that sell to hospitals")
        .entity_type("companies")
        .match_condition("sells_robots", "Builds and sells robots")
        .match_condition("hospitals", "Has hospitals among its customers")
        .match_limit(5)
        .webhook(
            &url,
            [
                FindAllWebhookEventTypesItem::FindallCandidateMatched,
                FindAllWebhookEventTypesItem::FindallRunCompleted,
            ],
        )
        .await
        .unwrap();

    // Deliveries are independent, so the completion may overtake the last
    // match: read until both the completion and every match it counts are in.
    let mut matched = HashSet::new();
    let mut completed = None;
    while completed.is_none_or(|count| matched.len() < count) {
        let c = checked.recv().await.unwrap();
        match c.outcome {
            Ok(WebhookEvent::FindAllCandidate {
                kind, candidate, ..
            }) => {
                assert_eq!(kind.as_str(), "findall.candidate.matched");
                assert_eq!(candidate.match_status.to_string(), "matched");
                assert!(candidate.output.is_some(), "a match carries its findings");
                assert!(
                    matched.insert(candidate.candidate_id.clone()),
                    "{} twice",
                    candidate.candidate_id
                );
            }
            Ok(WebhookEvent::FindAllRun {
                kind: FindAllRunChange::Completed,
                run: finished,
                ..
            }) => {
                assert_eq!(finished.findall_id, run.id());
                assert!(!finished.status.is_active);
                assert!(completed.is_none(), "one completion");
                completed = Some(finished.status.metrics.matched_candidates_count as usize);
            }
            other => panic!("only the subscribed types, verified: {other:?}"),
        }
    }
    assert_eq!(completed, Some(5));
    // Nobody looked at the run after creating it.
    let requests: Vec<_> = emu.request_log().into_iter().map(|r| r.operation).collect();
    assert_eq!(requests.len(), 1, "{requests:?}");
}

#[tokio::test]
async fn a_monitor_check_that_finds_events_delivers_monitor_event_detected() {
    let emu = start(instant()).await;
    let (url, mut checked) = receiver(verifier(), false).await;
    let client = client_for(&emu);
    // The backfill makes the first check, run at creation, find events.
    let monitor = client
        .monitors()
        .create()
        .event_stream("grid-scale battery projects")
        .frequency("1d")
        .include_backfill(true)
        .metadata("team", "energy")
        .webhook(&url, [MonitorWebhookEventTypesItem::MonitorEventDetected])
        .await
        .unwrap();

    let c = checked.recv().await.unwrap();
    let Ok(WebhookEvent::Monitor { kind, notice, .. }) = c.outcome else {
        panic!("{:?}", c.outcome);
    };
    assert_eq!(kind, MonitorChange::EventDetected);
    assert_eq!(notice.monitor_id, monitor.id());
    assert_eq!(notice.metadata.as_ref().unwrap()["team"], "energy");
    // The notice names the check, whose events can be read by its id.
    let group = notice.event_group_id().expect("the check's id").to_owned();
    let page = monitor
        .events()
        .event_group_id(&group)
        .page(None)
        .await
        .unwrap();
    assert!(!page.events.is_empty());
    assert!(
        page.events
            .iter()
            .all(|e| e.event_group_id() == Some(group.as_str()))
    );
}

#[tokio::test]
async fn triggered_checks_deliver_only_the_outcomes_the_monitor_subscribed_to() {
    let emu = start(instant()).await;
    let (url, mut checked) = receiver(verifier(), false).await;
    let monitor = client_for(&emu)
        .monitors()
        .create()
        .event_stream("grid-scale battery projects")
        .frequency("1d")
        .webhook(
            &url,
            [MonitorWebhookEventTypesItem::MonitorExecutionCompleted],
        )
        .await
        .unwrap();
    // A quarter of checks find nothing: among 40, some complete empty and
    // most find events, which this monitor did not ask to hear about.
    for _ in 0..40 {
        monitor.trigger().await.unwrap();
    }
    let notices = emu.monitor_notices(0);
    assert!(
        !notices.is_empty() && notices.len() < 41,
        "{}",
        notices.len()
    );
    for _ in 0..notices.len() {
        let c = checked.recv().await.unwrap();
        assert!(
            matches!(
                &c.outcome,
                Ok(WebhookEvent::Monitor {
                    kind: MonitorChange::ExecutionCompleted,
                    ..
                })
            ),
            "{:?}",
            c.outcome
        );
    }
    let deliveries = emu.wait_for_webhook_deliveries(notices.len()).await;
    assert_eq!(deliveries.len(), notices.len());
    assert!(
        deliveries
            .iter()
            .all(|d| d.event_type == "monitor.execution.completed" && d.delivered)
    );
}
