//! Cases about request bodies: create group (G1), add runs (G3) and the
//! single-run endpoints (R1–R4), which exist under `/v1` only.

use super::{
    PrefixIds, Request, Table, deep_json, get, http, inputs, key_line, keyed, post_json,
    post_typed, raw,
};
use crate::bad_emulator::wire::{Key, Shape};
use reqwest::Method;

/// G1 `POST {p}/tasks/groups`: bodies, content types, keys, sizes.
pub(super) fn group_create_cases(t: &mut Table, p: &str) {
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
pub(super) fn add_runs_cases(t: &mut Table, ids: &PrefixIds) {
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

/// R1–R4 (`/v1/tasks/runs…`, which exist under `/v1` only).
pub(super) fn single_run_cases(t: &mut Table, run: &str) {
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
        // An integer, as the documents have it; no minimum.
        ("abc", 422, Error),
        ("1e400", 422, Error),
        ("NaN", 422, Error),
        ("0.2", 422, Error),
        ("1e300", 422, Error),
        ("", 422, Error),
        ("0", 200, Json),
        ("-1", 200, Json),
        ("99999999999", 200, Json),
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
