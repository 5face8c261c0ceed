//! A webhook receiver with axum: it checks each delivery's signature with
//! `parallel_web::webhooks`, refuses forged, stale and replayed ones, and
//! prints the typed event. To see it work without a key, it starts the
//! emulator in this process, creates a task run, a FindAll run and a
//! monitor with webhooks pointing at the receiver, and stops once it has
//! the run's `task_run.status`, the FindAll run's `findall.run.completed`
//! (after its `findall.candidate.matched` events) and the monitor's
//! `monitor.event.detected`.
//!
//! ```text
//! cargo run -p parallel-web --example webhook_receiver
//! ```
//!
//! In production the receiver is the same code behind a public HTTPS URL,
//! with the secret from Parallel's settings (Settings → Webhooks) in
//! `PARALLEL_WEBHOOK_SECRET`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use parallel_web::types::{
    FindAllWebhookEventTypesItem, MonitorWebhookEventTypesItem, Webhook, WebhookEventTypesItem,
};
use parallel_web::webhooks::{
    FindAllRunChange, MonitorChange, SeenIdStore, SeenIds, WebhookError, WebhookEvent,
    WebhookSecret, WebhookVerifier,
};
use parallel_web::{Client, RunInput};
use parallel_web_emulator::{DEFAULT_WEBHOOK_SECRET, Emulator};
use tokio::sync::mpsc;

// Only `exit` is used here: this example starts its own emulator.
#[allow(dead_code)]
mod common;

#[derive(Clone)]
struct Receiver {
    verifier: Arc<WebhookVerifier>,
    seen: Arc<SeenIds>,
    events: mpsc::UnboundedSender<WebhookEvent>,
}

/// `POST /webhooks/parallel`: verify, then handle.
async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match r.verifier.verify(&headers, &body) {
        Ok(event) => {
            if r.events.send(event).is_err() {
                // Handling failed: forget the id, so Parallel's retry (same
                // id) is accepted, and ask for that retry with a 5xx.
                if let Some(id) = headers.get("webhook-id").and_then(|v| v.to_str().ok()) {
                    r.seen.forget(id);
                }
                return StatusCode::SERVICE_UNAVAILABLE;
            }
            StatusCode::NO_CONTENT
        }
        // Already handled: say so, or the sender keeps retrying.
        Err(WebhookError::Replayed { .. }) => StatusCode::NO_CONTENT,
        Err(refused) => {
            eprintln!("refused a delivery: {refused}");
            StatusCode::UNAUTHORIZED
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let secret =
        std::env::var("PARALLEL_WEBHOOK_SECRET").unwrap_or_else(|_| DEFAULT_WEBHOOK_SECRET.into());

    // The receiver.
    let seen = Arc::new(SeenIds::new());
    let verifier = WebhookVerifier::new(WebhookSecret::new(&secret)).remember_ids_in(seen.clone());
    let (events, mut received) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/webhooks/parallel", post(receive))
        .with_state(Receiver {
            verifier: Arc::new(verifier),
            seen,
            events,
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks/parallel", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("receiver listening on {url}");

    // The emulator, signing with the same secret, and a run that notifies it.
    let emulator = Emulator::builder()
        .time_scale(0.01)
        .webhook_secret(&secret)
        .start()
        .await?;
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .build()?;
    let input = RunInput::new("What is the tallest building in Paris?")
        .processor("lite")
        .webhook(
            Webhook::builder()
                .url(url.clone())
                .event_types(vec![WebhookEventTypesItem::TaskRunStatus])
                .try_into()?,
        );
    let run = client.task_runs().create(input).send().await?;
    println!("created {}", run.run_id);

    // A FindAll run: each match, then the completion, as the run goes on.
    let findall = client
        .findall()
        .create("Robotics companies that sell to hospitals")
        .entity_type("companies")
        .match_condition("sells_robots", "Builds and sells robots")
        .match_limit(5)
        .webhook(
            &url,
            [
                FindAllWebhookEventTypesItem::FindallCandidateMatched,
                FindAllWebhookEventTypesItem::FindallRunCompleted,
            ],
        )
        .await?;
    println!("created {}", findall.id());

    // A monitor: its first check runs now, and with the backfill finds events.
    let monitor = client
        .monitors()
        .create()
        .event_stream("grid-scale battery projects")
        .frequency("1d")
        .include_backfill(true)
        .webhook(&url, [MonitorWebhookEventTypesItem::MonitorEventDetected])
        .await?;
    println!("created {}; waiting for their webhooks", monitor.id());

    let (mut task_done, mut findall_done, mut monitor_seen) = (false, false, false);
    let mut handled = 0;
    while !(task_done && findall_done && monitor_seen) {
        let Some(event) = received.recv().await else {
            break;
        };
        handled += 1;
        match event {
            WebhookEvent::TaskRunStatus { timestamp, run } => {
                println!("{timestamp}: run {} is {}", run.run_id, run.status);
                task_done = true;
            }
            WebhookEvent::FindAllCandidate {
                kind, candidate, ..
            } => {
                println!("candidate {} {}", candidate.name, kind.as_str());
            }
            WebhookEvent::FindAllRun { kind, run, .. } => {
                println!("FindAll run {} {kind:?}", run.findall_id);
                findall_done |= kind == FindAllRunChange::Completed;
            }
            WebhookEvent::Monitor { kind, notice, .. } => {
                println!(
                    "monitor {} {kind:?}, check {}",
                    notice.monitor_id,
                    notice.event_group_id().unwrap_or("-")
                );
                monitor_seen |= kind == MonitorChange::EventDetected;
            }
            other => println!(
                "an event this example does not handle: {}",
                other.event_type()
            ),
        }
    }
    // The emulator records an attempt once the receiver has answered it.
    for d in emulator.wait_for_webhook_deliveries(handled).await {
        println!(
            "delivery {} attempt {}: {:?}",
            d.webhook_id, d.attempt, d.status
        );
    }
    Ok(())
}
