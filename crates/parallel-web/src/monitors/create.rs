//! [`CreateMonitor`]: the builder for `POST /v1/monitors`, and its checks
//! of what the API documents (a kind chosen, a query that is not blank, a
//! frequency from 1h to 30d), made before anything is sent.

use std::collections::BTreeMap;

use schemars::JsonSchema as DeriveSchema;

use super::{Monitor, check_frequency};
use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::search::invalid;
use crate::spec::wire::built;
use crate::types::{
    AdvancedMonitorSettings, CreateMonitorRequest, CreateMonitorRequestProcessor,
    CreateMonitorRequestSettings, CreateMonitorRequestType, JsonSchema, JsonSchemaType,
    MonitorEventStreamSettings, MonitorSnapshotSettings, MonitorWebhook,
    MonitorWebhookEventTypesItem, SchemaText,
};
use crate::{Client, Error, RequestOptions};

/// What the monitor watches.
#[derive(Debug, Clone)]
enum Watch {
    /// A search query (`event_stream`).
    Query(String),
    /// A finished task run, re-run and compared (`snapshot`).
    TaskRun(String),
}

/// Builder for a new monitor; from [`Monitors::create`](crate::Monitors::create).
/// `.await` (or [`send`](Self::send)) creates it and answers a [`Monitor`]
/// handle.
///
/// Creating is not repeated after a failure that may have reached the
/// server: a retry could leave two monitors checking (and billing) the
/// same thing.
#[derive(Debug, Clone)]
#[must_use]
pub struct CreateMonitor {
    client: Client,
    watch: Option<Watch>,
    frequency: Option<String>,
    processor: Option<CreateMonitorRequestProcessor>,
    output_schema: Option<serde_json::Value>,
    include_backfill: Option<bool>,
    advanced_settings: Option<AdvancedMonitorSettings>,
    webhook: Option<MonitorWebhook>,
    metadata: BTreeMap<String, String>,
    memory_scope_key: Option<String>,
    options: RequestOptions,
}

impl CreateMonitor {
    pub(crate) fn new(client: &Client) -> Self {
        CreateMonitor {
            client: client.clone(),
            watch: None,
            frequency: None,
            processor: None,
            output_schema: None,
            include_backfill: None,
            advanced_settings: None,
            webhook: None,
            metadata: BTreeMap::new(),
            memory_scope_key: None,
            options: RequestOptions::new(),
        }
    }

    /// An `event_stream` monitor: watches the web for news that fits `query`.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let create = client.monitors().create().event_stream("Product recalls by EU car makers").frequency("1d");
    /// # let _ = create;
    /// ```
    pub fn event_stream(mut self, query: impl Into<String>) -> Self {
        self.watch = Some(Watch::Query(query.into()));
        self
    }

    /// A `snapshot` monitor: re-runs finished task run `task_run_id` on
    /// schedule and reports how its output changed.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let create = client.monitors().create().snapshot("trun_123").frequency("1w");
    /// # let _ = create;
    /// ```
    pub fn snapshot(mut self, task_run_id: impl Into<String>) -> Self {
        self.watch = Some(Watch::TaskRun(task_run_id.into()));
        self
    }

    /// How often to check: a whole number and `h`, `d` or `w`, from `1h`
    /// to `30d` (checked before sending). The first check runs at once.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let create = client.monitors().create().event_stream("rust releases").frequency("6h");
    /// # let _ = create;
    /// ```
    pub fn frequency(mut self, frequency: impl Into<String>) -> Self {
        self.frequency = Some(frequency.into());
        self
    }

    /// The processor (`lite`, the default, or `base`).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// use parallel_web::types::CreateMonitorRequestProcessor;
    /// let create = client.monitors().create().event_stream("x").frequency("1d").processor(CreateMonitorRequestProcessor::Base);
    /// # let _ = create;
    /// ```
    pub fn processor(mut self, processor: CreateMonitorRequestProcessor) -> Self {
        self.processor = Some(processor);
        self
    }

    /// The shape of each event's output, from a Rust type (an
    /// `event_stream` monitor's; without one, events are text).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Recall { maker: String, model: String, reason: String }
    /// let create = client.monitors().create().event_stream("car recalls").frequency("1d").output::<Recall>();
    /// # let _ = create;
    /// ```
    pub fn output<T: DeriveSchema>(mut self) -> Self {
        self.output_schema = Some(crate::schema_of::<T>());
        self
    }

    /// The shape of each event's output as a JSON schema (an object schema).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let schema = serde_json::json!({"type": "object", "properties": {"headline": {"type": "string"}}});
    /// let create = client.monitors().create().event_stream("x").frequency("1d").output_schema(schema);
    /// # let _ = create;
    /// ```
    pub fn output_schema(mut self, schema: serde_json::Value) -> Self {
        self.output_schema = Some(schema);
        self
    }

    /// With `true`, the first check also reports a sample of recent past
    /// events that fit the query.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let create = client.monitors().create().event_stream("x").frequency("1d").include_backfill(true);
    /// # let _ = create;
    /// ```
    pub fn include_backfill(mut self, on: bool) -> Self {
        self.include_backfill = Some(on);
        self
    }

    /// Source policy and location of an `event_stream` monitor's searches.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// use parallel_web::types::AdvancedMonitorSettings;
    /// let advanced: AdvancedMonitorSettings = serde_json::from_value(serde_json::json!({"location": "de"})).unwrap();
    /// let create = client.monitors().create().event_stream("x").frequency("1d").advanced_settings(advanced);
    /// # let _ = create;
    /// ```
    pub fn advanced_settings(mut self, settings: AdvancedMonitorSettings) -> Self {
        self.advanced_settings = Some(settings);
        self
    }

    /// Where to POST notifications, and which (all three kinds when
    /// `event_types` is empty).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// use parallel_web::types::MonitorWebhookEventTypesItem as Kind;
    /// let create = client.monitors().create().event_stream("x").frequency("1d")
    ///     .webhook("https://example.com/hooks/parallel", [Kind::MonitorEventDetected]);
    /// # let _ = create;
    /// ```
    pub fn webhook(
        mut self,
        url: impl Into<String>,
        event_types: impl IntoIterator<Item = MonitorWebhookEventTypesItem>,
    ) -> Self {
        self.webhook = Some(built(
            MonitorWebhook::builder()
                .url(url.into())
                .event_types(event_types.into_iter().collect::<Vec<_>>()),
        ));
        self
    }

    /// Adds a metadata entry (returned with the monitor and its webhooks).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let create = client.monitors().create().event_stream("x").frequency("1d").metadata("team", "research");
    /// # let _ = create;
    /// ```
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Remembers the monitor in this memory scope (beta; see
    /// [`Client::memory`](crate::Client::memory)).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let create = client.monitors().create().event_stream("x").frequency("1d").memory_scope_key("team-a");
    /// # let _ = create;
    /// ```
    pub fn memory_scope_key(mut self, key: impl Into<String>) -> Self {
        self.memory_scope_key = Some(key.into());
        self
    }

    /// The request body this builder sends, after the checks; nothing is sent.
    ///
    /// ```
    /// let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let body = client.monitors().create().event_stream("rust").frequency("1d").body().unwrap();
    /// assert_eq!(body.frequency, "1d");
    /// let never = client.monitors().create().event_stream("rust").frequency("daily").body();
    /// assert!(matches!(never, Err(parallel_web::Error::InvalidInput { .. })));
    /// ```
    pub fn body(&self) -> Result<CreateMonitorRequest, Error> {
        let Some(watch) = &self.watch else {
            return Err(invalid(
                "type",
                "choose what to watch: `.event_stream(query)` or `.snapshot(task_run_id)`",
            ));
        };
        let Some(frequency) = &self.frequency else {
            return Err(invalid(
                "frequency",
                "give how often to check with `.frequency(..)`, such as `1d`",
            ));
        };
        check_frequency(frequency)?;
        for (k, v) in &self.metadata {
            crate::spec::run_input::check_entry(None, k, v)?;
        }
        let (type_, settings): (_, CreateMonitorRequestSettings) = match watch {
            Watch::Query(query) => {
                if query.trim().is_empty() {
                    return Err(invalid(
                        "settings.query",
                        "the query is blank; say what to watch for in a sentence",
                    ));
                }
                let output_schema = self.output_schema.clone().map(output_schema).transpose()?;
                (
                    CreateMonitorRequestType::EventStream,
                    built::<MonitorEventStreamSettings, _>(
                        MonitorEventStreamSettings::builder()
                            .query(query.clone())
                            .output_schema(output_schema)
                            .include_backfill(self.include_backfill)
                            .advanced_settings(self.advanced_settings.clone()),
                    )
                    .into(),
                )
            }
            Watch::TaskRun(run) => {
                if self.output_schema.is_some()
                    || self.include_backfill.is_some()
                    || self.advanced_settings.is_some()
                {
                    return Err(invalid(
                        "settings",
                        "a snapshot monitor takes its shape and sources from its task run; \
                         output schemas, backfill and advanced settings are for event_stream \
                         monitors",
                    ));
                }
                if run.trim().is_empty() {
                    return Err(invalid(
                        "settings.task_run_id",
                        "give the id of a finished task run (`trun_…`)",
                    ));
                }
                (
                    CreateMonitorRequestType::Snapshot,
                    built::<MonitorSnapshotSettings, _>(
                        MonitorSnapshotSettings::builder().task_run_id(run.clone()),
                    )
                    .into(),
                )
            }
        };
        Ok(built(
            CreateMonitorRequest::builder()
                .type_(type_)
                .frequency(frequency.clone())
                .processor(self.processor.unwrap_or_default())
                .settings(settings)
                .webhook(self.webhook.clone())
                .metadata((!self.metadata.is_empty()).then(|| self.metadata.clone()))
                .memory_scope_key(self.memory_scope_key.clone()),
        ))
    }

    /// Checks, then creates the monitor.
    pub async fn send(self) -> Result<Monitor, Error> {
        let body = self.body()?;
        let client = self.client.with_options(self.options);
        let info = versioned!(&client, Call::action, monitor_create, |b| b
            .body(body.clone()))
        .await?
        .into_inner();
        Ok(Monitor::with_info(&self.client, info))
    }
}

request_builder!(CreateMonitor => Monitor, options: options);

/// `{"type": "json", "json_schema": schema}` for an object schema.
fn output_schema(schema: serde_json::Value) -> Result<JsonSchema, Error> {
    if schema.get("type").and_then(|t| t.as_str()) != Some("object") {
        return Err(invalid(
            "settings.output_schema",
            "an event's output schema must be an object schema (`\"type\": \"object\"`)",
        ));
    }
    let text = SchemaText::try_from(schema)
        .map_err(|e| invalid("settings.output_schema", e.to_string()))?;
    Ok(built(
        JsonSchema::builder()
            .json_schema(text)
            .type_(JsonSchemaType::Json),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client::builder().api_key("k").build().unwrap()
    }

    fn field_of(e: Error) -> String {
        match e {
            Error::InvalidInput { field, .. } => field,
            other => panic!("not an input error: {other}"),
        }
    }

    #[test]
    fn a_monitor_without_a_kind_or_frequency_is_refused_before_sending() {
        let c = client();
        assert_eq!(
            field_of(c.monitors().create().frequency("1d").body().unwrap_err()),
            "type"
        );
        let no_freq = c.monitors().create().event_stream("x").body().unwrap_err();
        assert_eq!(field_of(no_freq), "frequency");
        let blank = c
            .monitors()
            .create()
            .event_stream(" ")
            .frequency("1d")
            .body()
            .unwrap_err();
        assert_eq!(field_of(blank), "settings.query");
    }

    #[test]
    fn an_output_type_becomes_a_json_schema_setting() {
        #[derive(schemars::JsonSchema)]
        #[allow(dead_code)]
        struct Recall {
            maker: String,
        }
        let body = client()
            .monitors()
            .create()
            .event_stream("recalls")
            .frequency("1d")
            .output::<Recall>()
            .body()
            .unwrap();
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["type"], "event_stream");
        assert_eq!(v["settings"]["output_schema"]["type"], "json");
        assert_eq!(
            v["settings"]["output_schema"]["json_schema"]["properties"]["maker"]["type"],
            "string"
        );
        let not_object = client()
            .monitors()
            .create()
            .event_stream("x")
            .frequency("1d")
            .output_schema(serde_json::json!({"type": "string"}))
            .body()
            .unwrap_err();
        assert_eq!(field_of(not_object), "settings.output_schema");
    }

    #[test]
    fn metadata_over_the_documented_limits_is_refused_before_sending() {
        let e = client()
            .monitors()
            .create()
            .event_stream("x")
            .frequency("1d")
            .metadata("a_key_of_17_chars", "v")
            .body()
            .unwrap_err();
        assert_eq!(field_of(e), "metadata.a_key_of_17_chars");
    }

    #[test]
    fn a_snapshot_refuses_event_stream_settings() {
        let e = client()
            .monitors()
            .create()
            .snapshot("trun_1")
            .frequency("1w")
            .include_backfill(true)
            .body()
            .unwrap_err();
        assert_eq!(field_of(e), "settings");
    }
}
