//! Runs the crate's `fuzz_` property tests (the SSE framer, event decoding,
//! task-spec limits): a fixed number of cases in an ordinary `cargo test`,
//! or as many as fit in `PW_FUZZ_SECONDS` seconds for a long local run:
//!
//! ```text
//! PW_FUZZ_SECONDS=600 cargo test --release -p parallel-web --lib fuzz_ -- --nocapture
//! ```
//!
//! These are property tests rather than `cargo fuzz` targets because
//! cargo-fuzz needs a nightly toolchain (for its sanitizer flags) and this
//! project builds on stable only. proptest shrinks a failure to a small
//! input and writes its seed under `proptest-regressions/`, where every
//! later run replays it first.
//!
//! The workspace's other property tests (the xtask's) use this same file
//! through the unpublished `parallel-web-test-support` crate; it lives here
//! because this published package's own unit tests need it.

use std::fmt::Debug;
use std::time::{Duration, Instant};

use proptest::prelude::prop;
use proptest::prop_oneof;
use proptest::strategy::{BoxedStrategy, Strategy};
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

/// Cases per runner in a timed run: each batch starts from a fresh random
/// seed, and the clock is read between batches.
const BATCH: u32 = 256;

/// Checks `property` on values of `strategy`: `cases` of them, or, when
/// `PW_FUZZ_SECONDS` is set, batches of fresh ones until that many seconds
/// have passed. `source_file` is the caller's `file!()`, which says where
/// proptest keeps the regression seeds. Panics (failing the test) with the
/// shrunk input when the property does not hold.
pub fn fuzz<S>(
    source_file: &'static str,
    cases: u32,
    strategy: S,
    property: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    let config = |cases| Config {
        cases,
        source_file: Some(source_file),
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel(
            "proptest-regressions",
        ))),
        ..Config::default()
    };
    let seconds = std::env::var("PW_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    let Some(seconds) = seconds else {
        if let Err(failure) = TestRunner::new(config(cases)).run(&strategy, &property) {
            panic!("{source_file}: {failure}");
        }
        return;
    };
    let started = Instant::now();
    let mut done: u64 = 0;
    while started.elapsed() < Duration::from_secs(seconds) {
        if let Err(failure) = TestRunner::new(config(BATCH)).run(&strategy, &property) {
            panic!("{source_file}: after {done} passing cases: {failure}");
        }
        done += u64::from(BATCH);
    }
    // libtest names each test's thread after the test.
    let name = std::thread::current().name().unwrap_or("?").to_owned();
    eprintln!(
        "{name}: {done} cases in {:.0} s, all passed",
        started.elapsed().as_secs_f64()
    );
}

/// JSON values grown from `leaf` values into arrays and objects (keys from
/// `key`): at most `depth` levels, about `nodes` nodes in all, at most
/// `width` children per array or object.
pub fn json_tree(
    leaf: BoxedStrategy<serde_json::Value>,
    key: BoxedStrategy<String>,
    depth: u32,
    nodes: u32,
    width: usize,
) -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    leaf.prop_recursive(depth, nodes, width as u32, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..width).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..width)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every place in `value`, as JSON pointers (the root first): where a
/// property test can drop, replace or add a part.
pub fn json_places(value: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let mut out = vec![String::new()];
    let mut todo = vec![(String::new(), value)];
    while let Some((at, v)) = todo.pop() {
        let children: Vec<(String, &Value)> = match v {
            Value::Object(m) => m
                .iter()
                .map(|(k, c)| {
                    (
                        format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        c,
                    )
                })
                .collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("{at}/{i}"), c))
                .collect(),
            _ => Vec::new(),
        };
        for (p, c) in children {
            out.push(p.clone());
            todo.push((p, c));
        }
    }
    out
}

/// Removes the part of `doc` at JSON pointer `at` (one of
/// [`json_places`]); nothing for the root or a part that is not there.
pub fn json_remove(doc: &mut serde_json::Value, at: &str) {
    use serde_json::Value;
    let Some((parent, last)) = at.rsplit_once('/') else {
        return;
    };
    match doc.pointer_mut(parent) {
        Some(Value::Object(o)) => {
            o.remove(&last.replace("~1", "/").replace("~0", "~"));
        }
        Some(Value::Array(a)) => {
            if let Ok(i) = last.parse::<usize>() {
                a.remove(i);
            }
        }
        _ => {}
    }
}
