//! When runs change status: a timer heap driven by one background task.
//!
//! No task is spawned per run. Each run gets two deadlines (start, finish),
//! sampled from its processor's latency range with randomness derived from the
//! seed and the run's index, so outcomes do not depend on scheduling order.
//! `max_running` holds runs in `queued` until a slot frees up.

use crate::ids;
use crate::processors;
use crate::world::{COMPLETED, FAILED, RUNNING, World};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

/// The knobs that shape run timing and outcomes.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The seed all randomness derives from.
    pub seed: u64,
    /// Multiplier on documented latencies (0 = immediate).
    pub time_scale: f64,
    /// Share of runs that fail.
    pub failure_rate: f64,
    /// Most runs executing at once (0 = no limit).
    pub max_running: usize,
}

impl Timing {
    /// Whether run `index` is destined to fail.
    pub fn fails(&self, index: u32) -> bool {
        ids::unit(ids::hash(self.seed, &[u64::from(index), 3])) < self.failure_rate
    }

    fn scaled(&self, secs: f64) -> Duration {
        Duration::try_from_secs_f64(secs * self.time_scale).unwrap_or(Duration::ZERO)
    }

    /// How long run `index` waits in `queued` once it has a slot.
    pub fn queue_delay(&self, index: u32) -> Duration {
        let u = ids::unit(ids::hash(self.seed, &[u64::from(index), 2]));
        self.scaled(0.5 + 2.5 * u)
    }

    /// How long run `index` spends `running` on processor `proc`.
    pub fn run_time(&self, index: u32, proc: u8) -> Duration {
        let p = processors::get(proc);
        let u = ids::unit(ids::hash(self.seed, &[u64::from(index), 1]));
        self.scaled(p.min_secs + (p.max_secs - p.min_secs) * u)
    }
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Step {
    Start,
    Finish,
}

/// Pending status changes, ordered by deadline.
#[derive(Debug)]
pub struct Scheduler {
    timing: Timing,
    heap: BinaryHeap<Reverse<(Instant, u32, Step)>>,
    waiting: VecDeque<u32>,
    slots_used: usize,
}

impl Scheduler {
    /// An empty scheduler.
    pub fn new(timing: Timing) -> Self {
        Scheduler {
            timing,
            heap: BinaryHeap::new(),
            waiting: VecDeque::new(),
            slots_used: 0,
        }
    }

    /// The timing knobs.
    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    /// Queues a new run.
    pub fn enqueue(&mut self, run: u32) {
        if self.timing.max_running == 0 || self.slots_used < self.timing.max_running {
            self.slots_used += 1;
            let due = Instant::now() + self.timing.queue_delay(run);
            self.heap.push(Reverse((due, run, Step::Start)));
        } else {
            self.waiting.push_back(run);
        }
    }

    fn next_due(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((due, _, _))| *due)
    }
}

impl World {
    /// Applies every status change due at `now`; returns the next deadline and
    /// whether anything changed.
    pub fn advance(&mut self, now: Instant) -> (Option<Instant>, bool) {
        let mut touched = BTreeSet::new();
        let now_us = ids::now_micros();
        while let Some(Reverse((due, run, step))) = self.scheduler.heap.peek().copied() {
            if due > now {
                break;
            }
            self.scheduler.heap.pop();
            let timing = self.scheduler.timing;
            let proc = self.runs.get(run as usize).map_or(0, |r| r.processor);
            match step {
                Step::Start => {
                    touched.insert(self.set_status(run, RUNNING, now_us));
                    let due = now + timing.run_time(run, proc);
                    self.scheduler.heap.push(Reverse((due, run, Step::Finish)));
                }
                Step::Finish => {
                    let status = if timing.fails(run) { FAILED } else { COMPLETED };
                    touched.insert(self.set_status(run, status, now_us));
                    self.scheduler.slots_used -= 1;
                    if let Some(next) = self.scheduler.waiting.pop_front() {
                        self.scheduler.slots_used += 1;
                        let due = now + timing.queue_delay(next);
                        self.scheduler.heap.push(Reverse((due, next, Step::Start)));
                    }
                }
            }
        }
        let changed = !touched.is_empty();
        for g in touched {
            self.log_group_status(g);
        }
        (self.scheduler.next_due(), changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(time_scale: f64) -> Timing {
        Timing {
            seed: 3,
            time_scale,
            failure_rate: 0.0,
            max_running: 0,
        }
    }

    #[test]
    fn run_times_stay_within_each_processors_scaled_range() {
        for scale in [1.0, 0.01] {
            let t = timing(scale);
            for (i, p) in processors::PROCESSORS.iter().enumerate() {
                let proc = processors::lookup(p.name).unwrap();
                let times: Vec<f64> = (0..200)
                    .map(|run| t.run_time(run, proc).as_secs_f64())
                    .collect();
                let (lo, hi) = (p.min_secs * scale, p.max_secs * scale);
                for d in &times {
                    assert!(
                        *d >= lo * 0.999_999 && *d <= hi * 1.000_001,
                        "{} #{i}: {d} not in {lo}..={hi}",
                        p.name
                    );
                }
                // Samples spread over the range rather than sitting at one end.
                let spread = times.iter().cloned().fold(f64::MIN, f64::max)
                    - times.iter().cloned().fold(f64::MAX, f64::min);
                assert!(spread > (hi - lo) / 2.0, "{}: spread {spread}", p.name);
            }
        }
    }

    #[test]
    fn time_scale_zero_makes_every_stage_immediate() {
        let t = timing(0.0);
        for proc in 0..processors::PROCESSORS.len() as u8 {
            assert_eq!(t.run_time(7, proc), Duration::ZERO);
        }
        assert_eq!(t.queue_delay(7), Duration::ZERO);
    }
}
