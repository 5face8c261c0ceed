"""Monitors and memory of parallel-web==1.3.7 (/v1/monitors, /v1beta/memory) against the emulator.

Drives `client.monitor` (create, retrieve, update, list, cancel, events,
trigger) and `client.beta.memory` (retrieve, evict, clear) unchanged, with
strict response validation, and checks paging, filters, the typed event
kinds and the documented refusals.
"""

import re

import parallel

from harness import api_error, check, make_client, run

MONITOR_ID = re.compile(r"^monitor_[0-9a-f]{32}$")


def all_events(client, monitor_id, **params):
    events, cursor, pages = [], None, 0
    while True:
        page = client.monitor.events(monitor_id, cursor=cursor, **params) if cursor else client.monitor.events(monitor_id, **params)
        pages += 1
        events.extend(page.events)
        cursor = page.next_cursor
        if not cursor:
            return events, pages


def main():
    check("sdk version is 1.3.7", parallel.__version__ == "1.3.7", parallel.__version__)
    client = make_client()
    strict = make_client(max_retries=0)

    created = client.monitor.create(
        type="event_stream",
        frequency="1d",
        settings={
            "query": "New grid-scale battery storage projects in Europe",
            "output_schema": {"type": "json", "json_schema": {"type": "object", "properties": {"headline": {"type": "string"}}}},
            "include_backfill": True,
        },
        metadata={"team": "energy"},
        webhook={"url": "https://example.com/hook", "event_types": ["monitor.event.detected"]},
        memory_scope_key="conformance",
    )
    check("monitor_id has the emulator's form", bool(MONITOR_ID.match(created.monitor_id)), created.monitor_id)
    check("a new monitor is active", created.status == "active", created.status)
    check("the first check ran at once", created.last_run_at is not None)
    check("metadata is echoed", created.metadata == {"team": "energy"}, created.metadata)
    mid = created.monitor_id

    got = client.monitor.retrieve(mid)
    check("retrieve gives the same monitor", got.monitor_id == mid and got.frequency == "1d")

    for _ in range(30):
        client.monitor.trigger(mid)
    events, pages = all_events(client, mid, limit=7)
    ids = [e.event_id for e in events]
    check("paging lists each event once", len(ids) == len(set(ids)) and len(ids) > 20, len(ids))
    check("pages hold at most the limit", pages == -(-len(ids) // 7), (pages, len(ids)))
    check("event_stream events carry JSON in the schema's shape",
          all(e.event_type == "event_stream" and e.output.type == "json" and "headline" in e.output.content for e in events))
    with_completions, _ = all_events(client, mid, limit=100, include_completions=True)
    kinds = {e.event_type for e in with_completions}
    check("include_completions adds completion events", "completion" in kinds and len(with_completions) > len(events), kinds)
    group = events[0].event_group_id
    one = client.monitor.events(mid, event_group_id=group)
    check("event_group_id lists one check", all(e.event_group_id == group for e in one.events) and one.events)

    snap_run = client.task_run.create(input="Who leads the EV market?", processor="lite")
    snapshot = client.monitor.create(type="snapshot", frequency="1w", settings={"task_run_id": snap_run.run_id})
    for _ in range(6):
        client.monitor.trigger(snapshot.monitor_id)
    snap_events, _ = all_events(client, snapshot.monitor_id, limit=100)
    check("snapshot monitors list snapshot events",
          snap_events and all(e.event_type == "snapshot" for e in snap_events), [e.event_type for e in snap_events])

    updated = client.monitor.update(mid, frequency="12h", metadata={"team": "grid"})
    check("update changes the named fields", updated.frequency == "12h" and updated.metadata == {"team": "grid"})

    listed = client.monitor.list(limit=1)
    check("list pages with a cursor", len(listed.monitors) == 1 and listed.next_cursor is not None)
    second = client.monitor.list(limit=1, cursor=listed.next_cursor)
    check("the next page moves on", second.monitors[0].monitor_id != listed.monitors[0].monitor_id)
    only_snapshots = client.monitor.list(type=["snapshot"])
    check("the type filter works", [m.type for m in only_snapshots.monitors] == ["snapshot"])

    cancelled = client.monitor.cancel(snapshot.monitor_id)
    check("cancel stops the monitor", cancelled.status == "cancelled")
    active = client.monitor.list()
    check("cancelled monitors are hidden by default", snapshot.monitor_id not in [m.monitor_id for m in active.monitors])
    both = client.monitor.list(status=["active", "cancelled"])
    check("status filters repeat", snapshot.monitor_id in [m.monitor_id for m in both.monitors])

    api_error("an unknown frequency is 422", parallel.UnprocessableEntityError, 422,
              lambda: strict.monitor.create(type="event_stream", frequency="daily", settings={"query": "x"}))
    api_error("triggering a cancelled monitor is 422", parallel.UnprocessableEntityError, 422,
              lambda: strict.monitor.trigger(snapshot.monitor_id))
    api_error("a garbage cursor is 422", parallel.UnprocessableEntityError, 422,
              lambda: strict.monitor.events(mid, cursor="garbage"))
    api_error("an unknown monitor is 404", parallel.NotFoundError, 404,
              lambda: strict.monitor.retrieve("monitor_unknown"))

    remembered = client.beta.memory.retrieve(memory_scope_key="conformance")
    check("a monitor created with a scope key is remembered",
          [r.id for r in remembered.results] == [mid], [r.id for r in remembered.results])
    check("the memory is of kind monitor", remembered.results and remembered.results[0].kind == "monitor")
    client.beta.memory.evict(id=mid, kind="monitor", memory_scope_key="conformance")
    check("evict forgets it", client.beta.memory.retrieve(memory_scope_key="conformance").results == [])
    client.beta.memory.clear(memory_scope_key="conformance")
    check("clear succeeds", True)


run(main)
