//! The reliability suite: the SDK's and the emulator's promises checked at
//! scale, under injected faults and against hostile input. What each part
//! checks, how to run it at full size, and the last results are in
//! `tests/reliability/README.md`.

mod bad_emulator;
mod bad_sdk;
mod bad_webhooks;
mod chaos;
mod cli_chaos;
mod hostile_server;
mod late_commit;
mod secrets;

/// Held by each test that runs a whole scenario against the emulator
/// binary (chaos, late commits, the CLI under chaos), so that they run one
/// after another, not side by side: on a 2-core machine two of them at once
/// starve the emulator, and the late-commit cases put each commit only
/// 1.5 s from the read that must, or must not, see it.
pub(crate) static ONE_SCENARIO_AT_A_TIME: tokio::sync::Mutex<()> =
    tokio::sync::Mutex::const_new(());
