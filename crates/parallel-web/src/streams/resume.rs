//! Event streams that resume themselves.
//!
//! Modelled on kube-rs' watcher: an explicit state machine driven by
//! [`futures::stream::unfold`], with one function per state
//! ([`Machine::connect`], [`Machine::read`]). It remembers the last cursor
//! the decoder reported and, when the connection drops, goes idle, or fails
//! in a retryable way, reopens the stream from that cursor. It knows
//! nothing of endpoints (the caller gives an [`Opener`]) nor of what events
//! mean (the caller gives a [`Decode`], which also says which item is the
//! last one).
//!
//! What it promises:
//!
//! - **No event lost**: every reconnect starts from the last cursor handed
//!   out; an event cut off by a drop is read again.
//! - **No event twice**: an event whose id was already handed out (a server
//!   that replays or rewinds after a reconnect) is skipped, and the cursor
//!   stays where it was. The memory this takes is bounded; `replay.rs`
//!   says how, and how far back a replay is recognised.
//! - **No endless loop**: a connection counts as progress only when it
//!   delivers an event not seen before. After `max_failures` connections in
//!   a row without progress (failed, closed at once, or replaying only old
//!   events) the stream ends with [`Error::StreamStalled`]. A connection
//!   that is merely quiet until the idle timeout is not a failure (a group
//!   can be silent for long), so it is reopened at once, as after progress.
//! - **No silent hang**: the idle timeout also bounds the wait for the
//!   response headers; a server that accepts the request and never answers
//!   is asked again, with backoff.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::Stream;
use tokio::time::Instant;

use crate::client::StreamSettings as ResumeSettings;
use crate::client::retry::Backoff;
use crate::error::Error;
use crate::streams::body::{ByteChunks, Pump, Pumped};
use crate::streams::replay::SeenIds;
use crate::streams::sse::{Frame, MAX_EVENT_BYTES};

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

/// The states of the machine, one per situation.
enum State {
    /// About to (re)open the stream at `cursor` once `delay` has passed.
    Connecting {
        cursor: Option<String>,
        delay: Duration,
    },
    /// Reading from an open connection.
    Reading(Connection),
    /// Finished: clean end, last item seen, or gave up.
    Done,
}

/// One open connection and what it has delivered so far.
struct Connection {
    pump: Pump,
    /// The last cursor handed out (on this connection or before).
    cursor: Option<String>,
    /// It delivered an event not seen before.
    progressed: bool,
    /// It delivered events already handed out (a replay).
    replayed: bool,
    idle_deadline: Option<Instant>,
}

impl Connection {
    fn new(body: ByteChunks, cursor: Option<String>, settings: &ResumeSettings) -> Connection {
        Connection {
            pump: Pump::new(body),
            cursor,
            progressed: false,
            replayed: false,
            idle_deadline: idle_deadline(settings),
        }
    }
}

fn idle_deadline(settings: &ResumeSettings) -> Option<Instant> {
    settings.idle_timeout.map(|t| Instant::now() + t)
}

/// What one state function decided.
enum Step<T> {
    /// Hand this item out; the machine's state is already set.
    Yield(Result<T, Error>),
    /// Carry on from the state now set.
    Continue,
}

struct Machine<D> {
    state: State,
    opener: Opener,
    decode: D,
    settings: ResumeSettings,
    end: EndRule,
    backoff: Backoff,
    seen: SeenIds,
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
    let mut backoff = Backoff::new(settings.backoff.clone());
    let body = first_connection(&opener, cursor.clone(), &settings, &mut backoff).await?;
    let machine = Machine {
        state: State::Reading(Connection::new(body, cursor, &settings)),
        seen: SeenIds::new(settings.replay_window),
        backoff,
        opener,
        decode,
        settings,
        end,
        after_last: false,
    };
    Ok(futures::stream::unfold(machine, step))
}

/// Opens the first connection of a stream. Its HTTP errors are returned as
/// they are; response headers that do not come within the idle timeout are
/// asked for again, with backoff, up to `max_failures` times.
pub(crate) async fn first_connection(
    opener: &Opener,
    cursor: Option<String>,
    settings: &ResumeSettings,
    backoff: &mut Backoff,
) -> Result<ByteChunks, Error> {
    loop {
        match connect_within(opener, cursor.clone(), settings).await {
            Connected::Open(body) => return Ok(body),
            Connected::Failed(e) => return Err(e),
            Connected::NoHeaders(why) => match backoff.fail(settings.max_failures) {
                Some(delay) => {
                    tracing::debug!(reason = %why, "event stream: asking again");
                    tokio::time::sleep(delay).await;
                }
                None => return Err(stalled(settings.max_failures, why, cursor)),
            },
        }
    }
}

/// How one attempt to open the stream went.
enum Connected {
    Open(ByteChunks),
    Failed(Error),
    /// No response headers within the idle timeout.
    NoHeaders(String),
}

async fn connect_within(
    opener: &Opener,
    cursor: Option<String>,
    settings: &ResumeSettings,
) -> Connected {
    let attempt = opener(cursor);
    let result = match settings.idle_timeout {
        Some(limit) => match tokio::time::timeout(limit, attempt).await {
            Ok(result) => result,
            Err(_) => {
                return Connected::NoHeaders(format!(
                    "no response headers within the idle timeout ({limit:?})"
                ));
            }
        },
        None => attempt.await,
    };
    match result {
        Ok(body) => Connected::Open(body),
        Err(e) => Connected::Failed(e),
    }
}

async fn step<D: Decode>(mut m: Machine<D>) -> Option<(Result<D::Item, Error>, Machine<D>)> {
    loop {
        let step = match std::mem::replace(&mut m.state, State::Done) {
            State::Done => return None,
            State::Connecting { cursor, delay } => m.connect(cursor, delay).await,
            State::Reading(connection) => m.read(connection).await,
        };
        match step {
            Step::Yield(item) => return Some((item, m)),
            Step::Continue => {}
        }
    }
}

impl<D: Decode> Machine<D> {
    /// [`State::Connecting`]: wait out the delay, then reopen at `cursor`.
    async fn connect(&mut self, cursor: Option<String>, delay: Duration) -> Step<D::Item> {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        match connect_within(&self.opener, cursor.clone(), &self.settings).await {
            Connected::Open(body) => {
                tracing::debug!(cursor = cursor.as_deref(), "event stream reopened");
                self.state = State::Reading(Connection::new(body, cursor, &self.settings));
                Step::Continue
            }
            Connected::NoHeaders(why) => self.no_progress(cursor, why),
            Connected::Failed(e) if e.is_retryable() => self.no_progress(cursor, e.to_string()),
            // Not retryable (unknown cursor, group gone, auth): the
            // server's answer is the error the caller needs.
            Connected::Failed(e) => Step::Yield(Err(e)),
        }
    }

    /// [`State::Reading`]: hand out the next new event, or decide what the
    /// end of this connection means.
    async fn read(&mut self, mut c: Connection) -> Step<D::Item> {
        loop {
            let decode = &mut self.decode;
            let decoded = match c.pump.next(c.idle_deadline, |f| decode.decode(f)).await {
                Pumped::Event(decoded) => decoded,
                Pumped::Ended => return self.closed(c),
                Pumped::Broken(why) => return self.dropped(c, why),
                Pumped::Idle => return self.idle(c),
                // Reconnecting would meet the same event again.
                Pumped::TooLarge => {
                    return Step::Yield(Err(Error::EventTooLarge {
                        limit: MAX_EVENT_BYTES,
                        last_event_id: c.cursor,
                    }));
                }
            };
            c.idle_deadline = idle_deadline(&self.settings);
            if let Some(id) = &decoded.cursor {
                if !self.seen.first_time(id) {
                    // Already handed out: a replay. The cursor stays on the
                    // newest event, so a reconnect does not go back either.
                    c.replayed = true;
                    continue;
                }
                c.cursor = decoded.cursor;
            }
            c.progressed = true;
            self.backoff.reset();
            let Some(item) = decoded.item else {
                continue;
            };
            self.after_last = decoded.last;
            self.state = State::Reading(c);
            return Step::Yield(item);
        }
    }

    /// The server ended the body cleanly.
    fn closed(&mut self, c: Connection) -> Step<D::Item> {
        if self.end == EndRule::AtEndOfBody || self.after_last {
            // A snapshot's end; or a feed closed right after its last item
            // (or reopened after it and closed with nothing new): over.
            return Step::Continue;
        }
        if c.progressed {
            // A live feed the server closed before its last event: carry
            // on from the cursor straight away.
            return self.reconnect_now(c.cursor);
        }
        let why = if c.replayed {
            "the server closed the stream after replaying only events already delivered"
        } else {
            "the server closed the stream without any new event"
        };
        self.no_progress(c.cursor, why.to_owned())
    }

    /// The connection broke (or closed in the middle of an event).
    fn dropped(&mut self, c: Connection, why: String) -> Step<D::Item> {
        if c.progressed {
            // This connection made progress: resume at once.
            tracing::debug!(error = %why, "event stream dropped; resuming");
            return self.reconnect_now(c.cursor);
        }
        self.no_progress(c.cursor, why)
    }

    /// Nothing new arrived for the idle timeout.
    fn idle(&mut self, c: Connection) -> Step<D::Item> {
        if c.replayed && !c.progressed {
            return self.no_progress(
                c.cursor,
                "the server replayed only events already delivered, then went quiet".to_owned(),
            );
        }
        tracing::debug!("event stream idle; reconnecting");
        self.reconnect_now(c.cursor)
    }

    fn reconnect_now(&mut self, cursor: Option<String>) -> Step<D::Item> {
        self.state = State::Connecting {
            cursor,
            delay: Duration::ZERO,
        };
        Step::Continue
    }

    /// A connection without progress: back off and try again, or give up.
    fn no_progress(&mut self, cursor: Option<String>, why: String) -> Step<D::Item> {
        match self.backoff.fail(self.settings.max_failures) {
            Some(delay) => {
                tracing::debug!(reason = %why, ?delay, "event stream made no progress; reconnecting");
                self.state = State::Connecting { cursor, delay };
                Step::Continue
            }
            None => Step::Yield(Err(stalled(self.settings.max_failures, why, cursor))),
        }
    }
}

/// The error of a stream that gave up after `max_failures` reconnects
/// without progress (so `max_failures + 1` connections in a row).
fn stalled(max_failures: u32, reason: String, last_event_id: Option<String>) -> Error {
    Error::StreamStalled {
        connections: max_failures.saturating_add(1),
        reason,
        last_event_id,
    }
}

#[cfg(test)]
#[path = "resume_tests.rs"]
mod tests;
