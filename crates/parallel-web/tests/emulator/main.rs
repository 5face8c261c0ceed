//! The SDK against the emulator, over real HTTP on 127.0.0.1: one test
//! binary, one module per area, the shared helpers here.

mod basics;
mod batching;
mod chat;
mod findall;
mod findall_monitor_webhooks;
mod monitors;
mod options;
mod search_extract;
mod spec_fields;
mod streams;
mod waiting;
mod webhooks;

pub(crate) use std::collections::HashSet;
pub(crate) use std::time::Duration;

pub(crate) use futures::StreamExt;
pub(crate) use parallel_web::{
    AddRunsOutcome, ApiVersion, Client, ClientBuilder, Error, GroupEvent, Jitter, RetryPolicy,
    RunInput, RunStreamEvent, TaskGroup, TaskSpec,
};
pub(crate) use parallel_web_emulator::{Emulator, EmulatorBuilder, EmulatorHandle, Fault};
pub(crate) use schemars::JsonSchema;
pub(crate) use serde::{Deserialize, Serialize};
pub(crate) use serde_json::json;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub(crate) struct Question {
    /// Position of the input in the batch.
    pub n: u32,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct Answer {
    /// The answer.
    pub answer: String,
}

/// An emulator where runs finish at once, with a fixed seed.
pub(crate) fn instant() -> EmulatorBuilder {
    Emulator::builder().time_scale(0.0).seed(1)
}

/// Starts the emulator on a free loopback port.
pub(crate) async fn start(builder: EmulatorBuilder) -> EmulatorHandle {
    builder.start().await.expect("the emulator starts")
}

/// A client for the emulator, with the default settings.
pub(crate) fn client_for(emu: &EmulatorHandle) -> Client {
    configured(emu, |b| b)
}

/// A client for the emulator, with settings changed by `adjust`.
pub(crate) fn configured(
    emu: &EmulatorHandle,
    adjust: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> Client {
    let builder = Client::builder()
        .api_key(emu.api_key())
        .base_url(emu.base_url());
    adjust(builder).build().unwrap()
}

/// A client with a short settle window, for faults that commit before they
/// fail (`ambiguous_add_runs`, a status fault that answers before the
/// handler runs): nothing lands late, so the default 60 s would only slow
/// the test down.
pub(crate) fn quick_settle(emu: &EmulatorHandle) -> Client {
    configured(emu, |b| b.settle_window(Duration::from_millis(100)))
}

/// Inputs `{"n": 0}`, `{"n": 1}`, ...
pub(crate) fn questions(n: u32) -> Vec<Question> {
    (0..n).map(|n| Question { n }).collect()
}

/// Adds `questions(n)` as `lite` runs.
pub(crate) async fn add_questions(group: &TaskGroup, n: u32) -> AddRunsOutcome {
    group
        .add_runs(questions(n))
        .processor("lite")
        .send()
        .await
        .unwrap()
}

/// A new group holding `questions(n)` as `lite` runs.
pub(crate) async fn group_with(client: &Client, n: u32) -> (TaskGroup, AddRunsOutcome) {
    let group = client.task_groups().create().send().await.unwrap();
    let out = add_questions(&group, n).await;
    (group, out)
}

/// How many requests the emulator saw for one operation.
pub(crate) fn ops(emu: &EmulatorHandle, op: &str) -> u64 {
    emu.stats()
        .requests_per_operation
        .get(op)
        .copied()
        .unwrap_or(0)
}
