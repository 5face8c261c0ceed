//! Fault injection: misbehaviour on purpose, so clients can be tested against it.
//!
//! A [`Fault`] is built in Rust or parsed from the `--fault SPEC` text form
//! (syntax on [`Fault`]); [`FaultSet`] (in `firing`) decides when each one fires.

mod firing;

pub use firing::FaultSet;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// What a fault does.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Cut an SSE stream after between `min_events` and `max_events` events.
    DropStream {
        /// Fewest events sent before the cut.
        min_events: u32,
        /// Most events sent before the cut.
        max_events: u32,
    },
    /// Answer with an HTTP status instead of handling the request.
    Status {
        /// The status code.
        code: u16,
        /// `retry-after` header, seconds.
        retry_after_secs: Option<f64>,
        /// `retry-after-ms` header, milliseconds.
        retry_after_ms: Option<u64>,
        /// `x-should-retry` header.
        should_retry: Option<bool>,
    },
    /// Commit an add-runs POST, then drop the connection before any response byte.
    AmbiguousAddRuns,
    /// Delay the request.
    Latency {
        /// Added delay in milliseconds.
        ms: u64,
    },
    /// Hold a run-creating POST (add runs, create run) after it is read and
    /// checked, commit it after `ms`, then answer: a client whose read
    /// timeout is shorter gives up, and the runs are created all the same
    /// (a proxy in front of a server that keeps going).
    LateCommit {
        /// How long the commit and the answer are held, in milliseconds.
        ms: u64,
    },
}

/// One fault to inject.
///
/// Built with the constructors below or parsed from the `--fault SPEC` text form:
///
/// ```text
/// drop-stream:after=N                  cut an SSE stream after N events
/// drop-stream:between=A-B              … after a number of events drawn from A..=B
/// status:code=C                        answer with status C (e.g. 429, 503) instead of handling
///        [,retry-after=SECS][,retry-after-ms=MS][,should-retry=true|false]
/// ambiguous-add-runs                   commit an add-runs POST, then cut the connection
/// latency:ms=N                         delay the request by N ms
/// late-commit:ms=N                     hold a run-creating POST, commit it after N ms, then answer
/// ```
///
/// Every kind also takes `rate=P` (share of eligible requests, default 1),
/// `times=N` (fire at most N times; default unlimited), `skip=N` (let the
/// first N eligible requests through, e.g. to hit the second chunk of a
/// batch and not the first), `path=S` (only
/// requests whose path contains S) and `method=M` (only requests with HTTP method M). Options are comma-separated, e.g.
/// `status:code=429,rate=0.2,retry-after-ms=100,times=5,path=/runs`.
/// Decisions are reproducible: the n-th eligible request of fault i fires iff
/// a hash of (seed, i, n) falls under the rate.
///
/// ```
/// use parallel_web_emulator::Fault;
/// let f = Fault::status(429).rate(0.5).times(3).retry_after_ms(100);
/// assert_eq!(f.to_string(), "status:code=429,retry-after-ms=100,rate=0.5,times=3");
/// assert_eq!("status:code=429,retry-after-ms=100,rate=0.5,times=3".parse::<Fault>().unwrap(), f);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    kind: FaultKind,
    rate: f64,
    times: Option<u32>,
    skip: u64,
    path: Option<String>,
    method: Option<String>,
}

impl Fault {
    fn of(kind: FaultKind) -> Self {
        Fault {
            kind,
            rate: 1.0,
            times: None,
            skip: 0,
            path: None,
            method: None,
        }
    }

    /// Cut SSE streams after exactly `events` events.
    pub fn drop_stream_after(events: u32) -> Self {
        Self::of(FaultKind::DropStream {
            min_events: events,
            max_events: events,
        })
    }

    /// Cut SSE streams after a number of events drawn from `min..=max`.
    pub fn drop_stream_between(min: u32, max: u32) -> Self {
        Self::of(FaultKind::DropStream {
            min_events: min.min(max),
            max_events: max.max(min),
        })
    }

    /// Answer requests with HTTP `code` (and an `ErrorResponse` body).
    pub fn status(code: u16) -> Self {
        Self::of(FaultKind::Status {
            code,
            retry_after_secs: None,
            retry_after_ms: None,
            should_retry: None,
        })
    }

    /// Commit add-runs POSTs and then cut the connection without a response.
    pub fn ambiguous_add_runs() -> Self {
        Self::of(FaultKind::AmbiguousAddRuns)
    }

    /// Delay requests by `delay`.
    pub fn latency(delay: Duration) -> Self {
        Self::of(FaultKind::Latency {
            ms: delay.as_millis() as u64,
        })
    }

    /// Hold run-creating POSTs (add runs, create run) for `hold`, then
    /// commit and answer; the commit happens even if the client has gone.
    ///
    /// ```
    /// use std::time::Duration;
    /// use parallel_web_emulator::Fault;
    /// let f = Fault::late_commit(Duration::from_millis(1500)).rate(0.5);
    /// assert_eq!(f.to_string(), "late-commit:ms=1500,rate=0.5");
    /// ```
    pub fn late_commit(hold: Duration) -> Self {
        Self::of(FaultKind::LateCommit {
            ms: hold.as_millis() as u64,
        })
    }

    /// Fire for this share of eligible requests (0..=1; default 1).
    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = rate.clamp(0.0, 1.0);
        self
    }

    /// Fire at most `n` times.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Let the first `n` eligible requests through untouched; the fault can
    /// fire from the `n+1`-th on (`skip(2).times(1)`: only the third).
    ///
    /// ```
    /// use parallel_web_emulator::Fault;
    /// let f = Fault::ambiguous_add_runs().skip(2).times(1);
    /// assert_eq!(f.to_string(), "ambiguous-add-runs:times=1,skip=2");
    /// ```
    pub fn skip(mut self, n: u64) -> Self {
        self.skip = n;
        self
    }

    /// Only requests whose path contains `fragment` are eligible.
    pub fn path(mut self, fragment: impl Into<String>) -> Self {
        self.path = Some(fragment.into());
        self
    }

    /// For [`Fault::status`]: send `retry-after: secs`.
    pub fn retry_after_secs(mut self, secs: f64) -> Self {
        if let FaultKind::Status {
            retry_after_secs, ..
        } = &mut self.kind
        {
            *retry_after_secs = Some(secs);
        }
        self
    }

    /// For [`Fault::status`]: send `retry-after-ms: ms`.
    pub fn retry_after_ms(mut self, ms: u64) -> Self {
        if let FaultKind::Status { retry_after_ms, .. } = &mut self.kind {
            *retry_after_ms = Some(ms);
        }
        self
    }

    /// For [`Fault::status`]: send `x-should-retry: true|false`.
    pub fn should_retry(mut self, retry: bool) -> Self {
        if let FaultKind::Status { should_retry, .. } = &mut self.kind {
            *should_retry = Some(retry);
        }
        self
    }

    /// What the fault does.
    pub fn kind(&self) -> &FaultKind {
        &self.kind
    }

    /// Only requests with this HTTP method (e.g. `POST`) are eligible.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into().to_ascii_uppercase());
        self
    }

    fn applies_to(&self, method: &str, path: &str) -> bool {
        self.path.as_deref().is_none_or(|p| path.contains(p))
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut opts: Vec<String> = Vec::new();
        let name = match &self.kind {
            FaultKind::DropStream {
                min_events,
                max_events,
            } => {
                if min_events == max_events {
                    opts.push(format!("after={min_events}"));
                } else {
                    opts.push(format!("between={min_events}-{max_events}"));
                }
                "drop-stream"
            }
            FaultKind::Status {
                code,
                retry_after_secs,
                retry_after_ms,
                should_retry,
            } => {
                opts.push(format!("code={code}"));
                if let Some(s) = retry_after_secs {
                    opts.push(format!("retry-after={s}"));
                }
                if let Some(ms) = retry_after_ms {
                    opts.push(format!("retry-after-ms={ms}"));
                }
                if let Some(b) = should_retry {
                    opts.push(format!("should-retry={b}"));
                }
                "status"
            }
            FaultKind::AmbiguousAddRuns => "ambiguous-add-runs",
            FaultKind::Latency { ms } => {
                opts.push(format!("ms={ms}"));
                "latency"
            }
            FaultKind::LateCommit { ms } => {
                opts.push(format!("ms={ms}"));
                "late-commit"
            }
        };
        if self.rate < 1.0 {
            opts.push(format!("rate={}", self.rate));
        }
        if let Some(n) = self.times {
            opts.push(format!("times={n}"));
        }
        if self.skip > 0 {
            opts.push(format!("skip={}", self.skip));
        }
        if let Some(p) = &self.path {
            opts.push(format!("path={p}"));
        }
        if let Some(m) = &self.method {
            opts.push(format!("method={m}"));
        }
        if opts.is_empty() {
            write!(f, "{name}")
        } else {
            write!(f, "{name}:{}", opts.join(","))
        }
    }
}

/// Why a `--fault` spec did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault spec `{spec}`: {reason}")]
pub struct FaultParseError {
    spec: String,
    reason: String,
}

impl FromStr for Fault {
    type Err = FaultParseError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| FaultParseError {
            spec: spec.to_owned(),
            reason,
        };
        let (name, rest) = spec.split_once(':').unwrap_or((spec, ""));
        let mut opts: Vec<(&str, &str)> = Vec::new();
        for part in rest.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| err(format!("`{part}` is not key=value")))?;
            opts.push((k.trim(), v.trim()));
        }
        let get = |key: &str| opts.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let num = |key: &str| -> Result<Option<u64>, FaultParseError> {
            get(key)
                .map(|v| {
                    v.parse::<u64>()
                        .map_err(|_| err(format!("`{key}` needs a whole number")))
                })
                .transpose()
        };
        let mut fault = match name.trim() {
            "drop-stream" => {
                if let Some(n) = num("after")? {
                    Fault::drop_stream_after(n as u32)
                } else if let Some(b) = get("between") {
                    let (a, z) = b
                        .split_once('-')
                        .ok_or_else(|| err("`between` needs A-B".into()))?;
                    let a = a.parse().map_err(|_| err("`between` needs A-B".into()))?;
                    let z = z.parse().map_err(|_| err("`between` needs A-B".into()))?;
                    Fault::drop_stream_between(a, z)
                } else {
                    return Err(err("drop-stream needs after=N or between=A-B".into()));
                }
            }
            "status" => {
                let code = num("code")?.ok_or_else(|| err("status needs code=C".into()))?;
                if !(100..=599).contains(&code) {
                    return Err(err("code must be 100..=599".into()));
                }
                let mut f = Fault::status(code as u16);
                if let Some(v) = get("retry-after") {
                    f = f.retry_after_secs(
                        v.parse()
                            .map_err(|_| err("`retry-after` needs seconds".into()))?,
                    );
                }
                if let Some(ms) = num("retry-after-ms")? {
                    f = f.retry_after_ms(ms);
                }
                if let Some(v) = get("should-retry") {
                    f = f.should_retry(
                        v.parse()
                            .map_err(|_| err("`should-retry` needs true|false".into()))?,
                    );
                }
                f
            }
            "ambiguous-add-runs" => Fault::ambiguous_add_runs(),
            "latency" => Fault::latency(Duration::from_millis(
                num("ms")?.ok_or_else(|| err("latency needs ms=N".into()))?,
            )),
            "late-commit" => Fault::late_commit(Duration::from_millis(
                num("ms")?.ok_or_else(|| err("late-commit needs ms=N".into()))?,
            )),
            other => return Err(err(format!("unknown fault kind `{other}`"))),
        };
        if let Some(r) = get("rate") {
            let r: f64 = r.parse().map_err(|_| err("`rate` needs a number".into()))?;
            if !(0.0..=1.0).contains(&r) {
                return Err(err("`rate` must be within 0..=1".into()));
            }
            fault = fault.rate(r);
        }
        if let Some(n) = num("times")? {
            fault = fault.times(n as u32);
        }
        if let Some(n) = num("skip")? {
            fault = fault.skip(n);
        }
        if let Some(p) = get("path") {
            fault = fault.path(p);
        }
        if let Some(m) = get("method") {
            fault = fault.method(m);
        }
        let known = [
            "after",
            "between",
            "code",
            "retry-after",
            "retry-after-ms",
            "should-retry",
            "ms",
            "rate",
            "times",
            "skip",
            "path",
            "method",
        ];
        if let Some((k, _)) = opts.iter().find(|(k, _)| !known.contains(k)) {
            return Err(err(format!("unknown option `{k}`")));
        }
        Ok(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_round_trip() {
        for s in [
            "drop-stream:after=5",
            "drop-stream:between=3-10,times=2",
            "status:code=429,retry-after=1,retry-after-ms=100,should-retry=true,rate=0.2,times=4,path=/runs,method=POST",
            "ambiguous-add-runs:times=1",
            "ambiguous-add-runs:times=1,skip=2,path=/runs",
            "latency:ms=50",
            "late-commit:ms=1500,rate=0.5,times=3",
        ] {
            let f: Fault = s.parse().unwrap();
            assert_eq!(f.to_string(), s);
        }
    }

    #[test]
    fn bad_specs_are_rejected() {
        for s in [
            "nope",
            "status",
            "status:code=9999",
            "drop-stream:between=3",
            "latency:ms=x",
            "late-commit",
            "late-commit:ms=-1",
            "ambiguous-add-runs:skip=x",
            "status:code=429,colour=red",
        ] {
            assert!(s.parse::<Fault>().is_err(), "{s}");
        }
    }
}
