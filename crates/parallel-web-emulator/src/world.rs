//! The emulator's data: groups, runs, their event logs, and the rules for
//! changing them. Everything here lives behind one mutex in [`crate::state`].
//!
//! Memory per run is kept small on purpose (a group of a million runs must fit):
//! a run stores its compact input text and a few integers; ids, timestamps
//! strings and outputs are derived when served.

use crate::ids::{self, Codec, Kind};
use crate::output;
use crate::scheduler::Scheduler;
use crate::status::{RunStatus, StatusCounts};
use crate::wire::TaskGroupStatus;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};
use tokio::time::Instant;

/// A run that is not in any group.
pub const NO_GROUP: u32 = u32::MAX;

/// What a set of runs created by one request share: the default task spec.
#[derive(Debug, Default)]
pub struct Batch {
    /// `default_task_spec` of the add-runs request, compact JSON.
    pub default_task_spec: Option<Box<RawValue>>,
    /// The default task spec read once for all the batch's outputs (a
    /// million-run group would otherwise parse it once per run served).
    default_spec: OnceLock<output::Spec>,
}

impl Batch {
    /// A batch whose runs share `default_task_spec` (compact JSON).
    pub fn new(default_task_spec: Option<Box<RawValue>>) -> Self {
        Batch {
            default_task_spec,
            default_spec: OnceLock::new(),
        }
    }

    /// The default task spec as outputs read it.
    pub fn default_spec(&self) -> &output::Spec {
        self.default_spec
            .get_or_init(|| output::Spec::read(self.default_task_spec.as_deref()))
    }
}

/// One task run.
#[derive(Debug, Clone)]
pub struct Run {
    /// The run's input as the client sent it (compact JSON object).
    pub input: Arc<str>,
    /// Creation time, µs since the epoch.
    pub created_us: i64,
    /// Last status change, µs since the epoch.
    pub modified_us: i64,
    /// Owning group, or [`NO_GROUP`].
    pub group: u32,
    /// Index of the [`Batch`] it came with.
    pub batch: u32,
    /// The current status.
    pub status: RunStatus,
    /// Index into [`crate::processors::PROCESSORS`].
    pub processor: u8,
    /// The input lacks fields required by the task spec's input schema.
    pub input_warning: bool,
}

/// One entry of a group's event log (the `events` stream).
#[derive(Debug, Clone, Copy)]
pub enum EventRec {
    /// A run reached a terminal status.
    RunState { run: u32 },
    /// The group's status at that moment (index into `Group::snapshots`).
    Status { snapshot: u32 },
}

/// A group status captured for the event log.
#[derive(Debug, Clone)]
pub struct Snapshot {
    counts: StatusCounts,
    modified_us: i64,
}

/// One task group.
#[derive(Debug)]
pub struct Group {
    /// Metadata given at creation.
    pub metadata: Option<Box<RawValue>>,
    /// Creation time, µs.
    pub created_us: i64,
    /// Last change, µs.
    pub modified_us: i64,
    /// Runs per status.
    pub counts: StatusCounts,
    /// Run indices in the order they were added (the `runs` stream order).
    pub runs: Vec<u32>,
    /// The `events` stream log.
    pub events: Vec<EventRec>,
    /// Status snapshots referenced by the log.
    pub snapshots: Vec<Snapshot>,
}

impl Group {
    /// True while any run is active.
    pub fn is_active(&self) -> bool {
        self.counts.any_active()
    }

    /// The current status.
    pub fn status(&self) -> TaskGroupStatus {
        status_of(&self.counts, self.modified_us)
    }

    /// The status recorded in a snapshot.
    pub fn snapshot_status(&self, snapshot: u32) -> TaskGroupStatus {
        match self.snapshots.get(snapshot as usize) {
            Some(s) => status_of(&s.counts, s.modified_us),
            None => self.status(),
        }
    }

    fn log_status(&mut self) {
        self.snapshots.push(Snapshot {
            counts: self.counts,
            modified_us: self.modified_us,
        });
        let snapshot = (self.snapshots.len() - 1) as u32;
        self.events.push(EventRec::Status { snapshot });
    }
}

fn status_of(counts: &StatusCounts, modified_us: i64) -> TaskGroupStatus {
    let mut map = BTreeMap::new();
    let mut total = 0u64;
    for (status, c) in counts.iter() {
        if c > 0 {
            map.insert(status.name(), u64::from(c));
            total += u64::from(c);
        }
    }
    let active = counts.any_active();
    let message = if total == 0 {
        "No runs in group".to_owned()
    } else {
        let parts: Vec<String> = map.iter().map(|(k, v)| format!("{v} {k}")).collect();
        let state = if active {
            "active"
        } else {
            "all runs finished"
        };
        format!("{total} runs, {state}: {}", parts.join(", "))
    };
    TaskGroupStatus {
        num_task_runs: total,
        task_run_status_counts: map,
        is_active: active,
        status_message: Some(message),
        modified_at: Some(ids::timestamp(modified_us)),
    }
}

/// A run about to be created.
#[derive(Debug)]
pub struct NewRun {
    /// Compact input JSON.
    pub input: Arc<str>,
    /// Processor index.
    pub processor: u8,
    /// See [`Run::input_warning`].
    pub input_warning: bool,
}

/// All state.
#[derive(Debug)]
pub struct World {
    /// Every run ever created, by index.
    pub runs: Vec<Run>,
    /// Every group, by index.
    pub groups: Vec<Group>,
    /// Shared parts of add-runs requests.
    pub batches: Vec<Arc<Batch>>,
    /// Pending status changes.
    pub scheduler: Scheduler,
    /// Ids and cursors.
    pub codec: Codec,
    /// Runs that finished and may have a webhook to notify (their input
    /// mentions one); the driver drains it.
    pub webhook_outbox: Vec<u32>,
}

impl World {
    /// An empty world.
    pub fn new(codec: Codec, scheduler: Scheduler) -> Self {
        World {
            runs: Vec::new(),
            groups: Vec::new(),
            batches: vec![Arc::new(Batch::default())],
            scheduler,
            codec,
            webhook_outbox: Vec::new(),
        }
    }

    /// Creates a group and returns its index.
    pub fn create_group(&mut self, metadata: Option<Box<RawValue>>, now_us: i64) -> u32 {
        self.groups.push(Group {
            metadata,
            created_us: now_us,
            modified_us: now_us,
            counts: StatusCounts::default(),
            runs: Vec::new(),
            events: Vec::new(),
            snapshots: Vec::new(),
        });
        (self.groups.len() - 1) as u32
    }

    /// Registers a batch (the shared default task spec) and returns its index.
    pub fn add_batch(&mut self, batch: Batch) -> u32 {
        self.batches.push(Arc::new(batch));
        (self.batches.len() - 1) as u32
    }

    /// Creates runs (in `group`, or none) and schedules them. Returns their indices.
    pub fn create_runs(
        &mut self,
        group: u32,
        batch: u32,
        new: Vec<NewRun>,
        now_us: i64,
    ) -> Vec<u32> {
        let mut created = Vec::with_capacity(new.len());
        for n in new {
            let idx = self.runs.len() as u32;
            self.runs.push(Run {
                input: n.input,
                created_us: now_us,
                modified_us: now_us,
                group,
                batch,
                status: RunStatus::Queued,
                processor: n.processor,
                input_warning: n.input_warning,
            });
            self.scheduler.enqueue(idx, n.processor);
            created.push(idx);
        }
        if let Some(g) = self.groups.get_mut(group as usize) {
            g.runs.extend_from_slice(&created);
            g.counts[RunStatus::Queued] += created.len() as u32;
            g.modified_us = now_us;
            if !created.is_empty() {
                g.log_status();
            }
        }
        created
    }

    /// Moves a run to `status`, keeping its group's counts and log in step.
    pub fn set_status(&mut self, run: u32, status: RunStatus, now_us: i64) -> u32 {
        let Some(r) = self.runs.get_mut(run as usize) else {
            return NO_GROUP;
        };
        let old = r.status;
        r.status = status;
        r.modified_us = now_us;
        let group = r.group;
        // A cheap scan; the driver parses the input only for these runs.
        if !status.is_active() && r.input.contains("\"webhook\"") {
            self.webhook_outbox.push(run);
        }
        if let Some(g) = self.groups.get_mut(group as usize) {
            g.counts[old] -= 1;
            g.counts[status] += 1;
            g.modified_us = now_us;
            if !status.is_active() {
                g.events.push(EventRec::RunState { run });
            }
        }
        group
    }

    /// Applies every status change the scheduler has due at `now`; returns
    /// the next deadline and whether anything changed. Each group touched
    /// gets one status event for the whole batch.
    pub fn advance(&mut self, now: Instant) -> (Option<Instant>, bool) {
        let changes = self.scheduler.due(now);
        let now_us = ids::now_micros();
        let touched: BTreeSet<u32> = changes
            .into_iter()
            .map(|c| self.set_status(c.run, c.status, now_us))
            .collect();
        let changed = !touched.is_empty();
        for g in touched {
            self.log_group_status(g);
        }
        (self.scheduler.next_due(), changed)
    }

    /// Appends a status event to a group's log (after a batch of changes).
    pub fn log_group_status(&mut self, group: u32) {
        if let Some(g) = self.groups.get_mut(group as usize) {
            g.log_status();
        }
    }

    /// Looks a group up by its wire id.
    pub fn find_group(&self, id: &str) -> Option<u32> {
        let idx = self.codec.parse_group_id(id)?;
        ((idx as usize) < self.groups.len()).then_some(idx)
    }

    /// Looks a run up by its wire id.
    pub fn find_run(&self, id: &str) -> Option<u32> {
        let idx = self.codec.parse_run_id(id)?;
        ((idx as usize) < self.runs.len()).then_some(idx)
    }

    /// Cursor of the last run in a group's run stream, if any.
    pub fn last_run_cursor(&self, group: u32) -> Option<String> {
        let g = self.groups.get(group as usize)?;
        let n = g.runs.len() as u64;
        (n > 0).then(|| self.codec.cursor(Kind::RunCursor, group, n - 1))
    }

    /// Cursor of the last entry in a group's event log, if any.
    pub fn last_event_cursor(&self, group: u32) -> Option<String> {
        let g = self.groups.get(group as usize)?;
        let n = g.events.len() as u64;
        (n > 0).then(|| self.codec.cursor(Kind::EventCursor, group, n - 1))
    }

    /// A copy of what is needed to render a run outside the lock.
    pub fn view(&self, run: u32) -> Option<RunView> {
        let r = self.runs.get(run as usize)?;
        Some(RunView {
            index: run,
            run: r.clone(),
            batch: self
                .batches
                .get(r.batch as usize)
                .cloned()
                .unwrap_or_default(),
        })
    }
}

/// A run copied out of the [`World`] for rendering.
#[derive(Debug, Clone)]
pub struct RunView {
    /// Run index.
    pub index: u32,
    /// The run record.
    pub run: Run,
    /// Its batch.
    pub batch: Arc<Batch>,
}
