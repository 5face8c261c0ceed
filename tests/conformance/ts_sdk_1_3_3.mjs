// Every task-group and task-run method of the official TypeScript SDK,
// parallel-web@1.3.3 (GA, /v1 paths), against the emulator: the same calls as
// ga_sdk_1_3_7.py. `client.taskGroup` (create, retrieve, addRuns, events,
// getRuns, retrieveRun) and `client.taskRun` (create, retrieve, retrieveInput,
// result, events). Every response and event is checked against the SDK's
// declared types (harness.mjs `conforms`), and every error for its exact
// status, SDK class, body shape and headers.

import {
  API_KEY,
  BASE_URL,
  GROUP_ID,
  RUN_ID,
  TIMESTAMP,
  apiError,
  check,
  checkTypeChecker,
  conforms,
  eventStream,
  success,
  loadSdk,
  run,
  violations,
} from './harness.mjs';

const { sdk, version: VERSION } = loadSdk();
const Parallel = sdk.Parallel;

const SCHEMA = {
  type: 'object',
  properties: {
    ceo: { type: 'string' },
    founded: { type: 'integer', minimum: 1800, maximum: 2025 },
    tags: { type: 'array', items: { type: 'string', enum: ['fintech', 'retail', 'crm'] } },
    website: { type: 'string', format: 'uri' },
  },
  required: ['ceo', 'founded', 'tags', 'website'],
  additionalProperties: false,
};

async function collect(promise) {
  const out = [];
  for await (const e of await promise) out.push(e);
  return out;
}

async function main() {
  check('sdk version is 1.3.3', VERSION === '1.3.3', VERSION);
  checkTypeChecker();
  const client = new Parallel({ apiKey: API_KEY, baseURL: BASE_URL });
  const noRetry = new Parallel({ apiKey: API_KEY, baseURL: BASE_URL, maxRetries: 0 });
  const tg = client.taskGroup;

  // create / retrieve
  const group = await success('create', 200, tg.create({ metadata: { project: 'conformance', n: 1, flag: true } }), 'TaskGroup');
  const gid = group.taskgroup_id;
  check('group id shape', GROUP_ID.test(gid), gid);
  check('create keeps metadata', JSON.stringify(group.metadata) === '{"project":"conformance","n":1,"flag":true}', JSON.stringify(group.metadata));
  check('new group is empty and inactive', group.status.num_task_runs === 0 && !group.status.is_active);
  check('created_at is RFC 3339 with microseconds', TIMESTAMP.test(group.created_at ?? ''), group.created_at);
  const again = conforms('retrieve', await tg.retrieve(gid), 'TaskGroup');
  check('retrieve returns the same group', again.taskgroup_id === gid && again.created_at === group.created_at);
  const plain = conforms('create({})', await tg.create({}), 'TaskGroup');
  check('create({}) has null metadata', plain.metadata === null || plain.metadata === undefined, JSON.stringify(plain));

  // addRuns: a JSON batch with a default spec, then a text batch with per-run specs
  const first = await success(
    'addRuns',
    200,
    tg.addRuns(gid, {
      inputs: ['Stripe', 'Shopify', 'Salesforce'].map((name, i) => ({ input: { company: name }, processor: 'lite', metadata: { row: i } })),
      default_task_spec: { output_schema: { type: 'json', json_schema: SCHEMA } },
    }),
    'TaskGroupRunResponse',
  );
  check('addRuns returns 3 run ids', first.run_ids.length === 3 && first.run_ids.every((r) => RUN_ID.test(r)));
  check('first add has null cursors', first.run_cursor === null && first.event_cursor === null);
  check('addRuns status counts runs', first.status.num_task_runs === 3 && first.status.is_active);
  const second = conforms(
    'addRuns with refresh_status=false and betas',
    await tg.addRuns(gid, {
      inputs: [
        { input: 'Summarise the history of Parallel Web Systems', processor: 'base-fast', task_spec: { output_schema: { type: 'text', description: 'two sentences' } } },
        { input: 'What is an SSE stream?', processor: 'core' },
      ],
      refresh_status: false,
      betas: ['mcp-server-2025-07-17'],
    }),
    'TaskGroupRunResponse',
  );
  check('second add returns cursors', Boolean(second.run_cursor) && Boolean(second.event_cursor), JSON.stringify(second));
  check('second add counts all runs', second.status.num_task_runs === 5);
  const allIds = [...first.run_ids, ...second.run_ids];

  // events: live until the group is inactive
  const events = await eventStream('events stream', tg.events(gid), 'TaskGroupEventsResponse');
  const kinds = events.map((e) => e.type);
  check('events has status events', kinds.includes('task_group_status'), JSON.stringify(kinds));
  check('events has one task_run.state per run', kinds.filter((k) => k === 'task_run.state').length === 5, JSON.stringify(kinds));
  const last = events[events.length - 1];
  check('events ends with an inactive status', last.type === 'task_group_status' && !last.status.is_active);
  check('event ids are non-empty strings', events.every((e) => typeof e.event_id === 'string' && e.event_id));
  const resumed = await collect(tg.events(gid, { last_event_id: events[0].event_id, timeout: 30 }));
  check('events resume strictly after the cursor', JSON.stringify(resumed.map((e) => e.event_id)) === JSON.stringify(events.slice(1).map((e) => e.event_id)));
  const afterAdd = await collect(tg.events(gid, { last_event_id: second.event_cursor }));
  check('event_cursor resumes before the second add', afterAdd.length >= 3 && afterAdd[0].type === 'task_group_status');

  // getRuns: snapshot, filters, includes, cursor
  const runs = await eventStream('runs stream', tg.getRuns(gid), 'TaskGroupGetRunsResponse');
  check('getRuns lists every run', JSON.stringify(runs.map((e) => e.run.run_id)) === JSON.stringify(allIds));
  check('getRuns omits input/output by default', runs.every((e) => e.input == null && e.output == null));
  const full = await eventStream('runs stream with input and output', tg.getRuns(gid, { include_input: true, include_output: true }), 'TaskGroupGetRunsResponse');
  check('include_input echoes the input', JSON.stringify(full[0].input?.input) === '{"company":"Stripe"}', JSON.stringify(full[0].input));
  const jsonOut = full[0].output;
  check('json output type', jsonOut?.type === 'json');
  const content = jsonOut?.content ?? {};
  check('json output follows the schema', Object.keys(content).sort().join() === 'ceo,founded,tags,website' && content.founded >= 1800 && content.founded <= 2025 && Number.isInteger(content.founded));
  check('json enum values respected', Array.isArray(content.tags) && content.tags.every((t) => ['fintech', 'retail', 'crm'].includes(t)));
  check('basis covers top-level fields', jsonOut?.basis.map((b) => b.field).sort().join() === Object.keys(content).sort().join());
  check('text output for text schema', full[3].output?.type === 'text' && typeof full[3].output.content === 'string');
  check('auto output has output_schema', full[4].output?.type === 'json' && violations(full[4].output.output_schema, 'object').length === 0);
  const completed = await collect(tg.getRuns(gid, { status: 'completed' }));
  check('getRuns status filter', completed.length === 5 && completed.every((e) => e.run.status === 'completed'));
  check('no failed runs', (await collect(tg.getRuns(gid, { status: 'failed' }))).length === 0);
  const tail = await collect(tg.getRuns(gid, { last_event_id: second.run_cursor }));
  check('run_cursor resumes at the second add', JSON.stringify(tail.map((e) => e.run.run_id)) === JSON.stringify(second.run_ids));
  const mid = await collect(tg.getRuns(gid, { last_event_id: runs[1].event_id }));
  check('getRuns resumes after an event_id', JSON.stringify(mid.map((e) => e.run.run_id)) === JSON.stringify(allIds.slice(2)));

  // retrieveRun
  const one = conforms('retrieveRun', await tg.retrieveRun(first.run_ids[1], { taskgroup_id: gid }), 'TaskRun');
  check('retrieveRun returns the run', one.run_id === first.run_ids[1] && one.status === 'completed' && one.taskgroup_id === gid);

  // group errors
  const ntg = noRetry.taskGroup;
  await apiError('invalid runs cursor', sdk.UnprocessableEntityError, 422, () => collect(ntg.getRuns(gid, { last_event_id: 'nope' })), {
    validationLoc: ['query', 'last_event_id'],
  });
  await apiError(
    'addRuns of 1001 inputs',
    sdk.UnprocessableEntityError,
    422,
    () => ntg.addRuns(gid, { inputs: Array(1001).fill({ input: 'x', processor: 'lite' }) }),
    { validationLoc: ['body', 'inputs'] },
  );
  await apiError('addRuns without processor', sdk.UnprocessableEntityError, 422, () => ntg.addRuns(gid, { inputs: [{ input: 'x' }] }), {
    validationLoc: ['body', 'inputs', 0, 'processor'],
  });
  await apiError('unknown group', sdk.NotFoundError, 404, () => ntg.retrieve('tgrp_0000'), { message: 'TaskGroup not found' });
  await apiError('events of an unknown group', sdk.NotFoundError, 404, () => collect(ntg.events('tgrp_0000')), { message: 'TaskGroup not found' });
  await apiError('runs of an unknown group', sdk.NotFoundError, 404, () => collect(ntg.getRuns('tgrp_0000')), { message: 'TaskGroup not found' });
  await apiError('retrieveRun of another group\'s run', sdk.NotFoundError, 404, () => ntg.retrieveRun(first.run_ids[1], { taskgroup_id: plain.taskgroup_id }), {
    message: 'Run id not found',
  });

  // taskRun: create / retrieve / retrieveInput / result / events
  const tr = client.taskRun;
  const created = await success('taskRun.create', 202, tr.create({ input: 'What is the capital of France?', processor: 'base', metadata: { k: 'v' } }), 'TaskRun');
  check('taskRun.create', RUN_ID.test(created.run_id) && created.metadata?.k === 'v', JSON.stringify(created));
  check('taskRun.create is queued', created.status === 'queued' && created.is_active);
  check('interaction_id equals run_id', created.interaction_id === created.run_id);
  check('run timestamps are RFC 3339', TIMESTAMP.test(created.created_at ?? '') && TIMESTAMP.test(created.modified_at ?? ''));
  const got = conforms('taskRun.retrieve', await tr.retrieve(created.run_id), 'TaskRun');
  check('taskRun.retrieve', got.run_id === created.run_id && got.processor === 'base');
  const res = conforms('taskRun.result', await tr.result(created.run_id, { timeout: 60 }), 'TaskRunResult');
  check('taskRun.result', res.run.run_id === created.run_id && res.run.status === 'completed' && !res.run.is_active);
  check('a run without a spec gets auto output with its schema', res.output.type === 'json' && res.output.output_schema != null);
  const inp = conforms('taskRun.retrieveInput', await tr.retrieveInput(created.run_id), 'RunInput');
  check('taskRun.retrieveInput', inp.input === 'What is the capital of France?' && inp.processor === 'base');
  const groupInput = conforms('retrieveInput of a group run', await tr.retrieveInput(first.run_ids[0]), 'RunInput');
  check('group run input carries the default spec', groupInput.task_spec != null && groupInput.metadata?.row === 0);
  const ev = await eventStream('run events stream', tr.events(created.run_id), 'TaskRunEventsResponse');
  check('taskRun.events starts with a state', ev[0]?.type === 'task_run.state', JSON.stringify(ev.map((e) => e.type)));
  const end = ev[ev.length - 1];
  check('taskRun.events ends completed with output', end?.type === 'task_run.state' && end.run.status === 'completed' && end.output != null);
  check('run events have null event_id', ev.filter((e) => e.type === 'task_run.state').every((e) => e.event_id === null));
  const warned = conforms(
    'create with an input schema',
    await tr.create({
      input: { other: 1 },
      processor: 'lite',
      task_spec: {
        input_schema: { type: 'json', json_schema: { type: 'object', properties: { company: { type: 'string' } }, required: ['company'] } },
        output_schema: 'a summary',
      },
    }),
    'TaskRun',
  );
  check('input missing required fields gets a typed warning', warned.warnings?.[0]?.type === 'input_validation_warning');
  check('runs without problems have no warnings', created.warnings == null);

  // run errors
  const nr = noRetry.taskRun;
  const unknown = `trun_${'0'.repeat(32)}`;
  await apiError('unknown run', sdk.NotFoundError, 404, () => nr.retrieve(unknown), { message: 'Run id not found' });
  await apiError('input of an unknown run', sdk.NotFoundError, 404, () => nr.retrieveInput(unknown), { message: 'Run id not found' });
  await apiError('events of an unknown run', sdk.NotFoundError, 404, () => collect(nr.events(unknown)), { message: 'Run id not found' });
  await apiError('result of an unknown run', sdk.NotFoundError, 404, () => nr.result(unknown, { timeout: 1 }), { message: 'Run failed or run id not found' });
  await apiError('unknown processor on create', sdk.PermissionDeniedError, 403, () => nr.create({ input: 'x', processor: 'mega' }), {
    message: 'Forbidden: invalid processor in request',
  });
  await apiError('metadata key over 16 characters on create', sdk.UnprocessableEntityError, 422, () => nr.create({ input: 'x', processor: 'lite', metadata: { ['k'.repeat(17)]: 'v' } }), {
    message: { prefix: 'Unprocessable content: request validation error' },
  });
  const slow = await tr.create({ input: 'slow', processor: 'ultra8x' });
  // The SDK has no class of its own for 408: it is the base APIError.
  await apiError('result timeout', sdk.APIError, 408, () => nr.result(slow.run_id, { timeout: 0 }), { message: 'Request timed out; run still active' });

  // authentication
  const bad = new Parallel({ apiKey: 'wrong-key', baseURL: BASE_URL, maxRetries: 0 });
  await apiError('wrong key', sdk.AuthenticationError, 401, () => bad.taskGroup.create({}), { message: 'Unauthorized: invalid or missing credentials' });
  await apiError('wrong key on a run', sdk.AuthenticationError, 401, () => bad.taskRun.retrieve(created.run_id), {
    message: 'Unauthorized: invalid or missing credentials',
  });
}

await run('ts_sdk_1_3_3', main);
