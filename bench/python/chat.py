"""OpenAI's Python SDK (openai==3.51.0) on the chat workloads: stream one
completion, decode every chunk into the SDK's ChatCompletionChunk, add up the
answer's length without keeping the text, print one JSON line.

    python chat.py BASE_URL API_KEY MODEL
"""

import json
import sys

from openai import OpenAI

base_url, api_key, model = sys.argv[1:4]
client = OpenAI(base_url=f"{base_url}/v1beta", api_key=api_key, max_retries=0)
stream = client.chat.completions.create(
    model=model,
    messages=[{"role": "user", "content": "Which river runs through Lyon?"}],
    stream=True,
)
chunks = 0
checksum = 0
for chunk in stream:
    chunks += 1
    if chunk.choices:
        checksum += len(chunk.choices[0].delta.content or "")
print(json.dumps({"client": "python", "chunks": chunks, "checksum": checksum}))
