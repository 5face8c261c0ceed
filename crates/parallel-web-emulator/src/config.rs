//! The settings of one emulator instance and their defaults. The builder
//! (`builder.rs`), the shared state (`state.rs`) and the handlers read them
//! from here.

use crate::faults::Fault;
use std::time::Duration;

/// The API key accepted when none is configured.
pub const DEFAULT_API_KEY: &str = "emulator-key";
/// Largest accepted time scale (keeps every scaled deadline representable).
pub const MAX_TIME_SCALE: f64 = 1000.0;
/// The default run-creating POSTs per minute (the documented production limit).
pub const DEFAULT_RATE_LIMIT: u32 = 2000;
/// The window the rate limit counts over by default: the documented minute.
pub const DEFAULT_RATE_WINDOW: Duration = Duration::from_secs(60);

/// Settings of one emulator instance.
#[derive(Clone)]
pub struct Config {
    /// The accepted `x-api-key`.
    pub api_key: String,
    /// Multiplier on documented latencies and stream lifetimes (0 = immediate).
    pub time_scale: f64,
    /// Seed of all randomness.
    pub seed: u64,
    /// Share of runs that fail.
    pub failure_rate: f64,
    /// Most runs executing at once (0 = unlimited).
    pub max_running: usize,
    /// Run-creating POSTs allowed per rate window (0 = unlimited).
    pub rate_limit: u32,
    /// The window `rate_limit` counts over (the documented minute by default).
    pub rate_window: Duration,
    /// Faults to inject.
    pub faults: Vec<Fault>,
    /// The secret webhook deliveries are signed with.
    pub webhook_secret: String,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The API key is a secret: never part of Debug output.
        f.debug_struct("Config")
            .field("api_key", &"<redacted>")
            .field("time_scale", &self.time_scale)
            .field("seed", &self.seed)
            .field("failure_rate", &self.failure_rate)
            .field("max_running", &self.max_running)
            .field("rate_limit", &self.rate_limit)
            .field("rate_window", &self.rate_window)
            .field("faults", &self.faults)
            .field("webhook_secret", &"<redacted>")
            .finish()
    }
}

impl Default for Config {
    /// Key [`DEFAULT_API_KEY`], time scale 1, seed 0, no failures, no
    /// running cap, rate limit [`DEFAULT_RATE_LIMIT`] per
    /// [`DEFAULT_RATE_WINDOW`], no faults, webhooks signed with
    /// [`DEFAULT_WEBHOOK_SECRET`](crate::webhooks::DEFAULT_WEBHOOK_SECRET).
    fn default() -> Self {
        Config {
            api_key: DEFAULT_API_KEY.to_owned(),
            time_scale: 1.0,
            seed: 0,
            failure_rate: 0.0,
            max_running: 0,
            rate_limit: DEFAULT_RATE_LIMIT,
            rate_window: DEFAULT_RATE_WINDOW,
            faults: Vec::new(),
            webhook_secret: crate::webhooks::DEFAULT_WEBHOOK_SECRET.to_owned(),
        }
    }
}
