//! How clients are built: the API key stays secret, TLS works without
//! extra setup, and a caller's own `reqwest::Client` is used as given.

mod support;

use parallel_web_api::{Client, ClientConfig, ConfigError, STREAM_OPERATIONS, is_stream_operation};
use support::{API_KEY, Reply, serve_once};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

#[test]
fn the_api_key_never_appears_in_debug_output() {
    let config = ClientConfig::new("https://api.parallel.ai", API_KEY);
    assert!(!format!("{config:?}").contains(API_KEY));
    let client = config.build().unwrap();
    assert!(!format!("{client:?}").contains(API_KEY));
}

#[test]
fn an_api_key_that_is_not_a_header_value_is_rejected_without_echoing_it() {
    let error = ClientConfig::new("https://api.parallel.ai", "secret\nkey")
        .build()
        .unwrap_err();
    assert!(matches!(error, ConfigError::InvalidApiKey));
    assert!(!error.to_string().contains("secret"));
}

#[tokio::test]
async fn https_requests_start_a_tls_handshake() {
    // A plain TCP listener: the first bytes an https client sends must be a
    // TLS handshake record (content type 0x16), proving the TLS stack and
    // its crypto provider are in place.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let first_byte = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        socket.read_u8().await.unwrap()
    });
    let client = Client::with_api_key(&format!("https://127.0.0.1:{port}"), API_KEY).unwrap();
    let request = tokio::spawn(async move {
        client
            .task_run_retrieve()
            .run_id("trun_1")
            .send()
            .await
            .is_err()
    });
    assert_eq!(first_byte.await.unwrap(), 0x16);
    request.abort();
}

#[tokio::test]
async fn a_caller_supplied_http_client_is_used_as_given() {
    let (url, server) = serve_once(Reply::json(200, r#"{"processor":"base","input":"q"}"#)).await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-custom", "yes".parse().unwrap());
    parallel_web_api::install_tls_provider();
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    Client::from_http_client(&url, http)
        .task_run_input()
        .run_id("trun_1")
        .send()
        .await
        .unwrap();
    let captured = server.await.unwrap();
    assert_eq!(captured.header("x-custom"), Some("yes"));
    assert_eq!(captured.header("x-api-key"), None);
}

#[test]
fn the_stream_operations_are_the_seven_event_endpoints() {
    assert_eq!(STREAM_OPERATIONS.len(), 7);
    assert!(is_stream_operation("task_group_events"));
    assert!(is_stream_operation("beta_task_run_events"));
    assert!(is_stream_operation("findall_events"));
    assert!(!is_stream_operation("task_run_result"));
    assert!(!is_stream_operation("monitor_events"));
}
