"""Search and extract of parallel-web==1.3.7 (GA, /v1/search and /v1/extract) against the emulator.

Drives `client.search` and `client.extract` with every documented setting and
checks the SDK's own types, ids, settings honoured, per-URL extract errors,
and the documented limits answered as 422s.
"""

import re

import parallel

from harness import api_error, check, check_strict_validation, make_client, run

SEARCH_ID = re.compile(r"^search_[0-9a-f]{32}$")
EXTRACT_ID = re.compile(r"^extract_[0-9a-f]{32}$")


def main():
    check("sdk version is 1.3.7", parallel.__version__ == "1.3.7", parallel.__version__)
    client = make_client()
    check_strict_validation(client)
    strict = make_client(max_retries=0)

    found = client.search(
        objective="Find recent news about grid battery storage",
        search_queries=["grid battery storage", "battery storage projects"],
        mode="turbo",
        max_chars_total=4000,
        client_model="gpt-5.4",
        advanced_settings={
            "max_results": 4,
            "location": "us",
            "source_policy": {"include_domains": [".gov", "example.edu"], "after_date": "2019-01-01"},
            "excerpt_settings": {"max_chars_per_result": 1000},
            "fetch_policy": {"max_age_seconds": 3600, "timeout_seconds": 10, "disable_cache_fallback": False},
        },
    )
    check("search_id has the documented form", bool(SEARCH_ID.match(found.search_id)), found.search_id)
    check("max_results is honoured", len(found.results) == 4, len(found.results))
    check(
        "include_domains is honoured",
        all(".gov/" in r.url or "example.edu/" in r.url for r in found.results),
        [r.url for r in found.results],
    )
    check("after_date is honoured", all(r.publish_date >= "2019-01-01" for r in found.results))
    check("titles mention the query", all("battery" in (r.title or "").lower() or "storage" in (r.title or "").lower() for r in found.results))
    total = sum(len(e) for r in found.results for e in r.excerpts)
    check("max_chars_total bounds the excerpts", 0 < total <= 4000, total)
    check("a session id is generated", found.session_id.startswith("session_"), found.session_id)

    plain = client.search(search_queries=["tidal energy"], session_id=found.session_id)
    check("10 results by default", len(plain.results) == 10, len(plain.results))
    check("the session id is echoed", plain.session_id == found.session_id)

    read = client.extract(
        urls=[found.results[0].url, "https://unreachable.invalid/page", "https://example.org/missing/page"],
        objective="battery storage costs",
        search_queries=["cost per MWh"],
        session_id=found.session_id,
        advanced_settings={"full_content": {"max_chars_per_result": 300}, "excerpt_settings": {"max_chars_per_result": 1200}},
    )
    check("extract_id has the documented form", bool(EXTRACT_ID.match(read.extract_id)), read.extract_id)
    check("the synthetic page is read", len(read.results) == 1 and read.results[0].url == found.results[0].url)
    check("extract of a search result gives its title", read.results[0].title == found.results[0].title)
    check("full content is bounded", len(read.results[0].full_content or "") == 300)
    check("pages that cannot be read are per-URL errors", [e.error_type for e in read.errors] == ["fetch_error", "fetch_error"])
    check("a missing page reports its status", read.errors[1].http_status_code == 404)
    full = client.extract(urls=[found.results[1].url], advanced_settings={"full_content": True})
    check("full_content=True returns the page text", (full.results[0].full_content or "").startswith("# "))

    api_error("a search with no query is 422", parallel.UnprocessableEntityError, 422, lambda: strict.search(search_queries=[]))
    api_error("201 policy domains is 422", parallel.UnprocessableEntityError, 422, lambda: strict.search(
            search_queries=["x"], advanced_settings={"source_policy": {"exclude_domains": [f"d{i}.example" for i in range(201)]}}
        ),
    )
    api_error("21 URLs is 422", parallel.UnprocessableEntityError, 422, lambda: strict.extract(urls=[f"https://example.com/{i}" for i in range(21)]),
    )
    api_error("max_age_seconds under 600 is 422", parallel.UnprocessableEntityError, 422, lambda: strict.extract(urls=["https://example.com/a"], advanced_settings={"fetch_policy": {"max_age_seconds": 5}}),
    )


run(main)
