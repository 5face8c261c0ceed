"""The official Python SDK (parallel-web==1.3.7) on the FindAll event-stream
workload: stream one run's events with client.beta.findall.events, decode
each into the SDK's event model, add up the candidates' name lengths without
keeping them, print one JSON line.

    python findall.py BASE_URL API_KEY FINDALL_ID
"""

import json
import sys

from parallel import Parallel

base_url, api_key, findall_id = sys.argv[1:4]
client = Parallel(base_url=base_url, api_key=api_key, max_retries=0)
events = 0
checksum = 0
for event in client.beta.findall.events(findall_id):
    events += 1
    if event.type.startswith("findall.candidate."):
        checksum += len(event.data.name)
print(json.dumps({"client": "python", "events": events, "checksum": checksum}))
