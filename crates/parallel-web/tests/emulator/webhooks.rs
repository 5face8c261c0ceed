//! Webhooks end to end: the emulator delivers signed `task_run.status`
//! events to a local axum receiver that checks them with
//! `parallel_web::webhooks`.

use crate::*;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use parallel_web::types::{Webhook, WebhookEventTypesItem};
use parallel_web::webhooks::{SeenIds, WebhookError, WebhookEvent, WebhookSecret, WebhookVerifier};
use parallel_web_emulator::{DEFAULT_WEBHOOK_SECRET, WEBHOOK_MAX_ATTEMPTS};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;

/// What the receiver concluded about one request, with the request itself.
pub(crate) struct Checked {
    pub(crate) outcome: Result<WebhookEvent, WebhookError>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

#[derive(Clone)]
struct Receiver {
    verifier: Arc<WebhookVerifier>,
    /// Answer the first verified delivery with a 500 (a handler that failed).
    fail_first: Arc<AtomicBool>,
    checked: mpsc::UnboundedSender<Checked>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let outcome = r.verifier.verify(&headers, &body);
    let status = match &outcome {
        Ok(_) if r.fail_first.swap(false, Ordering::SeqCst) => StatusCode::INTERNAL_SERVER_ERROR,
        Ok(_) | Err(WebhookError::Replayed { .. }) => StatusCode::OK,
        Err(_) => StatusCode::UNAUTHORIZED,
    };
    let _ = r.checked.send(Checked {
        outcome,
        headers,
        body,
    });
    status
}

/// Starts a receiver; returns its URL and what it concluded, request by request.
pub(crate) async fn receiver(
    verifier: WebhookVerifier,
    fail_first: bool,
) -> (String, mpsc::UnboundedReceiver<Checked>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Receiver {
        verifier: Arc::new(verifier),
        fail_first: Arc::new(AtomicBool::new(fail_first)),
        checked: tx,
    };
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

async fn run_with_webhook(client: &Client, url: &str) -> String {
    let input = RunInput::new(json!({"n": 1})).processor("lite").webhook(
        Webhook::builder()
            .url(url)
            .event_types(vec![WebhookEventTypesItem::TaskRunStatus])
            .try_into()
            .unwrap(),
    );
    let run = client.task_runs().create(input).send().await.unwrap();
    run.run_id
}

#[tokio::test]
async fn a_delivery_verifies_as_a_typed_task_run_event_and_a_500_is_retried() {
    let secret = "whsec-for-this-test";
    let emu = start(instant().webhook_secret(secret)).await;
    let (url, mut checked) = receiver(WebhookVerifier::new(WebhookSecret::new(secret)), true).await;
    let run_id = run_with_webhook(&client_for(&emu), &url).await;

    for _ in 0..2 {
        let c = checked.recv().await.unwrap();
        match c.outcome {
            Ok(WebhookEvent::TaskRunStatus { run, .. }) => {
                assert_eq!(run.run_id, run_id);
                assert_eq!(run.status.as_str(), "completed");
                assert!(!run.is_active);
            }
            other => panic!("{other:?}"),
        }
    }
    let deliveries = emu.wait_for_webhook_deliveries(2).await;
    let statuses: Vec<_> = deliveries.iter().map(|d| d.status).collect();
    assert_eq!(statuses, [Some(500), Some(200)]);
    assert!(deliveries[1].delivered);
}

#[tokio::test]
async fn a_receiver_with_another_secret_refuses_every_attempt() {
    let emu = start(instant()).await;
    let verifier = WebhookVerifier::new(WebhookSecret::new("not-the-emulators-secret"));
    let (url, mut checked) = receiver(verifier, false).await;
    run_with_webhook(&client_for(&emu), &url).await;
    let c = checked.recv().await.unwrap();
    assert!(
        matches!(c.outcome, Err(WebhookError::NoMatchingSignature { .. })),
        "{:?}",
        c.outcome
    );
    let all = emu
        .wait_for_webhook_deliveries(WEBHOOK_MAX_ATTEMPTS as usize)
        .await;
    assert!(
        all.iter().all(|d| d.status == Some(401) && !d.delivered),
        "{all:?}"
    );
}

#[tokio::test]
async fn a_captured_delivery_sent_again_is_replayed_and_a_late_one_expired() {
    let emu = start(instant()).await;
    let verifier = WebhookVerifier::new(WebhookSecret::new(DEFAULT_WEBHOOK_SECRET));
    let (url, mut checked) = receiver(verifier.clone(), false).await;
    run_with_webhook(&client_for(&emu), &url).await;
    let captured = checked.recv().await.unwrap();
    assert!(captured.outcome.is_ok(), "{:?}", captured.outcome);

    // A receiver that remembers ids accepts the delivery once.
    let remembering = verifier.clone().remember_ids(SeenIds::new());
    assert!(
        remembering
            .verify(&captured.headers, &captured.body)
            .is_ok()
    );
    assert!(matches!(
        remembering.verify(&captured.headers, &captured.body),
        Err(WebhookError::Replayed { .. })
    ));

    // Ten minutes later, the same delivery is too old.
    let sent: i64 = captured.headers["webhook-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let later = verifier.clock(move || sent + 600);
    assert!(matches!(
        later.verify(&captured.headers, &captured.body),
        Err(WebhookError::Expired { .. })
    ));
}
