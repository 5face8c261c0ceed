//! G4 `GET …/tasks/groups/{id}/runs`: a snapshot of the group's runs, then the
//! stream closes. Filters by status; includes inputs/outputs on request.

use super::{Params, PathIds, bool_param, cursor_error, group_index, renderer};
use crate::error::ApiError;
use crate::ids::Kind;
use crate::sse::{self, CHUNK, Next};
use crate::state::AppState;
use crate::status::RunStatus;
use crate::world::RunView;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use serde_json::json;
use std::sync::Arc;

struct RunsStream {
    st: Arc<AppState>,
    renderer: crate::render::Renderer,
    group: u32,
    pos: u64,
    end: u64,
    status: Option<RunStatus>,
    with_input: bool,
    with_output: bool,
}

/// G4 `GET /v1/tasks/groups/{id}/runs`: every run (optionally filtered), then the stream ends.
pub async fn group_runs(
    State(st): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    PathIds(id): PathIds<String>,
    params: Params,
    uri: Uri,
) -> Result<Response, ApiError> {
    let group = group_index(&st, &id)?;
    let status = match params.get("status").map(String::as_str) {
        None | Some("") | Some("null") => None,
        Some(s) => Some(RunStatus::parse(s).ok_or_else(|| {
            ApiError::validation(
                &[json!("query"), json!("status")],
                "Input should be 'queued', 'action_required', 'running', 'completed', 'failed', 'cancelling' or 'cancelled'",
                "enum",
            )
        })?),
    };
    let with_input = bool_param(&params, "include_input", false)?;
    let with_output = bool_param(&params, "include_output", false)?;
    let (start, end) = {
        let w = st.world();
        let n = w.groups[group as usize].runs.len() as u64;
        let start = match params.get("last_event_id").map(String::as_str) {
            None | Some("") | Some("null") => 0,
            Some(c) => match st.codec.parse_cursor(Kind::RunCursor, c) {
                Some((g, pos)) if g == group && pos < n => pos + 1,
                _ => return Err(cursor_error("last_event_id", c, "runs")),
            },
        };
        (start, n)
    };
    let cut_after = st.faults.stream_cut(uri.path());
    let source = RunsStream {
        renderer: renderer(&st, &headers),
        st: st.clone(),
        group,
        pos: start,
        end,
        status,
        with_input,
        with_output,
    };
    Ok(sse::serve(
        st,
        "task_group_get_runs",
        cut_after,
        source,
        runs_next,
    ))
}

/// The next runs of the snapshot (at most `allow`), or the end.
async fn runs_next(mut s: RunsStream, allow: usize) -> Option<(Next, RunsStream)> {
    let r = s.renderer;
    while s.pos < s.end {
        let views: Vec<(u64, RunView)> = {
            let w = s.st.world();
            let runs = &w.groups[s.group as usize].runs;
            let mut out = Vec::with_capacity(allow);
            let mut scanned = 0;
            while s.pos < s.end && out.len() < allow && scanned < 16 * CHUNK {
                let pos = s.pos;
                s.pos += 1;
                scanned += 1;
                if let Some(v) = runs.get(pos as usize).and_then(|i| w.view(*i))
                    && s.status.is_none_or(|st| st == v.run.status)
                {
                    out.push((pos, v));
                }
            }
            out
        };
        if views.is_empty() {
            tokio::task::yield_now().await;
            continue;
        }
        let mut buf = String::with_capacity(views.len() * 512);
        for (pos, v) in &views {
            let cursor = s.st.codec.cursor(Kind::RunCursor, s.group, *pos);
            sse::frame(
                &mut buf,
                "task_run.state",
                &r.event(v, Some(cursor), s.with_input, s.with_output),
            );
        }
        let count = views.len();
        return Some((
            Next::Frames {
                text: buf,
                count,
                last: false,
            },
            s,
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::world::NewRun;

    /// A state whose group 0 holds `n` queued runs.
    fn group_with_runs(n: usize) -> Arc<AppState> {
        let st = AppState::new(Config::default());
        {
            let mut w = st.world();
            let g = w.create_group(None, 0);
            add_runs(&mut w, g, n);
        }
        st
    }

    fn add_runs(w: &mut crate::world::World, group: u32, n: usize) {
        let new = (0..n)
            .map(|_| NewRun {
                input: Arc::from(r#"{"input":"x","processor":"lite"}"#),
                processor: 0,
                input_warning: false,
            })
            .collect();
        w.create_runs(group, 0, new, 0);
    }

    /// The stream over the whole snapshot of group 0 as the handler builds it.
    fn snapshot(st: &Arc<AppState>) -> RunsStream {
        let end = st.world().groups[0].runs.len() as u64;
        RunsStream {
            renderer: renderer(st, &axum::http::HeaderMap::new()),
            st: st.clone(),
            group: 0,
            pos: 0,
            end,
            status: None,
            with_input: false,
            with_output: false,
        }
    }

    /// Events per step until the end, each step allowed `allow`.
    async fn counts(mut s: RunsStream, allow: usize) -> Vec<usize> {
        let mut counts = Vec::new();
        while let Some((next, rest)) = runs_next(s, allow).await {
            match next {
                Next::Frames { count, last, .. } => {
                    assert!(!last);
                    counts.push(count);
                }
                Next::KeepAlive => panic!("a snapshot sends no keep-alives"),
            }
            s = rest;
        }
        counts
    }

    #[tokio::test]
    async fn runs_added_after_the_request_are_not_in_its_snapshot() {
        let st = group_with_runs(2);
        let s = snapshot(&st);
        add_runs(&mut st.world(), 0, 3);
        assert_eq!(counts(s, CHUNK).await, [2]);
    }

    #[tokio::test]
    async fn each_step_sends_at_most_what_it_is_allowed() {
        let st = group_with_runs(5);
        assert_eq!(counts(snapshot(&st), 2).await, [2, 2, 1]);
        assert_eq!(counts(snapshot(&st), 1).await, [1, 1, 1, 1, 1]);
    }
}
