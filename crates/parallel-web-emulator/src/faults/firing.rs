//! When armed faults fire: reproducible decisions under the seed, bounded by
//! `times`, counted for the stats.

use super::{Fault, FaultKind};
use crate::ids;
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

struct Armed {
    fault: Fault,
    seen: AtomicU64,
    fired: AtomicU32,
}

/// The configured faults plus how often each has been considered and fired.
pub struct FaultSet {
    seed: u64,
    armed: Vec<Armed>,
}

impl fmt::Debug for FaultSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.armed.iter().map(|a| a.fault.to_string()))
            .finish()
    }
}

impl FaultSet {
    /// Arms `faults` under `seed`.
    pub fn new(seed: u64, faults: Vec<Fault>) -> Self {
        let armed = faults
            .into_iter()
            .map(|fault| Armed {
                fault,
                seen: AtomicU64::new(0),
                fired: AtomicU32::new(0),
            })
            .collect();
        FaultSet { seed, armed }
    }

    /// Decides (reproducibly) whether fault `i` fires for this eligible request.
    fn try_fire(&self, i: usize) -> bool {
        let a = &self.armed[i];
        let n = a.seen.fetch_add(1, Ordering::Relaxed);
        if n < a.fault.skip {
            return false;
        }
        if ids::unit(ids::hash(self.seed, &[i as u64, n, 0xfa])) >= a.fault.rate {
            return false;
        }
        let limit = a.fault.times.unwrap_or(u32::MAX);
        a.fired
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |f| {
                (f < limit).then_some(f + 1)
            })
            .is_ok()
    }

    /// The faults matching `method` and `path` whose kind passes `pick`, which fire now.
    pub fn firing<'a>(
        &'a self,
        method: &'a str,
        path: &'a str,
        pick: impl Fn(&FaultKind) -> bool + 'a,
    ) -> impl Iterator<Item = &'a Fault> + 'a {
        (0..self.armed.len()).filter_map(move |i| {
            let f = &self.armed[i].fault;
            (pick(&f.kind) && f.applies_to(method, path) && self.try_fire(i)).then_some(f)
        })
    }

    /// If a drop-stream fault fires for a stream on `path`, after how many events to cut it.
    pub fn stream_cut(&self, path: &str) -> Option<u64> {
        let mut cut = None;
        for i in 0..self.armed.len() {
            let f = &self.armed[i].fault;
            if let FaultKind::DropStream {
                min_events,
                max_events,
            } = f.kind
                && f.applies_to("GET", path)
                && self.try_fire(i)
            {
                let span = u64::from(max_events - min_events) + 1;
                let n = self.armed[i].seen.load(Ordering::Relaxed);
                let pick = ids::hash(self.seed, &[i as u64, n, 0xd5]) % span;
                cut = Some(u64::from(min_events) + pick);
                break;
            }
        }
        cut
    }

    /// How often each fault fired, keyed by its text form.
    pub fn fired(&self) -> Vec<(String, u64)> {
        self.armed
            .iter()
            .map(|a| {
                (
                    a.fault.to_string(),
                    u64::from(a.fired.load(Ordering::Relaxed)),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_bounds_firing() {
        let set = FaultSet::new(1, vec![Fault::status(503).times(2)]);
        let fired = (0..10)
            .filter(|_| set.firing("GET", "/x", |_| true).count() > 0)
            .count();
        assert_eq!(fired, 2);
    }

    #[test]
    fn skip_lets_the_first_eligible_requests_through() {
        let set = FaultSet::new(1, vec![Fault::status(503).skip(2).times(1).path("/runs")]);
        let fired: Vec<bool> = ["/runs", "/other", "/runs", "/runs", "/runs"]
            .iter()
            .map(|p| set.firing("POST", p, |_| true).count() > 0)
            .collect();
        // `/other` is not eligible, so it does not count towards the skip.
        assert_eq!(fired, [false, false, false, true, false]);
    }
}
