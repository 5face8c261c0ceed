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

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Mutex;
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

/// How often each precondition of a property held: a property whose
/// interesting branch never runs proves nothing, so a test notes, per case,
/// whether each precondition held ([`note`](Tally::note)), then
/// [`require`](Tally::require)s a floor for each. The counts are printed
/// (`--nocapture` shows them) and the test fails when a precondition held
/// in fewer cases than its floor.
///
/// ```
/// # // This file is also the `fuzz` module of `parallel-web-test-support`.
/// use parallel_web_test_support::fuzz::{Tally, fuzz};
/// let tally = Tally::new();
/// fuzz(file!(), 500, 0..100u32, |n| {
///     tally.note("even", n % 2 == 0);
///     Ok(())
/// });
/// tally.require(&[("even", 0.2)]);
/// ```
#[derive(Debug, Default)]
pub struct Tally {
    /// Precondition → (cases in which it held, cases seen).
    counts: Mutex<BTreeMap<&'static str, (u64, u64)>>,
}

impl Tally {
    /// An empty tally.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one case: whether `precondition` held in it.
    pub fn note(&self, precondition: &'static str, held: bool) {
        if let Ok(mut counts) = self.counts.lock() {
            let entry = counts.entry(precondition).or_default();
            entry.0 += u64::from(held);
            entry.1 += 1;
        }
    }

    /// (held, seen) for `precondition`.
    pub fn count(&self, precondition: &str) -> (u64, u64) {
        self.counts
            .lock()
            .ok()
            .and_then(|c| c.get(precondition).copied())
            .unwrap_or_default()
    }

    /// Prints every count, then panics (failing the test) if a precondition
    /// in `floors` held in less than its share of the cases (a share of
    /// 0.0 still needs one case), or was never noted at all.
    pub fn require(&self, floors: &[(&'static str, f64)]) {
        let name = std::thread::current().name().unwrap_or("?").to_owned();
        let counts = self.counts.lock().map(|c| c.clone()).unwrap_or_default();
        for (precondition, (held, seen)) in &counts {
            eprintln!("{name}: `{precondition}` held in {held} of {seen} cases");
        }
        for (precondition, floor) in floors {
            let (held, seen) = counts.get(precondition).copied().unwrap_or_default();
            let share = if seen == 0 {
                0.0
            } else {
                held as f64 / seen as f64
            };
            assert!(
                held > 0 && share >= *floor,
                "{name}: `{precondition}` held in {held} of {seen} cases, under the floor of {:.0} %: the generator does not exercise the property",
                floor * 100.0
            );
        }
    }
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

#[cfg(test)]
mod tally_tests {
    use super::Tally;

    #[test]
    fn a_precondition_that_held_often_enough_passes() {
        let tally = Tally::new();
        for n in 0..10 {
            tally.note("small", n < 3);
        }
        assert_eq!(tally.count("small"), (3, 10));
        tally.require(&[("small", 0.3)]);
    }

    #[test]
    #[should_panic(expected = "held in 0 of 10 cases")]
    fn a_precondition_that_never_held_fails() {
        let tally = Tally::new();
        for _ in 0..10 {
            tally.note("never", false);
        }
        tally.require(&[("never", 0.0)]);
    }

    #[test]
    #[should_panic(expected = "held in 1 of 10 cases")]
    fn a_precondition_under_its_floor_fails() {
        let tally = Tally::new();
        for n in 0..10 {
            tally.note("rare", n == 0);
        }
        tally.require(&[("rare", 0.5)]);
    }

    #[test]
    #[should_panic(expected = "held in 0 of 0 cases")]
    fn a_precondition_never_noted_fails() {
        Tally::new().require(&[("unnoted", 0.0)]);
    }
}
