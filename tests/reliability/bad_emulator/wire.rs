//! Sending one request to the emulator and judging its answer: well-formed
//! HTTP through `reqwest`, malformed or oversized HTTP through a raw
//! `TcpStream`, and the body shapes the API documents.

use parallel_web_tests::TEST_API_KEY;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Bound on any single exchange: hitting it means the emulator hung.
pub const HANG_BOUND: Duration = Duration::from_secs(30);

/// What the emulator answered.
#[derive(Debug)]
pub struct Observed {
    /// The HTTP status.
    pub status: u16,
    /// The `content-type` header, if any.
    pub content_type: String,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Observed {
    /// A short description for failure reports: status and the body's start.
    pub fn describe(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let head: String = text.chars().take(300).collect();
        format!("HTTP {} ({}) {head}", self.status, self.content_type)
    }
}

/// The body shapes the emulator may answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `ErrorResponse`: `{"type":"error","error":{"ref_id":"…","message":"…"}}`.
    Error,
    /// FastAPI's `HTTPValidationError`: `{"detail":[{"loc":[…],"msg":"…","type":"…"}, …]}`.
    Validation,
    /// Starlette's routing answer: `{"detail":"Not Found"}` or `{"detail":"Method Not Allowed"}`.
    Detail,
    /// A `text/event-stream` answer.
    Sse,
    /// A successful JSON object.
    Json,
    /// No body at all: hyper refused the bytes before they were a request.
    Empty,
}

/// Why `observed` does not have `shape`, or `None` when it does.
pub fn shape_mismatch(shape: Shape, observed: &Observed) -> Option<String> {
    let json: Option<serde_json::Value> = serde_json::from_slice(&observed.body).ok();
    let is_json_type = observed.content_type.starts_with("application/json");
    let ok = match shape {
        Shape::Empty => observed.body.is_empty(),
        Shape::Sse => observed.content_type.starts_with("text/event-stream"),
        Shape::Json => is_json_type && json.as_ref().is_some_and(|v| v.is_object()),
        Shape::Detail => is_json_type && json.as_ref().is_some_and(|v| v["detail"].is_string()),
        Shape::Error => is_json_type && json.as_ref().is_some_and(is_error_response),
        Shape::Validation => is_json_type && json.as_ref().is_some_and(is_validation_error),
    };
    (!ok).then(|| format!("expected a {shape:?} body"))
}

fn is_error_response(v: &serde_json::Value) -> bool {
    let error = &v["error"];
    v["type"] == "error"
        && error["ref_id"].as_str().is_some_and(|s| !s.is_empty())
        && error["message"].as_str().is_some_and(|s| !s.is_empty())
}

fn is_validation_error(v: &serde_json::Value) -> bool {
    v["detail"].as_array().is_some_and(|items| {
        !items.is_empty()
            && items
                .iter()
                .all(|e| e["loc"].is_array() && e["msg"].is_string() && e["type"].is_string())
    })
}

/// Which `x-api-key` a request carries.
#[derive(Debug, Clone)]
pub enum Key {
    /// The key the emulator was started with.
    Valid,
    /// No `x-api-key` header.
    Missing,
    /// This key instead.
    Wrong(&'static str),
}

/// A well-formed request, sent with `reqwest`.
#[derive(Debug, Clone)]
pub struct Http {
    /// `GET`, `POST`, …
    pub method: reqwest::Method,
    /// Path and query, e.g. `/v1/tasks/groups?x=1`.
    pub path: String,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
    /// The body, if any (no content type is added for it).
    pub body: Option<Vec<u8>>,
    /// The API key to send.
    pub key: Key,
}

/// Sends `req` and reads the whole answer.
pub async fn send_http(
    client: &reqwest::Client,
    base: &str,
    req: &Http,
) -> Result<Observed, String> {
    let mut builder = client.request(req.method.clone(), format!("{base}{}", req.path));
    match &req.key {
        Key::Valid => builder = builder.header("x-api-key", TEST_API_KEY),
        Key::Missing => {}
        Key::Wrong(k) => builder = builder.header("x-api-key", *k),
    }
    for (name, value) in &req.headers {
        builder = builder.header(*name, value);
    }
    if let Some(body) = &req.body {
        builder = builder.body(body.clone());
    }
    let exchange = async {
        let resp = builder.send().await.map_err(|e| format!("send: {e}"))?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = resp.bytes().await.map_err(|e| format!("read body: {e}"))?;
        Ok(Observed {
            status,
            content_type,
            body: body.to_vec(),
        })
    };
    tokio::time::timeout(HANG_BOUND, exchange)
        .await
        .map_err(|_| format!("no answer within {HANG_BOUND:?} (hang)"))?
}

/// Sends raw bytes (a request that should end with `connection: close`, or
/// one hyper refuses) and reads until the server closes or a full answer is in.
pub async fn send_raw(addr: &str, bytes: &[u8]) -> Result<Observed, String> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        stream
            .write_all(bytes)
            .await
            .map_err(|e| format!("write: {e}"))?;
        read_response(&mut stream).await
    };
    tokio::time::timeout(HANG_BOUND, exchange)
        .await
        .map_err(|_| format!("no answer within {HANG_BOUND:?} (hang)"))?
}

/// Reads one HTTP/1.1 response: until its body is complete (by
/// `content-length` or the chunked terminator), or until the server closes.
pub async fn read_response<R: AsyncReadExt + Unpin>(stream: &mut R) -> Result<Observed, String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(observed) = parse_response(&buf, false) {
            return Ok(observed);
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    parse_response(&buf, true).ok_or_else(|| {
        format!(
            "connection closed without a complete response ({} bytes: {:?})",
            buf.len(),
            String::from_utf8_lossy(&buf[..buf.len().min(200)])
        )
    })
}

/// Parses `buf` as a response; `closed` says no more bytes will come.
fn parse_response(buf: &[u8], closed: bool) -> Option<Observed> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..head_end]);
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut content_type = String::new();
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => content_type = value.to_owned(),
            "content-length" => length = value.parse::<usize>().ok(),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            _ => {}
        }
    }
    let rest = &buf[head_end + 4..];
    let body = if chunked {
        dechunk(rest).or_else(|| closed.then(Vec::new))?
    } else if let Some(n) = length {
        if rest.len() < n {
            return None;
        }
        rest[..n].to_vec()
    } else if closed {
        rest.to_vec()
    } else {
        return None;
    };
    Some(Observed {
        status,
        content_type,
        body,
    })
}

/// The payload of a complete chunked body, or `None` if it is not complete yet.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        if rest.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// The answer to an oversized body, and how much of it went out before that.
#[derive(Debug)]
pub struct HugeOutcome {
    /// The response the server sent.
    pub observed: Observed,
    /// Body bytes written before the answer came (or the server hung up).
    pub sent: u64,
}

/// Streams a `total`-byte body to `path` (declared with `Content-Length`, or
/// chunked), reading the answer meanwhile, and stops writing as soon as the
/// answer is complete or the server stops reading.
pub async fn send_huge(
    addr: &str,
    path: &str,
    total: u64,
    chunked: bool,
) -> Result<HugeOutcome, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (mut reader, mut writer) = stream.into_split();
    let framing = if chunked {
        "transfer-encoding: chunked".to_owned()
    } else {
        format!("content-length: {total}")
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: emulator\r\nx-api-key: {TEST_API_KEY}\r\n\
         content-type: application/json\r\n{framing}\r\nconnection: close\r\n\r\n"
    );
    let sent = Arc::new(AtomicU64::new(0));
    let answered = Arc::new(AtomicBool::new(false));
    let writer_task = {
        let (sent, answered) = (Arc::clone(&sent), Arc::clone(&answered));
        tokio::spawn(async move {
            writer.write_all(head.as_bytes()).await?;
            let piece = vec![b' '; 64 * 1024];
            while sent.load(Ordering::Relaxed) < total && !answered.load(Ordering::Relaxed) {
                let n = (total - sent.load(Ordering::Relaxed)).min(piece.len() as u64) as usize;
                if chunked {
                    writer.write_all(format!("{n:x}\r\n").as_bytes()).await?;
                }
                writer.write_all(&piece[..n]).await?;
                if chunked {
                    writer.write_all(b"\r\n").await?;
                }
                sent.fetch_add(n as u64, Ordering::Relaxed);
            }
            if chunked && !answered.load(Ordering::Relaxed) {
                writer.write_all(b"0\r\n\r\n").await?;
            }
            Ok::<_, std::io::Error>(())
        })
    };
    let observed = tokio::time::timeout(HANG_BOUND, read_response(&mut reader))
        .await
        .map_err(|_| format!("no answer within {HANG_BOUND:?} (hang)"))?;
    answered.store(true, Ordering::Relaxed);
    writer_task.abort();
    Ok(HugeOutcome {
        observed: observed?,
        sent: sent.load(Ordering::Relaxed),
    })
}
