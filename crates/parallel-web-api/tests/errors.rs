//! Error responses keep their status code and body: documented ones decode
//! into `types::ApiError`, undocumented ones stay a raw response.

mod support;

use parallel_web_api::Error;
use parallel_web_api::types::ApiError;
use support::{Reply, client, serve_once};

const NOT_FOUND: &str = r#"{"type":"error","error":{"ref_id":"fcb2b4f3-c75e-4186-87bc-caa1a8381331","message":"Run id not found"}}"#;

/// The error `GET /v1/tasks/runs/{run_id}` fails with when the server
/// answers with `reply`, after checking that it kept `reply`'s status.
async fn retrieve_run_error(reply: Reply) -> Error<ApiError> {
    let status = reply.status;
    let (url, _server) = serve_once(reply).await;
    let error = client(&url)
        .task_run_retrieve()
        .run_id("trun_x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
    error
}

#[tokio::test]
async fn a_404_error_response_keeps_status_and_body() {
    let error = retrieve_run_error(Reply::json(404, NOT_FOUND)).await;
    let Error::ErrorResponse(response) = error else {
        panic!("documented error: {error:?}")
    };
    let ApiError::ErrorResponse(body) = response.into_inner() else {
        panic!("ErrorResponse body")
    };
    assert_eq!(body.error.message, "Run id not found");
    assert_eq!(body.error.ref_id, "fcb2b4f3-c75e-4186-87bc-caa1a8381331");
}

#[tokio::test]
async fn a_422_validation_error_keeps_status_and_body() {
    let validation = r#"{"detail":[{"loc":["body","inputs",0,"processor"],"msg":"Field required","type":"missing"}]}"#;
    let (url, _server) = serve_once(Reply::json(422, validation)).await;
    let error = client(&url)
        .task_group_create()
        .body(parallel_web_api::types::CreateTaskGroupRequest::default())
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(422));
    let Error::ErrorResponse(response) = error else {
        panic!("documented error: {error:?}")
    };
    let ApiError::HttpValidationError(body) = response.into_inner() else {
        panic!("validation body")
    };
    let detail = &body.detail[0];
    assert_eq!(detail.msg, "Field required");
    assert_eq!(detail.loc.len(), 4);
}

#[tokio::test]
async fn an_undocumented_500_keeps_status_and_body() {
    let error = retrieve_run_error(Reply::json(500, r#"{"oops":true}"#)).await;
    let Error::UnexpectedResponse(response) = error else {
        panic!("undocumented status: {error:?}")
    };
    assert_eq!(response.text().await.unwrap(), r#"{"oops":true}"#);
}

#[tokio::test]
async fn a_stream_operation_reports_its_error_at_the_call() {
    let (url, _server) = serve_once(Reply::json(404, NOT_FOUND)).await;
    let Err(error) = client(&url)
        .task_group_events()
        .taskgroup_id("tgrp_x")
        .send()
        .await
    else {
        panic!("a 404 must fail the call, not start a stream");
    };
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert!(matches!(error, Error::ErrorResponse(_)));
}
