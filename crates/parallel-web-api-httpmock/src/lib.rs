#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[allow(missing_docs, clippy::all, clippy::pedantic, rustdoc::all)]
// ...except the one lint that checks std APIs against `rust-version`.
#[warn(clippy::incompatible_msrv)]
mod generated;
pub use generated::*;

/// The generated helpers name replaced types by the path the client crate
/// uses for them (`crate::open::...`); this makes that path resolve here too.
mod open {
    pub use parallel_web_api::open::*;
}
