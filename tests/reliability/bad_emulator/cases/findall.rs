//! Cases about FindAll (`/v1beta/findall/...`): bodies the contract or the
//! documented limits refuse, odd run ids, and bad stream parameters.

use super::{Table, get, post_json};
use crate::bad_emulator::wire::Shape;

const RUNS: &str = "/v1beta/findall/runs";

/// A create body with `match_limit` and `conditions` (JSON text).
fn create(match_limit: &str, conditions: &str) -> String {
    format!(
        r#"{{"objective":"x","entity_type":"companies","generator":"core","match_limit":{match_limit},"match_conditions":{conditions}}}"#
    )
}

/// `body` (a JSON object) with `fields` (`,"k":v…`) added at its end.
fn with(mut body: String, fields: &str) -> String {
    body.insert_str(body.len() - 1, fields);
    body
}

const ONE: &str = r#"[{"name":"a","description":"b"}]"#;

/// Bad bodies to create, extend, enrich, ingest, candidates and entity
/// search; `findall` is a finished run.
pub(super) fn body_cases(t: &mut Table, findall: &str) {
    use Shape::*;
    let n = |what: &str| format!("findall create: {what}");
    for (what, body) in [
        ("invalid JSON", r#"{"objective":"#.to_owned()),
        ("empty body", String::new()),
        ("JSON array", "[]".to_owned()),
        ("match_limit 4", create("4", ONE)),
        ("match_limit 1001", create("1001", ONE)),
        ("match_limit a string", create(r#""5""#, ONE)),
        ("match_limit a fraction", create("5.5", ONE)),
        ("no match conditions", create("5", "[]")),
        (
            "two match conditions of one name",
            create(
                "5",
                r#"[{"name":"a","description":"b"},{"name":"a","description":"c"}]"#,
            ),
        ),
        (
            "a blank condition name",
            create("5", r#"[{"name":" ","description":"b"}]"#),
        ),
        (
            "a condition without description",
            create("5", r#"[{"name":"a"}]"#),
        ),
        (
            "unknown generator",
            create("5", ONE).replace(r#""core""#, r#""ultra""#),
        ),
        (
            "a blank objective",
            create("5", ONE).replace(r#""x""#, r#""  ""#),
        ),
        (
            "metadata value an object",
            with(create("5", ONE), r#","metadata":{"k":{"a":1}}"#),
        ),
    ] {
        t.http(n(what), post_json(RUNS, body), 422, Error);
    }
    t.http(
        n("match_limit 5"),
        post_json(RUNS, create("5", ONE)),
        200,
        Json,
    );
    t.http(
        n("match_limit 1000"),
        post_json(RUNS, create("1000", ONE)),
        200,
        Json,
    );

    let run = format!("{RUNS}/{findall}");
    for (what, body) in [
        ("by 0", r#"{"additional_match_limit":0}"#),
        ("by -1", r#"{"additional_match_limit":-1}"#),
        ("by a string", r#"{"additional_match_limit":"5"}"#),
        (
            "by 2,000,000 (past the emulator's bound)",
            r#"{"additional_match_limit":2000000}"#,
        ),
        ("with no body", ""),
    ] {
        t.http(
            format!("findall extend {what}"),
            post_json(format!("{run}/extend"), body),
            422,
            Error,
        );
    }
    for (what, body) in [
        ("without output_schema", r#"{"processor":"core"}"#),
        (
            "json_schema a string",
            r#"{"output_schema":{"json_schema":"x"}}"#,
        ),
        (
            "output_schema type text",
            r#"{"output_schema":{"type":"text","json_schema":{}}}"#,
        ),
    ] {
        t.http(
            format!("findall enrich {what}"),
            post_json(format!("{run}/enrich"), body),
            422,
            Error,
        );
    }
    t.http(
        "findall ingest: no objective",
        post_json("/v1beta/findall/ingest", "{}"),
        422,
        Validation,
    );
    for (what, body) in [
        (
            "match_limit 4",
            r#"{"entity_type":"company","objective":"x","match_limit":4}"#,
        ),
        (
            "match_limit 1001",
            r#"{"entity_type":"company","objective":"x","match_limit":1001}"#,
        ),
        (
            "entity_type companies (the enum says company)",
            r#"{"entity_type":"companies","objective":"x"}"#,
        ),
    ] {
        t.http(
            format!("findall candidates: {what}"),
            post_json("/v1beta/findall/candidates", body),
            422,
            Validation,
        );
    }
    for (what, body) in [
        (
            "entity_type planets",
            r#"{"entity_type":"planets","objective":"x"}"#,
        ),
        ("no objective", r#"{"entity_type":"people"}"#),
        (
            "match_limit 4",
            r#"{"entity_type":"people","objective":"x","match_limit":4}"#,
        ),
    ] {
        t.http(
            format!("findall entity search: {what}"),
            post_json("/v1beta/findall/entity-search", body),
            422,
            Error,
        );
    }
}

/// Odd ids on every FindAll run route, and bad stream parameters;
/// `findall` is a finished run, `other_event` an `event_id` of another run.
pub(super) fn path_cases(t: &mut Table, findall: &str, other_event: &str) {
    use Shape::*;
    for (what, id) in [
        (
            "unknown id",
            "findall_0123456789abcdef0123456789abcdef".to_owned(),
        ),
        ("malformed id", "not-an-id".to_owned()),
        ("percent-encoded invalid UTF-8", "findall_%FF%FE".to_owned()),
        ("10 KB id", format!("findall_{}", "a".repeat(10 * 1024))),
        (
            "a task run id",
            "trun_0123456789abcdef0123456789abcdef".to_owned(),
        ),
    ] {
        for sub in ["", "/result", "/schema", "/events"] {
            t.http(
                format!("findall GET {sub:?}: {what}"),
                get(format!("{RUNS}/{id}{sub}")),
                404,
                Error,
            );
        }
        for (sub, body) in [
            ("/cancel", "{}"),
            ("/extend", r#"{"additional_match_limit":5}"#),
            ("/enrich", r#"{"output_schema":{"json_schema":{}}}"#),
        ] {
            t.http(
                format!("findall POST {sub}: {what}"),
                post_json(format!("{RUNS}/{id}{sub}"), body),
                404,
                Error,
            );
        }
    }
    let events = format!("{RUNS}/{findall}/events");
    for (what, query) in [
        (
            "a garbage last_event_id",
            "last_event_id=garbage".to_owned(),
        ),
        (
            "another run's last_event_id",
            format!("last_event_id={other_event}"),
        ),
        ("timeout abc", "timeout=abc".to_owned()),
        ("timeout NaN", "timeout=NaN".to_owned()),
    ] {
        t.http(
            format!("findall events: {what}"),
            get(format!("{events}?{query}")),
            422,
            Validation,
        );
    }
    t.http(
        "findall events: timeout -1 (no wait)",
        get(format!("{events}?timeout=-1")),
        200,
        Sse,
    );
    t.http(
        "findall cancel of a finished run",
        post_json(format!("{RUNS}/{findall}/cancel"), "{}"),
        409,
        Error,
    );
}
