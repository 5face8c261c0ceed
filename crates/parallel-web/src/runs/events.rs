//! One run's event stream: its state, progress messages and progress stats
//! (`GET /v1/tasks/runs/{run_id}/events`, or `/v1beta/...`).
//!
//! Unlike the group streams this one has no cursor: the server closes it
//! after at most 570 s and it cannot be resumed. A reconnect would replay
//! every progress message, so this stream is not built on the resumable
//! machine and never reconnects once an event arrived: a drop or a close
//! while the run is still active is an error item, and the stream ends.
//! Opening it is asked again when the response headers do not come within
//! the stream idle timeout (nothing was delivered yet, so nothing repeats).
//! Bytes are read by the pump of `streams/body.rs` and decoded into the
//! generated types.

use std::borrow::Cow;
use std::pin::Pin;

use futures::stream::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::Value;

use std::sync::Arc;

use crate::client::request::Call;
use crate::client::retry::Backoff;
use crate::client::with_options::request_builder;
use crate::streams::body::{Pump, Pumped, event_stream_body};
use crate::streams::events::GroupEvents;
use crate::streams::resume::{Decode, Opener, first_connection};
use crate::streams::sse::Frame;
use crate::types::{self, TaskRunProgressMessageEvent, TaskRunProgressStatsEvent};
use crate::{ApiVersion, Client, Error, GroupEvent, RequestOptions, RunEvent};

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
    ///         RunStreamEvent::Message(m) => println!("{}: {}", m.type_, m.message),
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
            options: RequestOptions::new(),
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
    options: RequestOptions,
}

impl RunEventsRequest {
    /// Opens the stream. HTTP errors (unknown run, bad key) are returned
    /// here, with the server's message.
    pub async fn send(self) -> Result<RunEventStream, Error> {
        let settings = self.client.stream_settings().clone();
        let (client, id) = (self.client.with_options(self.options), self.run_id);
        let opener: Opener = Arc::new(move |_cursor| {
            let (client, id) = (client.clone(), id.clone());
            Box::pin(async move {
                let api = client.raw();
                let rv = match client.api_version() {
                    ApiVersion::V1 => {
                        client
                            .execute(Call::read("task_run_events"), || {
                                api.task_run_events().run_id(&id).send()
                            })
                            .await?
                    }
                    ApiVersion::V1Beta => {
                        client
                            .execute(Call::read("beta_task_run_events"), || {
                                api.beta_task_run_events().run_id(&id).send()
                            })
                            .await?
                    }
                };
                event_stream_body(rv, None)
            })
        });
        let mut backoff = Backoff::new(settings.backoff.clone());
        let body = first_connection(&opener, None, &settings, &mut backoff).await?;
        let reader = Reader {
            pump: Pump::new(body),
            run_inactive: false,
            done: false,
        };
        Ok(futures::stream::unfold(reader, Reader::next).boxed())
    }
}

request_builder!(RunEventsRequest => RunEventStream, options: options);

/// Reads one connection to its end.
struct Reader {
    pump: Pump,
    /// The last `task_run.state` said the run is no longer active.
    run_inactive: bool,
    done: bool,
}

impl Reader {
    async fn next(mut self) -> Option<(Result<RunStreamEvent, Error>, Reader)> {
        if self.done {
            return None;
        }
        let why = match self.pump.next(None, decode_run_event).await {
            Pumped::Event(event) => {
                if let Ok(RunStreamEvent::State(s)) = &event {
                    self.run_inactive = !s.run.is_active;
                }
                return Some((event, self));
            }
            Pumped::Ended if self.run_inactive => return None,
            Pumped::Ended => "the server closed the stream while the run was still active (run streams last at most 570 s)".to_owned(),
            Pumped::Broken(e) => format!("the connection broke ({e})"),
            Pumped::TooLarge => "an event was too large to read".to_owned(),
            // No deadline is given: a run's stream may be quiet for long.
            Pumped::Idle => "no event arrived in time".to_owned(),
        };
        self.done = true;
        let error = Error::Stream {
            message: format!(
                "{why}; run event streams cannot be resumed: open a new one (it starts again with the run's state and all progress messages) or wait for the result"
            ),
            last_event_id: None,
        };
        Some((Err(error), self))
    }
}

/// The event's `type` alone.
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

    /// The items of one connection serving `chunks`.
    async fn read(
        chunks: Vec<Result<&'static str, &'static str>>,
    ) -> Vec<Result<RunStreamEvent, Error>> {
        let body = futures::stream::iter(chunks.into_iter().map(|c| {
            c.map(|s| bytes::Bytes::from_static(s.as_bytes()))
                .map_err(str::to_owned)
        }));
        let reader = Reader {
            pump: Pump::new(body.boxed()),
            run_inactive: false,
            done: false,
        };
        futures::stream::unfold(reader, Reader::next)
            .collect()
            .await
    }

    fn run_state(active: bool) -> &'static str {
        format!(
            "data: {{\"type\":\"task_run.state\",\"event_id\":null,\"run\":{{\"run_id\":\"trun_1\",\"status\":\"running\",\"processor\":\"pro\",\"is_active\":{active}}}}}\n\n"
        )
        .leak()
    }

    #[tokio::test]
    async fn a_drop_is_an_error_item_and_the_stream_ends() {
        let items = read(vec![Ok(run_state(true)), Err("connection reset")]).await;
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(items[0].is_ok());
        assert!(
            matches!(&items[1], Err(Error::Stream { message, .. }) if message.contains("cannot be resumed")),
            "{items:?}"
        );
    }

    #[tokio::test]
    async fn it_ends_cleanly_only_after_the_run_is_inactive() {
        let items = read(vec![Ok(run_state(true)), Ok(run_state(false))]).await;
        assert_eq!(items.len(), 2);
        assert!(items.iter().all(Result::is_ok), "{items:?}");
        // Closed while the run is still active (the 570 s lifetime): an error.
        let items = read(vec![Ok(run_state(true))]).await;
        assert_eq!(items.len(), 2);
        assert!(matches!(items[1], Err(Error::Stream { .. })), "{items:?}");
    }
}
