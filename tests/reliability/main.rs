//! The reliability suite: one test binary, one module per part.

mod bad_sdk;
mod hostile_server;
mod secrets;
