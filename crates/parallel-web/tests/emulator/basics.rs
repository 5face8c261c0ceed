//! The client itself: secrets, API versions, single runs.

use crate::*;

#[tokio::test]
async fn the_api_key_never_shows_in_debug_or_errors() {
    let emu = start(instant().api_key("sk-very-secret-key-123")).await;
    let client = client_for(&emu);
    assert!(!format!("{client:?}").contains("sk-very-secret"));
    let wrong = Client::builder()
        .api_key("sk-wrong-secret-456")
        .base_url(emu.base_url())
        .build()
        .unwrap();
    assert!(!format!("{wrong:?}").contains("sk-wrong"));
    let err = wrong.task_groups().create().send().await.unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains("sk-wrong-secret-456"), "{text}");
    }
    let unreachable = Client::builder()
        .api_key("sk-wrong-secret-456")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let err = unreachable.task_groups().create().send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Connection {
                before_sending: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("sk-wrong-secret-456"));
}

#[tokio::test]
async fn single_runs_create_retrieve_input_and_wait_for_a_typed_result() {
    let emu = start(Emulator::builder().time_scale(0.001)).await;
    let client = client_for(&emu);
    let spec = TaskSpec::output::<Answer>();
    let run = client
        .task_runs()
        .create(RunInput::new(json!({"n": 1})).processor("lite"))
        .spec(&spec)
        .send()
        .await
        .unwrap();
    assert_eq!(
        client
            .task_runs()
            .retrieve(&run.run_id)
            .await
            .unwrap()
            .run_id,
        run.run_id
    );
    let input = client.task_runs().input(&run.run_id).await.unwrap();
    assert_eq!(input.processor, "lite");
    let result = client
        .task_runs()
        .result(&run.run_id)
        .typed::<Answer>()
        .wait(Duration::from_secs(600))
        .await
        .unwrap();
    assert!(!result.output.answer.is_empty());
    let group_run_missing = client
        .task_runs()
        .retrieve("trun_00000000000000000000000000000000")
        .await
        .unwrap_err();
    assert_eq!(group_run_missing.status(), Some(404));
}

#[tokio::test]
async fn the_v1beta_version_calls_the_beta_group_endpoints() {
    let emu = start(instant()).await;
    let client = configured(&emu, |b| b.api_version(ApiVersion::V1Beta));
    let (group, out) = group_with(&client, 2).await;
    group.wait().await.unwrap();
    let run = group.run(&out.run_ids[0]).await.unwrap();
    assert_eq!(run.run_id, out.run_ids[0]);
    assert_eq!(ops(&emu, "beta_task_group_create"), 1);
    assert_eq!(ops(&emu, "beta_task_group_add_runs"), 1);
    assert_eq!(ops(&emu, "task_group_create"), 0);
}

#[tokio::test]
async fn a_user_supplied_reqwest_client_is_used_as_configured() {
    let emu = start(instant()).await;
    parallel_web::install_tls_provider();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-api-key", emu.api_key().parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    // No API key on the builder: the supplied client sends it.
    let client = Client::builder()
        .base_url(emu.base_url())
        .http_client(http)
        .build()
        .unwrap();
    let group = client.task_groups().create().send().await.unwrap();
    let again = client.task_groups().retrieve(group.id()).await.unwrap();
    assert_eq!(again.id(), group.id());
    assert_eq!(client.request_count(), 2);
}

#[tokio::test]
async fn an_error_names_the_operation_the_server_served_in_either_version() {
    let emu = start(instant()).await;
    for (version, expected) in [
        (ApiVersion::V1, "task_group_retrieve"),
        (ApiVersion::V1Beta, "beta_task_group_retrieve"),
    ] {
        let client = configured(&emu, |b| b.api_version(version));
        let before = ops(&emu, expected);
        let err = client
            .task_groups()
            .handle("tgrp_00000000000000000000000000000000")
            .retrieve()
            .await
            .unwrap_err();
        let op = err.api_error().expect("an HTTP error").operation;
        assert_eq!(op, expected, "{err}");
        assert_eq!(ops(&emu, op), before + 1, "the emulator served {op}");
    }
}
