//! Web search: `client.search()`, a builder for `POST /v1/search`, and the
//! checks of the limits the API documents, made before anything is sent.
//! The checks extract shares (session id, source and fetch policies) live
//! here too; extract itself is in `extract.rs`.
//!
//! Only the GA shape is on this surface. The beta-era `POST /v1beta/search`
//! takes an older request shape (settings at the top level, the `one-shot`
//! and `agentic` modes) that `/v1/search` covers; it stays reachable as the
//! generated `client.raw().beta_search()`.

use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::spec::wire::built;
use crate::types::{
    AdvancedSearchSettings, FetchPolicy, SourcePolicy, V1ExcerptSettings, V1SearchRequest,
    V1SearchRequestSessionId,
};
use crate::{Client, Error, RequestOptions};

/// What a search answers: the pages found (most relevant first, each with
/// its excerpts), warnings, usage and the session id to pass on.
pub type SearchResponse = crate::types::V1SearchResponse;

/// One page of a [`SearchResponse`].
pub type SearchResult = crate::types::V1WebSearchResult;

/// The speed-versus-quality preset of a search (`turbo`, `fast`, `basic`,
/// `advanced`; the API's default is `advanced`).
pub type SearchMode = crate::types::V1SearchRequestMode;

/// The most characters a session id may have (documented).
pub const MAX_SESSION_ID_CHARS: usize = 1000;

/// The most entries `include_domains` and `exclude_domains` may hold
/// together (documented).
pub const MAX_POLICY_DOMAINS: usize = 200;

/// The smallest `max_age_seconds` a fetch policy accepts (documented: ten
/// minutes).
pub const MIN_FETCH_MAX_AGE_SECONDS: i64 = 600;

impl Client {
    /// Starts a web search; give it at least one keyword query.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let found = client
    ///     .search()
    ///     .objective("Recent grid-scale battery storage projects in Europe")
    ///     .queries(["grid battery storage Europe", "BESS project 2025"])
    ///     .max_results(5)
    ///     .await?;
    /// for page in &found.results {
    ///     println!("{} {}", page.url, page.title.as_deref().unwrap_or(""));
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// A search changes nothing on the server, so a failure after the
    /// request may have reached it (timeout, reset, 5xx) is retried like a
    /// read.
    pub fn search(&self) -> Search {
        Search {
            client: self.clone(),
            objective: None,
            queries: Vec::new(),
            mode: None,
            max_chars_total: None,
            session_id: None,
            client_model: None,
            source_policy: None,
            include_domains: Vec::new(),
            exclude_domains: Vec::new(),
            fetch_policy: None,
            max_chars_per_result: None,
            location: None,
            max_results: None,
            options: RequestOptions::new(),
        }
    }
}

/// Builder for one search; `.await` (or [`send`](Search::send)) sends it.
#[derive(Debug, Clone)]
#[must_use]
pub struct Search {
    client: Client,
    objective: Option<String>,
    queries: Vec<String>,
    mode: Option<SearchMode>,
    max_chars_total: Option<u32>,
    session_id: Option<String>,
    client_model: Option<String>,
    source_policy: Option<SourcePolicy>,
    include_domains: Vec<String>,
    exclude_domains: Vec<String>,
    fetch_policy: Option<FetchPolicy>,
    max_chars_per_result: Option<u32>,
    location: Option<String>,
    max_results: Option<u32>,
    options: RequestOptions,
}

impl Search {
    /// What the search is for, in plain language with enough context to
    /// stand alone; it steers which pages and excerpts are chosen.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let search = client.search().objective("Who makes the most efficient heat pumps?").query("heat pump COP ranking");
    /// # let _ = search;
    /// ```
    pub fn objective(mut self, objective: impl Into<String>) -> Self {
        self.objective = Some(objective.into());
        self
    }

    /// Adds one keyword query (a few words). At least one is needed; two or
    /// three work best.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let search = client.search().query("rust async runtime").query("tokio vs smol");
    /// # let _ = search;
    /// ```
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.queries.push(query.into());
        self
    }

    /// Adds several keyword queries.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let search = client.search().queries(["solar tariffs 2025", "feed-in tariff Germany"]);
    /// # let _ = search;
    /// ```
    pub fn queries<I, S>(mut self, queries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.queries.extend(queries.into_iter().map(Into::into));
        self
    }

    /// The speed-versus-quality preset.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// use parallel_web::SearchMode;
    /// let search = client.search().query("ECB rate decision").mode(SearchMode::Fast);
    /// # let _ = search;
    /// ```
    pub fn mode(mut self, mode: SearchMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// The most characters of excerpts over all results together.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let search = client.search().query("CRISPR trials").max_chars_total(8_000);
    /// # let _ = search;
    /// ```
    pub fn max_chars_total(mut self, chars: u32) -> Self {
        self.max_chars_total = Some(chars);
        self
    }

    /// Ties this search to earlier search and extract calls of the same
    /// task: pass the `session_id` an earlier response returned (at most
    /// [`MAX_SESSION_ID_CHARS`] characters).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let search = client.search().query("follow-up question").session_id("session_0f3c9d2e");
    /// # let _ = search;
    /// ```
    pub fn session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// The model that will read the results, so the service can tune its
    /// defaults for it.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let search = client.search().query("rust 2024 edition").client_model("gpt-5.4");
    /// # let _ = search;
    /// ```
    pub fn client_model(mut self, model: impl Into<String>) -> Self {
        self.client_model = Some(model.into());
        self
    }

    /// The whole source policy (domains and earliest publication date);
    /// [`include_domains`](Self::include_domains) and
    /// [`exclude_domains`](Self::exclude_domains) add to its lists.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// use parallel_web::types::SourcePolicy;
    /// let policy: SourcePolicy = serde_json::from_value(serde_json::json!({
    ///     "include_domains": ["europa.eu"],
    ///     "after_date": "2025-01-01"
    /// }))
    /// .unwrap();
    /// let search = client.search().query("EU AI act guidance").source_policy(policy);
    /// # let _ = search;
    /// ```
    pub fn source_policy(mut self, policy: SourcePolicy) -> Self {
        self.source_policy = Some(policy);
        self
    }

    /// Uses only these domains (`example.com` with its subdomains, or a
    /// suffix such as `.gov`).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let search = client.search().query("flood maps").include_domains([".gov", "europa.eu"]);
    /// # let _ = search;
    /// ```
    pub fn include_domains<I, S>(mut self, domains: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.include_domains
            .extend(domains.into_iter().map(Into::into));
        self
    }

    /// Never uses these domains (ignored by the service when
    /// `include_domains` is not empty).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let search = client.search().query("rust web frameworks").exclude_domains(["reddit.com"]);
    /// # let _ = search;
    /// ```
    pub fn exclude_domains<I, S>(mut self, domains: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exclude_domains
            .extend(domains.into_iter().map(Into::into));
        self
    }

    /// When to fetch pages live instead of serving them from the cache
    /// (`max_age_seconds` at least [`MIN_FETCH_MAX_AGE_SECONDS`]).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// use parallel_web::types::FetchPolicy;
    /// let fresh: FetchPolicy = FetchPolicy::builder().max_age_seconds(Some(3600)).try_into().unwrap();
    /// let search = client.search().query("today's ECB statement").fetch_policy(fresh);
    /// # let _ = search;
    /// ```
    pub fn fetch_policy(mut self, policy: FetchPolicy) -> Self {
        self.fetch_policy = Some(policy);
        self
    }

    /// The most excerpt characters per result (the service raises values
    /// under 1,000 to 1,000).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let search = client.search().query("graphene batteries").max_chars_per_result(1500);
    /// # let _ = search;
    /// ```
    pub fn max_chars_per_result(mut self, chars: u32) -> Self {
        self.max_chars_per_result = Some(chars);
        self
    }

    /// Targets results at a country (two-letter ISO 3166-1 code).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let search = client.search().query("public holidays 2026").location("de");
    /// # let _ = search;
    /// ```
    pub fn location(mut self, country: impl Into<String>) -> Self {
        self.location = Some(country.into());
        self
    }

    /// The most results to return (the API's default is 10).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let search = client.search().query("open source LLM benchmarks").max_results(20);
    /// # let _ = search;
    /// ```
    pub fn max_results(mut self, n: u32) -> Self {
        self.max_results = Some(n);
        self
    }

    /// The request body this builder sends, after the checks of the
    /// documented limits; nothing is sent.
    ///
    /// ```
    /// let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let body = client.search().query("rust").max_results(3).body().unwrap();
    /// assert_eq!(body.search_queries, ["rust"]);
    /// let empty = client.search().objective("only an objective").body();
    /// assert!(matches!(empty, Err(parallel_web::Error::InvalidInput { .. })));
    /// ```
    pub fn body(&self) -> Result<V1SearchRequest, Error> {
        if self.queries.is_empty() {
            let hint = if self
                .objective
                .as_deref()
                .is_some_and(|o| !o.trim().is_empty())
            {
                "the objective alone is not enough"
            } else {
                "neither an objective nor a query was given"
            };
            return Err(invalid(
                "search_queries",
                format!(
                    "at least one search query is required ({hint}); add two or three short \
                     keyword queries with `.query(..)`"
                ),
            ));
        }
        if let Some(i) = self.queries.iter().position(|q| q.trim().is_empty()) {
            return Err(invalid(
                format!("search_queries[{i}]"),
                "the query is empty; give a few keywords or leave it out",
            ));
        }
        let session_id = self
            .session_id
            .as_deref()
            .map(|s| {
                check_session_id(s)?;
                V1SearchRequestSessionId::try_from(s)
                    .map_err(|e| invalid("session_id", e.to_string()))
            })
            .transpose()?;
        let source_policy = merged_policy(
            self.source_policy.as_ref(),
            &self.include_domains,
            &self.exclude_domains,
        );
        if let Some(policy) = &source_policy {
            check_source_policy(policy, "advanced_settings.source_policy")?;
        }
        if let Some(policy) = &self.fetch_policy {
            check_fetch_policy(policy, "advanced_settings.fetch_policy")?;
        }
        let advanced = source_policy.is_some()
            || self.fetch_policy.is_some()
            || self.max_chars_per_result.is_some()
            || self.location.is_some()
            || self.max_results.is_some();
        let advanced_settings = advanced.then(|| -> AdvancedSearchSettings {
            built(
                AdvancedSearchSettings::builder()
                    .source_policy(source_policy.clone())
                    .fetch_policy(self.fetch_policy.clone())
                    .excerpt_settings(self.max_chars_per_result.map(excerpt_settings))
                    .location(self.location.clone())
                    .max_results(self.max_results.map(i64::from)),
            )
        });
        Ok(built(
            V1SearchRequest::builder()
                .objective(self.objective.clone())
                .search_queries(self.queries.clone())
                .mode(self.mode)
                .max_chars_total(self.max_chars_total.map(i64::from))
                .session_id(session_id)
                .client_model(self.client_model.clone())
                .advanced_settings(advanced_settings),
        ))
    }

    /// Checks the limits, then searches.
    pub async fn send(self) -> Result<SearchResponse, Error> {
        let body = self.body()?;
        let client = self.client.with_options(self.options);
        Ok(
            versioned!(&client, Call::read, search, |b| b.body(body.clone()))
                .await?
                .into_inner(),
        )
    }
}

request_builder!(Search => SearchResponse, options: options);

/// Excerpt settings with a per-result bound.
pub(crate) fn excerpt_settings(chars: u32) -> V1ExcerptSettings {
    built(V1ExcerptSettings::builder().max_chars_per_result(Some(i64::from(chars))))
}

/// An [`Error::InvalidInput`] for `field`.
pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
    Error::InvalidInput {
        index: None,
        field: field.into(),
        message: message.into(),
    }
}

/// A session id within [`MAX_SESSION_ID_CHARS`].
pub(crate) fn check_session_id(session_id: &str) -> Result<(), Error> {
    let chars = session_id.chars().count();
    if chars > MAX_SESSION_ID_CHARS {
        return Err(invalid(
            "session_id",
            format!(
                "the session id has {chars} characters; at most {MAX_SESSION_ID_CHARS} are \
                 allowed (pass the `session_id` a response returned)"
            ),
        ));
    }
    Ok(())
}

/// `policy` with `include` and `exclude` added to its lists (none when
/// nothing is set).
fn merged_policy(
    policy: Option<&SourcePolicy>,
    include: &[String],
    exclude: &[String],
) -> Option<SourcePolicy> {
    if policy.is_none() && include.is_empty() && exclude.is_empty() {
        return None;
    }
    let mut merged = policy
        .cloned()
        .unwrap_or_else(|| built(SourcePolicy::builder()));
    merged.include_domains.extend(include.iter().cloned());
    merged.exclude_domains.extend(exclude.iter().cloned());
    Some(merged)
}

/// A source policy within [`MAX_POLICY_DOMAINS`].
fn check_source_policy(policy: &SourcePolicy, field: &str) -> Result<(), Error> {
    let n = policy.include_domains.len() + policy.exclude_domains.len();
    if n > MAX_POLICY_DOMAINS {
        return Err(invalid(
            field,
            format!(
                "include_domains and exclude_domains hold {n} entries together; at most \
                 {MAX_POLICY_DOMAINS} are allowed (use a suffix such as `.gov` for many domains)"
            ),
        ));
    }
    Ok(())
}

/// A fetch policy whose `max_age_seconds` is at least the documented minimum.
pub(crate) fn check_fetch_policy(policy: &FetchPolicy, field: &str) -> Result<(), Error> {
    if let Some(age) = policy.max_age_seconds
        && age < MIN_FETCH_MAX_AGE_SECONDS
    {
        return Err(invalid(
            format!("{field}.max_age_seconds"),
            format!(
                "max_age_seconds is {age}; the smallest accepted value is \
                 {MIN_FETCH_MAX_AGE_SECONDS} (ten minutes)"
            ),
        ));
    }
    Ok(())
}
