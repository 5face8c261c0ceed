//! One run's event stream: its state, progress messages and progress stats
//! (`GET /v1/tasks/runs/{run_id}/events`, or `/v1beta/...`).
//!
//! Unlike the group streams this one has no cursor: the server closes it
//! after at most 570 s and it cannot be resumed. A reconnect would replay
//! every progress message, so the SDK never reconnects silently: a drop or
//! a close while the run is still active is an error item, and the stream
//! ends. The group streams live in `group_streams.rs`.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use futures::stream::{Stream, StreamExt};
use serde_json::{Map, Value};

use crate::events::{Event, RunEvent, StreamError, decode};
use crate::request::Call;
use crate::stream::{self, EndRule, Opener, RawEvent, from_reqwest};
use crate::types::{TaskRunProgressMessageEventType, TaskRunSourceStats};
use crate::{ApiVersion, Client, Error};

/// A stream of one run's events.
pub type RunEventStream = Pin<Box<dyn Stream<Item = Result<RunStreamEvent, Error>> + Send>>;

/// One event of a single run's stream.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RunStreamEvent {
    /// The run's state (`task_run.state`): the first event of every
    /// connection, and the last one, which carries the output when the run
    /// completed.
    State(Box<RunEvent>),
    /// A progress message (`task_run.progress_msg.*`; the set of kinds is open).
    Message(ProgressMessage),
    /// Progress statistics (`task_run.progress_stats`).
    Stats(ProgressStats),
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

/// A progress message of a run.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ProgressMessage {
    /// What kind of step it reports (plan, search, tool call, ...); kinds
    /// this version does not know are kept as `Other`.
    pub kind: TaskRunProgressMessageEventType,
    /// The message, for people to read.
    pub message: String,
    /// When it was produced (RFC 3339), when the server said.
    pub timestamp: Option<String>,
}

/// How far a run has got, as the server estimates it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ProgressStats {
    /// Sources considered and read so far.
    pub source_stats: TaskRunSourceStats,
    /// Progress from 0 to 100, when the server sent it (it is sometimes
    /// left out).
    pub progress_meter: Option<f64>,
}

impl crate::TaskRuns {
    /// A run's event stream: its state, progress messages and stats, ending
    /// with its final state. Progress events need a processor of `pro` or
    /// above, or a run created with
    /// [`RunInput::enable_events`](crate::RunInput::enable_events).
    ///
    /// The server closes these streams after at most 570 s and they cannot
    /// be resumed: a drop surfaces as an [`Error::Stream`] item, never as a
    /// silent replay. Open a new stream to continue (it starts again with
    /// the run's state and every progress message so far).
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use futures::StreamExt;
    /// use parallel_web::RunStreamEvent;
    /// let mut events = client.task_runs().events("trun_123").await?;
    /// while let Some(event) = events.next().await {
    ///     match event? {
    ///         RunStreamEvent::Message(m) => println!("{}: {}", m.kind, m.message),
    ///         RunStreamEvent::Stats(s) => println!("{:?}%", s.progress_meter),
    ///         RunStreamEvent::State(s) => println!("run is {}", s.run.status),
    ///         _ => {}
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn events(&self, run_id: &str) -> RunEventsRequest {
        RunEventsRequest {
            client: self.client.clone(),
            run_id: run_id.to_owned(),
        }
    }
}

/// Builder for a run's event stream; finish with
/// [`send`](RunEventsRequest::send) or `.await`.
#[derive(Debug, Clone)]
#[must_use]
pub struct RunEventsRequest {
    client: Client,
    run_id: String,
}

impl RunEventsRequest {
    /// Opens the stream. HTTP errors (unknown run, bad key) are returned
    /// here, with the server's message.
    pub async fn send(self) -> Result<RunEventStream, Error> {
        let (client, run_id) = (self.client, self.run_id);
        let mut settings = client.stream_settings().clone();
        // A quiet stretch (keep-alives only) is normal while a run works, and
        // ending the stream for it would force a replay: no idle timeout.
        // A dead connection still ends with the client's read timeout.
        settings.idle_timeout = None;
        // The cursor is always `None`: these streams have none, and the
        // machine never reopens them (`EndRule::RunFinished`).
        let opener: Opener = Arc::new(move |_cursor: Option<String>| {
            let (client, run_id) = (client.clone(), run_id.clone());
            Box::pin(async move {
                let api = client.raw();
                let id = run_id.as_str();
                let rv = match client.api_version() {
                    ApiVersion::V1 => {
                        client
                            .execute(Call::read("task_run_events"), || {
                                api.task_run_events().run_id(id).send()
                            })
                            .await?
                    }
                    ApiVersion::V1Beta => {
                        client
                            .execute(Call::read("beta_task_run_events"), || {
                                api.beta_task_run_events().run_id(id).send()
                            })
                            .await?
                    }
                };
                Ok(from_reqwest(rv.into_inner_stream()))
            })
        });
        let raw = stream::open(opener, settings, EndRule::RunFinished, None).await?;
        Ok(raw.map(|r| r.and_then(decode_run_event)).boxed())
    }
}

impl IntoFuture for RunEventsRequest {
    type Output = Result<RunEventStream, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// Decodes one raw event of a run stream, leniently: missing fields of the
/// progress events are filled, unknown types pass through.
pub(crate) fn decode_run_event(raw: RawEvent) -> Result<RunStreamEvent, Error> {
    let RawEvent { kind, data } = raw;
    if kind.starts_with("task_run.progress_msg") {
        let message = data
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let timestamp = data
            .get("timestamp")
            .and_then(Value::as_str)
            .map(str::to_owned);
        return Ok(RunStreamEvent::Message(ProgressMessage {
            kind: TaskRunProgressMessageEventType::from(kind.as_str()),
            message,
            timestamp,
        }));
    }
    if kind == "task_run.progress_stats" {
        let mut stats = data
            .get("source_stats")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        fill_nulls(
            &mut stats,
            &[
                "num_sources_considered",
                "num_sources_read",
                "sources_read_sample",
            ],
        );
        let source_stats =
            serde_json::from_value(Value::Object(stats)).map_err(|e| Error::Decode {
                what: "`task_run.progress_stats` event".into(),
                message: e.to_string(),
                raw: data.to_string(),
            })?;
        return Ok(RunStreamEvent::Stats(ProgressStats {
            source_stats,
            progress_meter: data.get("progress_meter").and_then(Value::as_f64),
        }));
    }
    if kind == "task_group_status" {
        // Not expected on a run stream; keep it rather than guess.
        return Ok(RunStreamEvent::Unknown { kind, data });
    }
    Ok(match decode(RawEvent { kind, data })? {
        Event::RunState(r) => RunStreamEvent::State(r),
        Event::Error(e) => RunStreamEvent::Error(e),
        Event::Unknown { kind, data } => RunStreamEvent::Unknown { kind, data },
        // `task_group_status` was passed through as Unknown above.
        Event::GroupStatus { .. } => RunStreamEvent::Unknown {
            kind: "task_group_status".into(),
            data: Value::Null,
        },
    })
}

fn fill_nulls(m: &mut Map<String, Value>, keys: &[&str]) {
    for k in keys {
        m.entry(*k).or_insert(Value::Null);
    }
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
    fn progress_message_kinds_are_an_open_set() {
        let ev = decode_run_event(raw(json!({"type": "task_run.progress_msg.tool",
            "message": "Calling a tool", "timestamp": null})))
        .unwrap();
        match ev {
            RunStreamEvent::Message(m) => {
                assert_eq!(m.kind.as_str(), "task_run.progress_msg.tool");
                assert_eq!(m.message, "Calling a tool");
            }
            other => panic!("{other:?}"),
        }
        let ev = decode_run_event(raw(json!({"type": "task_run.progress_msg.plan",
            "message": "Plan", "timestamp": "2025-08-06T00:52:59.786126Z"})))
        .unwrap();
        assert!(matches!(ev, RunStreamEvent::Message(ref m)
            if m.kind == TaskRunProgressMessageEventType::Plan && m.timestamp.is_some()));
    }

    #[test]
    fn stats_without_a_progress_meter_still_decode() {
        // The documented sample: no `progress_meter`, one stats field left out.
        let ev = decode_run_event(raw(json!({"type": "task_run.progress_stats",
            "source_stats": {"num_sources_considered": 223, "num_sources_read": 22}})))
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
        let state = decode_run_event(raw(json!({"type": "task_run.state", "event_id": null,
            "run": {"run_id": "trun_1", "status": "running", "is_active": true, "processor": "pro"}})))
        .unwrap();
        assert!(matches!(state, RunStreamEvent::State(ref r) if r.run.run_id == "trun_1"));
        let err = decode_run_event(raw(
            json!({"type": "error", "error": {"ref_id": "r", "message": "boom"}}),
        ))
        .unwrap();
        assert!(matches!(err, RunStreamEvent::Error(ref e) if e.message == "boom"));
        let new = decode_run_event(raw(json!({"type": "task_run.brand_new", "x": 1}))).unwrap();
        assert!(
            matches!(new, RunStreamEvent::Unknown { ref kind, .. } if kind == "task_run.brand_new")
        );
    }
}
