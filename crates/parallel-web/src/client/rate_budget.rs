//! The run-creation rate budget, shared by every clone of a client, so
//! run-creating POSTs stay under the documented per-minute limit instead of
//! collecting 429s.
//!
//! It is a sliding window: it remembers when the last `per_minute` POSTs
//! went out and lets another go only when the oldest of them is a minute
//! old. A token bucket would let a full bucket's burst and a minute of
//! refill through in the first minute (twice the limit); the window never
//! lets more than the limit into any 60 seconds. Memory is one instant per
//! allowed POST, fixed.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The window the documented limit counts over.
const WINDOW: Duration = Duration::from_secs(60);

/// A sliding-window limit for run-creating POSTs.
pub(crate) struct RateBudget {
    per_minute: usize,
    /// When the most recent POSTs (at most `per_minute`) were let through.
    sent: Mutex<VecDeque<Instant>>,
}

impl RateBudget {
    /// A budget of `per_minute` POSTs in any 60 s; 0 means unlimited.
    pub(crate) fn new(per_minute: u32) -> Self {
        let per_minute = per_minute as usize;
        RateBudget {
            per_minute,
            sent: Mutex::new(VecDeque::with_capacity(per_minute.min(4_096))),
        }
    }

    /// Waits until one more POST fits in the window, and counts it.
    pub(crate) async fn acquire(&self) {
        if self.per_minute == 0 {
            return;
        }
        loop {
            let wait_until = {
                let Ok(mut sent) = self.sent.lock() else {
                    return;
                };
                let now = Instant::now();
                while sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= WINDOW)
                {
                    sent.pop_front();
                }
                if sent.len() < self.per_minute {
                    sent.push_back(now);
                    return;
                }
                match sent.front() {
                    Some(oldest) => *oldest + WINDOW,
                    None => return,
                }
            };
            tokio::time::sleep_until(wait_until).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_minute_ever_holds_more_posts_than_the_budget() {
        let b = RateBudget::new(2);
        let t0 = Instant::now();
        let mut at = Vec::new();
        for _ in 0..5 {
            b.acquire().await;
            at.push(t0.elapsed().as_secs());
        }
        assert_eq!(at, [0, 0, 60, 60, 120]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_budget_is_unlimited() {
        let b = RateBudget::new(0);
        let t0 = Instant::now();
        for _ in 0..10_000 {
            b.acquire().await;
        }
        assert_eq!(t0.elapsed(), Duration::ZERO);
    }
}
