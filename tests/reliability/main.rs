//! The reliability suite: the SDK's and the emulator's promises checked at
//! scale, under injected faults and against hostile input. What each part
//! checks, how to run it at full size, and the last results are in
//! `tests/reliability/README.md`.

mod bad_emulator;
mod bad_sdk;
mod chaos;
mod cli_chaos;
mod hostile_server;
mod late_commit;
mod secrets;
