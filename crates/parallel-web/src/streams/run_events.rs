//! Decoding the events of a single run's stream (state, progress messages,
//! progress stats, errors) into the generated types; unknown types pass
//! through. The stream itself is opened and read in `runs/events.rs`.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::streams::events::{GroupEvent, GroupEvents, RunEvent};
use crate::streams::resume::Decode;
use crate::streams::sse::Frame;
use crate::types::{self, TaskRunProgressMessageEvent, TaskRunProgressStatsEvent};

/// One event of a single run's stream.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RunStreamEvent {
    /// The run's state (`task_run.state`): the first event of every
    /// connection, and the last one, which carries the output when the run
    /// completed.
    State(Box<RunEvent>),
    /// A progress message (`task_run.progress_msg.*`; its `type_` is an
    /// open set of kinds).
    Message(TaskRunProgressMessageEvent),
    /// Progress statistics (`task_run.progress_stats`).
    Stats(TaskRunProgressStatsEvent),
    /// The server reported an error inside the stream (`error`).
    Error(types::Error),
    /// An event type this version does not know, passed through as is.
    Unknown {
        /// The event's `type`.
        kind: String,
        /// The event's JSON data.
        data: Value,
    },
}

#[derive(Deserialize)]
struct Kind<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
}

/// Decodes one event of a run stream into the generated types; unknown
/// types pass through.
pub(crate) fn decode_run_event(frame: &Frame<'_>) -> Result<RunStreamEvent, Error> {
    let kind = serde_json::from_slice::<Kind<'_>>(&frame.data)
        .ok()
        .and_then(|k| k.kind)
        .unwrap_or_else(|| String::from_utf8_lossy(frame.event).into_owned().into());
    let bad = |e: serde_json::Error| Error::Decode {
        what: format!("`{kind}` event"),
        message: e.to_string(),
        raw: String::from_utf8_lossy(&frame.data).into_owned(),
    };
    if kind.starts_with("task_run.progress_msg") {
        return serde_json::from_slice(&frame.data)
            .map(RunStreamEvent::Message)
            .map_err(bad);
    }
    if kind == "task_run.progress_stats" {
        return serde_json::from_slice(&frame.data)
            .map(RunStreamEvent::Stats)
            .map_err(bad);
    }
    let decoded = GroupEvents {
        end_when_inactive: false,
    }
    .decode(frame);
    match decoded.item {
        Some(Ok(GroupEvent::RunState(r))) => Ok(RunStreamEvent::State(r)),
        Some(Ok(GroupEvent::Error(e))) => Ok(RunStreamEvent::Error(e)),
        Some(Err(e)) => Err(e),
        // Unknown types, and a group status (not expected here): kept as they came.
        _ => Ok(RunStreamEvent::Unknown {
            kind: kind.into_owned(),
            data: serde_json::from_slice(&frame.data).unwrap_or(Value::Null),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(data: Value) -> Result<RunStreamEvent, Error> {
        let bytes = data.to_string().into_bytes();
        decode_run_event(&Frame {
            event: b"",
            data: Cow::Borrowed(&bytes),
        })
    }

    #[test]
    fn progress_message_kinds_are_an_open_set() {
        let ev = decode(json!({"type": "task_run.progress_msg.tool",
            "message": "Calling a tool", "timestamp": null}))
        .unwrap();
        match ev {
            RunStreamEvent::Message(m) => {
                assert_eq!(m.type_.as_str(), "task_run.progress_msg.tool");
                assert_eq!(m.message, "Calling a tool");
            }
            other => panic!("{other:?}"),
        }
        let ev = decode(json!({"type": "task_run.progress_msg.plan",
            "message": "Plan", "timestamp": "2025-08-06T00:52:59.786126Z"}))
        .unwrap();
        assert!(matches!(ev, RunStreamEvent::Message(ref m)
            if m.type_ == crate::types::TaskRunProgressMessageEventType::Plan && m.timestamp.is_some()));
    }

    #[test]
    fn stats_without_a_progress_meter_still_decode() {
        // The documented sample: no `progress_meter`, one stats field left out.
        let ev = decode(json!({"type": "task_run.progress_stats",
            "source_stats": {"num_sources_considered": 223, "num_sources_read": 22}}))
        .unwrap();
        match ev {
            RunStreamEvent::Stats(s) => {
                assert_eq!(s.progress_meter, None);
                assert_eq!(s.source_stats.num_sources_considered, Some(223));
                assert_eq!(s.source_stats.sources_read_sample, None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn states_errors_and_unknown_types_map_to_their_variants() {
        let state = decode(json!({"type": "task_run.state", "event_id": null,
            "run": {"run_id": "trun_1", "status": "running", "is_active": true, "processor": "pro"}}))
        .unwrap();
        assert!(matches!(state, RunStreamEvent::State(ref r) if r.run.run_id == "trun_1"));
        let err =
            decode(json!({"type": "error", "error": {"ref_id": "r", "message": "boom"}})).unwrap();
        assert!(matches!(err, RunStreamEvent::Error(ref e) if e.message == "boom"));
        let new = decode(json!({"type": "task_run.brand_new", "x": 1})).unwrap();
        assert!(
            matches!(new, RunStreamEvent::Unknown { ref kind, .. } if kind == "task_run.brand_new")
        );
    }
}
