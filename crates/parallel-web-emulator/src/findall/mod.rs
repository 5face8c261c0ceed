//! FindAll runs: what a run remembers, and the rules that move it along.
//!
//! A run works through a queue of steps on the emulator's time scale: after
//! a short wait in `queued`, each step either evaluates the next entity of
//! the run's synthetic world ([`entities`]) or fills the enrichments of one
//! matched candidate, until the match limit is met or the world has no more
//! entities; `extend` and `enrich` give a finished run more work, `cancel`
//! stops it. A run is brought up to date ([`FindAllRun::advance`]) whenever
//! a request or a stream looks at it, so a run no one watches costs
//! nothing; the one exception is a run with a webhook, which the webhook
//! pump ([`crate::deliveries`]) advances as its steps fall due.
//!
//! Memory per run stays small: a candidate is 8 bytes (which entity, its
//! verdict, how many enrichments it has), an event 24 bytes; names, urls,
//! outputs and citations are derived again when served ([`render`]).
//!
//! What is not here: HTTP, validation and SSE framing (`handlers::findall`).

pub mod entities;
pub mod render;

use crate::ids::{self, Codec, Kind};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Prefix of FindAll run ids.
pub const FINDALL_PREFIX: &str = "findall_";
/// Prefix of candidate ids.
pub const CANDIDATE_PREFIX: &str = "candidate_";
/// The documented bounds on `match_limit` at creation.
pub const MATCH_LIMITS: std::ops::RangeInclusive<u64> = 5..=1000;
/// The most matches a run may look for once extended.
pub const MAX_EXTENDED_LIMIT: u64 = 1_000_000;
/// The most enrichments one run may carry (an emulator bound; the
/// documents give none).
pub const MAX_ENRICHMENTS: usize = 10_000;

/// The generator that finds and evaluates candidates; it sets the pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Generator {
    /// `base`.
    Base,
    /// `core`.
    Core,
    /// `pro`.
    Pro,
    /// `preview`.
    Preview,
}

impl Generator {
    /// Every generator, by wire name.
    pub const ALL: [Generator; 4] = [
        Generator::Base,
        Generator::Core,
        Generator::Pro,
        Generator::Preview,
    ];

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Generator::Base => "base",
            Generator::Core => "core",
            Generator::Pro => "pro",
            Generator::Preview => "preview",
        }
    }

    /// The generator named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.name() == name)
    }

    /// Seconds one step takes at time scale 1.
    fn secs_per_step(self) -> f64 {
        match self {
            Generator::Preview => 0.02,
            Generator::Base => 0.05,
            Generator::Core => 0.1,
            Generator::Pro => 0.25,
        }
    }
}

/// Where a run stands (`action_required` and `cancelling` exist in the
/// API; the emulator's runs never take them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    /// Waiting to start.
    Queued,
    /// Generating, evaluating or enriching candidates.
    Running,
    /// Done; see the termination reason.
    Completed,
    /// Stopped by `cancel`.
    Cancelled,
    /// Stopped by an error (the emulator's `--failure-rate` share of runs,
    /// as they start).
    Failed,
}

impl Status {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Running => "running",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::Failed => "failed",
        }
    }

    /// True while the run still works.
    pub fn is_active(self) -> bool {
        matches!(self, Status::Queued | Status::Running)
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Termination {
    /// As many matches as the limit asked for.
    MatchLimitMet,
    /// The run's world had no more entities to evaluate.
    CandidatesExhausted,
    /// Cancelled.
    UserCancelled,
    /// Failed.
    ErrorOccurred,
}

impl Termination {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Termination::MatchLimitMet => "match_limit_met",
            Termination::CandidatesExhausted => "candidates_exhausted",
            Termination::UserCancelled => "user_cancelled",
            Termination::ErrorOccurred => "error_occurred",
        }
    }
}

/// A candidate's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Verdict {
    /// Generated, not evaluated yet.
    Generated,
    /// Meets every match condition.
    Matched,
    /// Fails at least one match condition.
    Unmatched,
    /// Dropped without evaluation (a duplicate of an entity already seen).
    Discarded,
}

impl Verdict {
    /// The wire name (`match_status`).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Generated => "generated",
            Verdict::Matched => "matched",
            Verdict::Unmatched => "unmatched",
            Verdict::Discarded => "discarded",
        }
    }
}

/// One candidate: which entity of the run's world, and how far it got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The entity's number in the run's world ([`entities`]).
    pub entity: u32,
    /// How many of the run's enrichments its output holds.
    pub enriched: u16,
    /// Its standing.
    pub verdict: Verdict,
}

/// A match condition as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Its name (keys the output).
    pub name: String,
    /// What it requires.
    pub description: String,
}

/// Where to notify about a run, as registered at creation (delivered by
/// [`crate::deliveries`], from [`FindAllRun::notifications`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// The URL that receives the POSTs.
    pub url: String,
    /// The event types asked for (empty: the service's default).
    pub event_types: Vec<String>,
}

/// What a run was created with, fixed for its life.
#[derive(Debug)]
pub struct Spec {
    /// What to find.
    pub objective: String,
    /// The kind of entity.
    pub entity_type: String,
    /// Conditions every match meets.
    pub conditions: Vec<Condition>,
    /// The generator.
    pub generator: Generator,
    /// The client's metadata object, if any.
    pub metadata: Option<Value>,
    /// The webhook registration, if any.
    pub webhook: Option<Webhook>,
    /// Lower-cased names and urls to leave out.
    pub excluded: HashSet<String>,
    /// The run's world ([`entities::World`]).
    pub world: entities::World,
}

/// Which thing an event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventRec {
    /// `findall.status`: the run's standing when it changed.
    Status {
        /// Status then.
        status: Status,
        /// Termination reason then.
        termination: Option<Termination>,
        /// Candidates generated then.
        generated: u32,
        /// Candidates matched then.
        matched: u32,
    },
    /// `findall.candidate.*`: candidate `index` as it was then.
    Candidate {
        /// Its position in the run's candidates.
        index: u32,
        /// Its standing then (`Matched` with `enriched > 0` after an
        /// enrichment is reported as `findall.candidate.enriched`).
        verdict: Verdict,
        /// How many enrichments its output held then.
        enriched: u16,
        /// True for an enrichment event.
        enrichment: bool,
    },
    /// `findall.schema.updated`: the schema with this many enrichments and this limit.
    Schema {
        /// Enrichments then.
        enrichments: u16,
        /// Match limit then.
        match_limit: u32,
    },
}

impl EventRec {
    /// The SSE event type.
    pub fn kind(&self) -> &'static str {
        match self {
            EventRec::Status { .. } => "findall.status",
            EventRec::Schema { .. } => "findall.schema.updated",
            EventRec::Candidate {
                enrichment: true, ..
            } => "findall.candidate.enriched",
            EventRec::Candidate { verdict, .. } => match verdict {
                Verdict::Generated => "findall.candidate.generated",
                Verdict::Matched => "findall.candidate.matched",
                Verdict::Unmatched => "findall.candidate.unmatched",
                Verdict::Discarded => "findall.candidate.discarded",
            },
        }
    }
}

/// One event of a run, with when it happened.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    /// Microseconds since the epoch.
    pub at_us: i64,
    /// What it reports.
    pub rec: EventRec,
}

/// One FindAll run.
#[derive(Debug)]
pub struct FindAllRun {
    /// What it was created with.
    pub spec: Arc<Spec>,
    /// Enrichments added, in order (each a `FindAllEnrichInput` object).
    pub enrichments: Vec<Arc<Value>>,
    /// Most matches to find.
    pub match_limit: u32,
    /// Current status.
    pub status: Status,
    /// Why it stopped, once it has.
    pub termination: Option<Termination>,
    /// Every candidate so far, in generation order.
    pub candidates: Vec<Candidate>,
    /// Positions of the matched candidates, in match order.
    pub matched: Vec<u32>,
    /// Every event so far; an event's position is its `event_id`.
    pub events: Vec<Event>,
    /// Creation time, µs since the epoch.
    pub created_us: i64,
    /// Last change to the result, µs since the epoch.
    pub modified_us: i64,
    /// The next entity of the world to consider.
    next_entity: u32,
    /// Where the search for matches lacking an enrichment resumes.
    enrich_scan: usize,
    /// `created_us` on the tokio clock, to date events.
    origin: Instant,
    /// When the next step is due.
    next_step: Instant,
    /// How long a step takes.
    per_step: Duration,
    /// True when the run fails as it starts.
    fails: bool,
}

/// Why `extend`, `enrich` or `cancel` cannot apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The run was cancelled or failed: nothing more happens to it.
    Cancelled,
    /// `cancel` of a run that already completed or failed.
    AlreadyCompleted,
    /// The extended limit would pass [`MAX_EXTENDED_LIMIT`].
    LimitTooHigh,
    /// More than [`MAX_ENRICHMENTS`].
    TooManyEnrichments,
}

impl FindAllRun {
    /// A new run number `index`, `queued`, created at `now` (`now_us` on
    /// the wall clock), timed and failed as `timing` says.
    pub fn new(
        spec: Spec,
        match_limit: u32,
        timing: &crate::scheduler::Timing,
        index: u32,
        now: Instant,
        now_us: i64,
    ) -> Self {
        let scaled =
            |secs: f64| Duration::try_from_secs_f64(secs * timing.time_scale).unwrap_or_default();
        let queue = scaled(0.5 + 1.5 * ids::unit(ids::hash(timing.seed, &[u64::from(index), 41])));
        let per_step = scaled(spec.generator.secs_per_step());
        let mut run = FindAllRun {
            spec: Arc::new(spec),
            enrichments: Vec::new(),
            match_limit,
            status: Status::Queued,
            termination: None,
            candidates: Vec::new(),
            matched: Vec::new(),
            events: Vec::new(),
            created_us: now_us,
            modified_us: now_us,
            next_entity: 0,
            enrich_scan: 0,
            origin: now,
            next_step: now + queue,
            per_step,
            // Keyed apart from task runs of the same index.
            fails: timing.fails(index ^ 0x8000_0000),
        };
        run.push_status(now);
        run
    }

    /// Candidates generated so far (discarded ones included).
    pub fn generated(&self) -> u32 {
        self.candidates.len() as u32
    }

    /// µs since the epoch at tokio instant `at`.
    fn micros_at(&self, at: Instant) -> i64 {
        let d = at.saturating_duration_since(self.origin).as_micros() as i64;
        self.created_us + d
    }

    fn push(&mut self, at: Instant, rec: EventRec) {
        let at_us = self.micros_at(at);
        self.modified_us = self.modified_us.max(at_us);
        self.events.push(Event { at_us, rec });
    }

    fn push_status(&mut self, at: Instant) {
        self.push(
            at,
            EventRec::Status {
                status: self.status,
                termination: self.termination,
                generated: self.generated(),
                matched: self.matched.len() as u32,
            },
        );
    }

    fn push_schema(&mut self, at: Instant) {
        self.push(
            at,
            EventRec::Schema {
                enrichments: self.enrichments.len() as u16,
                match_limit: self.match_limit,
            },
        );
    }

    /// When the run next changes by itself (`None` once it is finished).
    pub fn next_due(&self) -> Option<Instant> {
        self.status.is_active().then_some(self.next_step)
    }

    /// Applies every step due by `now`; true when anything changed.
    pub fn advance(&mut self, now: Instant) -> bool {
        let before = self.events.len();
        while self.status.is_active() && self.next_step <= now {
            let at = self.next_step;
            if self.status == Status::Queued && self.fails {
                self.status = Status::Failed;
                self.termination = Some(Termination::ErrorOccurred);
                self.push_status(at);
                continue;
            }
            if self.status == Status::Queued {
                self.status = Status::Running;
                self.push_status(at);
                self.next_step = at + self.per_step;
                continue;
            }
            if self.enrich_next(at) || self.evaluate_next(at) {
                self.next_step = at + self.per_step;
                continue;
            }
            self.status = Status::Completed;
            self.termination = Some(if self.matched.len() as u32 >= self.match_limit {
                Termination::MatchLimitMet
            } else {
                Termination::CandidatesExhausted
            });
            self.push_status(at);
        }
        self.events.len() != before
    }

    /// Fills the enrichments of the oldest match that lacks some; false when none does.
    fn enrich_next(&mut self, at: Instant) -> bool {
        let target = self.enrichments.len() as u16;
        while self.enrich_scan < self.matched.len() {
            let index = self.matched[self.enrich_scan];
            self.enrich_scan += 1;
            let c = &mut self.candidates[index as usize];
            if c.enriched < target {
                c.enriched = target;
                self.push(
                    at,
                    EventRec::Candidate {
                        index,
                        verdict: Verdict::Matched,
                        enriched: target,
                        enrichment: true,
                    },
                );
                return true;
            }
        }
        false
    }

    /// Generates and evaluates the next entity; false when the limit is met
    /// or the world is exhausted.
    fn evaluate_next(&mut self, at: Instant) -> bool {
        if self.matched.len() as u32 >= self.match_limit {
            return false;
        }
        let spec = self.spec.clone();
        let entity = loop {
            if self.next_entity >= spec.world.size() {
                return false;
            }
            let e = self.next_entity;
            self.next_entity += 1;
            if !spec.world.is_excluded(e, &spec.excluded) {
                break e;
            }
        };
        let index = self.generated();
        let verdict = spec.world.verdict(entity, spec.conditions.len());
        self.candidates.push(Candidate {
            entity,
            enriched: 0,
            verdict: Verdict::Generated,
        });
        self.push(
            at,
            EventRec::Candidate {
                index,
                verdict: Verdict::Generated,
                enriched: 0,
                enrichment: false,
            },
        );
        self.candidates[index as usize].verdict = verdict;
        self.push(
            at,
            EventRec::Candidate {
                index,
                verdict,
                enriched: 0,
                enrichment: false,
            },
        );
        if verdict == Verdict::Matched {
            self.matched.push(index);
            if !self.enrichments.is_empty() {
                // A new match gets the enrichments in the same step.
                let target = self.enrichments.len() as u16;
                self.candidates[index as usize].enriched = target;
                self.push(
                    at,
                    EventRec::Candidate {
                        index,
                        verdict: Verdict::Matched,
                        enriched: target,
                        enrichment: true,
                    },
                );
            }
        }
        true
    }

    /// Gives a finished run more work: it runs again from `now`.
    fn reopen(&mut self, now: Instant) {
        if self.status == Status::Completed {
            self.status = Status::Running;
            self.termination = None;
            self.next_step = now + self.per_step;
            self.push_status(now);
        }
    }

    /// Raises the match limit by `more`.
    pub fn extend(&mut self, more: u64, now: Instant) -> Result<(), Refusal> {
        self.advance(now);
        if matches!(self.status, Status::Cancelled | Status::Failed) {
            return Err(Refusal::Cancelled);
        }
        let limit = u64::from(self.match_limit) + more;
        if limit > MAX_EXTENDED_LIMIT {
            return Err(Refusal::LimitTooHigh);
        }
        self.match_limit = limit as u32;
        self.push_schema(now);
        self.reopen(now);
        self.advance(now);
        Ok(())
    }

    /// Adds an enrichment (a `FindAllEnrichInput` object) for every match.
    pub fn enrich(&mut self, enrichment: Value, now: Instant) -> Result<(), Refusal> {
        self.advance(now);
        if matches!(self.status, Status::Cancelled | Status::Failed) {
            return Err(Refusal::Cancelled);
        }
        if self.enrichments.len() >= MAX_ENRICHMENTS {
            return Err(Refusal::TooManyEnrichments);
        }
        self.enrichments.push(Arc::new(enrichment));
        self.enrich_scan = 0;
        self.push_schema(now);
        self.reopen(now);
        self.advance(now);
        Ok(())
    }

    /// Stops the run.
    pub fn cancel(&mut self, now: Instant) -> Result<(), Refusal> {
        self.advance(now);
        match self.status {
            Status::Cancelled => Err(Refusal::Cancelled),
            Status::Completed | Status::Failed => Err(Refusal::AlreadyCompleted),
            Status::Queued | Status::Running => {
                self.status = Status::Cancelled;
                self.termination = Some(Termination::UserCancelled);
                self.push_status(now);
                Ok(())
            }
        }
    }

    /// What the run's webhook is to be sent from event position `from` on
    /// (the webhook pump, [`crate::deliveries`], keeps the position it
    /// reached): each `(event type, data JSON)` in order, by
    /// [`render::FindAllRenderer::webhook`]. Bring the run up to date first
    /// with [`FindAllRun::advance`].
    pub fn notifications(
        &self,
        renderer: &render::FindAllRenderer,
        index: u32,
        from: usize,
    ) -> Vec<(&'static str, String)> {
        (from..self.events.len())
            .filter_map(|pos| renderer.webhook(index, self, pos))
            .collect()
    }
}

/// Every FindAll run of an emulator.
#[derive(Debug, Default)]
pub struct FindAllRuns {
    /// Runs by index (the index is encoded in the id).
    pub runs: Vec<FindAllRun>,
}

impl FindAllRuns {
    /// The index behind a `findall_…` id, if it names an existing run.
    pub fn find(&self, codec: &Codec, id: &str) -> Option<u32> {
        let v = codec.decode(Kind::FindAll, id.strip_prefix(FINDALL_PREFIX)?)?;
        let i = u32::try_from(v).ok()?;
        ((i as usize) < self.runs.len()).then_some(i)
    }
}

/// `findall_…` for run `index`.
pub fn findall_id(codec: &Codec, index: u32) -> String {
    format!(
        "{FINDALL_PREFIX}{}",
        codec.encode(Kind::FindAll, u64::from(index))
    )
}

/// `candidate_…` for candidate `candidate` of run `run`.
pub fn candidate_id(codec: &Codec, run: u32, candidate: u32) -> String {
    format!(
        "{CANDIDATE_PREFIX}{}",
        codec.encode(
            Kind::FindAllCandidate,
            (u64::from(run) << 32) | u64::from(candidate)
        )
    )
}

/// The `event_id` of event `pos` of run `run`.
pub fn event_id(codec: &Codec, run: u32, pos: usize) -> String {
    codec.encode(Kind::FindAllEvent, (u64::from(run) << 32) | pos as u64)
}

/// `(run, pos)` behind an `event_id`.
pub fn parse_event_id(codec: &Codec, text: &str) -> Option<(u32, usize)> {
    let v = codec.decode(Kind::FindAllEvent, text)?;
    Some(((v >> 32) as u32, (v & 0xffff_ffff) as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(objective: &str, conditions: usize) -> Spec {
        Spec {
            objective: objective.to_owned(),
            entity_type: "companies".to_owned(),
            conditions: (0..conditions)
                .map(|i| Condition {
                    name: format!("c{i}"),
                    description: format!("condition {i}"),
                })
                .collect(),
            generator: Generator::Core,
            metadata: None,
            webhook: None,
            excluded: HashSet::new(),
            world: entities::World::new(7, objective, "companies"),
        }
    }

    fn timing(time_scale: f64) -> crate::scheduler::Timing {
        crate::scheduler::Timing {
            seed: 7,
            time_scale,
            failure_rate: 0.0,
            max_running: 0,
        }
    }

    fn instant_run(objective: &str, limit: u32) -> FindAllRun {
        let now = Instant::now();
        let mut run = FindAllRun::new(spec(objective, 2), limit, &timing(0.0), 0, now, 0);
        run.advance(now);
        run
    }

    #[test]
    fn an_instant_run_completes_with_exactly_the_match_limit() {
        let run = instant_run("AI startups in Berlin", 10);
        assert_eq!(run.status, Status::Completed);
        assert_eq!(run.termination, Some(Termination::MatchLimitMet));
        assert_eq!(run.matched.len(), 10);
        assert!(run.generated() > 10, "some candidates do not match");
    }

    #[test]
    fn a_narrow_world_runs_out_of_candidates() {
        let run = instant_run("obscure makers of brass astrolabes", 1000);
        assert_eq!(run.termination, Some(Termination::CandidatesExhausted));
        assert!(run.matched.len() < 1000);
    }

    #[test]
    fn every_match_event_follows_its_generated_event() {
        let run = instant_run("AI startups in Berlin", 20);
        let mut generated = HashSet::new();
        for e in &run.events {
            if let EventRec::Candidate { index, verdict, .. } = e.rec {
                if verdict == Verdict::Generated {
                    assert!(generated.insert(index));
                } else {
                    assert!(generated.contains(&index));
                }
            }
        }
    }

    #[test]
    fn extending_a_completed_run_finds_more_matches() {
        let mut run = instant_run("AI startups in Berlin", 10);
        run.extend(15, Instant::now()).unwrap();
        assert_eq!(run.matched.len(), 25);
        assert_eq!(run.status, Status::Completed);
    }

    #[test]
    fn an_enrichment_reaches_every_match_once() {
        let mut run = instant_run("AI startups in Berlin", 10);
        run.enrich(serde_json::json!({}), Instant::now()).unwrap();
        let enriched = run
            .events
            .iter()
            .filter(|e| {
                matches!(
                    e.rec,
                    EventRec::Candidate {
                        enrichment: true,
                        ..
                    }
                )
            })
            .count();
        assert_eq!(enriched, 10);
        assert!(
            run.matched
                .iter()
                .all(|&i| run.candidates[i as usize].enriched == 1)
        );
    }

    #[test]
    fn a_cancelled_run_refuses_more_work() {
        let now = Instant::now();
        let mut run = FindAllRun::new(spec("x y z", 1), 10, &timing(1.0), 0, now, 0);
        run.cancel(now).unwrap();
        assert_eq!(run.termination, Some(Termination::UserCancelled));
        assert_eq!(run.extend(5, now), Err(Refusal::Cancelled));
        assert_eq!(run.cancel(now), Err(Refusal::Cancelled));
    }

    #[test]
    fn notifications_send_candidates_and_the_finished_run_but_not_schema_or_progress() {
        let now = Instant::now();
        let mut run = FindAllRun::new(spec("AI startups in Berlin", 1), 5, &timing(0.0), 0, now, 0);
        run.advance(now);
        let r = render::FindAllRenderer {
            codec: Codec::new(7),
            seed: 7,
        };
        let all = run.notifications(&r, 0, 0);
        let kinds: Vec<&str> = all.iter().map(|(k, _)| *k).collect();
        assert!(!kinds.contains(&"findall.status"), "{kinds:?}");
        assert_eq!(
            kinds
                .iter()
                .filter(|k| **k == "findall.candidate.matched")
                .count(),
            5
        );
        assert_eq!(kinds.last(), Some(&"findall.run.completed"));
        let (_, finished) = all.last().unwrap();
        let finished: Value = serde_json::from_str(finished).unwrap();
        assert_eq!(finished["status"]["status"], "completed");
        let (_, first) = &all[0];
        let first: Value = serde_json::from_str(first).unwrap();
        assert_eq!(first["match_status"], "generated");
        // Asking again from a later position gives only what followed it.
        let rest = run.notifications(&r, 0, 3);
        assert!(rest.len() < all.len());
        assert_eq!(rest.last(), all.last());
    }

    #[test]
    fn a_failing_run_fails_as_it_starts_and_refuses_more_work() {
        let now = Instant::now();
        let always = crate::scheduler::Timing {
            failure_rate: 1.0,
            ..timing(0.0)
        };
        let mut run = FindAllRun::new(spec("x y z", 1), 10, &always, 0, now, 0);
        run.advance(now);
        assert_eq!(run.status, Status::Failed);
        assert_eq!(run.termination, Some(Termination::ErrorOccurred));
        assert_eq!(run.generated(), 0);
        assert_eq!(
            run.enrich(serde_json::json!({}), now),
            Err(Refusal::Cancelled)
        );
        assert_eq!(run.cancel(now), Err(Refusal::AlreadyCompleted));
    }

    #[test]
    fn candidates_and_events_stay_compact() {
        assert!(std::mem::size_of::<Candidate>() <= 8);
        assert!(std::mem::size_of::<Event>() <= 24);
    }

    #[test]
    fn event_ids_name_their_run_and_position() {
        let codec = Codec::new(3);
        let id = event_id(&codec, 4, 99);
        assert_eq!(parse_event_id(&codec, &id), Some((4, 99)));
        assert_eq!(parse_event_id(&Codec::new(4), &id), None);
    }
}
