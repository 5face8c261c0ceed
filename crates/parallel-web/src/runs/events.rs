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
//! Bytes are read by the pump of `streams/body.rs` and decoded by
//! `streams/run_events.rs`.

use std::pin::Pin;

use futures::stream::{Stream, StreamExt};
use std::sync::Arc;

use crate::client::request::{Call, versioned};
use crate::client::retry::Backoff;
use crate::client::with_options::request_builder;
use crate::streams::body::{Pump, Pumped, event_stream_body};
use crate::streams::resume::{Opener, first_connection};
use crate::streams::run_events::{RunStreamEvent, decode_run_event};
use crate::streams::sse::MAX_EVENT_BYTES;
use crate::{Client, Error, RequestOptions};

/// A stream of one run's events.
pub type RunEventStream = Pin<Box<dyn Stream<Item = Result<RunStreamEvent, Error>> + Send>>;

impl crate::TaskRuns {
    /// A run's event stream: its state, progress messages and stats, ending
    /// with its final state. Progress events need a processor of `pro` or
    /// above, or a run created with
    /// [`RunInput::enable_events`](crate::RunInput::enable_events).
    ///
    /// The server closes these streams after at most 570 s and they cannot
    /// be resumed: a drop surfaces as an [`Error::RunStreamEnded`] item, never as a
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
                let rv = versioned!(
                    &client,
                    Call::read,
                    task_run_events | beta_task_run_events,
                    before {
                        let id = id.as_str();
                    },
                    |b| b.run_id(id)
                )
                .await?;
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
            // Reopening would meet the same event again.
            Pumped::TooLarge => {
                self.done = true;
                let error = Error::EventTooLarge {
                    limit: MAX_EVENT_BYTES,
                    last_event_id: None,
                };
                return Some((Err(error), self));
            }
            // No deadline is given: a run's stream may be quiet for long.
            Pumped::Idle => "no event arrived in time".to_owned(),
        };
        self.done = true;
        let error = Error::RunStreamEnded { reason: why };
        Some((Err(error), self))
    }
}

/// The event's `type` alone.
#[cfg(test)]
mod tests {
    use super::*;

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
            matches!(&items[1], Err(Error::RunStreamEnded { reason }) if reason.contains("connection reset")),
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
        assert!(
            matches!(items[1], Err(Error::RunStreamEnded { .. })),
            "{items:?}"
        );
    }

    #[tokio::test]
    async fn an_event_past_the_size_limit_ends_the_stream_with_event_too_large() {
        let huge: &'static str = format!("data: {}", "x".repeat(MAX_EVENT_BYTES)).leak();
        let items = read(vec![Ok(run_state(true)), Ok(huge)]).await;
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(
            matches!(&items[1], Err(Error::EventTooLarge { limit, last_event_id: None }) if *limit == MAX_EVENT_BYTES),
            "{items:?}"
        );
    }
}
