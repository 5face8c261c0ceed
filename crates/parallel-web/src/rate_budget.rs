//! The run-creation rate budget: a token bucket shared by every clone of a
//! client, so run-creating POSTs stay under the documented per-minute limit
//! instead of collecting 429s.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A token bucket for run-creating POSTs.
pub(crate) struct RateBudget {
    per_minute: u32,
    state: Mutex<(f64, Instant)>,
}

impl RateBudget {
    pub(crate) fn new(per_minute: u32) -> Self {
        RateBudget {
            per_minute,
            state: Mutex::new((f64::from(per_minute), Instant::now())),
        }
    }

    pub(crate) async fn acquire(&self) {
        if self.per_minute == 0 {
            return;
        }
        let rate = f64::from(self.per_minute) / 60.0;
        loop {
            let wait = {
                let Ok(mut s) = self.state.lock() else { return };
                let now = Instant::now();
                s.0 = (s.0 + now.duration_since(s.1).as_secs_f64() * rate)
                    .min(f64::from(self.per_minute));
                s.1 = now;
                if s.0 >= 1.0 {
                    s.0 -= 1.0;
                    return;
                }
                (1.0 - s.0) / rate
            };
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_rate_budget_spreads_posts_over_the_minute() {
        let b = RateBudget::new(2);
        let t0 = Instant::now();
        b.acquire().await;
        b.acquire().await;
        assert_eq!(t0.elapsed(), Duration::ZERO, "the first two go at once");
        b.acquire().await;
        assert!(
            t0.elapsed() >= Duration::from_secs(29),
            "the third waits for a token"
        );
    }
}
