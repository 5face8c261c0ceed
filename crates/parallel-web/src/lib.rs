//! Rust SDK for the [Parallel](https://parallel.ai) Task Group API: typed
//! task specs and results, batches of any size submitted exactly once,
//! event streams that resume themselves, waiters and retries.
//!
//! # Quick start
//!
//! ```no_run
//! use std::time::Duration;
//! use futures::StreamExt;
//! use parallel_web::{Client, TaskSpec};
//! use schemars::JsonSchema;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, JsonSchema)]
//! struct CompanyInput {
//!     /// Name of the company
//!     company_name: String,
//!     /// Company website URL
//!     company_website: String,
//! }
//!
//! #[derive(Deserialize, JsonSchema)]
//! struct CompanyOutput {
//!     /// Key business insights
//!     key_insights: Vec<String>,
//!     /// Market positioning analysis
//!     market_position: String,
//! }
//!
//! # async fn demo() -> Result<(), parallel_web::Error> {
//! // PARALLEL_API_KEY, PARALLEL_BASE_URL, PARALLEL_CUSTOM_HEADERS
//! let client = Client::from_env()?;
//! let spec = TaskSpec::json::<CompanyInput, CompanyOutput>();
//! let companies = vec![CompanyInput {
//!     company_name: "Stripe".into(),
//!     company_website: "https://stripe.com".into(),
//! }];
//!
//! let group = client.task_groups().create().metadata([("project", "q4")]).send().await?;
//! let added = group.add_runs(&companies).processor("pro").default_spec(&spec).send().await?;
//! println!("{} runs", added.run_ids.len());
//!
//! let status = group
//!     .wait()
//!     .on_progress(|p| eprintln!("{p}"))
//!     .max_wait(Duration::from_secs(3600))
//!     .await?;
//! println!("done: {} runs", status.num_task_runs);
//!
//! let mut results = group
//!     .runs()
//!     .include_input()
//!     .include_output()
//!     .typed::<CompanyInput, CompanyOutput>()
//!     .await?;
//! while let Some(run) = results.next().await {
//!     match run {
//!         Ok(run) => {
//!             if let (Some(input), Some(output)) = (run.input, run.output) {
//!                 println!("{}: {}", input.company_name, output.market_position);
//!             }
//!         }
//!         Err(e) => eprintln!("{e}"),
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # What the SDK does for you
//!
//! - **Batching**: [`TaskGroup::add_runs`] takes any number of inputs, checks
//!   them all before sending anything, splits them into POSTs of at most
//!   1,000, keeps a few in flight under the run-creation rate budget and
//!   returns the run ids in input order.
//! - **Exactly once**: an add-runs POST that fails after it may have reached
//!   the server is never resent blindly; tagged runs ([`BATCH_TAG_KEY`]) are
//!   looked up and only the missing ones are submitted.
//! - **Retries**: the official SDKs' policy ([`RetryPolicy`]), one predicate
//!   ([`Error::retry_class`]) used everywhere.
//! - **Streams** resume from the last `event_id` after drops and idle periods.
//! - **Waiters** follow the event stream, fall back to polling, and report
//!   progress.
//!
//! Requests are traced with one `parallel.request` span each (operation,
//! attempt, status, duration); bodies and the API key are never logged.
#![deny(missing_docs)]

mod add_runs;
mod batch;
pub mod beta;
mod client;
mod error;
mod events;
mod group_streams;
mod input;
mod rate_budget;
mod retry;
mod spec;
mod stream;
mod task_groups;
mod task_runs;
mod typed;
mod wait;

pub use add_runs::AddRuns;
pub use batch::{AddRunsOutcome, BATCH_TAG_KEY, MAX_RUNS_PER_POST};
pub use client::{
    ApiVersion, Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_RUN_POSTS_PER_MINUTE,
};
pub use error::{ApiError, Error, FieldError, WaitTimeout};
pub use events::{Event, RunEvent};
pub use group_streams::{
    EventStream, EventsRequest, RunsRequest, TypedRunStream, TypedRunsRequest,
};
pub use input::{
    MAX_METADATA_KEY_CHARS, MAX_METADATA_VALUE_CHARS, MAX_SPEC_AND_INPUT_CHARS, McpServer,
    RunInput, SourcePolicy, Webhook,
};
pub use retry::{Jitter, RetryClass, RetryPolicy};
pub use spec::{MAX_SCHEMA_DEPTH, MAX_SCHEMA_PROPERTIES, MAX_SPEC_CHARS, TaskSpec, schema_of};
pub use task_groups::{CreateGroup, TaskGroup, TaskGroups};
pub use task_runs::{CreateRun, ResultRequest, TaskRuns, TypedResultRequest};
pub use typed::{TypedResult, TypedRun};
pub use wait::{GroupProgress, WaitForGroup};

/// The API's wire types (generated from the OpenAPI spec).
pub mod types {
    pub use parallel_web_api::open::TaskRunStatus;
    pub use parallel_web_api::types::*;
}
