//! Per-call options: the one [`RequestOptions`] type, and the settings a
//! [`Client`] view resolves from them. Builders take options through the
//! [`WithOptions`] trait (`with_options.rs`), the way the official SDKs
//! take per-call options and smithy-rs operations can be customised. A
//! builder's options turn into a [`Client`] view with changed defaults when
//! it is sent ([`Client::with_options`]); the request layer
//! (`request.rs`) reads the view's timeout and retry policy, and the
//! low-level client's hooks add its headers and query parameters. What the
//! options mean for each kind of call is stated on [`WithOptions`].
//!
//! [`Client`]: crate::Client
//! [`Client::with_options`]: crate::Client::with_options
//! [`WithOptions`]: crate::WithOptions

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use crate::client::retry::RetryPolicy;
use crate::error::Error;
use crate::spec::beta::Betas;

/// Options for one call (through [`WithOptions`](crate::WithOptions) on
/// any request builder) or for every call of a client view
/// ([`Client::with_options`](crate::Client::with_options)).
/// Everything left unset keeps the client's default.
///
/// ```
/// use std::time::Duration;
/// use parallel_web::RequestOptions;
///
/// let options = RequestOptions::new()
///     .timeout(Duration::from_secs(20))
///     .max_retries(5)
///     .header("x-request-tag", "nightly")
///     .query("trace", "1")
///     .beta(parallel_web::beta::FIELD_BASIS);
/// // Header and query values are never printed (they may be secrets).
/// assert!(!format!("{options:?}").contains("nightly"));
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct RequestOptions {
    timeout: Option<Duration>,
    retry_policy: Option<RetryPolicy>,
    max_retries: Option<u32>,
    headers: Vec<(HeaderName, HeaderValue)>,
    query: Vec<(String, String)>,
    betas: Vec<String>,
    /// The first header that could not be sent, reported by every request
    /// made with these options (the builders cannot fail).
    invalid: Option<String>,
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("retry_policy", &self.retry_policy)
            .field("max_retries", &self.max_retries)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field(
                "query",
                &self.query.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("betas", &self.betas)
            .finish()
    }
}

impl RequestOptions {
    /// No options: every call keeps the client's defaults.
    ///
    /// ```
    /// let options = parallel_web::RequestOptions::new();
    /// assert!(options.is_empty());
    /// ```
    pub fn new() -> RequestOptions {
        RequestOptions::default()
    }

    /// True when no option is set.
    ///
    /// ```
    /// let options = parallel_web::RequestOptions::new().max_retries(0);
    /// assert!(!options.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.timeout.is_none()
            && self.retry_policy.is_none()
            && self.max_retries.is_none()
            && self.headers.is_empty()
            && self.query.is_empty()
            && self.betas.is_empty()
            && self.invalid.is_none()
    }

    /// Bounds each API call, from its first attempt to its last: retries,
    /// their delays and the wait for the rate budget included. A call still
    /// unanswered then fails with [`Error::RequestTimeout`]. Default: no
    /// bound besides the client's connect and read timeouts.
    /// `Duration::MAX` lifts a bound set earlier.
    ///
    /// ```
    /// use std::time::Duration;
    /// let options = parallel_web::RequestOptions::new().timeout(Duration::from_secs(20));
    /// # let _ = options;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How failed requests are retried (default: the client's policy).
    ///
    /// ```
    /// use parallel_web::{RequestOptions, RetryPolicy};
    /// let options = RequestOptions::new().retry_policy(RetryPolicy::none());
    /// # let _ = options;
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self.max_retries = None;
        self
    }

    /// How many times a failed request is retried, with the delays of the
    /// retry policy in force.
    ///
    /// ```
    /// let options = parallel_web::RequestOptions::new().max_retries(0);
    /// # let _ = options;
    /// ```
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// A header to send, replacing any value of the same name the client or
    /// the operation would send (including `parallel-beta`; use
    /// [`beta`](Self::beta) to add to that one). Names are case-insensitive;
    /// the last value given for a name wins. A name or value that is not
    /// valid in HTTP fails every request made with these options with
    /// [`Error::InvalidInput`], before anything is sent.
    ///
    /// ```
    /// let options = parallel_web::RequestOptions::new().header("x-request-tag", "nightly");
    /// # let _ = options;
    /// ```
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let (name, value) = (name.as_ref().trim(), value.as_ref().trim());
        let parsed = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("{name:?} is not a valid header name"))
            .and_then(|n| {
                HeaderValue::from_str(value)
                    .map(|v| (n, v))
                    .map_err(|_| format!("the value of header {name:?} is not valid in HTTP"))
            });
        match parsed {
            Ok((name, mut value)) => {
                // Kept out of Debug output: it may be a secret.
                value.set_sensitive(true);
                self.headers.retain(|(n, _)| *n != name);
                self.headers.push((name, value));
            }
            Err(message) => {
                self.invalid.get_or_insert(message);
            }
        }
        self
    }

    /// A query parameter to send, replacing a parameter of the same name
    /// the operation would send (the last value given for a name wins).
    ///
    /// ```
    /// let options = parallel_web::RequestOptions::new().query("trace", "1");
    /// # let _ = options;
    /// ```
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.query.retain(|(n, _)| *n != name);
        self.query.push((name, value.into()));
        self
    }

    /// A beta feature to name in the `parallel-beta` header, on top of the
    /// client's betas and those the request's fields need (see
    /// [`beta`](crate::beta)).
    ///
    /// ```
    /// let options = parallel_web::RequestOptions::new().beta(parallel_web::beta::FIELD_BASIS);
    /// # let _ = options;
    /// ```
    pub fn beta(mut self, name: impl Into<String>) -> Self {
        self.betas.push(name.into());
        self
    }

    /// The betas given to these options.
    pub(crate) fn betas_given(&self) -> &[String] {
        &self.betas
    }

    /// Lays `later` over these options: what `later` sets wins, headers and
    /// query parameters replace those of the same name, betas add up.
    pub(crate) fn merge(&mut self, later: RequestOptions) {
        if later.timeout.is_some() {
            self.timeout = later.timeout;
        }
        if later.retry_policy.is_some() {
            self.retry_policy = later.retry_policy;
            self.max_retries = None;
        }
        if later.max_retries.is_some() {
            self.max_retries = later.max_retries;
        }
        for (name, value) in later.headers {
            self.headers.retain(|(n, _)| *n != name);
            self.headers.push((name, value));
        }
        for (name, value) in later.query {
            self.query.retain(|(n, _)| *n != name);
            self.query.push((name, value));
        }
        self.betas.extend(later.betas);
        if self.invalid.is_none() {
            self.invalid = later.invalid;
        }
    }
}

/// What the calls of one [`Client`](crate::Client) view use: the client's defaults with
/// every [`RequestOptions`] laid over them, resolved.
#[derive(Debug, Clone)]
pub(crate) struct CallSettings {
    /// The options as given, laid over each other (for the next view).
    pub options: RequestOptions,
    /// The retry policy in force.
    pub retry: RetryPolicy,
    /// The client's betas, then those of the options, each once.
    pub betas: Vec<String>,
}

impl CallSettings {
    /// The settings of a client built with `retry` and `betas`.
    pub(crate) fn new(retry: RetryPolicy, betas: Vec<String>) -> CallSettings {
        let mut s = CallSettings {
            options: RequestOptions::new(),
            retry,
            betas: Vec::new(),
        };
        s.add_betas(&betas);
        s
    }

    /// These settings with `later` laid over them.
    pub(crate) fn with(&self, later: RequestOptions) -> CallSettings {
        let mut retry = later
            .retry_policy
            .clone()
            .unwrap_or_else(|| self.retry.clone());
        if let Some(n) = later.max_retries {
            retry = retry.max_retries(n);
        }
        let mut next = CallSettings {
            options: self.options.clone(),
            retry,
            betas: self.betas.clone(),
        };
        next.add_betas(&later.betas);
        next.options.merge(later);
        next
    }

    fn add_betas(&mut self, names: &[String]) {
        let mut betas = Betas::default();
        betas.extend(&self.betas);
        betas.extend(names);
        self.betas = betas.names().to_vec();
    }

    /// The bound on each call, if any.
    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.options.timeout
    }

    /// The options' own headers, which replace the operation's.
    pub(crate) fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.options.headers
    }

    /// The options' query parameters.
    pub(crate) fn query(&self) -> &[(String, String)] {
        &self.options.query
    }

    /// The error every request of these settings fails with, if an option
    /// could not be used.
    pub(crate) fn invalid(&self) -> Option<Error> {
        self.options
            .invalid
            .as_ref()
            .map(|message| Error::input(None, "request options", message.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_options_win_and_betas_add_up() {
        let base = CallSettings::new(RetryPolicy::default(), vec!["b1".into()]);
        let first = base.with(
            RequestOptions::new()
                .timeout(Duration::from_secs(5))
                .max_retries(7)
                .header("X-One", "1")
                .query("q", "1")
                .beta("b2"),
        );
        assert_eq!(first.retry.get_max_retries(), 7);
        let second = first.with(
            RequestOptions::new()
                .header("x-one", "2")
                .query("q", "2")
                .beta("b1")
                .beta("b3"),
        );
        assert_eq!(second.timeout(), Some(Duration::from_secs(5)));
        assert_eq!(second.retry.get_max_retries(), 7);
        assert_eq!(second.betas, ["b1", "b2", "b3"]);
        assert_eq!(second.headers().len(), 1);
        assert_eq!(second.headers()[0].1, "2");
        assert_eq!(second.query(), [("q".to_owned(), "2".to_owned())]);
        // A whole policy replaces the count set before it.
        let third = second.with(RequestOptions::new().retry_policy(RetryPolicy::none()));
        assert_eq!(third.retry.get_max_retries(), 0);
        // The base is unchanged.
        assert_eq!(base.timeout(), None);
        assert_eq!(base.betas, ["b1"]);
    }

    #[test]
    fn a_header_that_cannot_be_sent_is_an_input_error_naming_it() {
        let s = CallSettings::new(RetryPolicy::default(), Vec::new())
            .with(RequestOptions::new().header("bad name", "v"));
        let Some(Error::InvalidInput { message, .. }) = s.invalid() else {
            panic!("accepted")
        };
        assert!(message.contains("bad name"), "{message}");
        let s = CallSettings::new(RetryPolicy::default(), Vec::new())
            .with(RequestOptions::new().header("x-ok", "line\nbreak"));
        assert!(s.invalid().is_some());
    }
}
