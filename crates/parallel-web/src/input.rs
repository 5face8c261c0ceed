//! One run to create: its input and per-run options, and the client-side
//! checks of the documented limits (metadata sizes, spec + input size).

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{Error, TaskSpec};

/// Longest metadata key accepted by the API.
pub const MAX_METADATA_KEY_CHARS: usize = 16;
/// Longest metadata value accepted by the API.
pub const MAX_METADATA_VALUE_CHARS: usize = 512;
/// Largest task spec plus input, in characters of compact JSON.
pub const MAX_SPEC_AND_INPUT_CHARS: usize = 25_000;

/// One run to create: the input and any per-run settings.
///
/// Plain inputs can be passed straight to
/// [`TaskGroup::add_runs`](crate::TaskGroup::add_runs); use `RunInput` when one
/// run needs its own processor, spec, metadata or beta features.
///
/// ```
/// use parallel_web::{RunInput, Webhook};
///
/// let run = RunInput::new(serde_json::json!({"company_name": "Stripe"}))
///     .processor("core")
///     .metadata([("row", "17")])
///     .webhook(Webhook::new("https://example.com/hook"));
/// ```
#[derive(Clone)]
pub struct RunInput {
    pub(crate) input: Result<Value, String>,
    pub(crate) processor: Option<String>,
    pub(crate) metadata: Map<String, Value>,
    pub(crate) task_spec: Option<TaskSpec>,
    pub(crate) extra: Map<String, Value>,
}

impl fmt::Debug for RunInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // MCP server headers may hold credentials: list only which options are set.
        f.debug_struct("RunInput")
            .field("input", &self.input)
            .field("processor", &self.processor)
            .field("metadata", &self.metadata)
            .field("task_spec", &self.task_spec.is_some())
            .field("options", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A webhook called when the run changes status (beta `webhook-2025-08-12`).
#[derive(Debug, Clone, Serialize)]
pub struct Webhook {
    url: String,
    event_types: Vec<String>,
}

impl Webhook {
    /// Calls `url` on run status changes.
    pub fn new(url: impl Into<String>) -> Webhook {
        Webhook {
            url: url.into(),
            event_types: vec!["task_run.status".to_owned()],
        }
    }
}

/// An MCP server the run may call (beta `mcp-server-2025-07-17`).
#[derive(Clone, Serialize)]
pub struct McpServer {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<Map<String, Value>>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_tools: Option<Vec<String>>,
}

impl fmt::Debug for McpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("McpServer")
            .field("name", &self.name)
            .field("url", &self.url)
            .field(
                "headers",
                &self.headers.as_ref().map(|h| h.keys().collect::<Vec<_>>()),
            )
            .field("allowed_tools", &self.allowed_tools)
            .finish()
    }
}

impl McpServer {
    /// A server called `name` at `url`.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> McpServer {
        McpServer {
            kind: "url",
            url: url.into(),
            headers: None,
            name: name.into(),
            allowed_tools: None,
        }
    }

    /// Sends this header to the server (values are never printed by Debug).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> McpServer {
        self.headers
            .get_or_insert_with(Map::new)
            .insert(name.into(), Value::String(value.into()));
        self
    }

    /// Restricts the tools the run may call.
    pub fn allowed_tools<S: Into<String>>(
        mut self,
        tools: impl IntoIterator<Item = S>,
    ) -> McpServer {
        self.allowed_tools = Some(tools.into_iter().map(Into::into).collect());
        self
    }
}

/// Which sources a run may use.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourcePolicy {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    include_domains: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    exclude_domains: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_date: Option<String>,
}

impl SourcePolicy {
    /// Only use these domains.
    pub fn include<S: Into<String>>(mut self, domains: impl IntoIterator<Item = S>) -> Self {
        self.include_domains
            .extend(domains.into_iter().map(Into::into));
        self
    }
    /// Never use these domains.
    pub fn exclude<S: Into<String>>(mut self, domains: impl IntoIterator<Item = S>) -> Self {
        self.exclude_domains
            .extend(domains.into_iter().map(Into::into));
        self
    }
    /// Only use sources published after this date (`YYYY-MM-DD`).
    pub fn after_date(mut self, date: impl Into<String>) -> Self {
        self.after_date = Some(date.into());
        self
    }
}

impl RunInput {
    /// A run of `input`, which must serialize to a JSON object or a string.
    pub fn new(input: impl Serialize) -> RunInput {
        RunInput {
            input: serde_json::to_value(input).map_err(|e| e.to_string()),
            processor: None,
            metadata: Map::new(),
            task_spec: None,
            extra: Map::new(),
        }
    }

    /// The processor for this run (overrides the batch default).
    pub fn processor(mut self, processor: impl Into<String>) -> Self {
        self.processor = Some(processor.into());
        self
    }

    /// Adds metadata entries (keys ≤ 16, values ≤ 512 characters).
    pub fn metadata<K: Into<String>, V: Into<String>>(
        mut self,
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        extend_metadata(&mut self.metadata, entries);
        self
    }

    /// The spec for this run (overrides the batch default spec).
    pub fn task_spec(mut self, spec: &TaskSpec) -> Self {
        self.task_spec = Some(spec.clone());
        self
    }

    /// Restricts the sources the run may use.
    pub fn source_policy(self, policy: SourcePolicy) -> Self {
        self.set("source_policy", policy)
    }

    /// Continues from a previous run's context (its `interaction_id`).
    pub fn previous_interaction_id(self, id: impl Into<String>) -> Self {
        self.set("previous_interaction_id", id.into())
    }

    /// Two-letter country code the run should search from.
    pub fn location(self, country: impl Into<String>) -> Self {
        self.set(
            "advanced_settings",
            serde_json::json!({"location": country.into()}),
        )
    }

    /// Adds an MCP server (sets the `mcp-server-2025-07-17` beta).
    pub fn mcp_server(mut self, server: McpServer) -> Self {
        let list = self
            .extra
            .entry("mcp_servers")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let (Value::Array(a), Ok(v)) = (list, serde_json::to_value(server)) {
            a.push(v);
        }
        self
    }

    /// Asks for progress events (sets the `events-sse-2025-07-24` beta).
    pub fn enable_events(self, on: bool) -> Self {
        self.set("enable_events", on)
    }

    /// Calls a webhook on status changes (sets the `webhook-2025-08-12` beta).
    pub fn webhook(self, webhook: Webhook) -> Self {
        self.set("webhook", webhook)
    }

    fn set(mut self, key: &str, v: impl Serialize) -> Self {
        if let Ok(v) = serde_json::to_value(v) {
            self.extra.insert(key.to_owned(), v);
        }
        self
    }

    /// Checks this input against the documented limits and builds its wire
    /// JSON. `index` names it in errors.
    pub(crate) fn to_wire(
        &self,
        index: Option<usize>,
        default_processor: Option<&str>,
        default_spec: Option<&TaskSpec>,
        extra_metadata: &Map<String, Value>,
    ) -> Result<Value, Error> {
        let input = match &self.input {
            Ok(v @ (Value::Object(_) | Value::String(_))) => v.clone(),
            Ok(other) => {
                return Err(Error::input(
                    index,
                    "input",
                    format!("must be a JSON object or a string, not {}", kind_of(other)),
                ));
            }
            Err(e) => {
                return Err(Error::input(
                    index,
                    "input",
                    format!("could not be serialized: {e}"),
                ));
            }
        };
        let processor = self
            .processor
            .as_deref()
            .or(default_processor)
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(|| {
                Error::input(
                    index,
                    "processor",
                    "no processor given: set one on the batch or the run",
                )
            })?;
        let mut metadata = extra_metadata.clone();
        metadata.extend(self.metadata.clone());
        check_metadata(index, &metadata)?;

        let spec = self.task_spec.as_ref();
        if let Some(s) = spec {
            s.validate().map_err(|e| at_index(e, index))?;
        }
        let counted_spec = spec.or(default_spec);
        let total = input.to_string().chars().count() + counted_spec.map_or(0, TaskSpec::len_chars);
        if total > MAX_SPEC_AND_INPUT_CHARS {
            return Err(Error::input(
                index,
                "input",
                format!(
                    "task spec plus input is {total} characters; the API accepts at most {MAX_SPEC_AND_INPUT_CHARS}: shorten the input"
                ),
            ));
        }

        let mut m = Map::new();
        m.insert("processor".into(), Value::String(processor.to_owned()));
        if !metadata.is_empty() {
            m.insert("metadata".into(), Value::Object(metadata));
        }
        for key in ["source_policy", "advanced_settings"] {
            if let Some(v) = self.extra.get(key) {
                m.insert(key.into(), v.clone());
            }
        }
        if let Some(s) = spec {
            m.insert("task_spec".into(), s.to_json());
        }
        m.insert("input".into(), input);
        for key in [
            "previous_interaction_id",
            "mcp_servers",
            "enable_events",
            "webhook",
        ] {
            if let Some(v) = self.extra.get(key) {
                m.insert(key.into(), v.clone());
            }
        }
        Ok(Value::Object(m))
    }
}

/// Adds metadata entries as string values: every builder that takes
/// metadata (group, batch, run) goes through here.
pub(crate) fn extend_metadata<K: Into<String>, V: Into<String>>(
    metadata: &mut Map<String, Value>,
    entries: impl IntoIterator<Item = (K, V)>,
) {
    metadata.extend(
        entries
            .into_iter()
            .map(|(k, v)| (k.into(), Value::String(v.into()))),
    );
}

/// Checks metadata keys and values against the documented limits.
pub(crate) fn check_metadata(
    index: Option<usize>,
    metadata: &Map<String, Value>,
) -> Result<(), Error> {
    for (k, v) in metadata {
        let field = format!("metadata.{k}");
        if k.chars().count() > MAX_METADATA_KEY_CHARS {
            return Err(Error::input(
                index,
                field,
                format!(
                    "key is {} characters; at most {MAX_METADATA_KEY_CHARS} are allowed",
                    k.chars().count()
                ),
            ));
        }
        let len = match v {
            Value::String(s) => s.chars().count(),
            Value::Number(_) | Value::Bool(_) => v.to_string().len(),
            other => {
                return Err(Error::input(
                    index,
                    field,
                    format!(
                        "values must be strings (or numbers/booleans), not {}",
                        kind_of(other)
                    ),
                ));
            }
        };
        if len > MAX_METADATA_VALUE_CHARS {
            return Err(Error::input(
                index,
                field,
                format!(
                    "value is {len} characters; at most {MAX_METADATA_VALUE_CHARS} are allowed"
                ),
            ));
        }
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

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wire(r: &RunInput) -> Result<Value, Error> {
        r.to_wire(Some(3), Some("base"), None, &Map::new())
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
        assert!(wire(&RunInput::new("x".repeat(MAX_SPEC_AND_INPUT_CHARS))).is_err());
        assert!(wire(&RunInput::new(42)).is_err());
        assert!(
            wire(&RunInput::new(json!({"k": "v"})).metadata([("k", "v".repeat(513))])).is_err()
        );
    }

    #[test]
    fn mcp_header_values_stay_out_of_debug() {
        let r = RunInput::new("q")
            .mcp_server(McpServer::new("s", "https://m").header("authorization", "Bearer SECRET"));
        assert!(!format!("{r:?}").contains("SECRET"));
        assert!(
            !format!("{:?}", McpServer::new("s", "u").header("a", "SECRET")).contains("SECRET")
        );
    }
}
