//! Monitors: what a monitor is, when it checks the web, and what each
//! check found. The HTTP side is `handlers/monitors.rs`.
//!
//! A monitor keeps one small record per check ([`Check`], 16 bytes) and
//! nothing per event: an event's id, date and output are derived from the
//! seed, the monitor's number, the check's number and the event's place in
//! it whenever a page is served. That keeps a monitor with 100,000 events
//! at a few hundred kilobytes, and paging through them cheap.
//!
//! Checks come from three places: the first runs when the monitor is
//! created, later ones fall due every `frequency` scaled by the time scale
//! (none with time scale 0, where only the first and triggered checks run),
//! and a trigger adds one at once. Scheduled checks are brought up to date
//! whenever the monitor is read ([`Monitors::catch_up`]), and by a clock
//! task per monitor so that webhook notices ([`Notice`]) appear when the
//! checks run rather than when someone looks.

use crate::ids::{self, Codec, Kind};
use crate::output;
use crate::web::{self, SourcePolicy};
use crate::wire::{Citation, FieldBasis, TaskRunOutput};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;

/// Prefix of monitor ids.
pub const MONITOR_PREFIX: &str = "monitor_";
/// Prefix of event ids.
pub const EVENT_PREFIX: &str = "mevt_";
/// Prefix of event-group (check) ids.
pub const EVENT_GROUP_PREFIX: &str = "mevtgrp_";

/// Shortest documented frequency: one hour.
pub const MIN_PERIOD: Duration = Duration::from_secs(3600);
/// Longest documented frequency: thirty days.
pub const MAX_PERIOD: Duration = Duration::from_secs(30 * 24 * 3600);

/// Most checks one monitor keeps (at 16 bytes each, 16 MB); scheduled
/// checks past it are not run. Far beyond what a test or bench pages through.
pub const MAX_CHECKS: usize = 1 << 20;

/// Most events one check finds (the backfill of a first check included).
const MAX_EVENTS_PER_CHECK: u8 = 8;

/// Pages the synthetic web gives a monitor's query, which its events cite.
const SOURCES: usize = 8;

/// `event_stream` or `snapshot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonitorType {
    /// Watches a search query.
    EventStream,
    /// Re-runs a finished task run and compares outputs.
    Snapshot,
}

impl MonitorType {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            MonitorType::EventStream => "event_stream",
            MonitorType::Snapshot => "snapshot",
        }
    }

    /// The type named `name`, if any.
    pub fn parse(name: &str) -> Option<MonitorType> {
        match name {
            "event_stream" => Some(MonitorType::EventStream),
            "snapshot" => Some(MonitorType::Snapshot),
            _ => None,
        }
    }
}

/// What one check came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Found this many events (at least one).
    Events(u8),
    /// Found no material change.
    Completion,
    /// Failed.
    Error,
}

/// One check of a monitor.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// When it ran (µs since the epoch).
    pub at_us: i64,
    /// What it found.
    pub outcome: Outcome,
}

/// A page of the synthetic web a monitor's events cite.
#[derive(Debug, Clone)]
pub struct Source {
    url: String,
    title: String,
    excerpt: String,
}

/// One monitor.
#[derive(Debug)]
pub struct Monitor {
    /// Its type.
    pub kind: MonitorType,
    /// False once cancelled.
    pub active: bool,
    /// The frequency as sent (`6h`).
    pub frequency: String,
    /// The frequency as a duration, unscaled.
    pub period: Duration,
    /// `lite` or `base`.
    pub processor: String,
    /// The webhook registration, as sent.
    pub webhook: Option<Value>,
    /// The metadata, as sent.
    pub metadata: Option<Value>,
    /// The settings as answered (`query` and `output_schema` for snapshots included).
    pub settings: Value,
    /// When it was created (µs since the epoch).
    pub created_us: i64,
    created: Instant,
    cancelled: Option<Instant>,
    /// Scheduled checks run so far (the first one included).
    scheduled: u64,
    /// Every check, oldest first.
    pub checks: Vec<Check>,
    sources: Vec<Source>,
    /// The JSON schema of the events' output, if JSON.
    output_schema: Option<Value>,
    backfill: bool,
}

impl Monitor {
    /// The query the monitor watches (a snapshot's is its task run's input).
    pub fn query(&self) -> &str {
        self.settings["query"].as_str().unwrap_or("")
    }

    /// When the last check ran, if any ran.
    pub fn last_run_us(&self) -> Option<i64> {
        self.checks.last().map(|c| c.at_us)
    }
}

/// A change the webhook side may deliver: a check whose event type the
/// monitor's webhook subscribes to (all three when it names none).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The registered URL.
    pub url: String,
    /// `monitor.event.detected`, `monitor.execution.completed` or `monitor.execution.failed`.
    pub event_type: &'static str,
    /// The delivery's `data`: `monitor_id`, `event` and `metadata`.
    pub data: Value,
}

/// A fresh monitor's facts, checked by the handler.
#[derive(Debug)]
pub struct NewMonitor {
    /// Its type.
    pub kind: MonitorType,
    /// As sent.
    pub frequency: String,
    /// [`parse_frequency`] of it.
    pub period: Duration,
    /// `lite` or `base`.
    pub processor: String,
    /// As sent.
    pub webhook: Option<Value>,
    /// As sent.
    pub metadata: Option<Value>,
    /// Settings as answered.
    pub settings: Value,
    /// As sent (the handler adds the monitor to that memory scope).
    pub memory_scope_key: Option<String>,
}

/// Every monitor of one emulator, and the webhook notices so far.
#[derive(Debug)]
pub struct Monitors {
    codec: Codec,
    seed: u64,
    time_scale: f64,
    failure_rate: f64,
    /// Monitors by number (the id's value).
    pub list: Vec<Monitor>,
    notices: Vec<Notice>,
}

/// Reads a frequency: a whole number and `h`, `d` or `w`, from 1h to 30d.
pub fn parse_frequency(text: &str) -> Result<Duration, String> {
    let hint = "give a whole number and a unit, h (hours), d (days) or w (weeks), \
                from 1h to 30d, e.g. `6h` or `1d`";
    let t = text.trim();
    let (digits, unit) = t.split_at(t.len().saturating_sub(1));
    let unit_secs = match unit {
        "h" => 3600,
        "d" => 24 * 3600,
        "w" => 7 * 24 * 3600,
        _ => return Err(format!("Unknown frequency `{text}`: {hint}")),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("Unknown frequency `{text}`: {hint}"))?;
    let period = Duration::from_secs(n.saturating_mul(unit_secs));
    if period < MIN_PERIOD || period > MAX_PERIOD {
        return Err(format!("Frequency `{text}` is out of range: {hint}"));
    }
    Ok(period)
}

impl Monitors {
    /// No monitors yet.
    pub fn new(codec: Codec, seed: u64, time_scale: f64, failure_rate: f64) -> Self {
        Monitors {
            codec,
            seed,
            time_scale,
            failure_rate,
            list: Vec::new(),
            notices: Vec::new(),
        }
    }

    /// `monitor_…` for monitor number `index`.
    pub fn id(&self, index: u32) -> String {
        format!(
            "{MONITOR_PREFIX}{}",
            self.codec.encode(Kind::Monitor, u64::from(index))
        )
    }

    /// The monitor number behind an id, if it names one.
    pub fn find(&self, id: &str) -> Option<u32> {
        let v = self
            .codec
            .decode(Kind::Monitor, id.strip_prefix(MONITOR_PREFIX)?)?;
        ((v as usize) < self.list.len()).then_some(v as u32)
    }

    /// Creates a monitor and runs its first check.
    pub fn create(&mut self, new: NewMonitor, now_us: i64, now: Instant) -> u32 {
        let index = self.list.len() as u32;
        let query = new.settings["query"].as_str().unwrap_or("").to_owned();
        let output_schema = new
            .settings
            .pointer("/output_schema/json_schema")
            .filter(|s| s.is_object())
            .cloned();
        let backfill = new.settings["include_backfill"] == Value::Bool(true);
        let sources = sources(self.seed, &query);
        self.list.push(Monitor {
            kind: new.kind,
            active: true,
            frequency: new.frequency,
            period: new.period,
            processor: new.processor,
            webhook: new.webhook,
            metadata: new.metadata,
            settings: new.settings,
            created_us: now_us,
            created: now,
            cancelled: None,
            scheduled: 0,
            checks: Vec::new(),
            sources,
            output_schema,
            backfill,
        });
        self.catch_up(index, now);
        index
    }

    /// The scaled period between scheduled checks; `None` with time scale 0.
    fn scaled_period(&self, m: &Monitor) -> Option<Duration> {
        (self.time_scale > 0.0).then(|| m.period.mul_f64(self.time_scale))
    }

    /// Runs the scheduled checks of monitor `index` that are due by `now`
    /// (or by its cancellation). Returns when the next one falls due, if
    /// one will.
    pub fn catch_up(&mut self, index: u32, now: Instant) -> Option<Instant> {
        let m = &self.list[index as usize];
        let until = m.cancelled.unwrap_or(now).min(now);
        let period = self.scaled_period(m);
        let due = match period {
            None => 1,
            Some(p) => {
                let elapsed = until.saturating_duration_since(m.created);
                let n = if p.is_zero() {
                    MAX_CHECKS as u128
                } else {
                    elapsed.as_nanos() / p.as_nanos().max(1)
                };
                1 + n.min(MAX_CHECKS as u128) as u64
            }
        };
        let (scheduled, created, created_us) = (m.scheduled, m.created, m.created_us);
        for k in scheduled..due {
            let at = match period {
                Some(p) => created + p.mul_f64(k as f64),
                None => created,
            };
            let at_us = created_us + at.saturating_duration_since(created).as_micros() as i64;
            if !self.run_check(index, at_us) {
                break;
            }
            self.list[index as usize].scheduled = k + 1;
        }
        let m = &self.list[index as usize];
        match (m.active, period) {
            (true, Some(p)) if m.checks.len() < MAX_CHECKS => {
                Some(m.created + p.mul_f64(m.scheduled as f64))
            }
            _ => None,
        }
    }

    /// Runs one check now (a trigger). False when the monitor is full.
    pub fn trigger(&mut self, index: u32, now_us: i64) -> bool {
        self.run_check(index, now_us)
    }

    /// Stops monitor `index` for good (again: nothing changes).
    pub fn cancel(&mut self, index: u32, now: Instant) {
        self.catch_up(index, now);
        let m = &mut self.list[index as usize];
        if m.active {
            m.active = false;
            m.cancelled = Some(now);
        }
    }

    /// Appends check number `checks.len()` of monitor `index`, with its outcome.
    fn run_check(&mut self, index: u32, at_us: i64) -> bool {
        let seed = self.seed;
        let failure_rate = self.failure_rate;
        let m = &mut self.list[index as usize];
        if m.checks.len() >= MAX_CHECKS {
            return false;
        }
        let k = m.checks.len() as u64;
        let h = ids::hash(seed, &[u64::from(index), k, 0x6d6f6e]);
        let outcome = if ids::unit(h) < failure_rate {
            Outcome::Error
        } else {
            let found = match m.kind {
                // 0 to 3 events, a quarter of checks finding nothing.
                MonitorType::EventStream => (h >> 20) % 4,
                // Half the snapshots changed.
                MonitorType::Snapshot => (h >> 20) % 2,
            };
            let backfill = if k == 0 && m.backfill { 5 } else { 0 };
            match (found + backfill).min(u64::from(MAX_EVENTS_PER_CHECK)) {
                0 => Outcome::Completion,
                n => Outcome::Events(n as u8),
            }
        };
        m.checks.push(Check { at_us, outcome });
        if let Some(webhook) = m.webhook.clone() {
            let event_type = match outcome {
                Outcome::Events(_) => "monitor.event.detected",
                Outcome::Completion => "monitor.execution.completed",
                Outcome::Error => "monitor.execution.failed",
            };
            let subscribed = match webhook.get("event_types").and_then(Value::as_array) {
                Some(types) if !types.is_empty() => {
                    types.iter().any(|t| t.as_str() == Some(event_type))
                }
                _ => true,
            };
            if let (true, Some(url)) = (subscribed, webhook["url"].as_str()) {
                let url = url.to_owned();
                let monitor_id = self.id(index);
                let metadata = self.list[index as usize].metadata.clone();
                let event = match outcome {
                    Outcome::Events(_) => json!({
                        "event_group_id": self.group_id(index, k),
                    }),
                    Outcome::Completion => completion(at_us),
                    Outcome::Error => error_event(at_us),
                };
                self.notices.push(Notice {
                    url,
                    event_type,
                    data: json!({"monitor_id": monitor_id, "event": event, "metadata": metadata}),
                });
            }
        }
        true
    }

    /// The webhook notices from number `from` on, in the order they occurred.
    pub fn notices_since(&self, from: usize) -> &[Notice] {
        self.notices.get(from..).unwrap_or(&[])
    }

    /// `mevtgrp_…` for check `k` of monitor `index`.
    pub fn group_id(&self, index: u32, k: u64) -> String {
        format!(
            "{EVENT_GROUP_PREFIX}{}",
            self.codec
                .encode(Kind::MonitorEventGroup, (u64::from(index) << 40) | k)
        )
    }

    /// The check of monitor `index` an event-group id names, if it does.
    pub fn find_group(&self, index: u32, id: &str) -> Option<u64> {
        let v = self.codec.decode(
            Kind::MonitorEventGroup,
            id.strip_prefix(EVENT_GROUP_PREFIX)?,
        )?;
        let k = v & ((1 << 40) - 1);
        ((v >> 40) as u32 == index && (k as usize) < self.list[index as usize].checks.len())
            .then_some(k)
    }

    /// A cursor naming position (`k`, `i`) of monitor `index`'s events.
    pub fn event_cursor(&self, index: u32, k: u64, i: u8) -> String {
        self.codec.encode(
            Kind::MonitorEventCursor,
            // 15 (above any check's event count) stands for "all of it".
            (u64::from(index) << 44) | (k << 4) | u64::from(i.min(15)),
        )
    }

    /// (`k`, `i`) behind a cursor of monitor `index`'s events.
    pub fn parse_event_cursor(&self, index: u32, text: &str) -> Option<(u64, u8)> {
        let v = self.codec.decode(Kind::MonitorEventCursor, text)?;
        let k = (v >> 4) & ((1 << 40) - 1);
        ((v >> 44) as u32 == index && (k as usize) < self.list[index as usize].checks.len())
            .then_some((k, (v & 0xf) as u8))
    }

    /// A cursor of the monitor list: the next monitor number to list, going down.
    pub fn list_cursor(&self, next: u32) -> String {
        self.codec.encode(Kind::MonitorCursor, u64::from(next))
    }

    /// The monitor number behind a list cursor.
    pub fn parse_list_cursor(&self, text: &str) -> Option<u32> {
        let v = self.codec.decode(Kind::MonitorCursor, text)?;
        ((v as usize) < self.list.len()).then_some(v as u32)
    }

    /// The items check `k` of monitor `index` lists, newest first, from
    /// event `from` down (`u8::MAX` for all): its events, or one
    /// completion (only with `completions`) or one error.
    pub fn check_items(
        &self,
        index: u32,
        k: u64,
        from: u8,
        completions: bool,
        out: &mut Vec<Value>,
        limit: usize,
    ) -> Option<u8> {
        let check = self.list[index as usize].checks[k as usize];
        match check.outcome {
            Outcome::Events(n) => {
                let mut i = from.min(n - 1);
                loop {
                    if out.len() == limit {
                        return Some(i);
                    }
                    out.push(self.event(index, k, i, check.at_us));
                    if i == 0 {
                        return None;
                    }
                    i -= 1;
                }
            }
            Outcome::Completion if !completions => None,
            Outcome::Completion | Outcome::Error if out.len() == limit => Some(0),
            Outcome::Completion => {
                out.push(completion(check.at_us));
                None
            }
            Outcome::Error => {
                out.push(error_event(check.at_us));
                None
            }
        }
    }

    /// True when check `k` lists anything (`completions` shown or not).
    pub fn lists_anything(&self, index: u32, k: u64, completions: bool) -> bool {
        completions || self.list[index as usize].checks[k as usize].outcome != Outcome::Completion
    }

    /// Event `i` of check `k` of monitor `index`, derived from those numbers.
    fn event(&self, index: u32, k: u64, i: u8, at_us: i64) -> Value {
        let m = &self.list[index as usize];
        let h = ids::hash(self.seed, &[u64::from(index), k, u64::from(i), 0x657674]);
        let event_id = format!(
            "{EVENT_PREFIX}{}",
            self.codec.encode(
                Kind::MonitorEvent,
                (u64::from(index) << 44) | (k << 4) | u64::from(i)
            )
        );
        let group = self.group_id(index, k);
        // An event happened up to a week before the check found it.
        let date = ids::timestamp(at_us - ((h >> 8) % (7 * 24 * 3600)) as i64 * 1_000_000);
        let event_date = &date[..10];
        let output = |salt: u64| self.output(m, ids::hash(h, &[salt]));
        match m.kind {
            MonitorType::EventStream => json!({
                "event_type": "event_stream",
                "event_id": event_id,
                "event_group_id": group,
                "monitor_group_id": group,
                "event_date": event_date,
                "output": output(1),
            }),
            MonitorType::Snapshot => json!({
                "event_type": "snapshot",
                "event_id": event_id,
                "event_group_id": group,
                "monitor_group_id": group,
                "event_date": event_date,
                "changed_output": output(1),
                "previous_output": output(2),
            }),
        }
    }

    /// An output made up from hash word `h`: schema-filled when the
    /// monitor has an output schema, else a sentence citing a source.
    fn output(&self, m: &Monitor, h: u64) -> Value {
        if let Some(schema) = &m.output_schema {
            return serde_json::to_value(output::schema_output(h, schema, m.query()))
                .unwrap_or(Value::Null);
        }
        let (content, basis) = match m.sources.get((h % SOURCES as u64) as usize) {
            Some(s) => (
                format!("{}: {}", s.title, s.excerpt),
                vec![FieldBasis {
                    field: "output".to_owned(),
                    citations: vec![Citation {
                        title: Some(s.title.clone()),
                        url: s.url.clone(),
                        excerpts: Some(vec![s.excerpt.clone()]),
                    }],
                    reasoning: format!("Found while watching `{}`.", m.query()),
                    confidence: Some("medium"),
                }],
            ),
            None => (
                format!("A new development about {}.", m.query()),
                Vec::new(),
            ),
        };
        serde_json::to_value(TaskRunOutput::Text {
            basis,
            kind: "text",
            mcp_tool_calls: None,
            beta_fields: None,
            content,
        })
        .unwrap_or(Value::Null)
    }
}

fn completion(at_us: i64) -> Value {
    json!({"event_type": "completion", "timestamp": ids::timestamp(at_us)})
}

fn error_event(at_us: i64) -> Value {
    json!({
        "event_type": "error",
        "error_message": "The check could not finish: the sources it needed did not answer in time",
        "timestamp": ids::timestamp(at_us),
    })
}

/// The pages of the synthetic web a query finds, cut down to what events cite.
fn sources(seed: u64, query: &str) -> Vec<Source> {
    let words = web::words_of(query);
    web::search(seed, &words, SOURCES, &SourcePolicy::default())
        .into_iter()
        .map(|page| {
            let mut excerpt = page
                .excerpts(&words, 300)
                .into_iter()
                .next()
                .unwrap_or_default();
            web::truncate_chars(&mut excerpt, 300);
            Source {
                url: page.url,
                title: page.title,
                excerpt,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequencies_from_one_hour_to_thirty_days_are_accepted() {
        assert_eq!(parse_frequency("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_frequency("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_frequency("2w"), Ok(Duration::from_secs(14 * 86400)));
        assert_eq!(parse_frequency("30d"), Ok(MAX_PERIOD));
    }

    #[test]
    fn unknown_or_out_of_range_frequencies_are_refused() {
        for bad in [
            "", "h", "0h", "31d", "5w", "1m", "daily", "1.5h", "-1h", "1 h",
        ] {
            assert!(parse_frequency(bad).is_err(), "{bad:?}");
        }
    }

    fn new(kind: MonitorType) -> NewMonitor {
        NewMonitor {
            kind,
            frequency: "1h".into(),
            period: MIN_PERIOD,
            processor: "lite".into(),
            webhook: Some(json!({"url": "https://example.com/hook"})),
            metadata: None,
            settings: json!({"query": "battery recycling"}),
            memory_scope_key: None,
        }
    }

    #[test]
    fn with_time_scale_zero_only_the_first_and_triggered_checks_run() {
        let mut ms = Monitors::new(Codec::new(1), 1, 0.0, 0.0);
        let now = Instant::now();
        let i = ms.create(new(MonitorType::EventStream), 0, now);
        assert_eq!(ms.catch_up(i, now + Duration::from_secs(86400)), None);
        assert_eq!(ms.list[0].checks.len(), 1);
        ms.trigger(i, 5);
        assert_eq!(ms.list[0].checks.len(), 2);
        assert_eq!(ms.notices_since(0).len(), 2);
    }

    #[test]
    fn scheduled_checks_fall_due_every_scaled_period_until_cancelled() {
        let mut ms = Monitors::new(Codec::new(1), 1, 0.001, 0.0);
        let now = Instant::now();
        let i = ms.create(new(MonitorType::Snapshot), 0, now);
        // 1h × 0.001 = 3.6 s: after 10 s, checks at 0, 3.6 and 7.2 s.
        let next = ms.catch_up(i, now + Duration::from_secs(10));
        assert_eq!(ms.list[0].checks.len(), 3);
        assert_eq!(next, Some(now + Duration::from_millis(10_800)));
        ms.cancel(i, now + Duration::from_millis(10_500));
        assert_eq!(ms.catch_up(i, now + Duration::from_secs(100)), None);
        assert_eq!(ms.list[0].checks.len(), 3);
    }

    #[test]
    fn cursors_and_group_ids_belong_to_one_monitor() {
        let mut ms = Monitors::new(Codec::new(1), 1, 0.0, 0.0);
        let now = Instant::now();
        let a = ms.create(new(MonitorType::EventStream), 0, now);
        let b = ms.create(new(MonitorType::EventStream), 0, now);
        let cur = ms.event_cursor(a, 0, 2);
        assert_eq!(ms.parse_event_cursor(a, &cur), Some((0, 2)));
        assert_eq!(ms.parse_event_cursor(b, &cur), None);
        let g = ms.group_id(a, 0);
        assert_eq!(ms.find_group(a, &g), Some(0));
        assert_eq!(ms.find_group(b, &g), None);
        assert_eq!(ms.find(&ms.id(b)), Some(b));
        assert_eq!(ms.find("monitor_nope"), None);
    }
}
