//! Waiting for the group and reading its results into the journal. The
//! wait follows the group's event stream (the SDK falls back to polling);
//! results are read from the group's run stream starting at the cursor the
//! journal saved, and each batch of results is journaled together with the
//! cursor after it, so a rerun continues where the last one stopped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use parallel_web::TaskGroup;
use serde_json::value::RawValue;

use crate::enrich::submit::lock;
use crate::fail::{Failure, Result};
use crate::journal::{Journal, Received};
use crate::progress::Progress;
use crate::test_hook::checkpoint;

/// Results journaled per transaction.
const RESULTS_PER_COMMIT: usize = 5_000;
/// How long to wait for a group before giving up (a rerun waits again):
/// a week, as `enrich --help` says.
const MAX_WAIT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Waits until every run has finished and journals every result, with
/// each output's basis when `basis` is set.
pub async fn collect(
    group: &TaskGroup,
    journal: &mut Journal,
    progress: &Arc<Mutex<Progress>>,
    basis: bool,
) -> Result<()> {
    let (rows, submitted) = journal.counts()?;
    if journal.result_counts()?.0 >= rows {
        if basis && journal.completed_without_basis()? > 0 {
            // Collected by a run without --basis: the outputs are here, their
            // basis is not; read the group's results once more for it.
            read(group, journal, None, true).await?;
        }
        return Ok(());
    }
    let shown = progress.clone();
    group
        .wait()
        .on_progress(move |p| lock(&shown).update_status(&p.status))
        .max_wait(MAX_WAIT)
        .await?;
    read(group, journal, journal.meta("results_cursor")?, basis).await?;
    if journal.result_counts()?.0 < submitted || (basis && journal.completed_without_basis()? > 0) {
        // Results went missing after the saved cursor (a cursor from an
        // older snapshot, say), or an earlier run read them without their
        // basis: read the whole group once more.
        read(group, journal, None, basis).await?;
    }
    let have = journal.result_counts()?.0;
    if have < submitted {
        return Err(Failure::new(format!(
            "the group reported {have} results for {submitted} runs; rerun the same command to read them again"
        )));
    }
    Ok(())
}

async fn read(
    group: &TaskGroup,
    journal: &mut Journal,
    cursor: Option<String>,
    basis: bool,
) -> Result<()> {
    let mut request = group.runs().include_output();
    if let Some(c) = cursor {
        request = request.after(c);
    }
    // Inputs and outputs are kept as the JSON text the server sent: the
    // journal stores text, so decoding them would be work undone at once.
    let mut runs = request.typed::<Box<RawValue>, Box<RawValue>>().await?;
    let mut batch = Vec::with_capacity(RESULTS_PER_COMMIT);
    let mut last_cursor = None;
    while let Some(run) = runs.next().await {
        let run = run?;
        if run.run.is_active {
            continue;
        }
        last_cursor = run.event_id.clone().or(last_cursor);
        batch.push(Received {
            status: run.run.status.to_string(),
            error: run.run.error.as_ref().map(|e| e.message.clone()),
            output: run.output.as_deref().map(|o| o.get().to_owned()),
            basis: (basis && run.output.is_some()).then(|| run.basis.json().to_owned()),
            tag: parallel_web::batch_tag(&run.run).map(|(b, pos)| (b.to_owned(), pos as u64)),
            run_id: run.run.run_id,
        });
        if batch.len() >= RESULTS_PER_COMMIT {
            journal.record_results(&batch, last_cursor.as_deref())?;
            batch.clear();
            checkpoint("results").await;
        }
    }
    journal.record_results(&batch, last_cursor.as_deref())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::MAX_WAIT;

    #[test]
    fn enrich_waits_a_week_for_its_group_as_its_help_says() {
        assert_eq!(MAX_WAIT.as_secs(), 7 * 24 * 60 * 60);
        let mut cli = crate::cli::Cli::command();
        let help = cli
            .find_subcommand_mut("enrich")
            .expect("the enrich subcommand")
            .render_long_help()
            .to_string();
        assert!(help.contains("up to a week for the group"), "{help}");
    }
}
