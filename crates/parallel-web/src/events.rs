//! The events of the group streams, decoded leniently.
//!
//! Dispatch is on the JSON `type`. Unknown types become [`Event::Unknown`]
//! (never an error). Fields the schema calls required but a server omitted
//! are filled with neutral values before decoding, so an older or newer
//! server does not break a stream.

use serde_json::{Map, Value};

use crate::Error;
use crate::stream::RawEvent;
use crate::types::{TaskGroupStatus, TaskRun, TaskRunEventOutput, TaskRunInput};

/// One event of a task-group stream (`runs` or `events`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// The group's status changed (`task_group_status`).
    GroupStatus {
        /// Cursor of this event.
        event_id: Option<String>,
        /// The new status.
        status: TaskGroupStatus,
    },
    /// A run's state (`task_run.state`).
    RunState(Box<RunEvent>),
    /// The server reported an error inside the stream (`error`).
    Error(StreamError),
    /// An event type this version does not know, passed through as is.
    Unknown {
        /// The event's `type`.
        kind: String,
        /// The event's JSON data.
        data: Value,
    },
}

/// An error the server reported inside a stream (an `error` event). The
/// stream goes on after it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StreamError {
    /// The server's message.
    pub message: String,
    /// The server's reference id, useful for support requests.
    pub ref_id: String,
    /// Extra detail, when present.
    pub detail: Option<Value>,
}

impl From<StreamError> for Error {
    fn from(e: StreamError) -> Error {
        Error::ServerEvent {
            message: e.message,
            ref_id: e.ref_id,
            detail: e.detail,
        }
    }
}

/// A run's state as reported in a stream.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RunEvent {
    /// Cursor of this event (resume after it with `last_event_id`).
    pub event_id: Option<String>,
    /// The run.
    pub run: TaskRun,
    /// The run's input, when requested.
    pub input: Option<TaskRunInput>,
    /// The run's output, when requested and the run completed.
    pub output: Option<TaskRunEventOutput>,
}

impl Event {
    /// The cursor of this event, if it has one.
    pub fn event_id(&self) -> Option<&str> {
        match self {
            Event::GroupStatus { event_id, .. } => event_id.as_deref(),
            Event::RunState(r) => r.event_id.as_deref(),
            Event::Unknown { data, .. } => data.get("event_id").and_then(Value::as_str),
            Event::Error(_) => None,
        }
    }
}

/// Decodes one raw event.
pub(crate) fn decode(raw: RawEvent) -> Result<Event, Error> {
    let RawEvent { kind, mut data } = raw;
    let event_id = data
        .get("event_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    match kind.as_str() {
        "task_group_status" => {
            let status = take_status(&mut data, "status")
                .ok_or_else(|| bad(&kind, &data, "no status object"))?;
            Ok(Event::GroupStatus { event_id, status })
        }
        "task_run.state" => {
            let run = data
                .get_mut("run")
                .map(Value::take)
                .map(fill_run)
                .ok_or_else(|| bad(&kind, &data, "no run object"))?;
            let run: TaskRun =
                serde_json::from_value(run).map_err(|e| bad(&kind, &data, &e.to_string()))?;
            let input = optional(&mut data, "input").map_err(|e| bad(&kind, &data, &e))?;
            let output = optional(&mut data, "output").map_err(|e| bad(&kind, &data, &e))?;
            Ok(Event::RunState(Box::new(RunEvent {
                event_id,
                run,
                input,
                output,
            })))
        }
        "error" => {
            let err = data.get("error").cloned().unwrap_or(Value::Null);
            Ok(Event::Error(StreamError {
                message: err
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("unspecified error")
                    .to_owned(),
                ref_id: err
                    .get("ref_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                detail: err.get("detail").filter(|d| !d.is_null()).cloned(),
            }))
        }
        _ => Ok(Event::Unknown { kind, data }),
    }
}

/// Decodes `data[key]` as a group status, filling omitted fields.
pub(crate) fn take_status(data: &mut Value, key: &str) -> Option<TaskGroupStatus> {
    let v = data
        .get_mut(key)
        .map(Value::take)
        .filter(Value::is_object)?;
    serde_json::from_value(fill_status(v)).ok()
}

fn optional<T: serde::de::DeserializeOwned>(
    data: &mut Value,
    key: &str,
) -> Result<Option<T>, String> {
    match data.get_mut(key).map(Value::take) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v)
            .map(Some)
            .map_err(|e| format!("{key}: {e}")),
    }
}

fn bad(kind: &str, data: &Value, message: &str) -> Error {
    Error::Decode {
        what: format!("`{kind}` event"),
        message: message.to_owned(),
        raw: data.to_string(),
    }
}

fn insert_default(m: &mut Map<String, Value>, key: &str, v: Value) {
    if !m.contains_key(key) {
        m.insert(key.to_owned(), v);
    }
}

/// Fills the run fields an older server may omit (e.g. `interaction_id`).
pub(crate) fn fill_run(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        let run_id = m
            .get("run_id")
            .cloned()
            .unwrap_or(Value::String(String::new()));
        insert_default(m, "run_id", run_id.clone());
        insert_default(m, "interaction_id", run_id);
        insert_default(m, "status", Value::String("unknown".into()));
        let active = matches!(
            m.get("status").and_then(Value::as_str),
            Some("queued" | "running" | "cancelling")
        );
        insert_default(m, "is_active", Value::Bool(active));
        insert_default(m, "processor", Value::String(String::new()));
        insert_default(m, "created_at", Value::Null);
        insert_default(m, "modified_at", Value::Null);
    }
    v
}

/// Fills the status fields a server may omit.
pub(crate) fn fill_status(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        insert_default(m, "task_run_status_counts", Value::Object(Map::new()));
        let counts = m.get("task_run_status_counts").and_then(Value::as_object);
        let total: i64 = counts.map_or(0, |c| c.values().filter_map(Value::as_i64).sum());
        let active = counts.is_some_and(|c| {
            ["queued", "running", "cancelling"]
                .iter()
                .any(|s| c.get(*s).and_then(Value::as_i64).unwrap_or(0) > 0)
        });
        insert_default(m, "num_task_runs", Value::from(total));
        insert_default(m, "is_active", Value::Bool(active));
        insert_default(m, "status_message", Value::Null);
        insert_default(m, "modified_at", Value::Null);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(data: Value) -> RawEvent {
        RawEvent {
            kind: data["type"].as_str().unwrap().to_owned(),
            data,
        }
    }

    #[test]
    fn a_run_event_from_an_older_server_still_decodes() {
        // The blog-era sample: no `interaction_id`, explicit nulls.
        let ev = decode(raw(json!({
            "type": "task_run.state", "event_id": null, "input": null, "output": null,
            "run": {"run_id": "trun_1", "status": "running", "is_active": true, "processor": "pro",
                    "metadata": {}, "created_at": "2025-08-06T00:52:58.619503Z", "modified_at": null}
        })))
        .unwrap();
        let Event::RunState(r) = ev else {
            panic!("{ev:?}")
        };
        assert_eq!(r.run.interaction_id, "trun_1");
        assert!(r.input.is_none() && r.output.is_none());
    }

    #[test]
    fn unknown_types_pass_through() {
        let ev = decode(raw(json!({"type": "task_group.fancy", "x": 1}))).unwrap();
        assert!(matches!(ev, Event::Unknown { ref kind, .. } if kind == "task_group.fancy"));
    }

    #[test]
    fn a_status_event_without_optional_fields_decodes() {
        let ev = decode(raw(json!({"type": "task_group_status", "event_id": "9",
            "status": {"task_run_status_counts": {"completed": 2}, "is_active": false}})))
        .unwrap();
        match ev {
            Event::GroupStatus { event_id, status } => {
                assert_eq!(event_id.as_deref(), Some("9"));
                assert_eq!(status.num_task_runs, 2);
                assert!(!status.is_active);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn error_events_keep_the_server_message() {
        let ev = decode(raw(
            json!({"type": "error", "error": {"ref_id": "r", "message": "boom"}}),
        ))
        .unwrap();
        assert!(matches!(ev, Event::Error(ref e) if e.message == "boom"));
    }
}
