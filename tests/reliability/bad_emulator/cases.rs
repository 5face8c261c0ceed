//! The table of bad requests: what each sends and the status and body shape
//! the emulator must answer with (API-NOTES §1 errors, §2 endpoints, §6
//! limits; the emulator README's "Limits and hostile input").

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

fn http(method: Method, path: impl Into<String>) -> Http {
    Http {
        method,
        path: path.into(),
        headers: Vec::new(),
        body: None,
        key: Key::Valid,
    }
}

fn get(path: impl Into<String>) -> Http {
    http(Method::GET, path)
}

/// A POST with this body and `content-type: application/json`.
fn post_json(path: impl Into<String>, body: impl Into<Vec<u8>>) -> Http {
    let mut h = http(Method::POST, path);
    h.headers
        .push(("content-type", "application/json".to_owned()));
    h.body = Some(body.into());
    h
}

/// A POST with this body and content type (`None`: no content-type header).
fn post_typed(path: impl Into<String>, content_type: Option<&str>, body: &str) -> Http {
    let mut h = http(Method::POST, path);
    if let Some(t) = content_type {
        h.headers.push(("content-type", t.to_owned()));
    }
    h.body = Some(body.as_bytes().to_vec());
    h
}

fn keyed(mut h: Http, key: Key) -> Http {
    h.key = key;
    h
}

/// A raw HTTP/1.1 request with a valid key, `connection: close`, the extra
/// header lines (each ending in `\r\n`) and the body.
fn raw(method: &str, path: &[u8], extra_headers: &[u8], body: &[u8]) -> Vec<u8> {
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

fn key_line() -> Vec<u8> {
    format!("x-api-key: {TEST_API_KEY}\r\n").into_bytes()
}

/// `n` valid add-runs inputs as a JSON body.
fn inputs(n: usize) -> String {
    let one = r#"{"input":"q","processor":"lite"}"#;
    format!("{{\"inputs\":[{}]}}", vec![one; n].join(","))
}

/// JSON nested `depth` arrays deep.
fn deep_json(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// A table builder: `t.add(name, request, status, shape)`.
struct Table(Vec<Case>);

impl Table {
    fn add(&mut self, name: impl Into<String>, request: Request, status: u16, shape: Shape) {
        self.0.push(Case {
            name: name.into(),
            request,
            status,
            shape,
        });
    }

    fn http(&mut self, name: impl Into<String>, h: Http, status: u16, shape: Shape) {
        self.add(name, Request::Http(h), status, shape);
    }

    fn raw(&mut self, name: impl Into<String>, bytes: Vec<u8>, status: u16, shape: Shape) {
        self.add(name, Request::Raw(bytes), status, shape);
    }
}

/// Every case, for both prefixes where the endpoint exists under both, plus
/// the single-run endpoints (`/v1` only) with `run` a run made by
/// `POST /v1/tasks/runs`.
pub fn table(prefixes: &[PrefixIds], run: &str) -> Vec<Case> {
    let mut t = Table(Vec::new());
    for ids in prefixes {
        group_create_cases(&mut t, ids.prefix);
        add_runs_cases(&mut t, ids);
        id_cases(&mut t, ids);
        stream_cases(&mut t, ids);
        method_and_route_cases(&mut t, ids);
    }
    single_run_cases(&mut t, run);
    malformed_http_cases(&mut t, &prefixes[0]);
    t.0
}

/// G1 `POST {p}/tasks/groups`: bodies, content types, keys, sizes.
fn group_create_cases(t: &mut Table, p: &str) {
    use Shape::*;
    let path = format!("{p}/tasks/groups");
    let n = |what: &str| format!("{p} create group: {what}");
    t.http(
        n("invalid JSON"),
        post_json(&path, r#"{"metadata":"#),
        422,
        Validation,
    );
    t.http(n("empty body"), post_json(&path, ""), 422, Validation);
    t.http(
        n("JSON array, not an object"),
        post_json(&path, "[]"),
        422,
        Validation,
    );
    t.http(
        n("JSON string, not an object"),
        post_json(&path, r#""x""#),
        422,
        Validation,
    );
    t.http(n("JSON null"), post_json(&path, "null"), 422, Validation);
    t.http(
        n("metadata is a string"),
        post_json(&path, r#"{"metadata":"x"}"#),
        422,
        Validation,
    );
    t.http(
        n("metadata value is an object"),
        post_json(&path, r#"{"metadata":{"k":{"a":1}}}"#),
        422,
        Validation,
    );
    t.http(
        n("metadata key of 17 characters"),
        post_json(&path, r#"{"metadata":{"abcdefghijklmnopq":"v"}}"#),
        422,
        Validation,
    );
    t.http(
        n("invalid UTF-8 inside the JSON"),
        post_json(&path, b"{\"metadata\":{\"k\":\"\xff\xfe\"}}".to_vec()),
        422,
        Validation,
    );
    t.http(
        n("JSON nested 100,000 deep"),
        post_json(&path, deep_json(100_000)),
        422,
        Validation,
    );
    t.http(
        n("metadata value nested 200 deep"),
        post_json(
            &path,
            format!(r#"{{"metadata":{{"k":{}}}}}"#, deep_json(200)),
        ),
        422,
        Validation,
    );
    t.http(
        n("content-type text/plain"),
        post_typed(&path, Some("text/plain"), "{}"),
        422,
        Validation,
    );
    t.http(
        n("content-type form"),
        post_typed(
            &path,
            Some("application/x-www-form-urlencoded"),
            "metadata=x",
        ),
        422,
        Validation,
    );
    t.http(
        n("no content-type, JSON body"),
        post_typed(&path, None, "{}"),
        200,
        Json,
    );
    t.http(
        n("content-type with charset"),
        post_typed(&path, Some("application/json; charset=utf-8"), "{}"),
        200,
        Json,
    );
    t.http(
        n("unknown query parameters"),
        post_json(format!("{path}?beta=true&foo=bar"), "{}"),
        200,
        Json,
    );
    t.http(
        n("missing API key"),
        keyed(post_json(&path, "{}"), Key::Missing),
        401,
        Error,
    );
    t.http(
        n("wrong API key"),
        keyed(post_json(&path, "{}"), Key::Wrong("nope")),
        401,
        Error,
    );
    t.http(
        n("empty API key"),
        keyed(post_json(&path, "{}"), Key::Wrong("")),
        401,
        Error,
    );
    t.raw(
        n("API key with non-ASCII bytes"),
        raw(
            "POST",
            path.as_bytes(),
            b"x-api-key: e2e-t\xe9st-k\xffy\r\n",
            b"{}",
        ),
        401,
        Error,
    );
    let mut headers = key_line();
    headers.extend_from_slice(b"content-type: application/json\xe9\r\n");
    t.raw(
        n("content-type with non-ASCII bytes"),
        raw("POST", path.as_bytes(), &headers, b"{}"),
        422,
        Validation,
    );
    let mut headers = key_line();
    headers.extend_from_slice(b"parallel-beta: caf\xe9,\xff\xfe\r\n");
    t.raw(
        n("parallel-beta with non-ASCII bytes"),
        raw("POST", path.as_bytes(), &headers, b"{}"),
        200,
        Json,
    );
    let mut headers = key_line();
    headers.extend_from_slice(b"content-type: application/json\r\ntransfer-encoding: chunked\r\n");
    let mut bad_chunks = raw("POST", path.as_bytes(), &headers, b"");
    // `raw` declared a content-length for the POST; drop it for chunked framing.
    let cl = b"content-length: 0\r\n";
    if let Some(at) = bad_chunks.windows(cl.len()).position(|w| w == cl) {
        bad_chunks.drain(at..at + cl.len());
    }
    bad_chunks.extend_from_slice(b"zz\r\n{}\r\n0\r\n\r\n");
    t.raw(n("malformed chunked encoding"), bad_chunks, 400, Error);
    t.add(
        n("100 MiB body with content-length"),
        Request::Huge {
            path: path.clone(),
            chunked: false,
        },
        413,
        Error,
    );
}

/// G3 `POST {p}/tasks/groups/{id}/runs`: bodies, limits, query, sizes.
fn add_runs_cases(t: &mut Table, ids: &PrefixIds) {
    use Shape::*;
    let p = ids.prefix;
    let path = format!("{p}/tasks/groups/{}/runs", ids.group_a);
    let n = |what: &str| format!("{p} add runs: {what}");
    t.http(
        n("invalid JSON"),
        post_json(&path, r#"{"inputs":[{"input":"#),
        422,
        Validation,
    );
    t.http(n("empty body"), post_json(&path, ""), 422, Validation);
    t.http(
        n("JSON array, not an object"),
        post_json(&path, "[1,2]"),
        422,
        Validation,
    );
    t.http(
        n("no inputs field"),
        post_json(&path, "{}"),
        422,
        Validation,
    );
    t.http(
        n("inputs is a string"),
        post_json(&path, r#"{"inputs":"x"}"#),
        422,
        Validation,
    );
    t.http(
        n("processor is a number"),
        post_json(&path, r#"{"inputs":[{"input":"q","processor":5}]}"#),
        422,
        Validation,
    );
    t.http(
        n("input missing"),
        post_json(&path, r#"{"inputs":[{"processor":"lite"}]}"#),
        422,
        Validation,
    );
    t.http(
        n("default_task_spec is a number"),
        post_json(&path, r#"{"inputs":[],"default_task_spec":5}"#),
        422,
        Validation,
    );
    t.http(
        n("unknown processor"),
        post_json(&path, r#"{"inputs":[{"input":"q","processor":"mega"}]}"#),
        422,
        Validation,
    );
    t.http(
        n("input nested 200 deep"),
        post_json(
            &path,
            format!(
                r#"{{"inputs":[{{"input":{{"a":{}}},"processor":"lite"}}]}}"#,
                deep_json(200)
            ),
        ),
        422,
        Validation,
    );
    t.http(
        n("task spec nested 200 deep"),
        post_json(
            &path,
            format!(
                r#"{{"inputs":[],"default_task_spec":{{"output_schema":{}}}}}"#,
                deep_json(200)
            ),
        ),
        422,
        Validation,
    );
    t.http(
        n("1,001 inputs"),
        post_json(&path, inputs(1001)),
        422,
        Validation,
    );
    t.http(
        n("1,000 inputs (the limit)"),
        post_json(&path, inputs(1000)),
        200,
        Json,
    );
    t.http(n("0 inputs"), post_json(&path, inputs(0)), 200, Json);
    t.http(
        n("content-type text/plain"),
        post_typed(&path, Some("text/plain"), &inputs(1)),
        422,
        Validation,
    );
    t.http(
        n("refresh_status not a boolean"),
        post_json(format!("{path}?refresh_status=maybe"), inputs(1)),
        422,
        Validation,
    );
    t.http(
        n("unknown query parameters"),
        post_json(format!("{path}?foo=1&beta=true"), inputs(1)),
        200,
        Json,
    );
    t.http(
        n("unknown group"),
        post_json(
            format!("{p}/tasks/groups/tgrp_0123456789abcdef0123456789abcdef/runs"),
            inputs(1),
        ),
        404,
        Error,
    );
    t.http(
        n("missing API key"),
        keyed(post_json(&path, inputs(1)), Key::Missing),
        401,
        Error,
    );
    t.add(
        n("100 MiB body with content-length"),
        Request::Huge {
            path: path.clone(),
            chunked: false,
        },
        413,
        Error,
    );
    t.add(
        n("100 MiB chunked body"),
        Request::Huge {
            path,
            chunked: true,
        },
        413,
        Error,
    );
}

/// Odd ids on every endpoint that takes one.
fn id_cases(t: &mut Table, ids: &PrefixIds) {
    use Shape::*;
    let p = ids.prefix;
    let odd = |prefix: &str, own: &str| -> [(&'static str, String); 6] {
        [
            (
                "unknown id",
                format!("{prefix}0123456789abcdef0123456789abcdef"),
            ),
            ("malformed id", "not-an-id".to_owned()),
            ("id with %2F", format!("{own}%2Fx")),
            (
                "id with unicode",
                format!("{prefix}%C3%BCn%C3%AFc%C3%B6d%C3%A9"),
            ),
            (
                "id that is percent-encoded invalid UTF-8",
                format!("{prefix}%FF%FE"),
            ),
            ("10 KB id", format!("{prefix}{}", "a".repeat(10 * 1024))),
        ]
    };
    let mut group_ids = odd("tgrp_", &ids.group_a).to_vec();
    group_ids.push(("a run id as a group id", ids.run_a.clone()));
    for (what, id) in &group_ids {
        t.http(
            format!("{p} retrieve group: {what}"),
            get(format!("{p}/tasks/groups/{id}")),
            404,
            Error,
        );
        t.http(
            format!("{p} runs stream: {what}"),
            get(format!("{p}/tasks/groups/{id}/runs")),
            404,
            Error,
        );
        t.http(
            format!("{p} events stream: {what}"),
            get(format!("{p}/tasks/groups/{id}/events")),
            404,
            Error,
        );
        t.http(
            format!("{p} retrieve group run: {what} for the group"),
            get(format!("{p}/tasks/groups/{id}/runs/{}", ids.run_a)),
            404,
            Error,
        );
    }
    let mut run_ids = odd("trun_", &ids.run_a).to_vec();
    run_ids.push(("a group id as a run id", ids.group_a.clone()));
    for (what, id) in &run_ids {
        t.http(
            format!("{p} retrieve group run: {what} for the run"),
            get(format!("{p}/tasks/groups/{}/runs/{id}", ids.group_a)),
            404,
            Error,
        );
        t.http(
            format!("{p} run events: {what}"),
            get(format!("{p}/tasks/runs/{id}/events")),
            404,
            Error,
        );
    }
    t.http(
        format!("{p} retrieve group run: run from another group"),
        get(format!(
            "{p}/tasks/groups/{}/runs/{}",
            ids.group_a, ids.run_b
        )),
        404,
        Error,
    );
    t.http(
        format!("{p} retrieve group run: run of group A under group B"),
        get(format!(
            "{p}/tasks/groups/{}/runs/{}",
            ids.group_b, ids.run_a
        )),
        404,
        Error,
    );
    t.http(
        format!("{p} retrieve group run: the right group"),
        get(format!(
            "{p}/tasks/groups/{}/runs/{}",
            ids.group_a, ids.run_a
        )),
        200,
        Json,
    );
    t.http(
        format!("{p} retrieve group: missing API key"),
        keyed(
            get(format!("{p}/tasks/groups/{}", ids.group_a)),
            Key::Missing,
        ),
        401,
        Error,
    );
    let mut headers = key_line();
    headers.extend_from_slice(b"parallel-beta: \xff\xfe\xfd\r\nx-note: na\xefve\r\n");
    t.raw(
        format!("{p} retrieve group: header values with non-ASCII bytes"),
        raw(
            "GET",
            format!("{p}/tasks/groups/{}", ids.group_a).as_bytes(),
            &headers,
            b"",
        ),
        200,
        Json,
    );
}

/// G4 and G5: cursors, filters, flags, `timeout`.
fn stream_cases(t: &mut Table, ids: &PrefixIds) {
    use Shape::*;
    let p = ids.prefix;
    let runs = format!("{p}/tasks/groups/{}/runs", ids.group_a);
    let events = format!("{p}/tasks/groups/{}/events", ids.group_a);
    let truncate = |c: &str| c[..c.len() / 2].to_owned();
    let cursor_cases: [(&str, String, String); 6] = [
        (
            "garbage cursor",
            "not-a-cursor".to_owned(),
            "not-a-cursor".to_owned(),
        ),
        (
            "truncated cursor",
            truncate(&ids.run_cursor_a),
            truncate(&ids.event_cursor_a),
        ),
        (
            "cursor of another group",
            ids.run_cursor_b.clone(),
            ids.event_cursor_b.clone(),
        ),
        (
            "cursor of the other stream kind",
            ids.event_cursor_a.clone(),
            ids.run_cursor_a.clone(),
        ),
        ("32 non-hex characters", "z".repeat(32), "z".repeat(32)),
        (
            "percent-encoded invalid UTF-8",
            "%FF%FE".to_owned(),
            "%FF%FE".to_owned(),
        ),
    ];
    for (what, for_runs, for_events) in &cursor_cases {
        t.http(
            format!("{p} runs stream: {what}"),
            get(format!("{runs}?last_event_id={for_runs}")),
            422,
            Validation,
        );
        t.http(
            format!("{p} events stream: {what}"),
            get(format!("{events}?last_event_id={for_events}")),
            422,
            Validation,
        );
    }
    t.http(
        format!("{p} runs stream: own cursor"),
        get(format!("{runs}?last_event_id={}", ids.run_cursor_a)),
        200,
        Sse,
    );
    t.http(
        format!("{p} events stream: own cursor"),
        get(format!("{events}?last_event_id={}", ids.event_cursor_a)),
        200,
        Sse,
    );
    t.http(
        format!("{p} runs stream: cursor `null`"),
        get(format!("{runs}?last_event_id=null")),
        200,
        Sse,
    );
    t.http(
        format!("{p} runs stream: bad status filter"),
        get(format!("{runs}?status=finished")),
        422,
        Validation,
    );
    t.http(
        format!("{p} runs stream: include_input=maybe"),
        get(format!("{runs}?include_input=maybe")),
        422,
        Validation,
    );
    t.http(
        format!("{p} runs stream: unknown query parameters"),
        get(format!("{runs}?foo=1&beta=true")),
        200,
        Sse,
    );
    for (value, status, shape) in [
        ("-1", 422, Validation),
        ("abc", 422, Validation),
        ("1e400", 422, Validation),
        ("NaN", 422, Validation),
        ("0", 200, Sse),
        ("1e300", 200, Sse),
    ] {
        t.http(
            format!("{p} events stream: timeout={value}"),
            get(format!("{events}?timeout={value}")),
            status,
            shape,
        );
    }
    t.http(
        format!("{p} events stream: unknown query parameters"),
        get(format!("{events}?foo=1")),
        200,
        Sse,
    );
}

/// Methods not allowed and routes that do not exist.
fn method_and_route_cases(t: &mut Table, ids: &PrefixIds) {
    use Shape::*;
    let p = ids.prefix;
    let group = format!("{p}/tasks/groups/{}", ids.group_a);
    let cases = [
        (Method::DELETE, group.clone()),
        (Method::PUT, format!("{p}/tasks/groups")),
        (Method::GET, format!("{p}/tasks/groups")),
        (Method::POST, format!("{group}/events")),
        (Method::PATCH, format!("{group}/runs")),
    ];
    for (method, path) in cases {
        t.http(
            format!(
                "{p} {method} {}: method not allowed",
                path.replace(&ids.group_a, "{id}")
            ),
            http(method, path),
            405,
            Detail,
        );
    }
    t.http(
        format!("{p} unknown route"),
        get(format!("{p}/tasks/nothing")),
        404,
        Detail,
    );
    t.http(
        format!("{p} route with an extra segment"),
        get(format!("{group}/runs/{}/more", ids.run_a)),
        404,
        Detail,
    );
    t.http(
        format!("{p} group path with a trailing slash"),
        get(format!("{group}/")),
        404,
        Detail,
    );
}

/// R1–R4 (`/v1/tasks/runs…`, which exist under `/v1` only).
fn single_run_cases(t: &mut Table, run: &str) {
    use Shape::*;
    let create = "/v1/tasks/runs";
    let n = |what: &str| format!("/v1 create run: {what}");
    t.http(
        n("invalid JSON"),
        post_json(create, r#"{"input":"#),
        422,
        Error,
    );
    t.http(n("empty body"), post_json(create, ""), 422, Error);
    t.http(
        n("JSON array, not an object"),
        post_json(create, "[]"),
        422,
        Error,
    );
    t.http(
        n("processor is a number"),
        post_json(create, r#"{"input":"q","processor":5}"#),
        422,
        Error,
    );
    t.http(
        n("input missing"),
        post_json(create, r#"{"processor":"lite"}"#),
        422,
        Error,
    );
    t.http(
        n("unknown processor"),
        post_json(create, r#"{"input":"q","processor":"mega"}"#),
        403,
        Error,
    );
    t.http(
        n("input nested 200 deep"),
        post_json(
            create,
            format!(
                r#"{{"input":{{"a":{}}},"processor":"lite"}}"#,
                deep_json(200)
            ),
        ),
        422,
        Error,
    );
    t.http(
        n("input nested 90 deep (under the limit)"),
        post_json(
            create,
            format!(
                r#"{{"input":{{"a":{}}},"processor":"lite"}}"#,
                deep_json(90)
            ),
        ),
        202,
        Json,
    );
    t.http(
        n("content-type text/plain"),
        post_typed(
            create,
            Some("text/plain"),
            r#"{"input":"q","processor":"lite"}"#,
        ),
        422,
        Error,
    );
    t.http(
        n("no content-type"),
        post_typed(create, None, r#"{"input":"q","processor":"lite"}"#),
        202,
        Json,
    );
    t.http(
        n("wrong API key"),
        keyed(post_json(create, "{}"), Key::Wrong("nope")),
        401,
        Error,
    );
    t.add(
        n("100 MiB body with content-length"),
        Request::Huge {
            path: create.to_owned(),
            chunked: false,
        },
        413,
        Error,
    );
    t.add(
        n("100 MiB chunked body"),
        Request::Huge {
            path: create.to_owned(),
            chunked: true,
        },
        413,
        Error,
    );
    t.http(
        "/v1beta create run: not served under /v1beta",
        post_json("/v1beta/tasks/runs", "{}"),
        404,
        Detail,
    );

    let long = format!("trun_{}", "b".repeat(10 * 1024));
    for (what, id) in [
        (
            "unknown id",
            "trun_0123456789abcdef0123456789abcdef".to_owned(),
        ),
        ("id with %2F", format!("{run}%2Fx")),
        ("id with unicode", "trun_%E2%9C%93".to_owned()),
        (
            "id that is percent-encoded invalid UTF-8",
            "trun_%C3%28".to_owned(),
        ),
        ("10 KB id", long),
    ] {
        t.http(
            format!("/v1 retrieve run: {what}"),
            get(format!("/v1/tasks/runs/{id}")),
            404,
            Error,
        );
        t.http(
            format!("/v1 run input: {what}"),
            get(format!("/v1/tasks/runs/{id}/input")),
            404,
            Error,
        );
        t.http(
            format!("/v1 run result: {what}"),
            get(format!("/v1/tasks/runs/{id}/result")),
            404,
            Error,
        );
    }
    let result = format!("/v1/tasks/runs/{run}/result");
    for (value, status, shape) in [
        ("-1", 422, Error),
        ("abc", 422, Error),
        ("1e400", 422, Error),
        ("NaN", 422, Error),
        ("0", 200, Json),
        ("", 200, Json),
        ("1e300", 200, Json),
    ] {
        t.http(
            format!("/v1 run result: timeout={value}"),
            get(format!("{result}?timeout={value}")),
            status,
            shape,
        );
    }
    t.http(
        "/v1 run result: api_timeout (not a parameter) is ignored",
        get(format!("{result}?api_timeout=-5")),
        200,
        Json,
    );
    t.http(
        "/v1 run result: beta=true is ignored",
        get(format!("{result}?beta=true")),
        200,
        Json,
    );
    t.http(
        "/v1 PATCH run: method not allowed",
        http(Method::PATCH, format!("/v1/tasks/runs/{run}")),
        405,
        Detail,
    );
    t.http(
        "/v1 DELETE runs: method not allowed",
        http(Method::DELETE, create),
        405,
        Detail,
    );
    t.http("unknown API version", get("/v2/tasks/groups"), 404, Detail);
    t.http("root path", get("/"), 404, Detail);
}

/// Bytes that are not a valid HTTP/1.1 request: hyper refuses them before
/// any route runs, with an empty body.
fn malformed_http_cases(t: &mut Table, ids: &PrefixIds) {
    use Shape::*;
    let group = format!("{}/tasks/groups/{}", ids.prefix, ids.group_a);
    t.raw(
        "malformed HTTP: garbage request line",
        b"HELLO THERE\r\n\r\n".to_vec(),
        400,
        Empty,
    );
    t.raw(
        "malformed HTTP: header line without a colon",
        raw("GET", group.as_bytes(), b"no colon here\r\n", b""),
        400,
        Empty,
    );
    t.raw(
        "malformed HTTP: NUL byte in the path",
        raw("GET", b"/v1/tasks/gr\0ups", &key_line(), b""),
        400,
        Empty,
    );
    let mut raw_utf8 = b"/v1/tasks/groups/tgrp_".to_vec();
    raw_utf8.extend_from_slice("ünïcödé".as_bytes());
    // httparse accepts bytes over 0x7f in the request target, so this one
    // reaches the router and is simply an unknown group.
    t.raw(
        "unescaped UTF-8 in the path",
        raw("GET", &raw_utf8, &key_line(), b""),
        404,
        Error,
    );
    let long_path = format!("{group}?x={}", "y".repeat(1 << 20));
    t.raw(
        "malformed HTTP: 1 MiB request target",
        raw("GET", long_path.as_bytes(), &key_line(), b""),
        431,
        Empty,
    );
    let mut many = key_line();
    for i in 0..200 {
        many.extend_from_slice(format!("x-filler-{i}: v\r\n").as_bytes());
    }
    t.raw(
        "malformed HTTP: 200 headers",
        raw("GET", group.as_bytes(), &many, b""),
        431,
        Empty,
    );
}
