//! Chat completions (`POST /v1beta/chat/completions`): OpenAI-compatible
//! answers from Parallel's models, whole ([`Chat::send`]) or streamed
//! ([`Chat::stream`]).
//!
//! This module owns the request builder and the whole completion; the
//! streamed chunks and their accumulation live in `stream.rs`. The wire
//! types are the generated ones ([`crate::types`]).

mod stream;

pub use stream::{ChatChunk, ChatStream};

use parallel_web_api::types;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::types::SchemaText;
use crate::{Client, Error, RequestOptions, schema_of};

/// The models the chat API documents: `speed` (low latency, no basis) and
/// the research models `lite`, `base` and `core` (slower, with a basis).
/// The server decides; another name is sent as it is and a model the
/// server does not know comes back as [`Error::Validation`] on `model`.
pub const CHAT_MODELS: [&str; 4] = ["speed", "lite", "base", "core"];

/// A chat completion is not repeated after an ambiguous failure (it would
/// be answered, and billed, twice); failures the server says are safe to
/// retry still are.
fn chat_call(op: &'static str) -> Call {
    Call {
        op,
        idempotent: false,
        creates_runs: false,
        long_poll: false,
    }
}

impl Client {
    /// Starts a chat completion request: set a model and messages, then
    /// [`send`](Chat::send) it (or `.await` it) for the whole answer, or
    /// [`stream`](Chat::stream) it.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let answer = client
    ///     .chat()
    ///     .model("speed")
    ///     .system("Answer in one sentence.")
    ///     .user("What does Parallel's Task API do?")
    ///     .await?;
    /// println!("{}", answer.content().unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub fn chat(&self) -> Chat {
        Chat {
            client: self.clone(),
            model: None,
            messages: Vec::new(),
            response_format: None,
            previous_interaction_id: None,
            sampling: Sampling::default(),
            options: RequestOptions::new(),
        }
    }
}

/// Sampling options OpenAI's API has. Parallel accepts and ignores them;
/// they are sent as given so code written for OpenAI keeps working.
#[derive(Debug, Clone, Default)]
struct Sampling {
    max_tokens: Option<i64>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    n: Option<i64>,
    presence_penalty: Option<f64>,
    frequency_penalty: Option<f64>,
}

/// A chat completion request; finish with [`send`](Chat::send) (or
/// `.await`) or [`stream`](Chat::stream).
#[derive(Debug, Clone)]
#[must_use]
pub struct Chat {
    client: Client,
    model: Option<String>,
    messages: Vec<(types::ChatMessageRole, String, Option<String>)>,
    response_format: Option<types::ChatCompletionRequestResponseFormat>,
    previous_interaction_id: Option<String>,
    sampling: Sampling,
    options: RequestOptions,
}

impl Chat {
    /// The model that answers (see [`CHAT_MODELS`]).
    ///
    /// ```no_run
    /// # fn demo(client: parallel_web::Client) {
    /// let request = client.chat().model("core").user("Who founded Stripe?");
    /// # let _ = request;
    /// # }
    /// ```
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Adds a message with any role, optionally with a speaker `name`.
    ///
    /// ```no_run
    /// # fn demo(client: parallel_web::Client) {
    /// use parallel_web::types::ChatMessageRole;
    /// let request = client
    ///     .chat()
    ///     .model("speed")
    ///     .message(ChatMessageRole::User, "Hello", Some("ana".to_owned()));
    /// # let _ = request;
    /// # }
    /// ```
    pub fn message(
        mut self,
        role: types::ChatMessageRole,
        content: impl Into<String>,
        name: Option<String>,
    ) -> Self {
        self.messages.push((role, content.into(), name));
        self
    }

    /// Adds a `system` message (instructions).
    ///
    /// ```no_run
    /// # fn demo(client: parallel_web::Client) {
    /// let request = client.chat().model("speed").system("Be brief.").user("Hi");
    /// # let _ = request;
    /// # }
    /// ```
    pub fn system(self, content: impl Into<String>) -> Self {
        self.message(types::ChatMessageRole::System, content, None)
    }

    /// Adds a `user` message.
    ///
    /// ```no_run
    /// # fn demo(client: parallel_web::Client) {
    /// let request = client.chat().model("speed").user("What is SSE?");
    /// # let _ = request;
    /// # }
    /// ```
    pub fn user(self, content: impl Into<String>) -> Self {
        self.message(types::ChatMessageRole::User, content, None)
    }

    /// Adds an `assistant` message (an earlier answer, for context).
    ///
    /// ```no_run
    /// # fn demo(client: parallel_web::Client) {
    /// let request = client
    ///     .chat()
    ///     .model("speed")
    ///     .user("Name a prime.")
    ///     .assistant("7")
    ///     .user("A bigger one?");
    /// # let _ = request;
    /// # }
    /// ```
    pub fn assistant(self, content: impl Into<String>) -> Self {
        self.message(types::ChatMessageRole::Assistant, content, None)
    }

    /// Asks for a JSON answer matching `T`'s JSON Schema (derived with
    /// schemars, as [`TaskSpec::json`](crate::TaskSpec::json) does); read it
    /// back with [`ChatCompletion::parse`].
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Founders {
    ///     names: Vec<String>,
    /// }
    /// let answer = client
    ///     .chat()
    ///     .model("lite")
    ///     .user("Who founded Stripe?")
    ///     .json_schema::<Founders>()
    ///     .await?;
    /// let founders: Founders = answer.parse()?;
    /// # let _ = founders.names;
    /// # Ok(()) }
    /// ```
    pub fn json_schema<T: JsonSchema>(mut self) -> Self {
        let name: String = T::schema_name()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let schema = SchemaText::new(&schema_of::<T>()).ok();
        let format = types::ChatJsonSchema::builder()
            .name(name)
            .schema(schema)
            .try_into()
            .and_then(|json_schema: types::ChatJsonSchema| {
                types::ResponseFormatJsonSchema::builder()
                    .json_schema(json_schema)
                    .type_(types::ResponseFormatJsonSchemaType::JsonSchema)
                    .try_into()
            });
        // Every required field is set above, so building cannot fail.
        self.response_format = format
            .ok()
            .map(types::ChatCompletionRequestResponseFormat::JsonSchema);
        self
    }

    /// Asks for an answer that is some JSON object (OpenAI's `json_object`).
    ///
    /// ```no_run
    /// # fn demo(client: parallel_web::Client) {
    /// let request = client.chat().model("speed").user("Facts about Lyon").json_object();
    /// # let _ = request;
    /// # }
    /// ```
    pub fn json_object(mut self) -> Self {
        self.response_format = types::ResponseFormatJsonObject::builder()
            .type_(types::ResponseFormatJsonObjectType::JsonObject)
            .try_into()
            .ok()
            .map(types::ChatCompletionRequestResponseFormat::JsonObject);
        self
    }

    /// Sets any response format as the wire type (plain text is the
    /// default).
    ///
    /// ```no_run
    /// # fn demo(client: parallel_web::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use parallel_web::types::{
    ///     ChatCompletionRequestResponseFormat, ResponseFormatText, ResponseFormatTextType,
    /// };
    /// let text = ResponseFormatText::builder().type_(ResponseFormatTextType::Text).try_into()?;
    /// let request = client
    ///     .chat()
    ///     .model("speed")
    ///     .user("Hi")
    ///     .response_format(ChatCompletionRequestResponseFormat::Text(text));
    /// # let _ = request;
    /// # Ok(()) }
    /// ```
    pub fn response_format(mut self, format: types::ChatCompletionRequestResponseFormat) -> Self {
        self.response_format = Some(format);
        self
    }

    /// Continues an earlier exchange: the `interaction_id` of its completion
    /// ([`ChatCompletion::interaction_id`]).
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let first = client.chat().model("speed").user("Capital of Peru?").await?;
    /// let follow_up = client
    ///     .chat()
    ///     .model("speed")
    ///     .user("And its population?")
    ///     .previous_interaction_id(first.interaction_id().unwrap_or_default())
    ///     .await?;
    /// # let _ = follow_up;
    /// # Ok(()) }
    /// ```
    pub fn previous_interaction_id(mut self, id: impl Into<String>) -> Self {
        self.previous_interaction_id = Some(id.into());
        self
    }

    /// `max_tokens` (accepted and ignored by Parallel).
    ///
    /// ```no_run
    /// # fn demo(client: parallel_web::Client) {
    /// let request = client.chat().model("speed").user("Hi").max_tokens(100);
    /// # let _ = request;
    /// # }
    /// ```
    pub fn max_tokens(mut self, n: i64) -> Self {
        self.sampling.max_tokens = Some(n);
        self
    }

    /// `temperature` (accepted and ignored by Parallel).
    ///
    /// ```no_run
    /// # fn demo(client: parallel_web::Client) {
    /// let request = client.chat().model("speed").user("Hi").temperature(0.2);
    /// # let _ = request;
    /// # }
    /// ```
    pub fn temperature(mut self, t: f64) -> Self {
        self.sampling.temperature = Some(t);
        self
    }

    /// `top_p` (accepted and ignored by Parallel).
    ///
    /// ```no_run
    /// # fn demo(client: parallel_web::Client) {
    /// let request = client.chat().model("speed").user("Hi").top_p(0.9);
    /// # let _ = request;
    /// # }
    /// ```
    pub fn top_p(mut self, p: f64) -> Self {
        self.sampling.top_p = Some(p);
        self
    }

    /// `n`, the number of choices (accepted and ignored by Parallel, which
    /// answers with one).
    ///
    /// ```no_run
    /// # fn demo(client: parallel_web::Client) {
    /// let request = client.chat().model("speed").user("Hi").n(1);
    /// # let _ = request;
    /// # }
    /// ```
    pub fn n(mut self, n: i64) -> Self {
        self.sampling.n = Some(n);
        self
    }

    /// `presence_penalty` (accepted and ignored by Parallel).
    ///
    /// ```no_run
    /// # fn demo(client: parallel_web::Client) {
    /// let request = client.chat().model("speed").user("Hi").presence_penalty(0.5);
    /// # let _ = request;
    /// # }
    /// ```
    pub fn presence_penalty(mut self, p: f64) -> Self {
        self.sampling.presence_penalty = Some(p);
        self
    }

    /// `frequency_penalty` (accepted and ignored by Parallel).
    ///
    /// ```no_run
    /// # fn demo(client: parallel_web::Client) {
    /// let request = client.chat().model("speed").user("Hi").frequency_penalty(0.5);
    /// # let _ = request;
    /// # }
    /// ```
    pub fn frequency_penalty(mut self, p: f64) -> Self {
        self.sampling.frequency_penalty = Some(p);
        self
    }

    /// The request body this builder sends (nothing is sent). Fails as
    /// [`send`](Chat::send) would before sending: no model, or no messages.
    ///
    /// ```
    /// # fn demo() -> Result<(), parallel_web::Error> {
    /// let client = parallel_web::Client::builder().api_key("k").build()?;
    /// let body = client.chat().model("speed").user("Hi").temperature(0.5).preview()?;
    /// assert_eq!(body["messages"][0]["role"], "user");
    /// assert_eq!(body["temperature"], 0.5);
    /// assert!(client.chat().model("speed").preview().is_err());
    /// # Ok(()) }
    /// # demo().unwrap();
    /// ```
    pub fn preview(&self) -> Result<Value, Error> {
        let body = self.body()?;
        serde_json::to_value(&body).map_err(|e| Error::Config(e.to_string()))
    }

    fn body(&self) -> Result<types::ChatCompletionRequest, Error> {
        let model = self
            .model
            .clone()
            .filter(|m| !m.trim().is_empty())
            .ok_or_else(|| {
                Error::input(
                    None,
                    "model",
                    "no model set: call .model(..) with one of speed, lite, base or core",
                )
            })?;
        if self.messages.is_empty() {
            return Err(Error::input(
                None,
                "messages",
                "no messages: add at least one, e.g. .user(\"your question\")",
            ));
        }
        let mut messages = Vec::with_capacity(self.messages.len());
        for (role, content, name) in &self.messages {
            let message = types::ChatMessage::builder()
                .role(*role)
                .content(content.clone())
                .name(name.clone())
                .try_into()
                .map_err(|e: types::error::ConversionError| {
                    Error::input(None, "messages", e.to_string())
                })?;
            messages.push(message);
        }
        let s = &self.sampling;
        types::ChatCompletionRequest::builder()
            .model(model)
            .messages(messages)
            .response_format(self.response_format.clone())
            .previous_interaction_id(self.previous_interaction_id.clone())
            .max_tokens(s.max_tokens)
            .temperature(s.temperature)
            .top_p(s.top_p)
            .n(s.n)
            .presence_penalty(s.presence_penalty)
            .frequency_penalty(s.frequency_penalty)
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::input(None, "body", e.to_string()))
    }

    /// Sends the request and returns the whole completion. A model the
    /// server does not know, or a body it refuses, is an
    /// [`Error::Validation`] naming the field; no model or no messages is
    /// an [`Error::InvalidInput`] before anything is sent.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let answer = client.chat().model("speed").user("Hi").send().await?;
    /// println!("{:?}", answer.content());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<ChatCompletion, Error> {
        let body = self.body()?;
        let client = self.client.with_options(self.options);
        let answer = versioned!(
            &client,
            chat_call,
            chat_completions,
            before {
                let body = body.clone();
            },
            |b| b.body(body)
        )
        .await?;
        Ok(ChatCompletion {
            wire: answer.into_inner(),
            unknown_chunks: Vec::new(),
        })
    }

    /// Sends the request with `stream: true` and returns the answer as a
    /// stream of chunks. HTTP errors (a bad key, an unknown model) are
    /// returned here, with the server's message; a stream that ends before
    /// `data: [DONE]` yields an [`Error::ChatStreamEnded`] item.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use futures::StreamExt;
    /// let mut chunks = client.chat().model("speed").user("Hi").stream().await?;
    /// while let Some(chunk) = chunks.next().await {
    ///     print!("{}", chunk?.content().unwrap_or_default());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn stream(self) -> Result<ChatStream, Error> {
        let body = self.body()?;
        let client = self.client.with_options(self.options);
        let answer = client
            .execute(chat_call(parallel_web_api::CHAT_COMPLETIONS_STREAM), || {
                let (api, body) = (client.raw(), body.clone());
                async move { api.chat_completions_stream(&body).await }
            })
            .await?;
        let body = crate::streams::body::event_stream_body(answer, None)?;
        Ok(ChatStream::new(body))
    }
}

request_builder!(Chat => ChatCompletion, options: options);

/// A whole chat completion: from [`Chat::send`], or assembled from a
/// stream by [`ChatStream::collect_message`].
///
/// ```no_run
/// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
/// let answer = client.chat().model("lite").user("Tallest building in Lima?").await?;
/// println!("{}", answer.content().unwrap_or_default());
/// for entry in answer.basis() {
///     println!("{}: {} citations", entry.field, entry.citations.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ChatCompletion {
    /// The completion as the API sent it (or as assembled from a stream).
    pub wire: types::ChatCompletion,
    /// Chunks of a stream whose shape this SDK does not know, kept in
    /// order (always empty for [`Chat::send`]).
    pub unknown_chunks: Vec<Value>,
}

impl ChatCompletion {
    /// The first choice's answer: its `message` (what OpenAI's SDKs read),
    /// else its `delta` (what Parallel's documents list).
    ///
    /// ```no_run
    /// # fn demo(answer: parallel_web::ChatCompletion) {
    /// let text: &str = answer.content().unwrap_or_default();
    /// # let _ = text;
    /// # }
    /// ```
    pub fn content(&self) -> Option<&str> {
        let choice = self.wire.choices.first()?;
        choice
            .message
            .as_ref()
            .and_then(|m| m.content.as_deref())
            .or(choice.delta.content.as_deref())
    }

    /// Parses the answer as JSON into `T` (use with
    /// [`Chat::json_schema`]). An answer that does not fit is an
    /// [`Error::Decode`] holding the raw text.
    ///
    /// ```no_run
    /// # fn demo(answer: parallel_web::ChatCompletion) -> Result<(), parallel_web::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct City {
    ///     name: String,
    /// }
    /// let city: City = answer.parse()?;
    /// # let _ = city.name;
    /// # Ok(()) }
    /// ```
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let raw = self.content().ok_or_else(|| Error::Decode {
            what: format!("the answer of chat completion {}", self.wire.id),
            message: "the completion has no content".to_owned(),
            raw: String::new(),
        })?;
        serde_json::from_str(raw).map_err(|e| Error::Decode {
            what: format!("the answer of chat completion {}", self.wire.id),
            message: e.to_string(),
            raw: raw.to_owned(),
        })
    }

    /// The id to pass to [`Chat::previous_interaction_id`] for a follow-up.
    ///
    /// ```no_run
    /// # fn demo(answer: parallel_web::ChatCompletion) {
    /// println!("{:?}", answer.interaction_id());
    /// # }
    /// ```
    pub fn interaction_id(&self) -> Option<&str> {
        self.wire.interaction_id.as_deref()
    }

    /// The evidence for the answer (research models only; empty for
    /// `speed`).
    ///
    /// ```no_run
    /// # fn demo(answer: parallel_web::ChatCompletion) {
    /// for entry in answer.basis() {
    ///     println!("{}: {}", entry.field, entry.reasoning);
    /// }
    /// # }
    /// ```
    pub fn basis(&self) -> &[types::FieldBasis] {
        &self.wire.basis
    }

    /// Why the first choice's answer ended (`stop` when it is complete).
    ///
    /// ```no_run
    /// # fn demo(answer: parallel_web::ChatCompletion) {
    /// use parallel_web::types::ChoiceFinishReason;
    /// assert_eq!(answer.finish_reason(), Some(ChoiceFinishReason::Stop));
    /// # }
    /// ```
    pub fn finish_reason(&self) -> Option<types::ChoiceFinishReason> {
        self.wire.choices.first().and_then(|c| c.finish_reason)
    }
}
