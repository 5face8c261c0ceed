//! Submitting any number of runs safely: client-side checks, chunks of at
//! most 1,000 per POST, bounded concurrency, and creation of each input at
//! most once as far as a client can make sure of it.
//!
//! An add-runs POST that fails after the request may have reached the
//! server (timeout, reset, 5xx) is never resent as is. Every run carries a
//! batch tag in its metadata ([`BATCH_TAG_KEY`]). After such a failure the
//! group's runs are read from the last cursor known before the POST until
//! two reads, a backoff apart, agree (the server may still be committing the
//! failed POST); the tagged runs found are matched to their inputs, and only
//! the inputs still missing are sent again. After any such resubmission the
//! runs are read back the same way, and an input found more than once is
//! reported ([`Error::DuplicateRuns`]), never hidden. Failures that certainly
//! had no effect (connection refused, 429, `x-should-retry: true`) are
//! retried by the request layer.

use std::collections::BTreeMap;
use std::future::Future;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;

use crate::types::{TaskGroupStatus, TaskRunMetadataValue};
use crate::{Error, RetryPolicy};

/// Metadata key of the batch tag that [`TaskGroup::add_runs`] adds to each
/// run (unless switched off with
/// [`AddRuns::batch_tags(false)`](crate::AddRuns::batch_tags) or
/// [`ClientBuilder::batch_tags(false)`](crate::ClientBuilder::batch_tags)).
///
/// The value is `"<16 hex digits>.<input index>"`: a random id per
/// `add_runs` call and the input's position, well within the metadata limits
/// (8-character key, at most 24-character value). It is merged with the
/// run's own metadata; an input that already uses this key is refused.
/// The tag is added while each chunk's request body is built.
///
/// # What it guarantees
///
/// When an add-runs POST fails ambiguously (it may or may not have been
/// committed), the SDK reads the group's runs until two reads a backoff
/// apart agree, and resubmits only the inputs whose tag it did not find.
/// After a resubmission it reads the runs back the same way and returns
/// [`Error::DuplicateRuns`] if any input exists more than once. What a
/// client cannot rule out is a server that commits the failed POST *after*
/// both of those checks (the API has no idempotency key); such late
/// duplicates still carry the same tag, so grouping a group's runs by this
/// key finds them. Without tags, an ambiguous failure is reported
/// ([`Error::Unconfirmed`]) and nothing is resent.
///
/// [`TaskGroup::add_runs`]: crate::TaskGroup::add_runs
pub const BATCH_TAG_KEY: &str = "pw_batch";
/// Most runs the API accepts in one add-runs POST.
pub const MAX_RUNS_PER_POST: usize = 1_000;
/// How often one chunk's missing inputs are resubmitted after ambiguous
/// failures before the chunk gives up.
const MAX_RESUBMITS: u32 = 4;
/// Most reads of the group's runs while waiting for two in a row to agree
/// (with the default backoff, about 40 s).
const MAX_SETTLE_READS: u32 = 8;

/// What the server answered to one add-runs POST.
#[derive(Debug, Clone)]
pub(crate) struct PostOutcome {
    pub run_ids: Vec<String>,
    pub run_cursor: Option<String>,
    pub status: TaskGroupStatus,
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// Tagged runs found in a group: input index → run ids, in stream order.
pub(crate) type Tagged = BTreeMap<usize, Vec<String>>;

/// The two server calls batching needs; implemented over the generated
/// client by `add_runs.rs` and by fakes in tests.
pub(crate) trait Submitter: Send + Sync {
    /// One add-runs POST of the inputs at `indexes` (the request layer
    /// retries unambiguous failures).
    fn post<'a>(&'a self, indexes: &'a [usize]) -> BoxFut<'a, PostOutcome>;
    /// Every run of the group after `cursor` whose batch tag belongs to
    /// `batch`, as input index → run ids.
    fn find_tagged<'a>(&'a self, cursor: Option<String>, batch: &'a str) -> BoxFut<'a, Tagged>;
}

/// The result of [`AddRuns::send`](crate::AddRuns::send).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AddRunsOutcome {
    /// The created run ids, in input order.
    pub run_ids: Vec<String>,
    /// The group status after the last POST, as the server reported it.
    pub status: Option<TaskGroupStatus>,
    /// How many add-runs POSTs succeeded (not counting retries).
    pub posts: usize,
    /// How many inputs were found already created after an ambiguous failure
    /// (so they were not sent twice).
    pub recovered: usize,
}

/// An input that exists as more than one run (see [`Error::DuplicateRuns`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DuplicatedInput {
    /// Position of the input in the iterator given to `add_runs`.
    pub index: usize,
    /// Every run created for it, oldest first.
    pub run_ids: Vec<String>,
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

    fn cursor(&self) -> Option<String> {
        self.cursor.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

/// Tag value for input `index` of batch `batch`.
pub(crate) fn tag(batch: &str, index: usize) -> String {
    format!("{batch}.{index}")
}

/// Reads the input index back from a run's metadata, if it belongs to `batch`.
pub(crate) fn tagged_index(
    metadata: Option<&BTreeMap<String, TaskRunMetadataValue>>,
    batch: &str,
) -> Option<usize> {
    let TaskRunMetadataValue::String(v) = metadata?.get(BATCH_TAG_KEY)? else {
        return None;
    };
    let (b, i) = v.split_once('.')?;
    (b == batch).then(|| i.parse().ok()).flatten()
}

/// A fresh batch id.
pub(crate) fn new_batch_id() -> String {
    format!("{:016x}", crate::client::retry::random_u64())
}

/// The input indexes of each add-runs POST for inputs `0..total`, in order.
pub(crate) fn chunks(total: usize) -> impl Iterator<Item = Vec<usize>> {
    (0..total)
        .step_by(MAX_RUNS_PER_POST)
        .map(move |start| (start..(start + MAX_RUNS_PER_POST).min(total)).collect())
}

/// Sends inputs `0..total` (already checked) in chunks, `concurrency`
/// POSTs at a time, and returns the run ids in input order.
pub(crate) async fn submit_all(
    sub: &dyn Submitter,
    total: usize,
    batch: Option<&str>,
    concurrency: usize,
    progress: &Progress,
    backoff: &RetryPolicy,
) -> Result<AddRunsOutcome, Error> {
    let results: Vec<ChunkDone> = futures::stream::iter(chunks(total))
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
    let mut duplicates = Vec::new();
    for done in results {
        for (i, id) in done.ids {
            run_ids[i] = Some(id);
        }
        outcome.posts += done.posts;
        outcome.recovered += done.recovered;
        if let Some(s) = done.status {
            outcome.status = Some(s);
        }
        duplicates.extend(
            done.duplicates
                .into_iter()
                .map(|(index, run_ids)| DuplicatedInput { index, run_ids }),
        );
        if first_error.is_none() {
            first_error = done.error;
        }
    }
    let created = run_ids.iter().flatten().count();
    if !duplicates.is_empty() {
        tracing::error!(
            inputs = duplicates.len(),
            "add_runs: some inputs exist as more than one run"
        );
        return Err(Error::DuplicateRuns {
            duplicates,
            run_ids,
            error: first_error.map(Box::new),
        });
    }
    if let Some(e) = first_error {
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

/// What one chunk achieved, including when it failed part-way.
#[derive(Default)]
struct ChunkDone {
    /// (input index, run id) of every input known to be created.
    ids: Vec<(usize, String)>,
    posts: usize,
    recovered: usize,
    status: Option<TaskGroupStatus>,
    /// Inputs found as more than one run: index → run ids.
    duplicates: Tagged,
    /// Why the chunk stopped before every input was known to be created.
    error: Option<Error>,
}

impl ChunkDone {
    fn failed(mut self, progress: &Progress, error: Error) -> ChunkDone {
        progress.stop.store(true, Ordering::SeqCst);
        self.error = Some(error);
        self
    }
}

async fn submit_chunk(
    sub: &dyn Submitter,
    chunk: Vec<usize>,
    batch: Option<&str>,
    progress: &Progress,
    backoff: &RetryPolicy,
) -> ChunkDone {
    if progress.stop.load(Ordering::SeqCst) {
        // Another chunk failed: this one is not sent. Its inputs are simply
        // not created; the failure that stopped the batch is reported.
        return ChunkDone::default();
    }
    let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
        return ChunkDone::default();
    };
    let range = *first..=*last;
    // Runs this POST creates come after this cursor in the group's run stream.
    let cursor_before = progress.cursor();
    let reader = Reader {
        sub,
        cursor: cursor_before,
        range,
        backoff,
    };
    let mut pending = chunk;
    let mut done = ChunkDone::default();
    let mut resubmits = 0;
    loop {
        let err = match sub.post(&pending).await {
            Ok(out) => {
                if out.run_ids.len() != pending.len() {
                    let err = Error::Decode {
                        what: "add-runs response".into(),
                        message: format!(
                            "{} run ids for {} inputs",
                            out.run_ids.len(),
                            pending.len()
                        ),
                        raw: out.run_ids.join(","),
                    };
                    return done.failed(progress, err);
                }
                // Any cursor the server gave is at or before runs committed so
                // far, so it is a safe starting point for later reconciliation.
                if let (Some(c), Ok(mut slot)) = (out.run_cursor, progress.cursor.lock()) {
                    *slot = Some(c);
                }
                done.ids.extend(pending.iter().copied().zip(out.run_ids));
                done.posts += 1;
                done.status = Some(out.status);
                if let (true, Some(batch)) = (resubmits > 0, batch) {
                    // Something was sent again: read back what exists now, so a
                    // late commit of the failed POST shows up as a duplicate.
                    match reader.settled(batch).await {
                        Ok(seen) => done.duplicates = duplicates(&seen),
                        Err(e) => {
                            return done.failed(progress, unconfirmed(pending, e));
                        }
                    }
                }
                return done;
            }
            Err(e) => e,
        };
        if !err.is_ambiguous() {
            return done.failed(progress, err);
        }
        let Some(batch) = batch.filter(|_| resubmits < MAX_RESUBMITS) else {
            // No tags to look for, or too many attempts: say what is unknown.
            return done.failed(progress, unconfirmed(pending, err));
        };
        tracing::warn!(error = %err, inputs = pending.len(), "add-runs POST failed ambiguously; reconciling");
        let seen = match reader.settled(batch).await {
            Ok(seen) => seen,
            Err(read_error) => {
                tracing::warn!(error = %read_error, "could not read the group's runs back");
                return done.failed(progress, unconfirmed(pending, err));
            }
        };
        done.duplicates = duplicates(&seen);
        pending.retain(|i| match seen.get(i).and_then(|ids| ids.first()) {
            Some(id) => {
                done.ids.push((*i, id.clone()));
                done.recovered += 1;
                false
            }
            None => true,
        });
        if pending.is_empty() {
            return done;
        }
        resubmits += 1;
    }
}

/// Reads which inputs of one chunk exist in the group.
struct Reader<'a> {
    sub: &'a dyn Submitter,
    /// The group's run cursor from before the chunk's first POST.
    cursor: Option<String>,
    /// The chunk's input indexes.
    range: RangeInclusive<usize>,
    backoff: &'a RetryPolicy,
}

impl Reader<'_> {
    /// Reads the chunk's tagged runs until two reads, a growing backoff
    /// apart, agree: a POST the server is still committing shows up as a
    /// change between reads, so nothing is resubmitted while it lands.
    async fn settled(&self, batch: &str) -> Result<Tagged, Error> {
        let mut previous: Option<Tagged> = None;
        for read in 0..MAX_SETTLE_READS {
            tokio::time::sleep(self.backoff.backoff(read)).await;
            let mut seen = self.sub.find_tagged(self.cursor.clone(), batch).await?;
            seen.retain(|i, _| self.range.contains(i));
            if previous.as_ref() == Some(&seen) {
                return Ok(seen);
            }
            previous = Some(seen);
        }
        Err(Error::Stream {
            message: format!(
                "the group's runs of this batch kept changing over {MAX_SETTLE_READS} reads"
            ),
            last_event_id: self.cursor.clone(),
        })
    }
}

/// The inputs of `seen` that exist as more than one run.
fn duplicates(seen: &Tagged) -> Tagged {
    seen.iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(i, ids)| (*i, ids.clone()))
        .collect()
}

/// `error`, saying that whether inputs `indexes` were created is unknown.
fn unconfirmed(indexes: Vec<usize>, error: Error) -> Error {
    if indexes.is_empty() {
        return error;
    }
    Error::Unconfirmed {
        indexes,
        source: Box::new(error),
    }
}

#[cfg(test)]
#[path = "batching_tests.rs"]
mod tests;
