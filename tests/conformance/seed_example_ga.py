# The seed's "Complete Example" translated to the GA SDK, parallel-web==1.3.7
# (which has no `client.beta.task_group`): `client.beta.task_group` ->
# `client.task_group`, and the beta type imports -> their GA names. Also changed,
# as in the beta copy: base URL, API key, strict response validation and poll
# interval. Checks are ours.
import asyncio
import os
import pydantic
from parallel import AsyncParallel
from parallel.types import TaskSpecParam, JsonSchemaParam
from parallel.types import RunInputParam as BetaRunInputParam
from parallel.types import TaskRunEvent, ErrorEvent


# Define your input and output models
class CompanyInput(pydantic.BaseModel):
    company_name: str = pydantic.Field(description="Name of the company")
    company_website: str = pydantic.Field(description="Company website URL")

class CompanyOutput(pydantic.BaseModel):
    key_insights: list[str] = pydantic.Field(description="Key business insights")
    market_position: str = pydantic.Field(description="Market positioning analysis")


# Create reusable task specification
task_spec = TaskSpecParam(
    input_schema=JsonSchemaParam(json_schema=CompanyInput.model_json_schema()),
    output_schema=JsonSchemaParam(json_schema=CompanyOutput.model_json_schema()),
)


async def wait_for_completion(client: AsyncParallel, taskgroup_id: str) -> None:
    while True:
        task_group = await client.task_group.retrieve(taskgroup_id)

        status = task_group.status
        print(f"Status: {status.task_run_status_counts}")

        if not status.is_active:
            print("All tasks completed!")
            break

        await asyncio.sleep(0.2)


async def get_all_results(client: AsyncParallel, taskgroup_id: str):
    results = []

    run_stream = await client.task_group.get_runs(
        taskgroup_id,
        include_input=True,
        include_output=True,
    )

    async for event in run_stream:
        if isinstance(event, TaskRunEvent) and event.output:
            company_output = CompanyOutput.model_validate(event.output.content)

            results.append(
                {
                    "company": event.input.input["company_name"],
                    "insights": company_output.key_insights,
                    "market_position": company_output.market_position,
                }
            )
        elif isinstance(event, ErrorEvent):
            print(f"Error: {event.error}")

    return results


async def batch_company_research():
    client = AsyncParallel(api_key=os.environ["EMULATOR_API_KEY"], base_url=os.environ["EMULATOR_BASE_URL"], _strict_response_validation=True)

    # Create task group
    task_group = await client.task_group.create()
    taskgroup_id = task_group.task_group_id
    print(f"Created taskgroup id {taskgroup_id}")

    # Define companies to research
    companies = [
        {"company_name": "Stripe", "company_website": "https://stripe.com"},
        {"company_name": "Shopify", "company_website": "https://shopify.com"},
        {"company_name": "Salesforce", "company_website": "https://salesforce.com"},
    ]

    # Add Tasks to group
    run_inputs = [
        BetaRunInputParam(
            input=CompanyInput(**company).model_dump(),
            processor="pro",
        )
        for company in companies
    ]

    response = await client.task_group.add_runs(
        taskgroup_id,
        inputs=run_inputs,
        default_task_spec=task_spec,
    )
    print(f"Added {len(response.run_ids)} runs to taskgroup {taskgroup_id}")

    # Wait for completion and get results
    await wait_for_completion(client, taskgroup_id)
    results = await get_all_results(client, taskgroup_id)
    print(f"Successfully processed {len(results)} companies")
    return results


# Run the batch job
results = asyncio.run(batch_company_research())


# ---- checks (ours) ----
from harness import check_seed_example_results, run  # noqa: E402



def main():
    check_seed_example_results(results)


run(main)
