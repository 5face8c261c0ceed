//! Event streams that resume themselves.
//!
//! Modelled on kube-rs' watcher: an explicit state machine driven by
//! [`futures::stream::unfold`]. It remembers the last cursor the decoder
//! reported and, when the connection drops, goes idle or fails in a
//! retryable way, reopens the stream from that cursor, so no event is lost
//! or repeated. It knows nothing of endpoints (the caller gives an
//! [`Opener`]) nor of what events mean (the caller gives a [`Decode`], which
//! also says which item is the last one).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt};
use parallel_web_api::{ByteStream, ResponseValue};
use tokio::time::Instant;

use crate::Error;
use crate::client::retry::{Backoff, RetryPolicy};
use crate::streams::sse::{Frame, Framer, MAX_EVENT_BYTES, TooLarge};

/// The body of an open SSE response, as chunks of bytes.
pub(crate) type ByteChunks = BoxStream<'static, Result<Bytes, String>>;

/// Opens the stream at a cursor (`None` = from the start).
pub(crate) type Opener = Arc<
    dyn Fn(Option<String>) -> Pin<Box<dyn Future<Output = Result<ByteChunks, Error>> + Send>>
        + Send
        + Sync,
>;

/// What the decoder made of one event.
pub(crate) struct Decoded<T> {
    /// The item to hand out; `None` skips the event.
    pub item: Option<Result<T, Error>>,
    /// The event's cursor, when it has one.
    pub cursor: Option<String>,
    /// This event may be the last one (see [`EndRule::AtCloseAfterLastItem`]).
    pub last: bool,
}

/// Turns one SSE event into an item. Given by the caller, so the machine
/// never looks inside events.
pub(crate) trait Decode: Send + 'static {
    /// What the stream yields.
    type Item: Send + 'static;
    /// Decodes one event.
    fn decode(&mut self, frame: &Frame<'_>) -> Decoded<Self::Item>;
}

/// When a stream is finished, besides the decoder's `last` item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndRule {
    /// A snapshot: a clean end of the HTTP body ends the stream.
    AtEndOfBody,
    /// A live feed the server closes once it is over (a group's events):
    /// it ends when the server closes the body cleanly right after the
    /// decoder's `last` item (on this connection or, after a reconnect from
    /// that item's cursor, with nothing new). A `last` item followed by more
    /// events is history being replayed (a group that was inactive for a
    /// while and then got more runs), so the stream goes on; any other clean
    /// end is a reason to reconnect.
    AtCloseAfterLastItem,
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

/// The states of the machine, one per situation.
enum State {
    /// About to (re)open the stream at `cursor` once `delay` has passed.
    Reconnecting {
        cursor: Option<String>,
        delay: Duration,
    },
    /// Reading from an open connection. `cursor` is the last one decoded.
    Streaming {
        body: ByteChunks,
        framer: Box<Framer>,
        cursor: Option<String>,
        got_any: bool,
        idle_deadline: Option<Instant>,
    },
    /// Finished: clean end, last item seen, or gave up.
    Done,
}

struct Machine<D> {
    state: State,
    opener: Opener,
    decode: D,
    settings: ResumeSettings,
    end: EndRule,
    backoff: Backoff,
    /// The most recent item was the decoder's `last` (see
    /// [`EndRule::AtCloseAfterLastItem`]).
    after_last: bool,
}

/// Opens the stream (HTTP errors surface here, with the server's body) and
/// returns the self-resuming stream of decoded items.
pub(crate) async fn open<D: Decode>(
    opener: Opener,
    decode: D,
    settings: ResumeSettings,
    end: EndRule,
    cursor: Option<String>,
) -> Result<impl Stream<Item = Result<D::Item, Error>> + Send + 'static, Error> {
    let body = opener(cursor.clone()).await?;
    let idle_deadline = settings.idle_timeout.map(|t| Instant::now() + t);
    let machine = Machine {
        state: State::Streaming {
            body,
            framer: Box::new(Framer::new()),
            cursor,
            got_any: false,
            idle_deadline,
        },
        backoff: Backoff::new(settings.backoff.clone()),
        opener,
        decode,
        settings,
        end,
        after_last: false,
    };
    Ok(futures::stream::unfold(machine, step))
}

/// Why a connection stopped delivering events.
enum Stop {
    Broken(String),
    Ended,
    Idle,
}

async fn step<D: Decode>(mut m: Machine<D>) -> Option<(Result<D::Item, Error>, Machine<D>)> {
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
                            body,
                            framer: Box::new(Framer::new()),
                            cursor,
                            got_any: false,
                            idle_deadline: m.settings.idle_timeout.map(|t| Instant::now() + t),
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
                mut body,
                mut framer,
                mut cursor,
                mut got_any,
                mut idle_deadline,
            } => {
                // Hand out every complete event already buffered.
                loop {
                    let frame = match framer.next_frame() {
                        Ok(Some(frame)) => frame,
                        Ok(None) => break,
                        Err(TooLarge) => {
                            // Reconnecting would meet the same event again.
                            let error = Error::Stream {
                                message: format!(
                                    "an event is larger than {} MiB; the stream cannot go past it",
                                    MAX_EVENT_BYTES >> 20
                                ),
                                last_event_id: cursor,
                            };
                            return Some((Err(error), m));
                        }
                    };
                    let decoded = m.decode.decode(&frame);
                    got_any = true;
                    m.backoff.reset();
                    if let Some(c) = decoded.cursor {
                        cursor = Some(c);
                    }
                    idle_deadline = m.settings.idle_timeout.map(|t| Instant::now() + t);
                    let Some(item) = decoded.item else {
                        continue;
                    };
                    m.after_last = decoded.last;
                    m.state = State::Streaming {
                        body,
                        framer,
                        cursor,
                        got_any,
                        idle_deadline,
                    };
                    return Some((item, m));
                }
                let next = match idle_deadline {
                    Some(deadline) => tokio::time::timeout_at(deadline, body.next())
                        .await
                        .unwrap_or(Some(Err(IDLE.to_owned()))),
                    None => body.next().await,
                };
                let stop = match next {
                    Some(Ok(chunk)) => {
                        framer.push(&chunk);
                        m.state = State::Streaming {
                            body,
                            framer,
                            cursor,
                            got_any,
                            idle_deadline,
                        };
                        continue;
                    }
                    Some(Err(e)) if e == IDLE => Stop::Idle,
                    Some(Err(e)) => Stop::Broken(e),
                    // A body that ends without an error can still be cut
                    // short (a close-delimited body, a proxy): the event
                    // it cut is read again from the cursor, not lost.
                    None if framer.in_event() => {
                        Stop::Broken("the connection closed in the middle of an event".to_owned())
                    }
                    None => Stop::Ended,
                };
                match stop {
                    Stop::Ended if m.end == EndRule::AtEndOfBody => return None,
                    // Closed right after the last item, or reopened after it
                    // and closed again with nothing new: over.
                    Stop::Ended if m.after_last => return None,
                    Stop::Ended if got_any => {
                        // A live feed the server closed before its last
                        // event: carry on from the cursor straight away.
                        m.state = State::Reconnecting {
                            cursor,
                            delay: Duration::ZERO,
                        };
                    }
                    Stop::Idle => {
                        tracing::debug!("event stream idle; reconnecting");
                        m.state = State::Reconnecting {
                            cursor,
                            delay: Duration::ZERO,
                        };
                    }
                    Stop::Broken(why) if got_any => {
                        // This connection made progress: resume at once.
                        // Only failures without any event back off.
                        tracing::debug!(error = %why, "event stream dropped; resuming");
                        m.state = State::Reconnecting {
                            cursor,
                            delay: Duration::ZERO,
                        };
                    }
                    Stop::Ended | Stop::Broken(_) => {
                        let why = match stop {
                            Stop::Broken(why) => why,
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

/// Marks the idle timeout in the chunk stream's error slot.
const IDLE: &str = "\0idle";

fn give_up(why: &str, cursor: Option<String>) -> Error {
    Error::Stream {
        message: format!(
            "{why}; gave up after repeated reconnects (resume later from last_event_id {})",
            cursor.as_deref().unwrap_or("<start>")
        ),
        last_event_id: cursor,
    }
}

/// The body of a successful stream answer, as [`ByteChunks`], once its
/// content type says it is an event stream. Anything else (a proxy's or a
/// web server's HTML page, say) is refused: read as SSE it would hold no
/// event, and the stream would look empty instead of wrong. A missing
/// content type is accepted.
pub(crate) fn event_stream_body(
    answer: ResponseValue<ByteStream>,
    cursor: Option<&str>,
) -> Result<ByteChunks, Error> {
    if let Some(value) = answer.headers().get(reqwest::header::CONTENT_TYPE) {
        let content_type = String::from_utf8_lossy(value.as_bytes());
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("text/event-stream") {
            return Err(Error::Stream {
                message: format!(
                    "the server answered with content type {content_type:?} instead of text/event-stream; check that the base URL points at the API"
                ),
                last_event_id: cursor.map(str::to_owned),
            });
        }
    }
    Ok(answer
        .into_inner_stream()
        .map(|r| r.map_err(|e| e.to_string()))
        .boxed())
}

#[cfg(test)]
#[path = "resume_tests.rs"]
mod tests;
