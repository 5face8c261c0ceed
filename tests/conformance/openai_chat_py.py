"""Chat completions through the official OpenAI Python SDK (openai==3.51.0),
pointed at the emulator as Parallel's docs say: `base_url=<server>/v1beta`,
the Parallel key as the SDK's `api_key` (sent as `Authorization: Bearer`),
a Parallel model name. Streamed and not, text and JSON formats, errors.

The client validates strictly (`_strict_response_validation=True`): every
completion and every chunk must fit the SDK's own types.
"""

import json

import openai
from openai import OpenAI

from harness import API_KEY, BASE_URL, check, run

QUESTION = "Which river runs through Lyon?"


def client(**options):
    options.setdefault("api_key", API_KEY)
    options.setdefault("base_url", f"{BASE_URL}/v1beta")
    return OpenAI(_strict_response_validation=True, max_retries=0, **options)


def messages(question=QUESTION):
    return [
        {"role": "system", "content": "Answer in one sentence."},
        {"role": "user", "content": question},
    ]


def main():
    check("openai SDK version is 3.51.0", openai.__version__ == "3.51.0", openai.__version__)
    c = client()

    # A whole completion: the SDK reads choices[0].message.
    raw = c.chat.completions.with_raw_response.create(model="speed", messages=messages())
    check("create: 200", raw.http_response.status_code == 200, str(raw.http_response.status_code))
    check("create: JSON", raw.headers.get("content-type", "").startswith("application/json"))
    done = raw.parse()
    check("create: object chat.completion", done.object == "chat.completion", done.object)
    check("create: model echoed", done.model == "speed", done.model)
    check("create: id", done.id.startswith("chatcmpl-"), done.id)
    check("create: one choice", len(done.choices) == 1, str(len(done.choices)))
    choice = done.choices[0]
    check("create: message role assistant", choice.message.role == "assistant", str(choice.message.role))
    check("create: answer mentions the question", "Which river runs through Lyon" in (choice.message.content or ""), str(choice.message.content))
    check("create: finish_reason stop", choice.finish_reason == "stop", str(choice.finish_reason))
    check("create: usage", done.usage is not None and done.usage.total_tokens == done.usage.prompt_tokens + done.usage.completion_tokens, str(done.usage))
    extra = done.model_extra or {}
    check("create: interaction_id (extra field)", str(extra.get("interaction_id", "")).startswith("intr_"), str(extra))
    check("create: speed has an empty basis", extra.get("basis") == [], str(extra.get("basis")))

    # A research model with a JSON schema: the answer parses, the basis names its fields.
    schema = {
        "type": "object",
        "properties": {"river": {"type": "string"}, "length_km": {"type": "integer"}},
        "required": ["river", "length_km"],
        "additionalProperties": False,
    }
    done = c.chat.completions.create(
        model="lite",
        messages=messages(),
        response_format={"type": "json_schema", "json_schema": {"name": "river", "schema": schema, "strict": True}},
    )
    answer = json.loads(done.choices[0].message.content)
    check("json_schema: answer has the schema's keys", sorted(answer) == ["length_km", "river"], str(answer))
    check("json_schema: types", isinstance(answer["river"], str) and isinstance(answer["length_km"], int), str(answer))
    basis = (done.model_extra or {}).get("basis") or []
    check("json_schema: basis per field", [b["field"] for b in basis] == ["river", "length_km"], str(basis))

    done = c.chat.completions.create(model="speed", messages=messages(), response_format={"type": "json_object"})
    check("json_object: an object", isinstance(json.loads(done.choices[0].message.content), dict))

    # A stream: chunks with delta, then [DONE] ends the iteration.
    whole = c.chat.completions.create(model="core", messages=messages(), stream=False)
    stream = c.chat.completions.create(model="core", messages=messages(), stream=True)
    chunks = list(stream)
    check("stream: several chunks", len(chunks) > 3, str(len(chunks)))
    check("stream: every chunk is chat.completion.chunk", all(ch.object == "chat.completion.chunk" for ch in chunks))
    check("stream: one id", len({ch.id for ch in chunks}) == 1)
    check("stream: first delta has the role", chunks[0].choices[0].delta.role == "assistant", str(chunks[0]))
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    check("stream: text mentions the question", "Which river runs through Lyon" in text, text)
    last = chunks[-1]
    check("stream: last chunk finish_reason stop", last.choices[0].finish_reason == "stop", str(last))
    check("stream: last chunk usage", last.usage is not None and last.usage.total_tokens > 0, str(last.usage))
    check("stream: last chunk basis (core)", bool((last.model_extra or {}).get("basis")), str(last.model_extra))
    check("stream: whole answer has the same shape", bool(whole.choices[0].message.content))

    # The key: the SDK sends `Authorization: Bearer`; a wrong one is a 401.
    try:
        client(api_key="wrong-key").chat.completions.create(model="speed", messages=messages())
        check("wrong key: AuthenticationError", False, "no error")
    except openai.AuthenticationError as e:
        check("wrong key: AuthenticationError 401", e.status_code == 401, str(e.status_code))

    # Errors: an unknown model and no messages are 422s naming the field.
    for name, kwargs, loc in [
        ("unknown model", {"model": "gpt-4o", "messages": messages()}, ["body", "model"]),
        ("no messages", {"model": "speed", "messages": []}, ["body", "messages"]),
    ]:
        try:
            c.chat.completions.create(**kwargs)
            check(f"{name}: UnprocessableEntityError", False, "no error")
        except openai.UnprocessableEntityError as e:
            check(f"{name}: 422", e.status_code == 422, str(e.status_code))
            detail = e.body.get("detail") if isinstance(e.body, dict) else e.body
            check(f"{name}: loc {loc}", isinstance(detail, list) and detail[0]["loc"] == loc, str(e.body))


run(main)
