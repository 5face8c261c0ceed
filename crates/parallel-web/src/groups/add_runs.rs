//! Adding runs to a group: the public builder and its link to the server.
//! The chunking and exactly-once logic it relies on lives in `batching.rs`.
//!
//! Every input is checked before anything is sent; the wire form of a run
//! ([`TaskRunInput`](crate::types::TaskRunInput)) is built only when its
//! chunk's POST is, so a large batch holds little more than its inputs'
//! JSON text.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures::stream::StreamExt;
use tokio::time::Instant;

use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::groups::batching::{
    self, AddRunsOutcome, BATCH_TAG_KEY, PostOutcome, Posted, Progress, Submitter, Tagged,
};
use crate::spec::beta::Betas;
use crate::spec::run_input::{Defaults, Metadata, extend_metadata};
use crate::spec::wire::built;
use crate::types::TaskGroupRunRequest;
use crate::{Error, GroupEvent, RequestOptions, RunInput, TaskGroup, TaskSpec};

/// Builder for adding runs; finish with [`send`](AddRuns::send) or `.await`.
///
/// ```no_run
/// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
/// let added = group
///     .add_runs(["Who founded Stripe?", "Who founded Shopify?"])
///     .processor("base")
///     .metadata([("project", "q4")])
///     .await?;
/// assert_eq!(added.run_ids.len(), 2);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct AddRuns {
    group: TaskGroup,
    inputs: Vec<RunInput>,
    processor: Option<String>,
    default_spec: Option<TaskSpec>,
    metadata: Metadata,
    options: RequestOptions,
    refresh_status: Option<bool>,
    concurrency: Option<usize>,
    tags: Option<bool>,
    batch_id: Option<String>,
    settle_window: Option<Duration>,
}

impl AddRuns {
    pub(crate) fn new(group: TaskGroup, inputs: Vec<RunInput>) -> AddRuns {
        AddRuns {
            group,
            inputs,
            processor: None,
            default_spec: None,
            metadata: BTreeMap::new(),
            options: RequestOptions::new(),
            refresh_status: None,
            concurrency: None,
            tags: None,
            batch_id: None,
            settle_window: None,
        }
    }

    /// The processor for runs that do not name one (e.g. `"pro"`).
    pub fn processor(mut self, processor: impl Into<String>) -> Self {
        self.processor = Some(processor.into());
        self
    }

    /// The spec for runs that do not carry their own.
    pub fn default_spec(mut self, spec: &TaskSpec) -> Self {
        self.default_spec = Some(spec.clone());
        self
    }

    /// Metadata added to every run (merged under each run's own); values
    /// are strings, numbers or booleans ([`MetadataValue`](crate::MetadataValue)).
    pub fn metadata<K: Into<String>, V: Into<crate::MetadataValue>>(
        mut self,
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        extend_metadata(&mut self.metadata, entries);
        self
    }

    /// Whether the server refreshes the group status in its answer.
    pub fn refresh_status(mut self, on: bool) -> Self {
        self.refresh_status = Some(on);
        self
    }

    /// POSTs in flight at once (default: the client's setting, 4).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n.max(1));
        self
    }

    /// Whether to tag runs for exactly-once recovery (default: the client's
    /// setting, on). See [`BATCH_TAG_KEY`](crate::BATCH_TAG_KEY).
    pub fn batch_tags(mut self, on: bool) -> Self {
        self.tags = Some(on);
        self
    }

    /// The settle window for this call (default: the client's setting,
    /// [`DEFAULT_SETTLE_WINDOW`](crate::DEFAULT_SETTLE_WINDOW)): after an
    /// ambiguous failure, how long after that POST was sent the group is
    /// read back to decide what to resend. What it guarantees is stated
    /// on [`BATCH_TAG_KEY`](crate::BATCH_TAG_KEY).
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
    /// use std::time::Duration;
    /// // Behind a proxy known to hold requests for up to 2 minutes.
    /// let added = group
    ///     .add_runs(["Who founded Stripe?"])
    ///     .processor("base")
    ///     .settle_window(Duration::from_secs(150))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn settle_window(mut self, window: Duration) -> Self {
        self.settle_window = Some(window);
        self
    }

    /// Tags this call's runs with the given batch id instead of a random
    /// one, so that a caller who saved it (in a journal, say) before
    /// sending can find the runs of this call after a crash: each run's
    /// [`BATCH_TAG_KEY`](crate::BATCH_TAG_KEY) metadata is
    /// `"<batch_id>.<input index>"`. The id must be non-empty, without a
    /// `.`, and unique to this call within the group (reusing one mixes two
    /// calls' runs up during recovery). It switches batch tags on.
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
    /// let batch = "00c0ffee00000001"; // saved somewhere durable first
    /// let added = group
    ///     .add_runs(["Who founded Stripe?"])
    ///     .processor("base")
    ///     .batch_id(batch)
    ///     .await?;
    /// // The run is tagged `pw_batch = "00c0ffee00000001.0"`.
    /// assert_eq!(added.run_ids.len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn batch_id(mut self, id: impl Into<String>) -> Self {
        self.batch_id = Some(id.into());
        self.tags = Some(true);
        self
    }

    /// The batch id [`preview`](Self::preview) writes into the tags when
    /// no [`batch_id`](Self::batch_id) is set (a real call draws a random
    /// one of the same length, so the preview's limit checks are the same).
    ///
    /// ```
    /// assert_eq!(parallel_web::AddRuns::PREVIEW_BATCH_ID.len(), 16);
    /// ```
    pub const PREVIEW_BATCH_ID: &'static str = "<random-batchid>";

    /// The add-runs POST bodies this builder would send, in order (one per
    /// chunk of at most [`MAX_RUNS_PER_POST`](crate::MAX_RUNS_PER_POST)
    /// inputs), after every client-side check a real call makes; nothing is
    /// sent. When batch tags are on, each run's
    /// [`BATCH_TAG_KEY`](crate::BATCH_TAG_KEY) metadata is filled from
    /// [`batch_id`](Self::batch_id), or from
    /// [`PREVIEW_BATCH_ID`](Self::PREVIEW_BATCH_ID) when none is set. The
    /// bodies are built by the same code as the ones [`send`](Self::send)
    /// posts (the `parallel-beta` header is not part of them).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let group = client.task_groups().handle("tgrp_123");
    /// let bodies = group
    ///     .add_runs(["Who founded Stripe?", "Who founded Shopify?"])
    ///     .processor("base")
    ///     .batch_id("00c0ffee00000001")
    ///     .preview()?;
    /// assert_eq!(bodies.len(), 1);
    /// let json = serde_json::to_value(&bodies[0]).unwrap();
    /// assert_eq!(json["inputs"][1]["metadata"]["pw_batch"], "00c0ffee00000001.1");
    /// # Ok::<(), parallel_web::Error>(())
    /// ```
    pub fn preview(&self) -> Result<Vec<TaskGroupRunRequest>, Error> {
        let prepared = self.prepare(|| Self::PREVIEW_BATCH_ID.to_owned())?;
        let sub = prepared.submitter(self);
        Ok(batching::chunks(self.inputs.len())
            .map(|chunk| sub.body(&chunk))
            .collect())
    }

    /// Checks every input, then submits them in chunks of at most 1,000.
    /// Returns the run ids in input order.
    pub async fn send(mut self) -> Result<AddRunsOutcome, Error> {
        // Every request of the call (POSTs, read-backs) uses the options.
        self.group = self.group.with_options(std::mem::take(&mut self.options));
        let client = &self.group.client;
        let prepared = self.prepare(batching::new_batch_id)?;
        let sub = prepared.submitter(&self);
        let progress = Progress::new(self.group.known_cursor());
        let concurrency = self.concurrency.unwrap_or(client.add_runs_concurrency());
        let result = batching::submit_all(
            &sub,
            self.inputs.len(),
            prepared.batch_id.as_deref(),
            concurrency,
            &progress,
            self.settle_window.unwrap_or(client.settle_window()),
        )
        .await;
        self.group
            .remember_cursor(progress.cursor.lock().ok().and_then(|c| c.clone()));
        result
    }

    /// Runs every client-side check and settles the batch id (`fresh_id`
    /// draws one when tags are on and none was given) and the beta header.
    fn prepare(&self, fresh_id: impl FnOnce() -> String) -> Result<Prepared<'_>, Error> {
        let client = &self.group.client;
        if let Some(spec) = &self.default_spec {
            spec.validate()?;
        }
        let defaults = Defaults {
            processor: self.processor.as_deref(),
            metadata: Some(&self.metadata),
            spec_chars: self.default_spec.as_ref().map_or(0, TaskSpec::len_chars),
        };
        let tagging = self.tags.unwrap_or(client.batch_tags());
        if let Some(id) = &self.batch_id {
            check_batch_id(id)?;
        }
        let batch_id = match self.batch_id.clone() {
            Some(id) => Some(id),
            None => tagging.then(fresh_id),
        };
        // The longest tag of this batch: checking it checks them all.
        let longest_tag = batch_id
            .as_deref()
            .map(|b| batching::tag(b, self.inputs.len().saturating_sub(1)));
        let tag = longest_tag.as_deref().map(|t| (BATCH_TAG_KEY, t));
        defaults.check(tag)?;
        let mut betas = Betas::default();
        betas.extend(client.client_betas());
        // Set only in `preview`: `send` moved them into the client view.
        betas.extend(self.options.betas_given());
        for (i, run) in self.inputs.iter().enumerate() {
            run.check(Some(i), &defaults, tag)?;
            betas.add_for_run(run);
        }
        Ok(Prepared {
            defaults,
            batch_id,
            betas: betas.header(),
        })
    }
}

/// What [`AddRuns::prepare`] settled: everything a body needs besides the inputs.
struct Prepared<'a> {
    defaults: Defaults<'a>,
    batch_id: Option<String>,
    betas: Option<String>,
}

impl<'a> Prepared<'a> {
    fn submitter(&'a self, add: &'a AddRuns) -> GroupSubmitter<'a> {
        GroupSubmitter {
            group: &add.group,
            inputs: &add.inputs,
            defaults: &self.defaults,
            batch_id: self.batch_id.as_deref(),
            spec: add.default_spec.as_ref(),
            betas: self.betas.clone(),
            refresh_status: add.refresh_status,
        }
    }
}

/// Refuses a batch id that could not be read back from a tag.
fn check_batch_id(id: &str) -> Result<(), Error> {
    if id.is_empty() || id.contains('.') {
        return Err(Error::InvalidInput {
            index: None,
            field: "batch_id".into(),
            message: format!("{id:?} must be non-empty and contain no '.'"),
        });
    }
    Ok(())
}

request_builder!(AddRuns => AddRunsOutcome, options: options);

/// Sends chunks of one `add_runs` call to its group.
struct GroupSubmitter<'g> {
    group: &'g TaskGroup,
    inputs: &'g [RunInput],
    defaults: &'g Defaults<'g>,
    batch_id: Option<&'g str>,
    spec: Option<&'g TaskSpec>,
    betas: Option<String>,
    refresh_status: Option<bool>,
}

impl GroupSubmitter<'_> {
    /// The request body for the inputs at `indexes`, tagged.
    fn body(&self, indexes: &[usize]) -> TaskGroupRunRequest {
        let inputs: Vec<_> = indexes
            .iter()
            .map(|&i| {
                let tag = self.batch_id.map(|b| batching::tag(b, i));
                let tag = tag.as_deref().map(|t| (BATCH_TAG_KEY, t));
                self.inputs[i].to_wire(self.defaults, tag)
            })
            .collect();
        built(
            TaskGroupRunRequest::builder()
                .default_task_spec(self.spec.map(|s| s.wire().clone()))
                .inputs(inputs),
        )
    }
}

impl Submitter for GroupSubmitter<'_> {
    fn post<'a>(
        &'a self,
        indexes: &'a [usize],
    ) -> Pin<Box<dyn Future<Output = Posted> + Send + 'a>> {
        Box::pin(async move {
            let c = &self.group.client;
            let id = self.group.id.as_str();
            // The body is built for the first attempt and again only for a retry.
            let mut first = Some(self.body(indexes));
            // Set as each attempt is handed to the HTTP client: the settle
            // window of an ambiguous failure counts from the last one.
            let mut sent_at = Instant::now();
            let result = versioned!(
                c,
                Call::create_runs,
                task_group_add_runs | beta_task_group_add_runs,
                before {
                    let body = first.take().unwrap_or_else(|| self.body(indexes));
                    let (betas, refresh) = (self.betas.clone(), self.refresh_status);
                    sent_at = Instant::now();
                },
                |b| {
                    let mut b = b.taskgroup_id(id).body(body);
                    if let Some(h) = betas {
                        b = b.parallel_beta(h);
                    }
                    if let Some(r) = refresh {
                        b = b.refresh_status(r);
                    }
                    b
                }
            )
            .await
            .map(|rv| {
                let rv = rv.into_inner();
                PostOutcome {
                    run_ids: rv.run_ids,
                    run_cursor: rv.run_cursor,
                    status: rv.status,
                }
            });
            Posted { sent_at, result }
        })
    }

    fn find_tagged<'a>(
        &'a self,
        cursor: Option<String>,
        batch: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Tagged, Error>> + Send + 'a>> {
        Box::pin(find_tagged(self.group, cursor, batch))
    }
}

/// Every run of `group` after `cursor` tagged with `batch`, as input index →
/// run ids in stream order (oldest first). Both the reconciliation of an
/// ambiguous POST and [`TaskGroup::batch_runs`] read runs this way.
async fn find_tagged(
    group: &TaskGroup,
    cursor: Option<String>,
    batch: &str,
) -> Result<Tagged, Error> {
    let mut found = Tagged::new();
    let mut runs = group.runs().after_opt(cursor).send().await?;
    while let Some(ev) = runs.next().await {
        if let GroupEvent::RunState(r) = ev?
            && let Some(i) = batching::tagged_index(r.run.metadata.as_ref(), batch)
        {
            let ids: &mut Vec<String> = found.entry(i).or_default();
            // A run listed twice is still one run.
            if !ids.contains(&r.run.run_id) {
                ids.push(r.run.run_id);
            }
        }
    }
    Ok(found)
}

/// The runs of one batch: input position → run ids, oldest first. An input
/// with more than one id was created more than once; an input missing from
/// the map has no run (yet). See [`TaskGroup::batch_runs`].
///
/// ```no_run
/// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
/// let runs: parallel_web::BatchRuns = group.batch_runs("00c0ffee00000001").await?;
/// let missing = (0..10).filter(|i| !runs.contains_key(i)).count();
/// println!("{missing} of 10 inputs have no run");
/// # Ok(()) }
/// ```
pub type BatchRuns = BTreeMap<usize, Vec<String>>;

/// Builder for finding the runs of one batch; finish with
/// [`send`](BatchRunsRequest::send) or `.await`. Made by
/// [`TaskGroup::batch_runs`].
///
/// ```no_run
/// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
/// let request: parallel_web::BatchRunsRequest = group.batch_runs("00c0ffee00000001");
/// let runs = request.send().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct BatchRunsRequest {
    group: TaskGroup,
    batch_id: String,
    after: Option<String>,
    options: RequestOptions,
}

impl BatchRunsRequest {
    pub(crate) fn new(group: TaskGroup, batch_id: String) -> BatchRunsRequest {
        BatchRunsRequest {
            group,
            batch_id,
            after: None,
            options: RequestOptions::new(),
        }
    }

    /// Reads only the runs after this run cursor (the event id of a run
    /// seen in [`TaskGroup::runs`] before the batch was sent), instead of
    /// all of the group's runs.
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup, cursor: String) -> Result<(), parallel_web::Error> {
    /// let runs = group.batch_runs("00c0ffee00000001").after(cursor).await?;
    /// println!("{} inputs found", runs.len());
    /// # Ok(()) }
    /// ```
    pub fn after(mut self, cursor: impl Into<String>) -> Self {
        self.after = Some(cursor.into());
        self
    }

    /// Reads the group's runs and keeps those tagged with the batch id. A
    /// batch id that is empty or contains a `.` is refused
    /// ([`Error::InvalidInput`]) before any request.
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
    /// let runs = group.batch_runs("00c0ffee00000001").send().await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<BatchRuns, Error> {
        check_batch_id(&self.batch_id)?;
        let group = self.group.with_options(self.options);
        find_tagged(&group, self.after, &self.batch_id).await
    }
}

request_builder!(BatchRunsRequest => BatchRuns, options: options);
