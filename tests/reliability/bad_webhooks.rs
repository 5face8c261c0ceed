//! Part 2c, bad webhook deliveries: one table of deliveries a receiver
//! using `parallel_web::webhooks` must refuse (or, where documented, accept)
//! with a clear typed result and no panic. No server is involved: the
//! verifier is a pure function of headers, body, secrets and clock, so each
//! case builds a delivery, signs it (or spoils it) and verifies it.
//!
//! `secrets.rs` runs the same table again to check that no outcome shows
//! the webhook secret.

use std::panic::{AssertUnwindSafe, catch_unwind};

use parallel_web::webhooks::{
    HeaderMap, SeenIds, WebhookError, WebhookEvent, WebhookSecret, WebhookVerifier, sign,
};

/// The secret every case signs with: distinctive enough that finding it
/// anywhere means it leaked.
pub(crate) const WEBHOOK_CANARY: &str = "whsec-SECRET-canary-91c4e07a";

const NOW: i64 = 1_751_498_975;
const ID: &str = "whevent_case";
const BODY: &str = r#"{"timestamp":"2025-07-02T23:29:35Z","type":"task_run.status","data":{"run_id":"trun_1","status":"completed","is_active":false,"processor":"lite"}}"#;

type Outcome = Result<WebhookEvent, WebhookError>;

/// One row: a name, what was sent, the expected result in words, its check,
/// and the delivery.
pub(crate) struct WebhookCase {
    pub name: &'static str,
    pub sent: &'static str,
    pub expect: &'static str,
    check: fn(&Outcome) -> bool,
    run: Box<dyn FnOnce() -> Outcome>,
}

fn case(
    name: &'static str,
    sent: &'static str,
    expect: &'static str,
    check: fn(&Outcome) -> bool,
    run: impl FnOnce() -> Outcome + 'static,
) -> WebhookCase {
    WebhookCase {
        name,
        sent,
        expect,
        check,
        run: Box::new(run),
    }
}

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(WebhookSecret::new(WEBHOOK_CANARY)).clock(|| NOW)
}

/// A correctly signed delivery of `body` at `timestamp`, as headers.
fn signed(body: &str, timestamp: i64) -> HeaderMap {
    headers(
        ID,
        &timestamp.to_string(),
        &sign(
            &WebhookSecret::new(WEBHOOK_CANARY),
            ID,
            timestamp,
            body.as_bytes(),
        ),
    )
}

fn headers(id: &str, timestamp: &str, signature: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("webhook-id", id.parse().unwrap());
    h.insert("webhook-timestamp", timestamp.parse().unwrap());
    h.insert("webhook-signature", signature.parse().unwrap());
    h
}

fn good_signature() -> String {
    sign(
        &WebhookSecret::new(WEBHOOK_CANARY),
        ID,
        NOW,
        BODY.as_bytes(),
    )
}

pub(crate) fn webhook_cases() -> Vec<WebhookCase> {
    vec![
        case(
            "webhook_wrong_secret",
            "a delivery signed with another secret",
            "NoMatchingSignature",
            |o| matches!(o, Err(WebhookError::NoMatchingSignature { .. })),
            || {
                let sig = sign(&WebhookSecret::new("another"), ID, NOW, BODY.as_bytes());
                verifier().verify(&headers(ID, &NOW.to_string(), &sig), BODY.as_bytes())
            },
        ),
        case(
            "webhook_body_changed",
            "a correctly signed delivery whose body gained one space after signing",
            "NoMatchingSignature (the exact bytes are signed)",
            |o| matches!(o, Err(WebhookError::NoMatchingSignature { .. })),
            || {
                let changed = BODY.replacen("\"status\"", "\"status\" ", 1);
                verifier().verify(&signed(BODY, NOW), changed.as_bytes())
            },
        ),
        case(
            "webhook_expired",
            "a correct delivery signed 10 minutes ago (tolerance 5)",
            "Expired",
            |o| matches!(o, Err(WebhookError::Expired { .. })),
            || verifier().verify(&signed(BODY, NOW - 600), BODY.as_bytes()),
        ),
        case(
            "webhook_from_the_future",
            "a correct delivery dated 10 minutes ahead",
            "FromTheFuture",
            |o| matches!(o, Err(WebhookError::FromTheFuture { .. })),
            || verifier().verify(&signed(BODY, NOW + 600), BODY.as_bytes()),
        ),
        case(
            "webhook_timestamp_iso",
            "webhook-timestamp `2025-07-02T23:29:35Z` instead of Unix seconds",
            "MalformedTimestamp",
            |o| matches!(o, Err(WebhookError::MalformedTimestamp { .. })),
            || {
                let h = headers(ID, "2025-07-02T23:29:35Z", &good_signature());
                verifier().verify(&h, BODY.as_bytes())
            },
        ),
        case(
            "webhook_timestamp_overflows",
            "webhook-timestamp of 20 digits",
            "MalformedTimestamp, no overflow panic",
            |o| matches!(o, Err(WebhookError::MalformedTimestamp { .. })),
            || {
                let h = headers(ID, "99999999999999999999", &good_signature());
                verifier().verify(&h, BODY.as_bytes())
            },
        ),
        case(
            "webhook_signature_without_version",
            "webhook-signature holding the bare base64, without `v1,`",
            "MalformedSignature",
            |o| matches!(o, Err(WebhookError::MalformedSignature)),
            || {
                let sig = good_signature();
                let bare = sig.trim_start_matches("v1,");
                verifier().verify(&headers(ID, &NOW.to_string(), bare), BODY.as_bytes())
            },
        ),
        case(
            "webhook_signature_not_base64",
            "webhook-signature `v1,***`",
            "MalformedSignature",
            |o| matches!(o, Err(WebhookError::MalformedSignature)),
            || verifier().verify(&headers(ID, &NOW.to_string(), "v1,***"), BODY.as_bytes()),
        ),
        case(
            "webhook_signature_16_bytes",
            "webhook-signature `v1,` + base64 of 16 bytes (not an HMAC-SHA256)",
            "MalformedSignature",
            |o| matches!(o, Err(WebhookError::MalformedSignature)),
            || {
                let h = headers(ID, &NOW.to_string(), "v1,AAAAAAAAAAAAAAAAAAAAAA==");
                verifier().verify(&h, BODY.as_bytes())
            },
        ),
        case(
            "webhook_1000_signatures",
            "webhook-signature with 1,000 well-formed wrong entries",
            "NoMatchingSignature counting 1000, no panic",
            |o| {
                matches!(
                    o,
                    Err(WebhookError::NoMatchingSignature {
                        signatures: 1000,
                        ..
                    })
                )
            },
            || {
                let many = vec!["v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; 1000].join(" ");
                verifier().verify(&headers(ID, &NOW.to_string(), &many), BODY.as_bytes())
            },
        ),
        case(
            "webhook_rotated_secret",
            "two entries: one from a retired secret, one from the current one",
            "Ok: any matching entry is enough",
            |o| matches!(o, Ok(WebhookEvent::TaskRunStatus { .. })),
            || {
                let old = sign(&WebhookSecret::new("retired"), ID, NOW, BODY.as_bytes());
                let both = format!("{old} {}", good_signature());
                verifier().verify(&headers(ID, &NOW.to_string(), &both), BODY.as_bytes())
            },
        ),
        case(
            "webhook_missing_id",
            "a delivery without webhook-id",
            "MissingHeader naming webhook-id",
            |o| matches!(o, Err(WebhookError::MissingHeader { name: "webhook-id" })),
            || {
                let mut h = signed(BODY, NOW);
                h.remove("webhook-id");
                verifier().verify(&h, BODY.as_bytes())
            },
        ),
        case(
            "webhook_signature_not_text",
            "webhook-signature containing the byte 0xFF",
            "MissingHeader naming webhook-signature (not text)",
            |o| {
                matches!(
                    o,
                    Err(WebhookError::MissingHeader {
                        name: "webhook-signature"
                    })
                )
            },
            || {
                let mut h = signed(BODY, NOW);
                let bad = http_value(b"v1,\xff");
                h.insert("webhook-signature", bad);
                verifier().verify(&h, BODY.as_bytes())
            },
        ),
        case(
            "webhook_replayed_id",
            "the same correct delivery twice, to a verifier that remembers ids",
            "Ok, then Replayed",
            |o| matches!(o, Err(WebhookError::Replayed { .. })),
            || {
                let v = verifier().remember_ids(SeenIds::new());
                let h = signed(BODY, NOW);
                v.verify(&h, BODY.as_bytes())
                    .expect("the first copy is accepted");
                v.verify(&h, BODY.as_bytes())
            },
        ),
        case(
            "webhook_oversized_body",
            "a correctly signed 2 MiB body (limit 1 MiB)",
            "TooLarge, before hashing",
            |o| {
                matches!(
                    o,
                    Err(WebhookError::TooLarge {
                        size: 2097152,
                        limit: 1048576
                    })
                )
            },
            || {
                let big = format!("{}{}", BODY, " ".repeat((2 << 20) - BODY.len()));
                verifier().verify(&signed(&big, NOW), big.as_bytes())
            },
        ),
        case(
            "webhook_signed_not_json",
            "a correctly signed body `not json`",
            "InvalidPayload (the signature is valid)",
            |o| {
                matches!(
                    o,
                    Err(WebhookError::InvalidPayload {
                        event_type: None,
                        ..
                    })
                )
            },
            || verifier().verify(&signed("not json", NOW), b"not json"),
        ),
        case(
            "webhook_data_wrong_shape",
            "a correctly signed task_run.status whose data.run_id is a number",
            "InvalidPayload naming task_run.status",
            |o| matches!(o, Err(WebhookError::InvalidPayload { event_type: Some(t), .. }) if t == "task_run.status"),
            || {
                let body = r#"{"timestamp":"t","type":"task_run.status","data":{"run_id":7}}"#;
                verifier().verify(&signed(body, NOW), body.as_bytes())
            },
        ),
        case(
            "webhook_unknown_type",
            "a correctly signed event of type `memory.scope.evicted`",
            "Ok: Unknown, with the payload kept",
            |o| matches!(o, Ok(WebhookEvent::Unknown { event_type, .. }) if event_type == "memory.scope.evicted"),
            || {
                let body = r#"{"timestamp":"t","type":"memory.scope.evicted","data":{"k":1}}"#;
                verifier().verify(&signed(body, NOW), body.as_bytes())
            },
        ),
        case(
            "webhook_secret_not_base64",
            "WebhookSecret::standard(\"whsec_%%%\")",
            "InvalidSecret",
            |o| matches!(o, Err(WebhookError::InvalidSecret { .. })),
            || WebhookSecret::standard("whsec_%%%").map(|_| unreachable!("not base64")),
        ),
    ]
}

/// A header value from raw bytes (visible ASCII and obs-text are allowed).
fn http_value(bytes: &[u8]) -> parallel_web::webhooks::HeaderValue {
    parallel_web::webhooks::HeaderValue::from_bytes(bytes).unwrap()
}

/// One row's result.
pub(crate) struct WebhookReport {
    pub name: &'static str,
    pub outcome: Result<Outcome, String>,
    pub passed: bool,
}

/// Runs every case, catching panics.
pub(crate) fn run_webhook_table() -> Vec<WebhookReport> {
    webhook_cases()
        .into_iter()
        .map(|c| {
            let outcome = catch_unwind(AssertUnwindSafe(c.run))
                .map_err(|p| format!("PANIC: {}", crate::bad_sdk::panic_message(p)));
            let passed = outcome.as_ref().is_ok_and(|o| (c.check)(o));
            println!(
                "| `{}` | {} | {} | {} |",
                c.name,
                c.sent,
                c.expect,
                match &outcome {
                    Ok(Ok(event)) => format!("Ok: {}", event.event_type()),
                    Ok(Err(e)) => format!("{}: {e}", variant(e)),
                    Err(panic) => panic.clone(),
                }
            );
            WebhookReport {
                name: c.name,
                outcome,
                passed,
            }
        })
        .collect()
}

/// The variant's name, from its Debug.
fn variant(e: &WebhookError) -> String {
    let debug = format!("{e:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn every_bad_webhook_delivery_gets_its_typed_result() {
    let failed: Vec<_> = run_webhook_table()
        .into_iter()
        .filter(|r| !r.passed)
        .map(|r| r.name)
        .collect();
    assert!(failed.is_empty(), "failing cases: {failed:?}");
}
