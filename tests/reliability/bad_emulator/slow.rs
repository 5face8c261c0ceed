//! Slow and stalled clients (slowloris): a connection that sends nothing, a
//! request dripped a byte at a time, headers cut off mid-way, and bodies that
//! stop or crawl. The server must keep serving others and close each stalled
//! connection itself: after its header-read timeout (15 s) for headers,
//! after its body timeouts (10 s of silence, 30 s in all) for bodies.

use super::wire::{self, Http, Key, Observed, Shape, shape_mismatch};
use super::{assert_survived, authority, client};
use parallel_web_tests::{EmulatorProcess, TEST_API_KEY};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// Bound on how long a stalled connection may stay open: generous, well over
/// the emulator's 15 s, 10 s and 30 s deadlines. Reaching it means the server
/// never cut the connection.
const CLOSE_BOUND: Duration = Duration::from_secs(90);

/// Pause between two dripped bytes.
const DRIP_EVERY: Duration = Duration::from_millis(500);

/// What a stalled client does after its opening bytes.
#[derive(Debug, Clone, Copy)]
enum Then {
    /// Sends nothing more, connection left open.
    Silence,
    /// Sends this byte every [`DRIP_EVERY`], until the server hangs up.
    Drip(u8),
    /// Shuts down its sending side (a FIN): the request can never complete.
    HalfClose,
}

/// One stalled client.
struct Stall {
    name: &'static str,
    /// Sent at once on connecting.
    opening: Vec<u8>,
    /// What the client does next.
    then: Then,
    /// What the server must send before closing: nothing, or a response of
    /// this status and shape.
    answer: Option<(u16, Shape)>,
}

fn post_head(path: &str, framing: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nhost: emulator\r\nx-api-key: {TEST_API_KEY}\r\n\
         content-type: application/json\r\n{framing}\r\n\r\n"
    )
    .into_bytes()
}

fn stalls() -> Vec<Stall> {
    let mut partial_body = post_head("/v1/tasks/groups", "content-length: 100");
    partial_body.extend_from_slice(br#"{"metadat"#);
    let mut partial_chunk = post_head("/v1beta/tasks/groups", "transfer-encoding: chunked");
    partial_chunk.extend_from_slice(b"40\r\n{\"meta");
    let mut half_closed = post_head("/v1/tasks/groups", "content-length: 100");
    half_closed.extend_from_slice(br#"{"metadat"#);
    let mut dripped_body = post_head("/v1/tasks/runs", "content-length: 1000000");
    dripped_body.push(b'{');
    let mut unread_body = format!(
        "GET /v1/tasks/groups/tgrp_x HTTP/1.1\r\nhost: emulator\r\nx-api-key: {TEST_API_KEY}\r\n\
         content-length: 100\r\n\r\n"
    )
    .into_bytes();
    unread_body.extend_from_slice(b"{");
    vec![
        Stall {
            name: "connected, nothing sent",
            opening: Vec::new(),
            then: Then::Silence,
            answer: None,
        },
        Stall {
            name: "request line dripped a byte at a time",
            opening: b"G".to_vec(),
            then: Then::Drip(b'E'),
            answer: None,
        },
        Stall {
            name: "headers dripped a byte at a time",
            opening: b"GET /v1/tasks/groups/tgrp_x HTTP/1.1\r\nx-drip: ".to_vec(),
            then: Then::Drip(b'a'),
            answer: None,
        },
        Stall {
            name: "headers cut off mid-line, then silence",
            opening: b"GET /v1/tasks/groups/tgrp_x HTTP/1.1\r\nhost: emulator\r\nx-api-k".to_vec(),
            then: Then::Silence,
            answer: None,
        },
        Stall {
            name: "headers, then part of a content-length body, then silence",
            opening: partial_body,
            then: Then::Silence,
            answer: Some((408, Shape::Error)),
        },
        Stall {
            name: "headers, then part of a chunked body, then silence",
            opening: partial_chunk,
            then: Then::Silence,
            answer: Some((408, Shape::Error)),
        },
        Stall {
            name: "headers, then part of a body, then the client half-closes",
            opening: half_closed,
            then: Then::HalfClose,
            answer: Some((400, Shape::Error)),
        },
        Stall {
            name: "body dripped a byte at a time",
            opening: dripped_body,
            then: Then::Drip(b' '),
            answer: Some((408, Shape::Error)),
        },
        Stall {
            name: "GET with a declared body that never comes",
            opening: unread_body,
            then: Then::Silence,
            answer: Some((404, Shape::Error)),
        },
    ]
}

/// Plays one stalled client; `Ok` (with how long the connection stayed
/// open, for the log) once the server has closed it having sent what the
/// stall expects. `stalling` is told once the opening bytes are sent (or
/// dropped if that failed), so the caller knows every stall is under way.
async fn play(
    addr: String,
    stall: Stall,
    stalling: oneshot::Sender<()>,
) -> Result<Duration, String> {
    let started = std::time::Instant::now();
    let stream = TcpStream::connect(&addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(&stall.opening)
        .await
        .map_err(|e| format!("write: {e}"))?;
    let _ = stalling.send(());
    // The writing half lives in this task until the end: dropping it would
    // send a FIN, which is a different case (`Then::HalfClose`).
    let sender = tokio::spawn(async move {
        match stall.then {
            Then::Silence => std::future::pending::<()>().await,
            Then::Drip(byte) => loop {
                tokio::time::sleep(DRIP_EVERY).await;
                if writer.write_all(&[byte]).await.is_err() {
                    break;
                }
            },
            Then::HalfClose => {
                let _ = writer.shutdown().await;
                std::future::pending::<()>().await
            }
        }
    });
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = tokio::time::timeout(CLOSE_BOUND, async {
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    sender.abort();
    closed.map_err(|_| format!("still open after {CLOSE_BOUND:?}"))?;
    let open_for = started.elapsed();
    match stall.answer {
        None if received.is_empty() => Ok(open_for),
        None => Err(format!(
            "expected no answer, got {:?}",
            String::from_utf8_lossy(&received)
        )),
        Some((status, shape)) => {
            let observed: Observed = wire::read_response(&mut received.as_slice()).await?;
            let mut problems = Vec::new();
            if observed.status != status {
                problems.push(format!("expected HTTP {status}"));
            }
            problems.extend(shape_mismatch(shape, &observed));
            if problems.is_empty() {
                Ok(open_for)
            } else {
                Err(format!(
                    "{}; got {}",
                    problems.join(", "),
                    observed.describe()
                ))
            }
        }
    }
}

/// The test body of `stalled_requests_are_cut_off_while_others_are_served`.
pub async fn run() {
    let mut emulator = EmulatorProcess::spawn_capturing_stderr(&["--time-scale", "0"]);
    let client = client();
    let addr = authority(&emulator);
    let (players, stalling): (Vec<_>, Vec<_>) = stalls()
        .into_iter()
        .map(|s| {
            let name = s.name;
            let (tx, rx) = oneshot::channel();
            ((name, tokio::spawn(play(addr.clone(), s, tx))), rx)
        })
        .unzip();

    // While they stall (each has connected and sent its opening bytes;
    // a player that failed first drops its sender and reports below),
    // others are served.
    for started in stalling {
        let _ = started.await;
    }
    let normal = Http {
        method: reqwest::Method::POST,
        path: "/v1/tasks/groups".to_owned(),
        headers: vec![("content-type", "application/json".to_owned())],
        body: Some(b"{}".to_vec()),
        key: Key::Valid,
    };
    let observed = wire::send_http(&client, emulator.base_url(), &normal)
        .await
        .expect("a normal request is answered while others stall");
    assert_eq!(observed.status, 200, "{}", observed.describe());

    let mut failures = Vec::new();
    for (name, player) in players {
        match player.await {
            Ok(Ok(open_for)) => eprintln!("ok   {name}: closed by the server after {open_for:.1?}"),
            Ok(Err(why)) => failures.push(format!("{name}: {why}")),
            Err(e) => failures.push(format!("{name}: the client task failed: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "stalled clients not handled:\n{}",
        failures.join("\n")
    );
    assert_survived(&client, &mut emulator).await;
}
