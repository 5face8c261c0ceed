//! Fuzzing of the SSE framer as property tests.
//!
//! The property: whatever the chunk boundaries (one chunk, one byte at a
//! time, empty chunks, a cut inside a CRLF or a byte order mark), [`Framer`]
//! hands out the same events, and the same [`TooLarge`] at the same place,
//! as when the body arrives in one piece; and that is what [`reference`], a
//! plain line-by-line reading of the WHATWG event-stream rules, makes of the
//! same bytes. It never panics. Inputs are SSE-like lines (every field kind,
//! comments, blank lines, lines without a colon, LF, CR and CRLF mixed, a
//! BOM, bytes that are not UTF-8) and fully random bytes. Small size limits
//! stand in for [`MAX_EVENT_BYTES`] so the size error is reached.
//!
//! Why proptest and not `cargo fuzz`: see `fuzz_runner.rs` (no nightly).

use proptest::prelude::*;
use proptest::sample::Index;

use super::{Framer, MAX_EVENT_BYTES, TooLarge};
use crate::fuzz_runner::{Tally, fuzz};

/// What a body gives: its events as (event, data), then whether it ended
/// with the size error.
#[derive(Debug, Default, PartialEq, Eq)]
struct Outcome {
    events: Vec<(Vec<u8>, Vec<u8>)>,
    too_large: bool,
}

/// The WHATWG event-stream rules, one whole body at a time, kept as close
/// to the text of the rules as possible. Where the framer leaves a rule out
/// on purpose, so does this: `id` and `retry` are not tracked (the API keeps
/// its cursor in the JSON), and the last-event-id is not part of an event.
/// The size limit is the framer's own rule: an event whose lines, counted
/// from just after the blank line before it to the end of a line's text (or
/// of an unfinished last line), pass `limit` bytes is an error that ends
/// the stream.
fn reference(body: &[u8], limit: usize) -> Outcome {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut out = Outcome::default();
    let mut event_type: Vec<u8> = Vec::new();
    let mut data: Option<Vec<u8>> = None;
    let mut event_start = 0;
    let mut pos = 0;
    loop {
        let Some(end) = body[pos..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map(|i| pos + i)
        else {
            // An unfinished line at the end: never processed, but counted.
            out.too_large = body.len() > pos && body.len() - event_start > limit;
            return out;
        };
        let line = &body[pos..end];
        pos = if body[end] == b'\r' && body.get(end + 1) == Some(&b'\n') {
            end + 2
        } else {
            end + 1
        };
        if line.is_empty() {
            // Dispatch; an event without a data line is dropped.
            match data.take() {
                Some(data) => out.events.push((std::mem::take(&mut event_type), data)),
                None => event_type.clear(),
            }
            event_start = pos;
            continue;
        }
        if end - event_start > limit {
            out.too_large = true;
            return out;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(0) => continue, // a comment
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match name {
            b"data" => match &mut data {
                Some(joined) => {
                    joined.push(b'\n');
                    joined.extend_from_slice(value);
                }
                None => data = Some(value.to_vec()),
            },
            b"event" => event_type = value.to_vec(),
            _ => {}
        }
    }
}

/// What the framer makes of `body` cut at `cuts` (sorted offsets; equal
/// ones give empty chunks), draining every event after each chunk as the
/// streams do.
fn framed(body: &[u8], cuts: &[usize], limit: usize) -> Outcome {
    let mut framer = Framer::with_limit(limit);
    let mut out = Outcome::default();
    let mut from = 0;
    for &to in cuts.iter().chain([body.len()].iter()) {
        framer.push(&body[from..to]);
        from = to;
        loop {
            match framer.next_frame() {
                Ok(Some(frame)) => out.events.push((frame.event.to_vec(), frame.data.to_vec())),
                Ok(None) => break,
                Err(TooLarge) => {
                    out.too_large = true;
                    return out;
                }
            }
        }
    }
    out
}

/// A field value: raw bytes (never a line end), printable ASCII with
/// colons and spaces, any Unicode, or a JSON event.
fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..8).prop_map(|bytes| {
            bytes
                .into_iter()
                .map(|b| if b == b'\n' || b == b'\r' { b'x' } else { b })
                .collect()
        }),
        "[ -~]{0,10}".prop_map(String::into_bytes),
        "\\PC{0,6}".prop_map(String::into_bytes),
        Just(br#"{"type":"task_run.state","event_id":"7"}"#.to_vec()),
    ]
}

/// One line without its line end.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let name = prop_oneof![
        4 => Just("data".to_owned()),
        6 => prop::sample::select(vec![
            "event", "id", "retry", "", "dat", "Data", "data ", "\u{feff}data",
        ])
        .prop_map(str::to_owned),
        1 => "[a-z]{1,5}",
    ];
    let separator = prop_oneof![Just(":"), Just(": "), Just(":  "), Just("::"), Just("")];
    prop_oneof![
        6 => (name, separator, value()).prop_map(|(name, separator, value)| {
            let mut line = format!("{name}{separator}").into_bytes();
            line.extend_from_slice(&value);
            line
        }),
        2 => Just(Vec::new()),
        1 => value(),
    ]
}

/// An SSE-like body: an optional BOM (whole or cut short), lines with LF,
/// CR, CRLF or no line end (which runs two lines together), and sometimes
/// random bytes at the end.
fn sse_body() -> impl Strategy<Value = Vec<u8>> {
    let bom = prop_oneof![
        4 => Just(Vec::new()),
        1 => Just(b"\xEF\xBB\xBF".to_vec()),
        1 => Just(b"\xEF\xBB".to_vec()),
    ];
    let end = prop_oneof![Just("\n"), Just("\r"), Just("\r\n"), Just("")];
    let lines = prop::collection::vec((line(), end), 0..24);
    let tail = prop::collection::vec(any::<u8>(), 0..6);
    (bom, lines, any::<bool>(), tail).prop_map(|(bom, lines, with_tail, tail)| {
        let mut body = bom;
        for (line, end) in lines {
            body.extend_from_slice(&line);
            body.extend_from_slice(end.as_bytes());
        }
        if with_tail {
            body.extend_from_slice(&tail);
        }
        body
    })
}

/// Random bytes, rich in the ones the framer looks at.
fn random_body() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => any::<u8>(),
        2 => Just(b'\n'),
        2 => Just(b'\r'),
        1 => Just(b':'),
        1 => Just(b' '),
        1 => Just(0xEF),
    ];
    prop::collection::vec(byte, 0..96)
}

/// A body, places to cut it and a size limit (the real one, or a small one
/// so that the size error is reached; at least 3 bytes, so a cut-short BOM,
/// which the framer holds back until it can tell, never decides it).
fn case() -> impl Strategy<Value = (Vec<u8>, Vec<usize>, usize)> {
    let body = prop_oneof![3 => sse_body(), 1 => random_body()];
    let limit = prop_oneof![3 => Just(MAX_EVENT_BYTES), 1 => 3usize..48];
    (body, prop::collection::vec(any::<Index>(), 0..12), limit).prop_map(|(body, cuts, limit)| {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(body.len() + 1)).collect();
        cuts.sort_unstable();
        (body, cuts, limit)
    })
}

#[test]
fn fuzz_sse_any_chunking_gives_the_events_of_the_whatwg_rules() {
    let tally = Tally::new();
    fuzz(file!(), 5000, case(), |(body, cuts, limit)| {
        let whole = framed(&body, &[], limit);
        // Splits only matter where there is something to split.
        tally.note("at least one event", !whole.events.is_empty());
        tally.note("two or more events", whole.events.len() >= 2);
        tally.note("the size limit was reached", whole.too_large);
        tally.note(
            "cut inside the body",
            cuts.iter().any(|&c| c > 0 && c < body.len()),
        );
        tally.note(
            "a CR LF pair in the body",
            body.windows(2).any(|w| w == b"\r\n"),
        );
        prop_assert_eq!(&whole, &reference(&body, limit), "one chunk");
        prop_assert_eq!(&framed(&body, &cuts, limit), &whole, "cut at {:?}", cuts);
        let every_byte: Vec<usize> = (1..body.len()).collect();
        prop_assert_eq!(
            &framed(&body, &every_byte, limit),
            &whole,
            "one byte at a time"
        );
        Ok(())
    });
    tally.require(&[
        ("at least one event", 0.2),
        ("two or more events", 0.05),
        ("the size limit was reached", 0.05),
        ("cut inside the body", 0.5),
        ("a CR LF pair in the body", 0.1),
    ]);
}

#[test]
fn a_crlf_cut_between_chunks_counts_the_same_against_the_limit() {
    // 7 bytes of text, then CRLF: the event is 7 bytes long however it is cut.
    let body = b"data: x\r\ndata\r\n\r\n";
    for limit in 3..body.len() {
        let whole = framed(body, &[], limit);
        assert_eq!(whole, reference(body, limit), "limit {limit}");
        assert_eq!(framed(body, &[8], limit), whole, "limit {limit}");
    }
}

#[test]
fn small_events_in_one_big_chunk_are_not_too_large() {
    // Before: the limit applied to whatever one chunk held, so a chunk of
    // many small events was refused while the same bytes in pieces passed.
    let body = b"data: 1\n\ndata: 2\n\ndata: 3\n\n".repeat(4);
    let whole = framed(&body, &[], 10);
    assert!(!whole.too_large);
    assert_eq!(whole.events.len(), 12);
}

#[test]
fn a_byte_order_mark_is_dropped_even_when_cut() {
    let body = b"\xEF\xBB\xBFdata: x\n\n";
    let expected = Outcome {
        events: vec![(Vec::new(), b"x".to_vec())],
        too_large: false,
    };
    for cut in 0..=body.len() {
        assert_eq!(
            framed(body, &[cut], MAX_EVENT_BYTES),
            expected,
            "cut at {cut}"
        );
    }
    // Only at the very start.
    let later = b"data: x\n\n\xEF\xBB\xBFdata: y\n\n";
    assert_eq!(framed(later, &[], MAX_EVENT_BYTES).events.len(), 1);
}
