"""Submission workload with the official Python SDK (parallel-web 1.3.7).

    python submit.py BASE_URL API_KEY INPUTS PER_CALL

Creates a group and adds INPUTS distinct company inputs with the synchronous
client's `task_group.add_runs`, PER_CALL per call. The official SDK sends
each call as one POST and the API takes at most 1,000 inputs per POST, so a
PER_CALL above 1,000 is what a user of this SDK has to do instead: a loop of
1,000-input calls. Prints one JSON line with the counts.
"""

import json
import sys

from parallel import Parallel

from company import TASK_SPEC, numbered

MAX_PER_POST = 1000


def main():
    base_url, api_key = sys.argv[1:3]
    total, per_call = int(sys.argv[3]), int(sys.argv[4])
    per_call = min(per_call, MAX_PER_POST)
    client = Parallel(api_key=api_key, base_url=base_url)
    group_id = client.task_group.create().task_group_id
    runs = posts = 0
    for start in range(0, total, per_call):
        inputs = [
            {"input": numbered(i), "processor": "lite"}
            for i in range(start, min(total, start + per_call))
        ]
        added = client.task_group.add_runs(group_id, inputs=inputs, default_task_spec=TASK_SPEC)
        runs += len(added.run_ids)
        posts += 1
    print(json.dumps({"client": "python", "runs": runs, "posts": posts}))


main()
