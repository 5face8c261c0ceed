//! When to retry and how long to wait: the retry policy, the one retry
//! predicate ([`Error::retry_class`]) and the backoff used by requests,
//! stream reconnects and waiters.
//!
//! The defaults follow the official Python and TypeScript SDKs: two retries;
//! connection errors, timeouts and HTTP 408/409/429/5xx are retried;
//! `x-should-retry: true|false` overrides the status; `retry-after-ms` or
//! `retry-after` is honoured when it asks for at most 60 s; otherwise the
//! delay is `min(0.5 * 2^n, 8)` seconds minus up to 25 % jitter.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::error::Error;

/// How a request that failed may be retried.
///
/// Requests that create paid runs (`POST .../runs`) are *not idempotent*:
/// after a failure that may have reached the server they are never resent
/// blindly (see the batch module's reconciliation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryClass {
    /// Do not retry: the request was understood and refused.
    Never,
    /// Safe to retry whatever the request: it certainly had no effect
    /// (connection refused, 429, or the server said `x-should-retry: true`).
    Always,
    /// Retry only requests that are safe to repeat: the failure happened
    /// after the request may have been processed (timeout, reset, 408/409/5xx).
    IfIdempotent,
}

impl Error {
    /// The one retry predicate of the SDK: how this failure may be retried.
    ///
    /// ```
    /// # use parallel_web::{Error, RetryClass};
    /// # fn demo(e: &Error) {
    /// if e.retry_class() == RetryClass::Always { /* safe to resend */ }
    /// # }
    /// ```
    pub fn retry_class(&self) -> RetryClass {
        match self {
            Error::Connection {
                before_sending: true,
                ..
            } => RetryClass::Always,
            // The answer was lost, not the request: it may have taken effect.
            Error::Connection { .. }
            | Error::Timeout { .. }
            | Error::RequestTimeout { .. }
            | Error::ResponseTooLarge { .. } => RetryClass::IfIdempotent,
            other => match other.api_error() {
                Some(api) => match api.should_retry {
                    Some(true) => RetryClass::Always,
                    Some(false) => RetryClass::Never,
                    None => match api.status {
                        429 => RetryClass::Always,
                        408 | 409 | 500..=599 => RetryClass::IfIdempotent,
                        _ => RetryClass::Never,
                    },
                },
                None => RetryClass::Never,
            },
        }
    }

    /// True when retrying an idempotent request could succeed.
    pub fn is_retryable(&self) -> bool {
        self.retry_class() != RetryClass::Never
    }

    /// True when a non-idempotent request may have taken effect although it
    /// failed (so it must be reconciled, not resent).
    pub fn is_ambiguous(&self) -> bool {
        self.retry_class() == RetryClass::IfIdempotent
    }
}

/// Where the random part of a delay comes from. Tests use `None` or `Fixed`
/// for deterministic delays.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Jitter {
    /// A fresh random fraction for every delay (the default).
    Random,
    /// No randomness: the fraction is 0 (backoff delays are at their maximum).
    None,
    /// Always this fraction, clamped to `0.0..=1.0`.
    Fixed(f64),
}

impl Jitter {
    /// A fraction in `0.0..1.0` (or the fixed value).
    pub(crate) fn fraction(self) -> f64 {
        match self {
            Jitter::Random => random_fraction(),
            Jitter::None => 0.0,
            Jitter::Fixed(f) => f.clamp(0.0, 1.0),
        }
    }
}

/// A random fraction in `0.0..1.0` from the std hasher's random keys; good
/// enough for jitter, and it avoids another dependency.
pub(crate) fn random_fraction() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random 64-bit value (jitter, batch tags). Not for cryptography.
pub(crate) fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.finish()
}

/// How requests are retried.
///
/// ```
/// use std::time::Duration;
/// use parallel_web::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_retries(5)
///     .max_delay(Duration::from_secs(30));
/// assert_eq!(policy.get_max_retries(), 5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_delay: Duration,
    max_delay: Duration,
    max_server_delay: Duration,
    jitter: Jitter,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_server_delay: Duration::from_secs(60),
            jitter: Jitter::Random,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy::default().max_retries(0)
    }

    /// How many times a failed request is retried (default 2).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The delay before the first retry (default 0.5 s); it doubles each time.
    pub fn initial_delay(mut self, d: Duration) -> Self {
        self.initial_delay = d;
        self
    }

    /// The largest computed delay (default 8 s).
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// The largest server-requested delay that is obeyed (default 60 s);
    /// longer requests fall back to the computed backoff.
    pub fn max_server_delay(mut self, d: Duration) -> Self {
        self.max_server_delay = d;
        self
    }

    /// Where the random part of delays comes from (default [`Jitter::Random`]).
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The configured number of retries.
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The computed delay before retry number `retries_taken + 1`:
    /// `min(initial * 2^n, max)` minus up to 25 % jitter.
    pub fn backoff(&self, retries_taken: u32) -> Duration {
        let base = self
            .initial_delay
            .saturating_mul(2u32.saturating_pow(retries_taken.min(30)))
            .min(self.max_delay);
        base.mul_f64(1.0 - 0.25 * self.jitter.fraction())
    }

    /// The delay before the next attempt of a request, or `None` to stop.
    /// `idempotent` says whether the request may be repeated safely.
    pub(crate) fn next_delay(
        &self,
        err: &Error,
        retries_taken: u32,
        idempotent: bool,
    ) -> Option<Duration> {
        if retries_taken >= self.max_retries {
            return None;
        }
        match err.retry_class() {
            RetryClass::Never => return None,
            RetryClass::IfIdempotent if !idempotent => return None,
            _ => {}
        }
        let asked = err.api_error().and_then(|a| a.retry_after);
        Some(match asked {
            Some(d) if !d.is_zero() && d <= self.max_server_delay => d,
            _ => self.backoff(retries_taken),
        })
    }

    /// Full-jitter exponential backoff between `min` and `max` (for polling):
    /// a random delay in `[min, min(max, min * 2^attempt)]`.
    pub(crate) fn full_jitter(
        jitter: Jitter,
        min: Duration,
        max: Duration,
        attempt: u32,
    ) -> Duration {
        let cap = min
            .saturating_mul(2u32.saturating_pow(attempt.min(30)))
            .min(max)
            .max(min);
        let span = cap - min;
        // `Jitter::None` means "no randomness": use the cap, so tests see the
        // largest delay of each step.
        let f = match jitter {
            Jitter::None => 1.0,
            j => j.fraction(),
        };
        min + span.mul_f64(f)
    }
}

/// A reconnect backoff that grows on each failure and resets on success.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    policy: RetryPolicy,
    failures: u32,
}

impl Backoff {
    pub(crate) fn new(policy: RetryPolicy) -> Self {
        Backoff {
            policy,
            failures: 0,
        }
    }

    /// Records a failure; returns the delay before the next try, or `None`
    /// when `max_failures` consecutive failures were reached.
    pub(crate) fn fail(&mut self, max_failures: u32) -> Option<Duration> {
        if self.failures >= max_failures {
            return None;
        }
        let d = self.policy.backoff(self.failures);
        self.failures += 1;
        Some(d)
    }

    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn api(status: u16, headers: &[(&'static str, &'static str)]) -> Error {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_static(v));
        }
        Error::from_response(ApiError::from_parts("op", status, &h, "{}"))
    }

    #[test]
    fn statuses_are_classified_like_the_official_sdks() {
        assert_eq!(api(429, &[]).retry_class(), RetryClass::Always);
        for s in [408, 409, 500, 502, 503, 504] {
            assert_eq!(api(s, &[]).retry_class(), RetryClass::IfIdempotent, "{s}");
        }
        for s in [400, 401, 402, 403, 404, 422] {
            assert_eq!(api(s, &[]).retry_class(), RetryClass::Never, "{s}");
        }
    }

    #[test]
    fn should_retry_header_overrides_the_status() {
        assert_eq!(
            api(503, &[("x-should-retry", "true")]).retry_class(),
            RetryClass::Always
        );
        assert_eq!(
            api(500, &[("x-should-retry", "false")]).retry_class(),
            RetryClass::Never
        );
        assert_eq!(
            api(400, &[("x-should-retry", "true")]).retry_class(),
            RetryClass::Always
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_down() {
        let p = RetryPolicy::default().jitter(Jitter::None);
        assert_eq!(p.backoff(0), Duration::from_millis(500));
        assert_eq!(p.backoff(1), Duration::from_secs(1));
        assert_eq!(p.backoff(4), Duration::from_secs(8));
        assert_eq!(p.backoff(10), Duration::from_secs(8));
        let p = p.jitter(Jitter::Fixed(1.0));
        assert_eq!(p.backoff(0), Duration::from_millis(375));
        for _ in 0..100 {
            let d = RetryPolicy::default().backoff(1);
            assert!(d >= Duration::from_millis(750) && d <= Duration::from_secs(1));
        }
    }

    #[test]
    fn server_delays_are_honoured_up_to_sixty_seconds() {
        let p = RetryPolicy::default().jitter(Jitter::None);
        let e = api(429, &[("retry-after-ms", "1500")]);
        assert_eq!(
            p.next_delay(&e, 0, false),
            Some(Duration::from_millis(1500))
        );
        let e = api(429, &[("retry-after", "2")]);
        assert_eq!(p.next_delay(&e, 0, false), Some(Duration::from_secs(2)));
        let e = api(429, &[("retry-after", "120")]);
        assert_eq!(p.next_delay(&e, 0, false), Some(Duration::from_millis(500)));
        assert_eq!(p.next_delay(&e, 2, false), None, "retries exhausted");
    }

    #[test]
    fn ambiguous_failures_are_not_retried_for_non_idempotent_requests() {
        let p = RetryPolicy::default();
        assert!(p.next_delay(&api(500, &[]), 0, false).is_none());
        assert!(p.next_delay(&api(500, &[]), 0, true).is_some());
    }

    #[test]
    fn absurd_retry_after_values_do_not_panic() {
        let e = api(429, &[("retry-after", "1e300")]);
        assert_eq!(
            e.api_error().unwrap().retry_after,
            Some(Duration::from_secs(86_400))
        );
        let e = api(429, &[("retry-after-ms", "NaN")]);
        assert_eq!(e.api_error().unwrap().retry_after, None);
    }

    #[test]
    fn a_retry_after_date_beyond_the_obeyed_limit_falls_back_to_backoff() {
        let mut h = HeaderMap::new();
        h.insert(
            "retry-after",
            HeaderValue::from_static("Fri, 01 Jan 2100 00:00:00 GMT"),
        );
        // Longer than the 60 s obeyed: the computed backoff is used instead.
        let e = Error::from_response(ApiError::from_parts("op", 429, &h, "{}"));
        let p = RetryPolicy::default().jitter(Jitter::None);
        assert_eq!(p.next_delay(&e, 0, true), Some(Duration::from_millis(500)));
    }

    #[test]
    fn full_jitter_stays_between_min_and_the_growing_cap() {
        let min = Duration::from_secs(1);
        let max = Duration::from_secs(30);
        assert_eq!(RetryPolicy::full_jitter(Jitter::None, min, max, 0), min);
        assert_eq!(
            RetryPolicy::full_jitter(Jitter::None, min, max, 3),
            Duration::from_secs(8)
        );
        assert_eq!(RetryPolicy::full_jitter(Jitter::None, min, max, 10), max);
        assert_eq!(
            RetryPolicy::full_jitter(Jitter::Fixed(0.0), min, max, 10),
            min
        );
    }

    /// A transport error from a real (refused) connection, for the
    /// `Connection` and `Timeout` variants, which carry one.
    async fn transport_error() -> reqwest::Error {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        crate::install_tls_provider();
        reqwest::Client::new()
            .get(format!("http://{addr}/"))
            .send()
            .await
            .unwrap_err()
    }

    #[tokio::test]
    async fn transport_failures_are_classified_by_whether_the_request_left() {
        let refused = Error::Connection {
            operation: "op",
            before_sending: true,
            source: transport_error().await,
        };
        assert_eq!(refused.retry_class(), RetryClass::Always);
        assert!(refused.is_retryable() && !refused.is_ambiguous());
        let broke = Error::Connection {
            operation: "op",
            before_sending: false,
            source: transport_error().await,
        };
        assert_eq!(broke.retry_class(), RetryClass::IfIdempotent);
        assert!(broke.is_retryable() && broke.is_ambiguous());
        let timed_out = Error::Timeout {
            operation: "op",
            source: transport_error().await,
        };
        assert_eq!(timed_out.retry_class(), RetryClass::IfIdempotent);
        let too_large = Error::ResponseTooLarge {
            operation: "op",
            limit: 1,
        };
        assert_eq!(too_large.retry_class(), RetryClass::IfIdempotent);
        let refused_by_api = api(400, &[]);
        assert!(!refused_by_api.is_retryable() && !refused_by_api.is_ambiguous());
        let not_api = Error::Config("bad".into());
        assert_eq!(not_api.retry_class(), RetryClass::Never);
        let p = RetryPolicy::default();
        assert_eq!(p.next_delay(&refused_by_api, 0, true), None);
        assert_eq!(p.next_delay(&not_api, 0, true), None);
    }

    #[test]
    fn random_fractions_vary_and_stay_below_one() {
        let drawn: Vec<f64> = (0..64).map(|_| random_fraction()).collect();
        assert!(drawn.iter().all(|f| (0.0..1.0).contains(f)), "{drawn:?}");
        assert!(drawn.windows(2).any(|w| w[0] != w[1]), "{drawn:?}");
        let raw: Vec<u64> = (0..64).map(|_| random_u64()).collect();
        // Spread over all 64 bits, not only the low ones.
        assert!(raw.iter().any(|r| *r > u64::MAX / 2), "{raw:?}");
        assert_eq!(Jitter::None.fraction(), 0.0);
        assert_eq!(Jitter::Fixed(0.3).fraction(), 0.3);
        assert_eq!(Jitter::Fixed(7.0).fraction(), 1.0);
        assert_eq!(Jitter::Fixed(-1.0).fraction(), 0.0);
        assert!((0.0..1.0).contains(&Jitter::Random.fraction()));
    }

    #[test]
    fn every_setting_of_the_policy_takes_effect() {
        assert_eq!(RetryPolicy::none().get_max_retries(), 0);
        assert_eq!(RetryPolicy::default().get_max_retries(), 2);
        let p = RetryPolicy::default()
            .max_retries(5)
            .initial_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(300))
            .max_server_delay(Duration::from_secs(2))
            .jitter(Jitter::Fixed(1.0));
        assert_eq!(p.get_max_retries(), 5);
        // 100 ms, then 200 ms, then capped at 300 ms; all minus 25 %.
        assert_eq!(p.backoff(0), Duration::from_millis(75));
        assert_eq!(p.backoff(1), Duration::from_millis(150));
        assert_eq!(p.backoff(2), Duration::from_millis(225));
        let e = api(429, &[("retry-after", "2")]);
        assert_eq!(p.next_delay(&e, 4, true), Some(Duration::from_secs(2)));
        assert_eq!(p.next_delay(&e, 5, true), None);
        let e = api(429, &[("retry-after", "3")]);
        assert_eq!(p.next_delay(&e, 0, true), Some(Duration::from_millis(75)));
    }

    #[test]
    fn a_server_delay_of_zero_or_at_the_limit_is_handled_at_the_boundary() {
        let p = RetryPolicy::default().jitter(Jitter::None);
        let e = api(429, &[("retry-after-ms", "0")]);
        assert_eq!(p.next_delay(&e, 0, true), Some(Duration::from_millis(500)));
        let e = api(429, &[("retry-after", "60")]);
        assert_eq!(p.next_delay(&e, 0, true), Some(Duration::from_secs(60)));
        let e = api(429, &[("retry-after", "61")]);
        assert_eq!(p.next_delay(&e, 0, true), Some(Duration::from_millis(500)));
        assert_eq!(p.next_delay(&e, 1, true), Some(Duration::from_secs(1)));
    }

    #[test]
    fn full_jitter_never_goes_below_min_even_when_max_is_smaller() {
        let min = Duration::from_secs(4);
        let max = Duration::from_secs(1);
        assert_eq!(RetryPolicy::full_jitter(Jitter::None, min, max, 3), min);
        let half = RetryPolicy::full_jitter(
            Jitter::Fixed(0.5),
            Duration::from_secs(1),
            Duration::from_secs(30),
            2,
        );
        assert_eq!(half, Duration::from_millis(2500));
    }

    #[test]
    fn the_reconnect_backoff_grows_gives_up_and_resets() {
        let mut b = Backoff::new(RetryPolicy::default().jitter(Jitter::None));
        assert_eq!(b.fail(2), Some(Duration::from_millis(500)));
        assert_eq!(b.fail(2), Some(Duration::from_secs(1)));
        assert_eq!(b.fail(2), None);
        b.reset();
        assert_eq!(b.fail(2), Some(Duration::from_millis(500)));
        assert_eq!(b.fail(0), None);
    }
}
