"""Stream workload with the official Python SDK (parallel-web 1.3.7).

    python stream.py BASE_URL API_KEY GROUP_ID

Reads a group's runs with inputs and outputs through the synchronous client's
`task_group.get_runs`, validates each input and output into the pydantic
models (the seed example's `CompanyOutput.model_validate`, the counterpart of
the Rust SDK's typed decoding), touches the same fields as the Rust client
without keeping them, and prints one JSON line with the counts.
"""

import json
import sys

from parallel import Parallel
from parallel.types import ErrorEvent, TaskRunEvent

from company import CompanyInput, CompanyOutput


def main():
    base_url, api_key, group_id = sys.argv[1:4]
    client = Parallel(api_key=api_key, base_url=base_url)
    runs = with_output = checksum = 0
    for event in client.task_group.get_runs(group_id, include_input=True, include_output=True):
        if isinstance(event, TaskRunEvent):
            runs += 1
            if event.input is not None:
                company = CompanyInput.model_validate(event.input.input)
                checksum += len(company.company_name)
            if event.output is not None:
                out = CompanyOutput.model_validate(event.output.content)
                with_output += 1
                checksum += len(out.market_position) + len(out.key_insights)
        elif isinstance(event, ErrorEvent):
            sys.exit(f"error event: {event.error}")
    print(json.dumps({"client": "python", "runs": runs, "with_output": with_output, "checksum": checksum}))


main()
