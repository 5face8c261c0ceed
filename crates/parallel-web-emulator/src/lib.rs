//! A local emulator of the Parallel Task Group and Task Run API.
//!
//! Start one in a test, point a client at [`EmulatorHandle::base_url`], and
//! send [`EmulatorHandle::api_key`] as `x-api-key`:
//!
//! ```no_run
//! use parallel_web_emulator::{Emulator, Fault};
//!
//! # async fn demo() -> std::io::Result<()> {
//! let emu = Emulator::builder()
//!     .time_scale(0.0) // runs finish at once
//!     .seed(42)
//!     .fault(Fault::status(503).times(1).retry_after_ms(10))
//!     .start()
//!     .await?;
//! # let _ = rustls::crypto::ring::default_provider().install_default();
//! let client = reqwest::Client::new();
//! let group: serde_json::Value = client
//!     .post(format!("{}/v1/tasks/groups", emu.base_url()))
//!     .header("x-api-key", emu.api_key())
//!     .json(&serde_json::json!({}))
//!     .send()
//!     .await
//!     .unwrap()
//!     .json()
//!     .await
//!     .unwrap();
//! println!("{}", group["taskgroup_id"]);
//! println!("{:?}", emu.stats().requests_per_operation);
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! What it does:
//! - every group endpoint under both `/v1/tasks/groups…` and `/v1beta/tasks/groups…`,
//!   the task-run endpoints, and the three SSE streams, with the status codes,
//!   field order, explicit nulls and SSE framing of the real service;
//! - runs move `queued → running → completed | failed` on documented per-processor
//!   latencies times a time scale, with an optional cap on concurrent runs;
//! - outputs follow the run's task spec (JSON schema, text or auto) and are
//!   deterministic for a given input and seed;
//! - the documented limits are enforced with the documented error bodies;
//! - [`Fault`]s inject dropped streams, 429/503 answers, ambiguous add-runs
//!   POSTs and latency; [`Stats`] (also at `GET /_emulator/stats`) counts it all.
//!
//! Group and run event cursors (`event_id`, `run_cursor`, `event_cursor`) are
//! opaque 32-hex-digit strings; a cursor that does not belong to the group's
//! stream is refused with 422 naming the cursor.

#![warn(missing_docs)]

mod builder;
mod error;
mod faults;
mod handlers;
mod ids;
mod output;
mod processors;
mod render;
mod routes;
mod scheduler;
mod sse;
mod state;
mod stats;
mod validate;
mod wire;
mod world;

pub use builder::{
    DEFAULT_API_KEY, DEFAULT_RATE_LIMIT, Emulator, EmulatorBuilder, EmulatorHandle, MAX_TIME_SCALE,
};
pub use faults::{Fault, FaultKind, FaultParseError};
pub use stats::Stats;

/// Names of every processor the emulator accepts (`lite` … `ultra8x`, each with a `-fast` variant).
pub fn processor_names() -> impl Iterator<Item = &'static str> {
    processors::PROCESSORS.iter().map(|p| p.name)
}
