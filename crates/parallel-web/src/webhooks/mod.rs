//! Webhooks: checking that a delivery comes from Parallel, and reading it.
//!
//! Parallel signs webhooks the Standard Webhooks way. Each POST carries
//! `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`:
//! space-separated `v1,<base64>` entries, each the HMAC-SHA256 of
//! `<id>.<timestamp>.<body>` (standard base64, padded). Several entries
//! appear while a secret is being rotated.
//!
//! [`WebhookVerifier`] checks, in this order: the body size (before any
//! hashing), the headers, the timestamp against a tolerance, the signatures
//! (constant-time, against every configured secret), then decodes the
//! payload into a [`WebhookEvent`], then (if a memory is plugged in) that the
//! id is new. [`sign`] produces the header for tests of your own receiver.
//!
//! What it does not do: remember ids unless you plug in a [`SeenIdStore`];
//! check the asymmetric `v1a` scheme (Parallel does not use it; such entries
//! are skipped); read the request (pass it the body bytes exactly as
//! received, before any JSON parsing).
//!
//! ```
//! use parallel_web::webhooks::{WebhookEvent, WebhookSecret, WebhookVerifier, sign};
//!
//! let secret = "my-account-secret";
//! let verifier = WebhookVerifier::new(WebhookSecret::new(secret));
//!
//! // What a delivery looks like (here signed locally).
//! let body = br#"{"timestamp":"2025-04-23T20:21:48Z","type":"task_run.status",
//!   "data":{"run_id":"trun_1","status":"completed","is_active":false,"processor":"base"}}"#;
//! let now = std::time::SystemTime::now()
//!     .duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
//! let mut headers = parallel_web::webhooks::HeaderMap::new();
//! headers.insert("webhook-id", "whevent_1".parse().unwrap());
//! headers.insert("webhook-timestamp", now.to_string().parse().unwrap());
//! let signature = sign(&WebhookSecret::new(secret), "whevent_1", now, body);
//! headers.insert("webhook-signature", signature.parse().unwrap());
//!
//! match verifier.verify(&headers, body) {
//!     Ok(WebhookEvent::TaskRunStatus { run, .. }) => assert_eq!(run.run_id, "trun_1"),
//!     Ok(other) => println!("another event: {}", other.event_type()),
//!     Err(refused) => eprintln!("refused: {refused}"),
//! }
//! ```

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac;
use hmac::digest::CtOutput;

mod error;
mod event;
mod replay;
mod secret;
#[cfg(test)]
mod tests;

pub use error::WebhookError;
pub use event::{FindAllRunChange, MonitorChange, MonitorNotice, WebhookEvent};
/// The header map [`WebhookVerifier::verify`] reads, and its values
/// (`http`'s, as used by reqwest, axum and hyper).
pub use http::{HeaderMap, HeaderValue};
pub use replay::{SeenIdStore, SeenIds};
pub use secret::WebhookSecret;

use error::clip;

/// The default timestamp tolerance: five minutes either way (the Standard
/// Webhooks recommendation).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The default largest body accepted: 1 MiB. A `task_run.status` payload
/// is the run object (no output), a few kilobytes at most.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;

/// Header names, as sent.
const ID: &str = "webhook-id";
const TIMESTAMP: &str = "webhook-timestamp";
const SIGNATURE: &str = "webhook-signature";

/// Length of an HMAC-SHA256 tag.
const TAG_BYTES: usize = 32;

type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The three signing headers of one delivery, for callers whose framework
/// does not use [`http::HeaderMap`].
#[derive(Debug, Clone, Copy)]
pub struct WebhookHeaders<'a> {
    /// `webhook-id`.
    pub id: &'a str,
    /// `webhook-timestamp`.
    pub timestamp: &'a str,
    /// `webhook-signature`.
    pub signature: &'a str,
}

impl<'a> WebhookHeaders<'a> {
    /// Reads the three headers from a map.
    ///
    /// # Errors
    /// [`WebhookError::MissingHeader`] for the first one absent or not text.
    pub fn from_map(headers: &'a http::HeaderMap) -> Result<Self, WebhookError> {
        let get = |name: &'static str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or(WebhookError::MissingHeader { name })
        };
        Ok(WebhookHeaders {
            id: get(ID)?,
            timestamp: get(TIMESTAMP)?,
            signature: get(SIGNATURE)?,
        })
    }
}

/// Checks webhook deliveries against one or more secrets.
///
/// Cheap to share: put it in an `Arc` (or your framework's state) and call
/// [`verify`](Self::verify) from every request. `Debug` shows how many
/// secrets it holds, never the secrets.
///
/// ```
/// use parallel_web::webhooks::{SeenIds, WebhookSecret, WebhookVerifier};
/// use std::time::Duration;
///
/// let verifier = WebhookVerifier::new(WebhookSecret::new("current-secret"))
///     .with_secret(WebhookSecret::new("previous-secret")) // during a rotation
///     .tolerance(Duration::from_secs(60))
///     .max_body_bytes(256 * 1024)
///     .remember_ids(SeenIds::new());
/// assert_eq!(
///     format!("{verifier:?}"),
///     "WebhookVerifier { secrets: 2, tolerance: 60s, max_body_bytes: 262144, remembers_ids: true }"
/// );
/// ```
#[derive(Clone)]
pub struct WebhookVerifier {
    secrets: Vec<WebhookSecret>,
    tolerance: Duration,
    max_body_bytes: usize,
    clock: Clock,
    seen: Option<Arc<dyn SeenIdStore>>,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("secrets", &self.secrets.len())
            .field("tolerance", &format_args!("{}s", self.tolerance.as_secs()))
            .field("max_body_bytes", &self.max_body_bytes)
            .field("remembers_ids", &self.seen.is_some())
            .finish()
    }
}

fn system_clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl WebhookVerifier {
    /// A verifier for deliveries signed with `secret`, with
    /// [`DEFAULT_TOLERANCE`], [`DEFAULT_MAX_BODY_BYTES`], the system clock
    /// and no memory of ids.
    pub fn new(secret: impl Into<WebhookSecret>) -> Self {
        WebhookVerifier {
            secrets: vec![secret.into()],
            tolerance: DEFAULT_TOLERANCE,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            clock: Arc::new(system_clock),
            seen: None,
        }
    }

    /// Also accepts signatures made with `secret` (say, the previous one
    /// while a rotation completes).
    pub fn with_secret(mut self, secret: impl Into<WebhookSecret>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// How far a delivery's timestamp may be from the clock, either way.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The largest body accepted, checked before any hashing.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The clock, in Unix seconds (for tests; the system clock by default).
    pub fn clock(mut self, now: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(now);
        self
    }

    /// Refuses a delivery whose id was accepted before, using `store`
    /// (ids are kept until their timestamp leaves the tolerance).
    pub fn remember_ids(mut self, store: impl SeenIdStore + 'static) -> Self {
        self.seen = Some(Arc::new(store));
        self
    }

    /// Same as [`remember_ids`](Self::remember_ids), with a store you keep a
    /// handle to (to call [`SeenIdStore::forget`] when handling fails).
    pub fn remember_ids_in(mut self, store: Arc<dyn SeenIdStore>) -> Self {
        self.seen = Some(store);
        self
    }

    /// Verifies a delivery and decodes it.
    ///
    /// # Errors
    /// A [`WebhookError`] saying which check failed.
    pub fn verify(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<WebhookEvent, WebhookError> {
        // The size first: a huge body is refused before its headers are read.
        self.check_size(body)?;
        self.verify_parts(WebhookHeaders::from_map(headers)?, body)
    }

    /// [`verify`](Self::verify), with the headers as plain strings.
    ///
    /// # Errors
    /// A [`WebhookError`] saying which check failed.
    pub fn verify_parts(
        &self,
        headers: WebhookHeaders<'_>,
        body: &[u8],
    ) -> Result<WebhookEvent, WebhookError> {
        let timestamp = self.authenticate(headers, body)?;
        let event = WebhookEvent::from_json(body)?;
        // Last, so that only a delivery that was fully accepted is remembered.
        if let Some(seen) = &self.seen {
            let keep_until = timestamp.saturating_add(self.tolerance.as_secs() as i64);
            if !seen.remember(headers.id, (self.clock)(), keep_until) {
                return Err(WebhookError::Replayed {
                    id: clip(headers.id, 80),
                });
            }
        }
        Ok(event)
    }

    /// Checks size, timestamp and signature, without decoding the body or
    /// consulting the id memory; returns the timestamp. For receivers that
    /// read the JSON themselves.
    ///
    /// # Errors
    /// A [`WebhookError`] saying which check failed.
    pub fn authenticate(
        &self,
        headers: WebhookHeaders<'_>,
        body: &[u8],
    ) -> Result<i64, WebhookError> {
        self.check_size(body)?;
        let timestamp = self.check_timestamp(headers.timestamp)?;
        self.check_signature(headers, body)?;
        Ok(timestamp)
    }

    fn check_size(&self, body: &[u8]) -> Result<(), WebhookError> {
        if body.len() > self.max_body_bytes {
            return Err(WebhookError::TooLarge {
                size: body.len(),
                limit: self.max_body_bytes,
            });
        }
        Ok(())
    }

    fn check_timestamp(&self, value: &str) -> Result<i64, WebhookError> {
        let malformed = || WebhookError::MalformedTimestamp {
            value: clip(value, 40),
        };
        // Digits only (no sign, no spaces), and few enough to fit an i64.
        if value.is_empty() || value.len() > 18 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let timestamp: i64 = value.parse().map_err(|_| malformed())?;
        let now = (self.clock)();
        let tolerance = self.tolerance;
        let delta = now - timestamp;
        if delta > tolerance.as_secs() as i64 {
            return Err(WebhookError::Expired {
                age: Duration::from_secs(delta.unsigned_abs()),
                tolerance,
            });
        }
        if -delta > tolerance.as_secs() as i64 {
            return Err(WebhookError::FromTheFuture {
                ahead: Duration::from_secs(delta.unsigned_abs()),
                tolerance,
            });
        }
        Ok(timestamp)
    }

    fn check_signature(
        &self,
        headers: WebhookHeaders<'_>,
        body: &[u8],
    ) -> Result<(), WebhookError> {
        let mut candidates: Vec<[u8; TAG_BYTES]> = Vec::new();
        for entry in headers.signature.split_ascii_whitespace() {
            if let Some(encoded) = entry.strip_prefix("v1,")
                && let Some(tag) = decode_tag(encoded)
            {
                candidates.push(tag);
            }
        }
        if candidates.is_empty() {
            return Err(WebhookError::MalformedSignature);
        }
        for secret in &self.secrets {
            let expected = tag(secret, headers.id, headers.timestamp, body);
            // `CtOutput` compares in constant time.
            if candidates
                .iter()
                .any(|c| expected == CtOutput::new((*c).into()))
            {
                return Ok(());
            }
        }
        Err(WebhookError::NoMatchingSignature {
            signatures: candidates.len(),
            secrets: self.secrets.len(),
        })
    }
}

/// A standard-base64 HMAC-SHA256 tag, or `None` if `encoded` is not one.
fn decode_tag(encoded: &str) -> Option<[u8; TAG_BYTES]> {
    // Room for the decoder's length estimate (it rounds up).
    let mut buf = [0u8; TAG_BYTES + 3];
    match STANDARD.decode_slice(encoded, &mut buf) {
        Ok(TAG_BYTES) => {
            let mut tag = [0u8; TAG_BYTES];
            tag.copy_from_slice(&buf[..TAG_BYTES]);
            Some(tag)
        }
        _ => None,
    }
}

fn tag(
    secret: &WebhookSecret,
    id: &str,
    timestamp: &str,
    body: &[u8],
) -> CtOutput<hmac::Hmac<sha2::Sha256>> {
    let mut mac = secret.mac.clone();
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize()
}

/// The `webhook-signature` value (`v1,<base64>`) for a delivery: for tests
/// of your own receiver, or a sender of your own.
///
/// ```
/// use parallel_web::webhooks::{WebhookSecret, sign};
/// let header = sign(&WebhookSecret::new("s"), "msg_1", 1_700_000_000, b"{}");
/// assert!(header.starts_with("v1,") && header.ends_with('='));
/// ```
pub fn sign(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = tag(secret, id, &timestamp.to_string(), body).into_bytes();
    format!("v1,{}", STANDARD.encode(tag))
}
