//! Building a [`Client`] that suits this API: API key, TLS and timeouts.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::{Client, ClientExtras};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.parallel.ai";

/// Time allowed to open a connection. The official SDKs use 5 s; a little
/// more tolerates a slow TLS handshake.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest silence allowed while waiting for response bytes. It must exceed
/// the result long-poll (`GET /v1/tasks/runs/{run_id}/result?timeout=600`
/// sends nothing for up to 600 s), so it is 600 s plus a margin.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(630);

/// The most bytes a non-stream response body may have unless
/// [`ClientConfig::max_response_bytes`] says otherwise: 64 MiB, far above
/// any answer the API sends (results with their basis are the largest, well
/// under a megabyte in practice) and twice the SDK's cap on one event.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 << 20;

/// The header that carries the API key.
const API_KEY_HEADER: &str = "x-api-key";

/// Settings for [`Client`]s built by this crate.
///
/// There is deliberately no total request timeout: event streams stay open
/// for up to an hour and the result long-poll for 10 minutes. Only the
/// connection and each read are bounded.
///
/// ```
/// use std::time::Duration;
/// use parallel_web_api::ClientConfig;
///
/// let client = ClientConfig::new("https://api.parallel.ai", "my-api-key")
///     .connect_timeout(Duration::from_secs(5))
///     .build()
///     .expect("valid settings");
/// # let _ = client;
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    base_url: String,
    api_key: String,
    connect_timeout: Duration,
    read_timeout: Option<Duration>,
    user_agent: String,
    headers: HeaderMap,
    max_response_bytes: u64,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("user_agent", &self.user_agent)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

/// Why a client could not be built.
///
/// ```
/// use parallel_web_api::{ClientConfig, ConfigError};
///
/// let error = ClientConfig::new("https://api.parallel.ai", "bad\nkey").build().unwrap_err();
/// assert!(matches!(error, ConfigError::InvalidApiKey));
/// assert!(!error.to_string().contains("bad"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The API key cannot be sent as an HTTP header value (e.g. it contains a
    /// line break). The key itself is not part of the message.
    #[error("the API key is not a valid HTTP header value")]
    InvalidApiKey,
    /// reqwest rejected the settings.
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// The TLS configuration could not be made (e.g. the platform's
    /// certificate store cannot be read).
    #[error("cannot set up TLS: {0}")]
    Tls(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ClientConfig {
    /// Settings for `base_url` (e.g. [`DEFAULT_BASE_URL`]) and `api_key`,
    /// with the default timeouts.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: api_key.into(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: Some(DEFAULT_READ_TIMEOUT),
            user_agent: concat!("parallel-web-rs/", env!("CARGO_PKG_VERSION")).to_owned(),
            headers: HeaderMap::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Adds a header sent with every request (replacing an earlier one of
    /// the same name). The API key header cannot be replaced this way.
    ///
    /// ```
    /// use parallel_web_api::ClientConfig;
    /// use reqwest::header::{HeaderName, HeaderValue};
    ///
    /// let config = ClientConfig::new("https://api.parallel.ai", "my-api-key").header(
    ///     HeaderName::from_static("parallel-beta"),
    ///     HeaderValue::from_static("events-sse-2025-07-24"),
    /// );
    /// # let _ = config;
    /// ```
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Sets the time allowed to open a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the longest silence allowed between response bytes; `None`
    /// waits forever.
    ///
    /// ```
    /// use std::time::Duration;
    /// use parallel_web_api::ClientConfig;
    ///
    /// // Event streams send keep-alives; a minute of silence means trouble.
    /// let config = ClientConfig::new("https://api.parallel.ai", "my-api-key")
    ///     .read_timeout(Some(Duration::from_secs(60)));
    /// # let _ = config;
    /// ```
    pub fn read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Sets the most bytes a non-stream response body may have (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]). A longer body is not read: the
    /// request fails with [`ResponseTooLarge`](crate::ResponseTooLarge) in
    /// the error's source chain. Event streams are not affected (the SDK
    /// caps each event instead).
    ///
    /// ```
    /// use parallel_web_api::ClientConfig;
    ///
    /// let config = ClientConfig::new("https://api.parallel.ai", "my-api-key")
    ///     .max_response_bytes(8 << 20);
    /// # let _ = config;
    /// ```
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Sets the `User-Agent` header (default: `parallel-web-rs/<version>`).
    ///
    /// ```
    /// use parallel_web_api::ClientConfig;
    ///
    /// let config = ClientConfig::new("https://api.parallel.ai", "my-api-key")
    ///     .user_agent("my-app/1.0");
    /// # let _ = config;
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The base URL requests go to.
    ///
    /// ```
    /// use parallel_web_api::{ClientConfig, DEFAULT_BASE_URL};
    ///
    /// let config = ClientConfig::new(DEFAULT_BASE_URL, "my-api-key");
    /// assert_eq!(config.base_url(), "https://api.parallel.ai");
    /// ```
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Builds the `reqwest::Client`: API key as a default header (marked
    /// sensitive, so it never shows in `Debug` output), TLS as chosen by the
    /// crate features, connect and read timeouts, no total timeout.
    ///
    /// With the `rustls` feature (the default) the client gets its own
    /// rustls configuration with the `ring` provider and the platform's
    /// certificate verifier; nothing is installed process-wide, so other
    /// rustls users in the application keep their own choice. Without it,
    /// the `native-tls` feature gives the platform's TLS library; with
    /// neither, the client speaks plain HTTP only.
    ///
    /// Use it to wrap the HTTP client (e.g. with middleware) before handing
    /// it to [`Client::from_http_client`].
    ///
    /// ```
    /// use parallel_web_api::{Client, ClientConfig, DEFAULT_BASE_URL};
    ///
    /// let config = ClientConfig::new(DEFAULT_BASE_URL, "my-api-key");
    /// let http = config.build_http_client().expect("valid settings");
    /// let client = Client::from_http_client(config.base_url(), http);
    /// # let _ = client;
    /// ```
    pub fn build_http_client(&self) -> Result<reqwest::Client, ConfigError> {
        let mut api_key =
            HeaderValue::from_str(&self.api_key).map_err(|_| ConfigError::InvalidApiKey)?;
        api_key.set_sensitive(true);
        let mut headers = self.headers.clone();
        headers.insert(API_KEY_HEADER, api_key);
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(self.user_agent.clone())
            .connect_timeout(self.connect_timeout)
            .redirect(same_origin_redirects());
        if let Some(read_timeout) = self.read_timeout {
            builder = builder.read_timeout(read_timeout);
        }
        #[cfg(feature = "rustls")]
        {
            builder = builder.tls_backend_preconfigured(rustls_client_config()?);
        }
        Ok(builder.build()?)
    }

    /// Builds the generated [`Client`].
    pub fn build(&self) -> Result<Client, ConfigError> {
        Ok(Client::new_with_client(
            &self.base_url,
            self.build_http_client()?,
            ClientExtras::default().with_max_response_bytes(self.max_response_bytes),
        ))
    }

    /// Builds the generated [`Client`] around a `reqwest::Client` you made
    /// (proxies, middleware, your own TLS): the API key (marked sensitive)
    /// and the extra headers of these settings are added to each request.
    /// The user agent and timeouts are `http`'s own: a `reqwest::Client`
    /// cannot take them after it is built.
    ///
    /// ```
    /// use parallel_web_api::{ClientConfig, DEFAULT_BASE_URL};
    ///
    /// parallel_web_api::install_tls_provider();
    /// let http = reqwest::Client::builder().build().expect("a TLS provider is installed");
    /// let client = ClientConfig::new(DEFAULT_BASE_URL, "my-api-key")
    ///     .build_with_http_client(http)
    ///     .expect("a valid key");
    /// assert!(!format!("{client:?}").contains("my-api-key"));
    /// ```
    pub fn build_with_http_client(&self, http: reqwest::Client) -> Result<Client, ConfigError> {
        let mut headers = self.headers.clone();
        if !self.api_key.is_empty() {
            let mut api_key =
                HeaderValue::from_str(&self.api_key).map_err(|_| ConfigError::InvalidApiKey)?;
            api_key.set_sensitive(true);
            headers.insert(API_KEY_HEADER, api_key);
        }
        Ok(Client::new_with_client(
            &self.base_url,
            http,
            ClientExtras::default()
                .with_headers(headers)
                .with_max_response_bytes(self.max_response_bytes),
        ))
    }
}

/// Redirects are followed only within the origin of the request (same
/// scheme, host and port), at most ten times. On a redirect to another
/// host reqwest drops `Authorization` and cookies, but not a custom header
/// such as `x-api-key`: following it would hand the API key to that host.
/// Such a redirect is returned as the response instead (a 3xx status the
/// caller sees as an error).
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let next = attempt.url();
        let same_origin = attempt.previous().first().is_some_and(|first| {
            first.scheme() == next.scheme()
                && first.host_str() == next.host_str()
                && first.port_or_known_default() == next.port_or_known_default()
        });
        if !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > 10 {
            attempt.error("more than 10 redirects")
        } else {
            attempt.follow()
        }
    })
}

/// The rustls configuration of every client this crate builds: the `ring`
/// provider, rustls's safe default protocol versions (TLS 1.2 and 1.3), the
/// platform's certificate verifier, and the ALPN protocols reqwest would
/// offer itself (`h2` only with the `http2` feature).
///
/// reqwest takes this as a *preconfigured* backend, so it never looks for a
/// process-wide provider. This is what reqwest does with its own `rustls`
/// feature, with `ring` in place of aws-lc-rs.
#[cfg(feature = "rustls")]
fn rustls_client_config() -> Result<rustls::ClientConfig, ConfigError> {
    use std::sync::Arc;

    use rustls_platform_verifier::BuilderVerifierExt;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|e| ConfigError::Tls(Box::new(e)))?
        .with_no_client_auth();
    config.alpn_protocols = vec![
        #[cfg(feature = "http2")]
        b"h2".to_vec(),
        b"http/1.1".to_vec(),
    ];
    Ok(config)
}

/// Makes rustls's `ring` provider the process default, unless a provider is
/// already installed. Only for `reqwest::Client`s you build yourself.
///
/// Clients built by this crate ([`ClientConfig`], [`Client::with_api_key`])
/// do not need it and do not call it: they carry their own TLS
/// configuration. A `reqwest::Client` you build yourself, e.g. for
/// [`Client::from_http_client`], uses the process default when reqwest's
/// `rustls-no-provider` feature is on (as the `rustls` feature of this
/// crate turns it on), and reqwest panics when there is none. This installs
/// one, which affects every user of rustls in the process; skip it if your
/// application installs its own. Calling it again does nothing.
///
/// Without this crate's `rustls` feature it does nothing.
///
/// ```
/// parallel_web_api::install_tls_provider();
/// let http = reqwest::Client::builder().build().expect("a TLS provider is installed");
/// # let _ = http;
/// ```
pub fn install_tls_provider() {
    #[cfg(feature = "rustls")]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another thread that installs one is fine: any
        // installed provider works.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

impl Client {
    /// A client for `base_url` that sends `api_key`, with the default
    /// timeouts of [`ClientConfig`].
    ///
    /// ```
    /// use parallel_web_api::{Client, ClientInfo, DEFAULT_BASE_URL};
    ///
    /// let client = Client::with_api_key(DEFAULT_BASE_URL, "my-api-key").expect("valid key");
    /// assert_eq!(client.baseurl(), DEFAULT_BASE_URL);
    /// ```
    pub fn with_api_key(base_url: &str, api_key: &str) -> Result<Self, ConfigError> {
        ClientConfig::new(base_url, api_key).build()
    }

    /// A client that sends every request through `http`, as it is configured
    /// (headers, timeouts, TLS, proxies). It must add the `x-api-key` header
    /// itself, e.g. as a default header. See [`install_tls_provider`].
    ///
    /// ```
    /// use parallel_web_api::{Client, ClientInfo, DEFAULT_BASE_URL};
    /// use reqwest::header::{HeaderMap, HeaderValue};
    ///
    /// let mut key = HeaderValue::from_static("my-api-key");
    /// key.set_sensitive(true);
    /// let headers = HeaderMap::from_iter([("x-api-key".parse().unwrap(), key)]);
    /// parallel_web_api::install_tls_provider();
    /// let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
    /// let client = Client::from_http_client(DEFAULT_BASE_URL, http);
    /// assert_eq!(client.baseurl(), DEFAULT_BASE_URL);
    /// ```
    pub fn from_http_client(base_url: &str, http: reqwest::Client) -> Self {
        Self::new_with_client(base_url, http, ClientExtras::default())
    }
}
