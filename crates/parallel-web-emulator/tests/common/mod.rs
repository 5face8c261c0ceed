//! Shared helpers for the emulator's integration tests: a started emulator, a
//! thin HTTP client, and strict parsers for key order and SSE framing.
#![allow(dead_code)]

use parallel_web_emulator::{Emulator, EmulatorBuilder, EmulatorHandle};
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// A builder with test defaults: instant runs, fixed seed.
pub fn builder() -> EmulatorBuilder {
    Emulator::builder().time_scale(0.0).seed(1)
}

/// Starts an emulator with test defaults.
pub async fn start() -> (EmulatorHandle, Api) {
    start_with(builder()).await
}

/// Starts an emulator from a builder.
pub async fn start_with(b: EmulatorBuilder) -> (EmulatorHandle, Api) {
    let emu = b.start().await.expect("emulator starts");
    let api = Api::new(&emu.base_url(), emu.api_key());
    (emu, api)
}

/// A response read to the end.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Minimal client for the emulator.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub key: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, key: &str) -> Self {
        // reqwest is built without a default TLS provider; plain http still needs one installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Api {
            base: base.to_owned(),
            key: key.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req
            .header("x-api-key", &self.key)
            .send()
            .await
            .expect("request succeeds");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body reads");
        Reply {
            status,
            headers,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.post_raw(path, body.to_string()).await
    }

    pub async fn post_raw(&self, path: &str, body: String) -> Reply {
        self.send(
            self.http
                .post(format!("{}{path}", self.base))
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    /// Creates a single task run (expecting 202) and returns its id.
    pub async fn create_run(&self, body: &Value) -> String {
        let r = self.post("/v1/tasks/runs", body).await;
        assert_eq!(r.status, 202, "{}", r.text);
        r.json()["run_id"].as_str().unwrap().to_owned()
    }

    /// Creates a group and returns its id.
    pub async fn group(&self) -> String {
        let r = self.post("/v1/tasks/groups", &serde_json::json!({})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()["taskgroup_id"].as_str().unwrap().to_owned()
    }

    /// Adds `n` lite runs with string inputs and returns the response JSON.
    pub async fn add(&self, group: &str, n: usize) -> Value {
        let inputs: Vec<Value> = (0..n)
            .map(|i| serde_json::json!({"input": format!("question {i}"), "processor": "lite"}))
            .collect();
        let r = self
            .post(
                &format!("/v1/tasks/groups/{group}/runs"),
                &serde_json::json!({"inputs": inputs}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()
    }

    /// Reads a group's events stream to its end (the group goes inactive).
    pub async fn events(&self, group: &str, query: &str) -> Vec<Frame> {
        let r = self
            .get(&format!("/v1/tasks/groups/{group}/events{query}"))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        frames(&r.text)
    }
}

/// The keys of a JSON object, in the order they appear in the text.
pub fn keys(text: &str) -> Vec<String> {
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::new();
            while let Some(k) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                out.push(k);
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    (&mut de).deserialize_map(Keys).expect("a JSON object")
}

/// The keys of the object at `path` (a list of object keys) inside `text`.
pub fn keys_at(text: &str, path: &[&str]) -> Vec<String> {
    let mut raw: Box<serde_json::value::RawValue> = serde_json::from_str(text).unwrap();
    for p in path {
        let map: std::collections::HashMap<String, Box<serde_json::value::RawValue>> =
            serde_json::from_str(raw.get()).unwrap();
        raw = map.get(*p).unwrap_or_else(|| panic!("no key {p}")).clone();
    }
    keys(raw.get())
}

/// One SSE frame: `event:` name and `data:` JSON text.
#[derive(Debug, Clone)]
pub struct Frame {
    pub event: String,
    pub data: String,
}

impl Frame {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap()
    }
}

/// Parses an SSE body strictly: every block is exactly `event: X\ndata: {json}`
/// (or a `: keep-alive` comment), blocks end with a blank line, no `id:` lines.
pub fn frames(text: &str) -> Vec<Frame> {
    assert!(
        text.is_empty() || text.ends_with("\n\n"),
        "stream must end with a blank line: {text:?}"
    );
    let mut out = Vec::new();
    for block in text.split_terminator("\n\n") {
        if block == ": keep-alive" {
            continue;
        }
        let lines: Vec<&str> = block.split('\n').collect();
        assert_eq!(
            lines.len(),
            2,
            "frame must be event + data lines: {block:?}"
        );
        let event = lines[0]
            .strip_prefix("event: ")
            .expect("event line")
            .to_owned();
        let data = lines[1]
            .strip_prefix("data: ")
            .expect("data line")
            .to_owned();
        let v: Value = serde_json::from_str(&data).expect("data is JSON");
        assert_eq!(
            v["type"],
            Value::String(event.clone()),
            "event name equals JSON type"
        );
        assert_eq!(
            serde_json::to_string(&v).unwrap().len(),
            data.len(),
            "data is compact JSON"
        );
        out.push(Frame { event, data });
    }
    out
}

/// The documented TaskRun key order.
pub const TASK_RUN_KEYS: [&str; 11] = [
    "run_id",
    "interaction_id",
    "status",
    "is_active",
    "warnings",
    "error",
    "processor",
    "metadata",
    "taskgroup_id",
    "created_at",
    "modified_at",
];

/// The documented TaskGroupStatus key order.
pub const STATUS_KEYS: [&str; 5] = [
    "num_task_runs",
    "task_run_status_counts",
    "is_active",
    "status_message",
    "modified_at",
];

/// True for RFC 3339 with microseconds and `Z`.
pub fn is_timestamp(v: &Value) -> bool {
    is_micros_timestamp(v.as_str().unwrap_or(""))
}

fn is_micros_timestamp(s: &str) -> bool {
    // YYYY-MM-DDTHH:MM:SS.ffffffZ
    let b = s.as_bytes();
    b.len() == 27
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[26] == b'Z'
        && s[20..26].bytes().all(|c| c.is_ascii_digit())
}
