"""Monitor-events paging with the official Python SDK (parallel-web 1.3.7).

    python monitor_events.py BASE_URL API_KEY MONITOR_ID PAGE_SIZE [MAX_EVENTS]

Reads the events of one monitor (all, or the newest MAX_EVENTS) with `client.monitor.events(...)`, page by
page through `next_cursor`, touches each event's id and output the way the
Rust client does (`bench/src/bin/rust_monitor_events.rs`), keeps nothing, and
prints one JSON line with the events read and the same checksum.
"""

import json
import sys

from parallel import Parallel


def main():
    base_url, api_key, monitor_id = sys.argv[1:4]
    page_size = int(sys.argv[4])
    max_events = int(sys.argv[5]) if len(sys.argv) > 5 else None
    client = Parallel(api_key=api_key, base_url=base_url)
    n = checksum = 0
    cursor = None
    while True:
        if cursor:
            page = client.monitor.events(monitor_id, limit=page_size, cursor=cursor)
        else:
            page = client.monitor.events(monitor_id, limit=page_size)
        for e in page.events:
            if n == max_events:
                break
            n += 1
            if e.event_type == "event_stream":
                checksum += len(e.event_id)
                content = e.output.content
                checksum += len(content) if isinstance(content, str) else len(content.keys())
        cursor = page.next_cursor
        if not cursor or n == max_events:
            break
    print(json.dumps({"client": "python", "events": n, "checksum": checksum}))


main()
