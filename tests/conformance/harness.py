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


def raises(name, exc_type, fn):
    """Check that fn() raises exc_type; returns the exception."""
    try:
        fn()
    except exc_type as e:  # noqa: PERF203
        check(name, True)
        return e
    except Exception as e:  # pragma: no cover - reported as a failure
        check(name, False, f"raised {type(e).__name__}: {e}")
        return None
    check(name, False, "did not raise")
    return None


def run(main):
    """Run main(), turning an unexpected exception into a failed check; exit with the result."""
    try:
        main()
    except Exception:
        traceback.print_exc()
        check(f"{main.__module__}: no unexpected exception", False)
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


def check_task_group_methods(tg, strict_tg, group_types, run_event_types, run_input_param):
    """Drive create/retrieve/add_runs/events/get_runs of one SDK's task-group resource.

    tg and strict_tg are that resource on a retrying and a non-retrying client.
    The version's own types: group_types = (TaskGroup, TaskGroupRunResponse),
    run_event_types = (TaskRunEvent, TaskGroupStatusEvent), run_input_param =
    the run input TypedDict. Returns (gid, first add, empty group).
    """
    import parallel
    from parallel.types import JsonSchemaParam, TaskSpecParam, TextSchemaParam

    TaskGroup, TaskGroupRunResponse = group_types
    TaskRunEvent, TaskGroupStatusEvent = run_event_types

    # create / retrieve
    group = tg.create(metadata={"project": "conformance", "n": 1, "flag": True})
    check("create returns TaskGroup", isinstance(group, TaskGroup))
    gid = group.task_group_id
    check("group id shape", bool(GROUP_ID.match(gid)), gid)
    check("create keeps metadata", group.metadata == {"project": "conformance", "n": 1, "flag": True}, repr(group.metadata))
    check("new group is empty and inactive", group.status.num_task_runs == 0 and not group.status.is_active)
    again = tg.retrieve(gid)
    check("retrieve returns the same group", again.task_group_id == gid and again.created_at == group.created_at)
    plain = tg.create()
    check("create() without args works", bool(GROUP_ID.match(plain.task_group_id)) and plain.metadata is None)

    # add_runs: a JSON batch with a default spec, then a text batch with per-run specs
    spec = TaskSpecParam(output_schema=JsonSchemaParam(json_schema=SCHEMA))
    first = tg.add_runs(
        gid,
        inputs=[
            run_input_param(input={"company": name}, processor="lite", metadata={"row": i})
            for i, name in enumerate(["Stripe", "Shopify", "Salesforce"])
        ],
        default_task_spec=spec,
    )
    check("add_runs returns TaskGroupRunResponse", isinstance(first, TaskGroupRunResponse))
    check("add_runs returns 3 run ids", len(first.run_ids) == 3 and all(RUN_ID.match(r) for r in first.run_ids))
    check("first add has null cursors", first.run_cursor is None and first.event_cursor is None)
    check("add_runs status counts runs", first.status.num_task_runs == 3 and first.status.is_active)
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
    check("second add returns cursors", isinstance(second.run_cursor, str) and isinstance(second.event_cursor, str))
    check("second add counts all runs", second.status.num_task_runs == 5)
    all_ids = first.run_ids + second.run_ids

    # events: live until the group is inactive
    events = list(tg.events(gid))
    kinds = [e.type for e in events]
    check("events has status events", "task_group_status" in kinds, repr(kinds))
    check("events has one task_run.state per run", kinds.count("task_run.state") == 5, repr(kinds))
    check("events ends with an inactive status", isinstance(events[-1], TaskGroupStatusEvent) and not events[-1].status.is_active)
    check("event ids are strings", all(isinstance(e.event_id, str) and e.event_id for e in events))
    check("events are typed", all(isinstance(e, (TaskRunEvent, TaskGroupStatusEvent)) for e in events))
    resumed = list(tg.events(gid, last_event_id=events[0].event_id, api_timeout=30))
    check("events resume strictly after the cursor", [e.event_id for e in resumed] == [e.event_id for e in events[1:]])
    after_add = list(tg.events(gid, last_event_id=second.event_cursor))
    check("event_cursor resumes before the second add", len(after_add) >= 3 and after_add[0].type == "task_group_status")

    # get_runs: snapshot, filters, includes, cursor
    runs = list(tg.get_runs(gid))
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
    raises("invalid cursor is a 422", parallel.UnprocessableEntityError, lambda: list(strict_tg.get_runs(gid, last_event_id="nope")))
    return gid, first, plain


def check_task_run_methods(task_run, run_type, result_type):
    """The GA task-run methods both SDK versions share: create, retrieve,
    result (with api_timeout) and events. Returns the created run."""
    run_ = task_run.create(input="What is the capital of France?", processor="base", metadata={"k": "v"})
    check("task_run.create", isinstance(run_, run_type) and RUN_ID.match(run_.run_id) and run_.metadata == {"k": "v"})
    got = task_run.retrieve(run_.run_id)
    check("task_run.retrieve", got.run_id == run_.run_id and got.processor == "base")
    res = task_run.result(run_.run_id, api_timeout=60)
    check("task_run.result", isinstance(res, result_type) and res.run.status == "completed")
    ev = list(task_run.events(run_.run_id))
    check("task_run.events ends completed", ev[-1].run.status == "completed")
    return run_


def check_seed_example_results(results):
    """The checks both copies of the seed's Complete Example make on its results."""
    check("seed example: one result per company", len(results) == 3, repr(results))
    check(
        "seed example: results name the input companies",
        sorted(r["company"] for r in results) == ["Salesforce", "Shopify", "Stripe"],
    )
    check(
        "seed example: outputs validate against CompanyOutput",
        all(isinstance(r["insights"], list) and r["insights"] and isinstance(r["market_position"], str) for r in results),
    )
    check(
        "seed example: output mentions the input",
        all(r["company"] in r["market_position"] for r in results),
    )
