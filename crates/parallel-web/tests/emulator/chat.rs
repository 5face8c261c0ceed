//! `client.chat()` against the emulator: whole and streamed answers, typed
//! JSON answers, follow-ups, and the bad inputs (no messages, an unknown
//! model, a cut stream, a chunk of an unknown shape).

use crate::*;
use parallel_web::types::ChoiceFinishReason;
use parallel_web::{ChatChunk, ChatCompletion};

#[derive(Debug, Deserialize, JsonSchema)]
struct City {
    /// The city's name.
    name: String,
    /// How many people live there.
    population: i64,
    /// Neighbourhoods worth a visit.
    districts: Vec<String>,
}

#[tokio::test]
async fn send_returns_the_whole_answer_about_the_question() {
    let emu = start(instant()).await;
    let answer = client_for(&emu)
        .chat()
        .model("speed")
        .system("Be brief.")
        .user("Oldest bridge in Prague?")
        .await
        .unwrap();
    assert!(
        answer
            .content()
            .unwrap()
            .contains("Oldest bridge in Prague"),
        "{answer:?}"
    );
    assert_eq!(answer.finish_reason(), Some(ChoiceFinishReason::Stop));
    assert!(answer.basis().is_empty(), "speed has no basis");
    assert!(answer.interaction_id().is_some());
    assert!(answer.unknown_chunks.is_empty());
}

#[tokio::test]
async fn a_json_schema_from_a_rust_type_comes_back_typed() {
    let emu = start(instant()).await;
    let request = client_for(&emu)
        .chat()
        .model("base")
        .user("Biggest city of Chile")
        .json_schema::<City>();
    let sent = request.preview().unwrap();
    assert_eq!(sent["response_format"]["type"], "json_schema");
    assert_eq!(sent["response_format"]["json_schema"]["name"], "City");
    let answer = request.send().await.unwrap();
    let city: City = answer.parse().unwrap();
    assert!(!city.name.is_empty() && !city.districts.is_empty());
    let _ = city.population;
    let fields: Vec<&str> = answer.basis().iter().map(|b| b.field.as_str()).collect();
    assert_eq!(fields, ["name", "population", "districts"]);
    // A text answer does not parse as a `City`: a typed error with the text.
    let text = client_for(&emu)
        .chat()
        .model("speed")
        .user("x")
        .await
        .unwrap();
    let err = text.parse::<City>().unwrap_err();
    assert!(
        matches!(&err, Error::Decode { raw, .. } if !raw.is_empty()),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_stream_collects_into_the_same_answer_as_its_chunks() {
    let emu = start(instant()).await;
    let request = client_for(&emu)
        .chat()
        .model("lite")
        .user("Longest river in Europe");
    let chunks: Vec<ChatChunk> = request
        .clone()
        .stream()
        .await
        .unwrap()
        .map(Result::unwrap)
        .collect()
        .await;
    assert!(chunks.len() > 3);
    assert!(chunks.iter().all(|c| matches!(c, ChatChunk::Delta(_))));
    let joined: String = chunks.iter().filter_map(ChatChunk::content).collect();
    let whole: ChatCompletion = request
        .stream()
        .await
        .unwrap()
        .collect_message()
        .await
        .unwrap();
    assert_eq!(whole.content(), Some(joined.as_str()));
    assert!(joined.contains("Longest river in Europe"), "{joined}");
    assert_eq!(whole.finish_reason(), Some(ChoiceFinishReason::Stop));
    assert!(!whole.basis().is_empty(), "lite has a basis");
    assert!(whole.interaction_id().is_some());
    assert!(whole.wire.usage.is_some());
}

#[tokio::test]
async fn a_follow_up_sends_the_previous_interaction_id() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let first = client
        .chat()
        .model("speed")
        .user("Capital of Peru?")
        .await
        .unwrap();
    let id = first.interaction_id().unwrap().to_owned();
    let follow_up = client
        .chat()
        .model("speed")
        .user("Its population?")
        .previous_interaction_id(&id);
    assert_eq!(
        follow_up.preview().unwrap()["previous_interaction_id"],
        id.as_str()
    );
    assert!(follow_up.await.unwrap().content().is_some());
}

#[tokio::test]
async fn no_messages_or_no_model_fail_before_sending() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    let err = client.chat().model("speed").await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "messages"),
        "{err:?}"
    );
    let err = client.chat().user("hi").stream().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "model"),
        "{err:?}"
    );
    assert_eq!(client.request_count(), 0);
    assert_eq!(emu.stats().requests, 0);
}

#[tokio::test]
async fn an_unknown_model_is_a_validation_error_naming_model() {
    let emu = start(instant()).await;
    let client = client_for(&emu);
    for streamed in [false, true] {
        let request = client.chat().model("gpt-4o").user("hi");
        let err = if streamed {
            request.stream().await.unwrap_err()
        } else {
            request.await.unwrap_err()
        };
        assert!(
            matches!(&err, Error::Validation { fields, .. } if fields.iter().any(|f| f.loc.last().and_then(|l| l.as_str()) == Some("model"))),
            "{err:?}"
        );
        assert_eq!(err.status(), Some(422));
    }
}

#[tokio::test]
async fn a_stream_cut_mid_way_is_an_error_not_a_short_answer() {
    let emu = start(instant().fault(Fault::drop_stream_after(3).times(1))).await;
    let client = client_for(&emu);
    let request = client
        .chat()
        .model("speed")
        .user("one two three four five six seven eight nine ten eleven");
    let err = request
        .clone()
        .stream()
        .await
        .unwrap()
        .collect_message()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ChatStreamEnded { chunks: 3, .. }),
        "{err:?}"
    );
    // The fault fired once: the next stream is whole.
    let whole = request
        .stream()
        .await
        .unwrap()
        .collect_message()
        .await
        .unwrap();
    assert!(whole.content().unwrap().contains("eleven"));
}

#[tokio::test]
async fn a_chunk_of_an_unknown_shape_is_kept_not_fatal() {
    // The emulator sends only known chunks; a scripted server sends one
    // chunk of a shape the SDK does not know between two known ones.
    let known = "data: {\"type\":\"chat.completion.chunk\",\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"speed\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\n";
    let body: &'static str = format!(
        "{known}data: {{\"type\":\"chat.completion.reasoning\",\"step\":2}}\n\n{known}data: [DONE]\n\n"
    )
    .leak();
    // A scripted server (httpmock): the request must ask for a stream.
    let server = httpmock::MockServer::start_async().await;
    let scripted = server
        .mock_async(|when, then| {
            when.method(httpmock::Method::POST)
                .path("/v1beta/chat/completions")
                .header("accept", "text/event-stream");
            then.status(200)
                .header("content-type", "text/event-stream")
                .body(body);
        })
        .await;
    let client = Client::builder()
        .api_key("k")
        .base_url(server.base_url())
        .build()
        .unwrap();
    let answer = client
        .chat()
        .model("speed")
        .user("hi")
        .stream()
        .await
        .unwrap()
        .collect_message()
        .await
        .unwrap();
    assert_eq!(answer.content(), Some("HiHi"));
    assert_eq!(answer.unknown_chunks.len(), 1);
    assert_eq!(answer.unknown_chunks[0]["step"], 2);
    scripted.assert_async().await;
}
