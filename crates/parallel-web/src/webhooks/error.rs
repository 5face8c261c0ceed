//! Why a webhook delivery was refused.

use std::time::Duration;

/// A webhook delivery that did not pass verification, or could not be read.
///
/// Every message says what to do. None of them contains a secret; header
/// values in them are cut to a few dozen characters.
///
/// A receiver usually answers every variant with a 4xx status, except
/// [`WebhookError::Replayed`]: a delivery Parallel retries carries the same
/// `webhook-id`, so a replayed id means "already handled" and deserves a
/// 2xx, or the sender keeps retrying.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header is absent (or not valid text).
    #[error(
        "the `{name}` header is missing or not text; webhooks from Parallel carry \
         webhook-id, webhook-timestamp and webhook-signature, so check that a proxy in \
         front of the receiver passes them through"
    )]
    MissingHeader {
        /// The header's name.
        name: &'static str,
    },

    /// `webhook-timestamp` is not a whole number of seconds since the epoch.
    #[error("the webhook-timestamp header `{value}` is not Unix seconds; refuse the delivery")]
    MalformedTimestamp {
        /// The value received (cut to 40 characters).
        value: String,
    },

    /// `webhook-signature` holds no `v1,<base64 of 32 bytes>` entry.
    #[error(
        "the webhook-signature header holds no `v1,<base64>` entry of an HMAC-SHA256; \
         refuse the delivery"
    )]
    MalformedSignature,

    /// The timestamp is older than the tolerance allows.
    #[error(
        "the delivery was signed {}s ago, more than the {}s tolerance; refuse it (a \
         replay), or check the receiver's clock",
        .age.as_secs(),
        .tolerance.as_secs()
    )]
    Expired {
        /// How long ago it was signed.
        age: Duration,
        /// The configured tolerance.
        tolerance: Duration,
    },

    /// The timestamp lies further in the future than the tolerance allows.
    #[error(
        "the delivery is dated {}s in the future, more than the {}s tolerance; check the \
         receiver's clock",
        .ahead.as_secs(),
        .tolerance.as_secs()
    )]
    FromTheFuture {
        /// How far ahead of the clock it is dated.
        ahead: Duration,
        /// The configured tolerance.
        tolerance: Duration,
    },

    /// No signature in the header matches the body under any configured secret.
    #[error(
        "none of the {signatures} signature(s) matches the body under the {secrets} \
         configured secret(s); refuse the delivery, and check that the secret is the one \
         in Parallel's webhook settings and that the body is read unchanged (not \
         re-serialised)"
    )]
    NoMatchingSignature {
        /// Well-formed `v1` signatures in the header.
        signatures: usize,
        /// Secrets tried against each.
        secrets: usize,
    },

    /// This `webhook-id` was accepted before.
    #[error(
        "the delivery {id} was already accepted; if you handled it, answer 2xx and do \
         nothing, so the sender stops retrying"
    )]
    Replayed {
        /// The repeated `webhook-id` (cut to 80 characters).
        id: String,
    },

    /// The body is larger than the configured limit (checked before any hashing).
    #[error(
        "the body is {size} bytes, over the {limit}-byte limit; refuse it, or raise \
         `WebhookVerifier::max_body_bytes` if such payloads are expected"
    )]
    TooLarge {
        /// The body's size.
        size: usize,
        /// The configured limit.
        limit: usize,
    },

    /// The signature is valid but the body is not a webhook payload
    /// (`{"timestamp", "type", "data"}`), or its `data` does not fit the
    /// model of its `type`.
    #[error(
        "the signature is valid but the body is not a webhook payload{}: {source}; \
         read the body as JSON yourself, or update parallel-web if the API changed",
        .event_type.as_deref().map(|t| format!(" of type `{t}`")).unwrap_or_default()
    )]
    InvalidPayload {
        /// The payload's `type`, when it could be read.
        event_type: Option<String>,
        /// What did not fit.
        source: serde_json::Error,
    },

    /// A secret could not be read (see [`WebhookSecret::standard`](super::WebhookSecret::standard)).
    #[error("the webhook secret is invalid: {reason}")]
    InvalidSecret {
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// At most `max` characters of a header value, for an error message.
pub(super) fn clip(value: &str, max: usize) -> String {
    match value.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}
