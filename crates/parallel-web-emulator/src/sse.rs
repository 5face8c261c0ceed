//! Server-sent events: the exact framing, keep-alives, and deliberate cuts.
//!
//! Frames are `event: <type>\ndata: <compact json>\n\n` with no `id:` line
//! (the Python SDK's decoder misbehaves when `id:` lines meet keep-alive
//! comments). Idle streams get `: keep-alive` comments. Many frames are
//! batched into one body chunk so large snapshots stream quickly.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures::Stream;

/// The keep-alive comment sent on idle streams.
pub const KEEP_ALIVE: &str = ": keep-alive\n\n";

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
pub async fn cut() -> StreamCut {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    StreamCut
}

/// A `200 text/event-stream` response over `chunks`.
pub fn response<S>(chunks: S) -> Response
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
pub struct Budget {
    left: Option<u64>,
}

impl Budget {
    /// Unlimited, or cut after `cut` events.
    pub fn new(cut: Option<u64>) -> Self {
        Budget { left: cut }
    }

    /// How many events the next chunk may hold (at most `want`).
    pub fn allow(&self, want: usize) -> usize {
        match self.left {
            Some(n) => want.min(usize::try_from(n).unwrap_or(usize::MAX)),
            None => want,
        }
    }

    /// Records `n` events sent.
    pub fn spend(&mut self, n: usize) {
        if let Some(left) = &mut self.left {
            *left = left.saturating_sub(n as u64);
        }
    }

    /// True once the fault's event count has been reached.
    pub fn exhausted(&self) -> bool {
        self.left == Some(0)
    }
}
