//! Single task runs: create, retrieve, read their input. Results and
//! waiting for them live in `result.rs`, creating and waiting in one call
//! in `execute.rs`, a run's own event stream in `events.rs`.

pub(crate) mod events;
pub(crate) mod execute;
pub(crate) mod result;

use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::spec::beta::Betas;
use crate::spec::run_input::Defaults;
use crate::types::{TaskRun, TaskRunInput};
use crate::{Client, Error, ReadRequest, RequestOptions, ResultRequest, RunInput, TaskSpec};

/// Task-run operations: `client.task_runs()`.
#[derive(Debug, Clone)]
pub struct TaskRuns {
    pub(crate) client: Client,
}

impl Client {
    /// Task-run operations.
    pub fn task_runs(&self) -> TaskRuns {
        TaskRuns {
            client: self.clone(),
        }
    }
}

impl TaskRuns {
    /// Starts creating one run.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::{RunInput, TaskSpec};
    /// let run = client
    ///     .task_runs()
    ///     .create(RunInput::new("Who founded Stripe?").processor("base"))
    ///     .spec(&TaskSpec::text("The founders' names"))
    ///     .await?;
    /// println!("{} is {}", run.run_id, run.status);
    /// # Ok(()) }
    /// ```
    ///
    /// The POST creates a paid run, so a failure after the request may have
    /// reached the server (timeout, reset, 5xx) is returned, not retried.
    pub fn create(&self, run: RunInput) -> CreateRun {
        CreateRun {
            client: self.client.clone(),
            run,
            options: RequestOptions::new(),
        }
    }

    /// Fetches a run.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let run = client.task_runs().retrieve("trun_123").await?;
    /// println!("{}", run.status);
    /// # Ok(()) }
    /// ```
    pub fn retrieve(&self, run_id: &str) -> ReadRequest<TaskRun> {
        let run_id = run_id.to_owned();
        ReadRequest::new(&self.client, "task_run_retrieve", move |client| {
            let run_id = run_id.clone();
            async move {
                Ok(versioned!(&client, Call::read, task_run_retrieve, |b| b
                    .run_id(&run_id))
                .await?
                .into_inner())
            }
        })
    }

    /// Fetches the input a run was created with.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let input = client.task_runs().input("trun_123").await?;
    /// println!("{:?}", input.processor);
    /// # Ok(()) }
    /// ```
    pub fn input(&self, run_id: &str) -> ReadRequest<TaskRunInput> {
        let run_id = run_id.to_owned();
        ReadRequest::new(&self.client, "task_run_input", move |client| {
            let run_id = run_id.clone();
            async move {
                Ok(
                    versioned!(&client, Call::read, task_run_input, |b| b.run_id(&run_id))
                        .await?
                        .into_inner(),
                )
            }
        })
    }

    /// The result of a run; finish with [`send`](ResultRequest::send) (one
    /// request) or [`wait`](ResultRequest::wait) (until a deadline).
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let result = client.task_runs().result("trun_123").await?; // 408 while still running
    /// println!("{}", result.run.status);
    /// # Ok(()) }
    /// ```
    pub fn result(&self, run_id: &str) -> ResultRequest {
        ResultRequest::new(self.client.clone(), run_id)
    }
}

/// Builder for creating one run.
#[derive(Debug, Clone)]
#[must_use]
pub struct CreateRun {
    client: Client,
    run: RunInput,
    options: RequestOptions,
}

impl CreateRun {
    /// The run's spec.
    pub fn spec(mut self, spec: &TaskSpec) -> Self {
        self.run = self.run.task_spec(spec);
        self
    }

    /// The run's processor.
    pub fn processor(mut self, processor: impl Into<String>) -> Self {
        self.run = self.run.processor(processor);
        self
    }

    /// Creates the run (status `queued`).
    pub async fn send(self) -> Result<TaskRun, Error> {
        let client = self.client.with_options(self.options);
        let defaults = Defaults::default();
        self.run.check(None, &defaults, None)?;
        let body = self.run.to_wire(&defaults, None);
        let mut betas = Betas::default();
        betas.extend(client.client_betas());
        betas.add_for_run(&self.run);
        let header = betas.header();
        Ok(
            versioned!(&client, Call::create_runs, task_run_create, |b| {
                let mut b = b.body(body.clone());
                if let Some(h) = &header {
                    b = b.parallel_beta(h.clone());
                }
                b
            })
            .await?
            .into_inner(),
        )
    }
}

request_builder!(CreateRun => TaskRun, options: options);
