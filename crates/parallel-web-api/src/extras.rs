//! What a [`Client`](crate::Client) carries besides its `reqwest::Client`
//! (progenitor's "inner" value), applied by the client's hooks: headers to
//! add to every request, and the most bytes a response body may have.
//!
//! A client built by [`ClientConfig::build`](crate::ClientConfig::build)
//! sends its key as a default header of its own `reqwest::Client`, so its
//! header set is empty. A client built around a `reqwest::Client` the
//! caller made
//! ([`ClientConfig::build_with_http_client`](crate::ClientConfig::build_with_http_client))
//! carries the key and extra headers here, since they cannot be added to a
//! `reqwest::Client` after it is built.
//!
//! The xtask's scratch builds define a stand-in of the same name.

use std::fmt;

use reqwest::header::HeaderMap;

use crate::DEFAULT_MAX_RESPONSE_BYTES;

/// Per-client settings the hooks apply to each request and response.
///
/// ```
/// use parallel_web_api::{ClientExtras, DEFAULT_MAX_RESPONSE_BYTES};
///
/// let extras = ClientExtras::default();
/// assert_eq!(extras.max_response_bytes(), DEFAULT_MAX_RESPONSE_BYTES);
/// ```
#[derive(Clone)]
pub struct ClientExtras {
    headers: HeaderMap,
    max_response_bytes: u64,
}

impl Default for ClientExtras {
    fn default() -> Self {
        ClientExtras {
            headers: HeaderMap::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl ClientExtras {
    /// Adds `headers` to each request that does not already carry them
    /// (mark secret values sensitive; `Debug` shows names only).
    ///
    /// ```
    /// use parallel_web_api::ClientExtras;
    /// use reqwest::header::{HeaderMap, HeaderValue};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-team", HeaderValue::from_static("research"));
    /// let extras = ClientExtras::default().with_headers(headers);
    /// assert!(format!("{extras:?}").contains("x-team"));
    /// ```
    pub fn with_headers(mut self, headers: HeaderMap) -> ClientExtras {
        self.headers = headers;
        self
    }

    /// Limits every non-stream response body to `bytes`; a longer one fails
    /// with [`ResponseTooLarge`](crate::ResponseTooLarge) instead of being
    /// read into memory.
    ///
    /// ```
    /// use parallel_web_api::ClientExtras;
    ///
    /// let extras = ClientExtras::default().with_max_response_bytes(1 << 20);
    /// assert_eq!(extras.max_response_bytes(), 1 << 20);
    /// ```
    pub fn with_max_response_bytes(mut self, bytes: u64) -> ClientExtras {
        self.max_response_bytes = bytes;
        self
    }

    /// The most bytes a non-stream response body may have.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
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

impl fmt::Debug for ClientExtras {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientExtras")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}
