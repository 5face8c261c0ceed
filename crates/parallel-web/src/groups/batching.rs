//! Submitting any number of runs safely: chunks of at most 1,000 per POST,
//! bounded concurrency, and creation of each input at most once as far as
//! a client can make sure of it. The inputs arrive already checked: the
//! client-side checks run in `add_runs.rs` (`AddRuns::prepare`) before
//! anything is sent.
//!
//! An add-runs POST that fails after the request may have reached the
//! server (timeout, reset, 5xx) is never resent as is: its chunk waits until
//! the settle window has passed since that POST was sent, reads the group's
//! tagged runs once, keeps the inputs it finds and resends only the others.
//! If any POST of the call was ambiguous, the whole batch is read back once
//! more before returning, and every input found more than once is reported.
//! What this does and does not guarantee is stated in one place, the doc of
//! [`BATCH_TAG_KEY`]. Failures that certainly had no effect (connection
//! refused, 429, `x-should-retry: true`) are retried by the request layer.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::StreamExt;
use tokio::time::Instant;

use crate::Error;
use crate::error::DuplicatedInput;
use crate::types::{TaskGroupStatus, TaskRun, TaskRunMetadataValue};

/// Metadata key of the batch tag that [`TaskGroup::add_runs`] adds to each
/// run (unless switched off with
/// [`AddRuns::batch_tags(false)`](crate::AddRuns::batch_tags) or
/// [`ClientBuilder::batch_tags(false)`](crate::ClientBuilder::batch_tags)).
///
/// The value is `"<16 hex digits>.<input index>"`: a random id per
/// `add_runs` call (or the one given to
/// [`AddRuns::batch_id`](crate::AddRuns::batch_id)) and the input's
/// position, well within the metadata limits (8-character key, at most
/// 24-character value). It is merged with the run's own metadata; an input
/// that already uses this key is refused. The tag is added while each
/// chunk's request body is built. [`TaskGroup::batch_runs`] finds a batch's
/// runs by it.
///
/// # Exactly once: what is guaranteed, and its limits
///
/// This is the one statement of the guarantee; other docs link here.
///
/// The API has no idempotency key, and a POST that fails ambiguously (a
/// timeout, a reset, a 5xx: it may or may not have been committed, and may
/// still be committed later, e.g. by a server behind a proxy that gave up on
/// it) cannot be asked about directly. With batch tags on:
///
/// 1. **No resend inside the settle window.** The inputs of an ambiguous
///    POST are resent only after a read of the group's tagged runs, made at
///    least the settle window after that POST was sent, shows them absent.
///    Inputs that read finds are recovered (their run id is returned), not
///    resent. So a commit that lands within the settle window of its POST
///    being sent never causes a duplicate. The window is
///    [`ClientBuilder::settle_window`](crate::ClientBuilder::settle_window)
///    (default [`DEFAULT_SETTLE_WINDOW`](crate::DEFAULT_SETTLE_WINDOW), 60 s; per call
///    [`AddRuns::settle_window`](crate::AddRuns::settle_window)); it is paid
///    only after an ambiguous failure, and a POST that timed out has
///    already used up that much of it.
/// 2. **Every duplicate seen by the final read-back is reported.** If any
///    POST of the call failed ambiguously, then before `add_runs` returns it
///    waits until the settle window of the last such POST has passed and
///    reads all of the batch's tagged runs once more, from the cursor known
///    before the call. Every input found with more than one run is returned
///    in [`Error::DuplicateRuns`] (all of them, across chunks, each with all
///    its run ids, oldest first); `add_runs` never returns `Ok` with a
///    duplicate that read saw. If that read itself fails, the call fails
///    ([`Error::BatchIncomplete`] whose source is [`Error::Unconfirmed`]
///    listing the inputs that were sent more than once).
/// 3. **What cannot be ruled out:** a commit that lands after the final
///    read-back (a POST held by the server longer than the settle window
///    plus the time until that read). It is not silent, though: every
///    input that has a run but also an ambiguous POST the final read-back
///    did not see land is listed in
///    [`AddRunsOutcome::unsettled`] (or `DuplicateRuns::unsettled`), and
///    only those inputs can still be duplicated. (A POST that was lost, not
///    late, is listed too: a client cannot tell the two apart.) A late
///    duplicate carries its input's tag, so [`TaskGroup::batch_runs`] with
///    the call's batch id finds it afterwards; a longer settle window makes
///    it less likely at the price of a longer wait after ambiguous
///    failures. The window counts from when the POST was handed to the HTTP
///    client, so the time a request takes to reach the server comes off it.
///
/// Duplicates are an error ([`Error::DuplicateRuns`], which also carries
/// every input's run id) rather than a field of the `Ok` outcome, so that
/// they cannot be overlooked; `unsettled` is a field, since nothing is
/// wrong yet.
///
/// Without tags nothing can be read back: an ambiguous failure is reported
/// ([`Error::Unconfirmed`]) and nothing is resent. Inputs in doubt after
/// repeated ambiguous failures of one chunk are reported the same way.
///
/// [`TaskGroup::add_runs`]: crate::TaskGroup::add_runs
/// [`TaskGroup::batch_runs`]: crate::TaskGroup::batch_runs
pub const BATCH_TAG_KEY: &str = "pw_batch";
/// Most runs the API accepts in one add-runs POST.
pub const MAX_RUNS_PER_POST: usize = 1_000;
/// How often one chunk's missing inputs are resubmitted after ambiguous
/// failures before the chunk gives up.
const MAX_RESUBMITS: u32 = 4;

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

/// What one add-runs POST came to, and when its last attempt was sent (the
/// settle window of an ambiguous failure counts from then).
pub(crate) struct Posted {
    pub sent_at: Instant,
    pub result: Result<PostOutcome, Error>,
}

/// The two server calls batching needs; implemented over the generated
/// client by `add_runs.rs` and by fakes in tests.
pub(crate) trait Submitter: Send + Sync {
    /// One add-runs POST of the inputs at `indexes` (the request layer
    /// retries unambiguous failures).
    fn post<'a>(
        &'a self,
        indexes: &'a [usize],
    ) -> Pin<Box<dyn Future<Output = Posted> + Send + 'a>>;
    /// Every run of the group after `cursor` whose batch tag belongs to
    /// `batch`, as input index → run ids, oldest first.
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
    /// Inputs (positions) that exist once but have an ambiguous POST that
    /// the final read-back did not see land: if the server commits it
    /// later, they will exist twice. Empty unless an add-runs POST failed
    /// ambiguously and had not landed by the final read-back (late, or
    /// lost: a client cannot tell which); look for them afterwards with
    /// [`TaskGroup::batch_runs`]. See [`BATCH_TAG_KEY`] for the guarantee.
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
    /// let added = group.add_runs(["q1", "q2"]).processor("base").batch_id("00c0ffee00000001").await?;
    /// if !added.unsettled.is_empty() {
    ///     // Later: any input of the batch with two runs?
    ///     let runs = group.batch_runs("00c0ffee00000001").await?;
    ///     let doubled = added.unsettled.iter().filter(|i| runs.get(i).is_some_and(|r| r.len() > 1));
    ///     println!("{} inputs doubled", doubled.count());
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// [`TaskGroup::batch_runs`]: crate::TaskGroup::batch_runs
    pub unsettled: Vec<usize>,
}

/// Shared progress of one `add_runs` call.
pub(crate) struct Progress {
    /// Last run cursor the server gave for this group (runs before it are old).
    pub cursor: Mutex<Option<String>>,
    /// The cursor known before the call: the final read-back starts there.
    first_cursor: Option<String>,
    /// When the last POST that failed ambiguously was sent, if any did.
    last_ambiguous: Mutex<Option<Instant>>,
    stop: AtomicBool,
}

impl Progress {
    pub(crate) fn new(cursor: Option<String>) -> Self {
        Progress {
            cursor: Mutex::new(cursor.clone()),
            first_cursor: cursor,
            last_ambiguous: Mutex::new(None),
            stop: AtomicBool::new(false),
        }
    }

    fn cursor(&self) -> Option<String> {
        self.cursor.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn note_ambiguous(&self, sent_at: Instant) {
        if let Ok(mut last) = self.last_ambiguous.lock() {
            *last = Some(last.map_or(sent_at, |l| l.max(sent_at)));
        }
    }

    fn last_ambiguous(&self) -> Option<Instant> {
        self.last_ambiguous.lock().ok().and_then(|l| *l)
    }
}

/// Tag value for input `index` of batch `batch`.
pub(crate) fn tag(batch: &str, index: usize) -> String {
    format!("{batch}.{index}")
}

/// The batch id and input position that [`TaskGroup::add_runs`] tagged
/// `run` with (its [`BATCH_TAG_KEY`] metadata), or `None` for a run
/// created without a tag or whose tag is not in the SDK's format.
///
/// A caller that keeps its own record of which input each position of a
/// batch was (as the `parallel-web` CLI's journal does) finds the input of
/// a run read back from the group this way, without an index of run ids.
///
/// ```
/// use parallel_web::types::TaskRun;
///
/// let run: TaskRun = serde_json::from_value(serde_json::json!({
///     "run_id": "trun_1", "status": "completed", "is_active": false,
///     "processor": "lite", "created_at": "2025-08-06T00:52:58Z",
///     "modified_at": "2025-08-06T00:53:10Z",
///     "metadata": {"pw_batch": "00c0ffee00000001.7"}
/// }))?;
/// assert_eq!(parallel_web::batch_tag(&run), Some(("00c0ffee00000001", 7)));
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// [`TaskGroup::add_runs`]: crate::TaskGroup::add_runs
pub fn batch_tag(run: &TaskRun) -> Option<(&str, usize)> {
    parse_tag(run.metadata.as_ref())
}

/// The (batch, input index) of a run's tag, from its metadata.
fn parse_tag(metadata: Option<&BTreeMap<String, TaskRunMetadataValue>>) -> Option<(&str, usize)> {
    let TaskRunMetadataValue::String(v) = metadata?.get(BATCH_TAG_KEY)? else {
        return None;
    };
    let (batch, index) = v.split_once('.')?;
    Some((batch, index.parse().ok()?))
}

/// Reads the input index back from a run's metadata, if it belongs to `batch`.
pub(crate) fn tagged_index(
    metadata: Option<&BTreeMap<String, TaskRunMetadataValue>>,
    batch: &str,
) -> Option<usize> {
    parse_tag(metadata).and_then(|(b, i)| (b == batch).then_some(i))
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
/// POSTs at a time, and returns the run ids in input order. After any
/// ambiguous failure, reads the batch back once more before returning and
/// reports every duplicate it finds (see [`BATCH_TAG_KEY`]).
pub(crate) async fn submit_all(
    sub: &dyn Submitter,
    total: usize,
    batch: Option<&str>,
    concurrency: usize,
    progress: &Progress,
    settle_window: Duration,
) -> Result<AddRunsOutcome, Error> {
    let results: Vec<ChunkDone> = futures::stream::iter(chunks(total))
        .map(|chunk| submit_chunk(sub, chunk, batch, progress, settle_window))
        .buffered(concurrency.max(1))
        .collect()
        .await;

    let mut run_ids: Vec<Option<String>> = vec![None; total];
    let mut outcome = AddRunsOutcome {
        run_ids: Vec::new(),
        status: None,
        posts: 0,
        recovered: 0,
        unsettled: Vec::new(),
    };
    let mut first_error = None;
    let mut resent = Vec::new();
    let mut posts_of = BTreeMap::new();
    for done in results {
        for (i, id) in done.ids {
            run_ids[i] = Some(id);
        }
        outcome.posts += done.posts;
        outcome.recovered += done.recovered;
        if let Some(s) = done.status {
            outcome.status = Some(s);
        }
        resent.extend(done.resent);
        posts_of.extend(done.posts_of);
        if first_error.is_none() {
            first_error = done.error;
        }
    }
    let created = run_ids.iter().flatten().count();
    let mut duplicates = Vec::new();
    let mut unsettled = Vec::new();
    if let (Some(batch), Some(last)) = (batch, progress.last_ambiguous()) {
        // The final read-back: every commit that landed by now is seen.
        tokio::time::sleep_until(last + settle_window).await;
        match sub.find_tagged(progress.first_cursor.clone(), batch).await {
            Ok(seen) => {
                duplicates = multiple(&seen)
                    .into_iter()
                    .map(|(index, run_ids)| DuplicatedInput { index, run_ids })
                    .collect();
                unsettled = not_yet_landed(&seen, &posts_of);
            }
            Err(read_error) => {
                tracing::warn!(error = %read_error, "add_runs: the final read-back failed");
                resent.sort_unstable();
                resent.dedup();
                // Whether the inputs sent twice exist twice is unknown: say so.
                let unknown = unconfirmed(resent, read_error);
                return Err(Error::BatchIncomplete {
                    created,
                    total,
                    run_ids,
                    source: Box::new(first_error.unwrap_or(unknown)),
                });
            }
        }
    }
    if !unsettled.is_empty() {
        tracing::warn!(
            inputs = unsettled.len(),
            "add_runs: some inputs have an ambiguous POST that has not landed; if it does, they will exist twice"
        );
    }
    if !duplicates.is_empty() {
        tracing::error!(
            inputs = duplicates.len(),
            "add_runs: some inputs exist as more than one run"
        );
        return Err(Error::DuplicateRuns {
            duplicates,
            unsettled,
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
    outcome.unsettled = unsettled;
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
    /// Inputs POSTed more than once (after ambiguous failures).
    resent: Vec<usize>,
    /// For inputs of a chunk hit by an ambiguous failure: how many of its
    /// POSTs may have created a run for each (the ambiguous ones and the
    /// one that succeeded, if any).
    posts_of: BTreeMap<usize, u32>,
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
    settle_window: Duration,
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
    let mut pending = chunk;
    let mut done = ChunkDone::default();
    let mut resubmits = 0;
    loop {
        let posted = sub.post(&pending).await;
        let err = match posted.result {
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
                if resubmits > 0 {
                    count_posts(&mut done.posts_of, &pending);
                }
                done.ids.extend(pending.iter().copied().zip(out.run_ids));
                done.posts += 1;
                done.status = Some(out.status);
                return done;
            }
            Err(e) => e,
        };
        if !err.is_ambiguous() {
            return done.failed(progress, err);
        }
        progress.note_ambiguous(posted.sent_at);
        count_posts(&mut done.posts_of, &pending);
        let Some(batch) = batch.filter(|_| resubmits < MAX_RESUBMITS) else {
            // No tags to look for, or too many attempts: say what is unknown.
            return done.failed(progress, unconfirmed(pending, err));
        };
        tracing::warn!(error = %err, inputs = pending.len(), "add-runs POST failed ambiguously; reconciling");
        // Nothing is resent before the settle window of this POST is over:
        // a commit that lands within it is found below, not duplicated.
        tokio::time::sleep_until(posted.sent_at + settle_window).await;
        let mut seen = match sub.find_tagged(cursor_before.clone(), batch).await {
            Ok(seen) => seen,
            Err(read_error) => {
                tracing::warn!(error = %read_error, "could not read the group's runs back");
                return done.failed(progress, unconfirmed(pending, err));
            }
        };
        seen.retain(|i, _| range.contains(i));
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
        done.resent.extend(pending.iter().copied());
        resubmits += 1;
    }
}

/// Counts one more POST that may have created a run for each of `indexes`.
fn count_posts(posts_of: &mut BTreeMap<usize, u32>, indexes: &[usize]) {
    for i in indexes {
        *posts_of.entry(*i).or_default() += 1;
    }
}

/// Inputs that exist but have fewer runs than POSTs that may have created
/// one: an ambiguous POST of theirs has not landed (yet), and will make a
/// duplicate if the server commits it later.
fn not_yet_landed(seen: &Tagged, posts_of: &BTreeMap<usize, u32>) -> Vec<usize> {
    posts_of
        .iter()
        .filter(|(i, posts)| {
            let runs = seen.get(i).map_or(0, Vec::len);
            runs >= 1 && runs < **posts as usize
        })
        .map(|(i, _)| *i)
        .collect()
}

/// The inputs of `seen` that exist as more than one run.
fn multiple(seen: &Tagged) -> Tagged {
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
