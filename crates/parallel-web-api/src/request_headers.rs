//! Headers a [`Client`](crate::Client) adds to every request it sends, kept
//! in the client itself (progenitor's "inner" value) and applied by the
//! client's hooks.
//!
//! A client built by [`ClientConfig::build`](crate::ClientConfig::build)
//! sends its key as a default header of its own `reqwest::Client`, so its
//! set is empty. A client built around a `reqwest::Client` the caller made
//! ([`ClientConfig::build_with_http_client`](crate::ClientConfig::build_with_http_client))
//! carries the key and extra headers here, since they cannot be added to a
//! `reqwest::Client` after it is built.
//!
//! The xtask's scratch builds define a stand-in of the same name.

use std::fmt;

use reqwest::header::HeaderMap;

/// Headers added to each request unless the request already has them.
#[derive(Clone, Default)]
pub struct RequestHeaders {
    headers: HeaderMap,
}

impl RequestHeaders {
    /// These headers (mark secret values sensitive; `Debug` shows names only).
    pub fn new(headers: HeaderMap) -> RequestHeaders {
        RequestHeaders { headers }
    }

    /// Adds the headers a request does not already carry.
    pub(crate) fn apply(&self, request: &mut HeaderMap) {
        for (name, value) in &self.headers {
            if !request.contains_key(name) {
                request.insert(name.clone(), value.clone());
            }
        }
    }
}

impl fmt::Debug for RequestHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.headers.keys()).finish()
    }
}
