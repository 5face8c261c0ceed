//! The reliability suite: one integration-test target, one module per part.

mod bad_emulator;
