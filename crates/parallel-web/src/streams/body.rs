//! An open event-stream body and the pump that turns it into events: the
//! one place that reads bytes off a stream connection, shared by the
//! resumable group streams (`resume.rs`) and a run's own stream
//! (`runs/events.rs`).

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use parallel_web_api::{ByteStream, ResponseValue};
use tokio::time::Instant;

use crate::error::Error;
use crate::streams::sse::{Frame, Framer, TooLarge};

/// The body of an open SSE response, as chunks of bytes.
pub(crate) type ByteChunks = BoxStream<'static, Result<Bytes, String>>;

/// What the pump got from the connection.
#[derive(Debug)]
pub(crate) enum Pumped<T> {
    /// One complete event, as the caller's `on_event` made it.
    Event(T),
    /// The body ended cleanly between events.
    Ended,
    /// The connection broke, or closed in the middle of an event (whose
    /// bytes are dropped: it is read again after a resume).
    Broken(String),
    /// No complete event arrived before the deadline (keep-alive comments
    /// do not count).
    Idle,
    /// An event grew past the framer's cap; nothing past it can be read.
    TooLarge,
}

/// Reads one connection's body and frames it into events.
pub(crate) struct Pump {
    body: ByteChunks,
    framer: Box<Framer>,
}

impl Pump {
    pub(crate) fn new(body: ByteChunks) -> Pump {
        Pump {
            body,
            framer: Box::new(Framer::new()),
        }
    }

    /// The next event, handed to `on_event` while it is borrowed from the
    /// buffer, or why there is none. `deadline` bounds the wait for it.
    pub(crate) async fn next<T>(
        &mut self,
        deadline: Option<Instant>,
        mut on_event: impl FnMut(&Frame<'_>) -> T,
    ) -> Pumped<T> {
        loop {
            match self.framer.next_frame() {
                Ok(Some(frame)) => return Pumped::Event(on_event(&frame)),
                Ok(None) => {}
                Err(TooLarge) => return Pumped::TooLarge,
            }
            let chunk = match deadline {
                Some(deadline) => match tokio::time::timeout_at(deadline, self.body.next()).await {
                    Ok(chunk) => chunk,
                    Err(_) => return Pumped::Idle,
                },
                None => self.body.next().await,
            };
            match chunk {
                Some(Ok(bytes)) => self.framer.push(&bytes),
                Some(Err(e)) => return Pumped::Broken(e),
                // A body that ends without an error can still be cut short
                // (a close-delimited body, a proxy).
                None if self.framer.in_event() => {
                    return Pumped::Broken(
                        "the connection closed in the middle of an event".to_owned(),
                    );
                }
                None => return Pumped::Ended,
            }
        }
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
            return Err(Error::NotAnEventStream {
                content_type: content_type.into_owned(),
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
mod tests {
    use super::*;
    use std::time::Duration;

    fn pump(chunks: Vec<Result<&'static str, &'static str>>) -> Pump {
        Pump::new(
            futures::stream::iter(chunks.into_iter().map(|c| {
                c.map(|s| Bytes::from_static(s.as_bytes()))
                    .map_err(str::to_owned)
            }))
            .boxed(),
        )
    }

    async fn data(p: &mut Pump) -> Pumped<String> {
        p.next(None, |f| String::from_utf8_lossy(&f.data).into_owned())
            .await
    }

    #[tokio::test]
    async fn events_then_a_clean_end_or_a_cut_are_told_apart() {
        let mut p = pump(vec![Ok("data: a\n\nda"), Ok("ta: b\n\n")]);
        assert!(matches!(data(&mut p).await, Pumped::Event(ref d) if d == "a"));
        assert!(matches!(data(&mut p).await, Pumped::Event(ref d) if d == "b"));
        assert!(matches!(data(&mut p).await, Pumped::Ended));

        let mut p = pump(vec![Ok("data: a\n\ndata: b")]);
        assert!(matches!(data(&mut p).await, Pumped::Event(_)));
        assert!(matches!(data(&mut p).await, Pumped::Broken(ref why) if why.contains("middle")));

        let mut p = pump(vec![Ok("data: a\n"), Err("reset")]);
        assert!(matches!(data(&mut p).await, Pumped::Broken(ref why) if why == "reset"));
    }

    #[tokio::test(start_paused = true)]
    async fn keep_alives_do_not_hold_off_the_deadline() {
        let body = futures::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Some((Ok(Bytes::from_static(b": keep-alive\n\n")), ()))
        });
        let mut p = Pump::new(body.boxed());
        let deadline = Instant::now() + Duration::from_secs(5);
        assert!(matches!(p.next(Some(deadline), |_| ()).await, Pumped::Idle));
        assert_eq!(Instant::now(), deadline);
    }
}
