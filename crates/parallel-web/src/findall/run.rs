//! The handle on one FindAll run: its state and schema, and the calls that
//! change it (extend, enrich, cancel). Its events are in `events.rs`,
//! waiting in `wait.rs`, results in `result.rs`.

use std::sync::Arc;

use schemars::JsonSchema;
use serde_json::Value;

use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::findall::header;
use crate::spec::wire::built;
use crate::types::{
    FindAllEnrichInput, FindAllExtendInput, FindAllSchema, JsonSchema as JsonSchemaSpec,
    JsonSchemaType, McpServer, SchemaText,
};
use crate::{Client, Error, ReadRequest, RequestOptions, schema_of};

/// One FindAll run: follow it ([`events`](Self::events),
/// [`wait`](Self::wait)), read what it found ([`result`](Self::result)),
/// and steer it ([`extend`](Self::extend), [`enrich`](Self::enrich),
/// [`cancel`](Self::cancel)). Cheap to clone.
///
/// The run's state as the server reports it is the wire type
/// [`types::FindAllRun`](crate::types::FindAllRun), returned by
/// [`status`](Self::status).
#[derive(Debug, Clone)]
pub struct FindAllRun {
    pub(crate) client: Client,
    pub(crate) id: String,
    info: Option<Arc<crate::types::FindAllRun>>,
}

/// Makes a call not safe to repeat after an ambiguous failure (it adds
/// something each time).
pub(crate) fn once(op: &'static str) -> Call {
    Call {
        idempotent: false,
        ..Call::read(op)
    }
}

impl FindAllRun {
    pub(crate) fn new(
        client: Client,
        id: String,
        info: Option<crate::types::FindAllRun>,
    ) -> FindAllRun {
        FindAllRun {
            client,
            id,
            info: info.map(Arc::new),
        }
    }

    /// The run id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The run as returned when it was created (`None` for a handle made
    /// with [`FindAll::get`](crate::FindAll::get)).
    pub fn info(&self) -> Option<&crate::types::FindAllRun> {
        self.info.as_deref()
    }

    /// The same run, its requests made with `options` laid over the client's.
    pub(crate) fn with_options(&self, options: RequestOptions) -> FindAllRun {
        FindAllRun {
            client: self.client.with_options(options),
            ..self.clone()
        }
    }

    /// The run's state now: status, whether it is active, candidate
    /// counts, why it stopped.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let run = client.findall().get("findall_123").status().await?;
    /// println!("{} ({} matched)", run.status.status, run.status.metrics.matched_candidates_count);
    /// # Ok(()) }
    /// ```
    pub fn status(&self) -> ReadRequest<crate::types::FindAllRun> {
        let id = self.id.clone();
        ReadRequest::new(&self.client, "findall_retrieve", move |c| {
            let id = id.clone();
            async move {
                let header = header(&c);
                Ok(versioned!(&c, Call::read, findall_retrieve, |b| b
                    .findall_id(id.as_str())
                    .parallel_beta(header.clone()))
                .await?
                .into_inner())
            }
        })
    }

    /// What the run looks for: objective, entity type, conditions,
    /// enrichments, generator and match limit.
    ///
    /// ```no_run
    /// # async fn demo(run: parallel_web::FindAllRun) -> Result<(), parallel_web::Error> {
    /// let schema = run.schema().await?;
    /// println!("{} conditions", schema.match_conditions.len());
    /// # Ok(()) }
    /// ```
    pub fn schema(&self) -> ReadRequest<FindAllSchema> {
        let id = self.id.clone();
        ReadRequest::new(&self.client, "findall_schema", move |c| {
            let id = id.clone();
            async move {
                let header = header(&c);
                Ok(versioned!(&c, Call::read, findall_schema, |b| b
                    .findall_id(id.as_str())
                    .parallel_beta(header.clone()))
                .await?
                .into_inner())
            }
        })
    }

    /// Asks the run to stop. Candidates already evaluated stay in its
    /// result. Cancelling a run that already stopped is an
    /// [`Error::Api`] with status 409.
    ///
    /// ```no_run
    /// # async fn demo(run: parallel_web::FindAllRun) -> Result<(), parallel_web::Error> {
    /// run.cancel().await?;
    /// # Ok(()) }
    /// ```
    pub fn cancel(&self) -> ReadRequest<()> {
        let id = self.id.clone();
        ReadRequest::new(&self.client, "findall_cancel", move |c| {
            let id = id.clone();
            async move {
                let header = header(&c);
                versioned!(&c, Call::read, findall_cancel, |b| b
                    .findall_id(id.as_str())
                    .parallel_beta(header.clone()))
                .await?;
                Ok(())
            }
        })
    }

    /// Raises the match limit by `additional` (above 0), so the run looks
    /// for more matches; returns the schema with the new limit. Not
    /// retried after an ambiguous failure (it would add twice).
    ///
    /// ```no_run
    /// # async fn demo(run: parallel_web::FindAllRun) -> Result<(), parallel_web::Error> {
    /// let schema = run.extend(20).await?;
    /// println!("now up to {:?} matches", schema.match_limit);
    /// # Ok(()) }
    /// ```
    pub fn extend(&self, additional: i64) -> ReadRequest<FindAllSchema> {
        let id = self.id.clone();
        ReadRequest::new(&self.client, "findall_extend", move |c| {
            let id = id.clone();
            async move {
                if additional <= 0 {
                    return Err(Error::input(
                        None,
                        "additional_match_limit",
                        format!("is {additional}; it must be above 0"),
                    ));
                }
                let body: FindAllExtendInput =
                    built(FindAllExtendInput::builder().additional_match_limit(additional));
                let header = header(&c);
                Ok(versioned!(&c, once, findall_extend, |b| b
                    .findall_id(id.as_str())
                    .parallel_beta(header.clone())
                    .body(body.clone()))
                .await?
                .into_inner())
            }
        })
    }

    /// Adds an enrichment whose fields are `T`'s (its JSON schema, from
    /// schemars): they are filled for every matched candidate, and read
    /// back with [`result`](Self::result)`().typed::<T>()`.
    ///
    /// ```no_run
    /// # async fn demo(run: parallel_web::FindAllRun) -> Result<(), parallel_web::Error> {
    /// #[derive(schemars::JsonSchema, serde::Deserialize)]
    /// struct Funding {
    ///     /// Total raised, in US dollars.
    ///     total_raised_usd: Option<f64>,
    ///     lead_investor: Option<String>,
    /// }
    /// let schema = run.enrich::<Funding>().processor("core").await?;
    /// # let _ = schema; Ok(()) }
    /// ```
    pub fn enrich<T: JsonSchema>(&self) -> EnrichFindAll {
        self.enrich_schema(schema_of::<T>())
    }

    /// [`enrich`](Self::enrich) with a JSON schema written by hand (an
    /// object schema, as a [`serde_json::Value`]).
    pub fn enrich_schema(&self, schema: Value) -> EnrichFindAll {
        EnrichFindAll {
            run: self.clone(),
            schema,
            processor: None,
            mcp_servers: Vec::new(),
            options: RequestOptions::new(),
        }
    }
}

/// Builder for an enrichment; finish with [`send`](EnrichFindAll::send) or
/// `.await`. Returns the run's schema with the enrichment added.
#[derive(Debug, Clone)]
#[must_use]
pub struct EnrichFindAll {
    run: FindAllRun,
    schema: Value,
    processor: Option<String>,
    mcp_servers: Vec<McpServer>,
    options: RequestOptions,
}

impl EnrichFindAll {
    /// The processor that fills the fields (the server's default: `core`).
    pub fn processor(mut self, processor: impl Into<String>) -> Self {
        self.processor = Some(processor.into());
        self
    }

    /// An MCP server the processor may call while filling the fields.
    pub fn mcp_server(mut self, server: McpServer) -> Self {
        self.mcp_servers.push(server);
        self
    }

    /// Checks the schema and adds the enrichment. Not retried after an
    /// ambiguous failure (it would be added twice).
    pub async fn send(self) -> Result<FindAllSchema, Error> {
        let Some(properties) = self.schema.get("properties").and_then(Value::as_object) else {
            return Err(Error::input(
                None,
                "output_schema",
                "is not an object schema with `properties`: enrichments fill named fields",
            ));
        };
        if properties.is_empty() {
            return Err(Error::input(
                None,
                "output_schema",
                "has no properties: name at least one field to fill",
            ));
        }
        let text = SchemaText::new(&self.schema)
            .map_err(|e| Error::input(None, "output_schema", e.to_string()))?;
        let output_schema: JsonSchemaSpec = built(
            JsonSchemaSpec::builder()
                .json_schema(text)
                .type_(JsonSchemaType::Json),
        );
        let mut input = FindAllEnrichInput::builder()
            .output_schema(output_schema)
            .mcp_servers((!self.mcp_servers.is_empty()).then(|| self.mcp_servers.clone()));
        if let Some(p) = self.processor.clone() {
            input = input.processor(p);
        }
        let body: FindAllEnrichInput = built(input);
        let c = &self.run.client.with_options(self.options);
        let header = header(c);
        let id = self.run.id.as_str();
        Ok(versioned!(c, once, findall_enrich, |b| b
            .findall_id(id)
            .parallel_beta(header.clone())
            .body(body.clone()))
        .await?
        .into_inner())
    }
}

request_builder!(EnrichFindAll => FindAllSchema, options: options);
