//! Building the generated wire types so that a spec that grows never breaks
//! this crate: every generated struct is made with typify's builder, which
//! leaves the fields nobody sets at their defaults, never with a struct
//! literal that lists them all. A new optional
//! field in the spec is then simply not sent until a setter exposes it;
//! `cargo xtask spec-evolution` checks this for every type.

use parallel_web_api::types::error::ConversionError;

/// Finishes a generated builder whose required fields the caller has set.
///
/// Every caller sets every field the spec requires, so this cannot fail; a
/// spec change that makes another field *required* is not additive, and
/// the tests of each caller (and the spec-evolution check) fail on it at
/// once.
pub(crate) fn built<T, B>(builder: B) -> T
where
    B: TryInto<T, Error = ConversionError>,
{
    match builder.try_into() {
        Ok(value) => value,
        Err(e) => unreachable!("a generated type was built without a required field: {e}"),
    }
}
