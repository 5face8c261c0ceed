//! Adding runs to a group: the public builder and its link to the server.
//! The chunking and exactly-once logic it relies on lives in `batch.rs`.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use futures::stream::StreamExt;
use serde_json::{Map, Value, json};

use crate::batch::{self, AddRunsOutcome, PostOutcome, Progress, Submitter, Tagged};
use crate::beta::Betas;
use crate::events::Event;
use crate::request::Call;
use crate::task_groups::{op, to_wire_type, versioned};
use crate::{ApiVersion, Error, RunInput, TaskGroup, TaskSpec};

/// Builder for adding runs; finish with [`send`](AddRuns::send).
#[derive(Debug, Clone)]
#[must_use]
pub struct AddRuns {
    group: TaskGroup,
    inputs: Vec<RunInput>,
    processor: Option<String>,
    default_spec: Option<TaskSpec>,
    metadata: Map<String, Value>,
    betas: Vec<String>,
    refresh_status: Option<bool>,
    concurrency: Option<usize>,
    tags: Option<bool>,
}

impl AddRuns {
    pub(crate) fn new(group: TaskGroup, inputs: Vec<RunInput>) -> AddRuns {
        AddRuns {
            group,
            inputs,
            processor: None,
            default_spec: None,
            metadata: Map::new(),
            betas: Vec::new(),
            refresh_status: None,
            concurrency: None,
            tags: None,
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

    /// Metadata added to every run (merged under each run's own).
    pub fn metadata<K: Into<String>, V: Into<String>>(
        mut self,
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        crate::input::extend_metadata(&mut self.metadata, entries);
        self
    }

    /// An extra beta feature for these requests' `parallel-beta` header.
    pub fn beta(mut self, name: impl Into<String>) -> Self {
        self.betas.push(name.into());
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
    pub fn batch_tag(mut self, on: bool) -> Self {
        self.tags = Some(on);
        self
    }

    /// Checks every input, then submits them in chunks of at most 1,000.
    /// Returns the run ids in input order.
    pub async fn send(self) -> Result<AddRunsOutcome, Error> {
        let client = &self.group.client;
        if let Some(spec) = &self.default_spec {
            spec.validate()?;
        }
        crate::input::check_metadata(None, &self.metadata)?;
        let mut wires = Vec::with_capacity(self.inputs.len());
        let mut betas = Betas::default();
        betas.extend(client.client_betas());
        betas.extend(&self.betas);
        for (i, r) in self.inputs.iter().enumerate() {
            let w = r.to_wire(
                Some(i),
                self.processor.as_deref(),
                self.default_spec.as_ref(),
                &self.metadata,
            )?;
            betas.add_for_run(&w);
            wires.push(w);
        }
        let tagging = self.tags.unwrap_or(client.batch_tags());
        let batch_id = tagging.then(batch::new_batch_id);
        if let Some(b) = &batch_id {
            batch::add_tags(&mut wires, b)?;
            for (i, w) in wires.iter().enumerate() {
                crate::input::check_metadata(
                    Some(i),
                    w["metadata"].as_object().unwrap_or(&Map::new()),
                )?;
            }
        }
        let sub = GroupSubmitter {
            group: &self.group,
            spec: self.default_spec.as_ref().map(TaskSpec::to_json),
            betas: betas.header(),
            refresh_status: self.refresh_status,
        };
        let progress = Progress::new(self.group.known_cursor());
        let concurrency = self.concurrency.unwrap_or(client.add_runs_concurrency());
        let result = batch::submit_all(
            &sub,
            wires,
            batch_id.as_deref(),
            concurrency,
            &progress,
            client.retry_policy(),
        )
        .await;
        self.group
            .remember_cursor(progress.cursor.lock().ok().and_then(|c| c.clone()));
        result
    }
}

impl IntoFuture for AddRuns {
    type Output = Result<AddRunsOutcome, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

struct GroupSubmitter<'g> {
    group: &'g TaskGroup,
    spec: Option<Value>,
    betas: Option<String>,
    refresh_status: Option<bool>,
}

impl Submitter for GroupSubmitter<'_> {
    fn post(
        &self,
        inputs: Vec<Value>,
    ) -> Pin<Box<dyn Future<Output = Result<PostOutcome, Error>> + Send + '_>> {
        Box::pin(async move {
            let mut body = json!({ "inputs": inputs });
            if let Some(s) = &self.spec {
                body["default_task_spec"] = s.clone();
            }
            let body: crate::types::TaskGroupRunRequest = to_wire_type(body)?;
            let c = &self.group.client;
            let id = self.group.id.as_str();
            let call = Call::create_runs(op(c, "task_group_add_runs", "beta_task_group_add_runs"));
            let rv = c
                .execute(call, || {
                    let (betas, refresh, body) =
                        (self.betas.clone(), self.refresh_status, body.clone());
                    versioned!(c, task_group_add_runs | beta_task_group_add_runs, |b| {
                        let mut b = b.taskgroup_id(id).body(body);
                        if let Some(h) = betas {
                            b = b.parallel_beta(h);
                        }
                        if let Some(r) = refresh {
                            b = b.refresh_status(r);
                        }
                        b
                    })
                })
                .await?
                .into_inner();
            Ok(PostOutcome {
                run_ids: rv.run_ids,
                run_cursor: rv.run_cursor,
                status: serde_json::to_value(rv.status).unwrap_or(Value::Null),
            })
        })
    }

    fn find_tagged<'a>(
        &'a self,
        cursor: Option<String>,
        batch: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Tagged, Error>> + Send + 'a>> {
        Box::pin(async move {
            let mut found = Tagged::new();
            let mut runs = self.group.runs().after_opt(cursor).send().await?;
            while let Some(ev) = runs.next().await {
                if let Event::RunState(r) = ev? {
                    let meta = serde_json::to_value(&r.run.metadata).ok();
                    if let Some(i) = batch::tagged_index(meta.as_ref(), batch) {
                        let ids: &mut Vec<String> = found.entry(i).or_default();
                        // A run listed twice is still one run.
                        if !ids.contains(&r.run.run_id) {
                            ids.push(r.run.run_id);
                        }
                    }
                }
            }
            Ok(found)
        })
    }
}
