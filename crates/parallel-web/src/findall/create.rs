//! Starting a FindAll run: the builder and the checks made before the
//! request is sent (the limits the API documents, and inputs the server
//! could only answer with a 422 after a round trip).

use std::collections::{BTreeMap, BTreeSet};

use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::findall::run::FindAllRun;
use crate::findall::{check_match_limit, check_objective, header};
use crate::spec::run_input::{check_entry, extend_metadata};
use crate::spec::wire::built;
use crate::types::{
    ExcludeCandidate, FindAllRunInput, FindAllRunInputGenerator, FindAllRunInputMetadataValue,
    FindAllSchema, FindAllWebhook, FindAllWebhookEventTypesItem, MatchCondition,
};
use crate::{Client, Error, MetadataValue, RequestOptions};

/// The match limit of a run that does not set one.
pub const DEFAULT_MATCH_LIMIT: i64 = 10;
/// The most entities an exclude list may hold (the documented limit).
pub const MAX_EXCLUDE_LIST: usize = 10_000;

impl From<MetadataValue> for FindAllRunInputMetadataValue {
    fn from(v: MetadataValue) -> Self {
        match v {
            MetadataValue::String(s) => FindAllRunInputMetadataValue::String(s),
            MetadataValue::Integer(i) => FindAllRunInputMetadataValue::Integer(i),
            MetadataValue::Number(n) => FindAllRunInputMetadataValue::Number(n),
            MetadataValue::Boolean(b) => FindAllRunInputMetadataValue::Boolean(b),
        }
    }
}

/// Builder for a FindAll run; finish with [`send`](CreateFindAll::send) or
/// `.await`, which check the input before sending it.
///
/// ```no_run
/// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
/// use parallel_web::types::FindAllRunInputGenerator as Generator;
/// let run = client
///     .findall()
///     .create("Find every listed European bank with a green bond programme")
///     .entity_type("companies")
///     .match_condition("listed_in_europe", "Shares trade on a European exchange")
///     .match_condition("green_bonds", "Has issued green bonds")
///     .generator(Generator::Pro)
///     .match_limit(50)
///     .exclude("Example Bank", "https://bank.example.com")
///     .metadata([("team", "research")])
///     .await?;
/// # let _ = run; Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct CreateFindAll {
    client: Client,
    objective: String,
    entity_type: Option<String>,
    match_conditions: Vec<MatchCondition>,
    generator: FindAllRunInputGenerator,
    match_limit: i64,
    exclude: Vec<ExcludeCandidate>,
    metadata: BTreeMap<String, FindAllRunInputMetadataValue>,
    webhook: Option<FindAllWebhook>,
    memory_scope_key: Option<String>,
    options: RequestOptions,
}

impl CreateFindAll {
    pub(crate) fn new(client: Client, objective: String) -> CreateFindAll {
        CreateFindAll {
            client,
            objective,
            entity_type: None,
            match_conditions: Vec::new(),
            generator: FindAllRunInputGenerator::Core,
            match_limit: DEFAULT_MATCH_LIMIT,
            exclude: Vec::new(),
            metadata: BTreeMap::new(),
            webhook: None,
            memory_scope_key: None,
            options: RequestOptions::new(),
        }
    }

    /// The kind of entity to find, in plain words (`companies`, `people`,
    /// `clinical trials`, ...). Required.
    pub fn entity_type(mut self, entity_type: impl Into<String>) -> Self {
        self.entity_type = Some(entity_type.into());
        self
    }

    /// A condition every match must meet. `name` keys the condition in
    /// each candidate's output (so names must differ); `description` says
    /// what it requires. At least one is required.
    pub fn match_condition(
        mut self,
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        self.match_conditions.push(built(
            MatchCondition::builder()
                .name(name.into())
                .description(description.into()),
        ));
        self
    }

    /// Takes objective, entity type, match conditions, generator and
    /// match limit from a schema, such as the draft of
    /// [`FindAll::ingest`](crate::FindAll::ingest) (its enrichments are
    /// not part of a run's creation: add them with
    /// [`FindAllRun::enrich`](crate::FindAllRun::enrich)).
    pub fn from_schema(mut self, schema: &FindAllSchema) -> Self {
        self.objective = schema.objective.clone();
        self.entity_type = Some(schema.entity_type.clone());
        self.match_conditions = schema.match_conditions.clone();
        if let Ok(g) = schema.generator.to_string().parse() {
            self.generator = g;
        }
        if let Some(n) = schema.match_limit {
            self.match_limit = n;
        }
        self
    }

    /// The generator that finds and checks candidates (default `core`).
    pub fn generator(mut self, generator: FindAllRunInputGenerator) -> Self {
        self.generator = generator;
        self
    }

    /// The most matches to find, from [`MIN_MATCH_LIMIT`](crate::MIN_MATCH_LIMIT)
    /// to [`MAX_MATCH_LIMIT`](crate::MAX_MATCH_LIMIT) (default
    /// [`DEFAULT_MATCH_LIMIT`]); raise it later with
    /// [`FindAllRun::extend`](crate::FindAllRun::extend).
    pub fn match_limit(mut self, n: i64) -> Self {
        self.match_limit = n;
        self
    }

    /// An entity to leave out of the results (at most [`MAX_EXCLUDE_LIST`]).
    pub fn exclude(mut self, name: impl Into<String>, url: impl Into<String>) -> Self {
        self.exclude.push(built(
            ExcludeCandidate::builder()
                .name(name.into())
                .url(url.into()),
        ));
        self
    }

    /// Metadata kept with the run; the same limits as run metadata apply
    /// (keys ≤ 16, values ≤ 512 characters).
    pub fn metadata<K: Into<String>, V: Into<MetadataValue>>(
        mut self,
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        extend_metadata(&mut self.metadata, entries);
        self
    }

    /// Where to POST notifications about the run and its candidates, and
    /// which (every kind when `event_types` is empty). Verify and decode
    /// them with [`crate::webhooks`].
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// use parallel_web::types::FindAllWebhookEventTypesItem as Kind;
    /// let create = client
    ///     .findall()
    ///     .create("AI startups in Berlin")
    ///     .webhook(
    ///         "https://example.com/hooks/parallel",
    ///         [Kind::FindallCandidateMatched, Kind::FindallRunCompleted],
    ///     );
    /// # let _ = create;
    /// ```
    pub fn webhook(
        mut self,
        url: impl Into<String>,
        event_types: impl IntoIterator<Item = FindAllWebhookEventTypesItem>,
    ) -> Self {
        self.webhook = Some(built(
            FindAllWebhook::builder()
                .url(url.into())
                .event_types(event_types.into_iter().collect::<Vec<_>>()),
        ));
        self
    }

    /// The memory scope of the run: work created with the same key shares
    /// one memory.
    pub fn memory_scope_key(mut self, key: impl Into<String>) -> Self {
        self.memory_scope_key = Some(key.into());
        self
    }

    /// The request body, after the checks [`send`](Self::send) makes.
    pub(crate) fn to_wire(&self) -> Result<FindAllRunInput, Error> {
        check_objective(&self.objective)?;
        let entity_type = match self.entity_type.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => t.to_owned(),
            _ => {
                return Err(Error::input(
                    None,
                    "entity_type",
                    "is missing: say what kind of entity to find (e.g. \"companies\") with .entity_type(..)",
                ));
            }
        };
        check_conditions(&self.match_conditions)?;
        check_match_limit(self.match_limit)?;
        if self.exclude.len() > MAX_EXCLUDE_LIST {
            return Err(Error::input(
                None,
                "exclude_list",
                format!(
                    "has {} entries; at most {MAX_EXCLUDE_LIST} are allowed",
                    self.exclude.len()
                ),
            ));
        }
        for (i, e) in self.exclude.iter().enumerate() {
            if e.name.trim().is_empty() && e.url.trim().is_empty() {
                return Err(Error::input(
                    None,
                    format!("exclude_list[{i}]"),
                    "has neither a name nor a URL: give at least one",
                ));
            }
        }
        for (k, v) in &self.metadata {
            check_entry(None, k, v)?;
        }
        Ok(built(
            FindAllRunInput::builder()
                .objective(self.objective.clone())
                .entity_type(entity_type)
                .match_conditions(self.match_conditions.clone())
                .generator(self.generator)
                .match_limit(self.match_limit)
                .exclude_list((!self.exclude.is_empty()).then(|| self.exclude.clone()))
                .metadata((!self.metadata.is_empty()).then(|| self.metadata.clone()))
                .webhook(self.webhook.clone())
                .memory_scope_key(self.memory_scope_key.clone()),
        ))
    }

    /// Checks the input and starts the run (status `queued`).
    pub async fn send(self) -> Result<FindAllRun, Error> {
        let body = self.to_wire()?;
        let c = &self.client.with_options(self.options);
        let header = header(c);
        let paid = |op| Call {
            idempotent: false,
            ..Call::read(op)
        };
        let info = versioned!(c, paid, findall_create, |b| b
            .parallel_beta(header.clone())
            .body(body.clone()))
        .await?
        .into_inner();
        Ok(FindAllRun::new(
            self.client,
            info.findall_id.clone(),
            Some(info),
        ))
    }
}

request_builder!(CreateFindAll => FindAllRun, options: options);

/// At least one condition; each with a name and a description; no name
/// twice (a name keys the candidate output, so a second would hide the first).
fn check_conditions(conditions: &[MatchCondition]) -> Result<(), Error> {
    if conditions.is_empty() {
        return Err(Error::input(
            None,
            "match_conditions",
            "is empty: add at least one with .match_condition(name, description)",
        ));
    }
    let mut names = BTreeSet::new();
    for (i, c) in conditions.iter().enumerate() {
        if c.name.trim().is_empty() {
            return Err(Error::input(
                None,
                format!("match_conditions[{i}].name"),
                "is empty: name the condition (the name keys it in each candidate's output)",
            ));
        }
        if c.description.trim().is_empty() {
            return Err(Error::input(
                None,
                format!("match_conditions[{i}].description"),
                format!("is empty: say what condition `{}` requires", c.name),
            ));
        }
        if !names.insert(c.name.as_str()) {
            return Err(Error::input(
                None,
                format!("match_conditions[{i}].name"),
                format!(
                    "`{}` is used twice; names key the output, so each must differ",
                    c.name
                ),
            ));
        }
    }
    Ok(())
}
