//! Configuration from the environment, and the API key staying secret in
//! tracing output. One test per concern; the environment is only touched here.

use parallel_web::Client;
use parallel_web_emulator::Emulator;
use parallel_web_test_support::trace::{Captured, trace_everything};

#[test]
fn the_client_is_cheap_to_share_across_tasks() {
    fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync_clone::<Client>();
}

#[tokio::test]
async fn from_env_reads_key_base_url_and_custom_headers_and_tracing_never_shows_the_key() {
    let emu = Emulator::builder()
        .api_key("sk-env-secret-789")
        .time_scale(0.0)
        .start()
        .await
        .unwrap();
    // SAFETY: this is the only test in this binary that touches the
    // environment, and nothing else reads it concurrently.
    unsafe {
        std::env::set_var("PARALLEL_API_KEY", "sk-env-secret-789");
        std::env::set_var("PARALLEL_BASE_URL", emu.base_url());
        std::env::set_var("PARALLEL_CUSTOM_HEADERS", "X-Team: research\nX-Run: 7");
    }
    let client = Client::from_env().unwrap();
    assert_eq!(client.base_url(), emu.base_url());

    // The custom headers and the key go out with every request.
    let mock = httpmock::MockServer::start_async().await;
    let m = mock
        .mock_async(|when, then| {
            when.path("/v1/tasks/runs/trun_1")
                .header("x-team", "research")
                .header("x-run", "7")
                .header("x-api-key", "sk-env-secret-789");
            then.status(404)
                .json_body(serde_json::json!({"type": "error", "error": {"ref_id": "r", "message": "Run id not found"}}));
        })
        .await;
    let via_mock = Client::builder_from_env()
        .unwrap()
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let err = via_mock.task_runs().retrieve("trun_1").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    m.assert_async().await;

    let out = Captured::default();
    let _guard = tracing::dispatcher::set_default(&trace_everything(&out));

    let group = client.task_groups().create().send().await.unwrap();
    group
        .add_runs(["q"])
        .processor("lite")
        .send()
        .await
        .unwrap();
    let bad = Client::builder()
        .api_key("sk-env-secret-789-but-wrong")
        .base_url(emu.base_url())
        .build()
        .unwrap();
    let err = bad.task_groups().create().send().await.unwrap_err();
    tracing::error!(error = %err, debug = ?err, client = ?bad, "logged by the application");

    let logs = out.text();
    assert!(
        logs.contains("parallel.request"),
        "one span per request: {logs}"
    );
    assert!(logs.contains("task_group_add_runs"), "{logs}");
    assert!(!logs.contains("sk-env-secret"), "the key leaked: {logs}");
    assert!(
        !logs.contains("\"q\""),
        "no request bodies at any level: {logs}"
    );
}
