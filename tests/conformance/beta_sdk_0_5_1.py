"""Every task-group and task-run method of parallel-web==0.5.1 against the emulator.

Uses `client.beta.task_group` (the /v1beta group paths), `client.beta.task_run`
and `client.task_run`, and checks types, ids, statuses, counts and cursors.
"""

import parallel
from parallel import Parallel
from parallel.types import TaskRun, TaskRunResult, TaskSpecParam, JsonSchemaParam, TextSchemaParam
from parallel.types.beta import TaskGroup, TaskGroupRunResponse, TaskRunEvent, BetaRunInputParam
from parallel.types.beta.task_group_events_response import TaskGroupStatusEvent

from harness import API_KEY, BASE_URL, GROUP_ID, RUN_ID, check, raises, run

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


def main():
    check("sdk version is 0.5.1", parallel.__version__ == "0.5.1", parallel.__version__)
    client = Parallel(api_key=API_KEY, base_url=BASE_URL)
    strict = client.with_options(max_retries=0)
    tg = client.beta.task_group

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
            BetaRunInputParam(input={"company": name}, processor="lite", metadata={"row": i})
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
            BetaRunInputParam(
                input="Summarise the history of Parallel Web Systems",
                processor="base-fast",
                task_spec=TaskSpecParam(output_schema=TextSchemaParam(description="two sentences")),
            ),
            BetaRunInputParam(input="What is an SSE stream?", processor="core"),
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
    raises("invalid cursor is a 422", parallel.UnprocessableEntityError, lambda: list(strict.beta.task_group.get_runs(gid, last_event_id="nope")))

    # beta task_run: create / events / result
    beta_run = client.beta.task_run.create(
        input={"q": "beta run"}, processor="lite", enable_events=True, betas=["events-sse-2025-07-24"]
    )
    check("beta create returns queued TaskRun", isinstance(beta_run, TaskRun) and beta_run.status == "queued")
    stream = list(client.beta.task_run.events(beta_run.run_id))
    check("run events start with task_run.state", stream[0].type == "task_run.state")
    check("run events end with completed state + output", stream[-1].type == "task_run.state" and stream[-1].run.status == "completed" and stream[-1].output is not None)
    check("run events carry progress", any(e.type.startswith("task_run.progress") for e in stream))
    check("run events have null event_id", all(getattr(e, "event_id", None) is None for e in stream if e.type == "task_run.state"))
    beta_result = client.beta.task_run.result(beta_run.run_id, api_timeout=30)
    check("beta result has output", beta_result.run.run_id == beta_run.run_id and beta_result.output is not None)

    # GA task_run on 0.5.1: create / retrieve / result / events
    run_ = client.task_run.create(input="What is the capital of France?", processor="base", metadata={"k": "v"})
    check("task_run.create", isinstance(run_, TaskRun) and RUN_ID.match(run_.run_id) and run_.metadata == {"k": "v"})
    got = client.task_run.retrieve(run_.run_id)
    check("task_run.retrieve", got.run_id == run_.run_id and got.processor == "base")
    res = client.task_run.result(run_.run_id, api_timeout=60)
    check("task_run.result", isinstance(res, TaskRunResult) and res.run.status == "completed")
    ev = list(client.task_run.events(run_.run_id))
    check("task_run.events ends completed", ev[-1].run.status == "completed")
    in_group = client.task_run.retrieve(first.run_ids[0])
    check("group run has taskgroup_id", in_group.task_group_id == gid)

    # errors
    raises("unknown group is 404", parallel.NotFoundError, lambda: strict.beta.task_group.retrieve("tgrp_0000"))
    raises("unknown run is 404", parallel.NotFoundError, lambda: strict.task_run.retrieve("trun_" + "0" * 32))
    raises("unknown processor on create is 403", parallel.PermissionDeniedError, lambda: strict.task_run.create(input="x", processor="mega"))
    raises(
        "too many inputs is 422",
        parallel.UnprocessableEntityError,
        lambda: strict.beta.task_group.add_runs(gid, inputs=[{"input": "x", "processor": "lite"}] * 1001),
    )
    slow = client.task_run.create(input="slow", processor="ultra8x")
    raises("result timeout is 408", parallel.APIStatusError, lambda: strict.task_run.result(slow.run_id, api_timeout=0))
    bad = Parallel(api_key="wrong-key", base_url=BASE_URL, max_retries=0)
    raises("wrong key is 401", parallel.AuthenticationError, lambda: bad.beta.task_group.create())


run(main)
