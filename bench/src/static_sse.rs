//! A loopback HTTP server that answers `GET /v1/tasks/groups/{id}/runs` (and
//! the `/v1beta` path) with a fixture file's bytes as `text/event-stream`,
//! and `POST /v1beta/chat/completions` with a chat fixture (picked by the
//! request's `model`; the rest of the body is ignored), and
//! `GET /v1beta/findall/runs/{id}/events` with a FindAll fixture (picked by
//! the run id).
//!
//! The fixtures are held in memory and written in 1 MiB chunks (chunked
//! transfer encoding, as the emulator and the API send streams), so the
//! stream workloads measure what a client costs, not what a server costs. The
//! group id picks the fixture; the query string (include flags, cursors) and
//! the API key are ignored.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;

/// Bytes per body chunk.
const CHUNK: usize = 1 << 20;

type Fixtures = Arc<HashMap<String, Bytes>>;

/// Serves `fixtures` (group id → SSE body) on a free loopback port; returns
/// the base URL. The server runs until the runtime stops.
pub async fn start(fixtures: HashMap<String, Bytes>) -> std::io::Result<String> {
    let app = Router::new()
        .route("/{version}/tasks/groups/{id}/runs", get(runs))
        .route("/v1beta/chat/completions", post(chat))
        .route("/v1beta/findall/runs/{id}/events", get(findall_events))
        .with_state(Arc::new(fixtures));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("static SSE server stopped: {e}");
        }
    });
    Ok(base_url)
}

async fn chat(State(fixtures): State<Fixtures>, request: Bytes) -> Response {
    let model = serde_json::from_slice::<serde_json::Value>(&request)
        .ok()
        .and_then(|v| v["model"].as_str().map(str::to_owned))
        .unwrap_or_default();
    match fixtures.get(&model) {
        Some(body) => event_stream(body.clone()),
        None => (StatusCode::NOT_FOUND, "no such fixture").into_response(),
    }
}

async fn findall_events(State(fixtures): State<Fixtures>, Path(id): Path<String>) -> Response {
    match fixtures.get(&id) {
        Some(body) => event_stream(body.clone()),
        None => (StatusCode::NOT_FOUND, "no such fixture").into_response(),
    }
}

async fn runs(
    State(fixtures): State<Fixtures>,
    Path((version, id)): Path<(String, String)>,
) -> Response {
    let body = match fixtures.get(&id) {
        Some(body) if version == "v1" || version == "v1beta" => body.clone(),
        _ => return (StatusCode::NOT_FOUND, "no such fixture").into_response(),
    };
    event_stream(body)
}

/// `body` as a `text/event-stream` answer in [`CHUNK`]-sized pieces.
fn event_stream(body: Bytes) -> Response {
    let chunks = (0..body.len())
        .step_by(CHUNK)
        .map(move |at| Ok::<_, Infallible>(body.slice(at..(at + CHUNK).min(body.len()))));
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(futures::stream::iter(chunks)),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_the_fixture_for_its_group_on_both_path_families() {
        let body = Bytes::from(vec![b'x'; CHUNK * 2 + 5]);
        let base = start(HashMap::from([("tgrp_a".to_string(), body.clone())]))
            .await
            .unwrap();
        parallel_web::install_tls_provider();
        let http = reqwest::Client::new();
        for version in ["v1", "v1beta"] {
            let r = http
                .get(format!(
                    "{base}/{version}/tasks/groups/tgrp_a/runs?include_input=true"
                ))
                .send()
                .await
                .unwrap();
            assert_eq!(r.headers()[header::CONTENT_TYPE], "text/event-stream");
            assert_eq!(r.bytes().await.unwrap(), body);
        }
        let missing = http
            .get(format!("{base}/v1/tasks/groups/tgrp_b/runs"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }
}
