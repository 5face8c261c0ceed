//! One run to create ([`RunInput`]): its input and per-run options, which
//! build the generated [`TaskRunInput`], and the client-side checks of the
//! documented limits (metadata sizes, spec + input size).
//!
//! A plain input costs its JSON text and one pointer until its POST is
//! built, so a batch of a hundred thousand inputs stays small; the wire
//! form of each run exists only while its chunk is being sent.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::error::Error;
use crate::spec::task_spec::TaskSpec;
use crate::spec::wire::built;
use crate::types::{
    CreateTaskGroupRequestMetadataValue, InputValue, InputValueError, McpServer, SourcePolicy,
    TaskAdvancedSettings, TaskDataSources, TaskRunInput, TaskRunInputMetadataValue, Webhook,
};

/// Longest metadata key accepted by the API.
pub const MAX_METADATA_KEY_CHARS: usize = 16;
/// Longest metadata value accepted by the API.
pub const MAX_METADATA_VALUE_CHARS: usize = 512;
/// Largest task spec plus input, in characters: the spec's compact JSON
/// plus the input's text (a plain-text input) or compact JSON (an object).
pub const MAX_SPEC_AND_INPUT_CHARS: usize = 25_000;

/// Metadata as the wire has it.
pub(crate) type Metadata = BTreeMap<String, TaskRunInputMetadataValue>;

/// One metadata value: a string, a number or a boolean. Every `metadata`
/// builder method takes anything that converts into it.
///
/// ```
/// use parallel_web::{MetadataValue, RunInput};
///
/// let run = RunInput::new("q").metadata([
///     ("row", MetadataValue::from(17)),
///     ("score", 0.5.into()),
///     ("priority", true.into()),
///     ("source", "crm".into()),
/// ]);
/// # let _ = run;
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MetadataValue {
    /// A string (at most 512 characters).
    String(String),
    /// An integer.
    Integer(i64),
    /// A floating-point number.
    Number(f64),
    /// A boolean.
    Boolean(bool),
}

impl From<&str> for MetadataValue {
    fn from(v: &str) -> Self {
        MetadataValue::String(v.to_owned())
    }
}

impl From<String> for MetadataValue {
    fn from(v: String) -> Self {
        MetadataValue::String(v)
    }
}

impl From<&String> for MetadataValue {
    fn from(v: &String) -> Self {
        MetadataValue::String(v.clone())
    }
}

impl From<i64> for MetadataValue {
    fn from(v: i64) -> Self {
        MetadataValue::Integer(v)
    }
}

impl From<i32> for MetadataValue {
    fn from(v: i32) -> Self {
        MetadataValue::Integer(v.into())
    }
}

impl From<u32> for MetadataValue {
    fn from(v: u32) -> Self {
        MetadataValue::Integer(v.into())
    }
}

impl From<f64> for MetadataValue {
    fn from(v: f64) -> Self {
        MetadataValue::Number(v)
    }
}

impl From<bool> for MetadataValue {
    fn from(v: bool) -> Self {
        MetadataValue::Boolean(v)
    }
}

impl From<MetadataValue> for TaskRunInputMetadataValue {
    fn from(v: MetadataValue) -> Self {
        match v {
            MetadataValue::String(s) => TaskRunInputMetadataValue::String(s),
            MetadataValue::Integer(i) => TaskRunInputMetadataValue::Integer(i),
            MetadataValue::Number(n) => TaskRunInputMetadataValue::Number(n),
            MetadataValue::Boolean(b) => TaskRunInputMetadataValue::Boolean(b),
        }
    }
}

impl From<MetadataValue> for CreateTaskGroupRequestMetadataValue {
    fn from(v: MetadataValue) -> Self {
        match v {
            MetadataValue::String(s) => CreateTaskGroupRequestMetadataValue::String(s),
            MetadataValue::Integer(i) => CreateTaskGroupRequestMetadataValue::Integer(i),
            MetadataValue::Number(n) => CreateTaskGroupRequestMetadataValue::Number(n),
            MetadataValue::Boolean(b) => CreateTaskGroupRequestMetadataValue::Boolean(b),
        }
    }
}

/// One run to create: the input and any per-run settings.
///
/// Plain inputs can be passed straight to
/// [`TaskGroup::add_runs`](crate::TaskGroup::add_runs); use `RunInput` when one
/// run needs its own processor, spec, metadata or beta features. The options
/// take the generated wire types.
///
/// ```
/// use parallel_web::RunInput;
/// use parallel_web::types::{SourcePolicy, Webhook, WebhookEventTypesItem};
///
/// let run = RunInput::new(serde_json::json!({"company_name": "Stripe"}))
///     .processor("core")
///     .metadata([("row", "17")])
///     .source_policy(SourcePolicy {
///         include_domains: vec!["stripe.com".into()],
///         ..Default::default()
///     })
///     .webhook(
///         Webhook::builder()
///             .url("https://example.com/hook")
///             .event_types(vec![WebhookEventTypesItem::TaskRunStatus])
///             .try_into()
///             .unwrap(),
///     );
/// assert_eq!(run.input().json(), r#"{"company_name":"Stripe"}"#);
/// ```
#[derive(Clone)]
pub struct RunInput {
    input: Result<InputValue, InputValueError>,
    options: Option<Box<Options>>,
}

/// Per-run settings, boxed so that plain inputs stay one pointer wide.
#[derive(Clone, Default)]
struct Options {
    processor: Option<String>,
    metadata: Metadata,
    spec: Option<TaskSpec>,
    source_policy: Option<SourcePolicy>,
    advanced_settings: Option<TaskAdvancedSettings>,
    previous_interaction_id: Option<String>,
    memory_scope_key: Option<String>,
    mcp_servers: Option<Vec<McpServer>>,
    enable_events: Option<bool>,
    webhook: Option<Webhook>,
}

impl fmt::Debug for RunInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RunInput");
        d.field("input", &self.input);
        if let Some(o) = &self.options {
            // MCP server headers may hold credentials: name the servers only.
            let mcp: Option<Vec<&str>> = o
                .mcp_servers
                .as_ref()
                .map(|s| s.iter().map(|m| m.name.as_str()).collect());
            d.field("processor", &o.processor)
                .field("metadata", &o.metadata)
                .field("task_spec", &o.spec.is_some())
                .field("source_policy", &o.source_policy)
                .field("advanced_settings", &o.advanced_settings)
                .field("previous_interaction_id", &o.previous_interaction_id)
                .field("memory_scope_key", &o.memory_scope_key)
                .field("mcp_servers", &mcp)
                .field("enable_events", &o.enable_events)
                .field("webhook", &o.webhook.as_ref().map(|w| &w.url));
        }
        d.finish()
    }
}

/// What a batch gives every run that does not set its own.
#[derive(Debug, Default)]
pub(crate) struct Defaults<'a> {
    pub processor: Option<&'a str>,
    /// Metadata merged under each run's own.
    pub metadata: Option<&'a Metadata>,
    /// Size in characters of the batch's default spec, if any.
    pub spec_chars: usize,
}

impl Defaults<'_> {
    /// Checks what every run of a batch shares, once for the batch: its
    /// metadata, and the metadata entry `tag` (the longest tag the batch
    /// uses, so that one check covers every run's).
    pub(crate) fn check(&self, tag: Option<(&str, &str)>) -> Result<(), Error> {
        if let Some(metadata) = self.metadata {
            check_metadata(None, metadata, tag)?;
        }
        if let Some((k, v)) = tag {
            check_entry(None, k, &v)?;
        }
        Ok(())
    }
}

impl RunInput {
    /// A run of `input`, which must serialize to a JSON object or a string
    /// (anything else is reported when the run is sent).
    ///
    /// ```
    /// let run = parallel_web::RunInput::new("Who founded Stripe?");
    /// assert_eq!(run.input().as_text().as_deref(), Some("Who founded Stripe?"));
    /// ```
    pub fn new<T: Serialize>(input: T) -> RunInput {
        RunInput {
            input: InputValue::new(&input),
            options: None,
        }
    }

    /// A run of an input already in wire form.
    ///
    /// ```
    /// use parallel_web::{RunInput, types::InputValue};
    /// let run = RunInput::from_value(InputValue::text("Who founded Stripe?"));
    /// assert!(run.input().is_text());
    /// ```
    pub fn from_value(input: InputValue) -> RunInput {
        RunInput {
            input: Ok(input),
            options: None,
        }
    }

    /// The input as it will be sent (text `""` when it could not be made;
    /// sending then fails with the reason).
    pub fn input(&self) -> InputValue {
        self.input.clone().unwrap_or_else(|_| InputValue::text(""))
    }

    fn options(&mut self) -> &mut Options {
        self.options.get_or_insert_with(Box::default)
    }

    /// The processor for this run (overrides the batch default).
    pub fn processor(mut self, processor: impl Into<String>) -> Self {
        self.options().processor = Some(processor.into());
        self
    }

    /// Adds metadata entries (keys ≤ 16, values ≤ 512 characters); values
    /// are strings, numbers or booleans ([`MetadataValue`]).
    ///
    /// ```
    /// let run = parallel_web::RunInput::new("q").metadata([("row", 17)]).metadata([("crm", "yes")]);
    /// # let _ = run;
    /// ```
    pub fn metadata<K: Into<String>, V: Into<MetadataValue>>(
        mut self,
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        extend_metadata(&mut self.options().metadata, entries);
        self
    }

    /// Scopes what the service may remember across runs: runs created with
    /// the same key share one memory scope (`memory_scope_key`).
    ///
    /// ```
    /// let run = parallel_web::RunInput::new("q").memory_scope_key("customer-42");
    /// # let _ = run;
    /// ```
    pub fn memory_scope_key(mut self, key: impl Into<String>) -> Self {
        self.options().memory_scope_key = Some(key.into());
        self
    }

    /// The spec for this run (overrides the batch default spec).
    pub fn task_spec(mut self, spec: &TaskSpec) -> Self {
        self.options().spec = Some(spec.clone());
        self
    }

    /// Restricts the sources the run may use.
    pub fn source_policy(mut self, policy: SourcePolicy) -> Self {
        self.options().source_policy = Some(policy);
        self
    }

    /// Continues from a previous run's context (its `interaction_id`).
    pub fn previous_interaction_id(mut self, id: impl Into<String>) -> Self {
        self.options().previous_interaction_id = Some(id.into());
        self
    }

    /// Two-letter country code the run should search from
    /// (`advanced_settings.location`; other advanced settings are kept).
    ///
    /// ```
    /// let run = parallel_web::RunInput::new("q").location("fr");
    /// # let _ = run;
    /// ```
    pub fn location(mut self, country: impl Into<String>) -> Self {
        let country = Some(country.into());
        self.update_advanced_settings(|b| b.location(country));
        self
    }

    /// The data sources the run may use, by how they are billed
    /// (`advanced_settings.data_sources`; other advanced settings are kept).
    ///
    /// ```
    /// use parallel_web::{RunInput, types::TaskDataSources};
    ///
    /// let sources = TaskDataSources::builder().free(vec!["news".to_owned()]);
    /// let run = RunInput::new("q").data_sources(sources.try_into().unwrap());
    /// # let _ = run;
    /// ```
    pub fn data_sources(mut self, sources: TaskDataSources) -> Self {
        self.update_advanced_settings(|b| b.data_sources(Some(sources)));
        self
    }

    /// Sets one advanced setting through the generated builder, starting
    /// from the settings already made, so that setters combine.
    fn update_advanced_settings(
        &mut self,
        set: impl FnOnce(
            crate::types::builder::TaskAdvancedSettings,
        ) -> crate::types::builder::TaskAdvancedSettings,
    ) {
        let o = self.options();
        let current = o.advanced_settings.take().unwrap_or_default();
        o.advanced_settings = Some(built(set(current.into())));
    }

    /// Adds an MCP server (sets the `mcp-server-2025-07-17` beta).
    pub fn mcp_server(mut self, server: McpServer) -> Self {
        self.options()
            .mcp_servers
            .get_or_insert_with(Vec::new)
            .push(server);
        self
    }

    /// Asks for progress events (sets the `events-sse-2025-07-24` beta).
    pub fn enable_events(mut self, on: bool) -> Self {
        self.options().enable_events = Some(on);
        self
    }

    /// Calls a webhook on status changes (sets the `webhook-2025-08-12` beta).
    pub fn webhook(mut self, webhook: Webhook) -> Self {
        self.options().webhook = Some(webhook);
        self
    }

    /// The beta features this run's options need.
    pub(crate) fn betas(&self) -> impl Iterator<Item = &'static str> {
        let o = self.options.as_deref();
        [
            o.and_then(|o| o.mcp_servers.as_ref())
                .map(|_| crate::beta::MCP_SERVERS),
            o.and_then(|o| o.enable_events)
                .map(|_| crate::beta::EVENTS_SSE),
            o.and_then(|o| o.webhook.as_ref())
                .map(|_| crate::beta::WEBHOOK),
        ]
        .into_iter()
        .flatten()
    }

    /// The run's own spec, if it has one.
    pub(crate) fn spec(&self) -> Option<&TaskSpec> {
        self.options.as_ref().and_then(|o| o.spec.as_ref())
    }

    /// Checks this run against the documented limits, as it would be sent
    /// with `defaults` and the extra metadata entry `tag`. `index` names it
    /// in errors. What the run shares with its batch (the batch metadata,
    /// the tag's size) is checked once, by [`Defaults::check`].
    pub(crate) fn check(
        &self,
        index: Option<usize>,
        defaults: &Defaults<'_>,
        tag: Option<(&str, &str)>,
    ) -> Result<(), Error> {
        let input = self
            .input
            .as_ref()
            .map_err(|e| Error::input(index, "input", e.to_string()))?;
        let o = self.options.as_deref();
        o.and_then(|o| o.processor.as_deref())
            .or(defaults.processor)
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(|| {
                Error::input(
                    index,
                    "processor",
                    "no processor given: set one on the batch or the run",
                )
            })?;
        if let Some(own) = o.map(|o| &o.metadata) {
            check_metadata(index, own, tag)?;
        }
        let spec_chars = match self.spec() {
            Some(spec) => {
                spec.validate().map_err(|e| at_index(e, index))?;
                spec.len_chars()
            }
            None => defaults.spec_chars,
        };
        let total = input.len_chars() + spec_chars;
        if total > MAX_SPEC_AND_INPUT_CHARS {
            return Err(Error::input(
                index,
                "input",
                format!(
                    "task spec plus input is {total} characters; the API accepts at most {MAX_SPEC_AND_INPUT_CHARS}: shorten the input"
                ),
            ));
        }
        Ok(())
    }

    /// Builds the wire form, with the batch `defaults` and the metadata
    /// entry `tag` merged in. Call [`check`](Self::check) first.
    pub(crate) fn to_wire(
        &self,
        defaults: &Defaults<'_>,
        tag: Option<(&str, &str)>,
    ) -> TaskRunInput {
        let o = self.options.as_deref();
        let mut metadata = defaults.metadata.cloned().unwrap_or_default();
        if let Some(o) = o {
            metadata.extend(o.metadata.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        if let Some((k, v)) = tag {
            metadata.insert(
                k.to_owned(),
                TaskRunInputMetadataValue::String(v.to_owned()),
            );
        }
        let processor = o
            .and_then(|o| o.processor.clone())
            .or_else(|| defaults.processor.map(str::to_owned))
            .unwrap_or_default();
        built(
            TaskRunInput::builder()
                .input(self.input())
                .processor(processor)
                .metadata((!metadata.is_empty()).then_some(metadata))
                .task_spec(o.and_then(|o| o.spec.as_ref()).map(|s| s.wire().clone()))
                .source_policy(o.and_then(|o| o.source_policy.clone()))
                .advanced_settings(o.and_then(|o| o.advanced_settings.clone()))
                .previous_interaction_id(o.and_then(|o| o.previous_interaction_id.clone()))
                .memory_scope_key(o.and_then(|o| o.memory_scope_key.clone()))
                .mcp_servers(o.and_then(|o| o.mcp_servers.clone()))
                .enable_events(o.and_then(|o| o.enable_events))
                .webhook(o.and_then(|o| o.webhook.clone())),
        )
    }
}

impl From<TaskRunInput> for RunInput {
    /// A run from its complete wire form (its processor and metadata are
    /// its own; the batch's fill only what it leaves unset).
    fn from(w: TaskRunInput) -> RunInput {
        let spec = w.task_spec.map(TaskSpec::from_wire);
        RunInput {
            input: Ok(w.input),
            options: Some(Box::new(Options {
                processor: Some(w.processor).filter(|p| !p.is_empty()),
                metadata: w.metadata.unwrap_or_default(),
                spec,
                source_policy: w.source_policy,
                advanced_settings: w.advanced_settings,
                previous_interaction_id: w.previous_interaction_id,
                memory_scope_key: w.memory_scope_key,
                mcp_servers: w.mcp_servers,
                enable_events: w.enable_events,
                webhook: w.webhook,
            })),
        }
    }
}

/// Adds metadata entries: every builder that takes metadata (group, batch,
/// run) goes through here.
pub(crate) fn extend_metadata<M, K, V>(
    metadata: &mut BTreeMap<String, M>,
    entries: impl IntoIterator<Item = (K, V)>,
) where
    M: From<MetadataValue>,
    K: Into<String>,
    V: Into<MetadataValue>,
{
    metadata.extend(
        entries
            .into_iter()
            .map(|(k, v)| (k.into(), M::from(v.into()))),
    );
}

/// Checks `metadata`'s entries against the documented limits, and that it
/// leaves the key of the batch tag `tag` free.
fn check_metadata(
    index: Option<usize>,
    metadata: &Metadata,
    tag: Option<(&str, &str)>,
) -> Result<(), Error> {
    for (k, v) in metadata {
        check_entry(index, k, v)?;
    }
    match tag {
        Some((k, _)) if metadata.contains_key(k) => Err(Error::input(
            index,
            format!("metadata.{k}"),
            "this key is reserved for the batch tag: rename it, or switch tagging off with .batch_tags(false)",
        )),
        _ => Ok(()),
    }
}

/// Checks one metadata entry against the documented limits.
pub(crate) fn check_entry(
    index: Option<usize>,
    key: &str,
    value: &impl fmt::Display,
) -> Result<(), Error> {
    let key_chars = key.chars().count();
    if key_chars > MAX_METADATA_KEY_CHARS {
        return Err(Error::input(
            index,
            format!("metadata.{key}"),
            format!("key is {key_chars} characters; at most {MAX_METADATA_KEY_CHARS} are allowed"),
        ));
    }
    let len = value.to_string().chars().count();
    if len > MAX_METADATA_VALUE_CHARS {
        return Err(Error::input(
            index,
            format!("metadata.{key}"),
            format!("value is {len} characters; at most {MAX_METADATA_VALUE_CHARS} are allowed"),
        ));
    }
    Ok(())
}

fn at_index(e: Error, index: Option<usize>) -> Error {
    match e {
        Error::InvalidInput { field, message, .. } => Error::InvalidInput {
            index,
            field,
            message,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defaults() -> Defaults<'static> {
        Defaults {
            processor: Some("base"),
            ..Defaults::default()
        }
    }

    fn wire(r: &RunInput) -> Result<serde_json::Value, Error> {
        r.check(Some(3), &defaults(), None)?;
        Ok(serde_json::to_value(r.to_wire(&defaults(), None)).unwrap())
    }

    #[test]
    fn wire_form_has_the_default_processor_and_only_set_options() {
        let v = wire(
            &RunInput::new(json!({"a": 1}))
                .metadata([("k", "v")])
                .enable_events(true),
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"processor": "base", "metadata": {"k": "v"}, "input": {"a": 1}, "enable_events": true})
        );
    }

    #[test]
    fn long_metadata_keys_name_the_input_and_field() {
        let err = wire(&RunInput::new("q").metadata([("a_much_too_long_key", "v")])).unwrap_err();
        match err {
            Error::InvalidInput { index, field, .. } => {
                assert_eq!(index, Some(3));
                assert_eq!(field, "metadata.a_much_too_long_key");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn oversized_inputs_and_bad_kinds_are_rejected() {
        assert!(wire(&RunInput::new("x".repeat(MAX_SPEC_AND_INPUT_CHARS))).is_ok());
        assert!(wire(&RunInput::new("x".repeat(MAX_SPEC_AND_INPUT_CHARS + 1))).is_err());
        let err = wire(&RunInput::new(42)).unwrap_err();
        assert!(err.to_string().contains("not a number"), "{err}");
        assert!(
            wire(&RunInput::new(json!({"k": "v"})).metadata([("k", "v".repeat(513))])).is_err()
        );
    }

    #[test]
    fn the_default_spec_counts_towards_the_size_limit() {
        let d = Defaults {
            processor: Some("base"),
            metadata: None,
            spec_chars: MAX_SPEC_AND_INPUT_CHARS - 5,
        };
        assert!(
            RunInput::new("abcde").check(None, &d, None).is_ok(),
            "5 chars fit"
        );
        assert!(RunInput::new("abcdef").check(None, &d, None).is_err());
        // An object counts as its compact JSON text: `{"k":"v"}` is 9.
        let d = Defaults {
            spec_chars: MAX_SPEC_AND_INPUT_CHARS - 9,
            ..d
        };
        assert!(
            RunInput::new(json!({"k": "v"}))
                .check(None, &d, None)
                .is_ok()
        );
        assert!(
            RunInput::new(json!({"k": "vv"}))
                .check(None, &d, None)
                .is_err()
        );
    }

    #[test]
    fn batch_metadata_is_checked_once_for_the_batch_and_may_not_take_the_tag_key() {
        let mine: Metadata = [(
            "pw_batch".to_owned(),
            TaskRunInputMetadataValue::String("x".into()),
        )]
        .into();
        let d = Defaults {
            metadata: Some(&mine),
            ..defaults()
        };
        let err = d.check(Some(("pw_batch", "b.0"))).unwrap_err();
        assert!(err.to_string().contains("reserved"), "{err}");
        assert!(d.check(None).is_ok());
    }

    #[test]
    fn the_batch_tag_key_is_reserved() {
        let r = RunInput::new("q").metadata([("pw_batch", "mine")]);
        let err = r
            .check(None, &defaults(), Some(("pw_batch", "b.0")))
            .unwrap_err();
        assert!(err.to_string().contains("reserved"), "{err}");
    }

    #[test]
    fn mcp_header_values_stay_out_of_debug() {
        let server: McpServer = built(McpServer::builder().name("s").url("https://m").headers(
            Some([("authorization".to_owned(), "Bearer SECRET".to_owned())].into()),
        ));
        let r = RunInput::new("q").mcp_server(server);
        let shown = format!("{r:?}");
        assert!(
            !shown.contains("SECRET") && shown.contains("\"s\""),
            "{shown}"
        );
    }
}
