//! A streamed chat completion: `data:` chunks read through the SDK's SSE
//! framer (`streams/body.rs`, `streams/sse.rs`), ended by `data: [DONE]`,
//! and [`ChatStream::collect_message`], which assembles them into the
//! whole [`ChatCompletion`].
//!
//! A chunk this SDK cannot read as a completion chunk is kept as
//! [`ChatChunk::Unknown`], not an error. A stream that stops before
//! `[DONE]` is an [`Error::ChatStreamEnded`] item: the answer is
//! incomplete, and [`collect_message`](ChatStream::collect_message) never
//! returns part of one as if it were whole. Chat streams have no cursor,
//! so they are never reopened.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};
use parallel_web_api::types;
use serde_json::{Value, json};

use super::ChatCompletion;
use crate::Error;
use crate::streams::body::{ByteChunks, Pump, Pumped};
use crate::streams::sse::{Frame, MAX_EVENT_BYTES};

/// One chunk of a streamed chat completion.
///
/// ```no_run
/// # fn demo(chunk: parallel_web::ChatChunk) {
/// use parallel_web::ChatChunk;
/// match &chunk {
///     ChatChunk::Delta(delta) => println!("{} choices", delta.choices.len()),
///     ChatChunk::Unknown(raw) => println!("a chunk of another shape: {raw}"),
///     _ => {}
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ChatChunk {
    /// A `chat.completion.chunk`: a piece of the answer in its choices'
    /// `delta`; the last one has the `finish_reason`, `usage`, `basis` and
    /// `interaction_id`.
    Delta(Box<types::ChatCompletionResponseChunk>),
    /// A chunk of a shape this SDK does not know (JSON, or the raw text as
    /// a JSON string if it is not JSON). Kept, not an error.
    Unknown(Value),
}

impl ChatChunk {
    /// The text this chunk adds to the first choice, if any.
    ///
    /// ```no_run
    /// # fn demo(chunk: parallel_web::ChatChunk) {
    /// print!("{}", chunk.content().unwrap_or_default());
    /// # }
    /// ```
    pub fn content(&self) -> Option<&str> {
        match self {
            ChatChunk::Delta(chunk) => chunk.choices.first()?.delta.content.as_deref(),
            ChatChunk::Unknown(_) => None,
        }
    }
}

/// The chunks of a streamed chat completion, from [`Chat::stream`](super::Chat::stream).
/// It ends after `data: [DONE]`; dropping it closes the connection.
///
/// ```no_run
/// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
/// let answer = client
///     .chat()
///     .model("speed")
///     .user("Hi")
///     .stream()
///     .await?
///     .collect_message()
///     .await?;
/// println!("{}", answer.content().unwrap_or_default());
/// # Ok(()) }
/// ```
pub struct ChatStream {
    inner: BoxStream<'static, Result<ChatChunk, Error>>,
}

impl std::fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatStream").finish_non_exhaustive()
    }
}

impl Stream for ChatStream {
    type Item = Result<ChatChunk, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl ChatStream {
    pub(crate) fn new(body: ByteChunks) -> ChatStream {
        let reader = Reader {
            pump: Pump::new(body),
            chunks: 0,
            done: false,
        };
        ChatStream {
            inner: futures::stream::unfold(reader, Reader::next).boxed(),
        }
    }

    /// Reads the stream to its end and assembles the whole completion: the
    /// first choice's text joined from every delta, the last chunk's
    /// `finish_reason`, `usage`, `basis` and `interaction_id`, and the
    /// unknown chunks in [`ChatCompletion::unknown_chunks`]. The first error
    /// item (a cut stream, say) is returned instead: never half an answer.
    ///
    /// ```no_run
    /// # async fn demo(stream: parallel_web::ChatStream) -> Result<(), parallel_web::Error> {
    /// let answer = stream.collect_message().await?;
    /// println!("{:?} {:?}", answer.content(), answer.finish_reason());
    /// # Ok(()) }
    /// ```
    pub async fn collect_message(mut self) -> Result<ChatCompletion, Error> {
        let mut acc = Accumulator::default();
        while let Some(chunk) = self.next().await {
            acc.add(chunk?);
        }
        acc.finish()
    }
}

/// What one SSE frame held.
enum Decoded {
    Chunk(ChatChunk),
    /// `data: [DONE]`.
    Done,
    /// An `error` event (or a chunk of type `error`).
    ServerError(Error),
}

fn decode(frame: &Frame<'_>) -> Decoded {
    let data: &[u8] = &frame.data;
    if data == b"[DONE]" {
        return Decoded::Done;
    }
    if let Ok(chunk) = serde_json::from_slice::<types::ChatCompletionResponseChunk>(data) {
        return Decoded::Chunk(ChatChunk::Delta(Box::new(chunk)));
    }
    let value = serde_json::from_slice::<Value>(data)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(data).into_owned()));
    if frame.event == b"error" || value["type"] == "error" {
        let error = &value["error"];
        return Decoded::ServerError(Error::ServerEvent {
            message: error["message"]
                .as_str()
                .unwrap_or("no message given")
                .to_owned(),
            ref_id: error["ref_id"].as_str().unwrap_or_default().to_owned(),
            detail: error.get("detail").cloned(),
        });
    }
    Decoded::Chunk(ChatChunk::Unknown(value))
}

/// Reads one connection until `[DONE]`.
struct Reader {
    pump: Pump,
    /// Chunks handed out so far.
    chunks: usize,
    done: bool,
}

impl Reader {
    async fn next(mut self) -> Option<(Result<ChatChunk, Error>, Reader)> {
        if self.done {
            return None;
        }
        let reason = match self.pump.next(None, decode).await {
            Pumped::Event(Decoded::Chunk(chunk)) => {
                self.chunks += 1;
                return Some((Ok(chunk), self));
            }
            Pumped::Event(Decoded::Done) => return None,
            Pumped::Event(Decoded::ServerError(e)) => {
                self.done = true;
                return Some((Err(e), self));
            }
            Pumped::Ended => "the server closed the stream before `data: [DONE]`".to_owned(),
            Pumped::Broken(e) => format!("the connection broke ({e})"),
            Pumped::Idle => "no chunk arrived in time".to_owned(),
            Pumped::TooLarge => {
                self.done = true;
                let error = Error::EventTooLarge {
                    limit: MAX_EVENT_BYTES,
                    last_event_id: None,
                };
                return Some((Err(error), self));
            }
        };
        self.done = true;
        let error = Error::ChatStreamEnded {
            reason,
            chunks: self.chunks,
        };
        Some((Err(error), self))
    }
}

/// Builds the whole completion from chunks.
#[derive(Default)]
struct Accumulator {
    /// The first chunk's id, created and model.
    head: Option<(String, i64, String)>,
    content: String,
    finish_reason: Option<types::ChoiceFinishReason>,
    usage: Option<types::CompletionUsage>,
    basis: Vec<types::FieldBasis>,
    interaction_id: Option<String>,
    unknown: Vec<Value>,
}

impl Accumulator {
    fn add(&mut self, chunk: ChatChunk) {
        let chunk = match chunk {
            ChatChunk::Delta(chunk) => *chunk,
            ChatChunk::Unknown(value) => {
                self.unknown.push(value);
                return;
            }
        };
        if self.head.is_none() {
            self.head = Some((chunk.id.clone(), chunk.created, chunk.model.clone()));
        }
        if let Some(choice) = chunk.choices.into_iter().find(|c| c.index == 0) {
            if let Some(text) = choice.delta.content {
                self.content.push_str(&text);
            }
            if choice.finish_reason.is_some() {
                self.finish_reason = choice.finish_reason;
            }
        }
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        self.basis.extend(chunk.basis);
        if chunk.interaction_id.is_some() {
            self.interaction_id = chunk.interaction_id;
        }
    }

    fn finish(self) -> Result<ChatCompletion, Error> {
        let Some((id, created, model)) = self.head else {
            return Err(Error::ChatStreamEnded {
                reason: "the stream ended without a completion chunk".to_owned(),
                chunks: self.unknown.len(),
            });
        };
        let whole = json!({
            "id": id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": self.content},
                "delta": {"role": "assistant", "content": self.content},
                "finish_reason": self.finish_reason,
            }],
            "usage": self.usage,
            "basis": self.basis,
            "interaction_id": self.interaction_id,
        });
        let text = whole.to_string();
        let wire = serde_json::from_value(whole).map_err(|e| Error::Decode {
            what: format!("chat completion {id} assembled from its chunks"),
            message: e.to_string(),
            raw: text,
        })?;
        Ok(ChatCompletion {
            wire,
            unknown_chunks: self.unknown,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(chunks: Vec<Result<&'static str, &'static str>>) -> ChatStream {
        ChatStream::new(
            futures::stream::iter(chunks.into_iter().map(|c| {
                c.map(|s| bytes::Bytes::from_static(s.as_bytes()))
                    .map_err(str::to_owned)
            }))
            .boxed(),
        )
    }

    const ROLE: &str = "data: {\"type\":\"chat.completion.chunk\",\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"speed\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
    const HELLO: &str = "data: {\"type\":\"chat.completion.chunk\",\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"speed\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello \"}}]}\n\n";
    const LAST: &str = "data: {\"type\":\"chat.completion.chunk\",\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"speed\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"world\"},\"finish_reason\":\"stop\"}],\"interaction_id\":\"intr_1\"}\n\n";

    #[tokio::test]
    async fn chunks_assemble_into_the_whole_message() {
        let answer = stream(vec![Ok(ROLE), Ok(HELLO), Ok(LAST), Ok("data: [DONE]\n\n")])
            .collect_message()
            .await
            .unwrap();
        assert_eq!(answer.content(), Some("Hello world"));
        assert_eq!(answer.interaction_id(), Some("intr_1"));
        assert_eq!(
            answer.finish_reason(),
            Some(types::ChoiceFinishReason::Stop)
        );
    }

    #[tokio::test]
    async fn a_stream_without_done_is_an_error_not_a_short_answer() {
        let cut = stream(vec![Ok(ROLE), Ok(HELLO), Ok(LAST)])
            .collect_message()
            .await;
        assert!(
            matches!(cut, Err(Error::ChatStreamEnded { chunks: 3, .. })),
            "{cut:?}"
        );
        let broken = stream(vec![Ok(ROLE), Err("reset")]).collect_message().await;
        assert!(
            matches!(&broken, Err(Error::ChatStreamEnded { reason, chunks: 1 }) if reason.contains("reset")),
            "{broken:?}"
        );
    }

    #[tokio::test]
    async fn a_chunk_of_another_shape_is_kept_and_the_answer_still_assembles() {
        let items: Vec<_> = stream(vec![
            Ok(ROLE),
            Ok("data: {\"type\":\"chat.completion.progress\",\"pct\":50}\n\ndata: not json\n\n"),
            Ok(LAST),
            Ok("data: [DONE]\n\n"),
        ])
        .collect()
        .await;
        assert_eq!(items.len(), 4);
        assert!(matches!(&items[1], Ok(ChatChunk::Unknown(v)) if v["pct"] == 50));
        assert!(matches!(&items[2], Ok(ChatChunk::Unknown(Value::String(s))) if s == "not json"));
    }

    #[tokio::test]
    async fn an_error_event_is_a_typed_error() {
        let items: Vec<_> = stream(vec![
            Ok(ROLE),
            Ok("event: error\ndata: {\"type\":\"error\",\"error\":{\"message\":\"boom\",\"ref_id\":\"r1\"}}\n\n"),
        ])
        .collect()
        .await;
        assert!(
            matches!(&items[1], Err(Error::ServerEvent { message, .. }) if message == "boom"),
            "{items:?}"
        );
        assert_eq!(items.len(), 2);
    }
}
