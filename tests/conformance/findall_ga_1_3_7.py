"""FindAll of parallel-web==1.3.7 (`client.beta.findall`, /v1beta/findall) against the emulator.

Drives every FindAll method the SDK has (ingest, create, retrieve, events,
result, schema, extend, enrich, cancel, entity_search) unchanged, with strict
response validation, and checks the run's life, resuming its stream, and the
documented limits answered as errors.
"""

import re

import parallel

from harness import api_error, check, check_event_stream, check_strict_validation, make_client, run, success

FINDALL_ID = re.compile(r"^findall_[0-9a-f]{32}$")
ENRICHMENT = {
    "type": "json",
    "json_schema": {
        "type": "object",
        "properties": {
            "ceo_name": {"type": "string", "description": "Name of the CEO"},
            "founded": {"type": "integer", "description": "Year founded"},
        },
        "required": ["ceo_name", "founded"],
    },
}


def stream(client, name, findall_id, **params):
    return check_event_stream(name, client.beta.findall.with_raw_response.events(findall_id, **params))


def main():
    check("sdk version is 1.3.7", parallel.__version__ == "1.3.7", parallel.__version__)
    client = make_client()
    check_strict_validation(client)
    strict = make_client(max_retries=0)
    fa = client.beta.findall

    draft = success("ingest", 200, fa.with_raw_response.ingest(objective="Robotics companies in Lisbon that raised a seed round"))
    check("ingest drafts companies", draft.entity_type == "companies", draft.entity_type)
    check("ingest drafts a match condition", len(draft.match_conditions) >= 1, draft.match_conditions)

    created = success(
        "create",
        200,
        fa.with_raw_response.create(
            objective=draft.objective,
            entity_type=draft.entity_type,
            match_conditions=[{"name": c.name, "description": c.description} for c in draft.match_conditions],
            generator="core",
            match_limit=5,
            metadata={"team": "growth", "n": 2},
            exclude_list=[{"name": "Nobody Labs", "url": "https://example.com/nobody"}],
            webhook={"url": "https://hooks.example.com/findall", "event_types": ["task_run.status"]},
        ),
    )
    fid = created.findall_id
    check("findall_id has the documented form", bool(FINDALL_ID.match(fid)), fid)
    check("metadata is kept", created.metadata == {"team": "growth", "n": 2}, created.metadata)

    events = stream(client, "events", fid)
    kinds = [e.type for e in events]
    check("the stream starts with a status event", kinds[0] == "findall.status", kinds[:3])
    check("the stream ends with the run completed", events[-1].type == "findall.status" and events[-1].data.status.status == "completed")
    check("five candidates matched", kinds.count("findall.candidate.matched") == 5, kinds.count("findall.candidate.matched"))
    ids = [e.event_id for e in events]
    check("event ids are unique", len(set(ids)) == len(ids))
    seen = set()
    ordered = True
    for e in events:
        if e.type == "findall.candidate.generated":
            seen.add(e.data.candidate_id)
        elif e.type.startswith("findall.candidate."):
            ordered = ordered and e.data.candidate_id in seen
    check("each candidate is generated before it is judged", ordered)

    run_now = success("retrieve", 200, fa.with_raw_response.retrieve(fid))
    check("retrieve: completed, limit met", run_now.status.status == "completed" and run_now.status.termination_reason == "match_limit_met")
    check("retrieve: 5 matched", run_now.status.metrics.matched_candidates_count == 5)

    result = success("result", 200, fa.with_raw_response.result(fid))
    check("result lists every generated candidate", len(result.candidates) == run_now.status.metrics.generated_candidates_count)
    matched = [c for c in result.candidates if c.match_status == "matched"]
    names = {c.name for c in draft.match_conditions}
    check(
        "each match has an output per condition, all met",
        all(set(c.output) == names and all(c.output[n]["is_matched"] for n in names) for c in matched),
    )
    check("the result names the last event", result.last_event_id == ids[-1], result.last_event_id)

    k = len(events) // 2
    rest = stream(client, "resumed events", fid, last_event_id=ids[k])
    check("resuming sends exactly the events after the id", [e.event_id for e in rest] == ids[k + 1 :])

    extended = success("extend", 200, fa.with_raw_response.extend(fid, additional_match_limit=3))
    check("extend raises the match limit", extended.match_limit == 8, extended.match_limit)
    more = stream(client, "events after extend", fid, last_event_id=ids[-1])
    more_kinds = [e.type for e in more]
    check("extend: the schema update comes first", more_kinds[:1] == ["findall.schema.updated"], more_kinds[:3])
    check("extend: three more matches", more_kinds.count("findall.candidate.matched") == 3)
    check("extend: the run completes again", more[-1].type == "findall.status" and more[-1].data.status.status == "completed")

    enriched = success("enrich", 200, fa.with_raw_response.enrich(fid, output_schema=ENRICHMENT, processor="base"))
    check("enrich adds the enrichment to the schema", len(enriched.enrichments or []) == 1)
    after = stream(client, "events after enrich", fid, last_event_id=more[-1].event_id)
    filled = [e for e in after if e.type == "findall.candidate.enriched"]
    check("every match is enriched once", len(filled) == 8 and len({e.data.candidate_id for e in filled}) == 8, len(filled))
    check(
        "enriched outputs carry the schema's fields",
        all(e.data.output["ceo_name"]["type"] == "enrichment" and isinstance(e.data.output["founded"]["value"], int) for e in filled),
    )
    schema = success("schema", 200, fa.with_raw_response.schema(fid))
    check("schema: limit and enrichment", schema.match_limit == 8 and len(schema.enrichments or []) == 1)

    # A run that cannot finish soon: cancel it.
    busy = fa.create(
        objective="Battery makers", entity_type="companies", generator="pro", match_limit=1000,
        match_conditions=[{"name": "makes_batteries", "description": "Makes batteries."}],
    )
    fa.extend(busy.findall_id, additional_match_limit=999_000)
    raw = fa.with_raw_response.cancel(busy.findall_id)
    check("cancel: status 200", raw.status_code == 200, str(raw.status_code))
    cancelled = fa.retrieve(busy.findall_id)
    check("cancel: the run is cancelled", cancelled.status.status == "cancelled" and cancelled.status.termination_reason == "user_cancelled")
    api_error("cancelling twice is 409", parallel.ConflictError, 409, lambda: strict.beta.findall.cancel(busy.findall_id))

    found = success("entity_search", 200, fa.with_raw_response.entity_search(entity_type="people", objective="battery chemists", match_limit=10))
    check("entity_search returns match_limit entities", len(found.entities) == 10, len(found.entities))

    def create(limit):
        return strict.beta.findall.create(
            objective="x", entity_type="companies", generator="core", match_limit=limit,
            match_conditions=[{"name": "a", "description": "b"}],
        )

    api_error("match_limit 4 is 422", parallel.UnprocessableEntityError, 422, lambda: create(4))
    api_error("match_limit 1001 is 422", parallel.UnprocessableEntityError, 422, lambda: create(1001))
    api_error("extend by 0 is 422", parallel.UnprocessableEntityError, 422, lambda: strict.beta.findall.extend(fid, additional_match_limit=0))
    api_error("an unknown run is 404", parallel.NotFoundError, 404, lambda: strict.beta.findall.retrieve("findall_unknown"))
    api_error(
        "a foreign last_event_id is 422",
        parallel.UnprocessableEntityError,
        422,
        lambda: strict.beta.findall.events(busy.findall_id, last_event_id=ids[0]),
        validation_loc=["query", "last_event_id"],
    )


run(main)
