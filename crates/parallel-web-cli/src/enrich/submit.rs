//! Submitting rows exactly once, across crashes.
//!
//! Each `add_runs` call gets a batch id of its own, and the journal records
//! which entry (one row's sent content, see `crate::journal`) each position
//! of that batch is *before* the POST is sent. The SDK tags each run with
//! the batch id and its position (its format, not ours) and resolves
//! ambiguous failures within the call. If the tool dies between a POST and journaling its answer, the
//! next run finds those entries unconfirmed, asks the SDK for the runs of
//! their batches (`TaskGroup::batch_runs`: the tag format stays the SDK's),
//! and only then submits the rows the server does not have.

use std::sync::{Arc, Mutex};

use parallel_web::types::InputValue;
use parallel_web::{AddRuns, Error, RunInput, TaskGroup};

use crate::enrich::plan::Plan;
use crate::fail::{Failure, Result};
use crate::journal::Journal;
use crate::progress::Progress;
use crate::test_hook::checkpoint;

/// Rows per `add_runs` call (the SDK sends them as POSTs of 1,000, a few
/// at a time); also the most rows held in memory at once.
pub const ROWS_PER_CALL: usize = 4_000;

/// Submits every row of the input whose content has no run yet.
pub async fn submit_all(
    group: &TaskGroup,
    journal: &mut Journal,
    plan: &Plan,
    progress: &Arc<Mutex<Progress>>,
) -> Result<()> {
    if journal.has_unconfirmed()? {
        reconcile(group, journal, progress).await?;
    }
    let mut after = -1i64;
    loop {
        let pending = journal.unsubmitted(after, ROWS_PER_CALL)?;
        let Some(&(last, _)) = pending.last() else {
            return Ok(());
        };
        after = last as i64;
        let entries: Vec<u64> = pending.iter().map(|(entry, _)| *entry).collect();
        let inputs = pending
            .into_iter()
            .map(|(_, json)| InputValue::from_json(json).map(RunInput::from_value))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Failure::new(format!("journal: a stored input is not JSON: {e}")))?;
        let batch = journal.new_batch(&entries)?;
        checkpoint("tagged").await;
        let sent = add_runs(group, inputs, plan).batch_id(&batch).send().await;
        let (run_ids, error) = match sent {
            Ok(out) => {
                if let Some(status) = &out.status {
                    lock(progress).update_status(status);
                }
                (out.run_ids.into_iter().map(Some).collect(), None)
            }
            Err(e) => match &e {
                Error::BatchIncomplete { run_ids, .. } | Error::DuplicateRuns { run_ids, .. } => {
                    (run_ids.clone(), Some(e))
                }
                _ => (Vec::new(), Some(e)),
            },
        };
        checkpoint("posted").await;
        let created: Vec<(u64, String)> = entries
            .iter()
            .zip(run_ids)
            .filter_map(|(entry, id)| id.map(|id| (*entry, id)))
            .collect();
        journal.record_runs(&created)?;
        let (_, submitted) = journal.counts()?;
        lock(progress).update_submitted(submitted);
        if let Some(e) = error {
            return Err(Failure::from(e).context(
                "submitting rows stopped (rows already created are journaled and are never sent again)",
            ));
        }
    }
}

/// The add-runs call for these inputs: what `submit_all` sends and what
/// `--dry-run` previews.
pub fn add_runs(group: &TaskGroup, inputs: Vec<RunInput>, plan: &Plan) -> AddRuns {
    group
        .add_run_inputs(inputs)
        .processor(&plan.processor)
        .default_spec(&plan.spec)
        .metadata(plan.metadata.iter().cloned())
}

/// Finds, among the group's runs, those of entries that were sent but
/// whose run id was never journaled, and journals them; the tags of
/// entries the group does not have are forgotten (they are sent anew).
async fn reconcile(
    group: &TaskGroup,
    journal: &mut Journal,
    progress: &Arc<Mutex<Progress>>,
) -> Result<()> {
    lock(progress).note("resuming: matching the group's runs to rows sent before the last stop");
    let mut found: Vec<(u64, String)> = Vec::new();
    let mut duplicates = 0u64;
    for batch in journal.unconfirmed_batches()? {
        for (pos, run_ids) in group.batch_runs(&batch).await? {
            let (Some(entry), Some(first)) =
                (journal.entry_of_tag(&batch, pos as u64)?, run_ids.first())
            else {
                continue;
            };
            match journal.run_of_entry(entry)? {
                None => found.push((entry, first.clone())),
                Some(known) if !run_ids.contains(&known) => duplicates += 1,
                Some(_) => {}
            }
            if run_ids.len() > 1 {
                duplicates += 1;
            }
        }
    }
    journal.record_runs(&found)?;
    journal.forget_unconfirmed()?;
    let p = lock(progress);
    p.note(&format!(
        "resuming: {} row(s) sent before the stop were found in the group and will not be sent again",
        found.len()
    ));
    if duplicates > 0 {
        p.note(&format!(
            "warning: {duplicates} row(s) exist as more than one run in the group; the first run of each is used"
        ));
    }
    Ok(())
}

/// The progress display, even if a panic elsewhere poisoned its lock.
pub fn lock(progress: &Arc<Mutex<Progress>>) -> std::sync::MutexGuard<'_, Progress> {
    progress.lock().unwrap_or_else(|p| p.into_inner())
}
