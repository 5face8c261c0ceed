//! Part 2a, hostile servers: a tiny scripted HTTP/1.1 server on a raw
//! `TcpListener`, and the cases of the bad-input table that point the SDK
//! at it. Each case's server answers with exactly the bytes the case
//! scripts (broken framing, wrong content types, redirects, silence), which
//! no well-behaved HTTP framework would send.
//!
//! The table itself and its runner live in `bad_sdk.rs`; the key-leak
//! checks in `secrets.rs`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use parallel_web::{Client, ClientBuilder, Error, GroupEvent, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::bad_sdk::{Case, Env, Observed, expect_err, expect_ok};

mod cases;
mod outside;

/// Every hostile-server case of the bad-input table.
pub(crate) fn cases() -> Vec<crate::bad_sdk::Case> {
    let mut all = cases::cases();
    all.extend(outside::cases());
    all
}

/// One request as the scripted server read it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// Which connection (0-based, in accept order) carried it.
    pub connection: usize,
    /// Path and query, as sent.
    pub target: String,
    /// Header names in lower case, values as sent.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first value of a header.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter, as sent (the tests' values need no decoding).
    pub(crate) fn query(&self, name: &str) -> Option<String> {
        let (_, query) = self.target.split_once('?')?;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then(|| v.to_owned())
        })
    }
}

type Handler = Arc<dyn Fn(Request, TcpStream) -> BoxFuture<'static, ()> + Send + Sync>;

/// A server that hands each connection's socket to a script. Every
/// request is recorded; the server stops when dropped.
pub(crate) struct ScriptedServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    accept: JoinHandle<()>,
}

impl ScriptedServer {
    /// Listens on a free loopback port. `script` gets each request (after
    /// its body was read) and the socket, and writes whatever it likes.
    pub(crate) async fn start<F, Fut>(script: F) -> ScriptedServer
    where
        F: Fn(Request, TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |req, sock| Box::pin(script(req, sock)));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        let accept = tokio::spawn(async move {
            // Dropping the set (when this task is aborted) aborts every
            // connection still being served.
            let mut connections = JoinSet::new();
            for connection in 0.. {
                let Ok((mut sock, _)) = listener.accept().await else {
                    continue;
                };
                let (handler, recorded) = (handler.clone(), recorded.clone());
                connections.spawn(async move {
                    if let Some(req) = read_request(&mut sock, connection).await {
                        recorded.lock().unwrap().push(req.clone());
                        handler(req, sock).await;
                    }
                });
                while connections.try_join_next().is_some() {}
            }
        });
        ScriptedServer {
            addr,
            requests,
            accept,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far.
    pub(crate) fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Reads a request head and its body, noting which connection it came on.
async fn read_request(sock: &mut TcpStream, connection: usize) -> Option<Request> {
    let request = parallel_web_test_support::http1::read_request(sock).await?;
    Some(Request {
        connection,
        target: request.target,
        headers: request.headers,
    })
}

/// A complete response with a `content-length`, closing the connection.
pub(crate) fn response(
    status: u16,
    content_type: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} Scripted\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// The head of an event stream whose body ends when the connection closes.
pub(crate) fn sse_head() -> &'static [u8] {
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n"
}

/// Writes bytes, ignoring a client that went away.
pub(crate) async fn write(sock: &mut TcpStream, bytes: &[u8]) -> bool {
    sock.write_all(bytes).await.is_ok() && sock.flush().await.is_ok()
}

/// A server that answers every request with the same bytes.
pub(crate) async fn always(bytes: Vec<u8>) -> ScriptedServer {
    let bytes = Arc::new(bytes);
    ScriptedServer::start(move |_req, mut sock| {
        let bytes = bytes.clone();
        async move {
            write(&mut sock, &bytes).await;
        }
    })
    .await
}

/// A `task_run.state` event's JSON, shaped like the API's.
pub(crate) fn run_json(event_id: &str, run_id: &str, status: &str) -> String {
    format!(
        concat!(
            r#"{{"type":"task_run.state","event_id":"{}","input":null,"run":{{"run_id":"{}","#,
            r#""interaction_id":"{}","status":"{}","is_active":false,"warnings":null,"error":null,"#,
            r#""processor":"lite","metadata":{{}},"taskgroup_id":"tgrp_hostile","#,
            r#""created_at":"2025-08-06T00:52:58.619503Z","modified_at":"2025-08-06T00:52:59.495063Z"}},"output":null}}"#
        ),
        event_id, run_id, run_id, status
    )
}

/// One SSE event carrying a run's state, LF-framed.
pub(crate) fn run_event(event_id: &str, run_id: &str) -> String {
    format!(
        "event: task_run.state\ndata: {}\n\n",
        run_json(event_id, run_id, "completed")
    )
}

/// A group as `POST /v1/tasks/groups` and `GET .../{id}` return it.
fn group_json(run_status: &str) -> String {
    format!(
        r#"{{"taskgroup_id":"tgrp_hostile","status":{{"num_task_runs":1,"task_run_status_counts":{{"{run_status}":1}},"is_active":false,"status_message":null,"modified_at":null}},"created_at":"2025-08-06T00:52:58.619503Z","metadata":null}}"#
    )
}

/// Retries as the defaults count them, with delays of milliseconds.
pub(crate) fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
}

/// A client for a scripted server, with quick retries and reconnects.
pub(crate) fn client_for(
    env: &Env,
    base_url: &str,
    adjust: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> Client {
    let builder = Client::builder()
        .api_key(env.key.as_str())
        .base_url(base_url)
        .retry_policy(quick_retries())
        .stream_backoff(quick_retries())
        .stream_max_reconnects(2);
    adjust(builder)
        .build()
        .expect("a client for the scripted server")
}

/// Every item of a group's run stream (opened without cursor).
async fn all_runs(client: &Client) -> Result<Vec<Result<GroupEvent, Error>>, Error> {
    let stream = client
        .task_groups()
        .handle("tgrp_hostile")
        .runs()
        .send()
        .await?;
    Ok(stream.collect().await)
}

/// The cursors of run-state items, in order; the first error item ends it.
fn cursors(items: Vec<Result<GroupEvent, Error>>) -> Result<Vec<String>, Error> {
    items
        .into_iter()
        .map(|item| item.map(|e| e.event_id().unwrap_or("<none>").to_owned()))
        .collect()
}

/// Requests that carried `last_event_id`, in order (`None` for none).
fn resumed_from(server: &ScriptedServer) -> Vec<Option<String>> {
    server
        .requests()
        .iter()
        .map(|r| r.query("last_event_id"))
        .collect()
}

/// Runs `work` while sampling this process's resident memory; returns its
/// output and how far memory grew over the baseline, in KiB.
pub(crate) async fn with_rss_growth<T>(work: impl Future<Output = T>) -> (T, u64) {
    let baseline = rss_kib().unwrap_or(0);
    let peak = Arc::new(Mutex::new(baseline));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                if let Some(now) = rss_kib() {
                    let mut p = peak.lock().unwrap();
                    *p = (*p).max(now);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let out = work.await;
    sampler.abort();
    let grown = peak.lock().unwrap().saturating_sub(baseline);
    (out, grown)
}

/// Growth of resident memory allowed while the SDK meets an oversized
/// answer (its caps: 32 MiB per event, 64 MiB per body, 4 KiB per error body).
pub(crate) const RSS_BOUND_KIB: u64 = 256 * 1024;

/// An observation with the memory growth checked and noted.
pub(crate) fn bounded(outcome: crate::bad_sdk::Outcome, grown: u64) -> Observed {
    let mut side = Vec::new();
    if grown > RSS_BOUND_KIB {
        side.push(format!("resident memory grew by {grown} KiB"));
    }
    Observed {
        outcome,
        side,
        note: format!("RSS peak +{} MiB", grown / 1024),
    }
}

/// This process's resident memory, in KiB.
fn rss_kib() -> Option<u64> {
    parallel_web_tests::resident_kib("self")
}

/// Points a client at a server that redirects every request with
/// `status` to a second server; returns the outcome of creating (307) or
/// retrieving (302) a group, and what the second server received.
pub(crate) async fn redirect_to_another_host(
    env: &Env,
    status: u16,
) -> (Result<String, Error>, Vec<Request>) {
    let other = ScriptedServer::start(|_req, mut sock| async move {
        let body = group_json("completed");
        write(
            &mut sock,
            &response(200, "application/json", &[], body.as_bytes()),
        )
        .await;
    })
    .await;
    let location = format!("{}/v1/tasks/groups/tgrp_hostile", other.url());
    let first = ScriptedServer::start(move |_req, mut sock| {
        let location = location.clone();
        async move {
            let bytes = response(
                status,
                "text/html",
                &[("location", &location)],
                b"<a>moved</a>",
            );
            write(&mut sock, &bytes).await;
        }
    })
    .await;
    let client = client_for(env, &first.url(), |b| b);
    let outcome = if status == 307 {
        client.task_groups().create().send().await
    } else {
        client.task_groups().retrieve("tgrp_hostile").await
    };
    (outcome.map(|g| g.id().to_owned()), other.requests())
}
