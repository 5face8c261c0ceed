//! Response bodies read with a limit.
//!
//! progenitor reads a whole non-stream response into memory before decoding
//! it, and a body of any size would be read (a 1 GiB JSON answer took 2 GiB
//! of memory). The client's `exec` hook therefore hands progenitor each
//! non-stream response with its body wrapped:
//!
//! - a success body may be at most the client's limit
//!   ([`ClientExtras::max_response_bytes`](crate::ClientExtras::max_response_bytes),
//!   default [`DEFAULT_MAX_RESPONSE_BYTES`](crate::DEFAULT_MAX_RESPONSE_BYTES));
//!   a longer one (by its `Content-Length`, or once more bytes than that
//!   arrived) fails to read with [`ResponseTooLarge`], so memory stays
//!   within the limit;
//! - an error body (any status outside 2xx) is read only as far as a caller
//!   keeps of it, [`ERROR_BODY_KEPT_BYTES`]. A body that fits is passed on
//!   unchanged; a longer one fails to read with [`ErrorBodyTooLong`], which
//!   carries the status, the headers and the bytes kept, so the error the
//!   caller sees still has them. The rest is never read.
//!
//! Both errors reach the caller as the source of the generated client's
//! `Error::ResponseBodyError` (or of a `reqwest::Response` read, for an
//! `Error::UnexpectedResponse`); [`find_in_chain`] finds them there.
//!
//! Stream operations ([`STREAM_OPERATIONS`](crate::STREAM_OPERATIONS)) are
//! not wrapped: their bodies are framed event by event, with their own cap.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use reqwest::ResponseBuilderExt;
use reqwest::header::{CONTENT_LENGTH, HeaderMap};

/// How much of an error body is read and kept: enough for any error
/// message the API sends, and the size the SDK's errors keep.
pub const ERROR_BODY_KEPT_BYTES: usize = 4096;

/// A success body longer than the client's limit; nothing past the limit
/// was read. It reaches the caller as the source of a body-read error:
///
/// ```
/// use parallel_web_api::{ResponseTooLarge, find_in_chain, types};
///
/// fn over_the_limit(error: &parallel_web_api::Error<types::ApiError>) -> Option<u64> {
///     match error {
///         parallel_web_api::Error::ResponseBodyError(e) => {
///             find_in_chain::<ResponseTooLarge>(e).map(|t| t.limit)
///         }
///         _ => None,
///     }
/// }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("the response body is larger than the client's limit of {limit} bytes")]
#[non_exhaustive]
pub struct ResponseTooLarge {
    /// The limit in bytes.
    pub limit: u64,
}

/// An error response whose body is longer than [`ERROR_BODY_KEPT_BYTES`]:
/// its status, headers and the first bytes of its body; the rest was not
/// read.
///
/// ```
/// use parallel_web_api::ErrorBodyTooLong;
///
/// # fn demo(e: &ErrorBodyTooLong) {
/// eprintln!("HTTP {}: {}", e.status, String::from_utf8_lossy(&e.kept));
/// # }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "HTTP {status} with an error body longer than {ERROR_BODY_KEPT_BYTES} bytes (only its start was read)"
)]
#[non_exhaustive]
pub struct ErrorBodyTooLong {
    /// The response status.
    pub status: reqwest::StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The first [`ERROR_BODY_KEPT_BYTES`] bytes of the body.
    pub kept: Bytes,
}

/// The first `T` in `error`'s chain of sources (itself included).
///
/// ```
/// use parallel_web_api::find_in_chain;
///
/// let inner = std::io::Error::other("the disk is full");
/// let outer = std::io::Error::new(std::io::ErrorKind::Other, inner);
/// let found = find_in_chain::<std::io::Error>(&outer);
/// assert!(found.is_some());
/// ```
pub fn find_in_chain<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

/// `response` with its body limited as the module doc says.
pub(crate) async fn limit(response: reqwest::Response, max_bytes: u64) -> reqwest::Response {
    let url = response.url().clone();
    let (parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let body = if parts.status.is_success() {
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        reqwest::Body::wrap(Capped {
            inner: body,
            read: 0,
            limit: max_bytes,
            over: declared.is_some_and(|n| n > max_bytes),
        })
    } else {
        match read_prefix(body).await {
            Prefix::Whole(bytes) => reqwest::Body::from(bytes),
            Prefix::Cut(kept) => {
                let error = ErrorBodyTooLong {
                    status: parts.status,
                    headers: parts.headers.clone(),
                    kept,
                };
                reqwest::Body::wrap(Failing(Some(Box::new(error))))
            }
            Prefix::Broken(error) => reqwest::Body::wrap(Failing(Some(error))),
        }
    };
    let mut rebuilt = http::Response::builder()
        .status(parts.status)
        .version(parts.version)
        .url(url);
    if let Some(headers) = rebuilt.headers_mut() {
        *headers = parts.headers;
    }
    match rebuilt.body(body) {
        Ok(response) => reqwest::Response::from(response),
        // Unreachable: status and version come from a valid response.
        Err(e) => unreachable!("rebuilding a valid response failed: {e}"),
    }
}

/// What the start of an error body turned out to be.
enum Prefix {
    /// The whole body, no longer than [`ERROR_BODY_KEPT_BYTES`].
    Whole(Bytes),
    /// The body is longer; its first [`ERROR_BODY_KEPT_BYTES`] bytes.
    Cut(Bytes),
    /// Reading failed before either was known.
    Broken(Box<dyn std::error::Error + Send + Sync>),
}

async fn read_prefix(mut body: reqwest::Body) -> Prefix {
    let mut kept = BytesMut::new();
    loop {
        match body.frame().await {
            None => return Prefix::Whole(kept.freeze()),
            Some(Err(e)) => return Prefix::Broken(Box::new(e)),
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else {
                    continue; // trailers
                };
                let room = ERROR_BODY_KEPT_BYTES - kept.len();
                if data.len() > room {
                    kept.extend_from_slice(&data[..room]);
                    return Prefix::Cut(kept.freeze());
                }
                kept.extend_from_slice(&data);
            }
        }
    }
}

/// A body whose only frame is an error.
struct Failing(Option<Box<dyn std::error::Error + Send + Sync>>);

impl Body for Failing {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.get_mut().0.take().map(Err))
    }
}

/// A success body that fails once more than `limit` bytes arrived (or at
/// once, when its declared length is over the limit).
struct Capped {
    inner: reqwest::Body,
    read: u64,
    limit: u64,
    over: bool,
}

impl Body for Capped {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.over {
            return Poll::Ready(Some(Err(Box::new(ResponseTooLarge { limit: this.limit }))));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.read = this.read.saturating_add(data.len() as u64);
                    if this.read > this.limit {
                        this.over = true;
                        return Poll::Ready(Some(Err(Box::new(ResponseTooLarge {
                            limit: this.limit,
                        }))));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Box::new(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        !self.over && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
