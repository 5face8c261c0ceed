//! Server-sent events: the exact framing, keep-alives, deliberate cuts, and
//! [`serve`], the one driver behind all three SSE endpoints.
//!
//! Frames are `event: <type>\ndata: <compact json>\n\n` with no `id:` line
//! (the Python SDK's decoder misbehaves when `id:` lines meet keep-alive
//! comments). Idle streams get `: keep-alive` comments. Many frames are
//! batched into one body chunk so large snapshots stream quickly.

use crate::state::AppState;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures::Stream;
use std::future::Future;
use std::sync::Arc;

/// Most events in one body chunk.
pub const CHUNK: usize = 256;

/// The keep-alive comment sent on idle streams.
const KEEP_ALIVE: &str = ": keep-alive\n\n";

/// Appends one event frame to `buf`.
pub fn frame(buf: &mut String, event_type: &str, json: &str) {
    buf.push_str("event: ");
    buf.push_str(event_type);
    buf.push_str("\ndata: ");
    buf.push_str(json);
    buf.push_str("\n\n");
}

/// The error that ends a stream abruptly (a drop-stream fault): the body
/// fails, so the server aborts the connection mid-stream.
#[derive(Debug, thiserror::Error)]
#[error("stream cut by an injected fault")]
pub struct StreamCut;

/// Waits briefly, then yields the cut. The pause lets the server flush the
/// events already produced (it flushes when the body is pending), so the client
/// receives them before the connection drops.
async fn cut() -> StreamCut {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    StreamCut
}

/// What an event source produces on one step.
pub enum Next {
    /// `count` events, already framed into `text`; `last` says nothing follows.
    Frames {
        /// The framed events.
        text: String,
        /// How many events `text` holds.
        count: usize,
        /// True when the stream ends after these events.
        last: bool,
    },
    /// Nothing happened for a while: send a keep-alive comment.
    KeepAlive,
}

/// The driver's own state around an endpoint's source state `S`.
struct Driver<S, F> {
    st: Arc<AppState>,
    operation: &'static str,
    source: Option<S>,
    step: F,
    budget: Budget,
    done: bool,
}

/// Serves an event source as a `200 text/event-stream` response.
///
/// `step(source, allow)` produces the next [`Next`] with at most `allow`
/// events, or `None` to end the stream. The driver, not the endpoints, counts
/// events served and applies a drop-stream fault: once `cut_after` events are
/// out it cuts the connection instead of asking for more. `operation` names
/// the endpoint in the per-operation event counts.
pub fn serve<S, F, Fut>(
    st: Arc<AppState>,
    operation: &'static str,
    cut_after: Option<u64>,
    source: S,
    step: F,
) -> Response
where
    S: Send + 'static,
    F: FnMut(S, usize) -> Fut + Send + 'static,
    Fut: Future<Output = Option<(Next, S)>> + Send + 'static,
{
    let driver = Driver {
        st,
        operation,
        source: Some(source),
        step,
        budget: Budget::new(cut_after),
        done: false,
    };
    response(futures::stream::unfold(driver, |mut d| async move {
        if d.done {
            return None;
        }
        if d.budget.exhausted() {
            d.done = true;
            return Some((Err(cut().await), d));
        }
        let source = d.source.take()?;
        let (next, source) = (d.step)(source, d.budget.allow(CHUNK)).await?;
        d.source = Some(source);
        let chunk = match next {
            Next::KeepAlive => Bytes::from_static(KEEP_ALIVE.as_bytes()),
            Next::Frames { text, count, last } => {
                d.budget.spend(count);
                d.st.counters.events(d.operation, count as u64);
                d.done = last;
                Bytes::from(text)
            }
        };
        Some((Ok(chunk), d))
    }))
}

/// A `200 text/event-stream` response over `chunks`.
fn response<S>(chunks: S) -> Response
where
    S: Stream<Item = Result<Bytes, StreamCut>> + Send + 'static,
{
    let mut resp = Response::new(Body::from_stream(chunks));
    *resp.status_mut() = StatusCode::OK;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    resp
}

/// Tracks how many events a stream may still send before a drop-stream fault cuts it.
#[derive(Debug, Clone, Copy)]
struct Budget {
    left: Option<u64>,
}

impl Budget {
    /// Unlimited, or cut after `cut` events.
    fn new(cut: Option<u64>) -> Self {
        Budget { left: cut }
    }

    /// How many events the next chunk may hold (at most `want`).
    fn allow(&self, want: usize) -> usize {
        match self.left {
            Some(n) => want.min(usize::try_from(n).unwrap_or(usize::MAX)),
            None => want,
        }
    }

    /// Records `n` events sent.
    fn spend(&mut self, n: usize) {
        if let Some(left) = &mut self.left {
            *left = left.saturating_sub(n as u64);
        }
    }

    /// True once the fault's event count has been reached.
    fn exhausted(&self) -> bool {
        self.left == Some(0)
    }
}
