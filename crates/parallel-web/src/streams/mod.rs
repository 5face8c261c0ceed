//! Event streams, independent of any endpoint: SSE framing (`sse.rs`), the
//! pump that reads a connection's body into events (`body.rs`), the
//! self-resuming machine (`resume.rs`) with its memory of ids already
//! delivered (`replay.rs`), and decoding events into the generated types or
//! the caller's (`events.rs`), and a single run's events (`run_events.rs`). The streams of a group are opened in
//! `groups/streams.rs`, a single run's in `runs/events.rs`.

pub(crate) mod body;
pub(crate) mod events;
pub(crate) mod replay;
pub(crate) mod resume;
pub(crate) mod run_events;
pub(crate) mod sse;
