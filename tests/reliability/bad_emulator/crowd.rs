//! Thousands of TCP connections held open at once: idle ones, ones stopped
//! mid-request, and ones holding a live SSE stream. A normal request must
//! still be answered and the emulator's memory must stay bounded.

use super::wire::{self, HANG_BOUND, Http, Key};
use super::{RSS_BOUND_MIB, assert_survived, authority, client, post, rss_mib};
use parallel_web_tests::{EmulatorProcess, TEST_API_KEY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Connections to hold when the file-descriptor limit allows.
const WANTED: usize = 2000;

/// Hang guard while waiting for a live stream's first keep-alive (sent
/// 15 s after the stream starts): reaching it means none came.
const KEEP_ALIVE_BOUND: std::time::Duration = std::time::Duration::from_secs(60);

/// Descriptors kept free for everything else both processes open.
const FD_HEADROOM: u64 = 256;

/// How many connections to open, and why fewer than [`WANTED`] if so. Each
/// connection costs one descriptor in this process and one in the emulator
/// (which inherits this process's limit).
fn connection_count() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft: Option<u64> = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok());
    match soft {
        Some(n) if n < WANTED as u64 + FD_HEADROOM => {
            let scaled = n.saturating_sub(FD_HEADROOM).max(100) as usize;
            eprintln!(
                "open-files limit is {n}: holding {scaled} connections instead of {WANTED} \
                 (each needs a descriptor here and one in the emulator)"
            );
            scaled
        }
        _ => WANTED,
    }
}

/// What one held connection is doing.
#[derive(Debug, Clone, Copy)]
enum Hold {
    /// Connected, nothing sent.
    Idle,
    /// Half a request sent, then silence.
    MidRequest,
    /// A complete request for a live SSE stream, whose `200` head was read.
    Stream,
}

async fn open(addr: &str, hold: Hold, stream_path: &str) -> Result<TcpStream, String> {
    let mut s = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    match hold {
        Hold::Idle => {}
        Hold::MidRequest => s
            .write_all(b"GET /v1/tasks/groups HTTP/1.1\r\nhost: emulator\r\nx-api-k")
            .await
            .map_err(|e| format!("write: {e}"))?,
        Hold::Stream => {
            let req = format!(
                "GET {stream_path} HTTP/1.1\r\nhost: emulator\r\nx-api-key: {TEST_API_KEY}\r\n\
                 accept: text/event-stream\r\n\r\n"
            );
            s.write_all(req.as_bytes())
                .await
                .map_err(|e| format!("write: {e}"))?;
            let mut head = Vec::new();
            let mut byte = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut byte).await.map_err(|e| format!("read: {e}"))?;
                if n == 0 {
                    return Err("stream closed before its head".to_owned());
                }
                head.extend_from_slice(&byte[..n]);
            }
            if !head.starts_with(b"HTTP/1.1 200") {
                return Err(format!(
                    "stream refused: {}",
                    String::from_utf8_lossy(&head)
                ));
            }
        }
    }
    Ok(s)
}

/// The test body of `thousands_of_open_connections_do_not_block_a_normal_request`.
pub async fn run() {
    // Time scale 1, not 0: an `ultra8x` run then stays active for minutes,
    // so its group's events streams stay open (at time scale 0 every run
    // finishes at once and every stream closes at once).
    let mut emulator =
        EmulatorProcess::spawn_capturing_stderr(&["--time-scale", "1", "--seed", "3"]);
    let client = client();
    let base = emulator.base_url().to_owned();
    let group = post(&client, format!("{base}/v1/tasks/groups"), "{}").await["taskgroup_id"]
        .as_str()
        .expect("taskgroup_id")
        .to_owned();
    post(
        &client,
        format!("{base}/v1/tasks/groups/{group}/runs"),
        r#"{"inputs":[{"input":"q","processor":"ultra8x"}]}"#,
    )
    .await;
    let stream_path = format!("/v1/tasks/groups/{group}/events");
    let addr = authority(&emulator);

    let total = connection_count();
    let mut held = Vec::with_capacity(total);
    let mut failures = Vec::new();
    let kinds = [Hold::Idle, Hold::MidRequest, Hold::Stream];
    // The last connection opened is a stream: it is watched at the end.
    let kind = |i: usize| {
        if i + 1 == total {
            Hold::Stream
        } else {
            kinds[i % kinds.len()]
        }
    };
    for batch_start in (0..total).step_by(100) {
        let batch = (batch_start..(batch_start + 100).min(total)).map(|i| {
            let (addr, path) = (addr.clone(), stream_path.clone());
            let hold = kind(i);
            async move { open(&addr, hold, &path).await }
        });
        let opened = tokio::time::timeout(HANG_BOUND, futures::future::join_all(batch))
            .await
            .expect("opening a batch of 100 connections hung");
        for result in opened {
            match result {
                Ok(s) => held.push(s),
                Err(e) => failures.push(e),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} connections failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    eprintln!("holding {} connections", held.len());

    let normal = Http {
        method: reqwest::Method::GET,
        path: format!("/v1/tasks/groups/{group}"),
        headers: Vec::new(),
        body: None,
        key: Key::Valid,
    };
    let observed = wire::send_http(&client, &base, &normal)
        .await
        .expect("a normal request is answered while thousands of connections are held");
    assert_eq!(observed.status, 200, "{}", observed.describe());
    let stats = emulator.stats().await;
    assert!(stats.is_object(), "stats answer while crowded");
    let rss = rss_mib(&emulator);
    eprintln!(
        "emulator RSS with {} connections held: {rss} MiB",
        held.len()
    );
    assert!(
        rss < RSS_BOUND_MIB,
        "emulator RSS {rss} MiB is over {RSS_BOUND_MIB} MiB"
    );

    // The emulator closes connections that take over 15 s to send their
    // headers; a live stream, whose request is long complete, must outlast
    // that. No fixed watch: the header-read timer starts when the connection
    // is accepted, the keep-alive timer (also 15 s) only once the request is
    // read and the stream starts, so were the header timeout applied to the
    // stream it would always close it before its first keep-alive. Waiting
    // for that keep-alive (an event) is the check.
    let mut stream = held.pop().expect("at least one connection");
    drop(held);
    let mut received = Vec::new();
    let mut buf = [0u8; 1024];
    let outcome = tokio::time::timeout(KEEP_ALIVE_BOUND, async {
        while !String::from_utf8_lossy(&received).contains(": keep-alive") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
        true
    })
    .await;
    match outcome {
        Ok(true) => {}
        Ok(false) => panic!(
            "a live SSE stream was closed before its first keep-alive; got {:?}",
            String::from_utf8_lossy(&received)
        ),
        Err(_) => panic!("a live SSE stream got no keep-alive within {KEEP_ALIVE_BOUND:?}"),
    }
    assert_survived(&client, &mut emulator).await;
}
