//! Fuzzing of event decoding (`events.rs` here, and a run's own events in
//! `runs/events.rs`) as property tests.
//!
//! The properties: on any bytes, any JSON, and valid events broken in the
//! ways a server or a proxy might break them (fields dropped, types
//! changed, unknown `type` and enum values, numbers too big for any Rust
//! integer, nesting deeper than the JSON parser allows, bytes that are not
//! UTF-8), no decoder panics; every failure is an `Error::Decode` that
//! carries the raw text (a whole event's, or for a typed run the part that
//! did not fit), or `Error::ServerEvent` for a server's `error` event; a
//! string `event_id` moves the cursor even when the rest does not decode.
//! And a valid event decodes to the same value whatever the order of its
//! fields, and with unknown fields added anywhere.
//!
//! Why proptest and not `cargo fuzz`: see `fuzz_runner.rs` (no nightly).

use std::borrow::Cow;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

use crate::error::Error;
use crate::fuzz_runner::{Tally, fuzz, json_places as places, json_remove, json_tree};
use crate::streams::events::{GroupEvent, TypedRun};
use crate::streams::events::{GroupEvents, TypedRuns};
use crate::streams::resume::Decode;
use crate::streams::run_events::{RunStreamEvent, decode_run_event};
use crate::streams::sse::Frame;

/// The caller's output type in a typed stream, as in the unit tests.
#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Answer {
    answer: String,
}

/// Real event shapes, from the API notes and the decoders' unit tests.
fn valid_events() -> Vec<Value> {
    let run = json!({"run_id": "trun_1", "interaction_id": "trun_1", "status": "completed",
        "is_active": false, "processor": "lite", "metadata": {"k": "v"},
        "created_at": "2025-08-06T00:52:58.619503Z", "modified_at": null});
    vec![
        json!({"type": "task_group_status", "event_id": "9",
            "status": {"num_task_runs": 2, "task_run_status_counts": {"completed": 2},
                       "is_active": false, "status_message": null, "modified_at": null}}),
        json!({"type": "task_run.state", "event_id": "5",
            "input": {"processor": "lite", "input": {"answer": "q"}},
            "run": run,
            "output": {"type": "json", "basis": [{"field": "answer", "citations": [],
                       "reasoning": "r", "confidence": "high"}], "content": {"answer": "42"}}}),
        json!({"type": "task_run.state", "event_id": null, "input": null, "output": null,
            "run": {"run_id": "trun_2", "status": "running", "is_active": true, "processor": "pro"}}),
        json!({"type": "error", "error": {"ref_id": "r", "message": "boom"}}),
        json!({"type": "task_run.progress_msg.tool", "message": "Calling a tool",
            "timestamp": "2025-08-06T00:52:59.786126Z"}),
        json!({"type": "task_run.progress_stats", "progress_meter": 12.5,
            "source_stats": {"num_sources_considered": 223, "num_sources_read": 22}}),
    ]
}

/// Every decoder's view of one event. Typed runs are decoded both into
/// `Value` (anything fits) and into [`Answer`] (a strict caller type).
#[derive(Debug)]
struct Decoded {
    group: Option<Result<String, Error>>,
    group_cursor: Option<String>,
    run: Result<String, Error>,
    typed_any: Option<Result<String, Error>>,
    typed_strict: Option<Result<String, Error>>,
}

fn decode_all(event: &[u8], data: &[u8]) -> Decoded {
    let frame = Frame {
        event,
        data: Cow::Borrowed(data),
    };
    fn shown<T: std::fmt::Debug>(r: Result<T, Error>) -> Result<String, Error> {
        r.map(|v| format!("{v:?}"))
    }
    let group = GroupEvents {
        end_when_inactive: true,
    }
    .decode(&frame);
    // An unknown event keeps the JSON as sent; compare it whatever the order.
    let group_item = group.item.map(|r| match r {
        Ok(GroupEvent::Unknown { kind, data }) => Ok(format!("Unknown {kind} {}", sorted(&data))),
        other => shown(other),
    });
    let run = match decode_run_event(&frame) {
        Ok(RunStreamEvent::Unknown { kind, data }) => {
            Ok(format!("Unknown {kind} {}", sorted(&data)))
        }
        other => shown(other),
    };
    let typed_any = TypedRuns::<Value, Value>::new().decode(&frame).item;
    let typed_strict = TypedRuns::<Answer, Answer>::new().decode(&frame).item;
    // The basis is kept as the server's text; its decoded form is what counts.
    fn typed<I: std::fmt::Debug, O: std::fmt::Debug>(
        run: Result<TypedRun<I, O>, Error>,
    ) -> Result<String, Error> {
        run.map(|t| {
            let basis = t.basis.decode().map_err(|e| e.to_string());
            format!(
                "{:?} {:?} {:?} {:?} {basis:?}",
                t.run, t.input, t.output, t.event_id
            )
        })
    }
    Decoded {
        group: group_item,
        group_cursor: group.cursor,
        run,
        typed_any: typed_any.map(typed),
        typed_strict: typed_strict.map(typed),
    }
}

/// `value` as JSON text with every object's keys sorted.
fn sorted(value: &Value) -> String {
    match value {
        Value::Object(m) => {
            let mut members: Vec<_> = m.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            let members: Vec<String> = members
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), sorted(v)))
                .collect();
            format!("{{{}}}", members.join(","))
        }
        Value::Array(a) => format!("[{}]", a.iter().map(sorted).collect::<Vec<_>>().join(",")),
        leaf => leaf.to_string(),
    }
}

/// Notes in `tally` which of [`check_invariants`]'s checks had something
/// to check in this case.
fn note_exercised(tally: &Tally, decoded: &Decoded, data: &[u8]) {
    let failed = |r: Option<&Result<String, Error>>| matches!(r, Some(Err(Error::Decode { .. })));
    tally.note(
        "a decoder failed (its error was checked)",
        failed(decoded.group.as_ref())
            || failed(Some(&decoded.run))
            || failed(decoded.typed_any.as_ref())
            || failed(decoded.typed_strict.as_ref()),
    );
    tally.note("the run decoder succeeded", decoded.run.is_ok());
    tally.note(
        "a string event_id (the cursor was checked)",
        matches!(serde_json::from_slice::<Value>(data), Ok(Value::Object(o)) if o.get("event_id").is_some_and(Value::is_string)),
    );
}

/// The invariants that hold for any input.
fn check_invariants(event: &[u8], data: &[u8]) -> Result<Decoded, TestCaseError> {
    let decoded = decode_all(event, data);
    let whole = String::from_utf8_lossy(data);
    for (decoder, result) in [
        ("group", decoded.group.as_ref()),
        ("run", Some(&decoded.run)),
    ] {
        match result {
            Some(Err(Error::Decode { what, raw, .. })) => {
                prop_assert!(!what.is_empty(), "{decoder}: empty `what`");
                prop_assert_eq!(raw.as_str(), &*whole, "{}: raw text", decoder);
            }
            Some(Err(other)) => prop_assert!(false, "{decoder}: untyped error {other:?}"),
            Some(Ok(_)) | None => {}
        }
    }
    for (decoder, result) in [
        ("typed Value", decoded.typed_any.as_ref()),
        ("typed Answer", decoded.typed_strict.as_ref()),
    ] {
        match result {
            Some(Err(Error::Decode { what, raw, .. })) => {
                prop_assert!(!what.is_empty(), "{decoder}: empty `what`");
                // The whole event, or the JSON of the part that did not fit.
                prop_assert!(
                    raw.as_str() == whole || serde_json::from_str::<Value>(raw).is_ok(),
                    "{decoder}: raw {raw:?} is neither the event nor a part of it"
                );
            }
            Some(Err(Error::ServerEvent { .. })) | Some(Ok(_)) | None => {}
            Some(Err(other)) => prop_assert!(false, "{decoder}: untyped error {other:?}"),
        }
    }
    // A string `event_id` moves the cursor, whatever else is wrong.
    if let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(data)
        && let Some(Value::String(id)) = object.get("event_id")
    {
        prop_assert_eq!(decoded.group_cursor.as_deref(), Some(id.as_str()));
    }
    Ok(decoded)
}

/// Any JSON value, with keys that are often the ones decoders look for.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,8}".prop_map(Value::from),
        prop::sample::select(vec![
            "task_run.state",
            "task_group_status",
            "error",
            "task_run.progress_msg.x",
            "task_run.progress_stats",
            "running",
            "completed",
            "json",
            "text",
        ])
        .prop_map(Value::from),
    ];
    let key = prop_oneof![
        3 => prop::sample::select(vec![
            "type", "event_id", "status", "run", "input", "output", "error", "run_id",
            "processor", "is_active", "message", "content", "basis", "num_task_runs",
            "task_run_status_counts", "source_stats", "ref_id",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,6}",
    ];
    json_tree(leaf.boxed(), key.boxed(), 5, 48, 6)
}

/// One way to break a valid event.
#[derive(Debug, Clone)]
enum Mutation {
    /// Remove the member or element at this place.
    Drop(Index),
    /// Put this value there instead.
    Replace(Index, Value),
    /// Put this JSON text there instead (numbers no Rust type holds,
    /// nesting past the parser's limit).
    ReplaceText(Index, String),
    /// Add an unknown field to the object at this place.
    AddField(Index, String, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let odd_text = prop_oneof![
        Just("1e400".to_owned()),
        Just("-1e400".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("-9223372036854775809".to_owned()),
        Just("123456789012345678901234567890.5e-3".to_owned()),
        Just("-0".to_owned()),
        (1usize..400).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
        (1usize..400).prop_map(|depth| format!(
            "{}1{}",
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        )),
    ];
    let odd_value = prop_oneof![
        any_json(),
        prop::sample::select(vec![
            "brand_new_status",
            "task_run.brand_new",
            "",
            "TASK_RUN.STATE"
        ])
        .prop_map(Value::from),
    ];
    prop_oneof![
        any::<Index>().prop_map(Mutation::Drop),
        (any::<Index>(), odd_value).prop_map(|(at, v)| Mutation::Replace(at, v)),
        (any::<Index>(), odd_text).prop_map(|(at, t)| Mutation::ReplaceText(at, t)),
        (any::<Index>(), "x_[a-z]{1,6}", any_json())
            .prop_map(|(at, k, v)| Mutation::AddField(at, k, v)),
    ]
}

/// Applies `mutations` to `event` and writes it out; text replacements are
/// spliced in for a placeholder string after writing.
fn mutate(mut event: Value, mutations: &[Mutation]) -> Vec<u8> {
    let mut texts = Vec::new();
    for m in mutations {
        let all = places(&event);
        let pick = |at: &Index| all[at.index(all.len())].clone();
        match m {
            Mutation::Drop(at) => json_remove(&mut event, &pick(at)),
            Mutation::Replace(at, v) => {
                if let Some(slot) = event.pointer_mut(&pick(at)) {
                    *slot = v.clone();
                }
            }
            Mutation::ReplaceText(at, text) => {
                if let Some(slot) = event.pointer_mut(&pick(at)) {
                    *slot = Value::from(format!("@@text{}@@", texts.len()));
                    texts.push(text.clone());
                }
            }
            Mutation::AddField(at, key, v) => {
                if let Some(Value::Object(o)) = event.pointer_mut(&pick(at)) {
                    o.insert(key.clone(), v.clone());
                }
            }
        }
    }
    let mut out = event.to_string();
    for (i, text) in texts.iter().enumerate() {
        out = out.replace(&format!("\"@@text{i}@@\""), text);
    }
    out.into_bytes()
}

/// Writes `value` as JSON with each object's members in the order given by
/// `order` (a stream of shuffle choices), to check order does not matter.
fn write_shuffled(value: &Value, order: &mut impl Iterator<Item = Index>, out: &mut String) {
    match value {
        Value::Object(m) => {
            let mut members: Vec<(&String, &Value)> = m.iter().collect();
            for i in (1..members.len()).rev() {
                let j = order.next().map_or(i, |at| at.index(i + 1));
                members.swap(i, j);
            }
            out.push('{');
            for (n, (k, v)) in members.into_iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(k.as_str()).to_string());
                out.push(':');
                write_shuffled(v, order, out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (n, v) in a.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                write_shuffled(v, order, out);
            }
            out.push(']');
        }
        leaf => out.push_str(&leaf.to_string()),
    }
}

/// Adds unknown fields to the event's object members that are not open
/// maps (`metadata`, counts, `content`, `input` hold the caller's keys).
fn add_unknown_fields(value: &mut Value, extra: &[(String, Value)], at: &mut usize) {
    if let Value::Object(m) = value {
        if let Some((k, v)) = extra.get(*at) {
            m.insert(k.clone(), v.clone());
        }
        *at += 1;
        for (key, child) in m.iter_mut() {
            let open = matches!(
                key.as_str(),
                "metadata" | "task_run_status_counts" | "content" | "input" | "source_stats"
            );
            if !open {
                add_unknown_fields(child, extra, at);
            }
        }
    }
}

#[test]
fn fuzz_events_arbitrary_bytes_never_panic_and_fail_typed() {
    let event_name = prop_oneof![
        Just(Vec::new()),
        Just(b"task_run.state".to_vec()),
        Just(b"error".to_vec()),
        prop::collection::vec(any::<u8>(), 0..8),
    ];
    let data = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        "[{}\\[\\]\":,0-9a-z \\\\]{0,48}".prop_map(String::into_bytes),
    ];
    let tally = Tally::new();
    fuzz(file!(), 8000, (event_name, data), |(event, data)| {
        note_exercised(&tally, &check_invariants(&event, &data)?, &data);
        Ok(())
    });
    tally.require(&[("a decoder failed (its error was checked)", 0.5)]);
}

#[test]
fn fuzz_events_arbitrary_json_never_panics_and_fails_typed() {
    let event_name = prop::sample::select(vec!["", "task_run.state", "task_group_status", "error"]);
    let tally = Tally::new();
    fuzz(file!(), 3000, (event_name, any_json()), |(event, data)| {
        let data = data.to_string();
        let decoded = check_invariants(event.as_bytes(), data.as_bytes())?;
        note_exercised(&tally, &decoded, data.as_bytes());
        Ok(())
    });
    tally.require(&[
        ("a decoder failed (its error was checked)", 0.3),
        ("a string event_id (the cursor was checked)", 0.0),
    ]);
}

#[test]
fn fuzz_events_broken_valid_events_fail_typed_and_keep_the_cursor() {
    let case = (
        any::<Index>(),
        prop::collection::vec(mutation(), 1..4),
        prop::option::of((any::<Index>(), any::<u8>())),
    );
    let tally = Tally::new();
    fuzz(file!(), 3000, case, |(which, mutations, bad_byte)| {
        let events = valid_events();
        let mut data = mutate(events[which.index(events.len())].clone(), &mutations);
        if let Some((at, byte)) = bad_byte {
            // A byte that is not UTF-8 where it breaks a string or the syntax.
            data.insert(at.index(data.len() + 1), 0x80 | byte);
        }
        note_exercised(&tally, &check_invariants(b"", &data)?, &data);
        Ok(())
    });
    tally.require(&[
        ("a decoder failed (its error was checked)", 0.3),
        ("a string event_id (the cursor was checked)", 0.1),
    ]);
}

#[test]
fn fuzz_events_decode_the_same_in_any_field_order_and_with_unknown_fields() {
    let case = (
        any::<Index>(),
        prop::collection::vec(any::<Index>(), 64),
        prop::collection::vec(("x_[a-z]{1,6}", any_json()), 0..6),
    );
    let tally = Tally::new();
    fuzz(file!(), 2000, case, |(which, order, extra)| {
        let events = valid_events();
        let event = events[which.index(events.len())].clone();
        tally.note("unknown fields were added", !extra.is_empty());
        let plain = check_invariants(b"", event.to_string().as_bytes())?;
        prop_assert!(plain.run.is_ok(), "a valid event failed: {:?}", plain.run);
        let mut varied = event;
        add_unknown_fields(&mut varied, &extra, &mut 0);
        let sorted = check_invariants(b"", varied.to_string().as_bytes())?;
        let mut text = String::new();
        write_shuffled(&varied, &mut order.into_iter(), &mut text);
        let shuffled = check_invariants(b"", text.as_bytes())?;
        let unshuffled = varied.to_string();
        tally.note("the shuffle changed the text", text != unshuffled);
        prop_assert_eq!(
            format!("{sorted:?}"),
            format!("{shuffled:?}"),
            "as sent: {}",
            text
        );
        // Unknown fields change nothing, except in an event passed through
        // whole as `Unknown`.
        let pairs = [
            (plain.group.as_ref(), sorted.group.as_ref()),
            (Some(&plain.run), Some(&sorted.run)),
            (plain.typed_any.as_ref(), sorted.typed_any.as_ref()),
            (plain.typed_strict.as_ref(), sorted.typed_strict.as_ref()),
        ];
        for (without, with) in pairs {
            if !matches!(without, Some(Ok(s)) if s.starts_with("Unknown")) {
                prop_assert_eq!(
                    format!("{without:?}"),
                    format!("{with:?}"),
                    "extra fields: {:?}",
                    extra
                );
            }
        }
        Ok(())
    });
    tally.require(&[
        ("unknown fields were added", 0.5),
        ("the shuffle changed the text", 0.5),
    ]);
}

#[test]
fn nesting_past_the_parser_limit_is_a_decode_error_not_a_stack_overflow() {
    let deep = format!(
        "{{\"type\":\"task_run.state\",\"event_id\":\"1\",\"run\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let decoded = decode_all(b"", deep.as_bytes());
    assert!(
        matches!(decoded.run, Err(Error::Decode { .. })),
        "{:?}",
        decoded.run
    );
    assert!(matches!(decoded.group, Some(Err(Error::Decode { .. }))));
}

#[test]
fn numbers_no_integer_holds_are_decode_errors() {
    let data = br#"{"type":"task_group_status","event_id":"2","status":{"num_task_runs":18446744073709551616,"task_run_status_counts":{},"is_active":true}}"#;
    let decoded = decode_all(b"", data);
    assert!(
        matches!(decoded.group, Some(Err(Error::Decode { .. }))),
        "{decoded:?}"
    );
    assert_eq!(decoded.group_cursor.as_deref(), Some("2"));
}

#[test]
fn every_valid_sample_decodes() {
    for event in valid_events() {
        let decoded = decode_all(b"", event.to_string().as_bytes());
        assert!(decoded.run.is_ok(), "{event}: {decoded:?}");
        assert!(
            !matches!(decoded.group, Some(Err(_))),
            "{event}: {decoded:?}"
        );
    }
}
