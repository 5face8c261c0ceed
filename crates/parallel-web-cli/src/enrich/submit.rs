//! Submitting rows exactly once, across crashes.
//!
//! Each `add_runs` call gets a batch id of its own, and the journal records
//! which entry (one row's sent content, see `crate::journal`) each position
//! of that batch is *before* the POST is sent. The SDK tags each run with
//! the batch id and its position (its format, not ours) and resolves
//! ambiguous failures within the call. If the tool dies between a POST and journaling its answer, the
//! next run finds those entries unconfirmed, waits until the settle window
//! (`--settle-window`, the SDK's) has passed since their POST was sent (a
//! server may still commit a POST its client gave up on), asks the SDK for
//! the runs of their batches (`TaskGroup::batch_runs`: the tag format stays
//! the SDK's), and only then submits the rows the server does not have.

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
pub const ROWS_PER_CALL: usize = 16_000;

/// Submits every row of the input whose content has no run yet.
/// `settle_window` is the client's (see `reconcile`).
pub async fn submit_all(
    group: &TaskGroup,
    journal: &mut Journal,
    plan: &Plan,
    progress: &Arc<Mutex<Progress>>,
    settle_window: std::time::Duration,
) -> Result<()> {
    if journal.has_unconfirmed()? {
        reconcile(group, journal, progress, settle_window).await?;
    }
    // Counted once, then kept up to date: a COUNT over the journal after
    // every call read the whole journal 250 times for a million rows.
    let (_, mut submitted) = journal.counts()?;
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
                if !out.unsettled.is_empty() {
                    lock(progress).note(&format!(
                        "warning: {} row(s) had a POST fail ambiguously that the server had not committed by the final read-back; if it commits later they will exist twice (the SDK's guarantee: see BATCH_TAG_KEY); a longer --settle-window makes this less likely",
                        out.unsettled.len()
                    ));
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
        submitted += journal.record_runs(&created)?;
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
    settle_window: std::time::Duration,
) -> Result<()> {
    lock(progress).note("resuming: matching the group's runs to rows sent before the last stop");
    let batches = journal.unconfirmed_batches()?;
    // A POST sent just before the stop may still be committed by the
    // server: read the group back only once its settle window is over.
    let last_sent = batches.iter().map(|(_, at)| *at).max().unwrap_or(0);
    let window = i64::try_from(settle_window.as_millis()).unwrap_or(i64::MAX);
    let wait_ms = last_sent
        .saturating_add(window)
        .saturating_sub(crate::journal::unix_ms());
    if wait_ms > 0 {
        lock(progress).note(&format!(
            "resuming: waiting {:.1} s for the settle window of a POST sent just before the stop (--settle-window)",
            wait_ms as f64 / 1000.0
        ));
        tokio::time::sleep(std::time::Duration::from_millis(wait_ms as u64)).await;
    }
    let mut tagged = Vec::new();
    for (batch, _) in batches {
        for (pos, runs) in group.batch_runs(&batch).await? {
            if let Some(entry) = journal.entry_of_tag(&batch, pos as u64)? {
                let journaled = journal.run_of_entry(entry)?;
                tagged.push(TaggedRuns {
                    entry,
                    journaled,
                    runs,
                });
            }
        }
    }
    let (found, duplicates) = match_runs(&tagged);
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

/// One tagged position of an unconfirmed batch that the group holds runs
/// for: the entry the journal sent there, the run the journal knows for
/// that entry (if any), and the group's runs under the tag, oldest first.
struct TaggedRuns {
    entry: u64,
    journaled: Option<String>,
    runs: Vec<String>,
}

/// What the group's tagged runs say about the journal's entries: the runs
/// to journal (an entry without one takes the first run of its tag, the
/// one the server created first) and how many entries exist as more than
/// one run (several runs under the tag, or a journaled run that is not the
/// tag's). Each such entry counts once.
fn match_runs(tagged: &[TaggedRuns]) -> (Vec<(u64, String)>, u64) {
    let mut found = Vec::new();
    let mut duplicates = 0u64;
    for t in tagged {
        let Some(first) = t.runs.first() else {
            continue;
        };
        if t.journaled.is_none() {
            found.push((t.entry, first.clone()));
        }
        let other_journaled = t
            .journaled
            .as_ref()
            .is_some_and(|known| !t.runs.contains(known));
        if t.runs.len() > 1 || other_journaled {
            duplicates += 1;
        }
    }
    (found, duplicates)
}

/// The progress display, even if a panic elsewhere poisoned its lock.
pub fn lock(progress: &Arc<Mutex<Progress>>) -> std::sync::MutexGuard<'_, Progress> {
    progress.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::{TaggedRuns, match_runs};

    fn tagged(entry: u64, journaled: Option<&str>, runs: &[&str]) -> TaggedRuns {
        TaggedRuns {
            entry,
            journaled: journaled.map(str::to_owned),
            runs: runs.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    #[test]
    fn an_entry_without_a_journaled_run_takes_the_first_run_of_its_tag() {
        let (found, duplicates) = match_runs(&[
            tagged(3, None, &["trun_a"]),
            tagged(4, None, &["trun_b", "trun_c"]),
        ]);
        assert_eq!(found, [(3, "trun_a".to_owned()), (4, "trun_b".to_owned())]);
        assert_eq!(duplicates, 1, "entry 4 exists as two runs");
    }

    #[test]
    fn an_entry_whose_journaled_run_is_its_tags_only_run_is_left_as_it_is() {
        let (found, duplicates) = match_runs(&[tagged(3, Some("trun_a"), &["trun_a"])]);
        assert_eq!((found, duplicates), (vec![], 0));
    }

    #[test]
    fn each_entry_with_more_than_one_run_counts_once() {
        let (found, duplicates) = match_runs(&[
            // Journaled, and a second run under its tag.
            tagged(1, Some("trun_a"), &["trun_a", "trun_b"]),
            // Journaled with a run that is not its tag's.
            tagged(2, Some("trun_x"), &["trun_c"]),
            // Both at once: still one entry.
            tagged(3, Some("trun_y"), &["trun_d", "trun_e", "trun_f"]),
            tagged(4, None, &["trun_g", "trun_h", "trun_i"]),
            tagged(5, None, &["trun_j"]),
        ]);
        assert_eq!(found, [(4, "trun_g".to_owned()), (5, "trun_j".to_owned())]);
        assert_eq!(duplicates, 4);
    }

    #[test]
    fn a_tag_without_runs_finds_nothing() {
        let (found, duplicates) =
            match_runs(&[tagged(1, None, &[]), tagged(2, Some("trun_a"), &[])]);
        assert_eq!((found, duplicates), (vec![], 0));
    }
}
