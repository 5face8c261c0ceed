"""Every task-group and task-run method of parallel-web==1.3.7 (GA, /v1 paths) against the emulator.

Uses `client.task_group` (create, retrieve, add_runs, events, get_runs,
retrieve_run) and `client.task_run` (create, retrieve, retrieve_input, result,
events, execute) on clients with strict response validation, and checks ids,
statuses, counts, cursors, and the exact status, SDK exception class, body
shape and headers of each error.
"""

import parallel
from parallel.types import TaskSpecParam, JsonSchemaParam
from parallel.types import TaskRunEvent, TaskGroupStatusEvent, RunInputParam

from harness import (
    api_error,
    check,
    check_strict_validation,
    check_task_group_methods,
    check_task_run_methods,
    make_client,
    run,
)


def main():
    check("sdk version is 1.3.7", parallel.__version__ == "1.3.7", parallel.__version__)
    client = make_client()
    no_retry = make_client(max_retries=0)
    check_strict_validation(client)
    check_strict_validation(no_retry)
    tg = client.task_group
    gid, first, plain = check_task_group_methods(tg, no_retry.task_group, (TaskRunEvent, TaskGroupStatusEvent), RunInputParam)

    # retrieve_run (GA only)
    one = tg.retrieve_run(first.run_ids[1], task_group_id=gid)
    check("retrieve_run returns the run", one.run_id == first.run_ids[1] and one.status == "completed" and one.task_group_id == gid)
    api_error(
        "retrieve_run of another group's run",
        parallel.NotFoundError,
        404,
        lambda: no_retry.task_group.retrieve_run(first.run_ids[1], task_group_id=plain.task_group_id),
        message="Run id not found",
    )

    # task_run: create / retrieve / retrieve_input / result / events / execute
    run_ = check_task_run_methods(client.task_run, no_retry.task_run)
    warned = client.task_run.create(
        input={"other": 1},
        processor="lite",
        task_spec=TaskSpecParam(
            input_schema=JsonSchemaParam(json_schema={"type": "object", "properties": {"company": {"type": "string"}}, "required": ["company"]}),
            output_schema="a summary",
        ),
    )
    check("input missing required fields gets a typed warning", bool(warned.warnings) and warned.warnings[0].type == "input_validation_warning")
    check("runs without problems have no warnings", run_.warnings is None)
    inp = client.task_run.retrieve_input(run_.run_id)
    check("task_run.retrieve_input", inp.input == "What is the capital of France?" and inp.processor == "base" and inp.metadata == {"k": "v"})
    group_inp = client.task_run.retrieve_input(first.run_ids[0])
    check("group run input carries the default spec", group_inp.task_spec is not None and group_inp.metadata == {"row": 0})
    api_error(
        "input of an unknown run",
        parallel.NotFoundError,
        404,
        lambda: no_retry.task_run.retrieve_input("trun_" + "0" * 32),
        message="Run id not found",
    )
    executed = client.task_run.execute(input={"q": "execute"}, processor="lite", output="one short sentence")
    check("task_run.execute", executed.run.status == "completed" and executed.output.type == "text" and isinstance(executed.output.content, str))
    in_group = client.task_run.retrieve(first.run_ids[0])
    check("group run has taskgroup_id", in_group.task_group_id == gid)

    # authentication
    bad = make_client(api_key="wrong-key", max_retries=0)
    api_error(
        "wrong key",
        parallel.AuthenticationError,
        401,
        lambda: bad.task_group.create(),
        message="Unauthorized: invalid or missing credentials",
    )
    api_error(
        "wrong key on a run",
        parallel.AuthenticationError,
        401,
        lambda: bad.task_run.retrieve(run_.run_id),
        message="Unauthorized: invalid or missing credentials",
    )


run(main)
