"""Beta-era search and extract of parallel-web==0.5.1 (/v1beta/search, /v1beta/extract) against the emulator.

The 0.5.1 SDK sends its settings at the top level and always adds
`parallel-beta: search-extract-2025-10-10`; its types have no session id.
"""

import parallel

from harness import api_error, check, check_strict_validation, make_client, run


def main():
    check("sdk version is 0.5.1", parallel.__version__ == "0.5.1", parallel.__version__)
    client = make_client()
    check_strict_validation(client)
    strict = make_client(max_retries=0)

    found = client.beta.search(
        objective="rust async runtimes compared",
        search_queries=["tokio runtime"],
        mode="agentic",
        max_results=3,
        excerpts={"max_chars_per_result": 1000, "max_chars_total": 2500},
        source_policy={"exclude_domains": ["example.com"]},
        fetch_policy={"max_age_seconds": 600},
        location="gb",
    )
    check("max_results is honoured", len(found.results) == 3, len(found.results))
    check("exclude_domains is honoured", all("://example.com/" not in r.url for r in found.results))
    total = sum(len(e) for r in found.results for e in (r.excerpts or []))
    check("excerpts.max_chars_total bounds the excerpts", 0 < total <= 2500, total)
    only_objective = client.beta.search(objective="heat pump efficiency")
    check("an objective alone is enough in the beta shape", len(only_objective.results) == 10)

    read = client.beta.extract(urls=[found.results[0].url, "not a url"], excerpts=False, full_content=True)
    check("excerpts=False leaves them out", read.results[0].excerpts is None)
    check("full_content=True returns the text", (read.results[0].full_content or "").startswith("# "))
    check("a non-URL is a per-URL error", [e.error_type for e in read.errors] == ["invalid_url"])

    api_error("a beta search with neither objective nor queries is 422", parallel.UnprocessableEntityError, 422, lambda: strict.beta.search())


run(main)
