//! `GET /v1beta/findall/runs/{findall_id}/events`: a FindAll run's events
//! after `last_event_id`, live until the run is finished and every event
//! is out, or until `timeout` seconds pass.
//!
//! Each event is rendered when it is sent, from the run's compact event
//! records, [`sse::CHUNK`] events per body chunk, so a run of 100,000
//! events streams without ever holding its text in memory.

use super::findall::{not_found, renderer};
use super::{Params, PathIds, keep_alive_interval, seconds_param};
use crate::error::ApiError;
use crate::findall::parse_event_id;
use crate::findall::render::FindAllRenderer;
use crate::sse::{self, Next};
use crate::state::AppState;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Longest a FindAll events stream stays open without a `timeout` (before time scaling).
const STREAM_LIFETIME: Duration = Duration::from_secs(3600);

struct FindAllStream {
    st: Arc<AppState>,
    renderer: FindAllRenderer,
    run: u32,
    pos: usize,
    deadline: Instant,
    keep_alive: Duration,
    changes: watch::Receiver<u64>,
}

/// `GET /v1beta/findall/runs/{findall_id}/events`.
pub async fn findall_events(
    State(st): State<Arc<AppState>>,
    PathIds(id): PathIds<String>,
    params: Params,
    uri: Uri,
) -> Result<Response, ApiError> {
    let timeout = seconds_param(&params, "timeout")?;
    let (run, start) = {
        let runs = st.findall();
        let run = runs.find(&st.codec, &id).ok_or_else(not_found)?;
        let n = runs.runs[run as usize].events.len();
        let start = match params.get("last_event_id").map(String::as_str) {
            None | Some("") | Some("null") => 0,
            Some(c) => match parse_event_id(&st.codec, c) {
                Some((r, pos)) if r == run && pos < n => pos + 1,
                _ => {
                    return Err(ApiError::validation(
                        &[json!("query"), json!("last_event_id")],
                        format!("Invalid last_event_id `{c}`: not an event_id of this FindAll run"),
                        "value_error",
                    ));
                }
            },
        };
        (run, start)
    };
    let mut lifetime = st.scaled(STREAM_LIFETIME);
    if let Some(t) = timeout {
        lifetime = lifetime.min(Duration::from_secs_f64(t.min(1e6)));
    }
    let source = FindAllStream {
        renderer: renderer(&st),
        keep_alive: keep_alive_interval(&st),
        changes: st.changes.subscribe(),
        deadline: Instant::now() + lifetime,
        st: st.clone(),
        run,
        pos: start,
    };
    let cut_after = st.faults.stream_cut(uri.path());
    Ok(sse::serve(
        st,
        "findall_events",
        cut_after,
        source,
        findall_next,
    ))
}

/// The next events (at most `allow`), a keep-alive, or the end.
async fn findall_next(mut s: FindAllStream, allow: usize) -> Option<(Next, FindAllStream)> {
    loop {
        s.changes.borrow_and_update();
        if s.st.is_closing() {
            return None;
        }
        let now = Instant::now();
        let (frames, due) = {
            let mut runs = s.st.findall();
            let run = &mut runs.runs[s.run as usize];
            run.advance(now);
            let end = run.events.len().min(s.pos + allow);
            let mut text = String::new();
            for pos in s.pos..end {
                let e = &run.events[pos];
                sse::frame(&mut text, e.rec.kind(), &s.renderer.event(s.run, run, pos));
            }
            let count = end - s.pos;
            let finished = !run.status.is_active() && end == run.events.len();
            s.pos = end;
            (
                (count > 0 || finished).then_some((text, count, finished)),
                run.next_due(),
            )
        };
        if let Some((text, count, last)) = frames {
            if count == 0 {
                return None;
            }
            return Some((Next::Frames { text, count, last }, s));
        }
        if now >= s.deadline {
            return None;
        }
        let wake = due.unwrap_or(s.deadline).min(s.deadline);
        tokio::select! {
            r = s.changes.changed() => if r.is_err() { return None },
            _ = tokio::time::sleep_until(wake) => {}
            _ = tokio::time::sleep(s.keep_alive) => return Some((Next::KeepAlive, s)),
        }
    }
}
