//! The waiting core both waiters share, modelled on smithy-rs waiters.
//!
//! A [`Waiter`] repeats a poll until it says [`Poll::Done`], waiting
//! between polls by its [`Delays`] but never past the deadline: the poll
//! that falls on the deadline is the final one, and after it the wait
//! fails with [`Error::WaitTimeout`], saying how long it waited, how often
//! it polled and the last status seen. An error from a poll ends the wait.
//! Time is tokio's, so tests run it on paused time.
//!
//! `group.wait()` (`groups/wait.rs`) polls the group's status with
//! full-jitter backoff after following its event stream; a result's
//! `wait()` (`runs/result.rs`) repeats the server's long-poll back to back.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::client::retry::Jitter;
use crate::client::retry::RetryPolicy;
use crate::error::Error;
use crate::error::WaitTimeout;

/// What one poll found.
pub(crate) enum Poll<T> {
    /// Finished: the wait returns this.
    Done(T),
    /// Not yet; a one-line summary of the status, when there is one.
    Pending(Option<String>),
}

/// How long to wait between polls.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Delays {
    /// No pause: each poll waits on the server (a long-poll).
    None,
    /// Full-jitter exponential backoff between `min` and `max`.
    Backoff {
        min: Duration,
        max: Duration,
        jitter: Jitter,
    },
}

impl Delays {
    fn delay(self, attempt: u32) -> Duration {
        match self {
            Delays::None => Duration::ZERO,
            Delays::Backoff { min, max, jitter } => {
                RetryPolicy::full_jitter(jitter, min, max, attempt)
            }
        }
    }
}

/// Repeats a poll until it is done or the deadline passes.
#[derive(Debug, Clone)]
pub(crate) struct Waiter {
    /// What is waited for, for the timeout error ("task group tgrp_1").
    pub what: String,
    /// Give up after this long; `None` waits forever.
    pub max_wait: Option<Duration>,
    /// The pause between polls.
    pub delays: Delays,
}

impl Waiter {
    /// Polls until done. `started` is when the wait began and `polls` how
    /// many polls were made before this call (a non-zero count pauses
    /// before the first poll here). `poll` gets the time left, if bounded.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        started: Instant,
        mut polls: u32,
        mut poll: F,
    ) -> Result<T, Error>
    where
        F: FnMut(Option<Duration>) -> Fut,
        Fut: Future<Output = Result<Poll<T>, Error>>,
    {
        let deadline = self.max_wait.map(|d| started + d);
        let left = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let mut attempt = 0;
        let mut last = None;
        loop {
            if polls > 0 {
                let delay = self.delays.delay(attempt);
                attempt += 1;
                let pause = left().map_or(delay, |l| delay.min(l));
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
            }
            polls += 1;
            match poll(left()).await? {
                Poll::Done(v) => return Ok(v),
                Poll::Pending(summary) => last = summary.or(last),
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Error::WaitTimeout(Box::new(WaitTimeout {
                    what: self.what.clone(),
                    waited: started.elapsed(),
                    polls,
                    last_status: last,
                })));
            }
        }
    }
}

/// A progress callback, called with each new status as `P`.
pub(crate) type ProgressFn<P> = Box<dyn FnMut(&P) + Send>;

/// The settings of a wait that follows an event stream and falls back to
/// polling, shared by `group.wait()` and a FindAll run's `wait()`: the
/// builders keep one of these and get their setters from
/// [`follow_then_poll_setters!`]. `P` is what the progress callback gets.
pub(crate) struct FollowThenPoll<P> {
    /// Give up after this long; `None` waits forever.
    pub max_wait: Option<Duration>,
    /// Called with each new status.
    pub on_progress: Option<ProgressFn<P>>,
    /// Bounds of the backoff between polls.
    pub min_delay: Duration,
    pub max_delay: Duration,
    pub jitter: Jitter,
    /// Follow the event stream before polling.
    pub use_events: bool,
}

impl<P> Default for FollowThenPoll<P> {
    fn default() -> Self {
        FollowThenPoll {
            max_wait: None,
            on_progress: None,
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            jitter: Jitter::Random,
            use_events: true,
        }
    }
}

impl<P> FollowThenPoll<P> {
    /// The poller that takes over from the events, for `what`.
    pub fn poller(&self, what: String) -> Waiter {
        Waiter {
            what,
            max_wait: self.max_wait,
            delays: Delays::Backoff {
                min: self.min_delay,
                max: self.max_delay,
                jitter: self.jitter,
            },
        }
    }

    /// The reporter of a wait started at `start`: it builds the callback's
    /// progress from a status and the time elapsed with `progress`.
    pub fn reporter<S>(
        &mut self,
        start: Instant,
        progress: fn(&S, Duration) -> P,
    ) -> Reporter<S, P> {
        Reporter {
            on_progress: self.on_progress.take(),
            progress,
            last: None,
            start,
        }
    }
}

/// Hands each new status to the progress callback once (the first event
/// often repeats the status just polled).
pub(crate) struct Reporter<S, P> {
    on_progress: Option<ProgressFn<P>>,
    progress: fn(&S, Duration) -> P,
    last: Option<S>,
    start: Instant,
}

impl<S: PartialEq + Clone, P> Reporter<S, P> {
    /// Reports `status` unless it equals the last one reported.
    pub fn report(&mut self, status: &S) {
        if self.last.as_ref() == Some(status) {
            return;
        }
        self.last = Some(status.clone());
        if let Some(f) = self.on_progress.as_mut() {
            f(&(self.progress)(status, self.start.elapsed()));
        }
    }
}

/// The setters of a follow-then-poll wait builder whose [`FollowThenPoll`]
/// is its `settings` field; `$progress` is its progress type.
macro_rules! follow_then_poll_setters {
    ($progress:ty) => {
        /// Give up after this long (default: wait forever).
        pub fn max_wait(mut self, d: std::time::Duration) -> Self {
            self.settings.max_wait = Some(d);
            self
        }

        /// Called with every new status (one equal to the previous is not
        /// reported again).
        pub fn on_progress(mut self, f: impl FnMut(&$progress) + Send + 'static) -> Self {
            self.settings.on_progress = Some(Box::new(f));
            self
        }

        /// Bounds of the delay between polls when polling (default 1 s to 30 s).
        pub fn poll_delay(mut self, min: std::time::Duration, max: std::time::Duration) -> Self {
            self.settings.min_delay = min;
            self.settings.max_delay = max.max(min);
            self
        }

        /// The randomness of polling delays (tests use [`Jitter::None`](crate::Jitter::None)).
        pub fn jitter(mut self, jitter: crate::Jitter) -> Self {
            self.settings.jitter = jitter;
            self
        }

        /// Poll only, never use the event stream.
        pub fn polling_only(mut self) -> Self {
            self.settings.use_events = false;
            self
        }
    };
}
pub(crate) use follow_then_poll_setters;

#[cfg(test)]
mod tests {
    use super::*;

    fn waiter(max_wait: u64, delays: Delays) -> Waiter {
        Waiter {
            what: "the thing".into(),
            max_wait: Some(Duration::from_secs(max_wait)),
            delays,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_poll_on_the_deadline_is_the_last_and_the_error_says_so() {
        let start = Instant::now();
        let mut at = Vec::new();
        let delays = Delays::Backoff {
            min: Duration::from_secs(1),
            max: Duration::from_secs(30),
            jitter: Jitter::None,
        };
        let err = waiter(10, delays)
            .run::<(), _, _>(start, 0, |_| {
                at.push(start.elapsed().as_secs());
                async { Ok(Poll::Pending(Some("still going".into()))) }
            })
            .await
            .unwrap_err();
        assert_eq!(at, [0, 1, 3, 7, 10]);
        let Error::WaitTimeout(t) = err else {
            panic!("{err:?}")
        };
        assert_eq!((t.polls, t.waited), (5, Duration::from_secs(10)));
        assert_eq!(t.last_status.as_deref(), Some("still going"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_poll_error_ends_the_wait_at_once() {
        let result: Result<(), Error> = waiter(60, Delays::None)
            .run(Instant::now(), 0, |_| async {
                Err(Error::Config("boom".into()))
            })
            .await;
        assert!(matches!(result, Err(Error::Config(_))));
    }
}
