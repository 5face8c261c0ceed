//! `POST /v1beta/chat/completions` over HTTP: answers, formats, streams,
//! errors, keys and faults.

mod common;

use common::{builder, start, start_with};
use futures::StreamExt;
use parallel_web_emulator::Fault;
use serde_json::{Value, json};

const PATH: &str = "/v1beta/chat/completions";

fn ask(model: &str, question: &str) -> Value {
    json!({"model": model, "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": question}
    ]})
}

/// The `data:` payloads of a chat stream, strictly framed: `data:` lines
/// only (no `event:`, as OpenAI streams them), each block ending with a
/// blank line.
fn data_lines(text: &str) -> Vec<String> {
    assert!(text.ends_with("\n\n"), "unterminated stream: {text:?}");
    text.split_terminator("\n\n")
        .map(|block| {
            block
                .strip_prefix("data: ")
                .filter(|d| !d.contains('\n'))
                .unwrap_or_else(|| panic!("not one data line: {block:?}"))
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_text_answer_mentions_the_last_user_message_and_has_the_openai_shape() {
    let (_emu, api) = start().await;
    let r = api
        .post(PATH, &ask("speed", "Tallest tower in Lyon?"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["model"], "speed");
    let choice = &v["choices"][0];
    assert_eq!(choice["finish_reason"], "stop");
    assert_eq!(choice["message"]["role"], "assistant");
    let content = choice["message"]["content"].as_str().unwrap();
    assert!(content.contains("Tallest tower in Lyon"), "{content}");
    assert_eq!(choice["delta"]["content"], content);
    assert_eq!(v["basis"], json!([]), "speed has no basis");
    assert!(v["interaction_id"].as_str().unwrap().starts_with("intr_"));
}

#[tokio::test]
async fn the_same_seed_and_request_give_the_same_answer() {
    let body = ask("lite", "Who makes the A320?");
    let (_a, first) = start().await;
    let (_b, second) = start().await;
    let one = first.post(PATH, &body).await.json();
    let two = second.post(PATH, &body).await.json();
    assert_eq!(one["choices"], two["choices"]);
    assert_eq!(one["basis"], two["basis"]);
    let (_c, other_seed) = start_with(builder().seed(99)).await;
    let three = other_seed.post(PATH, &body).await.json();
    assert_ne!(one["choices"], three["choices"]);
}

#[tokio::test]
async fn a_json_schema_answer_fills_the_schema_with_a_basis_per_field() {
    let (_emu, api) = start().await;
    let mut body = ask("base", "Stripe founders");
    body["response_format"] = json!({"type": "json_schema", "json_schema": {
        "name": "founders",
        "schema": {"type": "object", "properties": {
            "names": {"type": "array", "items": {"type": "string"}},
            "founded": {"type": "integer"}
        }, "required": ["names", "founded"], "additionalProperties": false}
    }});
    let v = api.post(PATH, &body).await.json();
    let content = v["choices"][0]["message"]["content"].as_str().unwrap();
    let answer: Value = serde_json::from_str(content).unwrap();
    assert!(
        answer["names"].is_array() && answer["founded"].is_i64(),
        "{answer}"
    );
    let fields: Vec<&str> = v["basis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["names", "founded"]);
}

#[tokio::test]
async fn a_json_object_answer_is_a_json_object() {
    let (_emu, api) = start().await;
    let mut body = ask("speed", "anything");
    body["response_format"] = json!({"type": "json_object"});
    let v = api.post(PATH, &body).await.json();
    let content = v["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(serde_json::from_str::<Value>(content).unwrap().is_object());
}

#[tokio::test]
async fn a_stream_sends_the_same_answer_chunk_by_chunk_and_ends_with_done() {
    let (_emu, api) = start().await;
    let whole = api.post(PATH, &ask("core", "Rivers of Peru")).await.json();
    let mut body = ask("core", "Rivers of Peru");
    body["stream"] = json!(true);
    let r = api.post(PATH, &body).await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("text/event-stream")
    );
    let data = data_lines(&r.text);
    assert_eq!(data.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = data[..data.len() - 1]
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    assert!(chunks.len() > 3, "{}", r.text);
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    // A streamed request has `stream` in its body, so it is its own request;
    // the text follows the same rule.
    assert!(text.contains("Rivers of Peru"), "{text}");
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert!(!last["basis"].as_array().unwrap().is_empty());
    assert!(last["usage"]["total_tokens"].as_u64().unwrap() > 0);
    for c in &chunks {
        assert_eq!(c["type"], "chat.completion.chunk");
        assert_eq!(c["object"], "chat.completion.chunk");
        assert_eq!(c["id"], chunks[0]["id"]);
    }
    assert!(whole["choices"][0]["message"]["content"].is_string());
}

#[tokio::test]
async fn an_unknown_model_is_a_422_at_body_model() {
    let (_emu, api) = start().await;
    let r = api.post(PATH, &ask("gpt-4o", "hi")).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["detail"][0]["loc"], json!(["body", "model"]));
}

#[tokio::test]
async fn no_messages_is_a_422_at_body_messages() {
    let (_emu, api) = start().await;
    let r = api
        .post(PATH, &json!({"model": "speed", "messages": []}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["detail"][0]["loc"], json!(["body", "messages"]));
}

#[tokio::test]
async fn a_body_the_contract_refuses_is_a_422() {
    let (_emu, api) = start().await;
    let r = api
        .post(
            PATH,
            &json!({"model": "speed", "messages": [{"role": "robot", "content": "x"}]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let loc = &r.json()["detail"][0]["loc"];
    assert_eq!(loc, &json!(["body", "messages", 0, "role"]));
}

#[tokio::test]
async fn a_bearer_key_is_accepted_on_the_chat_path_only() {
    let (emu, api) = start().await;
    // Only `Authorization: Bearer`, no `x-api-key` (as OpenAI's SDKs send it).
    let status = |path: &str, key: &str| {
        let request = api
            .http
            .post(format!("{}{path}", api.base))
            .bearer_auth(key)
            .json(&ask("speed", "hi"));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(PATH, emu.api_key()).await, 200);
    assert_eq!(status("/v1/tasks/groups", emu.api_key()).await, 401);
    assert_eq!(status(PATH, "not-the-key").await, 401);
}

#[tokio::test]
async fn a_drop_stream_fault_cuts_a_chat_stream() {
    let (emu, api) = start_with(builder().fault(Fault::drop_stream_after(2).times(1))).await;
    let mut body = ask("speed", "one two three four five six seven eight nine ten");
    body["stream"] = json!(true);
    let resp = api
        .http
        .post(format!("{}{PATH}", api.base))
        .header("x-api-key", emu.api_key())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut received = Vec::new();
    let mut stream = resp.bytes_stream();
    let mut failed = false;
    while let Some(piece) = stream.next().await {
        match piece {
            Ok(bytes) => received.extend_from_slice(&bytes),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    assert!(failed, "the body must end in an error, not cleanly");
    let text = String::from_utf8(received).unwrap();
    assert_eq!(data_lines(&text).len(), 2);
    assert!(!text.contains("[DONE]"));
    // `times(1)`: the next stream is whole.
    let again = api.post(PATH, &body).await;
    assert!(again.text.ends_with("data: [DONE]\n\n"));
}

#[tokio::test]
async fn a_status_fault_applies_to_chat() {
    let (_emu, api) = start_with(builder().fault(Fault::status(503).path("/chat/").times(1))).await;
    assert_eq!(api.post(PATH, &ask("speed", "hi")).await.status, 503);
    assert_eq!(api.post(PATH, &ask("speed", "hi")).await.status, 200);
}
