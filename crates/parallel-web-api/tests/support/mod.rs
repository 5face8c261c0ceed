//! A one-shot HTTP server on 127.0.0.1 that records the request it receives
//! and answers with a canned response, so tests see exactly what the client
//! put on the wire.

#![allow(dead_code)] // Each test file uses a different part of this module.

use parallel_web_api::{Client, ClientConfig};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The API key every test client sends.
pub const API_KEY: &str = "test-key-123";

/// One HTTP request as it arrived.
#[derive(Debug)]
pub struct Captured {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Captured {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The query pairs, sorted: servers do not depend on their order, and
    /// the official SDK sorts them while progenitor keeps the spec's order.
    pub fn query(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self
            .target
            .split_once('?')
            .map(|(_, query)| query)
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (name.to_owned(), value.to_owned())
            })
            .collect();
        pairs.sort();
        pairs
    }

    /// The value of header `name`, if sent exactly once.
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut values = self.headers.iter().filter(|(n, _)| n == name);
        let value = values.next().map(|(_, v)| v.as_str());
        assert!(values.next().is_none(), "header {name} sent more than once");
        value
    }

    /// The body parsed as JSON (key order does not matter to the server).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// A canned response.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Reply {
    /// A JSON response.
    pub fn json(status: u16, body: &str) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: body.to_owned(),
        }
    }

    /// A server-sent-events response.
    pub fn events(body: &str) -> Self {
        Self {
            status: 200,
            content_type: "text/event-stream",
            body: body.to_owned(),
        }
    }
}

/// Starts a server that serves `reply` to the first request and returns its
/// base URL and the request it received.
pub async fn serve_once(reply: Reply) -> (String, JoinHandle<Captured>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
    let handle = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let captured = read_request(&mut socket).await;
        let response = format!(
            "HTTP/1.1 {} X\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
            reply.status,
            reply.content_type,
            reply.body.len(),
            reply.body
        );
        socket
            .write_all(response.as_bytes())
            .await
            .expect("write response");
        socket.shutdown().await.ok();
        captured
    });
    (base_url, handle)
}

/// Reads one request with its `content-length` body (reqwest sends one for
/// every JSON body).
async fn read_request(socket: &mut tokio::net::TcpStream) -> Captured {
    let request = parallel_web_test_support::http1::read_request(socket)
        .await
        .expect("a whole request before the connection closed");
    Captured {
        method: request.method,
        target: request.target,
        headers: request.headers,
        body: request.body,
    }
}

/// A client for `base_url`, built the way applications build it.
pub fn client(base_url: &str) -> Client {
    ClientConfig::new(base_url, API_KEY)
        .build()
        .expect("client")
}

/// Starts a server that answers the first request with `status`, then
/// `prefix` followed by `filler` bytes up to `total` bytes of body, written
/// in blocks until done or the client goes away. `declare_length` sends a
/// `content-length` of `total`; otherwise the body ends at close.
/// The handle returns how many body bytes were written.
pub async fn serve_sized(
    status: u16,
    declare_length: bool,
    prefix: &'static [u8],
    filler: u8,
    total: u64,
) -> (String, JoinHandle<u64>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
    let handle = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        read_request(&mut socket).await;
        let length = if declare_length {
            format!("content-length: {total}\r\n")
        } else {
            String::new()
        };
        let head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{length}connection: close\r\n\r\n"
        );
        if socket.write_all(head.as_bytes()).await.is_err() {
            return 0;
        }
        let mut written = prefix.len().min(total as usize) as u64;
        if socket.write_all(&prefix[..written as usize]).await.is_err() {
            return 0;
        }
        let block = vec![filler; 64 * 1024];
        while written < total {
            let n = block.len().min((total - written) as usize);
            if socket.write_all(&block[..n]).await.is_err() {
                break;
            }
            written += n as u64;
        }
        socket.shutdown().await.ok();
        written
    });
    (base_url, handle)
}
