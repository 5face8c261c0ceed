//! The monitor-events fixture: one `event_stream` monitor on a fresh
//! release emulator with at least the events a workload pages through.
//!
//! At time scale 0 a monitor runs only its first check and the ones a
//! trigger adds, and each check finds 0 to 3 events (derived from the
//! seed, so every emulator started the same way lists the same events).
//! The harness triggers checks until the monitor lists enough events,
//! counting them by paging the way the clients do, 100 per page.

use futures::StreamExt;
use serde_json::{Value, json};

use crate::emulator::API_KEY;

/// Triggers in flight at once while filling the monitor.
const IN_FLIGHT: usize = 16;

/// Creates a monitor on the emulator at `base` and triggers checks until
/// it lists at least `events` events; returns its id and how many it lists.
pub async fn make(base: &str, events: usize) -> Result<(String, usize), String> {
    let http = reqwest::Client::new();
    let created = send(
        http.post(format!("{base}/v1/monitors")).json(&json!({
            "type": "event_stream",
            "frequency": "1d",
            "settings": {"query": "grid battery storage projects"},
        })),
        "create monitor",
    )
    .await?;
    let id = created["monitor_id"]
        .as_str()
        .ok_or_else(|| format!("create monitor: no monitor_id in {created}"))?
        .to_owned();
    let mut listed = count(&http, base, &id).await?;
    while listed < events {
        // About 1.5 events per check: this many usually suffice in one round.
        let triggers = (events - listed) * 3 / 4 + 64;
        let url = format!("{base}/v1/monitors/{id}/trigger");
        let mut pending = futures::stream::iter(0..triggers)
            .map(|_| send(http.post(&url), "trigger"))
            .buffer_unordered(IN_FLIGHT);
        while let Some(done) = pending.next().await {
            done?;
        }
        listed = count(&http, base, &id).await?;
    }
    Ok((id, listed))
}

/// The events monitor `id` lists, paged 100 at a time.
async fn count(http: &reqwest::Client, base: &str, id: &str) -> Result<usize, String> {
    let (mut n, mut cursor) = (0, None::<String>);
    loop {
        let mut req = http
            .get(format!("{base}/v1/monitors/{id}/events"))
            .query(&[("limit", "100")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let page = send(req, "list events").await?;
        n += page["events"].as_array().map_or(0, Vec::len);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return Ok(n),
        }
    }
}

/// Sends a request with the key; the JSON answer (`null` when empty), or an
/// error naming the request and quoting the answer.
async fn send(req: reqwest::RequestBuilder, what: &str) -> Result<Value, String> {
    let resp = req
        .header("x-api-key", API_KEY)
        .send()
        .await
        .map_err(|e| format!("{what}: {e}"))?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| format!("{what}: {e}"))?;
    if !status.is_success() {
        return Err(format!("{what}: HTTP {status}: {text}"));
    }
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).map_err(|e| format!("{what}: {e}: {text}"))
}
