//! Event streams: SSE framing (`sse.rs`), the self-resuming machine
//! (`resume.rs`), decoding events into the generated types or the caller's
//! (`events.rs`), and the group stream builders (`group.rs`). A single run's
//! event stream, which cannot be resumed, lives in `runs/events.rs`.

pub(crate) mod events;
pub(crate) mod group;
pub(crate) mod resume;
pub(crate) mod sse;
