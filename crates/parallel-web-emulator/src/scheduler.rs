//! When runs change status: a timer heap driven by one background task.
//!
//! No task is spawned per run. Each run gets two deadlines (start, finish),
//! sampled from its processor's latency range with randomness derived from the
//! seed and the run's index, so outcomes do not depend on scheduling order.
//! `max_running` holds runs in `queued` until a slot frees up. The
//! scheduler only says which changes are due ([`Scheduler::due`]); the
//! world applies them (`World::advance`).

use crate::ids;
use crate::processors;
use crate::status::RunStatus;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
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

/// A status change that is due: run `run` moves to `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The run's index.
    pub run: u32,
    /// Its new status.
    pub status: RunStatus,
}

/// Pending status changes, ordered by deadline.
#[derive(Debug)]
pub struct Scheduler {
    timing: Timing,
    /// Deadline, run, step, and the run's processor (its run time depends on it).
    heap: BinaryHeap<Reverse<(Instant, u32, Step, u8)>>,
    /// Runs held in `queued` by `max_running`, with their processor.
    waiting: VecDeque<(u32, u8)>,
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

    /// Queues a new run on processor `proc`.
    pub fn enqueue(&mut self, run: u32, proc: u8) {
        if self.timing.max_running == 0 || self.slots_used < self.timing.max_running {
            self.slots_used += 1;
            let due = Instant::now() + self.timing.queue_delay(run);
            self.heap.push(Reverse((due, run, Step::Start, proc)));
        } else {
            self.waiting.push_back((run, proc));
        }
    }

    /// The next deadline, if any change is pending.
    pub fn next_due(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((due, ..))| *due)
    }

    /// Takes every change due at `now`, in deadline order. A run that
    /// finishes frees its slot for the next waiting run, whose start is
    /// scheduled (and returned too, when it is already due).
    pub fn due(&mut self, now: Instant) -> Vec<Change> {
        let mut changes = Vec::new();
        while let Some(Reverse((due, run, step, proc))) = self.heap.peek().copied() {
            if due > now {
                break;
            }
            self.heap.pop();
            match step {
                Step::Start => {
                    changes.push(Change {
                        run,
                        status: RunStatus::Running,
                    });
                    let due = now + self.timing.run_time(run, proc);
                    self.heap.push(Reverse((due, run, Step::Finish, proc)));
                }
                Step::Finish => {
                    let status = if self.timing.fails(run) {
                        RunStatus::Failed
                    } else {
                        RunStatus::Completed
                    };
                    changes.push(Change { run, status });
                    self.slots_used -= 1;
                    if let Some((next, proc)) = self.waiting.pop_front() {
                        self.slots_used += 1;
                        let due = now + self.timing.queue_delay(next);
                        self.heap.push(Reverse((due, next, Step::Start, proc)));
                    }
                }
            }
        }
        changes
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

    fn changes(s: &mut Scheduler) -> Vec<(u32, RunStatus)> {
        s.due(Instant::now())
            .into_iter()
            .map(|c| (c.run, c.status))
            .collect()
    }

    #[test]
    fn due_hands_a_finished_runs_slot_to_the_next_waiting_run() {
        let mut s = Scheduler::new(Timing {
            max_running: 1,
            ..timing(0.0)
        });
        s.enqueue(0, 0);
        s.enqueue(1, 0);
        assert_eq!(
            changes(&mut s),
            [
                (0, RunStatus::Running),
                (0, RunStatus::Completed),
                (1, RunStatus::Running),
                (1, RunStatus::Completed),
            ]
        );
        assert_eq!(s.next_due(), None);
        assert!(changes(&mut s).is_empty(), "taken changes are not repeated");
    }

    #[test]
    fn nothing_is_due_before_its_deadline_and_failures_follow_the_seed() {
        let mut s = Scheduler::new(Timing {
            failure_rate: 1.0,
            ..timing(1.0)
        });
        s.enqueue(0, 0);
        let start = s.next_due().expect("a start is pending");
        assert!(s.due(start - Duration::from_millis(1)).is_empty());
        assert_eq!(
            s.due(start),
            [Change {
                run: 0,
                status: RunStatus::Running
            }]
        );
        let finish = s.next_due().expect("a finish is pending");
        assert_eq!(
            s.due(finish),
            [Change {
                run: 0,
                status: RunStatus::Failed
            }]
        );
    }
}
