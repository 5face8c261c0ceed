#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod config;
pub mod contract;
mod deliveries;
mod error;
mod faults;
mod findall;
mod handlers;
mod ids;
mod memory;
mod monitors;
mod output;
mod processors;
mod render;
mod routes;
mod scheduler;
mod server;
mod sse;
mod state;
mod stats;
mod status;
mod validate;
mod web;
mod webhooks;
mod wire;
mod world;

pub use builder::{Emulator, EmulatorBuilder, EmulatorHandle};
pub use config::{DEFAULT_API_KEY, DEFAULT_RATE_LIMIT, DEFAULT_RATE_WINDOW, MAX_TIME_SCALE};
pub use faults::{Fault, FaultKind, FaultParseError};
pub use monitors::Notice as MonitorNotice;
pub use stats::{REQUEST_LOG_CAPACITY, RequestRecord, Stats};
pub use webhooks::{DEFAULT_WEBHOOK_SECRET, MAX_ATTEMPTS as WEBHOOK_MAX_ATTEMPTS, WebhookDelivery};

/// Names of every processor the emulator accepts (`lite` … `ultra8x`, each with a `-fast` variant).
pub fn processor_names() -> impl Iterator<Item = &'static str> {
    processors::PROCESSORS.iter().map(|p| p.name)
}
