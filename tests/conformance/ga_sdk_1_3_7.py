"""Every task-group and task-run method of parallel-web==1.3.7 (GA, /v1 paths) against the emulator.

Uses `client.task_group` (create, retrieve, add_runs, events, get_runs,
retrieve_run) and `client.task_run` (create, retrieve, retrieve_input, result,
events, execute), and checks types, ids, statuses, counts and cursors.
"""

import parallel
from parallel import Parallel
from parallel.types import TaskRun, TaskRunResult, TaskSpecParam, JsonSchemaParam
from parallel.types import TaskGroup, TaskGroupRunResponse, TaskRunEvent, RunInput, TaskGroupStatusEvent, RunInputParam

from harness import API_KEY, BASE_URL, check, check_task_group_methods, check_task_run_methods, raises, run


def main():
    check("sdk version is 1.3.7", parallel.__version__ == "1.3.7", parallel.__version__)
    client = Parallel(api_key=API_KEY, base_url=BASE_URL)
    strict = client.with_options(max_retries=0)
    tg = client.task_group
    gid, first, plain = check_task_group_methods(
        tg, strict.task_group, (TaskGroup, TaskGroupRunResponse), (TaskRunEvent, TaskGroupStatusEvent), RunInputParam
    )

    # retrieve_run (GA only)
    one = tg.retrieve_run(first.run_ids[1], task_group_id=gid)
    check("retrieve_run returns the run", isinstance(one, TaskRun) and one.run_id == first.run_ids[1] and one.status == "completed")
    raises("retrieve_run of another group's run is 404", parallel.NotFoundError, lambda: strict.task_group.retrieve_run(first.run_ids[1], task_group_id=plain.task_group_id))

    # task_run: create / retrieve / retrieve_input / result / events / execute
    run_ = check_task_run_methods(client.task_run, TaskRun, TaskRunResult)
    warned = client.task_run.create(
        input={"other": 1},
        processor="lite",
        task_spec=TaskSpecParam(
            input_schema=JsonSchemaParam(json_schema={"type": "object", "properties": {"company": {"type": "string"}}, "required": ["company"]}),
            output_schema="a summary",
        ),
    )
    check("input missing required fields gets a typed warning", warned.warnings and warned.warnings[0].type == "input_validation_warning")
    check("runs without problems have no warnings", run_.warnings is None)
    inp = client.task_run.retrieve_input(run_.run_id)
    check("task_run.retrieve_input", isinstance(inp, RunInput) and inp.input == "What is the capital of France?" and inp.processor == "base")
    group_inp = client.task_run.retrieve_input(first.run_ids[0])
    check("group run input carries the default spec", group_inp.task_spec is not None and group_inp.metadata == {"row": 0})
    executed = client.task_run.execute(input={"q": "execute"}, processor="lite", output="one short sentence")
    check("task_run.execute", isinstance(executed, TaskRunResult) and executed.output.type == "text")
    in_group = client.task_run.retrieve(first.run_ids[0])
    check("group run has taskgroup_id", in_group.task_group_id == gid)

    # errors
    raises("unknown group is 404", parallel.NotFoundError, lambda: strict.task_group.retrieve("tgrp_0000"))
    raises("unknown run is 404", parallel.NotFoundError, lambda: strict.task_run.retrieve("trun_" + "0" * 32))
    raises("unknown processor on create is 403", parallel.PermissionDeniedError, lambda: strict.task_run.create(input="x", processor="mega"))
    raises(
        "too many inputs is 422",
        parallel.UnprocessableEntityError,
        lambda: strict.task_group.add_runs(gid, inputs=[{"input": "x", "processor": "lite"}] * 1001),
    )
    slow = client.task_run.create(input="slow", processor="ultra8x")
    raises("result timeout is 408", parallel.APIStatusError, lambda: strict.task_run.result(slow.run_id, api_timeout=0))
    bad = Parallel(api_key="wrong-key", base_url=BASE_URL, max_retries=0)
    raises("wrong key is 401", parallel.AuthenticationError, lambda: bad.task_group.create())


run(main)
