//! Accepting TCP connections and serving HTTP/1 on them, with a deadline for
//! a request's headers so that slow or stalled clients cannot hold
//! connections forever.
//!
//! `axum::serve` gives hyper no timer, and without one hyper ignores its
//! header-read timeout: a client that sends half a request line and stalls
//! keeps its connection (and its file descriptor) until it goes away by
//! itself. This loop is `axum::serve` plus that timer. The matching deadline
//! for request *bodies* lives with the extractor that reads them
//! (`handlers::body`), because hyper has no body timeout of its own.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long a client has to send a request's complete headers, counted from
/// when the server starts waiting for them (a new connection, or an idle
/// keep-alive one after its previous response). A connection that has not
/// sent them by then is closed without an answer. It also bounds how long an
/// idle keep-alive connection stays open.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(15);

/// How long the accept loop pauses after a failed `accept` (for example when
/// the process is out of file descriptors), so that it does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` until `stop` turns true, then lets each open
/// connection finish its current response and returns once all are closed.
pub async fn serve(listener: TcpListener, app: Router, mut stop: watch::Receiver<bool>) {
    // Every connection task holds a receiver; `closed()` on the sender
    // resolves once the last one is dropped, i.e. all connections are gone.
    let (alive_tx, alive_rx) = watch::channel(());
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stopped(&mut stop) => break,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                tracing::debug!("accept failed: {e}; pausing before the next accept");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        // The router takes any body type, hyper's `Incoming` included.
        let service = TowerToHyperService::new(app.clone());
        let mut stop = stop.clone();
        let alive = alive_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!("connection ended with an error: {e}");
                    }
                }
                () = stopped(&mut stop) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(alive);
        });
    }
    drop(listener);
    drop(alive_rx);
    alive_tx.closed().await;
}

/// Resolves once `stop` is true (or its sender is gone). Returns no borrow of
/// the channel, so the futures that wait on it stay `Send`.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
