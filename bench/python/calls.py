"""Call workloads with the official Python SDK (parallel-web 1.3.7).

    python calls.py BASE_URL API_KEY search|extract CALLS

Makes CALLS sequential `client.search(...)` or `client.extract(urls=...)`
calls (10 URLs each) with the synchronous client, sending the same requests
as the Rust client (`bench/src/lib.rs`: `search_request`, `extract_urls`).
Prints one JSON line with the calls made and the results (and per-URL
errors) read.
"""

import json
import sys

from parallel import Parallel


def search_request(i):
    return "Find recent news about grid battery storage", ["grid battery storage", f"battery projects {i}"]


def extract_urls(i):
    return [f"https://example.org/reports/battery-storage-{i}-{k}" for k in range(10)]


def main():
    base_url, api_key, api = sys.argv[1:4]
    calls = int(sys.argv[4])
    client = Parallel(api_key=api_key, base_url=base_url)
    items = 0
    for i in range(calls):
        if api == "search":
            objective, queries = search_request(i)
            items += len(client.search(objective=objective, search_queries=queries).results)
        else:
            read = client.extract(urls=extract_urls(i))
            items += len(read.results) + len(read.errors)
    print(json.dumps({"client": "python", "calls": calls, "items": items}))


main()
