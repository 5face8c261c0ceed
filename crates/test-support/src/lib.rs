//! Helpers the workspace's tests share, so that no crate keeps its own copy:
//!
//! - [`fuzz`]: the property-test runner (`PW_FUZZ_SECONDS` for timed runs)
//!   and the JSON-tree strategy;
//! - [`http1`]: reads one HTTP/1 request from a socket, for tests that play
//!   a scripted server;
//! - [`trace`]: captures everything a TRACE-level `tracing` subscriber
//!   writes, for the tests that check the API key never shows;
//! - [`rss`]: a process's resident memory.
//!
//! Not published. A published package's own tests must build from its
//! extracted `.crate`, where a path-only dev-dependency is stripped, so
//! only unpublished packages and test files excluded from a package use
//! this crate. The one exception is the runner: the SDK's unit tests need
//! it inside the published `parallel-web` package, so its source lives
//! there (`crates/parallel-web/src/fuzz_runner.rs`) and this crate builds
//! the same file.

#[path = "../../parallel-web/src/fuzz_runner.rs"]
pub mod fuzz;
pub mod http1;
pub mod rss;
pub mod trace;
