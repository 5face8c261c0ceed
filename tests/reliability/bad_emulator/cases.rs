//! The table of bad requests: what each sends and the status and body shape
//! the emulator must answer with (API-NOTES §1 errors, §2 endpoints, §6
//! limits; the emulator README's "Limits and hostile input").

mod bodies;
mod findall;
mod paths;

use super::wire::{Http, Key, Shape};
use parallel_web_tests::TEST_API_KEY;
use reqwest::Method;

/// Oversized bodies: 100 MiB, well past the emulator's 64 MiB limit.
pub const HUGE_BODY: u64 = 100 << 20;

/// One row of the table.
#[derive(Debug)]
pub struct Case {
    /// Unique, says what is wrong with the request.
    pub name: String,
    /// What is sent.
    pub request: Request,
    /// The status the emulator must answer with.
    pub status: u16,
    /// The body shape it must answer with.
    pub shape: Shape,
}

/// How a case's request goes out.
#[derive(Debug)]
pub enum Request {
    /// Well-formed HTTP through `reqwest`.
    Http(Http),
    /// These bytes, exactly, over a fresh TCP connection.
    Raw(Vec<u8>),
    /// A [`HUGE_BODY`]-byte POST body, streamed while the answer is read.
    Huge {
        /// Where to.
        path: String,
        /// `transfer-encoding: chunked` instead of a `content-length`.
        chunked: bool,
    },
}

/// Real ids and cursors of one API prefix (`/v1` or `/v1beta`), made before
/// the table runs: group A has two runs, group B one.
#[derive(Debug, Clone)]
pub struct PrefixIds {
    /// `/v1` or `/v1beta`.
    pub prefix: &'static str,
    /// Group A.
    pub group_a: String,
    /// Group B.
    pub group_b: String,
    /// A run of group A.
    pub run_a: String,
    /// A run of group B.
    pub run_b: String,
    /// An `event_id` of group A's `/runs` stream.
    pub run_cursor_a: String,
    /// An `event_id` of group B's `/runs` stream.
    pub run_cursor_b: String,
    /// An `event_id` of group A's `/events` stream.
    pub event_cursor_a: String,
    /// An `event_id` of group B's `/events` stream.
    pub event_cursor_b: String,
}

pub(super) fn http(method: Method, path: impl Into<String>) -> Http {
    Http {
        method,
        path: path.into(),
        headers: Vec::new(),
        body: None,
        key: Key::Valid,
    }
}

pub(super) fn get(path: impl Into<String>) -> Http {
    http(Method::GET, path)
}

/// A POST with this body and `content-type: application/json`.
pub(super) fn post_json(path: impl Into<String>, body: impl Into<Vec<u8>>) -> Http {
    let mut h = http(Method::POST, path);
    h.headers
        .push(("content-type", "application/json".to_owned()));
    h.body = Some(body.into());
    h
}

/// A POST with this body and content type (`None`: no content-type header).
pub(super) fn post_typed(path: impl Into<String>, content_type: Option<&str>, body: &str) -> Http {
    let mut h = http(Method::POST, path);
    if let Some(t) = content_type {
        h.headers.push(("content-type", t.to_owned()));
    }
    h.body = Some(body.as_bytes().to_vec());
    h
}

pub(super) fn keyed(mut h: Http, key: Key) -> Http {
    h.key = key;
    h
}

/// A raw HTTP/1.1 request with a valid key, `connection: close`, the extra
/// header lines (each ending in `\r\n`) and the body.
pub(super) fn raw(method: &str, path: &[u8], extra_headers: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(path);
    out.extend_from_slice(b" HTTP/1.1\r\nhost: emulator\r\nconnection: close\r\n");
    out.extend_from_slice(extra_headers);
    if !body.is_empty() || method == "POST" {
        out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

pub(super) fn key_line() -> Vec<u8> {
    format!("x-api-key: {TEST_API_KEY}\r\n").into_bytes()
}

/// `n` valid add-runs inputs as a JSON body.
pub(super) fn inputs(n: usize) -> String {
    let one = r#"{"input":"q","processor":"lite"}"#;
    format!("{{\"inputs\":[{}]}}", vec![one; n].join(","))
}

/// JSON nested `depth` arrays deep.
pub(super) fn deep_json(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// A table builder: `t.add(name, request, status, shape)`.
struct Table(Vec<Case>);

impl Table {
    pub(super) fn add(
        &mut self,
        name: impl Into<String>,
        request: Request,
        status: u16,
        shape: Shape,
    ) {
        self.0.push(Case {
            name: name.into(),
            request,
            status,
            shape,
        });
    }

    pub(super) fn http(&mut self, name: impl Into<String>, h: Http, status: u16, shape: Shape) {
        self.add(name, Request::Http(h), status, shape);
    }

    pub(super) fn raw(
        &mut self,
        name: impl Into<String>,
        bytes: Vec<u8>,
        status: u16,
        shape: Shape,
    ) {
        self.add(name, Request::Raw(bytes), status, shape);
    }
}

/// A finished FindAll run, and an `event_id` of another one.
#[derive(Debug, Clone)]
pub struct FindAllIds {
    /// A FindAll run that has completed.
    pub run: String,
    /// An `event_id` of another FindAll run.
    pub other_event: String,
}

/// Every case, for both prefixes where the endpoint exists under both, plus
/// the single-run endpoints (`/v1` only) with `run` a run made by
/// `POST /v1/tasks/runs`, and FindAll (`/v1beta` only).
pub fn table(prefixes: &[PrefixIds], run: &str, findall: &FindAllIds) -> Vec<Case> {
    let mut t = Table(Vec::new());
    for ids in prefixes {
        bodies::group_create_cases(&mut t, ids.prefix);
        bodies::add_runs_cases(&mut t, ids);
        paths::id_cases(&mut t, ids);
        paths::stream_cases(&mut t, ids);
        paths::method_and_route_cases(&mut t, ids);
    }
    bodies::single_run_cases(&mut t, run);
    findall::body_cases(&mut t, &findall.run);
    findall::path_cases(&mut t, &findall.run, &findall.other_event);
    paths::malformed_http_cases(&mut t, &prefixes[0]);
    t.0
}
