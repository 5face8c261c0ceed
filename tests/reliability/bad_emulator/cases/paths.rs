//! Cases about where a request goes: odd ids, stream cursors and query
//! parameters, methods and routes, and bytes that are not HTTP at all.

use super::{PrefixIds, Table, get, http, key_line, keyed, raw};
use crate::bad_emulator::wire::{Key, Shape};
use reqwest::Method;

/// Odd ids on every endpoint that takes one.
pub(super) fn id_cases(t: &mut Table, ids: &PrefixIds) {
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
pub(super) fn stream_cases(t: &mut Table, ids: &PrefixIds) {
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
        // A number or null, as the documents have it; no minimum.
        ("abc", 422, Validation),
        ("1e400", 422, Validation),
        ("NaN", 422, Validation),
        ("", 422, Validation),
        ("0", 200, Sse),
        ("-1", 200, Sse),
        ("0.25", 200, Sse),
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
pub(super) fn method_and_route_cases(t: &mut Table, ids: &PrefixIds) {
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

/// Bytes that are not a valid HTTP/1.1 request: hyper refuses them before
/// any route runs, with an empty body.
pub(super) fn malformed_http_cases(t: &mut Table, ids: &PrefixIds) {
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
