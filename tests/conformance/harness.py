"""Tiny check harness shared by the conformance scripts.

Each script reads the emulator address from EMULATOR_BASE_URL and the key from
EMULATOR_API_KEY, records named checks, prints one PASS/FAIL line per check
and exits non-zero if any failed.

Checks that two SDK versions share (the task-group methods, which moved from
`client.beta.task_group` in 0.5.1 to `client.task_group` in 1.3.7 with the
same behaviour, and the seed example's results) live here too, so both
versions are held to exactly the same expectations.
"""

import os
import re
import sys
import traceback

BASE_URL = os.environ["EMULATOR_BASE_URL"]
API_KEY = os.environ["EMULATOR_API_KEY"]
RUN_ID = re.compile(r"^trun_[0-9a-f]{32}$")
GROUP_ID = re.compile(r"^tgrp_[0-9a-f]+$")
REF_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# RFC 3339 with microseconds and Z, as in every OA example.
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")

_passed = 0
_failed = 0


def check(name, condition, detail=""):
    """Record one check."""
    global _passed, _failed
    if condition:
        _passed += 1
        print(f"PASS {name}")
    else:
        _failed += 1
        print(f"FAIL {name} {detail}")


def make_client(cls=None, **options):
    """An SDK client for the emulator with strict response validation on.

    By default the SDK builds response objects without validating them
    (`construct`), so a response of the wrong shape passes unnoticed; with
    `_strict_response_validation=True` every JSON response and every SSE event
    is validated against the SDK's types and a mismatch raises
    `APIResponseValidationError`. `client.with_options()` does not carry the
    flag over, so every client in these scripts comes from here.
    """
    from parallel import Parallel

    options.setdefault("api_key", API_KEY)
    options.setdefault("base_url", BASE_URL)
    return (cls or Parallel)(_strict_response_validation=True, **options)


def check_strict_validation(client):
    """Check that the client validates strictly and that this SDK version's
    strict mode rejects a TaskRun with a wrong-typed field (which the default
    mode would accept), so a passing call below really means a valid response."""
    import httpx
    import parallel
    from parallel.types import TaskRun

    check("client has strict response validation on", client._strict_response_validation is True)
    wrong = {
        "run_id": "trun_" + "0" * 32,
        "interaction_id": "trun_" + "0" * 32,
        "status": "done",  # not a run status
        "is_active": "no",  # not a boolean
        "processor": "lite",
        "created_at": None,
        "modified_at": None,
    }
    response = httpx.Response(200, request=httpx.Request("GET", BASE_URL))
    try:
        client._process_response_data(data=wrong, cast_to=TaskRun, response=response)
        check("strict mode rejects a mistyped TaskRun", False, "accepted")
    except parallel.APIResponseValidationError:
        check("strict mode rejects a mistyped TaskRun", True)


def check_error_body(name, body, message=None):
    """The API's ErrorResponse: exactly {"type":"error","error":{ref_id, message, detail?}}.

    `message` is the exact message (a str) or a prefix (a 1-tuple) or None."""
    ok = isinstance(body, dict) and set(body) == {"type", "error"} and body["type"] == "error"
    check(f"{name}: body is an ErrorResponse", ok, repr(body))
    if not ok:
        return
    err = body["error"]
    check(
        f"{name}: error has ref_id, message and detail only",
        isinstance(err, dict) and {"ref_id", "message"} <= set(err) <= {"ref_id", "message", "detail"},
        repr(err),
    )
    check(f"{name}: ref_id is a UUID", isinstance(err.get("ref_id"), str) and bool(REF_ID.match(err["ref_id"])), repr(err))
    check(f"{name}: detail is an object or null", err.get("detail") is None or isinstance(err.get("detail"), dict), repr(err))
    got = err.get("message")
    if isinstance(message, tuple):
        check(f"{name}: message starts {message[0]!r}", isinstance(got, str) and got.startswith(message[0]), repr(got))
    elif message is not None:
        check(f"{name}: message is {message!r}", got == message, repr(got))
    else:
        check(f"{name}: message is a non-empty string", isinstance(got, str) and bool(got), repr(got))


def check_validation_body(name, body, loc):
    """FastAPI's HTTPValidationError: exactly {"detail":[{loc, msg, type}, ...]}, first loc == loc."""
    items = body.get("detail") if isinstance(body, dict) and set(body) == {"detail"} else None
    ok = isinstance(items, list) and len(items) > 0
    check(f"{name}: body is an HTTPValidationError", ok, repr(body))
    if not ok:
        return
    well_formed = all(
        isinstance(i, dict)
        and {"loc", "msg", "type"} <= set(i)
        and isinstance(i["loc"], list)
        and all(isinstance(p, (str, int)) for p in i["loc"])
        and isinstance(i["msg"], str)
        and isinstance(i["type"], str)
        for i in items
    )
    check(f"{name}: each detail has loc, msg and type", well_formed, repr(items))
    check(f"{name}: loc is {loc!r}", items[0].get("loc") == loc, repr(items[0].get("loc")))


def api_error(name, exc_type, status, fn, *, message=None, validation_loc=None, headers=None):
    """Check that fn() fails with exactly `status`, exactly the SDK class
    `exc_type` and the API's error body: an ErrorResponse with `message`, or,
    when `validation_loc` is given, an HTTPValidationError naming that field.
    `headers` maps a response header to a predicate on its value.
    Returns the exception (or None)."""
    import parallel

    try:
        fn()
    except parallel.APIStatusError as e:  # noqa: PERF203
        err = e
    except Exception as e:  # reported as a failure
        check(f"{name}: raises {exc_type.__name__}", False, f"raised {type(e).__name__}: {e}")
        return None
    else:
        check(f"{name}: raises {exc_type.__name__}", False, "did not raise")
        return None
    check(f"{name}: status {status}", err.status_code == status, str(err.status_code))
    check(f"{name}: raises {exc_type.__name__}", type(err) is exc_type, type(err).__name__)
    content_type = err.response.headers.get("content-type", "")
    check(f"{name}: JSON body", content_type.split(";")[0].strip() == "application/json", content_type)
    if validation_loc is not None:
        check_validation_body(name, err.body, validation_loc)
    else:
        check_error_body(name, err.body, message)
    for header, ok in (headers or {}).items():
        value = err.response.headers.get(header)
        check(f"{name}: header {header}", value is not None and ok(value), repr(value))
    return err


def success(name, status, raw):
    """A JSON response from `with_raw_response`: exactly `status` (the API
    answers 200 on group create and add-runs, 202 on run create) and a JSON
    content-type. Returns the parsed (strictly validated) object."""
    content_type = raw.headers.get("content-type", "")
    check(f"{name}: status {status}", raw.status_code == status, str(raw.status_code))
    check(f"{name}: JSON body", content_type.split(";")[0].strip() == "application/json", content_type)
    return raw.parse()


def check_event_stream(name, raw):
    """An SSE response from `with_raw_response`: status 200 and content-type
    text/event-stream. Returns its parsed (strictly validated) events."""
    content_type = raw.headers.get("content-type", "")
    check(f"{name}: 200", raw.status_code == 200, str(raw.status_code))
    check(f"{name}: content-type text/event-stream", content_type.split(";")[0].strip() == "text/event-stream", content_type)
    return list(raw.parse())


def run(main):
    """Run main(), turning an unexpected exception into a failed check; exit with the result."""
    try:
        main()
    except Exception as e:
        traceback.print_exc()
        check(f"{main.__module__}: no unexpected exception", False, f"{type(e).__name__}: {str(e)[:300]}")
    print(f"RESULT passed={_passed} failed={_failed}")
    sys.exit(1 if _failed else 0)


SCHEMA = {
    "type": "object",
    "properties": {
        "ceo": {"type": "string"},
        "founded": {"type": "integer", "minimum": 1800, "maximum": 2025},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["fintech", "retail", "crm"]}},
        "website": {"type": "string", "format": "uri"},
    },
    "required": ["ceo", "founded", "tags", "website"],
    "additionalProperties": False,
}


def check_task_group_methods(tg, no_retry_tg, run_event_types, run_input_param):
    """Drive create/retrieve/add_runs/events/get_runs of one SDK's task-group resource.

    tg and no_retry_tg are that resource on a retrying and a non-retrying
    client, both with strict response validation (so every response and event
    below was validated against the SDK's types). The version's own types:
    run_event_types = (TaskRunEvent, TaskGroupStatusEvent), run_input_param =
    the run input TypedDict. Returns (gid, first add, empty group).
    """
    import parallel
    from parallel.types import JsonSchemaParam, TaskSpecParam, TextSchemaParam

    TaskRunEvent, TaskGroupStatusEvent = run_event_types

    # create / retrieve
    group = success("create", 200, tg.with_raw_response.create(metadata={"project": "conformance", "n": 1, "flag": True}))
    gid = group.task_group_id
    check("group id shape", bool(GROUP_ID.match(gid)), gid)
    check("create keeps metadata", group.metadata == {"project": "conformance", "n": 1, "flag": True}, repr(group.metadata))
    check("new group is empty and inactive", group.status.num_task_runs == 0 and not group.status.is_active)
    check("new group has no status counts", group.status.task_run_status_counts == {}, repr(group.status))
    check("created_at is RFC 3339 with microseconds", bool(TIMESTAMP.match(group.created_at or "")), repr(group.created_at))
    again = tg.retrieve(gid)
    check("retrieve returns the same group", again.task_group_id == gid and again.created_at == group.created_at)
    plain = tg.create()
    check("create() without args works", bool(GROUP_ID.match(plain.task_group_id)) and plain.metadata is None)

    # add_runs: a JSON batch with a default spec, then a text batch with per-run specs
    spec = TaskSpecParam(output_schema=JsonSchemaParam(json_schema=SCHEMA))
    first = success(
        "add_runs",
        200,
        tg.with_raw_response.add_runs(
            gid,
            inputs=[
                run_input_param(input={"company": name}, processor="lite", metadata={"row": i})
                for i, name in enumerate(["Stripe", "Shopify", "Salesforce"])
            ],
            default_task_spec=spec,
        ),
    )
    check("add_runs returns 3 run ids", len(first.run_ids) == 3 and all(RUN_ID.match(r) for r in first.run_ids))
    check("first add has null cursors", first.run_cursor is None and first.event_cursor is None)
    check("add_runs status counts runs", first.status.num_task_runs == 3 and first.status.is_active)
    check("add_runs counts by status", sum(first.status.task_run_status_counts.values()) == 3, repr(first.status))
    second = tg.add_runs(
        gid,
        inputs=[
            run_input_param(
                input="Summarise the history of Parallel Web Systems",
                processor="base-fast",
                task_spec=TaskSpecParam(output_schema=TextSchemaParam(description="two sentences")),
            ),
            run_input_param(input="What is an SSE stream?", processor="core"),
        ],
        refresh_status=False,
        betas=["mcp-server-2025-07-17"],
    )
    check("second add returns cursors", bool(second.run_cursor) and bool(second.event_cursor), repr(second))
    check("second add counts all runs", second.status.num_task_runs == 5)
    all_ids = first.run_ids + second.run_ids

    # events: live until the group is inactive
    events = list(tg.events(gid))
    kinds = [e.type for e in events]
    check("events has status events", "task_group_status" in kinds, repr(kinds))
    check("events has one task_run.state per run", kinds.count("task_run.state") == 5, repr(kinds))
    check("events ends with an inactive status", events[-1].type == "task_group_status" and not events[-1].status.is_active)
    check("event ids are non-empty strings", all(isinstance(e.event_id, str) and e.event_id for e in events))
    check(
        "each event parsed as its type's model",
        all(isinstance(e, TaskRunEvent if e.type == "task_run.state" else TaskGroupStatusEvent) for e in events),
        repr([type(e).__name__ for e in events]),
    )
    check("group events carry no input", all(e.input is None for e in events if e.type == "task_run.state"))
    raw = tg.with_raw_response.events(gid)
    check_event_stream("events stream", raw)
    resumed = list(tg.events(gid, last_event_id=events[0].event_id, api_timeout=30))
    check("events resume strictly after the cursor", [e.event_id for e in resumed] == [e.event_id for e in events[1:]])
    after_add = list(tg.events(gid, last_event_id=second.event_cursor))
    check("event_cursor resumes before the second add", len(after_add) >= 3 and after_add[0].type == "task_group_status")

    # get_runs: snapshot, filters, includes, cursor
    runs = check_event_stream("runs stream", tg.with_raw_response.get_runs(gid))
    check("get_runs lists every run", [e.run.run_id for e in runs] == all_ids)
    check("get_runs omits input/output by default", all(e.input is None and e.output is None for e in runs))
    full = list(tg.get_runs(gid, include_input=True, include_output=True))
    check("get_runs include_input", all(e.input is not None for e in full))
    check("include_input echoes the input", full[0].input.input == {"company": "Stripe"}, repr(full[0].input))
    json_out = full[0].output
    check("json output type", json_out is not None and json_out.type == "json")
    content = json_out.content
    check("json output follows the schema", set(content) == {"ceo", "founded", "tags", "website"} and 1800 <= content["founded"] <= 2025)
    check("json enum values respected", all(t in ("fintech", "retail", "crm") for t in content["tags"]))
    check("basis covers top-level fields", sorted(b.field for b in json_out.basis) == sorted(content))
    text_out = full[3].output
    check("text output for text schema", text_out.type == "text" and isinstance(text_out.content, str))
    auto_out = full[4].output
    check("auto output has output_schema", auto_out.type == "json" and isinstance(auto_out.output_schema, dict))
    completed = list(tg.get_runs(gid, status="completed"))
    check("get_runs status filter", len(completed) == 5 and all(e.run.status == "completed" for e in completed))
    check("no failed runs", list(tg.get_runs(gid, status="failed")) == [])
    tail = list(tg.get_runs(gid, last_event_id=second.run_cursor))
    check("run_cursor resumes at the second add", [e.run.run_id for e in tail] == second.run_ids)
    mid = list(tg.get_runs(gid, last_event_id=runs[1].event_id))
    check("get_runs resumes after an event_id", [e.run.run_id for e in mid] == all_ids[2:])
    api_error(
        "invalid runs cursor",
        parallel.UnprocessableEntityError,
        422,
        lambda: list(no_retry_tg.get_runs(gid, last_event_id="nope")),
        validation_loc=["query", "last_event_id"],
    )
    api_error(
        "add_runs of 1001 inputs",
        parallel.UnprocessableEntityError,
        422,
        lambda: no_retry_tg.add_runs(gid, inputs=[{"input": "x", "processor": "lite"}] * 1001),
        validation_loc=["body", "inputs"],
    )
    api_error(
        "add_runs without processor",
        parallel.UnprocessableEntityError,
        422,
        lambda: no_retry_tg.add_runs(gid, inputs=[{"input": "x"}]),
        validation_loc=["body", "inputs", 0, "processor"],
    )
    api_error("unknown group", parallel.NotFoundError, 404, lambda: no_retry_tg.retrieve("tgrp_0000"), message="TaskGroup not found")
    api_error(
        "events of an unknown group",
        parallel.NotFoundError,
        404,
        lambda: list(no_retry_tg.events("tgrp_0000")),
        message="TaskGroup not found",
    )
    api_error(
        "runs of an unknown group",
        parallel.NotFoundError,
        404,
        lambda: list(no_retry_tg.get_runs("tgrp_0000")),
        message="TaskGroup not found",
    )
    return gid, first, plain


def check_task_run_methods(task_run, no_retry_run):
    """The GA task-run methods both SDK versions share: create, retrieve,
    result (with api_timeout) and events, and their error statuses and bodies.
    task_run and no_retry_run are `client.task_run` of a retrying and a
    non-retrying strict client. Returns the created run."""
    import parallel

    run_ = success(
        "task_run.create",
        202,
        task_run.with_raw_response.create(input="What is the capital of France?", processor="base", metadata={"k": "v"}),
    )
    check("task_run.create", bool(RUN_ID.match(run_.run_id)) and run_.metadata == {"k": "v"}, repr(run_))
    check("task_run.create is queued", run_.status == "queued" and run_.is_active, repr(run_))
    check("interaction_id equals run_id", run_.interaction_id == run_.run_id)
    check(
        "run timestamps are RFC 3339",
        bool(TIMESTAMP.match(run_.created_at or "")) and bool(TIMESTAMP.match(run_.modified_at or "")),
        repr(run_),
    )
    got = task_run.retrieve(run_.run_id)
    check("task_run.retrieve", got.run_id == run_.run_id and got.processor == "base")
    res = task_run.result(run_.run_id, api_timeout=60)
    check("task_run.result", res.run.run_id == run_.run_id and res.run.status == "completed" and not res.run.is_active)
    check(
        "a run without a spec gets auto output with its schema",
        res.output.type == "json" and isinstance(res.output.output_schema, dict) and len(res.output.basis) >= 1,
        repr(res.output),
    )
    ev = check_event_stream("run events stream", task_run.with_raw_response.events(run_.run_id))
    check("task_run.events starts with a state", ev[0].type == "task_run.state", repr([e.type for e in ev]))
    check(
        "task_run.events ends completed with output",
        ev[-1].type == "task_run.state" and ev[-1].run.status == "completed" and ev[-1].output is not None,
    )
    check("run events have null event_id", all(e.event_id is None for e in ev if e.type == "task_run.state"))

    # errors: exact status, exact SDK class, the ErrorResponse body
    unknown = "trun_" + "0" * 32
    api_error("unknown run", parallel.NotFoundError, 404, lambda: no_retry_run.retrieve(unknown), message="Run id not found")
    api_error("events of an unknown run", parallel.NotFoundError, 404, lambda: list(no_retry_run.events(unknown)), message="Run id not found")
    api_error(
        "result of an unknown run",
        parallel.NotFoundError,
        404,
        lambda: no_retry_run.result(unknown, api_timeout=1),
        message="Run failed or run id not found",
    )
    api_error(
        "unknown processor on create",
        parallel.PermissionDeniedError,
        403,
        lambda: no_retry_run.create(input="x", processor="mega"),
        message="Forbidden: invalid processor in request",
    )
    api_error(
        "metadata key over 16 characters on create",
        parallel.UnprocessableEntityError,
        422,
        lambda: no_retry_run.create(input="x", processor="lite", metadata={"k" * 17: "v"}),
        message=("Unprocessable content: request validation error",),
    )
    slow = task_run.create(input="slow", processor="ultra8x")
    api_error(
        "result timeout",
        parallel.APIStatusError,  # the SDKs have no class of their own for 408
        408,
        lambda: no_retry_run.result(slow.run_id, api_timeout=0),
        message="Request timed out; run still active",
    )
    return run_


def check_seed_example_results(results):
    """The checks both copies of the seed's Complete Example make on its results."""
    check("seed example: one result per company", len(results) == 3, repr(results))
    check(
        "seed example: results name the input companies",
        sorted(r["company"] for r in results) == ["Salesforce", "Shopify", "Stripe"],
    )
    # CompanyOutput.model_validate in the example already refused a wrong shape.
    check(
        "seed example: outputs have insights and a market position",
        all(r["insights"] and all(r["insights"]) and r["market_position"] for r in results),
        repr(results),
    )
    check(
        "seed example: output mentions the input",
        all(r["company"] in r["market_position"] for r in results),
    )
