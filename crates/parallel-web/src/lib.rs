#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
//!
//! # The main pieces
//!
//! - [`Client`] and [`ClientBuilder`]: configuration, [`Client::from_env`].
//! - [`TaskGroups`] and [`TaskGroup`]: create and retrieve groups,
//!   [`TaskGroup::add_runs`] (batching; [`BATCH_TAG_KEY`] says exactly what
//!   "exactly once" does and does not guarantee), [`TaskGroup::runs`] and
//!   [`TaskGroup::events`] (self-resuming streams), [`TaskGroup::wait`].
//! - [`TaskRuns`]: single runs, [`TaskRuns::execute`] (create and wait for
//!   the typed result in one call), their results ([`ResultRequest::wait`]) and
//!   their event streams ([`TaskRuns::events`], which cannot be resumed).
//! - [`TaskSpec`], [`RunInput`], [`TypedRun`] and [`TypedResult`]: your own
//!   types in and out; the wire model is the generated [`types`].
//! - [`FindAll`] (`client.findall()`) and [`FindAllRun`]: find every entity
//!   meeting match conditions, follow the run ([`FindAllRun::events`],
//!   [`FindAllRun::wait`]), read typed results and enrich the matches.
//! - [`Client::search`] and [`Client::extract`]: web search and reading
//!   given pages ([`ExtractResponse`] lists the pages that could not be read
//!   beside the ones that were).
//! - [`Client::monitors`]: monitors ([`Monitors`], [`Monitor`]): create,
//!   list every page as one stream, update, cancel, trigger, and a typed
//!   event stream over the pages ([`MonitorEvent`]).
//! - [`Client::memory`] (beta): retrieve, evict and clear memory scopes.
//! - [`RequestOptions`] and [`WithOptions`]: per-call timeout, retries,
//!   headers, query parameters and betas on every request builder, and
//!   [`Client::with_options`] for a client view with other defaults.
//! - [`webhooks`]: verify a webhook delivery's signature and read it as a
//!   typed event ([`webhooks::WebhookVerifier`]).
//! - [`Error`]: the one error type; [`Error::retry_class`] is the one retry
//!   predicate and [`RetryPolicy`] sets the delays.
//!
//! Requests are traced with one `parallel.request` span each (operation,
//! attempt, status, duration); bodies and the API key are never logged. The
//! library never installs a subscriber: see "Debug logging" above for every
//! target and field, and how to switch it on.
//!
//! # How the source is laid out
//!
//! - `client/`: configuration, the request layer every call goes through,
//!   per-call options, retries and the run-creation rate budget.
//! - `groups/`: task groups, adding runs (`add_runs.rs`, `batching.rs`),
//!   their run and event streams (`streams.rs`) and waiting for a group.
//! - `streams/`: SSE framing, the pump that reads a connection, the
//!   self-resuming machine and event decoding, for any endpoint.
//! - `runs/`: single runs, results, `execute` (create and wait) and a
//!   run's own event stream.
//! - `findall/`: FindAll runs: creating them, the run handle, their
//!   events, waiting and typed results.
//! - `monitors/`: monitors (create, update, list, events and their pages);
//!   `memory.rs`: memory scopes (beta).
//! - `search.rs`, `extract.rs`: search and extract builders, their limit
//!   checks and the extract response.
//! - `spec/`: task specs, run inputs and the `parallel-beta` header.
//! - `waiter.rs`: the deadline-and-backoff core both waiters share.
//! - `webhooks/`: verifying webhook deliveries and decoding their events
//!   (no client calls; usable in any receiver).
//! - `fuzz_runner.rs` (tests only): runs the `fuzz_` property tests, for a
//!   fixed number of cases or for `PW_FUZZ_SECONDS`.
#![deny(missing_docs)]

mod chat;
mod client;
mod error;
mod extract;
mod findall;
#[cfg(test)]
mod fuzz_runner;
mod groups;
mod memory;
mod monitors;
mod runs;
mod search;
mod spec;
mod streams;
mod waiter;
pub mod webhooks;

pub use chat::{CHAT_MODELS, Chat, ChatChunk, ChatCompletion, ChatStream};
pub use client::options::RequestOptions;
pub use client::read::ReadRequest;
pub use client::retry::{Jitter, RetryClass, RetryPolicy};
pub use client::with_options::WithOptions;
pub use client::{
    ApiVersion, Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_RUN_POSTS_PER_MINUTE,
    DEFAULT_SETTLE_WINDOW,
};
pub use error::{ApiError, DuplicatedInput, Error, FieldError, WaitTimeout};
pub use extract::{Extract, ExtractResponse, ExtractResult, MAX_EXTRACT_URLS};
pub use findall::create::{CreateFindAll, DEFAULT_MATCH_LIMIT, MAX_EXCLUDE_LIST};
pub use findall::events::{
    CandidateEventKind, FindAllEvent, FindAllEventStream, FindAllEventsRequest,
};
pub use findall::result::{
    FindAllResult, FindAllResultRequest, MatchStatus, TypedCandidate, TypedFindAllResultRequest,
};
pub use findall::run::{EnrichFindAll, FindAllRun};
pub use findall::wait::{FindAllProgress, WaitForFindAll};
pub use findall::{FindAll, MAX_MATCH_LIMIT, MIN_MATCH_LIMIT};
pub use groups::add_runs::{AddRuns, BatchRuns, BatchRunsRequest};
pub use groups::batching::{AddRunsOutcome, BATCH_TAG_KEY, MAX_RUNS_PER_POST, batch_tag};
pub use groups::streams::{
    EventsRequest, GroupEventStream, RunsRequest, TypedRunStream, TypedRunsRequest,
};
pub use groups::wait::{GroupProgress, WaitForGroup};
pub use groups::{CreateGroup, TaskGroup, TaskGroups};
pub use memory::{MAX_MEMORY_RESULTS, MEMORY_BETA, Memory, MemoryItem, MemoryKind, RetrieveMemory};
pub use monitors::events::MAX_MONITOR_EVENTS_PAGE;
pub use monitors::{
    CreateMonitor, ListMonitors, MAX_MONITOR_FREQUENCY, MIN_MONITOR_FREQUENCY, Monitor,
    MonitorEvent, MonitorEventStream, MonitorEventsPage, MonitorEventsRequest, MonitorStream,
    Monitors, UpdateMonitor,
};
pub use runs::events::{RunEventStream, RunEventsRequest};
pub use runs::execute::{Execute, TypedExecute};
pub use runs::result::{ResultRequest, TypedResult, TypedResultRequest};
pub use runs::{CreateRun, TaskRuns};
pub use search::{
    MAX_POLICY_DOMAINS, MAX_SESSION_ID_CHARS, MIN_FETCH_MAX_AGE_SECONDS, Search, SearchMode,
    SearchResponse, SearchResult,
};
pub use spec::beta;
pub use spec::run_input::{
    MAX_METADATA_KEY_CHARS, MAX_METADATA_VALUE_CHARS, MAX_SPEC_AND_INPUT_CHARS, MetadataValue,
    RunInput,
};
pub use spec::task_spec::{
    MAX_ENUM_VALUES, MAX_JSON_NESTING, MAX_LARGE_ENUM_CHARS, MAX_SCHEMA_DEPTH,
    MAX_SCHEMA_PROPERTIES, MAX_SPEC_CHARS, TaskSpec, schema_of,
};
pub use streams::events::{Basis, GroupEvent, RunEvent, TypedRun};
pub use streams::run_events::RunStreamEvent;

/// The default of [`ClientBuilder::max_response_bytes`]: 64 MiB.
pub use parallel_web_api::DEFAULT_MAX_RESPONSE_BYTES;

/// Installs the TLS provider a `reqwest::Client` needs; call it before
/// building your own client for [`ClientBuilder::http_client`].
pub use parallel_web_api::install_tls_provider;

/// The API's wire types (generated from the OpenAPI spec): what requests
/// send and streams carry.
pub mod types {
    pub use parallel_web_api::open::{
        FindAllCandidateEventType, FindAllMatchStatus, FindAllStatus, FindAllTerminationReason,
        TaskRunProgressMessageEventType, TaskRunStatus, WarningType,
    };
    pub use parallel_web_api::types::*;
    pub use parallel_web_api::{InputValue, InputValueError, SchemaText, SchemaTextError};
}
