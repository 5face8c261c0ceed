//! R5 `GET /v1/tasks/runs/{id}/events` (and `/v1beta`): the run's state, its
//! progress messages and stats, then the final state with the output.

use super::{PathIds, keep_alive_interval, renderer, run_view};
use crate::error::ApiError;
use crate::ids::{self};
use crate::scheduler::Timing;
use crate::sse::{self, Next};
use crate::state::AppState;
use crate::wire::{ProgressMessageEvent, ProgressStatsEvent, SourceStats, to_json};
use crate::world::RunView;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Longest a run events stream stays open (before time scaling).
const RUN_STREAM_LIFETIME: Duration = Duration::from_secs(570);

struct RunEventsStream {
    st: Arc<AppState>,
    renderer: crate::render::Renderer,
    index: u32,
    timing: Timing,
    started: bool,
    messages_sent: usize,
    last_meter: Option<u64>,
    deadline: Instant,
    keep_alive: Duration,
    changes: watch::Receiver<u64>,
}

const PROGRESS: [(f64, &str, &str); 6] = [
    (0.0, "exec_status", "Starting research"),
    (0.1, "plan", "Planning the research on {}"),
    (0.3, "search", "Searching the web for {}"),
    (0.5, "tool_call", "Reading sources about {}"),
    (0.7, "result", "Compiling findings on {}"),
    (0.9, "exec_status", "Finalising the answer"),
];

/// R5 `GET /v1/tasks/runs/{run_id}/events`: state, progress, then the final state.
pub async fn run_events(
    State(st): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    PathIds(id): PathIds<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let view = run_view(&st, &id)?;
    let timing = *st.world().scheduler.timing();
    let source = RunEventsStream {
        renderer: renderer(&st, &headers),
        keep_alive: keep_alive_interval(&st),
        changes: st.changes.subscribe(),
        deadline: Instant::now() + st.scaled(RUN_STREAM_LIFETIME),
        index: view.index,
        timing,
        st: st.clone(),
        started: false,
        messages_sent: 0,
        last_meter: None,
    };
    let cut_after = st.faults.stream_cut(uri.path());
    Ok(sse::serve(
        st,
        "task_run_events",
        cut_after,
        source,
        run_events_next,
    ))
}

/// How far along a run is (0..=1), and the µs span its progress covers.
fn progress(v: &RunView, timing: &Timing) -> (f64, i64, i64) {
    let start = v.run.created_us;
    let span = (timing.queue_delay(v.index) + timing.run_time(v.index, v.run.processor)).as_micros()
        as i64;
    if !v.run.status.is_active() {
        return (1.0, start, span);
    }
    let elapsed = (ids::now_micros() - start).max(0) as f64;
    let f = if span <= 0 {
        0.95
    } else {
        (elapsed / span as f64).min(0.95)
    };
    (f, start, span)
}

fn subject(v: &RunView) -> String {
    let input: crate::wire::TaskRunInput<'_> =
        serde_json::from_str(&v.run.input).unwrap_or_default();
    let text = input.input.map_or("", |r| r.get());
    let s: String = text
        .chars()
        .filter(|c| !matches!(c, '{' | '}' | '"'))
        .take(60)
        .collect();
    if s.is_empty() {
        "the task".to_owned()
    } else {
        s
    }
}

/// The run's next events (at most `allow`), a keep-alive, or the end.
async fn run_events_next(mut s: RunEventsStream, allow: usize) -> Option<(Next, RunEventsStream)> {
    loop {
        s.changes.borrow_and_update();
        if s.st.is_closing() {
            return None;
        }
        let view = s.st.world().view(s.index)?;
        let r = s.renderer;
        let mut frames: Vec<(&'static str, String)> = Vec::new();
        if !s.started {
            s.started = true;
            frames.push(("task_run.state", r.event(&view, None, false, false)));
        }
        let (fraction, start, span) = progress(&view, &s.timing);
        let due = PROGRESS.iter().filter(|(f, _, _)| *f <= fraction).count();
        if due > s.messages_sent {
            let about = subject(&view);
            for (f, kind, text) in &PROGRESS[s.messages_sent..due] {
                let ev = ProgressMessageEvent {
                    kind: match *kind {
                        "plan" => "task_run.progress_msg.plan",
                        "search" => "task_run.progress_msg.search",
                        "tool_call" => "task_run.progress_msg.tool_call",
                        "result" => "task_run.progress_msg.result",
                        _ => "task_run.progress_msg.exec_status",
                    },
                    message: text.replace("{}", &about),
                    timestamp: Some(ids::timestamp(start + (span as f64 * f) as i64)),
                };
                frames.push((ev.kind, to_json(&ev)));
            }
            s.messages_sent = due;
        }
        let meter = (fraction * 100.0).round() as u64;
        if s.last_meter != Some(meter) {
            s.last_meter = Some(meter);
            let total = 20 + ids::hash(s.st.config.seed, &[u64::from(s.index), 9]) % 200;
            let read = (total as f64 * fraction / 4.0).round() as u64;
            let ev = ProgressStatsEvent {
                kind: "task_run.progress_stats",
                source_stats: SourceStats {
                    num_sources_considered: Some((total as f64 * fraction).round() as u64),
                    num_sources_read: Some(read),
                    sources_read_sample: Some(
                        (0..read.min(3))
                            .map(|i| {
                                format!("https://en.wikipedia.org/wiki/Source_{}_{i}", s.index)
                            })
                            .collect(),
                    ),
                },
                progress_meter: meter as f64,
            };
            frames.push((ev.kind, to_json(&ev)));
        }
        if !view.run.status.is_active() {
            frames.push(("task_run.state", r.event(&view, None, false, true)));
        }
        if !frames.is_empty() {
            let count = allow.min(frames.len());
            // Only a stream whose final state actually went out is finished;
            // a drop-stream fault may cut it before that.
            let last = !view.run.status.is_active() && count == frames.len();
            let mut buf = String::new();
            for (kind, json) in &frames[..count] {
                sse::frame(&mut buf, kind, json);
            }
            return Some((
                Next::Frames {
                    text: buf,
                    count,
                    last,
                },
                s,
            ));
        }
        if Instant::now() >= s.deadline {
            return None;
        }
        tokio::select! {
            r = s.changes.changed() => if r.is_err() { return None },
            _ = tokio::time::sleep(s.keep_alive) => {
                // Progress may have moved on even without a status change.
                let v = s.st.world().view(s.index)?;
                let (f, _, _) = progress(&v, &s.timing);
                if (f * 100.0).round() as u64 == s.last_meter.unwrap_or(0) {
                    return Some((Next::KeepAlive, s));
                }
            }
            _ = tokio::time::sleep_until(s.deadline) => return None,
        }
    }
}
