//! Waiting for a group to finish.
//!
//! Push first: the waiter follows the group's event stream and returns
//! when it ends on a status saying the group is inactive. When the stream is not
//! available it falls back to polling the group with full-jitter backoff,
//! on the shared waiter core (`waiter.rs`): at the deadline it makes one
//! final poll, then gives up with [`Error::WaitTimeout`]. Time is tokio's
//! (pausable in tests) and the jitter is injectable.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use tokio::time::Instant;

use crate::client::with_options::request_builder;
use crate::types::TaskGroupStatus;
use crate::waiter::{FollowThenPoll, Poll, follow_then_poll_setters};
use crate::{Error, GroupEvent, GroupEventStream, RequestOptions, TaskGroup};

/// Progress of a group, handed to [`WaitForGroup::on_progress`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GroupProgress {
    /// The status as last reported.
    pub status: TaskGroupStatus,
    /// Time since the wait started.
    pub elapsed: Duration,
}

impl fmt::Display for GroupProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&summary(&self.status))?;
        write!(f, " after {:.1}s", self.elapsed.as_secs_f64())
    }
}

/// One line: `2/3 runs done (completed 2, running 1)`.
pub(crate) fn summary(s: &TaskGroupStatus) -> String {
    let mut counts: Vec<(&String, &i64)> = s
        .task_run_status_counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .collect();
    counts.sort();
    let active: i64 = ["queued", "running", "cancelling"]
        .iter()
        .filter_map(|k| s.task_run_status_counts.get(*k))
        .sum();
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    format!(
        "{}/{} runs done ({}){}",
        s.num_task_runs - active,
        s.num_task_runs,
        parts.join(", "),
        if s.is_active { "" } else { ", group inactive" }
    )
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// Where a waiter gets statuses from: the group itself, or a fake in tests.
pub(crate) trait StatusSource: Send + Sync {
    fn id(&self) -> &str;
    fn status(&self) -> BoxFut<'_, TaskGroupStatus>;
    fn events(&self) -> BoxFut<'_, GroupEventStream>;
    /// The same source, making its requests with `options`.
    fn with_options(self: Arc<Self>, options: RequestOptions) -> Arc<dyn StatusSource>;
}

impl StatusSource for TaskGroup {
    fn id(&self) -> &str {
        TaskGroup::id(self)
    }
    fn status(&self) -> BoxFut<'_, TaskGroupStatus> {
        Box::pin(TaskGroup::status(self).send())
    }
    fn events(&self) -> BoxFut<'_, GroupEventStream> {
        Box::pin(TaskGroup::events(self).send())
    }
    fn with_options(self: Arc<Self>, options: RequestOptions) -> Arc<dyn StatusSource> {
        Arc::new(TaskGroup::with_options(&self, options))
    }
}

/// Waits until a group is inactive; finish with `.await` or
/// [`send`](WaitForGroup::send).
///
/// ```no_run
/// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
/// use std::time::Duration;
/// let status = group
///     .wait()
///     .on_progress(|p| eprintln!("{p}"))
///     .max_wait(Duration::from_secs(3600))
///     .await?;
/// assert!(!status.is_active);
/// # Ok(()) }
/// ```
#[must_use]
pub struct WaitForGroup {
    group: Arc<dyn StatusSource>,
    settings: FollowThenPoll<GroupProgress>,
    options: RequestOptions,
}

impl fmt::Debug for WaitForGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForGroup")
            .field("group", &self.group.id())
            .field("max_wait", &self.settings.max_wait)
            .field("use_events", &self.settings.use_events)
            .finish_non_exhaustive()
    }
}

impl TaskGroup {
    /// Waits until no run of the group is active.
    pub fn wait(&self) -> WaitForGroup {
        WaitForGroup::new(Arc::new(self.clone()))
    }
}

impl WaitForGroup {
    pub(crate) fn new(group: Arc<dyn StatusSource>) -> WaitForGroup {
        WaitForGroup {
            group,
            settings: FollowThenPoll::default(),
            options: RequestOptions::new(),
        }
    }

    follow_then_poll_setters!(GroupProgress);

    /// Waits. Per-call options apply to each status request and to
    /// opening the event stream; [`max_wait`](Self::max_wait) bounds the
    /// whole wait.
    pub async fn send(mut self) -> Result<TaskGroupStatus, Error> {
        if !self.options.is_empty() {
            self.group = self.group.with_options(std::mem::take(&mut self.options));
        }
        let start = Instant::now();
        let deadline = self.settings.max_wait.map(|d| start + d);
        let reporter = Mutex::new(
            self.settings
                .reporter(start, |s: &TaskGroupStatus, elapsed| GroupProgress {
                    status: s.clone(),
                    elapsed,
                }),
        );
        let report = |s: &TaskGroupStatus| {
            if let Ok(mut r) = reporter.lock() {
                r.report(s);
            }
        };
        let first = self.group.status().await?;
        report(&first);
        if !first.is_active {
            return Ok(first);
        }
        if self.settings.use_events {
            match follow_events(self.group.as_ref(), &first, deadline, &report).await {
                Followed::Inactive(s) => return Ok(s),
                // The polling below makes the final poll at once.
                Followed::Deadline => {}
                Followed::Unavailable(why) => {
                    tracing::info!(group = self.group.id(), reason = %why, "event stream unavailable; polling");
                }
            }
        }
        let waiter = self
            .settings
            .poller(format!("task group {}", self.group.id()));
        let (group, report) = (&self.group, &report);
        waiter
            .run(start, 1, |_| async move {
                let s = group.status().await?;
                report(&s);
                Ok(if s.is_active {
                    Poll::Pending(Some(summary(&s)))
                } else {
                    Poll::Done(s)
                })
            })
            .await
    }
}

/// Follows the group's event stream until it ends after a status saying the
/// group is inactive, the deadline passes or the stream fails.
///
/// The stream replays the group's whole log first, and a group that was
/// inactive for a while (all its runs done before more were added) has
/// inactive statuses in the middle of it: only the status the stream ends
/// on is the group's current one. Replayed statuses with fewer runs than
/// `first` (polled at the start) are old news and are not reported.
async fn follow_events(
    group: &dyn StatusSource,
    first: &TaskGroupStatus,
    deadline: Option<Instant>,
    report: &(dyn Fn(&TaskGroupStatus) + Sync),
) -> Followed {
    // Opening counts against the deadline too (connecting, retries).
    let opened = match deadline {
        Some(d) => match tokio::time::timeout_at(d, group.events()).await {
            Ok(opened) => opened,
            Err(_) => return Followed::Deadline,
        },
        None => group.events().await,
    };
    let mut events = match opened {
        Ok(s) => s,
        Err(e) => return Followed::Unavailable(e.to_string()),
    };
    let mut latest: Option<TaskGroupStatus> = None;
    loop {
        let next = match deadline {
            Some(d) => match tokio::time::timeout_at(d, events.next()).await {
                Ok(n) => n,
                Err(_) => return Followed::Deadline,
            },
            None => events.next().await,
        };
        match next {
            Some(Ok(GroupEvent::GroupStatus { status, .. })) => {
                if status.num_task_runs >= first.num_task_runs {
                    report(&status);
                }
                latest = Some(status);
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Followed::Unavailable(e.to_string()),
            None => {
                return match latest {
                    Some(status) if !status.is_active => Followed::Inactive(status),
                    _ => Followed::Unavailable(
                        "the stream ended before the group was inactive".into(),
                    ),
                };
            }
        }
    }
}

enum Followed {
    Inactive(TaskGroupStatus),
    Deadline,
    Unavailable(String),
}

request_builder!(WaitForGroup => TaskGroupStatus, options: options);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Jitter;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn status(active: bool) -> TaskGroupStatus {
        status_of(active, 1)
    }

    /// A group of `runs` runs, one of them running if `active`.
    fn status_of(active: bool, runs: i64) -> TaskGroupStatus {
        let counts = if active {
            serde_json::json!({"running": 1, "completed": runs - 1})
        } else {
            serde_json::json!({"completed": runs})
        };
        serde_json::from_value(
            serde_json::json!({"num_task_runs": runs, "task_run_status_counts": counts,
            "is_active": active, "status_message": null, "modified_at": null}),
        )
        .unwrap()
    }

    /// A group that is active for `active_polls` polls, with scripted events.
    struct Fake {
        active_polls: u32,
        polls: AtomicU32,
        /// Runs in the polled status.
        runs: i64,
        events: Mutex<Option<Vec<TaskGroupStatus>>>,
    }

    impl StatusSource for Fake {
        fn id(&self) -> &str {
            "tgrp_fake"
        }
        fn status(&self) -> BoxFut<'_, TaskGroupStatus> {
            let n = self.polls.fetch_add(1, Ordering::SeqCst);
            let active = n < self.active_polls;
            let runs = self.runs;
            Box::pin(async move { Ok(status_of(active, runs)) })
        }
        fn events(&self) -> BoxFut<'_, GroupEventStream> {
            let script = self.events.lock().unwrap().take();
            Box::pin(async move {
                let script = script.ok_or_else(|| Error::Config("no event stream here".into()))?;
                let items = script.into_iter().map(|status| {
                    Ok(GroupEvent::GroupStatus {
                        event_id: None,
                        status,
                    })
                });
                // Each event arrives a second after the previous one.
                let s = futures::stream::iter(items).then(|e| async {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    e
                });
                Ok(s.boxed())
            })
        }
        fn with_options(self: Arc<Self>, _: RequestOptions) -> Arc<dyn StatusSource> {
            self
        }
    }

    /// A waiter on `f` with deterministic delays (the largest of each step).
    fn waiter(f: &Arc<Fake>) -> WaitForGroup {
        WaitForGroup::new(f.clone()).jitter(Jitter::None)
    }

    fn fake(active_polls: u32, events: Option<Vec<bool>>) -> Arc<Fake> {
        Arc::new(Fake {
            active_polls,
            polls: AtomicU32::new(0),
            runs: 1,
            events: Mutex::new(events.map(|e| e.into_iter().map(status).collect())),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn without_events_it_polls_with_growing_delays_until_inactive() {
        let f = fake(3, None);
        let start = Instant::now();
        let s = waiter(&f).send().await.unwrap();
        assert!(!s.is_active);
        assert_eq!(f.polls.load(Ordering::SeqCst), 4);
        // Delays of 1 s, 2 s and 4 s between the four polls.
        assert_eq!(start.elapsed(), Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn at_the_deadline_it_polls_once_more_then_reports_waited_time_and_polls() {
        let f = fake(u32::MAX, None);
        let err = waiter(&f)
            .max_wait(Duration::from_secs(10))
            .send()
            .await
            .unwrap_err();
        let Error::WaitTimeout(t) = err else {
            panic!("{err:?}")
        };
        // Polls at 0, 1, 3 and 7 s, then the final one at 10 s.
        assert_eq!((t.polls, t.waited), (5, Duration::from_secs(10)));
        assert_eq!(f.polls.load(Ordering::SeqCst), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn with_events_it_returns_on_the_inactive_status_without_polling_again() {
        let f = fake(1, Some(vec![true, true, false]));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let s = WaitForGroup::new(f.clone())
            .on_progress(move |p| sink.lock().unwrap().push(p.status.is_active))
            .send()
            .await
            .unwrap();
        assert!(!s.is_active);
        assert_eq!(
            f.polls.load(Ordering::SeqCst),
            1,
            "only the first status request"
        );
        assert_eq!(
            *seen.lock().unwrap(),
            [true, false],
            "repeated statuses are reported once"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_inactive_status_replayed_from_before_more_runs_were_added_is_not_the_end() {
        // The group finished its first run, then got a second one: the
        // replayed log says "inactive" before it says "active" again.
        let f = Arc::new(Fake {
            active_polls: 1,
            polls: AtomicU32::new(0),
            runs: 2,
            events: Mutex::new(Some(vec![
                status_of(false, 1),
                status_of(true, 2),
                status_of(false, 2),
            ])),
        });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let s = WaitForGroup::new(f.clone())
            .on_progress(move |p| {
                let st = &p.status;
                sink.lock().unwrap().push((st.num_task_runs, st.is_active))
            })
            .send()
            .await
            .unwrap();
        assert_eq!((s.num_task_runs, s.is_active), (2, false));
        assert_eq!(
            *seen.lock().unwrap(),
            [(2, true), (2, false)],
            "the old one-run status is not reported"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stream_that_ends_early_falls_back_to_polling() {
        let f = fake(2, Some(vec![true]));
        let s = waiter(&f).send().await.unwrap();
        assert!(!s.is_active);
        assert_eq!(f.polls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn progress_reads_as_one_line() {
        let p = GroupProgress {
            status: status(true),
            elapsed: Duration::from_millis(1500),
        };
        assert_eq!(p.to_string(), "0/1 runs done (running 1) after 1.5s");
    }
}
