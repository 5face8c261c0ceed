//! What a run is made of: task specs (`task_spec.rs`), run inputs and
//! their limits (`run_input.rs`), and the `parallel-beta` header they imply
//! (`beta.rs`).

pub mod beta;
pub(crate) mod run_input;
pub(crate) mod task_spec;
pub(crate) mod wire;
