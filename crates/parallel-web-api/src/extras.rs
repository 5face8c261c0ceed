//! What a [`Client`](crate::Client) carries besides its `reqwest::Client`
//! (progenitor's "inner" value), applied by the client's hooks: headers to
//! add to every request, headers and query parameters that replace the
//! operation's own (per-call options of the SDK), and the most bytes a
//! response body may have.
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

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

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
    overrides: HeaderMap,
    query: Vec<(String, String)>,
    max_response_bytes: u64,
}

impl Default for ClientExtras {
    fn default() -> Self {
        ClientExtras {
            headers: HeaderMap::new(),
            overrides: HeaderMap::new(),
            query: Vec::new(),
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

    /// Adds one header to each request that does not already carry it,
    /// besides those of [`with_headers`](Self::with_headers).
    ///
    /// ```
    /// use parallel_web_api::ClientExtras;
    /// use reqwest::header::HeaderValue;
    ///
    /// let extras = ClientExtras::default()
    ///     .with_header("parallel-beta".parse().unwrap(), HeaderValue::from_static("b1"));
    /// assert!(format!("{extras:?}").contains("parallel-beta"));
    /// ```
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> ClientExtras {
        self.headers.insert(name, value);
        self
    }

    /// Sets `headers` on each request, replacing any value the operation
    /// itself (or [`with_headers`](Self::with_headers), or the
    /// `reqwest::Client`'s defaults) would send under the same name.
    ///
    /// ```
    /// use parallel_web_api::ClientExtras;
    /// use reqwest::header::{HeaderMap, HeaderValue};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-request-tag", HeaderValue::from_static("nightly"));
    /// let extras = ClientExtras::default().with_override_headers(headers);
    /// assert!(format!("{extras:?}").contains("x-request-tag"));
    /// ```
    pub fn with_override_headers(mut self, headers: HeaderMap) -> ClientExtras {
        self.overrides = headers;
        self
    }

    /// Sets these query parameters on each request, replacing parameters of
    /// the same name the operation itself sends.
    ///
    /// ```
    /// use parallel_web_api::ClientExtras;
    ///
    /// let extras = ClientExtras::default().with_query(vec![("trace".into(), "1".into())]);
    /// assert!(format!("{extras:?}").contains("trace"));
    /// ```
    pub fn with_query(mut self, pairs: Vec<(String, String)>) -> ClientExtras {
        self.query = pairs;
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

    /// Adds the headers a request does not already carry, then sets the
    /// override headers and query parameters.
    pub(crate) fn apply(&self, request: &mut reqwest::Request) {
        let headers = request.headers_mut();
        for (name, value) in &self.headers {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        for (name, value) in &self.overrides {
            headers.insert(name.clone(), value.clone());
        }
        if !self.query.is_empty() {
            let url = request.url_mut();
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| !self.query.iter().any(|(q, _)| q == k))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            url.query_pairs_mut()
                .clear()
                .extend_pairs(kept.iter().chain(&self.query));
        }
    }
}

impl fmt::Debug for ClientExtras {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientExtras")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("overrides", &self.overrides.keys().collect::<Vec<_>>())
            // Names only: a value may be a secret.
            .field(
                "query",
                &self.query.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}
