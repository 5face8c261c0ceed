//! Delivering signed webhooks, as Parallel does, to the URL a run (or a
//! FindAll run, or a monitor) registered; and the record of every attempt.
//!
//! A delivery is a POST of `{"timestamp", "type", "data"}` with the Standard
//! Webhooks headers: `webhook-id` (the same on every attempt),
//! `webhook-timestamp` (Unix seconds, taken anew for each attempt) and
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed
//! with the secret's text as given (as Parallel documents it).
//!
//! Retries follow the documented policy: a first retry after 5 s, the delay
//! doubling after each failure, for about 48 hours. Here that is
//! [`MAX_ATTEMPTS`] attempts, every delay multiplied by the time scale (so
//! at time scale 0 every retry is immediate). A 2xx answer ends a delivery;
//! any other status, a connection error or a timeout is retried.
//!
//! Signing is written here and again in the SDK (`parallel_web::webhooks`)
//! on purpose: the SDK's tests check its verifier against this independent
//! signer, so a mistake shared by both could not hide.
//!
//! Only `http://` URLs are delivered to (the emulator has no TLS client): a
//! receiver under test listens locally. Another URL is recorded as one
//! failed attempt, and not retried.
//!
//! For other emitters (FindAll runs, monitors), the internal API is
//! [`Webhooks::deliver`]: give it the [`Registration`] parsed from the
//! request's `webhook` object, the event type and the `data` JSON; it
//! returns at once and delivers in the background.

use crate::ids;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use sha2::Sha256;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// The secret deliveries are signed with when none is configured. Verify
/// them with `WebhookSecret::new(DEFAULT_WEBHOOK_SECRET)` in the SDK.
pub const DEFAULT_WEBHOOK_SECRET: &str = "emulator-webhook-secret";

/// The documented first retry delay (before the time scale).
pub const FIRST_RETRY_DELAY: Duration = Duration::from_secs(5);

/// Attempts per delivery: the first, then retries 5 s, 10 s, … apart; the
/// 15 retries add up to about 45.5 hours, the last whole doubling inside
/// the documented 48 hours.
pub const MAX_ATTEMPTS: u32 = 16;

/// How long one attempt may take (wall clock, not scaled): a receiver that
/// does not answer in time counts as a failed attempt.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and what to deliver: a request's `webhook` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The receiver's URL.
    pub url: String,
    /// The event types asked for; empty means every type.
    pub event_types: Vec<String>,
}

impl Registration {
    /// Reads a `webhook` object (`{"url", "event_types"}`); `None` when it is
    /// absent, `null` or has no URL.
    pub fn from_json(webhook: &serde_json::Value) -> Option<Self> {
        let url = webhook.get("url")?.as_str()?.to_owned();
        let event_types = webhook
            .get("event_types")
            .and_then(|t| t.as_array())
            .map(|types| {
                types
                    .iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Some(Registration { url, event_types })
    }

    /// The registration in a request body's top-level `webhook` field, if any.
    pub fn in_request(body: &str) -> Option<Self> {
        #[derive(serde::Deserialize)]
        struct WithWebhook {
            #[serde(default)]
            webhook: Option<serde_json::Value>,
        }
        let parsed: WithWebhook = serde_json::from_str(body).ok()?;
        Self::from_json(parsed.webhook.as_ref()?)
    }

    /// Whether events of this type are to be delivered.
    pub fn wants(&self, event_type: &str) -> bool {
        self.event_types.is_empty() || self.event_types.iter().any(|t| t == event_type)
    }
}

/// One attempt to deliver a webhook, as recorded (and served as JSON by
/// `GET /_emulator/webhooks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// The `webhook-id` (the same for every attempt of one delivery).
    pub webhook_id: String,
    /// The URL posted to.
    pub url: String,
    /// The event type.
    pub event_type: String,
    /// 1 for the first attempt, 2 for the first retry, …
    pub attempt: u32,
    /// The receiver's answer, when there was one.
    pub status: Option<u16>,
    /// Why there was no answer (connection refused, timeout, unsupported URL).
    pub error: Option<String>,
    /// Whether this attempt ended the delivery successfully (a 2xx).
    pub delivered: bool,
}

/// The delivery service of one emulator: the secret, an HTTP client, the
/// record of attempts.
pub struct Webhooks {
    /// HMAC keyed once with the secret.
    mac: Hmac<Sha256>,
    seed: u64,
    time_scale: f64,
    client: Client<HttpConnector, Full<Bytes>>,
    next_id: AtomicU64,
    log: Mutex<Vec<WebhookDelivery>>,
    /// How many attempts are in `log`, for waiters.
    recorded: watch::Sender<usize>,
    /// Turns true when the emulator stops: pending retries are dropped.
    closing: watch::Sender<bool>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret is deliberately left out.
        f.debug_struct("Webhooks")
            .field("time_scale", &self.time_scale)
            .finish_non_exhaustive()
    }
}

impl Webhooks {
    /// A delivery service signing with `secret`.
    pub fn new(secret: &str, seed: u64, time_scale: f64) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(ATTEMPT_TIMEOUT));
        Webhooks {
            mac: Hmac::new_from_slice(secret.as_bytes())
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")),
            seed,
            time_scale,
            client: Client::builder(TokioExecutor::new()).build(connector),
            next_id: AtomicU64::new(0),
            log: Mutex::default(),
            recorded: watch::channel(0).0,
            closing: watch::channel(false).0,
        }
    }

    /// Every attempt so far, in the order they ended.
    pub fn deliveries(&self) -> Vec<WebhookDelivery> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until at least `n` attempts are recorded, then returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<WebhookDelivery> {
        let mut recorded = self.recorded.subscribe();
        // The sender lives as long as `self`, so this cannot fail.
        let _ = recorded.wait_for(|count| *count >= n).await;
        self.deliveries()
    }

    /// Stops retrying: attempts waiting for their delay are dropped.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Delivers `data` (JSON text) as an event of `event_type` to
    /// `registration`, in the background, unless the registration did not
    /// ask for that type. Returns the `webhook-id`, or `None` when skipped.
    /// Must be called within the Tokio runtime.
    pub fn deliver(
        self: &Arc<Self>,
        registration: &Registration,
        event_type: &str,
        data: &str,
    ) -> Option<String> {
        if !registration.wants(event_type) {
            return None;
        }
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let id = format!("whevent_{:016x}", ids::hash(self.seed, &[n, 9]));
        let body = format!(
            "{{\"timestamp\":\"{}\",\"type\":{},\"data\":{}}}",
            ids::timestamp(ids::now_micros()),
            serde_json::Value::from(event_type),
            data
        );
        let job = Job {
            id: id.clone(),
            url: registration.url.clone(),
            event_type: event_type.to_owned(),
            body: Bytes::from(body),
        };
        tokio::spawn(self.clone().run(job));
        Some(id)
    }

    /// The attempts of one delivery, with the documented backoff.
    async fn run(self: Arc<Self>, job: Job) {
        let mut closing = self.closing.subscribe();
        for attempt in 1..=MAX_ATTEMPTS {
            if *closing.borrow() {
                return;
            }
            let outcome = self.attempt(&job).await;
            let delivered = matches!(outcome, Ok(status) if (200..300).contains(&status));
            self.record(WebhookDelivery {
                webhook_id: job.id.clone(),
                url: job.url.clone(),
                event_type: job.event_type.clone(),
                attempt,
                status: outcome.as_ref().ok().copied(),
                error: outcome.err(),
                delivered,
            });
            // An unsupported URL stays unsupported: no retry.
            if delivered || attempt == MAX_ATTEMPTS || !job.url.starts_with("http://") {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(retry_delay(attempt, self.time_scale)) => {}
                _ = closing.wait_for(|c| *c) => return,
            }
        }
    }

    /// One signed POST; the status, or why there was none.
    async fn attempt(&self, job: &Job) -> Result<u16, String> {
        if !job.url.starts_with("http://") {
            return Err(format!(
                "the emulator delivers to http:// URLs only, not `{}`",
                job.url
            ));
        }
        let timestamp = (ids::now_micros() / 1_000_000).to_string();
        let signature = self.sign(&job.id, &timestamp, &job.body);
        let request = http::Request::post(job.url.as_str())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", job.id.as_str())
            .header("webhook-timestamp", timestamp)
            .header("webhook-signature", signature)
            .body(Full::new(job.body.clone()))
            .map_err(|e| format!("invalid webhook URL: {e}"))?;
        match tokio::time::timeout(ATTEMPT_TIMEOUT, self.client.request(request)).await {
            Ok(Ok(response)) => Ok(response.status().as_u16()),
            Ok(Err(e)) => Err(format!("request failed: {e}")),
            Err(_) => Err(format!("no answer within {}s", ATTEMPT_TIMEOUT.as_secs())),
        }
    }

    /// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
    fn sign(&self, id: &str, timestamp: &str, body: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }

    fn record(&self, delivery: WebhookDelivery) {
        tracing::debug!(
            webhook_id = %delivery.webhook_id,
            event_type = %delivery.event_type,
            attempt = delivery.attempt,
            status = ?delivery.status,
            "webhook attempt"
        );
        let count = {
            let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
            log.push(delivery);
            log.len()
        };
        self.recorded.send_replace(count);
    }
}

/// The wait after failed attempt `attempt` (1-based): the documented 5 s,
/// doubled after each failure, times the time scale.
fn retry_delay(attempt: u32, time_scale: f64) -> Duration {
    let documented = FIRST_RETRY_DELAY.saturating_mul(1 << (attempt - 1).min(30));
    Duration::try_from_secs_f64(documented.as_secs_f64() * time_scale).unwrap_or(Duration::ZERO)
}

/// One delivery in flight.
struct Job {
    id: String,
    url: String,
    event_type: String,
    body: Bytes,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_one_derived_with_python() {
        // base64.b64encode(hmac.new(b"pw-test-secret",
        //   b"whevent_abc.1751498975." + b'{"a":1}', hashlib.sha256).digest())
        let w = Webhooks::new("pw-test-secret", 0, 0.0);
        assert_eq!(
            w.sign("whevent_abc", "1751498975", br#"{"a":1}"#),
            "v1,/ytCUNGplNc5S02hatboCsn3cUbm+seB6dCTCaw2K/0="
        );
    }

    #[test]
    fn retries_wait_5s_then_double_scaled_and_all_fit_in_the_documented_48_hours() {
        let delays: Vec<u64> = (1..MAX_ATTEMPTS)
            .map(|a| retry_delay(a, 1.0).as_secs())
            .collect();
        assert_eq!(delays[..4], [5, 10, 20, 40]);
        let total: u64 = delays.iter().sum();
        assert!(total <= 48 * 3600, "{total} s");
        // One more doubling would not fit.
        assert!(total + retry_delay(MAX_ATTEMPTS, 1.0).as_secs() > 48 * 3600);
        assert_eq!(retry_delay(3, 0.01), Duration::from_millis(200));
        assert_eq!(retry_delay(3, 0.0), Duration::ZERO);
    }

    #[test]
    fn a_registration_without_types_wants_every_type_and_one_with_types_only_those() {
        let all = Registration::in_request(r#"{"input":"x","webhook":{"url":"http://h"}}"#)
            .expect("a webhook");
        assert!(all.wants("task_run.status") && all.wants("findall.run.completed"));
        let some = Registration::in_request(
            r#"{"webhook":{"url":"http://h","event_types":["findall.run.completed"]}}"#,
        )
        .expect("a webhook");
        assert!(some.wants("findall.run.completed") && !some.wants("task_run.status"));
        assert_eq!(Registration::in_request(r#"{"webhook":null}"#), None);
        assert_eq!(
            Registration::in_request(r#"{"input":{"webhook":{"url":"http://h"}}}"#),
            None
        );
    }
}
