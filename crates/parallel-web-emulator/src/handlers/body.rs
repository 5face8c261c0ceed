//! Reading the JSON body of a POST: its content type, the size limit and the
//! read deadlines, each refused in the API's error shape rather than as
//! axum's plain-text rejections.
//!
//! The body is read here, piece by piece, instead of by axum's `Bytes`
//! extractor, for three reasons: a declared `Content-Length` over the limit is
//! refused before a byte of the body is read; a chunked body stops being read
//! as soon as it passes the limit; and a client that stalls mid-body is cut
//! off (hyper has a deadline for headers but none for bodies).

use crate::error::ApiError;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use serde_json::json;
use std::time::Duration;
use tokio::time::Instant;

/// Largest request body accepted, in bytes. A full add-runs POST (1,000
/// inputs of up to 25,000 characters each) fits, with room for escapes.
pub const MAX_BODY_BYTES: usize = 64 << 20;

/// Longest pause allowed between two pieces of a request body. A client that
/// sends headers and then stalls gets a 408 and the connection is closed.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest time allowed for a whole request body, so that a client dripping a
/// byte just often enough to dodge [`BODY_IDLE_TIMEOUT`] is still cut off.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A request body that is declared as JSON (or not declared at all), at most
/// [`MAX_BODY_BYTES`] long, and arrived in time. Parsing it is left to the
/// handler, which knows the schema.
#[derive(Debug)]
pub struct JsonBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        if declared_length(req.headers()).is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(too_large());
        }
        // Like FastAPI: no content type is read as JSON; any other is
        // handed to the model as raw bytes, which is not an object.
        if !is_json(req.headers()) {
            return Err(ApiError::validation(
                &[json!("body")],
                "Input should be a valid dictionary or object to extract fields from \
                 (send the body as JSON with `content-type: application/json`)",
                "model_attributes_type",
            ));
        }
        read_limited(req.into_body()).await.map(JsonBody)
    }
}

/// The `Content-Length` a request declares, if it declares a readable one.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// True when the content type is absent, `application/json` or
/// `application/<anything>+json` (parameters such as `charset` ignored).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return true;
    };
    let Ok(text) = value.to_str() else {
        return false;
    };
    let essence = text.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let subtype = subtype.to_ascii_lowercase();
    kind.eq_ignore_ascii_case("application") && (subtype == "json" || subtype.ends_with("+json"))
}

/// Reads the body, refusing it once it passes [`MAX_BODY_BYTES`] and giving up
/// on a client that pauses longer than [`BODY_IDLE_TIMEOUT`] or takes longer
/// than [`BODY_READ_TIMEOUT`] in all.
async fn read_limited(body: axum::body::Body) -> Result<Bytes, ApiError> {
    let deadline = Instant::now() + BODY_READ_TIMEOUT;
    let mut stream = body.into_data_stream();
    let mut buf = BytesMut::new();
    loop {
        let idle_deadline = (Instant::now() + BODY_IDLE_TIMEOUT).min(deadline);
        let piece = match tokio::time::timeout_at(idle_deadline, stream.next()).await {
            Err(_) => return Err(too_slow()),
            Ok(None) => return Ok(buf.freeze()),
            Ok(Some(Err(e))) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "Could not read the request body ({e}); send it again, complete and \
                         with a correct Content-Length or chunked encoding"
                    ),
                ));
            }
            Ok(Some(Ok(piece))) => piece,
        };
        if buf.len() + piece.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        buf.extend_from_slice(&piece);
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "Request body is larger than {MAX_BODY_BYTES} bytes; split the inputs across \
             several requests (at most 1,000 inputs per add-runs POST)"
        ),
    )
}

fn too_slow() -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        format!(
            "Request body not received in time (a pause over {} s, or over {} s in all); \
             send the whole body without stalling",
            BODY_IDLE_TIMEOUT.as_secs(),
            BODY_READ_TIMEOUT.as_secs()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_type(value: &[u8]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_bytes(value).expect("valid header bytes"),
        );
        h
    }

    #[test]
    fn json_content_types_and_a_missing_one_are_read_as_json() {
        assert!(is_json(&HeaderMap::new()));
        assert!(is_json(&with_type(b"application/json")));
        assert!(is_json(&with_type(b"Application/JSON; charset=utf-8")));
        assert!(is_json(&with_type(b"application/merge-patch+json")));
    }

    #[test]
    fn other_content_types_are_not_json() {
        assert!(!is_json(&with_type(b"text/plain")));
        assert!(!is_json(&with_type(b"application/x-www-form-urlencoded")));
        assert!(!is_json(&with_type(b"application/jsonx")));
        assert!(!is_json(&with_type(b"json")));
        assert!(!is_json(&with_type(b"application/json\xe9")));
    }
}
