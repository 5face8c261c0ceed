//! The chat cases of the bad-input table (issue 15): a request the SDK
//! refuses before sending, the server's 422 for an unknown model, and
//! streams that break off or carry chunks of an unknown shape (scripted
//! servers). None panics or returns half an answer as a whole one.

use super::*;
use crate::hostile_server::{ScriptedServer, client_for, sse_head, write};

/// The outcome of a whole completion.
async fn answer(chat: parallel_web::Chat) -> Outcome {
    let done = chat.await?;
    Ok(format!(
        "answer of {} chars",
        done.content().unwrap_or_default().len()
    ))
}

/// The outcome of a streamed completion, collected.
async fn collected(chat: parallel_web::Chat) -> Outcome {
    let done = chat.stream().await?.collect_message().await?;
    Ok(format!(
        "answer {:?}, {} unknown chunk(s) kept",
        done.content().unwrap_or_default(),
        done.unknown_chunks.len()
    ))
}

/// A chunk of the answer, as the API streams it.
fn chunk(content: &str, finish: bool) -> String {
    let finish = if finish { r#""stop""# } else { "null" };
    format!(
        "data: {{\"type\":\"chat.completion.chunk\",\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"speed\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{content}\"}},\"finish_reason\":{finish}}}]}}\n\n"
    )
}

/// A server answering every request with an event stream of `body`, then
/// closing the connection.
async fn streaming(body: String) -> ScriptedServer {
    let body = Arc::new(body);
    ScriptedServer::start(move |_req, mut sock| {
        let body = body.clone();
        async move {
            if write(&mut sock, sse_head()).await {
                write(&mut sock, body.as_bytes()).await;
            }
        }
    })
    .await
}

/// Runs `call` on a client of the instant emulator, recording a violation
/// if it sent a request.
async fn nothing_sent<F, Fut>(env: &Env, call: F) -> Observed
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let client = env.client();
    let outcome = call(client.clone()).await;
    let sent = client.request_count();
    Observed::of(outcome).check(sent == 0, || format!("{sent} request(s) sent"))
}

fn model_refused() -> Check {
    expect_err(|e| {
        matches!(e, Error::Validation { fields, .. }
            if e.status() == Some(422) && fields.iter().any(|f| f.loc.last().and_then(Value::as_str) == Some("model")))
    })
}

pub(super) fn chat_cases() -> Vec<Case> {
    vec![
        Case::new(
            "chat_no_messages",
            "client.chat().model(\"speed\") with no message",
            "InvalidInput on messages, nothing sent",
            expect_err(|e| matches!(e, Error::InvalidInput { field, .. } if field == "messages")),
            |env| async move { nothing_sent(&env, |c| answer(c.chat().model("speed"))).await },
        ),
        Case::new(
            "chat_no_model",
            "client.chat().user(\"hi\") with no model",
            "InvalidInput on model, nothing sent",
            expect_err(|e| matches!(e, Error::InvalidInput { field, .. } if field == "model")),
            |env| async move { nothing_sent(&env, |c| answer(c.chat().user("hi"))).await },
        ),
        Case::new(
            "chat_unknown_model",
            "client.chat().model(\"gpt-4o\").user(\"hi\")",
            "Error::Validation (HTTP 422) naming body.model",
            model_refused(),
            |env| async move {
                Observed::of(answer(env.client().chat().model("gpt-4o").user("hi")).await)
            },
        ),
        Case::new(
            "chat_stream_unknown_model",
            "the same, with .stream()",
            "Error::Validation (HTTP 422) naming body.model, at stream() (not as an item)",
            model_refused(),
            |env| async move {
                let opened = env
                    .client()
                    .chat()
                    .model("gpt-4o")
                    .user("hi")
                    .stream()
                    .await;
                Observed::of(opened.map(|_| "a stream opened".to_owned()))
            },
        ),
        Case::new(
            "chat_stream_cut_before_done",
            "a server streams two chunks and closes without `data: [DONE]`; collect_message()",
            "Error::ChatStreamEnded after 2 chunks, no partial answer",
            expect_err(|e| matches!(e, Error::ChatStreamEnded { chunks: 2, .. })),
            |env| async move {
                let server =
                    streaming(format!("{}{}", chunk("Hel", false), chunk("lo", false))).await;
                let client = client_for(&env, &server.url(), |b| b);
                Observed::of(collected(client.chat().model("speed").user("hi")).await)
            },
        ),
        Case::new(
            "chat_stream_cut_mid_chunk",
            "a server closes in the middle of a chunk's line",
            "Error::ChatStreamEnded after 1 chunk (the half chunk is dropped)",
            expect_err(|e| matches!(e, Error::ChatStreamEnded { chunks: 1, .. })),
            |env| async move {
                let server = streaming(format!(
                    "{}data: {{\"type\":\"chat.comp",
                    chunk("Hel", false)
                ))
                .await;
                let client = client_for(&env, &server.url(), |b| b);
                Observed::of(collected(client.chat().model("speed").user("hi")).await)
            },
        ),
        Case::new(
            "chat_stream_unknown_chunk_shape",
            "a stream with a chunk of another shape (`{\"type\":\"chat.completion.reasoning\"}`) and one that is not JSON, between two known chunks, then [DONE]",
            "Ok: the answer from the known chunks; both others kept as ChatChunk::Unknown",
            expect_ok(|s| s.contains("\"Hello\"") && s.contains("2 unknown")),
            |env| async move {
                let server = streaming(format!(
                    "{}data: {{\"type\":\"chat.completion.reasoning\",\"step\":1}}\n\ndata: <html>oops</html>\n\n{}data: [DONE]\n\n",
                    chunk("Hel", false),
                    chunk("lo", true)
                ))
                .await;
                let client = client_for(&env, &server.url(), |b| b);
                Observed::of(collected(client.chat().model("speed").user("hi")).await)
            },
        ),
        Case::new(
            "chat_stream_error_event",
            "a stream carrying `event: error` with the API's error body",
            "Error::ServerEvent with the server's message",
            expect_err(
                |e| matches!(e, Error::ServerEvent { message, .. } if message == "model overloaded"),
            ),
            |env| async move {
                let server = streaming(format!(
                    "{}event: error\ndata: {{\"type\":\"error\",\"error\":{{\"ref_id\":\"r\",\"message\":\"model overloaded\"}}}}\n\n",
                    chunk("Hel", false)
                ))
                .await;
                let client = client_for(&env, &server.url(), |b| b);
                Observed::of(collected(client.chat().model("speed").user("hi")).await)
            },
        ),
        Case::new(
            "chat_json_answer_not_the_type",
            "a text answer read with ChatCompletion::parse::<T>()",
            "Error::Decode holding the raw answer",
            expect_err(|e| matches!(e, Error::Decode { raw, .. } if !raw.is_empty())),
            |env| async move {
                #[derive(Debug, Deserialize)]
                struct Typed {
                    #[allow(dead_code)]
                    n: i64,
                }
                let done = env.client().chat().model("speed").user("hi").await;
                Observed::of(
                    done.and_then(|d| d.parse::<Typed>())
                        .map(|t| format!("{t:?}")),
                )
            },
        ),
    ]
}
