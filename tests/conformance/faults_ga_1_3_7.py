"""How the official GA SDK (parallel-web==1.3.7) meets injected faults.

run.sh starts this emulator with:
  --fault status:code=429,retry-after-ms=20,times=2,path=/v1/tasks/groups
  --fault ambiguous-add-runs:times=1
  --fault status:code=503,retry-after-ms=20,times=1,path=/events
  --fault drop-stream:after=1,times=1,path=/runs
The SDK retries 429/503 and connection errors; a retried add-runs POST whose
first attempt was committed duplicates the runs (a known hazard of the
official SDKs); a dropped stream surfaces as an exception.
"""

import httpx
import parallel
from parallel import Parallel

from harness import API_KEY, BASE_URL, check, run


def stats():
    return httpx.get(f"{BASE_URL}/_emulator/stats", headers={"x-api-key": API_KEY}).json()


def main():
    client = Parallel(api_key=API_KEY, base_url=BASE_URL)

    group = client.task_group.create()
    s = stats()
    check("429s are retried until create succeeds", group.task_group_id.startswith("tgrp_"))
    check("the SDK made 3 create attempts", s["requests_per_operation"].get("task_group_create") == 3, repr(s["requests_per_operation"]))
    check("the 429 fault fired twice", s["faults_fired"].get("status:code=429,retry-after-ms=20,times=2,path=/v1/tasks/groups") == 2, repr(s["faults_fired"]))

    added = client.task_group.add_runs(
        group.task_group_id,
        inputs=[{"input": "a", "processor": "lite"}, {"input": "b", "processor": "lite"}],
    )
    check("a cut add-runs POST is retried by the SDK", len(added.run_ids) == 2)
    check("the blind retry duplicated the runs", added.status.num_task_runs == 4, repr(added.status))
    check("the ambiguous fault fired once", stats()["faults_fired"].get("ambiguous-add-runs:times=1") == 1)

    events = list(client.task_group.events(group.task_group_id))
    check("a 503 on the events stream is retried", events and not events[-1].status.is_active)

    got = []
    try:
        for event in client.task_group.get_runs(group.task_group_id):
            got.append(event)
        check("a dropped runs stream raises", False, f"finished with {len(got)} events")
    except (httpx.HTTPError, parallel.APIError) as e:
        check("a dropped runs stream raises", True)
        check("events before the cut were delivered", len(got) == 1, f"{len(got)} ({type(e).__name__})")
    again = list(client.task_group.get_runs(group.task_group_id))
    check("the next runs stream is complete", len(again) == 4)


run(main)
