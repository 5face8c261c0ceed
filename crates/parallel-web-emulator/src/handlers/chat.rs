//! `POST /v1beta/chat/completions`: OpenAI-compatible chat completions.
//!
//! The answer is deterministic for a seed and request: text that mentions
//! the last user message's words, or JSON that fills the `response_format`
//! schema (see [`crate::output::chat`]). Research models (`lite`, `base`,
//! `core`) add a basis; `speed` does not. The answer takes the model's
//! documented latency times the time scale (0: at once). With `stream:
//! true` it arrives as `data:` lines only (as OpenAI streams them: no
//! `event:` line, which OpenAI's Python SDK would treat as another kind of
//! event), one chunk per piece of text, then `data: [DONE]`. Drop-stream
//! faults cut such a stream like any other.

use super::body::JsonBody;
use super::rate_limited;
use crate::error::{ApiError, json_response};
use crate::ids;
use crate::output::chat::{AnswerFormat, ChatAnswer, answer};
use crate::processors;
use crate::sse::{self, Next};
use crate::state::AppState;
use crate::validate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// The route, for the contract and fault matching.
pub const PATH: &str = "/v1beta/chat/completions";

/// The models the chat API documents: `speed`, and the research models
/// named after their task processors.
pub const MODELS: [&str; 4] = ["speed", "lite", "base", "core"];

/// `speed`'s time to an answer, seconds (documented p50 TTFT: about 3 s).
const SPEED_SECS: (f64, f64) = (1.0, 3.0);

/// Pause between two streamed chunks, before the time scale.
const CHUNK_GAP: Duration = Duration::from_millis(20);

/// Longest piece of text one chunk carries, in characters.
const PIECE_CHARS: usize = 24;

#[derive(Deserialize)]
struct Message {
    role: String,
    content: String,
}

#[derive(Deserialize)]
struct ChatRequest {
    model: String,
    messages: Vec<Message>,
    #[serde(default)]
    stream: Option<bool>,
    #[serde(default)]
    response_format: Option<Value>,
}

/// Answers a chat completion request, whole or streamed.
pub async fn chat_completions(
    State(st): State<Arc<AppState>>,
    body: Result<JsonBody, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body?;
    st.take_rate_token()
        .map_err(|wait| rate_limited(&st, wait))?;
    let _: &serde_json::value::RawValue =
        validate::parse_json(&body).map_err(ApiError::Validation)?;
    validate::check_contract(PATH, "post", &body).map_err(ApiError::Validation)?;
    let request: ChatRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::validation(&[json!("body")], e.to_string(), "model_attributes_type")
    })?;
    if !MODELS.contains(&request.model.as_str()) {
        return Err(ApiError::validation(
            &[json!("body"), json!("model")],
            format!(
                "Unknown model {:?}: use one of 'speed', 'lite', 'base' or 'core'",
                request.model
            ),
            "literal_error",
        ));
    }
    let Some(question) = request
        .messages
        .iter()
        .rev()
        .find(|m| m.role == "user")
        .or(request.messages.last())
    else {
        return Err(ApiError::validation(
            &[json!("body"), json!("messages")],
            "List should have at least 1 item after validation, not 0",
            "too_short",
        ));
    };
    let format = match &request.response_format {
        Some(f) if f["type"] == "json_schema" => match f.pointer("/json_schema/schema") {
            Some(schema) => AnswerFormat::Schema(schema),
            None => AnswerFormat::AnyObject,
        },
        Some(f) if f["type"] == "json_object" => AnswerFormat::AnyObject,
        _ => AnswerFormat::Text,
    };
    let key = String::from_utf8_lossy(&body);
    let research = request.model != "speed";
    let ChatAnswer { content, basis } =
        answer(st.config.seed, &key, &question.content, format, research);
    let h = ids::hash_bytes(st.config.seed, key.as_bytes());
    let head = Head {
        id: format!("chatcmpl-{h:016x}"),
        created: ids::now_micros() / 1_000_000,
        model: request.model.clone(),
    };
    let usage = json!({
        "prompt_tokens": request.messages.iter().map(|m| m.content.split_whitespace().count()).sum::<usize>(),
        "completion_tokens": pieces(&content).len(),
        "total_tokens": request.messages.iter().map(|m| m.content.split_whitespace().count()).sum::<usize>() + pieces(&content).len(),
    });
    let tail = json!({
        "usage": usage,
        "basis": basis,
        "interaction_id": format!("intr_{:016x}", ids::mix(h)),
    });
    let latency = scaled(&st, model_latency(&request.model, h));
    if request.stream == Some(true) {
        let cut = st.faults.stream_cut_for("POST", PATH);
        let frames = stream_frames(&head, &content, &tail);
        let gap = scaled(&st, CHUNK_GAP);
        let source = Source {
            frames,
            sent: 0,
            latency,
            gap,
        };
        return Ok(sse::serve(st, "chat_completions", cut, source, step));
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mut whole = json!({
        "id": head.id,
        "object": "chat.completion",
        "created": head.created,
        "model": head.model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null},
            "delta": {"role": "assistant", "content": content},
            "finish_reason": "stop",
            "logprobs": null
        }],
    });
    if let (Some(whole), Value::Object(tail)) = (whole.as_object_mut(), tail) {
        whole.extend(tail);
    }
    Ok(json_response(StatusCode::OK, whole.to_string()))
}

/// What every chunk of one completion repeats.
struct Head {
    id: String,
    created: i64,
    model: String,
}

/// A documented latency for `model`, picked from its range by `h`.
fn model_latency(model: &str, h: u64) -> Duration {
    let (min, max) = match processors::lookup(model) {
        Some(i) if model != "speed" => {
            let p = processors::get(i);
            (p.min_secs, p.max_secs)
        }
        _ => SPEED_SECS,
    };
    Duration::from_secs_f64(min + (max - min) * ids::unit(ids::mix(h ^ 0xc4a7)))
}

/// `d` times the time scale; zero at scale 0 (answers at once).
fn scaled(st: &AppState, d: Duration) -> Duration {
    d.mul_f64(st.config.time_scale)
}

/// `content` cut into the pieces chunks carry: at most [`PIECE_CHARS`]
/// characters, ending after a space where one comes soon enough.
fn pieces(content: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut chars) = (0, 0);
    for (i, c) in content.char_indices() {
        chars += 1;
        let end = i + c.len_utf8();
        if (c == ' ' && chars >= PIECE_CHARS / 2) || chars >= PIECE_CHARS {
            out.push(&content[start..end]);
            (start, chars) = (end, 0);
        }
    }
    if start < content.len() {
        out.push(&content[start..]);
    }
    out
}

/// Every frame of a streamed completion, `[DONE]` included.
fn stream_frames(head: &Head, content: &str, tail: &Value) -> VecDeque<String> {
    let chunk = |delta: Value, finish: Value| {
        json!({
            "type": "chat.completion.chunk",
            "id": head.id,
            "object": "chat.completion.chunk",
            "created": head.created,
            "model": head.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        })
    };
    let mut frames = VecDeque::new();
    let mut push = |value: &Value| frames.push_back(format!("data: {value}\n\n"));
    push(&chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    ));
    for piece in pieces(content) {
        push(&chunk(json!({"content": piece}), Value::Null));
    }
    let mut last = chunk(json!({}), json!("stop"));
    if let (Some(last), Value::Object(tail)) = (last.as_object_mut(), tail.clone()) {
        last.extend(tail);
    }
    push(&last);
    frames.push_back("data: [DONE]\n\n".to_owned());
    frames
}

/// A streamed completion's remaining frames and pacing.
struct Source {
    frames: VecDeque<String>,
    /// Frames sent so far.
    sent: usize,
    /// The model's latency: the pause between the role chunk (sent at once)
    /// and the first piece of the answer.
    latency: Duration,
    /// Pause between later chunks (zero: send them in batches).
    gap: Duration,
}

async fn step(mut source: Source, allow: usize) -> Option<(Next, Source)> {
    if source.frames.is_empty() {
        return None;
    }
    let pause = match source.sent {
        0 => Duration::ZERO,
        1 => source.latency,
        _ => source.gap,
    };
    if !pause.is_zero() {
        tokio::time::sleep(pause).await;
    }
    let take = if source.sent == 0 || !source.gap.is_zero() {
        1
    } else {
        allow.max(1)
    };
    let mut text = String::new();
    let mut count = 0;
    while count < take {
        let Some(frame) = source.frames.pop_front() else {
            break;
        };
        text.push_str(&frame);
        count += 1;
    }
    source.sent += count;
    let last = source.frames.is_empty();
    Some((Next::Frames { text, count, last }, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_the_content_exactly() {
        for content in [
            "",
            "one",
            "a b c d e f g h i j k l m n o p q r s t u v w x y z",
            "{\"a\":\"ééééééééééééééééééééééééééééé\"}",
        ] {
            assert_eq!(pieces(content).concat(), content);
            assert!(
                pieces(content)
                    .iter()
                    .all(|p| p.chars().count() <= PIECE_CHARS)
            );
        }
    }
}
