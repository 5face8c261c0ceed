// Tiny check harness for the TypeScript conformance scripts (the Node
// counterpart of harness.py).
//
// The official TypeScript SDK has no runtime response validation: its types
// exist only at compile time, so a response of the wrong shape reaches the
// caller unnoticed. `conforms` gives the scripts the teeth that
// `_strict_response_validation` gives the Python ones: every response and SSE
// event is checked against the SDK's own declarations (parallel-web 1.3.3,
// `src/resources/*.ts`): required keys present (`x: T | null` must be there,
// `x?: T` may be absent), each value of its declared type, enums closed,
// unions chosen by their `type` discriminator. Unknown keys are allowed, as
// the SDK allows them.

import { createRequire } from 'node:module';
import path from 'node:path';

export const BASE_URL = process.env.EMULATOR_BASE_URL;
export const API_KEY = process.env.EMULATOR_API_KEY;
export const RUN_ID = /^trun_[0-9a-f]{32}$/;
export const GROUP_ID = /^tgrp_[0-9a-f]+$/;
export const REF_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The SDK module and its version, installed by run.sh under TS_SDK_DIR (target/conformance/ts-<version>). */
export function loadSdk() {
  const require = createRequire(path.resolve(process.env.TS_SDK_DIR, 'package.json'));
  return { sdk: require('parallel-web'), version: require('parallel-web/version').VERSION };
}

let passed = 0;
let failed = 0;

/** Records one check. */
export function check(name, condition, detail = '') {
  if (condition) {
    passed += 1;
    console.log(`PASS ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name} ${detail}`);
  }
}

/** Runs main(), turning an unexpected exception into a failed check; exits with the result. */
export async function run(name, main) {
  try {
    await main();
  } catch (e) {
    console.error(e);
    check(`${name}: no unexpected exception`, false, `${e?.constructor?.name}: ${String(e?.message).slice(0, 300)}`);
  }
  console.log(`RESULT passed=${passed} failed=${failed}`);
  process.exit(failed ? 1 : 0);
}

// ---- the SDK's declared types, as checkable descriptions ----

export const nullable = (t) => ({ nullable: t });
export const arrayOf = (t) => ({ array: t });
export const recordOf = (t) => ({ record: t });
export const oneOfValues = (...values) => ({ values });
export const model = (required, optional = {}) => ({ required, optional });
export const byType = (variants) => ({ byType: variants });
export const anyOf = (...options) => ({ anyOf: options });
export const scalar = anyOf('string', 'number', 'boolean');

const RUN_STATUSES = ['queued', 'action_required', 'running', 'completed', 'failed', 'cancelling', 'cancelled'];
export const ErrorObject = model({ message: 'string', ref_id: 'string' }, { detail: nullable('object') });
const Warning = model(
  { message: 'string', type: oneOfValues('spec_validation_warning', 'input_validation_warning', 'warning') },
  { detail: nullable('object') },
);
const Citation = model({ url: 'string' }, { excerpts: nullable(arrayOf('string')), title: nullable('string') });
export const FieldBasis = model(
  { field: 'string', reasoning: 'string' },
  { citations: arrayOf(Citation), confidence: nullable('string') },
);
const McpToolCall = model(
  { arguments: 'string', server_name: 'string', tool_call_id: 'string', tool_name: 'string' },
  { content: nullable('string'), error: nullable('string') },
);
const outputExtras = { beta_fields: nullable('object'), mcp_tool_calls: nullable(arrayOf(McpToolCall)) };
const TaskRunJsonOutput = model(
  { basis: arrayOf(FieldBasis), content: 'object', type: oneOfValues('json') },
  { ...outputExtras, output_schema: nullable('object') },
);
const TaskRunTextOutput = model({ basis: arrayOf(FieldBasis), content: 'string', type: oneOfValues('text') }, outputExtras);
const Output = byType({ json: TaskRunJsonOutput, text: TaskRunTextOutput });
const TaskRun = model(
  {
    created_at: nullable('string'),
    interaction_id: 'string',
    is_active: 'boolean',
    modified_at: nullable('string'),
    processor: 'string',
    run_id: 'string',
    status: oneOfValues(...RUN_STATUSES),
  },
  {
    error: nullable(ErrorObject),
    metadata: nullable(recordOf(scalar)),
    taskgroup_id: nullable('string'),
    warnings: nullable(arrayOf(Warning)),
  },
);
const SchemaSpec = anyOf(
  'string',
  byType({
    json: model({ json_schema: 'object', type: oneOfValues('json') }),
    text: model({ type: oneOfValues('text') }, { description: nullable('string') }),
    auto: model({ type: oneOfValues('auto') }),
  }),
);
const TaskSpec = model({ output_schema: SchemaSpec }, { input_schema: nullable(SchemaSpec) });
const RunInput = model(
  { input: anyOf('string', 'object'), processor: 'string' },
  {
    advanced_settings: nullable('object'),
    enable_events: nullable('boolean'),
    mcp_servers: nullable(arrayOf('object')),
    memory_scope_key: nullable('string'),
    metadata: nullable(recordOf(scalar)),
    previous_interaction_id: nullable('string'),
    source_policy: nullable('object'),
    task_spec: nullable(TaskSpec),
    webhook: nullable('object'),
  },
);
const TaskGroupStatus = model({
  is_active: 'boolean',
  modified_at: nullable('string'),
  num_task_runs: 'number',
  status_message: nullable('string'),
  task_run_status_counts: recordOf('number'),
});
const TaskRunEvent = model(
  { event_id: nullable('string'), run: TaskRun, type: oneOfValues('task_run.state') },
  { input: nullable(RunInput), output: nullable(Output) },
);
const TaskGroupStatusEvent = model({ event_id: 'string', status: TaskGroupStatus, type: oneOfValues('task_group_status') });
const ErrorEvent = model({ error: ErrorObject, type: oneOfValues('error') });
const progressMessage = (type) => model({ message: 'string', timestamp: nullable('string'), type: oneOfValues(type) });
const messageTypes = ['plan', 'search', 'result', 'tool_call', 'exec_status'].map((t) => `task_run.progress_msg.${t}`);

const UsageItem = model({ count: 'number', name: 'string' });
const pageFields = { publish_date: nullable('string'), title: nullable('string') };
const WebSearchResult = model({ excerpts: arrayOf('string'), url: 'string' }, pageFields);
const ExtractResult = model({ excerpts: arrayOf('string'), url: 'string' }, { ...pageFields, full_content: nullable('string') });
const ExtractError = model({
  content: nullable('string'),
  error_type: 'string',
  http_status_code: nullable('number'),
  url: 'string',
});

export const TYPES = {
  TaskRun,
  RunInput,
  TaskRunResult: model({ output: Output, run: TaskRun }),
  TaskGroup: model(
    { created_at: nullable('string'), status: TaskGroupStatus, taskgroup_id: 'string' },
    { metadata: nullable(recordOf(scalar)) },
  ),
  TaskGroupRunResponse: model({
    event_cursor: nullable('string'),
    run_cursor: nullable('string'),
    run_ids: arrayOf('string'),
    status: TaskGroupStatus,
  }),
  TaskGroupEventsResponse: byType({ task_group_status: TaskGroupStatusEvent, 'task_run.state': TaskRunEvent, error: ErrorEvent }),
  TaskGroupGetRunsResponse: byType({ 'task_run.state': TaskRunEvent, error: ErrorEvent }),
  TaskRunEventsResponse: byType({
    'task_run.progress_stats': model({
      progress_meter: 'number',
      source_stats: model({
        num_sources_considered: nullable('number'),
        num_sources_read: nullable('number'),
        sources_read_sample: nullable(arrayOf('string')),
      }),
      type: oneOfValues('task_run.progress_stats'),
    }),
    ...Object.fromEntries(messageTypes.map((t) => [t, progressMessage(t)])),
    'task_run.state': TaskRunEvent,
    error: ErrorEvent,
  }),
  ErrorResponse: model({ error: ErrorObject, type: oneOfValues('error') }),
  SearchResult: model(
    { results: arrayOf(WebSearchResult), search_id: 'string', session_id: 'string' },
    { usage: nullable(arrayOf(UsageItem)), warnings: nullable(arrayOf(Warning)) },
  ),
  ExtractResponse: model(
    { errors: arrayOf(ExtractError), extract_id: 'string', results: arrayOf(ExtractResult), session_id: 'string' },
    { usage: nullable(arrayOf(UsageItem)), warnings: nullable(arrayOf(Warning)) },
  ),
};

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Where `value` breaks the declared `type`: a list of "path: problem" strings (empty when it conforms). */
export function violations(value, type, at = '$') {
  if (typeof type === 'string') {
    const ok =
      type === 'object' ? isPlainObject(value)
      : type === 'number' ? typeof value === 'number' && Number.isFinite(value)
      : typeof value === type;
    return ok ? [] : [`${at}: expected ${type}, got ${JSON.stringify(value)}`];
  }
  if (type.nullable) return value === null ? [] : violations(value, type.nullable, at);
  if (type.values) return type.values.includes(value) ? [] : [`${at}: ${JSON.stringify(value)} not one of ${type.values.join('|')}`];
  if (type.anyOf) {
    const each = type.anyOf.map((t) => violations(value, t, at));
    return each.some((v) => v.length === 0) ? [] : each.flat();
  }
  if (type.array) {
    if (!Array.isArray(value)) return [`${at}: expected array, got ${JSON.stringify(value)}`];
    return value.flatMap((v, i) => violations(v, type.array, `${at}[${i}]`));
  }
  if (type.record) {
    if (!isPlainObject(value)) return [`${at}: expected object, got ${JSON.stringify(value)}`];
    return Object.entries(value).flatMap(([k, v]) => violations(v, type.record, `${at}.${k}`));
  }
  if (type.byType) {
    if (!isPlainObject(value)) return [`${at}: expected object, got ${JSON.stringify(value)}`];
    const variant = type.byType[value.type];
    return variant ? violations(value, variant, at) : [`${at}.type: unknown type ${JSON.stringify(value.type)}`];
  }
  if (!isPlainObject(value)) return [`${at}: expected object, got ${JSON.stringify(value)}`];
  const problems = [];
  for (const [key, t] of Object.entries(type.required)) {
    if (!(key in value)) problems.push(`${at}.${key}: missing`);
    else problems.push(...violations(value[key], t, `${at}.${key}`));
  }
  for (const [key, t] of Object.entries(type.optional)) {
    if (key in value && value[key] !== undefined) problems.push(...violations(value[key], t, `${at}.${key}`));
  }
  return problems;
}

/** Checks that the checker itself has teeth: it refuses a TaskRun with a
 * mistyped, a missing and an out-of-enum field, and accepts a valid one. */
export function checkTypeChecker() {
  const valid = {
    run_id: 'trun_0',
    interaction_id: 'trun_0',
    status: 'queued',
    is_active: true,
    processor: 'lite',
    created_at: null,
    modified_at: null,
  };
  check('type checker accepts a valid TaskRun', violations(valid, TaskRun).length === 0, violations(valid, TaskRun).join('; '));
  const { processor: _dropped, ...missing } = valid;
  for (const [what, value] of [
    ['a mistyped', { ...valid, is_active: 'true' }],
    ['a missing', missing],
    ['an out-of-enum', { ...valid, status: 'done' }],
  ]) {
    check(`type checker refuses ${what} field`, violations(value, TaskRun).length > 0);
  }
}

/** Checks that `value` conforms to the SDK's declared type `typeName`; returns value. */
export function conforms(name, value, typeName) {
  const problems = violations(value, TYPES[typeName]);
  check(`${name} conforms to ${typeName}`, problems.length === 0, problems.slice(0, 5).join('; '));
  return value;
}

/** Awaits an SDK call through `.withResponse()`: checks exactly `status` (the
 * API answers 200 on group create and add-runs, 202 on run create), a JSON
 * content-type and the body against `typeName`; returns the body. */
export async function success(name, status, promise, typeName) {
  const { data, response } = await promise.withResponse();
  const contentType = response.headers.get('content-type') ?? '';
  check(`${name}: status ${status}`, response.status === status, String(response.status));
  check(`${name}: JSON body`, contentType.split(';')[0].trim() === 'application/json', contentType);
  return conforms(name, data, typeName);
}

/** Awaits an SDK stream call through `.withResponse()`: checks status 200, the
 * SSE content-type and each event against `typeName`; returns the events. */
export async function eventStream(name, promise, typeName) {
  const { data, response } = await promise.withResponse();
  const contentType = response.headers.get('content-type') ?? '';
  check(`${name}: 200`, response.status === 200, String(response.status));
  check(`${name}: content-type text/event-stream`, contentType.split(';')[0].trim() === 'text/event-stream', contentType);
  const events = [];
  for await (const event of data) events.push(event);
  const problems = events.flatMap((e, i) => violations(e, TYPES[typeName], `$[${i}]`));
  check(`${name}: every event conforms to ${typeName}`, problems.length === 0, problems.slice(0, 5).join('; '));
  return events;
}

/** Checks that `fn()` rejects with exactly `status`, exactly the SDK class
 * `errorClass` and the API's error body: an ErrorResponse with `message` (a
 * string, or `{ prefix }`), or, when `validationLoc` is given, FastAPI's
 * HTTPValidationError naming that field. `headers` maps a response header to a
 * predicate on its value. Returns the error (or null). */
export async function apiError(name, errorClass, status, fn, { message, validationLoc, headers } = {}) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  if (err === undefined) {
    check(`${name}: raises ${errorClass.name}`, false, 'did not raise');
    return null;
  }
  check(`${name}: status ${status}`, err.status === status, String(err.status));
  check(`${name}: raises ${errorClass.name}`, err.constructor === errorClass, err.constructor?.name);
  const contentType = err.headers?.get?.('content-type') ?? '';
  check(`${name}: JSON body`, contentType.split(';')[0].trim() === 'application/json', contentType);
  const body = err.error;
  if (validationLoc !== undefined) {
    const items = isPlainObject(body) && Object.keys(body).join() === 'detail' ? body.detail : null;
    const ok = Array.isArray(items) && items.length > 0;
    check(`${name}: body is an HTTPValidationError`, ok, JSON.stringify(body));
    if (ok) {
      const wellFormed = items.every(
        (i) =>
          isPlainObject(i) &&
          Array.isArray(i.loc) &&
          i.loc.every((p) => typeof p === 'string' || Number.isInteger(p)) &&
          typeof i.msg === 'string' &&
          typeof i.type === 'string',
      );
      check(`${name}: each detail has loc, msg and type`, wellFormed, JSON.stringify(items));
      check(`${name}: loc is ${JSON.stringify(validationLoc)}`, JSON.stringify(items[0].loc) === JSON.stringify(validationLoc), JSON.stringify(items[0].loc));
    }
  } else {
    const shape = isPlainObject(body) && Object.keys(body).sort().join() === 'error,type';
    check(`${name}: body is an ErrorResponse`, shape && violations(body, TYPES.ErrorResponse).length === 0, JSON.stringify(body));
    const e = body?.error ?? {};
    const keys = Object.keys(e);
    check(
      `${name}: error has ref_id, message and detail only`,
      keys.includes('ref_id') && keys.includes('message') && keys.every((k) => ['ref_id', 'message', 'detail'].includes(k)),
      JSON.stringify(e),
    );
    check(`${name}: ref_id is a UUID`, REF_ID.test(e.ref_id ?? ''), JSON.stringify(e.ref_id));
    if (typeof message === 'string') check(`${name}: message is ${JSON.stringify(message)}`, e.message === message, JSON.stringify(e.message));
    else if (message?.prefix) check(`${name}: message starts ${JSON.stringify(message.prefix)}`, String(e.message).startsWith(message.prefix), JSON.stringify(e.message));
  }
  for (const [header, ok] of Object.entries(headers ?? {})) {
    const value = err.headers?.get?.(header) ?? null;
    check(`${name}: header ${header}`, value !== null && ok(value), JSON.stringify(value));
  }
  return err;
}
