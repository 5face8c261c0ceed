//! The verifier's checks, one behaviour per test, with an injected clock.

use std::sync::Arc;
use std::time::Duration;

use super::*;

const SECRET: &str = "pw-test-secret";
const NOW: i64 = 1_751_498_975;
const ID: &str = "whevent_abc";

/// A `task_run.status` payload, exactly as signed below.
const BODY: &[u8] = br#"{"timestamp":"2025-04-23T20:21:48.037943Z","type":"task_run.status","data":{"run_id":"trun_1","status":"completed","is_active":false,"processor":"base"}}"#;

/// Derived outside this crate, with Python's standard library:
/// `base64.b64encode(hmac.new(b"pw-test-secret", b"whevent_abc.1751498975." + BODY,
/// hashlib.sha256).digest())`.
const BODY_SIGNATURE: &str = "v1,cizZwr31x1gachLXXfpjonqXYa6G96icLkFKK8o5PSs=";

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(WebhookSecret::new(SECRET)).clock(|| NOW)
}

fn headers(signature: &str) -> WebhookHeaders<'_> {
    WebhookHeaders {
        id: ID,
        timestamp: "1751498975",
        signature,
    }
}

#[test]
fn a_signature_computed_independently_verifies_and_decodes_the_run() {
    let event = verifier()
        .verify_parts(headers(BODY_SIGNATURE), BODY)
        .expect("valid delivery");
    let WebhookEvent::TaskRunStatus { timestamp, run } = event else {
        panic!("not a task run event: {event:?}");
    };
    assert_eq!(timestamp, "2025-04-23T20:21:48.037943Z");
    assert_eq!(run.run_id, "trun_1");
    assert_eq!(run.status.as_str(), "completed");
}

#[test]
fn sign_reproduces_the_independently_derived_signature() {
    assert_eq!(
        sign(&WebhookSecret::new(SECRET), ID, NOW, BODY),
        BODY_SIGNATURE
    );
}

#[test]
fn a_standard_webhooks_secret_keys_the_hmac_with_its_decoded_bytes() {
    // Python: base64.b64encode(hmac.new(b"standard-key-bytes",
    // b'msg_1.1700000000.{"a":1}', hashlib.sha256).digest())
    let secret = WebhookSecret::standard("whsec_c3RhbmRhcmQta2V5LWJ5dGVz").unwrap();
    assert_eq!(
        sign(&secret, "msg_1", 1_700_000_000, br#"{"a":1}"#),
        "v1,Rbtw7niruGiBEdQ98v6B28MetE40gM1WmTNvYcB3Ito="
    );
    // The same text taken as a Parallel secret is another key.
    assert_ne!(
        sign(
            &WebhookSecret::new("whsec_c3RhbmRhcmQta2V5LWJ5dGVz"),
            "msg_1",
            1_700_000_000,
            br#"{"a":1}"#
        ),
        "v1,Rbtw7niruGiBEdQ98v6B28MetE40gM1WmTNvYcB3Ito="
    );
}

#[test]
fn a_standard_secret_that_is_not_base64_is_an_invalid_secret() {
    assert!(matches!(
        WebhookSecret::standard("whsec_not base64!"),
        Err(WebhookError::InvalidSecret { .. })
    ));
    assert!(matches!(
        WebhookSecret::standard("whsec_"),
        Err(WebhookError::InvalidSecret { .. })
    ));
}

#[test]
fn any_matching_entry_among_several_signatures_is_enough() {
    let other = sign(&WebhookSecret::new("old"), ID, NOW, BODY);
    let header = format!("v1a,ignored {other} {BODY_SIGNATURE}");
    assert!(verifier().verify_parts(headers(&header), BODY).is_ok());
}

#[test]
fn a_second_secret_accepts_deliveries_signed_with_it() {
    let signed_with_old = sign(&WebhookSecret::new("old"), ID, NOW, BODY);
    assert!(matches!(
        verifier().verify_parts(headers(&signed_with_old), BODY),
        Err(WebhookError::NoMatchingSignature {
            signatures: 1,
            secrets: 1
        })
    ));
    let rotating = verifier().with_secret(WebhookSecret::new("old"));
    assert!(
        rotating
            .verify_parts(headers(&signed_with_old), BODY)
            .is_ok()
    );
}

#[test]
fn a_body_changed_by_one_byte_matches_no_signature() {
    let mut body = BODY.to_vec();
    body[20] ^= 1;
    assert!(matches!(
        verifier().verify_parts(headers(BODY_SIGNATURE), &body),
        Err(WebhookError::NoMatchingSignature { .. })
    ));
}

#[test]
fn a_signature_header_without_a_v1_entry_is_malformed() {
    for header in [
        "",
        "   ",
        "v2,abc=",
        "v1,not-base64!!",
        "v1,YWJj",
        "cizZwr31x1gachLXXfpjonqXYa6G96icLkFKK8o5PSs=",
    ] {
        assert!(
            matches!(
                verifier().verify_parts(headers(header), BODY),
                Err(WebhookError::MalformedSignature)
            ),
            "{header:?}"
        );
    }
}

#[test]
fn a_timestamp_that_is_not_unix_seconds_is_malformed() {
    for ts in [
        "",
        "-1751498975",
        "+1751498975",
        "1751498975.5",
        "2025-04-23T20:21:48Z",
        "99999999999999999999",
    ] {
        let h = WebhookHeaders {
            timestamp: ts,
            ..headers(BODY_SIGNATURE)
        };
        assert!(
            matches!(
                verifier().verify_parts(h, BODY),
                Err(WebhookError::MalformedTimestamp { .. })
            ),
            "{ts:?}"
        );
    }
}

#[test]
fn a_delivery_older_than_the_tolerance_has_expired() {
    let late = verifier().clock(|| NOW + 301);
    match late.verify_parts(headers(BODY_SIGNATURE), BODY) {
        Err(WebhookError::Expired { age, tolerance }) => {
            assert_eq!(
                (age, tolerance),
                (Duration::from_secs(301), DEFAULT_TOLERANCE)
            );
        }
        other => panic!("{other:?}"),
    }
    // At the edge it is still accepted.
    assert!(
        verifier()
            .clock(|| NOW + 300)
            .verify_parts(headers(BODY_SIGNATURE), BODY)
            .is_ok()
    );
}

#[test]
fn a_delivery_dated_beyond_the_tolerance_ahead_is_from_the_future() {
    let early = verifier()
        .tolerance(Duration::from_secs(10))
        .clock(|| NOW - 11);
    assert!(matches!(
        early.verify_parts(headers(BODY_SIGNATURE), BODY),
        Err(WebhookError::FromTheFuture { .. })
    ));
}

#[test]
fn the_timestamp_is_checked_before_the_signature() {
    // An expired delivery with a bad signature reports the expiry, so a
    // clock problem is not mistaken for a wrong secret.
    let late = verifier().clock(|| NOW + 3600);
    assert!(matches!(
        late.verify_parts(
            headers("v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            BODY
        ),
        Err(WebhookError::Expired { .. })
    ));
}

#[test]
fn a_body_over_the_limit_is_too_large_before_anything_else_is_read() {
    let small = verifier().max_body_bytes(BODY.len() - 1);
    assert!(matches!(
        small.verify_parts(headers("garbage"), BODY),
        Err(WebhookError::TooLarge { .. })
    ));
    assert!(matches!(
        small.verify(&HeaderMap::new(), BODY),
        Err(WebhookError::TooLarge { .. })
    ));
    assert!(
        verifier()
            .max_body_bytes(BODY.len())
            .verify_parts(headers(BODY_SIGNATURE), BODY)
            .is_ok()
    );
}

#[test]
fn each_missing_header_is_named() {
    let full = [
        ("webhook-id", ID),
        ("webhook-timestamp", "1751498975"),
        ("webhook-signature", BODY_SIGNATURE),
    ];
    for missing in 0..full.len() {
        let mut map = HeaderMap::new();
        for (i, (name, value)) in full.iter().enumerate() {
            if i != missing {
                map.insert(*name, value.parse().unwrap());
            }
        }
        match verifier().verify(&map, BODY) {
            Err(WebhookError::MissingHeader { name }) => assert_eq!(name, full[missing].0),
            other => panic!("{other:?}"),
        }
    }
    let mut map = HeaderMap::new();
    for (name, value) in full {
        map.insert(name, value.parse().unwrap());
    }
    assert!(verifier().verify(&map, BODY).is_ok());
}

#[test]
fn a_remembered_id_is_refused_as_replayed_and_accepted_again_once_forgotten() {
    let seen = Arc::new(SeenIds::new());
    let v = verifier().remember_ids_in(seen.clone());
    assert!(v.verify_parts(headers(BODY_SIGNATURE), BODY).is_ok());
    match v.verify_parts(headers(BODY_SIGNATURE), BODY) {
        Err(WebhookError::Replayed { id }) => assert_eq!(id, ID),
        other => panic!("{other:?}"),
    }
    seen.forget(ID);
    assert!(v.verify_parts(headers(BODY_SIGNATURE), BODY).is_ok());
}

#[test]
fn a_refused_delivery_is_not_remembered() {
    let seen = Arc::new(SeenIds::new());
    let v = verifier().remember_ids_in(seen.clone());
    let forged = sign(&WebhookSecret::new("attacker"), ID, NOW, BODY);
    assert!(v.verify_parts(headers(&forged), BODY).is_err());
    assert!(seen.is_empty());
    assert!(v.verify_parts(headers(BODY_SIGNATURE), BODY).is_ok());
}

#[test]
fn the_id_memory_sweeps_ids_whose_deliveries_would_have_expired() {
    let seen = SeenIds::new();
    for i in 0..2000 {
        assert!(seen.remember(&format!("old{i}"), 0, 10));
    }
    // Later, the old ids are past their keep-until: the next sweep drops them.
    for i in 0..2000 {
        seen.remember(&format!("new{i}"), 100, 200);
    }
    assert!(seen.len() < 4000, "expired ids were swept: {}", seen.len());
    assert!(!seen.remember("new1999", 150, 250), "live ids stay");
}

#[test]
fn a_signed_body_that_is_not_an_envelope_is_an_invalid_payload() {
    let body = b"not json";
    let sig = sign(&WebhookSecret::new(SECRET), ID, NOW, body);
    assert!(matches!(
        verifier().verify_parts(headers(&sig), body),
        Err(WebhookError::InvalidPayload {
            event_type: None,
            ..
        })
    ));
    let body = br#"{"type":"task_run.status","timestamp":"t","data":{"run_id":1}}"#;
    let sig = sign(&WebhookSecret::new(SECRET), ID, NOW, body);
    match verifier().verify_parts(headers(&sig), body) {
        Err(
            e @ WebhookError::InvalidPayload {
                event_type: Some(_),
                ..
            },
        ) => {
            assert!(e.to_string().contains("task_run.status"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn findall_and_monitor_types_decode_into_their_variants() {
    let candidate = br#"{"timestamp":"t","type":"findall.candidate.matched","data":{"candidate_id":"c1","name":"Acme","url":"acme.example","match_status":"matched"}}"#;
    match WebhookEvent::from_json(candidate).unwrap() {
        WebhookEvent::FindAllCandidate {
            kind, candidate, ..
        } => {
            assert_eq!(kind.as_str(), "findall.candidate.matched");
            assert_eq!(candidate.name, "Acme");
        }
        other => panic!("{other:?}"),
    }
    let run = br#"{"timestamp":"t","type":"findall.run.cancelled","data":{"findall_id":"f1","generator":"base","status":{"status":"cancelled","is_active":false,"metrics":{}}}}"#;
    let event = WebhookEvent::from_json(run).unwrap();
    assert!(
        matches!(&event, WebhookEvent::FindAllRun { kind: FindAllRunChange::Cancelled, run, .. } if run.findall_id == "f1")
    );
    assert_eq!(event.event_type(), "findall.run.cancelled");
    let monitor = br#"{"timestamp":"t","type":"monitor.event.detected","data":{"monitor_id":"m1","event":{"event_group_id":"g1"},"metadata":{"team":"x"}}}"#;
    match WebhookEvent::from_json(monitor).unwrap() {
        WebhookEvent::Monitor {
            kind: MonitorChange::EventDetected,
            notice,
            ..
        } => {
            assert_eq!(
                (notice.monitor_id.as_str(), notice.event_group_id()),
                ("m1", Some("g1"))
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_type_is_kept_whole() {
    let body = br#"{"timestamp":"t","type":"memory.scope.cleared","data":{"x":[1,2]}}"#;
    match WebhookEvent::from_json(body).unwrap() {
        WebhookEvent::Unknown {
            event_type,
            timestamp,
            payload,
        } => {
            assert_eq!(event_type, "memory.scope.cleared");
            assert_eq!(timestamp.as_deref(), Some("t"));
            assert_eq!(payload["data"]["x"][1], 2);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn no_secret_appears_in_debug_output_or_errors() {
    let v = WebhookVerifier::new(WebhookSecret::new(SECRET))
        .with_secret(WebhookSecret::standard("whsec_c3RhbmRhcmQta2V5LWJ5dGVz").unwrap());
    let debug = format!("{v:?} {:?}", WebhookSecret::new(SECRET));
    let err = v
        .clock(|| NOW)
        .verify_parts(
            headers("v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            BODY,
        )
        .unwrap_err();
    for text in [debug, err.to_string(), format!("{err:?}")] {
        assert!(
            !text.contains(SECRET) && !text.contains("c3RhbmRhcmQ"),
            "{text}"
        );
    }
}

#[test]
fn data_before_type_decodes_the_same_as_type_before_data() {
    let type_first = br#"{"timestamp":"t","type":"task_run.status","data":{"run_id":"r","status":"failed","is_active":false,"processor":"lite"}}"#;
    let data_first = br#"{"data":{"run_id":"r","status":"failed","is_active":false,"processor":"lite"},"timestamp":"t","type":"task_run.status"}"#;
    assert_eq!(
        WebhookEvent::from_json(type_first).unwrap(),
        WebhookEvent::from_json(data_first).unwrap()
    );
}

#[test]
fn a_known_type_without_data_is_an_invalid_payload_naming_the_type() {
    match WebhookEvent::from_json(br#"{"type":"findall.run.completed","timestamp":"t"}"#) {
        Err(WebhookError::InvalidPayload { event_type, .. }) => {
            assert_eq!(event_type.as_deref(), Some("findall.run.completed"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        WebhookEvent::from_json(br#"{"timestamp":"t","data":{}}"#),
        Err(WebhookError::InvalidPayload {
            event_type: None,
            ..
        })
    ));
}
