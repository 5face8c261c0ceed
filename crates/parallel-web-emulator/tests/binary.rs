//! The `parallel-web-emulator` binary: the `listening on` line, the API key
//! sources, `--fault` parsing, and a clean exit on SIGTERM and SIGINT.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

fn spawn(args: &[&str], env_key: Option<&str>) -> (Child, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_parallel-web-emulator"));
    cmd.args(["--addr", "127.0.0.1:0"]);
    if !args.contains(&"--time-scale") {
        cmd.args(["--time-scale", "0"]);
    }
    cmd.args(args);
    cmd.env_remove("PARALLEL_API_KEY");
    if let Some(k) = env_key {
        cmd.env("PARALLEL_API_KEY", k);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    (child, url)
}

/// Sends SIGTERM, expects a clean exit, and returns what went to stderr.
fn terminate(child: Child) -> String {
    stop_with(child, "TERM")
}

/// Sends `signal`, expects a clean exit, and returns what went to stderr.
fn stop_with(mut child: Child, signal: &str) -> String {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "clean exit on SIG{signal}: {exit:?}");
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    err
}

#[tokio::test]
async fn prints_the_real_port_and_serves_with_the_given_key() {
    let (child, url) = spawn(
        &[
            "--api-key",
            "secret-given-key",
            "--fault",
            "status:code=503,times=1",
        ],
        None,
    );
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );
    let api = common::Api::new(&url, "secret-given-key");
    assert_eq!(
        api.get("/v1/tasks/groups/tgrp_x").await.status,
        503,
        "--fault applies"
    );
    assert_eq!(api.get("/v1/tasks/groups/tgrp_x").await.status, 404);
    let stats = api.get("/_emulator/stats").await.json();
    assert_eq!(stats["faults_fired"]["status:code=503,times=1"], 1);
    let stderr = terminate(child);
    assert!(
        !stderr.contains("secret-given-key"),
        "a given key is never printed"
    );
}

#[tokio::test]
async fn takes_the_key_from_the_environment() {
    let (child, url) = spawn(&[], Some("env-key-123"));
    let api = common::Api::new(&url, "env-key-123");
    assert_eq!(
        api.post("/v1/tasks/groups", &serde_json::json!({}))
            .await
            .status,
        200
    );
    let stderr = terminate(child);
    assert!(!stderr.contains("env-key-123"));
}

#[tokio::test]
async fn without_a_key_uses_and_announces_the_default() {
    let (child, url) = spawn(&[], None);
    let api = common::Api::new(&url, parallel_web_emulator::DEFAULT_API_KEY);
    assert_eq!(
        api.post("/v1/tasks/groups", &serde_json::json!({}))
            .await
            .status,
        200
    );
    let stderr = terminate(child);
    assert!(stderr.contains(parallel_web_emulator::DEFAULT_API_KEY));
}

#[tokio::test]
async fn sigint_shuts_down_cleanly_even_with_a_stream_open() {
    let (child, url) = spawn(&["--time-scale", "1"], None);
    let api = common::Api::new(&url, parallel_web_emulator::DEFAULT_API_KEY);
    let g = api.group().await;
    api.add(&g, 1).await;
    // A live events stream (the run takes minutes at time scale 1) must not
    // hold the shutdown up.
    let stream = api
        .http
        .get(format!("{url}/v1/tasks/groups/{g}/events"))
        .header("x-api-key", &api.key)
        .send()
        .await
        .expect("stream opens");
    assert_eq!(stream.status(), 200);
    let stderr = stop_with(child, "INT");
    assert!(!stderr.contains("panicked"), "{stderr}");
    drop(stream);
}

#[test]
fn rejects_a_malformed_fault_spec() {
    let out = Command::new(env!("CARGO_BIN_EXE_parallel-web-emulator"))
        .args(["--addr", "127.0.0.1:0", "--fault", "status:code=abc"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid fault spec"));
}

#[test]
fn rejects_out_of_range_numbers_before_starting() {
    for (flag, value, expected) in [
        ("--time-scale", "-1", "outside 0..=1000"),
        ("--time-scale", "fast", "is not a number"),
        ("--failure-rate", "2", "outside 0..=1"),
        ("--rate-window-ms", "0", "not in 1.."),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_parallel-web-emulator"))
            .args(["--addr", "127.0.0.1:0", flag, value])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{flag} {value} must be refused");
        assert!(out.stdout.is_empty(), "{flag} {value}: nothing listened");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{flag} {value}: {stderr}");
    }
}
