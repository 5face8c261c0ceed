"""The seed example's company-research types and the benchmark inputs, shared by
the Python client scripts of the benchmark (same fields as the Rust
`parallel_web_bench::CompanyInput` / `CompanyOutput`)."""

import pydantic
from parallel.types import JsonSchemaParam, TaskSpecParam


class CompanyInput(pydantic.BaseModel):
    company_name: str = pydantic.Field(description="Name of the company")
    company_website: str = pydantic.Field(description="Company website URL")


class CompanyOutput(pydantic.BaseModel):
    key_insights: list[str] = pydantic.Field(description="Key business insights")
    market_position: str = pydantic.Field(description="Market positioning analysis")


TASK_SPEC = TaskSpecParam(
    input_schema=JsonSchemaParam(json_schema=CompanyInput.model_json_schema()),
    output_schema=JsonSchemaParam(json_schema=CompanyOutput.model_json_schema()),
)


def numbered(i):
    """The i-th benchmark input, as every client builds it."""
    return {"company_name": f"Company {i}", "company_website": f"company{i}.example"}
