// Chat completions through the official OpenAI TypeScript SDK (openai@7.55.0),
// pointed at the emulator as Parallel's docs say: baseURL `<server>/v1beta`,
// the Parallel key as `apiKey` (sent as `Authorization: Bearer`), a Parallel
// model name. Streamed and not, text and JSON formats, errors. The SDK does
// not validate at run time, so each value is checked here, exactly.

import { createRequire } from 'node:module';
import path from 'node:path';

import { API_KEY, BASE_URL, check, run } from './harness.mjs';

const require = createRequire(path.resolve(process.env.TS_SDK_DIR, 'package.json'));
const OpenAI = require('openai').default;
const VERSION = require('openai/version').VERSION;

const QUESTION = 'Which river runs through Lyon?';
const messages = (question = QUESTION) => [
  { role: 'system', content: 'Answer in one sentence.' },
  { role: 'user', content: question },
];
const client = (apiKey = API_KEY) => new OpenAI({ apiKey, baseURL: `${BASE_URL}/v1beta`, maxRetries: 0 });

async function main() {
  check('openai TS SDK version is 7.55.0', VERSION === '7.55.0', VERSION);
  const c = client();

  const { data: done, response } = await c.chat.completions
    .create({ model: 'speed', messages: messages() })
    .withResponse();
  check('create: 200', response.status === 200, String(response.status));
  check('create: JSON', (response.headers.get('content-type') ?? '').startsWith('application/json'));
  check('create: object chat.completion', done.object === 'chat.completion', done.object);
  check('create: model echoed', done.model === 'speed', done.model);
  check('create: id', /^chatcmpl-[0-9a-f]{16}$/.test(done.id), done.id);
  check('create: created is a number', Number.isInteger(done.created));
  check('create: one choice', done.choices.length === 1, String(done.choices.length));
  const choice = done.choices[0];
  check('create: message role assistant', choice.message.role === 'assistant', choice.message.role);
  check('create: answer mentions the question', (choice.message.content ?? '').includes('Which river runs through Lyon'), choice.message.content);
  check('create: finish_reason stop', choice.finish_reason === 'stop', choice.finish_reason);
  check('create: index 0', choice.index === 0);
  check('create: usage adds up', done.usage.total_tokens === done.usage.prompt_tokens + done.usage.completion_tokens, JSON.stringify(done.usage));
  check('create: interaction_id', /^intr_[0-9a-f]{16}$/.test(done.interaction_id), String(done.interaction_id));
  check('create: speed has an empty basis', Array.isArray(done.basis) && done.basis.length === 0, JSON.stringify(done.basis));

  const schema = {
    type: 'object',
    properties: { river: { type: 'string' }, length_km: { type: 'integer' } },
    required: ['river', 'length_km'],
    additionalProperties: false,
  };
  const json = await c.chat.completions.create({
    model: 'lite',
    messages: messages(),
    response_format: { type: 'json_schema', json_schema: { name: 'river', schema, strict: true } },
  });
  const answer = JSON.parse(json.choices[0].message.content);
  check('json_schema: keys', JSON.stringify(Object.keys(answer).sort()) === '["length_km","river"]', JSON.stringify(answer));
  check('json_schema: types', typeof answer.river === 'string' && Number.isInteger(answer.length_km), JSON.stringify(answer));
  check('json_schema: basis per field', JSON.stringify(json.basis.map((b) => b.field)) === '["river","length_km"]', JSON.stringify(json.basis));

  const object = await c.chat.completions.create({ model: 'speed', messages: messages(), response_format: { type: 'json_object' } });
  const parsed = JSON.parse(object.choices[0].message.content);
  check('json_object: an object', parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed));

  const stream = await c.chat.completions.create({ model: 'core', messages: messages(), stream: true });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  check('stream: several chunks', chunks.length > 3, String(chunks.length));
  check('stream: every chunk is chat.completion.chunk', chunks.every((ch) => ch.object === 'chat.completion.chunk' && ch.type === 'chat.completion.chunk'));
  check('stream: one id', new Set(chunks.map((ch) => ch.id)).size === 1);
  check('stream: first delta has the role', chunks[0].choices[0].delta.role === 'assistant', JSON.stringify(chunks[0]));
  const text = chunks.map((ch) => ch.choices[0]?.delta?.content ?? '').join('');
  check('stream: text mentions the question', text.includes('Which river runs through Lyon'), text);
  const last = chunks[chunks.length - 1];
  check('stream: last chunk finish_reason stop', last.choices[0].finish_reason === 'stop', JSON.stringify(last));
  check('stream: last chunk usage', last.usage?.total_tokens > 0, JSON.stringify(last.usage));
  check('stream: last chunk basis (core)', Array.isArray(last.basis) && last.basis.length > 0);
  check('stream: only the last chunk finishes', chunks.slice(0, -1).every((ch) => ch.choices[0].finish_reason === null));

  try {
    await client('wrong-key').chat.completions.create({ model: 'speed', messages: messages() });
    check('wrong key: AuthenticationError', false, 'no error');
  } catch (e) {
    check('wrong key: AuthenticationError 401', e instanceof OpenAI.AuthenticationError && e.status === 401, `${e?.constructor?.name} ${e?.status}`);
  }

  for (const [name, body, loc] of [
    ['unknown model', { model: 'gpt-4o', messages: messages() }, ['body', 'model']],
    ['no messages', { model: 'speed', messages: [] }, ['body', 'messages']],
  ]) {
    try {
      await c.chat.completions.create(body);
      check(`${name}: UnprocessableEntityError`, false, 'no error');
    } catch (e) {
      check(`${name}: UnprocessableEntityError 422`, e instanceof OpenAI.UnprocessableEntityError && e.status === 422, `${e?.constructor?.name} ${e?.status}`);
      check(`${name}: loc`, JSON.stringify(e.error?.detail?.[0]?.loc) === JSON.stringify(loc), JSON.stringify(e.error));
    }
  }
}

await run('openai_chat_ts', main);
