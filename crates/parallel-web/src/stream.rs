//! Server-sent-event streams that resume themselves.
//!
//! Modelled on kube-rs' watcher: an explicit state machine driven by
//! [`futures::stream::unfold`]. It remembers the last `event_id` seen and,
//! when the connection drops, goes idle or fails in a retryable way, reopens
//! the stream from that cursor, so no event is lost or repeated. Decoding of
//! event kinds lives in `events.rs`; opening a connection is a function given
//! by the caller, so this module knows nothing about endpoints.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use eventsource_stream::{EventStream, Eventsource};
use futures::stream::{BoxStream, Stream, StreamExt};
use serde_json::Value;

use crate::Error;
use crate::retry::{Backoff, RetryPolicy};

/// The body of an open SSE response, as chunks of bytes.
pub(crate) type ByteChunks = BoxStream<'static, Result<Bytes, String>>;

/// Opens the stream at a cursor (`None` = from the start).
pub(crate) type Opener = Arc<
    dyn Fn(Option<String>) -> Pin<Box<dyn Future<Output = Result<ByteChunks, Error>> + Send>>
        + Send
        + Sync,
>;

/// When a stream is finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndRule {
    /// A snapshot: a clean end of the HTTP body ends the stream.
    AtEndOfBody,
    /// A live feed: ends after a `task_group_status` with `is_active: false`;
    /// a clean end of the body before that is a reason to reconnect.
    WhenGroupInactive,
    /// A single run's events: the server offers no cursor, so the stream is
    /// never reopened (a new connection would replay the progress
    /// messages). A clean end of the body after a `task_run.state` with an
    /// inactive run ends it; any other end (drop, idle, closed while the
    /// run is active) is an error item, and the stream ends.
    RunFinished,
}

/// How a resumable stream reconnects.
#[derive(Debug, Clone)]
pub(crate) struct ResumeSettings {
    /// Reconnect when no event arrived for this long (keep-alive comments do
    /// not count).
    pub idle_timeout: Option<Duration>,
    /// Delays between reconnects; reset whenever an event arrives.
    pub backoff: RetryPolicy,
    /// Consecutive failed reconnects before the stream gives up with an error.
    pub max_failures: u32,
}

impl Default for ResumeSettings {
    fn default() -> Self {
        ResumeSettings {
            idle_timeout: Some(Duration::from_secs(120)),
            backoff: RetryPolicy::default(),
            max_failures: 8,
        }
    }
}

/// One event as received: its `type` and its JSON data.
#[derive(Debug, Clone)]
pub(crate) struct RawEvent {
    pub kind: String,
    pub data: Value,
}

/// The states of the machine, one per situation.
enum State {
    /// About to (re)open the stream at `cursor` once `delay` has passed.
    Reconnecting {
        cursor: Option<String>,
        delay: Duration,
    },
    /// Reading from an open connection. `cursor` is the last `event_id` read.
    Streaming {
        events: Box<EventStream<ByteChunks>>,
        cursor: Option<String>,
        got_any: bool,
    },
    /// Finished: clean end, final status seen, or gave up.
    Done,
}

struct Machine {
    state: State,
    opener: Opener,
    settings: ResumeSettings,
    end: EndRule,
    backoff: Backoff,
    /// The last `task_run.state` seen said the run is no longer active.
    run_inactive: bool,
}

/// Opens the stream (HTTP errors surface here, with the server's body) and
/// returns the self-resuming stream of events.
pub(crate) async fn open(
    opener: Opener,
    settings: ResumeSettings,
    end: EndRule,
    cursor: Option<String>,
) -> Result<impl Stream<Item = Result<RawEvent, Error>> + Send + 'static, Error> {
    let body = opener(cursor.clone()).await?;
    let machine = Machine {
        state: State::Streaming {
            events: Box::new(body.eventsource()),
            cursor,
            got_any: false,
        },
        backoff: Backoff::new(settings.backoff.clone()),
        opener,
        settings,
        end,
        run_inactive: false,
    };
    Ok(futures::stream::unfold(machine, step))
}

/// What happened while waiting for the next event.
enum Next {
    Event(eventsource_stream::Event),
    Broken(String),
    Ended,
    Idle,
}

async fn step(mut m: Machine) -> Option<(Result<RawEvent, Error>, Machine)> {
    loop {
        match std::mem::replace(&mut m.state, State::Done) {
            State::Done => return None,
            State::Reconnecting { cursor, delay } => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                match (m.opener)(cursor.clone()).await {
                    Ok(body) => {
                        tracing::debug!(cursor = cursor.as_deref(), "event stream reopened");
                        m.state = State::Streaming {
                            events: Box::new(body.eventsource()),
                            cursor,
                            got_any: false,
                        };
                    }
                    Err(e) if e.is_retryable() => match m.backoff.fail(m.settings.max_failures) {
                        Some(delay) => {
                            tracing::debug!(error = %e, "event stream reopen failed; retrying");
                            m.state = State::Reconnecting { cursor, delay };
                        }
                        None => return Some((Err(give_up(&e.to_string(), cursor)), m)),
                    },
                    // Not retryable (unknown cursor, group gone, auth): the
                    // server's answer is the error the caller needs.
                    Err(e) => return Some((Err(e), m)),
                }
            }
            State::Streaming {
                mut events,
                cursor,
                got_any,
            } => {
                let next = match m.settings.idle_timeout {
                    Some(t) => match tokio::time::timeout(t, events.next()).await {
                        Ok(n) => to_next(n),
                        Err(_) => Next::Idle,
                    },
                    None => to_next(events.next().await),
                };
                match next {
                    Next::Event(ev) => {
                        m.backoff.reset();
                        return Some(m.accept(ev, events, cursor));
                    }
                    Next::Ended if m.end == EndRule::AtEndOfBody => return None,
                    Next::Ended if m.end == EndRule::RunFinished && m.run_inactive => return None,
                    next if m.end == EndRule::RunFinished => {
                        return Some((Err(not_resumable(next, m.settings.idle_timeout)), m));
                    }
                    Next::Ended if got_any => {
                        // A live feed the server closed while still active:
                        // carry on from the cursor straight away.
                        m.state = State::Reconnecting {
                            cursor,
                            delay: Duration::ZERO,
                        };
                    }
                    Next::Idle => {
                        tracing::debug!("event stream idle; reconnecting");
                        m.state = State::Reconnecting {
                            cursor,
                            delay: Duration::ZERO,
                        };
                    }
                    Next::Ended | Next::Broken(_) => {
                        let why = match next {
                            Next::Broken(why) => why,
                            _ => "the server closed the stream without any event".to_owned(),
                        };
                        match m.backoff.fail(m.settings.max_failures) {
                            Some(delay) => {
                                tracing::debug!(error = %why, "event stream dropped; resuming");
                                m.state = State::Reconnecting { cursor, delay };
                            }
                            None => return Some((Err(give_up(&why, cursor)), m)),
                        }
                    }
                }
            }
        }
    }
}

impl Machine {
    /// Turns one SSE message into an item, moving the cursor forward.
    fn accept(
        mut self,
        ev: eventsource_stream::Event,
        events: Box<EventStream<ByteChunks>>,
        mut cursor: Option<String>,
    ) -> (Result<RawEvent, Error>, Machine) {
        let data: Value = match serde_json::from_str(&ev.data) {
            Ok(v) => v,
            Err(e) => {
                self.state = State::Streaming {
                    events,
                    cursor,
                    got_any: true,
                };
                let err = Error::Decode {
                    what: format!("stream event `{}`", ev.event),
                    message: e.to_string(),
                    raw: ev.data,
                };
                return (Err(err), self);
            }
        };
        // Dispatch on the JSON `type`; the SSE `event:` line is only a fallback.
        let kind = data
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or(ev.event);
        if let Some(id) = data.get("event_id").and_then(Value::as_str) {
            cursor = Some(id.to_owned());
        }
        if kind == "task_run.state" {
            self.run_inactive = data.pointer("/run/is_active") == Some(&Value::Bool(false));
        }
        let last = self.end == EndRule::WhenGroupInactive
            && kind == "task_group_status"
            && data.pointer("/status/is_active") == Some(&Value::Bool(false));
        self.state = if last {
            State::Done
        } else {
            State::Streaming {
                events,
                cursor,
                got_any: true,
            }
        };
        (Ok(RawEvent { kind, data }), self)
    }
}

fn to_next(
    n: Option<Result<eventsource_stream::Event, eventsource_stream::EventStreamError<String>>>,
) -> Next {
    match n {
        Some(Ok(ev)) => Next::Event(ev),
        Some(Err(e)) => Next::Broken(e.to_string()),
        None => Next::Ended,
    }
}

fn give_up(why: &str, cursor: Option<String>) -> Error {
    Error::Stream {
        message: format!(
            "{why}; gave up after repeated reconnects (resume later from last_event_id {})",
            cursor.as_deref().unwrap_or("<start>")
        ),
        last_event_id: cursor,
    }
}

/// Why a run event stream ended early, as the error the consumer sees.
fn not_resumable(next: Next, idle: Option<Duration>) -> Error {
    let why = match next {
        Next::Broken(e) => format!("the connection broke ({e})"),
        Next::Idle => format!(
            "no event arrived for {:?}",
            idle.unwrap_or_default()
        ),
        _ => "the server closed the stream while the run was still active (run streams last at most 570 s)".to_owned(),
    };
    Error::Stream {
        message: format!(
            "{why}; run event streams cannot be resumed: open a new one (it starts again with the run's state and all progress messages) or wait for the result"
        ),
        last_event_id: None,
    }
}

/// Adapts a generated `ByteStream` body to [`ByteChunks`].
pub(crate) fn from_reqwest<S>(body: S) -> ByteChunks
where
    S: Stream<Item = reqwest::Result<Bytes>> + Send + 'static,
{
    body.map(|r| r.map_err(|e| e.to_string())).boxed()
}

#[cfg(test)]
mod tests;
