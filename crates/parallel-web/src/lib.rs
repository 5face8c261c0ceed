#![doc = include_str!("../README.md")]
//!
//! # The main pieces
//!
//! - [`Client`] and [`ClientBuilder`]: configuration, [`Client::from_env`].
//! - [`TaskGroups`] and [`TaskGroup`]: create and retrieve groups,
//!   [`TaskGroup::add_runs`] (batching; [`BATCH_TAG_KEY`] says exactly what
//!   "exactly once" does and does not guarantee), [`TaskGroup::runs`] and
//!   [`TaskGroup::events`] (self-resuming streams), [`TaskGroup::wait`].
//! - [`TaskRuns`]: single runs, their results ([`ResultRequest::wait`]) and
//!   their event streams ([`TaskRuns::events`], which cannot be resumed).
//! - [`TaskSpec`], [`TypedRun`] and [`TypedResult`]: your own types in and out.
//! - [`Error`]: the one error type; [`Error::retry_class`] is the one retry
//!   predicate and [`RetryPolicy`] sets the delays.
//!
//! Requests are traced with one `parallel.request` span each (operation,
//! attempt, status, duration); bodies and the API key are never logged.
#![deny(missing_docs)]

mod add_runs;
mod api_error;
mod batch;
pub mod beta;
mod client;
mod error;
mod events;
mod group_streams;
mod input;
mod rate_budget;
mod request;
mod retry;
mod run_events;
mod spec;
mod stream;
mod task_groups;
mod task_runs;
mod typed;
mod wait;

pub use add_runs::AddRuns;
pub use batch::{AddRunsOutcome, BATCH_TAG_KEY, DuplicatedInput, MAX_RUNS_PER_POST};
pub use client::{
    ApiVersion, Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_RUN_POSTS_PER_MINUTE,
};
pub use error::{ApiError, Error, FieldError, WaitTimeout};
pub use events::{Event, RunEvent, StreamError};
pub use group_streams::{
    EventStream, EventsRequest, RunsRequest, TypedRunStream, TypedRunsRequest,
};
pub use input::{
    MAX_METADATA_KEY_CHARS, MAX_METADATA_VALUE_CHARS, MAX_SPEC_AND_INPUT_CHARS, McpServer,
    RunInput, SourcePolicy, Webhook,
};
pub use retry::{Jitter, RetryClass, RetryPolicy};
pub use run_events::{
    ProgressMessage, ProgressStats, RunEventStream, RunEventsRequest, RunStreamEvent,
};
pub use spec::{
    MAX_ENUM_VALUES, MAX_LARGE_ENUM_CHARS, MAX_SCHEMA_DEPTH, MAX_SCHEMA_PROPERTIES, MAX_SPEC_CHARS,
    TaskSpec, schema_of,
};
pub use task_groups::{CreateGroup, TaskGroup, TaskGroups};
pub use task_runs::{CreateRun, ResultRequest, TaskRuns, TypedResultRequest};
pub use typed::{TypedResult, TypedRun};
pub use wait::{GroupProgress, WaitForGroup};

/// Installs the TLS provider a `reqwest::Client` needs; call it before
/// building your own client for [`ClientBuilder::http_client`].
pub use parallel_web_api::install_tls_provider;

/// The API's wire types (generated from the OpenAPI spec).
pub mod types {
    pub use parallel_web_api::open::{TaskRunProgressMessageEventType, TaskRunStatus, WarningType};
    pub use parallel_web_api::types::*;
}
