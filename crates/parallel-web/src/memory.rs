//! Memory (beta): `client.memory()`, the scopes in which task runs,
//! monitors and FindAll runs created with a `memory_scope_key` are
//! remembered: retrieve what a scope holds, evict one memory, clear a
//! scope. The calls send the `parallel-beta` value the official SDK sends
//! with them ([`MEMORY_BETA`]).

use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::search::invalid;
use crate::spec::wire::built;
use crate::types::{
    MemoryClearRequest, MemoryEvictRequest, MemoryEvictRequestKind, MemoryRetrieveRequest,
    MemoryRetrieveRequestKind, MemoryRetrieveResponseResultsItem,
};
use crate::{Client, Error, RequestOptions};

/// The `parallel-beta` value sent with memory calls.
pub const MEMORY_BETA: &str = "search-extract-2025-10-10";

/// The most memories one retrieve returns in the SDK's checks.
pub const MAX_MEMORY_RESULTS: u32 = 100;

impl Client {
    /// Memory scopes (beta): retrieve, evict and clear.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let found = client.memory().retrieve().scope("team-a").query("battery recycling").await?;
    /// println!("{} memories", found.len());
    /// # Ok(()) }
    /// ```
    pub fn memory(&self) -> Memory {
        Memory {
            client: self.clone(),
        }
    }
}

/// The memory scopes of an account (beta); from [`Client::memory`].
#[derive(Debug, Clone)]
pub struct Memory {
    client: Client,
}

/// One remembered task run, monitor or FindAll run.
pub type MemoryItem = MemoryRetrieveResponseResultsItem;

/// What a memory is of: a task run, a monitor or a FindAll run.
pub type MemoryKind = MemoryEvictRequestKind;

impl Memory {
    /// Starts a retrieve: the best matches of a query, or the most recent.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let recent = client.memory().retrieve().scope("team-a").limit(5);
    /// # let _ = recent;
    /// ```
    pub fn retrieve(&self) -> RetrieveMemory {
        RetrieveMemory {
            client: self.client.clone(),
            body: MemoryRetrieveRequest::builder(),
            limit: None,
            options: RequestOptions::new(),
        }
    }

    /// Forgets everything in `scope` (`None`: the personal scope). The runs
    /// and monitors themselves are kept.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// client.memory().clear(Some("team-a")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn clear(&self, scope: Option<&str>) -> Result<(), Error> {
        let body: MemoryClearRequest =
            built(MemoryClearRequest::builder().memory_scope_key(scope.map(str::to_owned)));
        versioned!(&self.client, Call::read, memory_clear, |b| b
            .parallel_beta(MEMORY_BETA)
            .body(body.clone()))
        .await?;
        Ok(())
    }

    /// Forgets one task run, monitor or FindAll run (`id`, of `kind`) in
    /// `scope`; the thing itself is kept.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::MemoryKind;
    /// client.memory().evict(Some("team-a"), MemoryKind::Monitor, "monitor_123").await?;
    /// # Ok(()) }
    /// ```
    pub async fn evict(
        &self,
        scope: Option<&str>,
        kind: MemoryKind,
        id: impl Into<String>,
    ) -> Result<(), Error> {
        let id = id.into();
        if id.trim().is_empty() {
            return Err(invalid("id", "give the id of the run or monitor to forget"));
        }
        let body: MemoryEvictRequest = built(
            MemoryEvictRequest::builder()
                .id(id)
                .kind(kind)
                .memory_scope_key(scope.map(str::to_owned)),
        );
        versioned!(&self.client, Call::read, memory_evict, |b| b
            .parallel_beta(MEMORY_BETA)
            .body(body.clone()))
        .await?;
        Ok(())
    }
}

/// Builder for a memory retrieve; `.await` (or [`send`](Self::send))
/// answers the memories, best first.
#[derive(Debug, Clone)]
#[must_use]
pub struct RetrieveMemory {
    client: Client,
    body: crate::types::builder::MemoryRetrieveRequest,
    limit: Option<u32>,
    options: RequestOptions,
}

impl RetrieveMemory {
    /// The scope to read (the personal scope when never called).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let r = client.memory().retrieve().scope("team-a");
    /// # let _ = r;
    /// ```
    pub fn scope(mut self, key: impl Into<String>) -> Self {
        self.body = self.body.memory_scope_key(Some(key.into()));
        self
    }

    /// What to look for; without it the most recent memories come first.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let r = client.memory().retrieve().query("solar tariffs");
    /// # let _ = r;
    /// ```
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.body = self.body.query(Some(query.into()));
        self
    }

    /// Only memories of this kind.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// use parallel_web::types::MemoryRetrieveRequestKind;
    /// let r = client.memory().retrieve().kind(MemoryRetrieveRequestKind::Monitor);
    /// # let _ = r;
    /// ```
    pub fn kind(mut self, kind: MemoryRetrieveRequestKind) -> Self {
        self.body = self.body.kind(Some(kind));
        self
    }

    /// Only memories updated at or after this time.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let r = client.memory().retrieve().since(chrono::Utc::now());
    /// # let _ = r;
    /// ```
    pub fn since(mut self, at: chrono::DateTime<chrono::Utc>) -> Self {
        self.body = self.body.since(Some(at));
        self
    }

    /// The most memories to return (1 to [`MAX_MEMORY_RESULTS`], checked before sending).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let r = client.memory().retrieve().limit(20);
    /// # let _ = r;
    /// ```
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// Checks, then reads the memories.
    pub async fn send(self) -> Result<Vec<MemoryItem>, Error> {
        if let Some(n) = self.limit
            && !(1..=MAX_MEMORY_RESULTS).contains(&n)
        {
            return Err(invalid(
                "limit",
                format!("ask for 1 to {MAX_MEMORY_RESULTS} memories; {n} was asked for"),
            ));
        }
        let body: MemoryRetrieveRequest = built(self.body.limit(self.limit.map(i64::from)));
        let client = self.client.with_options(self.options);
        Ok(versioned!(&client, Call::read, memory_retrieve, |b| b
            .parallel_beta(MEMORY_BETA)
            .body(body.clone()))
        .await?
        .into_inner()
        .results)
    }
}

request_builder!(RetrieveMemory => Vec<MemoryItem>, options: options);
