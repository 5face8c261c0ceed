"""Every task-group and task-run method of parallel-web==0.5.1 against the emulator.

Uses `client.beta.task_group` (the /v1beta group paths), `client.beta.task_run`
and `client.task_run`, and checks types, ids, statuses, counts and cursors.
"""

import parallel
from parallel import Parallel
from parallel.types import TaskRun, TaskRunResult
from parallel.types.beta import TaskGroup, TaskGroupRunResponse, TaskRunEvent, BetaRunInputParam
from parallel.types.beta.task_group_events_response import TaskGroupStatusEvent

from harness import API_KEY, BASE_URL, check, check_task_group_methods, check_task_run_methods, raises, run


def main():
    check("sdk version is 0.5.1", parallel.__version__ == "0.5.1", parallel.__version__)
    client = Parallel(api_key=API_KEY, base_url=BASE_URL)
    strict = client.with_options(max_retries=0)
    tg = client.beta.task_group
    gid, first, _plain = check_task_group_methods(
        tg, strict.beta.task_group, (TaskGroup, TaskGroupRunResponse), (TaskRunEvent, TaskGroupStatusEvent), BetaRunInputParam
    )

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
    run_ = check_task_run_methods(client.task_run, TaskRun, TaskRunResult)
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
