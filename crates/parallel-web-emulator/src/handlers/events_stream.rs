//! G5 `GET …/tasks/groups/{id}/events`: the group's event log after a cursor,
//! then live until the group goes inactive (or the lifetime ends).

use super::{
    Params, PathIds, cursor_error, group_index, keep_alive_interval, renderer, seconds_param,
};
use crate::error::ApiError;
use crate::ids::Kind;
use crate::sse::{self, Next};
use crate::state::AppState;
use crate::wire::{TaskGroupStatus, TaskGroupStatusEvent, to_json};
use crate::world::{EventRec, RunView};
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Longest a group events stream stays open (before time scaling).
const GROUP_STREAM_LIFETIME: Duration = Duration::from_secs(3600);

struct EventsStream {
    st: Arc<AppState>,
    renderer: crate::render::Renderer,
    group: u32,
    pos: u64,
    deadline: Instant,
    keep_alive: Duration,
    changes: watch::Receiver<u64>,
}

enum LogItem {
    Status(u64, TaskGroupStatus),
    Run(u64, Box<RunView>),
}

/// G5 `GET /v1/tasks/groups/{id}/events`: the group's event log from the cursor on, live
/// while the group is active.
pub async fn group_events(
    State(st): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    PathIds(id): PathIds<String>,
    params: Params,
    uri: Uri,
) -> Result<Response, ApiError> {
    let group = group_index(&st, &id)?;
    let timeout = seconds_param(&params, "timeout")?;
    let start = {
        let w = st.world();
        let n = w.groups[group as usize].events.len() as u64;
        match params.get("last_event_id").map(String::as_str) {
            None | Some("") | Some("null") => 0,
            Some(c) => match st.codec.parse_cursor(Kind::EventCursor, c) {
                Some((g, pos)) if g == group && pos < n => pos + 1,
                _ => return Err(cursor_error("last_event_id", c, "events")),
            },
        }
    };
    let mut lifetime = st.scaled(GROUP_STREAM_LIFETIME);
    if let Some(t) = timeout {
        lifetime = lifetime.min(Duration::from_secs_f64(t.min(1e6)));
    }
    let source = EventsStream {
        renderer: renderer(&st, &headers),
        keep_alive: keep_alive_interval(&st),
        changes: st.changes.subscribe(),
        deadline: Instant::now() + lifetime,
        st: st.clone(),
        group,
        pos: start,
    };
    let cut_after = st.faults.stream_cut(uri.path());
    Ok(sse::serve(
        st,
        "task_group_events",
        cut_after,
        source,
        events_next,
    ))
}

/// The next events of the log (at most `allow`), a keep-alive, or the end.
async fn events_next(mut s: EventsStream, allow: usize) -> Option<(Next, EventsStream)> {
    loop {
        s.changes.borrow_and_update();
        if s.st.is_closing() {
            return None;
        }
        let (items, active) = {
            let w = s.st.world();
            let g = &w.groups[s.group as usize];
            let end = (g.events.len() as u64).min(s.pos + allow as u64);
            let mut items = Vec::new();
            for pos in s.pos..end {
                match g.events[pos as usize] {
                    EventRec::Status { snapshot } => {
                        items.push(LogItem::Status(pos, g.snapshot_status(snapshot)))
                    }
                    EventRec::RunState { run, .. } => {
                        if let Some(v) = w.view(run) {
                            items.push(LogItem::Run(pos, Box::new(v)));
                        }
                    }
                }
            }
            s.pos = end;
            (items, g.is_active())
        };
        if !items.is_empty() {
            let r = s.renderer;
            let mut buf = String::with_capacity(items.len() * 400);
            for item in &items {
                match item {
                    LogItem::Status(pos, status) => {
                        let ev = TaskGroupStatusEvent {
                            kind: "task_group_status",
                            event_id: s.st.codec.cursor(Kind::EventCursor, s.group, *pos),
                            status: status.clone(),
                        };
                        sse::frame(&mut buf, "task_group_status", &to_json(&ev));
                    }
                    LogItem::Run(pos, v) => {
                        let cursor = s.st.codec.cursor(Kind::EventCursor, s.group, *pos);
                        sse::frame(
                            &mut buf,
                            "task_run.state",
                            &r.event(v, Some(cursor), false, false),
                        );
                    }
                }
            }
            let count = items.len();
            return Some((
                Next::Frames {
                    text: buf,
                    count,
                    last: false,
                },
                s,
            ));
        }
        if !active || Instant::now() >= s.deadline {
            return None;
        }
        tokio::select! {
            r = s.changes.changed() => if r.is_err() { return None },
            _ = tokio::time::sleep(s.keep_alive) => return Some((Next::KeepAlive, s)),
            _ = tokio::time::sleep_until(s.deadline) => return None,
        }
    }
}
