//! Reading one HTTP/1 request from a socket, for tests that play a
//! scripted server (what the client sent, byte for byte).

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Largest request head read; a longer one is treated as no request.
const MAX_HEAD_BYTES: usize = 1 << 20;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// Headers in order, names in lower case, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body, `content-length` bytes of it (fewer when the client closed
    /// the connection early).
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a request head and its `content-length` body (so that closing
/// the socket afterwards does not reset the connection under the client).
/// `None` when the connection closed or failed before the head ended, or
/// the head was not HTTP/1.
///
/// ```no_run
/// # async fn demo(listener: tokio::net::TcpListener) {
/// let (mut socket, _) = listener.accept().await.unwrap();
/// let request = parallel_web_test_support::http1::read_request(&mut socket).await;
/// # }
/// ```
pub async fn read_request(sock: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return None;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}
