//! Reading given pages: `client.extract(urls)`, a builder for
//! `POST /v1/extract`, and [`ExtractResponse`], where the pages that could
//! not be read are part of a successful answer, not an `Err`.
//!
//! Only the GA shape is on this surface (see `search.rs` for why); the
//! beta-era `POST /v1beta/extract` stays reachable as the generated
//! `client.raw().beta_extract()`.

use std::ops::Deref;

use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::search::{check_fetch_policy, check_session_id, excerpt_settings, invalid};
use crate::spec::wire::built;
use crate::types::{
    AdvancedExtractSettings, AdvancedExtractSettingsFullContent, ExtractError, FetchPolicy,
    FullContentSettings, V1ExtractRequest, V1ExtractRequestSessionId, V1ExtractResponse,
    V1ExtractResult,
};
use crate::{Client, Error, RequestOptions};

/// The most URLs one extract call takes (documented).
pub const MAX_EXTRACT_URLS: usize = 20;

/// One page that was read.
pub type ExtractResult = V1ExtractResult;

impl Client {
    /// Starts reading `urls` (1 to [`MAX_EXTRACT_URLS`] `http(s)` URLs).
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let read = client
    ///     .extract(["https://www.example.com/report", "https://www.example.org/notes"])
    ///     .objective("What do they say about battery costs?")
    ///     .await?;
    /// for page in read.results() {
    ///     println!("{}: {} excerpts", page.url, page.excerpts.len());
    /// }
    /// for failed in read.errors() {
    ///     println!("{} could not be read: {}", failed.url, failed.error_type);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Reading pages changes nothing on the server, so a failure after the
    /// request may have reached it is retried like a read.
    pub fn extract<I, S>(&self, urls: I) -> Extract
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Extract {
            client: self.clone(),
            urls: urls.into_iter().map(Into::into).collect(),
            objective: None,
            queries: Vec::new(),
            max_chars_total: None,
            session_id: None,
            client_model: None,
            fetch_policy: None,
            max_chars_per_result: None,
            full_content: None,
            options: RequestOptions::new(),
        }
    }
}

/// Builder for one extract call; `.await` (or [`send`](Extract::send)) sends it.
#[derive(Debug, Clone)]
#[must_use]
pub struct Extract {
    client: Client,
    urls: Vec<String>,
    objective: Option<String>,
    queries: Vec<String>,
    max_chars_total: Option<u32>,
    session_id: Option<String>,
    client_model: Option<String>,
    fetch_policy: Option<FetchPolicy>,
    max_chars_per_result: Option<u32>,
    full_content: Option<AdvancedExtractSettingsFullContent>,
    options: RequestOptions,
}

impl Extract {
    /// What the content is needed for; the excerpts are chosen to serve it.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let extract = client.extract(["https://www.example.com"]).objective("Pricing of the pro plan");
    /// # let _ = extract;
    /// ```
    pub fn objective(mut self, objective: impl Into<String>) -> Self {
        self.objective = Some(objective.into());
        self
    }

    /// Adds one keyword query that, with the objective, picks the excerpts.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let extract = client.extract(["https://www.example.com"]).query("pro plan price");
    /// # let _ = extract;
    /// ```
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.queries.push(query.into());
        self
    }

    /// Adds several keyword queries.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let extract = client.extract(["https://www.example.com"]).queries(["pricing", "discounts"]);
    /// # let _ = extract;
    /// ```
    pub fn queries<I, S>(mut self, queries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.queries.extend(queries.into_iter().map(Into::into));
        self
    }

    /// The most characters of excerpts over all pages together.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let extract = client.extract(["https://www.example.com"]).max_chars_total(5_000);
    /// # let _ = extract;
    /// ```
    pub fn max_chars_total(mut self, chars: u32) -> Self {
        self.max_chars_total = Some(chars);
        self
    }

    /// Ties this call to earlier search and extract calls of the same task
    /// (the `session_id` a response returned).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let extract = client.extract(["https://www.example.com"]).session_id("session_0f3c9d2e");
    /// # let _ = extract;
    /// ```
    pub fn session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// The model that will read the content.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let extract = client.extract(["https://www.example.com"]).client_model("claude-opus-4-7");
    /// # let _ = extract;
    /// ```
    pub fn client_model(mut self, model: impl Into<String>) -> Self {
        self.client_model = Some(model.into());
        self
    }

    /// When to fetch pages live instead of serving them from the cache.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// use parallel_web::types::FetchPolicy;
    /// let live: FetchPolicy = FetchPolicy::builder().max_age_seconds(Some(600)).try_into().unwrap();
    /// let extract = client.extract(["https://www.example.com"]).fetch_policy(live);
    /// # let _ = extract;
    /// ```
    pub fn fetch_policy(mut self, policy: FetchPolicy) -> Self {
        self.fetch_policy = Some(policy);
        self
    }

    /// The most excerpt characters per page (the service raises values
    /// under 1,000 to 1,000).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let extract = client.extract(["https://www.example.com"]).max_chars_per_result(2_000);
    /// # let _ = extract;
    /// ```
    pub fn max_chars_per_result(mut self, chars: u32) -> Self {
        self.max_chars_per_result = Some(chars);
        self
    }

    /// Also returns each page's full text (off by default).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let extract = client.extract(["https://www.example.com"]).full_content(true);
    /// # let _ = extract;
    /// ```
    pub fn full_content(mut self, on: bool) -> Self {
        self.full_content = Some(AdvancedExtractSettingsFullContent::Boolean(on));
        self
    }

    /// Returns each page's full text, cut at `chars` characters.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let extract = client.extract(["https://www.example.com"]).full_content_max_chars(20_000);
    /// # let _ = extract;
    /// ```
    pub fn full_content_max_chars(mut self, chars: u32) -> Self {
        let settings: FullContentSettings =
            built(FullContentSettings::builder().max_chars_per_result(Some(i64::from(chars))));
        self.full_content = Some(AdvancedExtractSettingsFullContent::FullContentSettings(
            settings,
        ));
        self
    }

    /// The request body this builder sends, after the checks of the
    /// documented limits (and that every URL is an `http(s)` URL); nothing
    /// is sent.
    ///
    /// ```
    /// let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let body = client.extract(["https://www.example.com"]).body().unwrap();
    /// assert_eq!(body.urls, ["https://www.example.com"]);
    /// let bad = client.extract(["www.example.com"]).body();
    /// assert!(matches!(bad, Err(parallel_web::Error::InvalidInput { index: Some(0), .. })));
    /// ```
    pub fn body(&self) -> Result<V1ExtractRequest, Error> {
        if self.urls.is_empty() {
            return Err(invalid(
                "urls",
                "no URL was given; pass 1 to 20 page addresses",
            ));
        }
        if self.urls.len() > MAX_EXTRACT_URLS {
            return Err(invalid(
                "urls",
                format!(
                    "{} URLs were given; at most {MAX_EXTRACT_URLS} are allowed per call \
                     (split them across several calls)",
                    self.urls.len()
                ),
            ));
        }
        for (i, url) in self.urls.iter().enumerate() {
            check_url(url).map_err(|message| Error::InvalidInput {
                index: Some(i),
                field: "urls".into(),
                message,
            })?;
        }
        let session_id = self
            .session_id
            .as_deref()
            .map(|s| {
                check_session_id(s)?;
                V1ExtractRequestSessionId::try_from(s)
                    .map_err(|e| invalid("session_id", e.to_string()))
            })
            .transpose()?;
        if let Some(policy) = &self.fetch_policy {
            check_fetch_policy(policy, "advanced_settings.fetch_policy")?;
        }
        let advanced = self.fetch_policy.is_some()
            || self.max_chars_per_result.is_some()
            || self.full_content.is_some();
        let advanced_settings = advanced.then(|| -> AdvancedExtractSettings {
            built(
                AdvancedExtractSettings::builder()
                    .fetch_policy(self.fetch_policy.clone())
                    .excerpt_settings(self.max_chars_per_result.map(excerpt_settings))
                    .full_content(self.full_content.clone().unwrap_or_default()),
            )
        });
        Ok(built(
            V1ExtractRequest::builder()
                .urls(self.urls.clone())
                .objective(self.objective.clone())
                .search_queries((!self.queries.is_empty()).then(|| self.queries.clone()))
                .max_chars_total(self.max_chars_total.map(i64::from))
                .session_id(session_id)
                .client_model(self.client_model.clone())
                .advanced_settings(advanced_settings),
        ))
    }

    /// Checks the limits, then reads the pages.
    pub async fn send(self) -> Result<ExtractResponse, Error> {
        let body = self.body()?;
        let client = self.client.with_options(self.options);
        let inner = versioned!(&client, Call::read, extract, |b| b.body(body.clone()))
            .await?
            .into_inner();
        Ok(ExtractResponse { inner })
    }
}

request_builder!(Extract => ExtractResponse, options: options);

/// `Ok` for an absolute `http` or `https` URL with a host, else why not.
fn check_url(text: &str) -> Result<(), String> {
    let parsed = url::Url::parse(text).map_err(|e| {
        format!("{text:?} is not a URL ({e}); give a full address such as https://example.com/page")
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!(
            "{text:?} is not an http(s) URL with a host; give a full address such as \
             https://example.com/page"
        ));
    }
    Ok(())
}

/// What an extract call answers: the pages read ([`results`](Self::results))
/// and, as part of the same success, the pages that could not be read
/// ([`errors`](Self::errors)). Derefs to the wire type for the other fields
/// (`extract_id`, `session_id`, `warnings`, `usage`).
///
/// ```no_run
/// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
/// let read = client.extract(["https://www.example.com", "https://unreachable.example"]).await?;
/// if !read.is_complete() {
///     for failed in read.errors() {
///         eprintln!("{}: {} ({:?})", failed.url, failed.error_type, failed.http_status_code);
///     }
/// }
/// println!("session {}", read.session_id);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ExtractResponse {
    inner: V1ExtractResponse,
}

impl ExtractResponse {
    /// The pages that were read, in the order the service returned them.
    ///
    /// ```no_run
    /// # async fn demo(read: parallel_web::ExtractResponse) {
    /// let titles: Vec<_> = read.results().iter().filter_map(|p| p.title.as_deref()).collect();
    /// # let _ = titles; }
    /// ```
    pub fn results(&self) -> &[ExtractResult] {
        &self.inner.results
    }

    /// The pages that could not be read, one entry each (empty when all were).
    ///
    /// ```no_run
    /// # async fn demo(read: parallel_web::ExtractResponse) {
    /// let missing: Vec<&str> = read.errors().iter().map(|e| e.url.as_str()).collect();
    /// # let _ = missing; }
    /// ```
    pub fn errors(&self) -> &[ExtractError] {
        &self.inner.errors
    }

    /// True when every requested page was read.
    ///
    /// ```no_run
    /// # async fn demo(read: parallel_web::ExtractResponse) {
    /// assert_eq!(read.is_complete(), read.errors().is_empty());
    /// # }
    /// ```
    pub fn is_complete(&self) -> bool {
        self.inner.errors.is_empty()
    }

    /// The result for `url`, if that page was read.
    ///
    /// ```no_run
    /// # async fn demo(read: parallel_web::ExtractResponse) {
    /// if let Some(page) = read.result_for("https://www.example.com") {
    ///     println!("{:?}", page.full_content);
    /// }
    /// # }
    /// ```
    pub fn result_for(&self, url: &str) -> Option<&ExtractResult> {
        self.inner.results.iter().find(|r| r.url == url)
    }

    /// The wire response, whole.
    ///
    /// ```no_run
    /// # async fn demo(read: parallel_web::ExtractResponse) {
    /// let wire: parallel_web::types::V1ExtractResponse = read.into_inner();
    /// # let _ = wire; }
    /// ```
    pub fn into_inner(self) -> V1ExtractResponse {
        self.inner
    }
}

impl Deref for ExtractResponse {
    type Target = V1ExtractResponse;

    fn deref(&self) -> &V1ExtractResponse {
        &self.inner
    }
}
