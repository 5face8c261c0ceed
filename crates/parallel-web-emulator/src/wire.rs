//! What goes on the wire: response bodies and events, field for field.
//!
//! Field order follows the official schemas' property order and every
//! optional field is serialised, as an explicit `null` when absent, because
//! that is what the real (pydantic) server does. `RawValue` fields carry
//! client-supplied JSON through untouched (their key order included).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// `TaskGroupStatus`: all five keys always present.
#[derive(Serialize, Debug, Clone)]
pub struct TaskGroupStatus {
    pub num_task_runs: u64,
    pub task_run_status_counts: BTreeMap<&'static str, u64>,
    pub is_active: bool,
    pub status_message: Option<String>,
    pub modified_at: Option<String>,
}

/// `TaskGroupResponse`.
#[derive(Serialize, Debug)]
pub struct TaskGroupResponse<'a> {
    pub taskgroup_id: String,
    pub metadata: Option<&'a RawValue>,
    pub status: TaskGroupStatus,
    pub created_at: Option<String>,
}

/// `TaskGroupRunResponse`.
#[derive(Serialize, Debug)]
pub struct TaskGroupRunResponse {
    pub status: TaskGroupStatus,
    pub run_ids: Vec<String>,
    pub run_cursor: Option<String>,
    pub event_cursor: Option<String>,
}

/// `Error` (the SDKs call it `ErrorObject`).
#[derive(Serialize, Debug, Clone)]
pub struct ErrorObject {
    pub ref_id: String,
    pub message: String,
    pub detail: Option<serde_json::Value>,
}

/// `ErrorResponse`.
#[derive(Serialize, Debug)]
pub struct ErrorResponse {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub error: ErrorObject,
}

/// One entry of FastAPI's `HTTPValidationError.detail`.
#[derive(Serialize, Debug, Clone)]
pub struct ValidationError {
    pub loc: Vec<serde_json::Value>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// FastAPI's `HTTPValidationError`.
#[derive(Serialize, Debug)]
pub struct HttpValidationError {
    pub detail: Vec<ValidationError>,
}

/// `Warning`.
#[derive(Serialize, Debug, Clone)]
pub struct Warning {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub message: &'static str,
    pub detail: Option<()>,
}

/// `TaskRun`.
#[derive(Serialize, Debug)]
pub struct TaskRun<'a> {
    pub run_id: String,
    pub interaction_id: String,
    pub status: &'static str,
    pub is_active: bool,
    pub warnings: Option<Vec<Warning>>,
    pub error: Option<ErrorObject>,
    pub processor: &'static str,
    pub metadata: Option<&'a RawValue>,
    pub taskgroup_id: Option<String>,
    pub created_at: Option<String>,
    pub modified_at: Option<String>,
}

/// `TaskRunInput` as the server echoes it (GA property order, explicit nulls).
///
/// Also used, with `Deserialize`, to read back a stored input: the fields
/// borrow from the stored text, so reading is cheap.
#[derive(Serialize, Deserialize, Debug, Default)]
pub struct TaskRunInput<'a> {
    #[serde(borrow, default)]
    pub processor: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub metadata: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub source_policy: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub advanced_settings: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub task_spec: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub input: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub previous_interaction_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub memory_scope_key: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub mcp_servers: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub enable_events: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub webhook: Option<&'a RawValue>,
}

/// `Citation`.
#[derive(Serialize, Debug, Clone)]
pub struct Citation {
    pub title: Option<String>,
    pub url: String,
    pub excerpts: Option<Vec<String>>,
}

/// `FieldBasis`.
#[derive(Serialize, Debug, Clone)]
pub struct FieldBasis {
    pub field: String,
    pub citations: Vec<Citation>,
    pub reasoning: String,
    pub confidence: Option<&'static str>,
}

/// `TaskRunJsonOutput` / `TaskRunTextOutput` (GA order; the text variant has no `output_schema`).
#[derive(Serialize, Debug)]
#[serde(untagged)]
pub enum TaskRunOutput {
    /// `type: "json"`.
    Json {
        basis: Vec<FieldBasis>,
        #[serde(rename = "type")]
        kind: &'static str,
        mcp_tool_calls: Option<()>,
        beta_fields: Option<()>,
        content: serde_json::Value,
        output_schema: Option<serde_json::Value>,
    },
    /// `type: "text"`.
    Text {
        basis: Vec<FieldBasis>,
        #[serde(rename = "type")]
        kind: &'static str,
        mcp_tool_calls: Option<()>,
        beta_fields: Option<()>,
        content: String,
    },
}

/// `TaskRunResult`.
#[derive(Serialize, Debug)]
pub struct TaskRunResult<'a> {
    pub run: TaskRun<'a>,
    pub output: TaskRunOutput,
}

/// `TaskRunEvent` (`type: "task_run.state"`).
#[derive(Serialize, Debug)]
pub struct TaskRunEvent<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub event_id: Option<String>,
    pub input: Option<TaskRunInput<'a>>,
    pub run: TaskRun<'a>,
    pub output: Option<TaskRunOutput>,
}

/// `TaskGroupStatusEvent`.
#[derive(Serialize, Debug)]
pub struct TaskGroupStatusEvent {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub event_id: String,
    pub status: TaskGroupStatus,
}

/// `TaskRunProgressMessageEvent`.
#[derive(Serialize, Debug)]
pub struct ProgressMessageEvent {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub message: String,
    pub timestamp: Option<String>,
}

/// `TaskRunSourceStats`.
#[derive(Serialize, Debug)]
pub struct SourceStats {
    pub num_sources_considered: Option<u64>,
    pub num_sources_read: Option<u64>,
    pub sources_read_sample: Option<Vec<String>>,
}

/// `TaskRunProgressStatsEvent`.
#[derive(Serialize, Debug)]
pub struct ProgressStatsEvent {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub source_stats: SourceStats,
    pub progress_meter: f64,
}

/// Compact JSON of any wire value (serialising these types cannot fail).
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}
