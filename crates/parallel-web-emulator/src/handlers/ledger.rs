//! `GET /_emulator/groups/{taskgroup_id}/runs`: the emulator's own record of
//! every run created in a group, for tests that check a client against what
//! the server actually did (nothing lost, nothing created twice).
//!
//! Not part of the API. It reads the world directly, so faults never touch
//! it: no dropped streams, no injected statuses, no cursors.

use super::group_index;
use crate::error::ApiError;
use crate::state::AppState;
use crate::status::RunStatus;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// One line of JSON per run, in creation order:
/// `{"run_id":"…","status":"…","run_input":{…}}`, where `run_input` is the
/// run's input object as the client sent it (compacted).
pub async fn group_ledger(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let group = group_index(&st, &id)?;
    // Copy out under the lock (cheap: ids are numbers, inputs shared), format after.
    let runs: Vec<(u32, RunStatus, Arc<str>)> = {
        let w = st.world();
        w.groups[group as usize]
            .runs
            .iter()
            .map(|&i| {
                let run = &w.runs[i as usize];
                (i, run.status, run.input.clone())
            })
            .collect()
    };
    let mut body = String::with_capacity(runs.iter().map(|r| r.2.len() + 80).sum());
    for (index, status, input) in runs {
        body.push_str("{\"run_id\":\"");
        body.push_str(&st.codec.run_id(index));
        body.push_str("\",\"status\":\"");
        body.push_str(status.name());
        body.push_str("\",\"run_input\":");
        body.push_str(&input);
        body.push_str("}\n");
    }
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        body,
    )
        .into_response())
}
