//! The one shared state of a running emulator, and the background driver
//! that moves runs through their statuses.

use crate::config::{Config, MAX_TIME_SCALE};
use crate::error::RefIds;
use crate::faults::FaultSet;
use crate::findall::FindAllRuns;
use crate::ids::Codec;
use crate::memory::Memory;
use crate::monitors::Monitors;
use crate::scheduler::{Scheduler, Timing};
use crate::stats::{Counters, Stats};
use crate::status::StatusCounts;
use crate::webhooks::Webhooks;
use crate::world::World;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// State shared by all handlers.
pub struct AppState {
    /// Settings.
    pub config: Config,
    /// Id and cursor codec.
    pub codec: Codec,
    world: Mutex<World>,
    findall: Mutex<FindAllRuns>,
    /// Bumped after every change to the world; streams and long-polls wait on it.
    pub changes: watch::Sender<u64>,
    wake_driver: Notify,
    /// Request and event counters.
    pub counters: Counters,
    /// Armed faults.
    pub faults: FaultSet,
    /// Numbers error bodies' `ref_id`s.
    pub ref_ids: RefIds,
    /// Search and extract calls answered so far (numbers their ids).
    pub web_calls: AtomicU64,
    rate_window: Mutex<(Instant, u32)>,
    closing: AtomicBool,
    monitors: Mutex<Monitors>,
    memory: Mutex<Memory>,
    /// Webhook deliveries (see [`crate::webhooks`]).
    pub webhooks: Arc<Webhooks>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The API key is deliberately left out.
        f.debug_struct("AppState")
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Fresh state for `config`.
    pub fn new(config: Config) -> Arc<Self> {
        let codec = Codec::new(config.seed);
        let timing = Timing {
            seed: config.seed,
            time_scale: config.time_scale.clamp(0.0, MAX_TIME_SCALE),
            failure_rate: config.failure_rate.clamp(0.0, 1.0),
            max_running: config.max_running,
        };
        let faults = FaultSet::new(config.seed, config.faults.clone());
        Arc::new(AppState {
            codec,
            world: Mutex::new(World::new(codec, Scheduler::new(timing))),
            findall: Mutex::new(FindAllRuns::default()),
            changes: watch::channel(0).0,
            wake_driver: Notify::new(),
            counters: Counters::default(),
            faults,
            ref_ids: RefIds::new(config.seed),
            web_calls: AtomicU64::new(0),
            rate_window: Mutex::new((Instant::now(), 0)),
            closing: AtomicBool::new(false),
            monitors: Mutex::new(Monitors::new(
                codec,
                config.seed,
                config.time_scale.clamp(0.0, MAX_TIME_SCALE),
                config.failure_rate.clamp(0.0, 1.0),
            )),
            memory: Mutex::new(Memory::default()),
            webhooks: Arc::new(Webhooks::new(
                &config.webhook_secret,
                config.seed,
                config.time_scale.clamp(0.0, MAX_TIME_SCALE),
            )),
            config,
        })
    }

    /// Locks the world (a poisoned lock is recovered: the data stays consistent per call).
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the FindAll runs (kept apart from the task world, so FindAll
    /// streams and task-run streams never wait on each other).
    pub fn findall(&self) -> MutexGuard<'_, FindAllRuns> {
        self.findall.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the monitors (see [`crate::monitors`]).
    pub fn monitors(&self) -> MutexGuard<'_, Monitors> {
        self.monitors.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the memory scopes (see [`crate::memory`]).
    pub fn memory(&self) -> MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts shutting down: open streams and long-polls end at their next wake-up.
    pub fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        self.webhooks.close();
        self.changed();
    }

    /// True once [`AppState::close`] was called.
    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// Tells waiters and the driver that the world changed.
    pub fn changed(&self) {
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
        self.wake_driver.notify_one();
    }

    /// Scales a documented duration by the time scale (0 keeps it unscaled, so
    /// stream lifetimes stay sensible when runs are instant).
    pub fn scaled(&self, d: Duration) -> Duration {
        let s = self.config.time_scale;
        if s > 0.0 {
            d.mul_f64(s).max(Duration::from_millis(1))
        } else {
            d
        }
    }

    /// Counts a run-creating, search or extract POST against the limit; `Err(wait)` when the
    /// current window is full, with how long until it ends.
    pub fn take_rate_token(&self) -> Result<(), Duration> {
        let limit = self.config.rate_limit;
        if limit == 0 {
            return Ok(());
        }
        let window = self.config.rate_window;
        let mut w = self.rate_window.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if now.duration_since(w.0) >= window {
            *w = (now, 0);
        }
        if w.1 >= limit {
            return Err(window.saturating_sub(now.duration_since(w.0)));
        }
        w.1 += 1;
        Ok(())
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        let mut stats = Stats::default();
        {
            let w = self.world();
            stats.groups = w.groups.len() as u64;
            stats.runs_created = w.runs.len() as u64;
            for (i, g) in w.groups.iter().enumerate() {
                stats
                    .runs_per_group
                    .insert(self.codec.group_id(i as u32), g.runs.len() as u64);
            }
            let mut by_status = StatusCounts::default();
            for r in &w.runs {
                by_status[r.status] += 1;
            }
            for (status, n) in by_status.iter() {
                if n > 0 {
                    stats
                        .runs_by_status
                        .insert(status.name().to_owned(), u64::from(n));
                }
            }
        }
        stats.findall_runs_created = self.findall().runs.len() as u64;
        self.counters.fill(&mut stats);
        stats.faults_fired = self.faults.fired().into_iter().collect();
        stats
    }

    /// Sends `task_run.status` to the webhook of each run that finished
    /// since the last call.
    fn deliver_finished_run_webhooks(&self) {
        let renderer = crate::render::Renderer {
            codec: self.codec,
            seed: self.config.seed,
            element_basis: false,
        };
        let finished: Vec<_> = {
            let mut w = self.world();
            let outbox = std::mem::take(&mut w.webhook_outbox);
            outbox.into_iter().filter_map(|run| w.view(run)).collect()
        };
        for view in finished {
            if let Some(registration) = crate::webhooks::Registration::in_request(&view.run.input) {
                self.webhooks
                    .deliver(&registration, "task_run.status", &renderer.run(&view));
            }
        }
    }

    /// The background task applying scheduled status changes until `shutdown` fires.
    pub async fn drive(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        // With a non-zero time scale, changes are applied in small batches so the
        // event log gets one status event per batch rather than one per run.
        let coalesce = if self.config.time_scale > 0.0 {
            Duration::from_millis(5)
        } else {
            Duration::ZERO
        };
        loop {
            let now = Instant::now();
            let (next, changed) = self.world().advance(now);
            if changed {
                self.changes.send_modify(|v| *v = v.wrapping_add(1));
                self.deliver_finished_run_webhooks();
            }
            let wake = next.map(|n| n.max(now + coalesce));
            tokio::select! {
                _ = self.wake_driver.notified() => {}
                _ = async {
                    match wake {
                        Some(t) => tokio::time::sleep_until(t).await,
                        None => std::future::pending::<()>().await,
                    }
                } => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}
