//! Submitting any number of runs safely: client-side checks, chunks of at
//! most 1,000 per POST, bounded concurrency, and exactly-once creation.
//!
//! Exactly once: an add-runs POST that fails after the request may have
//! reached the server (timeout, reset, 5xx) is never resent as is. Every run
//! carries a batch tag in its metadata ([`BATCH_TAG_KEY`] =
//! `"<batch id>.<input index>"`); after such a failure the group's runs are
//! listed from the last cursor known before the POST, the tagged runs that
//! were created are matched to their inputs, and only the missing inputs are
//! submitted again. Failures that certainly had no effect (connection
//! refused, 429, `x-should-retry: true`) are retried by the request layer.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use serde_json::{Map, Value};

use crate::{Error, RetryPolicy};

/// Metadata key of the batch tag added to each run for exactly-once
/// submission. Its value is `"<16 hex digits>.<input index>"`.
pub const BATCH_TAG_KEY: &str = "pw_batch";
/// Most runs the API accepts in one add-runs POST.
pub const MAX_RUNS_PER_POST: usize = 1_000;
/// How often one chunk is reconciled after ambiguous failures before giving up.
const MAX_RECONCILES: u32 = 4;

/// What the server answered to one add-runs POST.
#[derive(Debug, Clone)]
pub(crate) struct PostOutcome {
    pub run_ids: Vec<String>,
    pub run_cursor: Option<String>,
    pub status: Value,
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// The two server calls batching needs; implemented over the generated
/// client by `task_groups.rs` and by fakes in tests.
pub(crate) trait Submitter: Send + Sync {
    /// One add-runs POST (the request layer retries unambiguous failures).
    fn post(&self, inputs: Vec<Value>) -> BoxFut<'_, PostOutcome>;
    /// Runs of the group after `cursor` whose batch tag starts with `batch`,
    /// as input index → run id.
    fn find_tagged<'a>(
        &'a self,
        cursor: Option<String>,
        batch: &'a str,
    ) -> BoxFut<'a, HashMap<usize, String>>;
}

/// The result of [`AddRuns::send`](crate::AddRuns::send).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AddRunsOutcome {
    /// The created run ids, in input order.
    pub run_ids: Vec<String>,
    /// The group status after the last POST, as the server reported it.
    pub status: Option<crate::types::TaskGroupStatus>,
    /// How many add-runs POSTs succeeded (not counting retries).
    pub posts: usize,
    /// How many inputs were found already created after an ambiguous failure
    /// (so they were not sent twice).
    pub recovered: usize,
}

/// Shared progress of one `add_runs` call.
pub(crate) struct Progress {
    /// Last run cursor the server gave for this group (runs before it are old).
    pub cursor: Mutex<Option<String>>,
    stop: AtomicBool,
}

impl Progress {
    pub(crate) fn new(cursor: Option<String>) -> Self {
        Progress {
            cursor: Mutex::new(cursor),
            stop: AtomicBool::new(false),
        }
    }
}

/// Tag value for input `index` of batch `batch`.
pub(crate) fn tag(batch: &str, index: usize) -> String {
    format!("{batch}.{index}")
}

/// Reads the input index back from a run's metadata, if it belongs to `batch`.
pub(crate) fn tagged_index(metadata: Option<&Value>, batch: &str) -> Option<usize> {
    let v = metadata?.get(BATCH_TAG_KEY)?.as_str()?;
    let (b, i) = v.split_once('.')?;
    (b == batch).then(|| i.parse().ok()).flatten()
}

/// A fresh batch id.
pub(crate) fn new_batch_id() -> String {
    format!("{:016x}", crate::retry::random_u64())
}

/// Adds the batch tag to each wire input (inputs are numbered from 0).
pub(crate) fn add_tags(inputs: &mut [Value], batch: &str) -> Result<(), Error> {
    for (i, v) in inputs.iter_mut().enumerate() {
        let Some(obj) = v.as_object_mut() else {
            continue;
        };
        let meta = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(m) = meta.as_object_mut() {
            if m.contains_key(BATCH_TAG_KEY) {
                return Err(Error::input(
                    Some(i),
                    format!("metadata.{BATCH_TAG_KEY}"),
                    "this key is reserved for the batch tag: rename it, or switch tagging off with .batch_tag(false)",
                ));
            }
            m.insert(BATCH_TAG_KEY.to_owned(), Value::String(tag(batch, i)));
        }
    }
    Ok(())
}

/// Sends all inputs (already checked and tagged) in chunks, `concurrency`
/// POSTs at a time, and returns the run ids in input order.
pub(crate) async fn submit_all(
    sub: &dyn Submitter,
    inputs: Vec<Value>,
    batch: Option<&str>,
    concurrency: usize,
    progress: &Progress,
    backoff: &RetryPolicy,
) -> Result<AddRunsOutcome, Error> {
    let total = inputs.len();
    let mut chunks = Vec::new();
    let mut it = inputs.into_iter().enumerate().peekable();
    while it.peek().is_some() {
        chunks.push(it.by_ref().take(MAX_RUNS_PER_POST).collect::<Vec<_>>());
    }
    let results: Vec<Result<ChunkDone, Error>> = futures::stream::iter(chunks)
        .map(|chunk| submit_chunk(sub, chunk, batch, progress, backoff))
        .buffered(concurrency.max(1))
        .collect()
        .await;

    let mut run_ids: Vec<Option<String>> = vec![None; total];
    let mut outcome = AddRunsOutcome {
        run_ids: Vec::new(),
        status: None,
        posts: 0,
        recovered: 0,
    };
    let mut first_error = None;
    for r in results {
        match r {
            Ok(done) => {
                for (i, id) in done.ids {
                    run_ids[i] = Some(id);
                }
                outcome.posts += done.posts;
                outcome.recovered += done.recovered;
                if let Some(s) = done.status.and_then(|s| serde_json::from_value(s).ok()) {
                    outcome.status = Some(s);
                }
            }
            Err(e) if first_error.is_none() => first_error = Some(e),
            Err(_) => {}
        }
    }
    if let Some(e) = first_error {
        let created = run_ids.iter().flatten().count();
        return Err(Error::BatchIncomplete {
            created,
            total,
            run_ids,
            source: Box::new(e),
        });
    }
    outcome.run_ids = run_ids.into_iter().flatten().collect();
    Ok(outcome)
}

struct ChunkDone {
    ids: Vec<(usize, String)>,
    posts: usize,
    recovered: usize,
    status: Option<Value>,
}

async fn submit_chunk(
    sub: &dyn Submitter,
    chunk: Vec<(usize, Value)>,
    batch: Option<&str>,
    progress: &Progress,
    backoff: &RetryPolicy,
) -> Result<ChunkDone, Error> {
    if progress.stop.load(Ordering::SeqCst) {
        return Err(Error::Config(
            "not sent: an earlier chunk of this batch failed".into(),
        ));
    }
    // Runs this POST creates come after this cursor in the group's run stream.
    let cursor_before = progress
        .cursor
        .lock()
        .map(|c| c.clone())
        .unwrap_or_default();
    let mut pending = chunk;
    let mut done = ChunkDone {
        ids: Vec::new(),
        posts: 0,
        recovered: 0,
        status: None,
    };
    let mut reconciles = 0;
    loop {
        let wires: Vec<Value> = pending.iter().map(|(_, v)| v.clone()).collect();
        match sub.post(wires).await {
            Ok(out) => {
                if out.run_ids.len() != pending.len() {
                    progress.stop.store(true, Ordering::SeqCst);
                    return Err(Error::Decode {
                        what: "add-runs response".into(),
                        message: format!(
                            "{} run ids for {} inputs",
                            out.run_ids.len(),
                            pending.len()
                        ),
                        raw: out.run_ids.join(","),
                    });
                }
                // Any cursor the server gave is at or before runs committed so
                // far, so it is a safe starting point for later reconciliation.
                if let (Some(c), Ok(mut slot)) = (out.run_cursor, progress.cursor.lock()) {
                    *slot = Some(c);
                }
                done.ids
                    .extend(pending.iter().map(|(i, _)| *i).zip(out.run_ids));
                done.posts += 1;
                done.status = Some(out.status);
                return Ok(done);
            }
            Err(e) if e.is_ambiguous() && batch.is_some() && reconciles < MAX_RECONCILES => {
                let batch = batch.unwrap_or_default();
                tracing::warn!(error = %e, inputs = pending.len(), "add-runs POST failed ambiguously; reconciling");
                tokio::time::sleep(backoff.backoff(reconciles)).await;
                reconciles += 1;
                let created = sub.find_tagged(cursor_before.clone(), batch).await?;
                pending.retain(|(i, _)| match created.get(i) {
                    Some(id) => {
                        done.ids.push((*i, id.clone()));
                        done.recovered += 1;
                        false
                    }
                    None => true,
                });
                if pending.is_empty() {
                    return Ok(done);
                }
            }
            Err(e) => {
                progress.stop.store(true, Ordering::SeqCst);
                return Err(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A fake group: commits every POST; the first `ambiguous` POSTs then fail
    /// as if the connection had dropped.
    struct FakeGroup {
        runs: Mutex<Vec<(String, Value)>>,
        ambiguous: Mutex<u32>,
        posts: Mutex<Vec<usize>>,
    }

    fn timeout_error() -> Error {
        let api =
            crate::error::ApiError::from_parts("task_group_add_runs", 504, &Default::default(), "");
        Error::from_response(api)
    }

    impl Submitter for FakeGroup {
        fn post(&self, inputs: Vec<Value>) -> BoxFut<'_, PostOutcome> {
            Box::pin(async move {
                self.posts.lock().unwrap().push(inputs.len());
                let mut runs = self.runs.lock().unwrap();
                let start = runs.len();
                for v in inputs {
                    let id = format!("trun_{}", runs.len());
                    runs.push((id, v["metadata"].clone()));
                }
                let mut amb = self.ambiguous.lock().unwrap();
                if *amb > 0 {
                    *amb -= 1;
                    return Err(timeout_error());
                }
                Ok(PostOutcome {
                    run_ids: runs[start..].iter().map(|(id, _)| id.clone()).collect(),
                    run_cursor: None,
                    status: json!(null),
                })
            })
        }

        fn find_tagged<'a>(
            &'a self,
            _cursor: Option<String>,
            batch: &'a str,
        ) -> BoxFut<'a, HashMap<usize, String>> {
            Box::pin(async move {
                Ok(self
                    .runs
                    .lock()
                    .unwrap()
                    .iter()
                    .filter_map(|(id, meta)| {
                        tagged_index(Some(meta), batch).map(|i| (i, id.clone()))
                    })
                    .collect())
            })
        }
    }

    fn fake(ambiguous: u32) -> FakeGroup {
        FakeGroup {
            runs: Mutex::new(Vec::new()),
            ambiguous: Mutex::new(ambiguous),
            posts: Mutex::new(Vec::new()),
        }
    }

    fn inputs(n: usize, batch: &str) -> Vec<Value> {
        let mut v: Vec<Value> = (0..n)
            .map(|i| json!({"processor": "lite", "input": format!("q{i}")}))
            .collect();
        add_tags(&mut v, batch).unwrap();
        v
    }

    #[tokio::test(start_paused = true)]
    async fn inputs_are_split_into_posts_of_at_most_a_thousand_in_order() {
        let g = fake(0);
        let out = submit_all(
            &g,
            inputs(2_500, "b"),
            Some("b"),
            3,
            &Progress::new(None),
            &RetryPolicy::default(),
        )
        .await
        .unwrap();
        assert_eq!(*g.posts.lock().unwrap(), [1000, 1000, 500]);
        let expected: Vec<String> = (0..2_500).map(|i| format!("trun_{i}")).collect();
        assert_eq!(out.run_ids, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn an_ambiguous_failure_is_reconciled_not_resent() {
        let g = fake(1);
        let out = submit_all(
            &g,
            inputs(5, "b"),
            Some("b"),
            1,
            &Progress::new(None),
            &RetryPolicy::default(),
        )
        .await
        .unwrap();
        assert_eq!(g.runs.lock().unwrap().len(), 5, "no duplicates");
        assert_eq!(*g.posts.lock().unwrap(), [5], "nothing resent");
        assert_eq!(out.recovered, 5);
        assert_eq!(
            out.run_ids,
            ["trun_0", "trun_1", "trun_2", "trun_3", "trun_4"]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_tags_an_ambiguous_failure_is_reported_with_what_was_created() {
        let g = fake(1);
        let err = submit_all(
            &g,
            inputs(3, "b"),
            None,
            1,
            &Progress::new(None),
            &RetryPolicy::default(),
        )
        .await
        .unwrap_err();
        match err {
            Error::BatchIncomplete { created, total, .. } => assert_eq!((created, total), (0, 3)),
            other => panic!("{other:?}"),
        }
        assert_eq!(g.runs.lock().unwrap().len(), 3, "the POST was not repeated");
    }

    #[test]
    fn tags_fit_the_metadata_limits_and_reserved_keys_are_refused() {
        let t = tag(&new_batch_id(), 999_999);
        assert!(t.len() <= crate::input::MAX_METADATA_VALUE_CHARS);
        assert!(BATCH_TAG_KEY.len() <= crate::input::MAX_METADATA_KEY_CHARS);
        let mut v = vec![json!({"metadata": {BATCH_TAG_KEY: "mine"}})];
        assert!(add_tags(&mut v, "b").is_err());
    }
}
