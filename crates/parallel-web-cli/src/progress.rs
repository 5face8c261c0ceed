//! Progress on stderr: a live bar (indicatif) on a terminal, one plain
//! line per change otherwise, nothing with `--quiet`. It shows rows
//! submitted, running, completed and failed, the rate and the ETA.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use parallel_web::types::TaskGroupStatus;

/// The counts shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Rows in the table.
    pub rows: u64,
    /// Rows with a run.
    pub submitted: u64,
    /// Runs queued or running.
    pub running: u64,
    /// Runs completed.
    pub completed: u64,
    /// Runs failed or cancelled.
    pub failed: u64,
}

impl Counts {
    /// Takes the run counts from a group status.
    pub fn update_from(&mut self, status: &TaskGroupStatus) {
        let count = |k: &str| {
            status
                .task_run_status_counts
                .get(k)
                .copied()
                .unwrap_or_default()
                .max(0) as u64
        };
        self.running =
            count("queued") + count("running") + count("action_required") + count("cancelling");
        self.completed = count("completed");
        self.failed = count("failed") + count("cancelled");
    }

    fn done(&self) -> u64 {
        self.completed + self.failed
    }
}

enum Mode {
    Bar(ProgressBar),
    Plain {
        started: Instant,
        printed: Option<Instant>,
        last: Option<Counts>,
    },
    Quiet,
}

/// The progress display of one enrichment.
pub struct Progress {
    mode: Mode,
    counts: Counts,
}

impl Progress {
    /// A bar when stderr is a terminal, plain lines otherwise, or nothing.
    pub fn new(quiet: bool) -> Progress {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} done · {msg} · {per_sec} · ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            Mode::Bar(bar)
        } else {
            Mode::Plain {
                started: Instant::now(),
                printed: None,
                last: None,
            }
        };
        Progress {
            mode,
            counts: Counts::default(),
        }
    }

    /// A message above the progress (or a plain line).
    pub fn note(&self, message: &str) {
        match &self.mode {
            Mode::Bar(bar) => bar.println(message),
            Mode::Plain { .. } => eprintln!("{message}"),
            Mode::Quiet => {}
        }
    }

    /// Shows new counts.
    pub fn set(&mut self, counts: Counts) {
        self.counts = counts;
        let c = counts;
        let msg = format!(
            "submitted {}/{}, running {}, completed {}, failed {}",
            c.submitted, c.rows, c.running, c.completed, c.failed
        );
        match &mut self.mode {
            Mode::Bar(bar) => {
                bar.set_length(c.rows);
                bar.set_position(c.done());
                bar.set_message(msg);
            }
            Mode::Plain {
                started,
                printed,
                last,
            } => {
                // One line per change, at most one a second, but always the last.
                let finished = c.rows > 0 && c.done() >= c.rows;
                let recent = printed.is_some_and(|p| p.elapsed() < Duration::from_secs(1));
                if *last == Some(c) || (recent && !finished) {
                    return;
                }
                *printed = Some(Instant::now());
                *last = Some(c);
                let secs = started.elapsed().as_secs_f64();
                let rate = if secs > 0.0 {
                    c.done() as f64 / secs
                } else {
                    0.0
                };
                let eta = if rate > 0.0 && c.rows > c.done() {
                    format!("{:.0}s", (c.rows - c.done()) as f64 / rate)
                } else {
                    "-".into()
                };
                eprintln!("[{secs:7.1}s] {msg} · {rate:.1} rows/s · ETA {eta}");
            }
            Mode::Quiet => {}
        }
    }

    /// Shows the run counts of a group status.
    pub fn update_status(&mut self, status: &TaskGroupStatus) {
        let mut c = self.counts;
        c.update_from(status);
        self.set(c);
    }

    /// Shows how many rows have a run.
    pub fn update_submitted(&mut self, submitted: u64) {
        let mut c = self.counts;
        c.submitted = submitted;
        self.set(c);
    }

    /// Ends the bar, leaving its last state on screen.
    pub fn finish(&self) {
        if let Mode::Bar(bar) = &self.mode {
            bar.finish();
        }
    }
}
