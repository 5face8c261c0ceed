"""Every task-group and task-run method of parallel-web==0.5.1 against the emulator.

Uses `client.beta.task_group` (the /v1beta group paths), `client.beta.task_run`
and `client.task_run` on clients with strict response validation, and checks
ids, statuses, counts, cursors, and the exact status, SDK exception class and
body shape of each error.
"""

import parallel
from parallel.types.beta import TaskRunEvent, BetaRunInputParam
from parallel.types.beta.task_group_events_response import TaskGroupStatusEvent

from harness import (
    api_error,
    check,
    check_event_stream,
    check_strict_validation,
    check_task_group_methods,
    check_task_run_methods,
    make_client,
    run,
)


def main():
    check("sdk version is 0.5.1", parallel.__version__ == "0.5.1", parallel.__version__)
    client = make_client()
    no_retry = make_client(max_retries=0)
    check_strict_validation(client)
    check_strict_validation(no_retry)
    tg = client.beta.task_group
    gid, first, _plain = check_task_group_methods(
        tg, no_retry.beta.task_group, (TaskRunEvent, TaskGroupStatusEvent), BetaRunInputParam
    )

    # beta task_run: create / events / result
    beta_run = client.beta.task_run.create(
        input={"q": "beta run"}, processor="lite", enable_events=True, betas=["events-sse-2025-07-24"]
    )
    check("beta create returns a queued run", beta_run.status == "queued" and beta_run.is_active, repr(beta_run))
    stream = check_event_stream("beta run events stream", client.beta.task_run.with_raw_response.events(beta_run.run_id))
    check("run events start with task_run.state", stream[0].type == "task_run.state")
    check("run events end with completed state + output", stream[-1].type == "task_run.state" and stream[-1].run.status == "completed" and stream[-1].output is not None)
    check("run events carry progress", any(e.type.startswith("task_run.progress") for e in stream))
    check("run events have null event_id", all(e.event_id is None for e in stream if e.type == "task_run.state"))
    beta_result = client.beta.task_run.result(beta_run.run_id, api_timeout=30)
    check("beta result has output", beta_result.run.run_id == beta_run.run_id and beta_result.output is not None)

    # GA task_run on 0.5.1: create / retrieve / result / events, and their errors
    check_task_run_methods(client.task_run, no_retry.task_run)
    in_group = client.task_run.retrieve(first.run_ids[0])
    check("group run has taskgroup_id", in_group.task_group_id == gid)

    # authentication
    bad = make_client(api_key="wrong-key", max_retries=0)
    api_error(
        "wrong key",
        parallel.AuthenticationError,
        401,
        lambda: bad.beta.task_group.create(),
        message="Unauthorized: invalid or missing credentials",
    )


run(main)
