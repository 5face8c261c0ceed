//! Single task runs: create, retrieve, read their input. Results and
//! waiting for them live in `result.rs`, a run's own event stream in
//! `events.rs`.

pub(crate) mod events;
pub(crate) mod result;

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use crate::client::request::{Call, versioned};
use crate::spec::beta::Betas;
use crate::spec::run_input::Defaults;
use crate::types::{TaskRun, TaskRunInput};
use crate::{Client, Error, ResultRequest, RunInput, TaskSpec};

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
            betas: Vec::new(),
        }
    }

    /// Fetches a run.
    pub async fn retrieve(&self, run_id: &str) -> Result<TaskRun, Error> {
        Ok(
            versioned!(&self.client, Call::read, task_run_retrieve, |b| b
                .run_id(run_id))
            .await?
            .into_inner(),
        )
    }

    /// Fetches the input a run was created with.
    pub async fn input(&self, run_id: &str) -> Result<TaskRunInput, Error> {
        Ok(versioned!(&self.client, Call::read, task_run_input, |b| b
            .run_id(run_id))
        .await?
        .into_inner())
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
    betas: Vec<String>,
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

    /// An extra beta feature for the `parallel-beta` header.
    pub fn beta(mut self, name: impl Into<String>) -> Self {
        self.betas.push(name.into());
        self
    }

    /// Creates the run (status `queued`).
    pub async fn send(self) -> Result<TaskRun, Error> {
        let defaults = Defaults::default();
        self.run.check(None, &defaults, None)?;
        let body = self.run.to_wire(&defaults, None);
        let mut betas = Betas::default();
        betas.extend(self.client.client_betas());
        betas.extend(&self.betas);
        betas.add_for_run(&self.run);
        let header = betas.header();
        Ok(
            versioned!(&self.client, Call::create_runs, task_run_create, |b| {
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

impl IntoFuture for CreateRun {
    type Output = Result<TaskRun, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
