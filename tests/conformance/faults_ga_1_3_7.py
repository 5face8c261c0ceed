"""How the official GA SDK (parallel-web==1.3.7) meets injected faults.

run.sh starts this emulator (EMULATOR_BASE_URL) with:
  --fault status:code=429,retry-after-ms=20,times=3,path=/v1/tasks/groups
  --fault ambiguous-add-runs:times=1
  --fault status:code=503,retry-after-ms=20,times=1,path=/events
  --fault drop-stream:after=1,times=1,path=/runs
and a second one (EMULATOR_LIMITED_URL) with `--rate-limit 1` (one
run-creating POST per minute).
The SDK retries 429/503 and connection errors, waiting what `retry-after-ms`
says; a retried add-runs POST whose first attempt was committed duplicates the
runs (a known hazard of the official SDKs); a dropped stream surfaces as an
exception. Every client validates responses strictly.
"""

import os

import httpx
import parallel

from harness import API_KEY, BASE_URL, api_error, check, make_client, run

LIMITED_URL = os.environ["EMULATOR_LIMITED_URL"]
FAULT_429 = "status:code=429,retry-after-ms=20,times=3,path=/v1/tasks/groups"
FAULT_503 = "status:code=503,retry-after-ms=20,times=1,path=/events"


def stats():
    return httpx.get(f"{BASE_URL}/_emulator/stats", headers={"x-api-key": API_KEY}).json()


def main():
    client = make_client()
    no_retry = make_client(max_retries=0)

    # The first 429 as the caller sees it without retries: status, class, body, header.
    api_error(
        "injected 429",
        parallel.RateLimitError,
        429,
        lambda: no_retry.task_group.create(),
        message="Too many requests: quota temporarily exceeded",
        headers={"retry-after-ms": lambda v: v == "20"},
    )
    group = client.task_group.create()
    s = stats()
    check("429s are retried until create succeeds", group.task_group_id.startswith("tgrp_"))
    check("4 create requests: 1 without retries, then 3 attempts", s["requests_per_operation"].get("task_group_create") == 4, repr(s["requests_per_operation"]))
    check("the 429 fault fired three times", s["faults_fired"].get(FAULT_429) == 3, repr(s["faults_fired"]))

    added = client.task_group.add_runs(
        group.task_group_id,
        inputs=[{"input": "a", "processor": "lite"}, {"input": "b", "processor": "lite"}],
    )
    check("a cut add-runs POST is retried by the SDK", len(added.run_ids) == 2)
    check("the blind retry duplicated the runs", added.status.num_task_runs == 4, repr(added.status))
    check("the ambiguous fault fired once", stats()["faults_fired"].get("ambiguous-add-runs:times=1") == 1)

    events = list(client.task_group.events(group.task_group_id))
    check("a 503 on the events stream is retried", bool(events) and not events[-1].status.is_active)
    check("the 503 fault fired once", stats()["faults_fired"].get(FAULT_503) == 1, repr(stats()["faults_fired"]))

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

    # The rate limiter's own 429 (not a fault): `retry-after` in whole seconds.
    limited = make_client(max_retries=0, base_url=LIMITED_URL)

    def create_twice():
        for _ in range(2):
            limited.task_run.create(input="x", processor="lite")

    api_error(
        "rate limit 429",
        parallel.RateLimitError,
        429,
        create_twice,
        message="Too many requests: quota temporarily exceeded",
        headers={"retry-after": lambda v: v.isdigit() and 1 <= int(v) <= 60},
    )


run(main)
