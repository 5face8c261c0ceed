//! The client: configuration, and the one place every request goes through
//! (retries, the run-creation rate budget, tracing, the request counter).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parallel_web_api::{ResponseValue, types};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::ApiError;
use crate::rate_budget::RateBudget;
use crate::stream::ResumeSettings;
use crate::{Error, RetryPolicy};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.parallel.ai";
/// Run-creating POSTs allowed per minute by default (the documented limit).
pub const DEFAULT_RUN_POSTS_PER_MINUTE: u32 = 2_000;

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
    inner: Arc<Inner>,
}

struct Inner {
    api: parallel_web_api::Client,
    base_url: String,
    version: ApiVersion,
    retry: RetryPolicy,
    betas: Vec<String>,
    stream: ResumeSettings,
    budget: RateBudget,
    add_runs_concurrency: usize,
    batch_tags: bool,
    requests: AtomicU64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &"<redacted>")
            .field("version", &self.inner.version)
            .field("retry", &self.inner.retry)
            .field("betas", &self.inner.betas)
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
    stream: ResumeSettings,
    run_posts_per_minute: u32,
    add_runs_concurrency: usize,
    batch_tags: bool,
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
            stream: ResumeSettings::default(),
            run_posts_per_minute: DEFAULT_RUN_POSTS_PER_MINUTE,
            add_runs_concurrency: 4,
            batch_tags: true,
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

    /// Sends requests through this `reqwest::Client` as it is configured.
    /// It must send the `x-api-key` header itself (as a default header);
    /// the key, timeouts and extra headers of this builder are then unused.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Reconnect an event stream when no event arrived for this long
    /// (default 120 s; keep-alive comments do not count). `None` never does.
    pub fn stream_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.stream.idle_timeout = timeout;
        self
    }

    /// Consecutive failed reconnects before an event stream gives up (default 8).
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

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let http = match self.http {
            Some(h) => h,
            None => {
                let key = self
                    .api_key
                    .as_deref()
                    .filter(|k| !k.trim().is_empty())
                    .ok_or_else(|| {
                        Error::Config("no API key: set PARALLEL_API_KEY or call .api_key()".into())
                    })?;
                let mut headers = HeaderMap::new();
                for (k, v) in &self.headers {
                    let name = HeaderName::from_bytes(k.trim().as_bytes())
                        .map_err(|_| Error::Config(format!("invalid header name {k:?}")))?;
                    let value = HeaderValue::from_str(v.trim())
                        .map_err(|_| Error::Config(format!("invalid value for header {k:?}")))?;
                    headers.insert(name, value);
                }
                let mut key = HeaderValue::from_str(key)
                    .map_err(|_| Error::Config("the API key is not a valid header value".into()))?;
                key.set_sensitive(true);
                headers.insert("x-api-key", key);
                parallel_web_api::install_tls_provider();
                let mut b = reqwest::Client::builder()
                    .default_headers(headers)
                    .user_agent(concat!("parallel-web-rs/", env!("CARGO_PKG_VERSION")))
                    .connect_timeout(self.connect_timeout);
                if let Some(t) = self.read_timeout {
                    b = b.read_timeout(t);
                }
                b.build()
                    .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?
            }
        };
        reqwest::Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("invalid base URL {:?}: {e}", self.base_url)))?;
        Ok(Client {
            inner: Arc::new(Inner {
                api: parallel_web_api::Client::from_http_client(&self.base_url, http),
                base_url: self.base_url,
                version: self.version,
                retry: self.retry,
                betas: self.betas,
                stream: self.stream,
                budget: RateBudget::new(self.run_posts_per_minute),
                add_runs_concurrency: self.add_runs_concurrency,
                batch_tags: self.batch_tags,
                requests: AtomicU64::new(0),
            }),
        })
    }
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

/// What the request layer needs to know about one operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call {
    pub op: &'static str,
    /// Safe to repeat after an ambiguous failure.
    pub idempotent: bool,
    /// Counts against the run-creation rate budget.
    pub creates_runs: bool,
    /// A long-poll: HTTP 408 means "not yet" and is returned at once.
    pub long_poll: bool,
}

impl Call {
    pub(crate) const fn read(op: &'static str) -> Call {
        Call {
            op,
            idempotent: true,
            creates_runs: false,
            long_poll: false,
        }
    }
    pub(crate) const fn create_runs(op: &'static str) -> Call {
        Call {
            op,
            idempotent: false,
            creates_runs: true,
            long_poll: false,
        }
    }
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: `PARALLEL_API_KEY`
    /// (required), `PARALLEL_BASE_URL` and `PARALLEL_CUSTOM_HEADERS`
    /// (newline-separated `Name: value` lines).
    pub fn from_env() -> Result<Client, Error> {
        Client::builder_from_env()?.build()
    }

    /// A builder preset from the environment, to adjust before building.
    pub fn builder_from_env() -> Result<ClientBuilder, Error> {
        let mut b = Client::builder();
        if let Ok(key) = std::env::var("PARALLEL_API_KEY") {
            b = b.api_key(key);
        }
        if let Ok(url) = std::env::var("PARALLEL_BASE_URL").map(|u| u.trim().to_owned())
            && !url.is_empty()
        {
            b = b.base_url(url);
        }
        if let Ok(raw) = std::env::var("PARALLEL_CUSTOM_HEADERS") {
            for (k, v) in parse_custom_headers(&raw)? {
                b = b.header(k, v);
            }
        }
        Ok(b)
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
    pub fn raw(&self) -> &parallel_web_api::Client {
        &self.inner.api
    }

    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }
    pub(crate) fn client_betas(&self) -> &[String] {
        &self.inner.betas
    }
    pub(crate) fn stream_settings(&self) -> &ResumeSettings {
        &self.inner.stream
    }
    pub(crate) fn add_runs_concurrency(&self) -> usize {
        self.inner.add_runs_concurrency
    }
    pub(crate) fn batch_tags(&self) -> bool {
        self.inner.batch_tags
    }

    /// Sends one operation with retries, the rate budget, a tracing span and
    /// the request counter. `attempt` builds and sends one try (through
    /// [`Client::raw`]).
    pub(crate) async fn execute<T, F, Fut>(
        &self,
        call: Call,
        mut attempt: F,
    ) -> Result<ResponseValue<T>, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, parallel_web_api::Error<types::ApiError>>>,
    {
        let mut retries = 0;
        loop {
            if call.creates_runs {
                self.inner.budget.acquire().await;
            }
            self.inner.requests.fetch_add(1, Ordering::Relaxed);
            let span = tracing::info_span!(
                "parallel.request",
                operation = call.op,
                attempt = retries + 1,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            );
            let started = Instant::now();
            let result = match attempt().instrument(span.clone()).await {
                Ok(v) => Ok(v),
                Err(e) => Err(convert_error(call.op, e).await),
            };
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            match &result {
                Ok(v) => span.record("status", v.status().as_u16()),
                Err(e) => span.record("status", e.status().unwrap_or(0)),
            };
            match result {
                Ok(v) => return Ok(v),
                Err(e) if call.long_poll && e.status() == Some(408) => return Err(e),
                Err(e) => match self.inner.retry.next_delay(&e, retries, call.idempotent) {
                    Some(delay) => {
                        span.in_scope(|| tracing::info!(error = %e, ?delay, "retrying"));
                        tokio::time::sleep(delay).await;
                        retries += 1;
                    }
                    None => return Err(e),
                },
            }
        }
    }
}

/// Maps the generated client's error into ours, reading the body of
/// undocumented responses so the server's message is not lost.
pub(crate) async fn convert_error(
    op: &'static str,
    e: parallel_web_api::Error<types::ApiError>,
) -> Error {
    use parallel_web_api::Error as E;
    match e {
        E::ErrorResponse(rv) => {
            let body = serde_json::to_string(rv.as_ref()).unwrap_or_default();
            Error::from_response(ApiError::from_parts(
                op,
                rv.status().as_u16(),
                rv.headers(),
                &body,
            ))
        }
        E::UnexpectedResponse(resp) => {
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = resp.text().await.unwrap_or_default();
            if (200..300).contains(&status) {
                return Error::Decode {
                    what: format!("{op} response (HTTP {status})"),
                    message: "unexpected success status".into(),
                    raw: body,
                };
            }
            Error::from_response(ApiError::from_parts(op, status, &headers, &body))
        }
        E::CommunicationError(e) | E::ResponseBodyError(e) | E::InvalidUpgrade(e) => {
            transport_error(op, e)
        }
        E::InvalidResponsePayload(bytes, err) => Error::Decode {
            what: format!("{op} response"),
            message: err.to_string(),
            raw: String::from_utf8_lossy(&bytes).into_owned(),
        },
        E::InvalidRequest(msg) => Error::input(None, "request", msg),
        E::Custom(msg) => Error::Config(msg),
    }
}

pub(crate) fn transport_error(op: &'static str, e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::Timeout {
            operation: op,
            source: e,
        }
    } else {
        Error::Connection {
            operation: op,
            before_sending: e.is_connect(),
            source: e,
        }
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
    fn a_missing_key_is_a_config_error() {
        let err = Client::builder().build().unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
    }
}
