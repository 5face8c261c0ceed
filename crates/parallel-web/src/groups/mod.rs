//! Task groups: create and retrieve them, and the group handle. Adding runs
//! lives in `add_runs.rs` (chunking and exactly-once in `batching.rs`),
//! waiting in `wait.rs`, the run and event streams in `streams.rs`.

pub(crate) mod add_runs;
pub(crate) mod batching;
pub(crate) mod streams;
pub(crate) mod wait;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::groups::add_runs::BatchRunsRequest;
use crate::groups::streams::{EventsRequest, RunsRequest};
use crate::spec::run_input::{check_entry, extend_metadata};
use crate::spec::wire::built;
use crate::types::{
    CreateTaskGroupRequest, CreateTaskGroupRequestMetadataValue, TaskGroupResponse,
    TaskGroupStatus, TaskRun,
};
use crate::{AddRuns, Client, Error, ReadRequest, RequestOptions, RunInput};

/// Task-group operations: `client.task_groups()`.
#[derive(Debug, Clone)]
pub struct TaskGroups {
    pub(crate) client: Client,
}

impl Client {
    /// Task-group operations.
    pub fn task_groups(&self) -> TaskGroups {
        TaskGroups {
            client: self.clone(),
        }
    }
}

impl TaskGroups {
    /// Starts creating a group.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let group = client.task_groups().create().metadata([("project", "q4")]).send().await?;
    /// println!("{}", group.id());
    /// # Ok(()) }
    /// ```
    pub fn create(&self) -> CreateGroup {
        CreateGroup {
            client: self.client.clone(),
            metadata: BTreeMap::new(),
            options: RequestOptions::new(),
        }
    }

    /// Fetches a group by id.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let group = client.task_groups().retrieve("tgrp_123").await?;
    /// println!("{:?}", group.info().map(|g| &g.status));
    /// # Ok(()) }
    /// ```
    pub fn retrieve(&self, taskgroup_id: &str) -> ReadRequest<TaskGroup> {
        let group = self.handle(taskgroup_id);
        ReadRequest::new(&self.client, "task_group_retrieve", move |call| {
            // The handle keeps this client; only the call uses the options.
            let group = group.clone();
            async move {
                let info = retrieve_group(&call, &group.id).await?;
                Ok(TaskGroup {
                    info: Some(Arc::new(info)),
                    ..group
                })
            }
        })
    }

    /// A handle on an existing group, without any request (use
    /// [`retrieve`](Self::retrieve) to fetch it).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let group = client.task_groups().handle("tgrp_123");
    /// assert_eq!(group.id(), "tgrp_123");
    /// ```
    pub fn handle(&self, taskgroup_id: &str) -> TaskGroup {
        TaskGroup {
            client: self.client.clone(),
            id: taskgroup_id.to_owned(),
            info: None,
            run_cursor: Arc::new(Mutex::new(None)),
        }
    }
}

/// Builder for creating a group; finish with [`send`](CreateGroup::send).
#[derive(Debug, Clone)]
#[must_use]
pub struct CreateGroup {
    client: Client,
    metadata: BTreeMap<String, CreateTaskGroupRequestMetadataValue>,
    options: RequestOptions,
}

impl CreateGroup {
    /// Metadata stored with the group; values are strings, numbers or
    /// booleans ([`MetadataValue`](crate::MetadataValue)). Keep keys ≤ 16
    /// and values ≤ 512 characters: the documents state these limits for
    /// run metadata only, but the emulator enforces them on groups too.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let group = client
    ///     .task_groups()
    ///     .create()
    ///     .metadata([("project", "q4")])
    ///     .metadata([("rows", 1200)])
    ///     .metadata([("nightly", true)])
    ///     .send()
    ///     .await?;
    /// # let _ = group;
    /// # Ok(())
    /// # }
    /// ```
    pub fn metadata<K: Into<String>, V: Into<crate::MetadataValue>>(
        mut self,
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        extend_metadata(&mut self.metadata, entries);
        self
    }

    /// Creates the group.
    pub async fn send(self) -> Result<TaskGroup, Error> {
        for (k, v) in &self.metadata {
            check_entry(None, k, v)?;
        }
        let body: CreateTaskGroupRequest = built(
            CreateTaskGroupRequest::builder()
                .metadata((!self.metadata.is_empty()).then_some(self.metadata)),
        );
        let c = &self.client.with_options(self.options);
        // Creating an empty group twice costs nothing, so it is retried like a read.
        let info = versioned!(
            c,
            Call::read,
            task_group_create | beta_task_group_create,
            before {
                let body = body.clone();
            },
            |b| b.body(body)
        )
        .await?
        .into_inner();
        Ok(TaskGroup {
            client: self.client.clone(),
            id: info.taskgroup_id.clone(),
            info: Some(Arc::new(info)),
            run_cursor: Arc::new(Mutex::new(None)),
        })
    }
}

request_builder!(CreateGroup => TaskGroup, options: options);

/// Fetches group `id` with `c` (a client view with the call's options).
async fn retrieve_group(c: &Client, id: &str) -> Result<TaskGroupResponse, Error> {
    Ok(versioned!(
        c,
        Call::read,
        task_group_retrieve | beta_task_group_retrieve,
        |b| b.taskgroup_id(id)
    )
    .await?
    .into_inner())
}

/// A task group: add runs to it, stream its runs and events, wait for it.
#[derive(Debug, Clone)]
pub struct TaskGroup {
    pub(crate) client: Client,
    pub(crate) id: String,
    info: Option<Arc<TaskGroupResponse>>,
    /// Last run cursor the server gave for this group; runs added later come after it.
    run_cursor: Arc<Mutex<Option<String>>>,
}

impl TaskGroup {
    /// The group id (`tgrp_...`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The group as returned when this handle was created or retrieved.
    pub fn info(&self) -> Option<&TaskGroupResponse> {
        self.info.as_deref()
    }

    /// Fetches the group (status, metadata).
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
    /// let info = group.retrieve().await?;
    /// println!("{:?}", info.metadata);
    /// # Ok(()) }
    /// ```
    pub fn retrieve(&self) -> ReadRequest<TaskGroupResponse> {
        let id = self.id.clone();
        ReadRequest::new(&self.client, "task_group_retrieve", move |c| {
            let id = id.clone();
            async move { retrieve_group(&c, &id).await }
        })
    }

    /// Fetches the group's current status.
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
    /// let status = group.status().await?;
    /// println!("{} runs", status.num_task_runs);
    /// # Ok(()) }
    /// ```
    pub fn status(&self) -> ReadRequest<TaskGroupStatus> {
        let id = self.id.clone();
        ReadRequest::new(&self.client, "task_group_retrieve", move |c| {
            let id = id.clone();
            async move { Ok(retrieve_group(&c, &id).await?.status) }
        })
    }

    /// Fetches one run of the group.
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
    /// let run = group.run("trun_123").await?;
    /// println!("{}", run.status);
    /// # Ok(()) }
    /// ```
    pub fn run(&self, run_id: &str) -> ReadRequest<TaskRun> {
        let (group, run) = (self.id.clone(), run_id.to_owned());
        ReadRequest::new(&self.client, "task_group_retrieve_run", move |c| {
            let (group, run) = (group.clone(), run.clone());
            async move {
                let (c, id, run_id) = (&c, group.as_str(), run.as_str());
                Ok(versioned!(
                    c,
                    Call::read,
                    task_group_retrieve_run | beta_task_group_retrieve_run,
                    |b| b.taskgroup_id(id).run_id(run_id)
                )
                .await?
                .into_inner())
            }
        })
    }

    /// Starts adding runs, one per input. Inputs are any serializable
    /// values (JSON objects or strings); any number of them.
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
    /// let questions = (0..2_500).map(|i| format!("What happened in year {}?", 1000 + i));
    /// let added = group.add_runs(questions).processor("lite").send().await?;
    /// assert_eq!(added.run_ids.len(), 2_500); // three POSTs, ids in input order
    /// # Ok(()) }
    /// ```
    pub fn add_runs<T: Serialize>(&self, inputs: impl IntoIterator<Item = T>) -> AddRuns {
        self.add_run_inputs(inputs.into_iter().map(RunInput::new))
    }

    /// Starts adding runs with per-run settings.
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
    /// use parallel_web::RunInput;
    /// let runs = [RunInput::new("quick question").processor("lite"), RunInput::new("hard one").processor("ultra")];
    /// group.add_run_inputs(runs).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn add_run_inputs(&self, inputs: impl IntoIterator<Item = RunInput>) -> AddRuns {
        AddRuns::new(self.clone(), inputs.into_iter().collect())
    }

    /// Finds every run of this group tagged with `batch_id` (the
    /// [`BATCH_TAG_KEY`](crate::BATCH_TAG_KEY) metadata that
    /// [`add_runs`](Self::add_runs) writes): input position → run ids,
    /// oldest first. Use it to find what a call made with
    /// [`AddRuns::batch_id`] created, after a crash say; an input listed with
    /// two ids exists twice. It reads the group's runs with the same code
    /// that `add_runs` uses to reconcile an ambiguous failure.
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
    /// let runs = group.batch_runs("00c0ffee00000001").await?;
    /// for (position, run_ids) in &runs {
    ///     if run_ids.len() > 1 {
    ///         println!("input {position} exists {} times: {run_ids:?}", run_ids.len());
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn batch_runs(&self, batch_id: &str) -> BatchRunsRequest {
        BatchRunsRequest::new(self.clone(), batch_id.to_owned())
    }

    /// The group's runs (a snapshot stream, resumed after drops).
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
    /// use futures::StreamExt;
    /// let mut runs = group.runs().include_output().send().await?;
    /// while let Some(event) = runs.next().await {
    ///     if let parallel_web::GroupEvent::RunState(r) = event? {
    ///         println!("{} {}", r.run.run_id, r.run.status);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn runs(&self) -> RunsRequest {
        RunsRequest::new(self.clone())
    }

    /// The group's live events; the stream ends once the group is inactive.
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
    /// use futures::StreamExt;
    /// let mut events = group.events().send().await?;
    /// while let Some(event) = events.next().await {
    ///     match event? {
    ///         parallel_web::GroupEvent::GroupStatus { status, .. } => println!("{} runs", status.num_task_runs),
    ///         other => println!("{:?}", other.event_id()),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn events(&self) -> EventsRequest {
        EventsRequest::new(self.clone())
    }

    /// This handle with its client's view of `options` (the same group,
    /// sharing its remembered run cursor).
    pub(crate) fn with_options(&self, options: RequestOptions) -> TaskGroup {
        TaskGroup {
            client: self.client.with_options(options),
            ..self.clone()
        }
    }

    pub(crate) fn remember_cursor(&self, cursor: Option<String>) {
        if let (Some(c), Ok(mut slot)) = (cursor, self.run_cursor.lock()) {
            *slot = Some(c);
        }
    }

    pub(crate) fn known_cursor(&self) -> Option<String> {
        self.run_cursor.lock().ok().and_then(|c| c.clone())
    }
}
