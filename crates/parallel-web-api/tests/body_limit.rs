//! Response bodies are read with a limit: a success body over the client's
//! `max_response_bytes` fails with `ResponseTooLarge` without being read
//! whole, and an error body is read only as far as `ERROR_BODY_KEPT_BYTES`.

mod support;

use parallel_web_api::types::ApiError;
use parallel_web_api::{
    ClientConfig, DEFAULT_MAX_RESPONSE_BYTES, ERROR_BODY_KEPT_BYTES, Error, ErrorBodyTooLong,
    ResponseTooLarge, find_in_chain,
};
use support::{API_KEY, serve_sized};

/// A complete `TaskRun`; JSON allows the spaces that pad it to a size.
const TASK_RUN: &[u8] = br#"{"run_id":"trun_1","interaction_id":"trun_1","status":"completed","is_active":false,"processor":"base","created_at":null,"modified_at":null}"#;

async fn retrieve(url: &str, limit: Option<u64>) -> Result<String, Error<ApiError>> {
    let mut config = ClientConfig::new(url, API_KEY);
    if let Some(limit) = limit {
        config = config.max_response_bytes(limit);
    }
    let client = config.build().expect("client");
    let run = client.task_run_retrieve().run_id("trun_1").send().await?;
    Ok(run.into_inner().run_id)
}

/// The `ResponseTooLarge` inside a failed read, or a panic saying what came instead.
fn too_large(result: Result<String, Error<ApiError>>) -> u64 {
    match result {
        Err(Error::ResponseBodyError(e)) => match find_in_chain::<ResponseTooLarge>(&e) {
            Some(found) => found.limit,
            None => panic!("no ResponseTooLarge in {e:?}"),
        },
        other => panic!("expected a body error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_body_exactly_at_the_limit_is_read_and_one_byte_more_is_refused() {
    let limit = 4096;
    for (size, fits) in [(limit - 1, true), (limit, true), (limit + 1, false)] {
        for declare_length in [true, false] {
            let (url, _server) = serve_sized(200, declare_length, TASK_RUN, b' ', size).await;
            let result = retrieve(&url, Some(limit)).await;
            if fits {
                assert_eq!(result.expect("fits the limit"), "trun_1", "size {size}");
            } else {
                assert_eq!(too_large(result), limit, "size {size}");
            }
        }
    }
}

#[tokio::test]
async fn a_declared_gigabyte_is_refused_before_it_is_read() {
    let (url, server) = serve_sized(200, true, TASK_RUN, b' ', 1 << 30).await;
    assert_eq!(
        too_large(retrieve(&url, None).await),
        DEFAULT_MAX_RESPONSE_BYTES
    );
    // The client hung up long before the gigabyte was sent.
    assert!(server.await.expect("server") < 1 << 30);
}

#[tokio::test]
async fn an_undeclared_gigabyte_is_cut_at_the_limit() {
    let limit = 1 << 20;
    let (url, server) = serve_sized(200, false, TASK_RUN, b' ', 1 << 30).await;
    assert_eq!(too_large(retrieve(&url, Some(limit)).await), limit);
    assert!(server.await.expect("server") < 1 << 30);
}

#[tokio::test]
async fn a_long_undocumented_error_body_is_cut_with_its_status_and_start_kept() {
    let (url, server) = serve_sized(500, true, b"{\"detail\":\"", b'x', 1 << 30).await;
    let Err(Error::UnexpectedResponse(response)) = retrieve(&url, None).await else {
        panic!("an undocumented status stays a raw response")
    };
    assert_eq!(response.status().as_u16(), 500);
    let read = response
        .text()
        .await
        .expect_err("the body is longer than kept");
    let cut = find_in_chain::<ErrorBodyTooLong>(&read).expect("ErrorBodyTooLong");
    assert_eq!(cut.status.as_u16(), 500);
    assert_eq!(cut.kept.len(), ERROR_BODY_KEPT_BYTES);
    assert!(cut.kept.starts_with(b"{\"detail\":\"xxx"));
    assert!(server.await.expect("server") < 1 << 30);
}

#[tokio::test]
async fn a_long_documented_error_body_keeps_its_status() {
    // 404 is a documented status: progenitor reads it to decode it.
    let (url, _server) = serve_sized(404, false, b"{\"detail\":\"", b'x', 1 << 24).await;
    let Err(Error::ResponseBodyError(e)) = retrieve(&url, None).await else {
        panic!("the body read fails")
    };
    let cut = find_in_chain::<ErrorBodyTooLong>(&e).expect("ErrorBodyTooLong");
    assert_eq!(cut.status.as_u16(), 404);
    assert_eq!(cut.kept.len(), ERROR_BODY_KEPT_BYTES);
}

#[tokio::test]
async fn an_error_body_that_fits_what_is_kept_is_decoded_as_before() {
    let body: &'static [u8] =
        br#"{"type":"error","error":{"ref_id":"r1","message":"Run id not found"}}"#;
    for size in [body.len() as u64, ERROR_BODY_KEPT_BYTES as u64] {
        let (url, _server) = serve_sized(404, true, body, b' ', size).await;
        let Err(Error::ErrorResponse(response)) = retrieve(&url, None).await else {
            panic!("a documented error of {size} bytes decodes")
        };
        assert_eq!(response.status().as_u16(), 404);
    }
}
