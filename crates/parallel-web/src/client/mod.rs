//! The client and its configuration: builder, environment, shared state.
//! Sending requests (retries, rate budget, tracing) lives in `request.rs`,
//! per-call options in `options.rs`, the retry policy in `retry.rs`, the
//! run-creation budget in `rate_budget.rs`.

pub(crate) mod options;
pub(crate) mod rate_budget;
pub(crate) mod read;
pub(crate) mod request;
pub(crate) mod retry;
pub(crate) mod with_options;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use parallel_web_api::ClientInfo;

use crate::client::options::CallSettings;
use crate::client::options::RequestOptions;
use crate::client::rate_budget::RateBudget;
use crate::client::retry::RetryPolicy;
use crate::error::Error;

/// The production API.
pub const DEFAULT_BASE_URL: &str = parallel_web_api::DEFAULT_BASE_URL;
/// Run-creating POSTs allowed per minute by default (the documented limit).
pub const DEFAULT_RUN_POSTS_PER_MINUTE: u32 = 2_000;
/// The default settle window (60 s): how long after an ambiguous add-runs
/// POST was sent the SDK waits before reading the group back to decide
/// what to resend. See [`BATCH_TAG_KEY`](crate::BATCH_TAG_KEY) for what it guarantees.
///
/// Why 60 s rather than a figure taken from the client's timeouts: the read
/// timeout (630 s by default) is sized for the result long-poll, not for a
/// POST, and the late commit this window guards against is precisely one
/// that lands *after* the client's read timeout, so a window equal to it
/// would cover nothing for a timed-out POST. A commit that late needs a
/// server still processing the request after a proxy or load balancer in
/// front of it gave up, and those commonly give up after 30 to 100 s (60 s
/// is the usual idle timeout of load balancers and the nginx default).
/// The wait is paid only after an ambiguous failure, never on a clean run,
/// and a POST that timed out after 60 s or more pays none of it.
///
/// ```
/// assert_eq!(parallel_web::DEFAULT_SETTLE_WINDOW.as_secs(), 60);
/// ```
pub const DEFAULT_SETTLE_WINDOW: Duration = Duration::from_secs(60);

/// How the self-resuming event streams (`streams/resume.rs`) reconnect; set
/// through the `stream_*` methods of [`ClientBuilder`].
#[derive(Debug, Clone)]
pub(crate) struct StreamSettings {
    /// Reconnect when no event arrived for this long (keep-alive comments do
    /// not count), and ask again when the response headers took this long.
    pub idle_timeout: Option<Duration>,
    /// Delays between reconnects that follow no progress; reset whenever a
    /// new event arrives.
    pub backoff: RetryPolicy,
    /// Connections in a row without a new event before the stream gives up
    /// with [`Error::StreamStalled`].
    pub max_failures: u32,
    /// How many recent event ids are remembered to skip replays.
    pub replay_window: usize,
}

impl Default for StreamSettings {
    fn default() -> Self {
        StreamSettings {
            idle_timeout: Some(Duration::from_secs(120)),
            backoff: RetryPolicy::default(),
            max_failures: 8,
            // About 1.5 MiB of hashes at most (see `streams/replay.rs`).
            replay_window: 65_536,
        }
    }
}

/// Which generation of the task-group endpoints to call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `/v1/tasks/groups...` (generally available; the default).
    #[default]
    V1,
    /// `/v1beta/tasks/groups...`, as in the original Task Group docs.
    V1Beta,
}

/// A client for the Parallel API. Cheap to clone; share it freely.
///
/// ```no_run
/// # async fn demo() -> Result<(), parallel_web::Error> {
/// let client = parallel_web::Client::from_env()?;
/// let group = client.task_groups().create().send().await?;
/// println!("created {}", group.id());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    /// Shared by every clone and view: connections, budget, counters.
    inner: Arc<Inner>,
    /// This view's defaults for each call ([`Client::with_options`]).
    calls: Arc<Calls>,
}

struct Inner {
    /// The low-level client as built, without any per-call options.
    api: parallel_web_api::Client,
    base_url: String,
    version: ApiVersion,
    stream: StreamSettings,
    budget: RateBudget,
    add_runs_concurrency: usize,
    batch_tags: bool,
    settle_window: Duration,
    requests: AtomicU64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &"<redacted>")
            .field("version", &self.inner.version)
            .field("retry", &self.calls.settings.retry)
            .field("betas", &self.calls.settings.betas)
            .field("options", &self.calls.settings.options)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use parallel_web::{ApiVersion, Client, RetryPolicy};
///
/// let client = Client::builder()
///     .api_key("my-key")
///     .base_url("http://127.0.0.1:8080")
///     .api_version(ApiVersion::V1Beta)
///     .retry_policy(RetryPolicy::default().max_retries(4))
///     .connect_timeout(Duration::from_secs(5))
///     .header("x-team", "research")
///     .build()
///     .unwrap();
/// assert!(!format!("{client:?}").contains("my-key"));
/// ```
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: String,
    version: ApiVersion,
    retry: RetryPolicy,
    connect_timeout: Duration,
    read_timeout: Option<Duration>,
    headers: Vec<(String, String)>,
    http: Option<reqwest::Client>,
    betas: Vec<String>,
    stream: StreamSettings,
    run_posts_per_minute: u32,
    add_runs_concurrency: usize,
    batch_tags: bool,
    max_response_bytes: u64,
    settle_window: Duration,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("version", &self.version)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            version: ApiVersion::V1,
            retry: RetryPolicy::default(),
            connect_timeout: parallel_web_api::DEFAULT_CONNECT_TIMEOUT,
            read_timeout: Some(parallel_web_api::DEFAULT_READ_TIMEOUT),
            headers: Vec::new(),
            http: None,
            betas: Vec::new(),
            stream: StreamSettings::default(),
            run_posts_per_minute: DEFAULT_RUN_POSTS_PER_MINUTE,
            add_runs_concurrency: 4,
            batch_tags: true,
            max_response_bytes: parallel_web_api::DEFAULT_MAX_RESPONSE_BYTES,
            settle_window: DEFAULT_SETTLE_WINDOW,
        }
    }
}

impl ClientBuilder {
    /// The API key (sent as `x-api-key`; never printed).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL (default `https://api.parallel.ai`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// `/v1` (default) or `/v1beta` task-group endpoints.
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    /// How failed requests are retried.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Time allowed to open a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Longest silence allowed while reading a response (default 630 s,
    /// longer than the result long-poll); `None` waits forever.
    pub fn read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// An extra header sent with every request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A beta feature named in every request's `parallel-beta` header.
    pub fn beta(mut self, name: impl Into<String>) -> Self {
        self.betas.push(name.into());
        self
    }

    /// Sends requests through this `reqwest::Client` (your proxies, TLS or
    /// middleware). The key and extra headers of this builder are still
    /// added to every request; the connect and read timeouts are the given
    /// client's own (a `reqwest::Client` cannot take them after it is
    /// built). Build it with a TLS provider available, for example after
    /// [`install_tls_provider`](crate::install_tls_provider). Its redirect
    /// policy applies too: reqwest's default follows redirects to other
    /// hosts with every header but `Authorization` and cookies, the API key
    /// included, so give it `reqwest::redirect::Policy::none()` (the
    /// clients this SDK builds follow same-origin redirects only).
    ///
    /// ```
    /// parallel_web::install_tls_provider();
    /// let http = reqwest::Client::builder().build().unwrap();
    /// let client = parallel_web::Client::builder()
    ///     .api_key("my-key")
    ///     .header("x-team", "research")
    ///     .http_client(http)
    ///     .build()
    ///     .unwrap();
    /// assert!(!format!("{client:?}").contains("my-key"));
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Reconnect an event stream when no event arrived for this long
    /// (default 120 s; keep-alive comments do not count), and ask again
    /// when a stream's response headers take this long. `None` never does.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = parallel_web::Client::builder()
    ///     .api_key("my-key")
    ///     .stream_idle_timeout(Some(Duration::from_secs(30)))
    ///     .build()
    ///     .unwrap();
    /// # let _ = client;
    /// ```
    pub fn stream_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.stream.idle_timeout = timeout;
        self
    }

    /// How many reconnects in a row without a new event an event stream
    /// makes before it gives up with [`Error::StreamStalled`] (default 8).
    /// A reconnect counts when the connection failed, closed or withheld
    /// its headers without delivering an event not seen before (replays of
    /// events already delivered are skipped and do not count as progress).
    ///
    /// ```
    /// let client = parallel_web::Client::builder()
    ///     .api_key("my-key")
    ///     .stream_max_reconnects(3)
    ///     .build()
    ///     .unwrap();
    /// # let _ = client;
    /// ```
    pub fn stream_max_reconnects(mut self, n: u32) -> Self {
        self.stream.max_failures = n;
        self
    }

    /// Delays between stream reconnects (default: the default retry policy).
    pub fn stream_backoff(mut self, policy: RetryPolicy) -> Self {
        self.stream.backoff = policy;
        self
    }

    /// Run-creating POSTs allowed per minute (default 2,000; 0 = unlimited).
    pub fn run_posts_per_minute(mut self, n: u32) -> Self {
        self.run_posts_per_minute = n;
        self
    }

    /// How many add-runs POSTs one batch sends at once (default 4).
    pub fn add_runs_concurrency(mut self, n: usize) -> Self {
        self.add_runs_concurrency = n.max(1);
        self
    }

    /// Whether runs get a batch tag in their metadata so an ambiguous
    /// add-runs failure can be reconciled instead of failing (default on).
    pub fn batch_tags(mut self, on: bool) -> Self {
        self.batch_tags = on;
        self
    }

    /// The most bytes a response body may have, event streams aside
    /// (default [`DEFAULT_MAX_RESPONSE_BYTES`](crate::DEFAULT_MAX_RESPONSE_BYTES),
    /// 64 MiB). A longer answer is not read into memory: the call fails with
    /// [`Error::ResponseTooLarge`]. Error bodies are read only as far as
    /// an error keeps them (4 KiB), whatever this limit. Each event of a
    /// stream has its own cap of 32 MiB.
    ///
    /// ```
    /// let client = parallel_web::Client::builder()
    ///     .api_key("my-key")
    ///     .max_response_bytes(8 << 20)
    ///     .build()
    ///     .unwrap();
    /// # let _ = client;
    /// ```
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// After an add-runs POST fails ambiguously, how long after it was sent
    /// the group's runs are read back to decide what to resend (default
    /// [`DEFAULT_SETTLE_WINDOW`], 60 s, which
    /// explains the choice). A commit landing within the window is never
    /// duplicated; one landing later but before the final read-back is
    /// reported. The exact guarantee is on
    /// [`BATCH_TAG_KEY`](crate::BATCH_TAG_KEY). Only calls that meet an
    /// ambiguous failure wait for it.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = parallel_web::Client::builder()
    ///     .api_key("my-key")
    ///     .settle_window(Duration::from_secs(120))
    ///     .build()
    ///     .unwrap();
    /// # let _ = client;
    /// ```
    pub fn settle_window(mut self, window: Duration) -> Self {
        self.settle_window = window;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let url = reqwest::Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("invalid base URL {:?}: {e}", self.base_url)))?;
        // Anything else would parse, then fail every request as if the
        // connection broke (and be retried): say so once, here.
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "base URL {:?} uses the scheme `{}`; the API speaks http:// or https:// only",
                self.base_url,
                url.scheme()
            )));
        }
        let config = self.config()?;
        let api = match &self.http {
            // With their own client, a caller may send the key themselves.
            Some(http) => config.build_with_http_client(http.clone()),
            None if self.api_key.is_none() => return Err(no_key()),
            None => config.build(),
        }
        .map_err(|e| match e {
            // The message never includes the key itself.
            parallel_web_api::ConfigError::InvalidApiKey => {
                Error::Config("the API key is not a valid header value".into())
            }
            other => Error::Config(format!("cannot build the HTTP client: {other}")),
        })?;
        let calls = Calls::new(&api, CallSettings::new(self.retry, self.betas));
        Ok(Client {
            calls: Arc::new(calls),
            inner: Arc::new(Inner {
                api,
                base_url: self.base_url,
                version: self.version,
                stream: self.stream,
                budget: RateBudget::new(self.run_posts_per_minute),
                add_runs_concurrency: self.add_runs_concurrency,
                batch_tags: self.batch_tags,
                settle_window: self.settle_window,
                requests: AtomicU64::new(0),
            }),
        })
    }
}

impl ClientBuilder {
    /// The low-level crate's settings for the key, headers and timeouts of
    /// this builder, so both crates build their clients one way (key marked
    /// sensitive, rustls, connect and read timeouts, no total timeout).
    fn config(&self) -> Result<parallel_web_api::ClientConfig, Error> {
        let key = match self.api_key.as_deref() {
            Some(k) if k.trim().is_empty() => return Err(no_key()),
            Some(k) => k,
            None => "",
        };
        let mut config = parallel_web_api::ClientConfig::new(&self.base_url, key)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .max_response_bytes(self.max_response_bytes);
        for (k, v) in &self.headers {
            let name = HeaderName::from_bytes(k.trim().as_bytes())
                .map_err(|_| Error::Config(format!("invalid header name {k:?}")))?;
            let value = HeaderValue::from_str(v.trim())
                .map_err(|_| Error::Config(format!("invalid value for header {k:?}")))?;
            config = config.header(name, value);
        }
        Ok(config)
    }
}

/// One view of a client: its call settings and the low-level client that
/// sends their headers and query parameters.
struct Calls {
    settings: CallSettings,
    api: parallel_web_api::Client,
}

impl Calls {
    /// The view of `base` (the client as built) with `settings`.
    fn new(base: &parallel_web_api::Client, settings: CallSettings) -> Calls {
        let plain = settings.headers().is_empty()
            && settings.query().is_empty()
            && settings.betas.is_empty();
        if plain {
            return Calls {
                settings,
                api: base.clone(),
            };
        }
        let mut extras = base
            .inner()
            .clone()
            .with_override_headers(settings.headers().iter().cloned().collect())
            .with_query(settings.query().to_vec());
        // Every request names the betas asked for; the operations that
        // take the header send their own list, which includes these.
        if let Ok(value) = HeaderValue::from_str(&settings.betas.join(",")) {
            extras = extras.with_header(HeaderName::from_static("parallel-beta"), value);
        }
        let api = parallel_web_api::Client::new_with_client(
            base.baseurl(),
            base.client().clone(),
            extras,
        );
        Calls { settings, api }
    }
}

fn no_key() -> Error {
    Error::Config("no API key: set PARALLEL_API_KEY or call .api_key()".into())
}

/// A builder preset from the variables `var` looks up (the environment,
/// or a table in tests).
fn builder_from(var: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
    let mut b = Client::builder();
    if let Some(key) = var("PARALLEL_API_KEY") {
        b = b.api_key(key);
    }
    if let Some(url) = var("PARALLEL_BASE_URL") {
        let url = url.trim();
        if url.is_empty() {
            return Err(Error::Config(
                "PARALLEL_BASE_URL is set but empty: set it to the API's URL, or unset it to use the production API".into(),
            ));
        }
        b = b.base_url(url);
    }
    if let Some(raw) = var("PARALLEL_CUSTOM_HEADERS") {
        for (k, v) in parse_custom_headers(&raw)? {
            b = b.header(k, v);
        }
    }
    Ok(b)
}

/// Parses `PARALLEL_CUSTOM_HEADERS`: newline-separated `Name: value` lines.
pub(crate) fn parse_custom_headers(raw: &str) -> Result<Vec<(String, String)>, Error> {
    raw.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| {
                    Error::Config(
                        "PARALLEL_CUSTOM_HEADERS lines must look like `Name: value`".into(),
                    )
                })
        })
        .collect()
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: `PARALLEL_API_KEY`
    /// (required), `PARALLEL_BASE_URL` and `PARALLEL_CUSTOM_HEADERS`
    /// (newline-separated `Name: value` lines). A `PARALLEL_BASE_URL` that
    /// is set but empty is an [`Error::Config`] naming it, never a silent
    /// fall-back to the production API: unset it for that.
    pub fn from_env() -> Result<Client, Error> {
        Client::builder_from_env()?.build()
    }

    /// A builder preset from the environment, to adjust before building.
    pub fn builder_from_env() -> Result<ClientBuilder, Error> {
        builder_from(|name| std::env::var(name).ok())
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The task-group endpoints generation in use.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.version
    }

    /// How many HTTP requests this client (and its clones) has sent,
    /// retries and stream reconnects included.
    pub fn request_count(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// The generated low-level client, for anything this SDK does not cover.
    /// It sends the headers and query parameters of this client's
    /// [`with_options`](Client::with_options), if any; their timeout and
    /// retries are the SDK's own and do not apply to it.
    pub fn raw(&self) -> &parallel_web_api::Client {
        &self.calls.api
    }

    /// A cheap clone whose calls use `options` as their defaults (laid over
    /// this client's own): the same connections, rate budget and request
    /// counter, other timeout, retries, headers, query parameters or betas.
    /// Options given on a request builder are laid over these in turn.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), parallel_web::Error> {
    /// use std::time::Duration;
    /// use parallel_web::{Client, RequestOptions};
    ///
    /// let client = Client::from_env()?;
    /// let patient = client.with_options(
    ///     RequestOptions::new().max_retries(8).timeout(Duration::from_secs(120)),
    /// );
    /// let group = patient.task_groups().create().await?;
    /// # let _ = group; Ok(()) }
    /// ```
    pub fn with_options(&self, options: RequestOptions) -> Client {
        if options.is_empty() {
            return self.clone();
        }
        let settings = self.calls.settings.with(options);
        Client {
            inner: self.inner.clone(),
            calls: Arc::new(Calls::new(&self.inner.api, settings)),
        }
    }

    /// The per-call options of this client view (empty for a client as
    /// built; see [`with_options`](Client::with_options)).
    ///
    /// ```
    /// use parallel_web::{Client, RequestOptions};
    /// let client = Client::builder().api_key("k").build().unwrap();
    /// assert!(client.options().is_empty());
    /// let view = client.with_options(RequestOptions::new().max_retries(0));
    /// assert!(!view.options().is_empty());
    /// ```
    pub fn options(&self) -> &RequestOptions {
        &self.calls.settings.options
    }

    pub(crate) fn call_settings(&self) -> &CallSettings {
        &self.calls.settings
    }
    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.calls.settings.retry
    }
    pub(crate) fn client_betas(&self) -> &[String] {
        &self.calls.settings.betas
    }
    pub(crate) fn stream_settings(&self) -> &StreamSettings {
        &self.inner.stream
    }
    pub(crate) fn add_runs_concurrency(&self) -> usize {
        self.inner.add_runs_concurrency
    }
    pub(crate) fn batch_tags(&self) -> bool {
        self.inner.batch_tags
    }
    /// The settle window of this client's `add_runs` calls (see
    /// [`ClientBuilder::settle_window`]).
    ///
    /// ```
    /// let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// assert_eq!(client.settle_window(), parallel_web::DEFAULT_SETTLE_WINDOW);
    /// ```
    pub fn settle_window(&self) -> Duration {
        self.inner.settle_window
    }
    pub(crate) fn rate_budget(&self) -> &RateBudget {
        &self.inner.budget
    }
    pub(crate) fn count_request(&self) {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_headers_parse_one_per_line() {
        let h = parse_custom_headers("X-One: 1\n\nX-Two:  two words \n").unwrap();
        assert_eq!(
            h,
            [
                ("X-One".to_owned(), "1".to_owned()),
                ("X-Two".to_owned(), "two words".to_owned())
            ]
        );
        assert!(parse_custom_headers("no colon").is_err());
    }

    #[test]
    fn a_base_url_that_is_not_http_is_a_config_error() {
        for url in ["ftp://127.0.0.1:21", "file:///tmp/api", "not a url"] {
            let err = Client::builder()
                .api_key("k")
                .base_url(url)
                .build()
                .unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{url}: {err:?}");
        }
    }

    #[test]
    fn an_empty_base_url_variable_is_a_config_error_naming_it() {
        for empty in ["", "  "] {
            let vars = |name: &str| match name {
                "PARALLEL_API_KEY" => Some("k".to_owned()),
                "PARALLEL_BASE_URL" => Some(empty.to_owned()),
                _ => None,
            };
            let Err(Error::Config(message)) = builder_from(vars) else {
                panic!("{empty:?} was accepted");
            };
            assert!(message.contains("PARALLEL_BASE_URL"), "{message}");
        }
        let vars = |name: &str| match name {
            "PARALLEL_API_KEY" => Some("k".to_owned()),
            "PARALLEL_BASE_URL" => Some(" http://127.0.0.1:8787 ".to_owned()),
            _ => None,
        };
        let client = builder_from(vars).unwrap().build().unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:8787");
    }

    #[test]
    fn a_views_header_and_query_values_never_show_in_debug_output() {
        let client = Client::builder().api_key("k").build().unwrap();
        let view = client.with_options(
            RequestOptions::new()
                .header("x-api-key", "per-call-secret")
                .query("token", "query-secret"),
        );
        let shown = format!("{view:?} {:?}", view.raw());
        assert!(
            shown.contains("x-api-key") && shown.contains("token"),
            "{shown}"
        );
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn a_missing_key_is_a_config_error() {
        let err = Client::builder().build().unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
    }
}
