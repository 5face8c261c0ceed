//! `execute`: create one run and wait for its result in one call, as the
//! Python SDK's `task_run.execute` does. Creating is `CreateRun`'s job
//! (`mod.rs`) and waiting the result long-poll's (`result.rs`, on the
//! shared waiter core); this module only chains them.

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::client::with_options::request_builder;
use crate::runs::CreateRun;
use crate::runs::result::typed_result;
use crate::types::TaskRunResult;
use crate::{Error, ResultRequest, RunInput, TaskRuns, TaskSpec, TypedResult};

impl TaskRuns {
    /// Creates one run and waits for its result: a
    /// [`create`](TaskRuns::create) followed by
    /// [`result(..).wait(..)`](ResultRequest::wait), with the per-call
    /// options of this builder on every request. Decode the output into
    /// your own type with [`typed`](Execute::typed).
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::{RunInput, TaskSpec};
    ///
    /// #[derive(serde::Serialize, schemars::JsonSchema)]
    /// struct Company { name: String }
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Founders { names: Vec<String> }
    ///
    /// let spec = TaskSpec::json::<Company, Founders>();
    /// let result = client
    ///     .task_runs()
    ///     .execute(RunInput::new(Company { name: "Stripe".into() }))
    ///     .spec(&spec)
    ///     .processor("core")
    ///     .typed::<Founders>()
    ///     .await?;
    /// println!("{:?}", result.output.names);
    /// # Ok(()) }
    /// ```
    ///
    /// The run is created once (the POST is not retried after a failure
    /// that may have reached the server, see [`create`](TaskRuns::create)).
    /// Once it exists, waiting ends with its result, with the server's
    /// error for a failed run, or with [`Error::WaitTimeout`] (naming the
    /// run, to wait for again) after [`max_wait`](Execute::max_wait).
    pub fn execute(&self, run: RunInput) -> Execute {
        Execute {
            create: self.create(run),
            max_wait: None,
        }
    }
}

/// Builder for creating a run and waiting for its result; finish with
/// [`send`](Execute::send) or `.await`. Made by [`TaskRuns::execute`].
///
/// ```no_run
/// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
/// use std::time::Duration;
/// use parallel_web::{RunInput, TaskSpec, WithOptions};
/// let result = client
///     .task_runs()
///     .execute(RunInput::new("Who founded Stripe?"))
///     .spec(&TaskSpec::text("The founders' names"))
///     .processor("base")
///     .max_wait(Duration::from_secs(1800))
///     .max_retries(4)
///     .await?;
/// println!("{:?}", result.output);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Execute {
    create: CreateRun,
    max_wait: Option<Duration>,
}

impl Execute {
    /// The run's spec.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::{RunInput, TaskSpec};
    /// let spec = TaskSpec::text("The founders' names");
    /// let result = client.task_runs().execute(RunInput::new("Stripe")).spec(&spec).await?;
    /// # let _ = result; Ok(()) }
    /// ```
    pub fn spec(mut self, spec: &TaskSpec) -> Self {
        self.create = self.create.spec(spec);
        self
    }

    /// The run's processor.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::RunInput;
    /// let result = client.task_runs().execute(RunInput::new("Stripe?")).processor("core").await?;
    /// # let _ = result; Ok(()) }
    /// ```
    pub fn processor(mut self, processor: impl Into<String>) -> Self {
        self.create = self.create.processor(processor);
        self
    }

    /// Give up waiting after this long (default: wait until the run
    /// finishes), with [`Error::WaitTimeout`]; the run goes on.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use std::time::Duration;
    /// use parallel_web::{Error, RunInput};
    /// let run = client.task_runs().execute(RunInput::new("Stripe?")).processor("ultra");
    /// match run.max_wait(Duration::from_secs(600)).await {
    ///     Err(Error::WaitTimeout(t)) => eprintln!("{t}"), // names the run, to wait again
    ///     other => println!("{:?}", other?.output),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = Some(max_wait);
        self
    }

    /// Decodes the output as `O`.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::{RunInput, TaskSpec};
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Founders { names: Vec<String> }
    /// let result = client
    ///     .task_runs()
    ///     .execute(RunInput::new("Stripe"))
    ///     .spec(&TaskSpec::output::<Founders>())
    ///     .typed::<Founders>()
    ///     .await?;
    /// println!("{:?}", result.output.names);
    /// # Ok(()) }
    /// ```
    pub fn typed<O: DeserializeOwned>(self) -> TypedExecute<O> {
        TypedExecute {
            inner: self,
            _type: std::marker::PhantomData,
        }
    }

    /// Creates the run, then waits for its result.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::RunInput;
    /// let result = client.task_runs().execute(RunInput::new("Stripe?")).send().await?;
    /// println!("{}", result.run.status);
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<TaskRunResult, Error> {
        let Execute {
            mut create,
            max_wait,
        } = self;
        let client = create
            .client
            .with_options(std::mem::take(&mut create.options));
        create.client = client.clone();
        let run = create.send().await?;
        tracing::info!(run_id = %run.run_id, "run created; waiting for its result");
        ResultRequest::new(client, &run.run_id)
            .wait_up_to(max_wait)
            .await
    }
}

request_builder!(Execute => TaskRunResult, options: create.options);

/// An [`Execute`] decoding the output as `O`; finish with
/// [`send`](TypedExecute::send) or `.await`.
///
/// ```no_run
/// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
/// use parallel_web::{RunInput, TypedExecute};
/// let request: TypedExecute<String> = client.task_runs().execute(RunInput::new("Stripe?")).typed();
/// let result = request.await?; // a text output decodes into a String
/// println!("{}", result.output);
/// # Ok(()) }
/// ```
#[must_use]
pub struct TypedExecute<O> {
    inner: Execute,
    _type: std::marker::PhantomData<fn() -> O>,
}

impl<O> std::fmt::Debug for TypedExecute<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl<O: DeserializeOwned> TypedExecute<O> {
    /// Creates the run, waits for its result and decodes its output
    /// ([`Error::Decode`] with the raw output when it does not fit `O`).
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::RunInput;
    /// let run = client.task_runs().execute(RunInput::new("Stripe?"));
    /// let result = run.typed::<String>().send().await?;
    /// # let _ = result; Ok(()) }
    /// ```
    pub async fn send(self) -> Result<TypedResult<O>, Error> {
        typed_result(self.inner.send().await?)
    }
}

request_builder!(
    impl<O> TypedExecute<O> => TypedResult<O>,
    options: inner.create.options,
    where O: DeserializeOwned + Send + 'static
);
