//! Waiting for a FindAll run to stop.
//!
//! Push first, as for groups (`groups/wait.rs`): follow the run's event
//! stream until it ends on a status saying the run is inactive. When the
//! stream is not available, poll the run on the shared waiter core
//! (`waiter.rs`) with full-jitter backoff, a final poll at the deadline and
//! [`Error::WaitTimeout`] after it.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use futures::StreamExt;
use tokio::time::Instant;

use crate::client::with_options::request_builder;
use crate::findall::events::FindAllEvent;
use crate::findall::run::FindAllRun;
use crate::types::{FindAllRun as RunState, FindAllRunStatus};
use crate::waiter::{FollowThenPoll, Poll, follow_then_poll_setters};
use crate::{Error, RequestOptions};

/// Progress of a FindAll run, handed to [`WaitForFindAll::on_progress`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FindAllProgress {
    /// The status as last reported, with the candidate counts.
    pub status: FindAllRunStatus,
    /// Time since the wait started.
    pub elapsed: Duration,
}

impl fmt::Display for FindAllProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&summary(&self.status))?;
        write!(f, " after {:.1}s", self.elapsed.as_secs_f64())
    }
}

/// One line: `running: 3 matched of 12 candidates`.
fn summary(s: &FindAllRunStatus) -> String {
    let m = &s.metrics;
    let mut line = format!(
        "{}: {} matched of {} candidates",
        s.status, m.matched_candidates_count, m.generated_candidates_count
    );
    if let Some(reason) = &s.termination_reason {
        line.push_str(&format!(" ({reason})"));
    }
    line
}

/// Waits until a FindAll run is no longer active; finish with `.await` or
/// [`send`](WaitForFindAll::send). Returns the run's final state.
///
/// ```no_run
/// # async fn demo(run: parallel_web::FindAllRun) -> Result<(), parallel_web::Error> {
/// use std::time::Duration;
/// let done = run
///     .wait()
///     .on_progress(|p| eprintln!("{p}"))
///     .max_wait(Duration::from_secs(1800))
///     .await?;
/// println!("{:?}", done.status.termination_reason);
/// # Ok(()) }
/// ```
#[must_use]
pub struct WaitForFindAll {
    run: FindAllRun,
    settings: FollowThenPoll<FindAllProgress>,
    options: RequestOptions,
}

impl fmt::Debug for WaitForFindAll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForFindAll")
            .field("run", &self.run.id())
            .field("max_wait", &self.settings.max_wait)
            .field("use_events", &self.settings.use_events)
            .finish_non_exhaustive()
    }
}

impl FindAllRun {
    /// Waits until the run is no longer active (completed, failed or
    /// cancelled).
    pub fn wait(&self) -> WaitForFindAll {
        WaitForFindAll {
            run: self.clone(),
            settings: FollowThenPoll::default(),
            options: RequestOptions::new(),
        }
    }
}

impl WaitForFindAll {
    follow_then_poll_setters!(FindAllProgress);

    /// Waits. Per-call options apply to each status request and to
    /// opening the event stream; [`max_wait`](Self::max_wait) bounds the
    /// whole wait.
    pub async fn send(mut self) -> Result<RunState, Error> {
        let run = if self.options.is_empty() {
            self.run
        } else {
            self.run.with_options(self.options)
        };
        let start = Instant::now();
        let deadline = self.settings.max_wait.map(|d| start + d);
        let reporter = Mutex::new(self.settings.reporter(
            start,
            |s: &FindAllRunStatus, elapsed| FindAllProgress {
                status: s.clone(),
                elapsed,
            },
        ));
        let report = |s: &FindAllRunStatus| {
            if let Ok(mut r) = reporter.lock() {
                r.report(s);
            }
        };
        let first = run.status().await?;
        report(&first.status);
        if !first.status.is_active {
            return Ok(first);
        }
        if self.settings.use_events {
            match follow_events(&run, &first.status, deadline, &report).await {
                Followed::Inactive(s) => return Ok(*s),
                Followed::Deadline => {}
                Followed::Unavailable(why) => {
                    tracing::info!(findall = run.id(), reason = %why, "event stream unavailable; polling");
                }
            }
        }
        let waiter = self.settings.poller(format!("FindAll run {}", run.id()));
        let (run, report) = (&run, &report);
        waiter
            .run(start, 1, |_| async move {
                let s = run.status().await?;
                report(&s.status);
                Ok(if s.status.is_active {
                    Poll::Pending(Some(summary(&s.status)))
                } else {
                    Poll::Done(s)
                })
            })
            .await
    }
}

request_builder!(WaitForFindAll => RunState, options: options);

enum Followed {
    Inactive(Box<RunState>),
    Deadline,
    Unavailable(String),
}

/// Follows the run's events until the stream ends after a status saying
/// the run is inactive, the deadline passes or the stream fails. The
/// stream replays the run's history first: statuses with fewer candidates
/// than `first` (polled at the start) are old news and not reported.
async fn follow_events(
    run: &FindAllRun,
    first: &FindAllRunStatus,
    deadline: Option<Instant>,
    report: &(dyn Fn(&FindAllRunStatus) + Sync),
) -> Followed {
    let opening = run.events().send();
    let opened = match deadline {
        Some(d) => match tokio::time::timeout_at(d, opening).await {
            Ok(opened) => opened,
            Err(_) => return Followed::Deadline,
        },
        None => opening.await,
    };
    let mut events = match opened {
        Ok(s) => s,
        Err(e) => return Followed::Unavailable(e.to_string()),
    };
    let mut latest: Option<Box<RunState>> = None;
    loop {
        let next = match deadline {
            Some(d) => match tokio::time::timeout_at(d, events.next()).await {
                Ok(n) => n,
                Err(_) => return Followed::Deadline,
            },
            None => events.next().await,
        };
        match next {
            Some(Ok(FindAllEvent::Status { run: state, .. })) => {
                if state.status.metrics.generated_candidates_count
                    >= first.metrics.generated_candidates_count
                {
                    report(&state.status);
                }
                latest = Some(state);
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Followed::Unavailable(e.to_string()),
            None => {
                return match latest {
                    Some(state) if !state.status.is_active => Followed::Inactive(state),
                    _ => {
                        Followed::Unavailable("the stream ended before the run was inactive".into())
                    }
                };
            }
        }
    }
}
