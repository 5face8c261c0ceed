//! FindAll (`/v1beta/findall/...`): find every entity that meets a set of
//! match conditions, then enrich the matches. This file holds the entry
//! point (`client.findall()`), the lookups that need no run (`ingest`,
//! `candidates`) and the `parallel-beta` header every FindAll call sends.
//! Starting a run and its input checks live in `create.rs`, the run handle
//! (status, schema, extend, enrich, cancel) in `run.rs`, its self-resuming
//! event stream in `events.rs`, waiting in `wait.rs` and results (typed or
//! not) in `result.rs`.

pub(crate) mod create;
pub(crate) mod events;
pub(crate) mod result;
pub(crate) mod run;
pub(crate) mod wait;

use crate::client::request::{Call, versioned};
use crate::findall::create::CreateFindAll;
use crate::findall::run::FindAllRun;
use crate::spec::beta::{Betas, FINDALL};
use crate::spec::wire::built;
use crate::types::{
    FindAllCandidatesRequest, FindAllCandidatesRequestEntityType, FindAllCandidatesResponse,
    FindAllSchema, IngestInput,
};
use crate::{Client, Error, ReadRequest};

/// The fewest matches a run (or a candidates lookup) may ask for.
pub const MIN_MATCH_LIMIT: i64 = 5;
/// The most matches a run (or a candidates lookup) may ask for.
pub const MAX_MATCH_LIMIT: i64 = 1000;

/// FindAll operations: `client.findall()`.
///
/// ```no_run
/// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
/// let run = client
///     .findall()
///     .create("Find AI startups in Europe that raised a Series A in 2024")
///     .entity_type("companies")
///     .match_condition("series_a_2024", "Raised a Series A round in 2024")
///     .match_limit(20)
///     .await?;
/// println!("started {}", run.id());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FindAll {
    client: Client,
}

impl Client {
    /// FindAll operations (a beta: the `findall-2025-09-15` header is sent
    /// with every call).
    pub fn findall(&self) -> FindAll {
        FindAll {
            client: self.clone(),
        }
    }
}

impl FindAll {
    /// Starts building a run that looks for what `objective` describes.
    /// Set at least the entity type and one match condition before sending.
    ///
    /// The POST starts a paid run, so a failure after the request may have
    /// reached the server (timeout, reset, 5xx) is returned, not retried.
    pub fn create(&self, objective: impl Into<String>) -> CreateFindAll {
        CreateFindAll::new(self.client.clone(), objective.into())
    }

    /// Asks the server to turn a plain-language objective into a draft
    /// schema (entity type, match conditions, perhaps enrichments), to
    /// edit and pass to [`CreateFindAll::from_schema`].
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let draft = client.findall().ingest("Dental clinics in Lisbon open on Sundays").await?;
    /// for c in &draft.match_conditions {
    ///     println!("{}: {}", c.name, c.description);
    /// }
    /// let run = client.findall().create(&draft.objective).from_schema(&draft).await?;
    /// # let _ = run; Ok(()) }
    /// ```
    pub fn ingest(&self, objective: impl Into<String>) -> ReadRequest<FindAllSchema> {
        let objective = objective.into();
        ReadRequest::new(&self.client, "findall_ingest", move |c| {
            let objective = objective.clone();
            async move {
                check_objective(&objective)?;
                let body: IngestInput = built(IngestInput::builder().objective(objective));
                let header = header(&c);
                Ok(versioned!(&c, Call::read, findall_ingest, |b| b
                    .parallel_beta(header.clone())
                    .body(body.clone()))
                .await?
                .into_inner())
            }
        })
    }

    /// A quick, unchecked list of entities that may fit `objective` (no
    /// match conditions, no enrichment), at most `match_limit` of them
    /// ([`MIN_MATCH_LIMIT`] to [`MAX_MATCH_LIMIT`]; the server's default
    /// is 100).
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::types::FindAllCandidatesRequestEntityType as Kind;
    /// let found = client
    ///     .findall()
    ///     .candidates(Kind::Company, "Open-source database vendors", 25)
    ///     .await?;
    /// for c in &found.candidates {
    ///     println!("{} <{}>", c.name, c.url);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn candidates(
        &self,
        entity_type: FindAllCandidatesRequestEntityType,
        objective: impl Into<String>,
        match_limit: i64,
    ) -> ReadRequest<FindAllCandidatesResponse> {
        let objective = objective.into();
        ReadRequest::new(&self.client, "findall_candidates", move |c| {
            let objective = objective.clone();
            async move {
                check_objective(&objective)?;
                check_match_limit(match_limit)?;
                let body: FindAllCandidatesRequest = built(
                    FindAllCandidatesRequest::builder()
                        .entity_type(entity_type)
                        .objective(objective)
                        .match_limit(match_limit),
                );
                Ok(
                    versioned!(&c, Call::read, findall_candidates, |b| b.body(body.clone()))
                        .await?
                        .into_inner(),
                )
            }
        })
    }

    /// A handle on an existing run, without any request; fetch its state
    /// with [`FindAllRun::status`].
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let run = client.findall().get("findall_123");
    /// assert_eq!(run.id(), "findall_123");
    /// ```
    pub fn get(&self, findall_id: impl Into<String>) -> FindAllRun {
        FindAllRun::new(self.client.clone(), findall_id.into(), None)
    }
}

/// The `parallel-beta` header of a FindAll call with client view `c`: the
/// betas asked for on the client or the call, and FindAll's own.
pub(crate) fn header(c: &Client) -> String {
    let mut betas = Betas::default();
    betas.extend(c.client_betas());
    betas.add(FINDALL);
    // Never empty: FINDALL is in it.
    betas.header().unwrap_or_else(|| FINDALL.to_owned())
}

pub(crate) fn check_objective(objective: &str) -> Result<(), Error> {
    if objective.trim().is_empty() {
        return Err(Error::input(
            None,
            "objective",
            "is empty: say in plain language what to find",
        ));
    }
    Ok(())
}

pub(crate) fn check_match_limit(n: i64) -> Result<(), Error> {
    if !(MIN_MATCH_LIMIT..=MAX_MATCH_LIMIT).contains(&n) {
        return Err(Error::input(
            None,
            "match_limit",
            format!("is {n}; it must be from {MIN_MATCH_LIMIT} to {MAX_MATCH_LIMIT}"),
        ));
    }
    Ok(())
}
