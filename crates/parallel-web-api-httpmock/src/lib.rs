//! Typed httpmock helpers for `parallel-web-api`, generated from the same
//! spec by `cargo xtask regen`: one `when`/`then` pair per operation, so a
//! mock cannot drift from the client.
//!
//! ```
//! use httpmock::MockServer;
//! use parallel_web_api::types::ApiError;
//! use parallel_web_api_httpmock::MockServerExt;
//!
//! let server = MockServer::start();
//! let not_found: ApiError = serde_json::from_str(
//!     r#"{"type":"error","error":{"ref_id":"r1","message":"Run id not found"}}"#,
//! )
//! .unwrap();
//! let mock = server.task_run_retrieve(|when, then| {
//!     when.run_id("trun_missing");
//!     then.not_found(&not_found);
//! });
//! // ... point a `parallel_web_api::Client` at `server.base_url()` ...
//! mock.assert_calls(0);
//! ```

#[allow(missing_docs, clippy::all, clippy::pedantic, rustdoc::all)]
mod generated;
pub use generated::*;

/// The generated helpers name replaced types by the path the client crate
/// uses for them (`crate::open::...`); this makes that path resolve here too.
mod open {
    pub use parallel_web_api::open::*;
}
