//! The generated, typed httpmock layer (`parallel-web-api-httpmock`) and the
//! generated client agree on every part of a request they both describe.

use httpmock::MockServer;
use parallel_web_api::types::{self, ApiError, TaskSpecOutputSchema};
use parallel_web_api::{ClientConfig, Error};
use parallel_web_api_httpmock::MockServerExt;

fn run(status: &str) -> types::TaskRun {
    serde_json::from_value(serde_json::json!({
        "run_id": "trun_1", "interaction_id": "trun_1", "status": status, "is_active": false,
        "processor": "base", "created_at": null, "modified_at": null
    }))
    .unwrap()
}

#[tokio::test]
async fn add_runs_matches_the_typed_mock_for_query_header_and_body() {
    let server = MockServer::start_async().await;
    // Built with the generated builders, so a new optional field in the
    // spec does not break this test.
    let spec: types::TaskSpec = types::TaskSpec::builder()
        .output_schema(TaskSpecOutputSchema::String("a string".into()))
        .try_into()
        .unwrap();
    let body: types::TaskGroupRunRequest = types::TaskGroupRunRequest::builder()
        .default_task_spec(Some(spec))
        .inputs(vec![
            types::TaskRunInput::builder()
                .processor("base")
                .input(parallel_web_api::InputValue::text("q"))
                .try_into()
                .unwrap(),
        ])
        .try_into()
        .unwrap();
    let response: types::TaskGroupRunResponse = serde_json::from_value(serde_json::json!({
        "status": {"num_task_runs": 1, "task_run_status_counts": {"queued": 1}, "is_active": true,
                   "status_message": null, "modified_at": null},
        "run_ids": ["trun_1"], "run_cursor": null, "event_cursor": null
    }))
    .unwrap();
    let mock = server.task_group_add_runs(|when, then| {
        when.taskgroup_id("tgrp_1")
            .refresh_status(false)
            .parallel_beta("webhook-2025-08-12")
            .body(&body);
        then.ok(&response);
    });
    let client = ClientConfig::new(server.base_url(), "key").build().unwrap();
    let answer = client
        .task_group_add_runs()
        .taskgroup_id("tgrp_1")
        .refresh_status(false)
        .parallel_beta("webhook-2025-08-12")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(answer.into_inner(), response);
}

#[tokio::test]
async fn a_result_timeout_is_an_api_error_with_status_408() {
    let server = MockServer::start_async().await;
    let timeout: ApiError = serde_json::from_str(
        r#"{"type":"error","error":{"ref_id":"r","message":"Request timed out; run still active"}}"#,
    )
    .unwrap();
    let mock = server.task_run_result(|when, then| {
        when.run_id("trun_1").timeout(600);
        then.request_timeout(&timeout);
    });
    let client = ClientConfig::new(server.base_url(), "key").build().unwrap();
    let error = client
        .task_run_result()
        .run_id("trun_1")
        .timeout(600)
        .send()
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert_eq!(error.status().map(|s| s.as_u16()), Some(408));
    let Error::ErrorResponse(response) = error else {
        panic!("documented error")
    };
    assert_eq!(response.into_inner(), timeout);
}

#[tokio::test]
async fn retrieve_run_returns_the_mocked_run() {
    let server = MockServer::start_async().await;
    let expected = run("paused");
    let mock = server.task_group_retrieve_run(|when, then| {
        when.taskgroup_id("tgrp_1").run_id("trun_1");
        then.ok(&expected);
    });
    let client = ClientConfig::new(server.base_url(), "key").build().unwrap();
    let got = client
        .task_group_retrieve_run()
        .taskgroup_id("tgrp_1")
        .run_id("trun_1")
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(
        got.status,
        parallel_web_api::open::TaskRunStatus::Other("paused".into())
    );
    assert_eq!(got, expected);
}
