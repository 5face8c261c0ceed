// How the official TypeScript SDK (parallel-web@1.3.3) meets injected faults:
// the same faults and checks as faults_ga_1_3_7.py, on an emulator of its own.
//
// run.sh starts this emulator (EMULATOR_BASE_URL) with:
//   --fault status:code=429,retry-after-ms=20,times=3,path=/v1/tasks/groups
//   --fault ambiguous-add-runs:times=1
//   --fault status:code=503,retry-after-ms=20,times=1,path=/events
//   --fault drop-stream:after=1,times=1,path=/runs
// and a second one (EMULATOR_LIMITED_URL) with `--rate-limit 1`.
// The SDK retries 429/503 and connection errors, waiting what `retry-after-ms`
// says; a retried add-runs POST whose first attempt was committed duplicates
// the runs; a dropped stream surfaces as an exception.

import { API_KEY, BASE_URL, apiError, check, conforms, eventStream, loadSdk, run } from './harness.mjs';

const { sdk } = loadSdk();
const Parallel = sdk.Parallel;
const LIMITED_URL = process.env.EMULATOR_LIMITED_URL;
const FAULT_429 = 'status:code=429,retry-after-ms=20,times=3,path=/v1/tasks/groups';
const FAULT_503 = 'status:code=503,retry-after-ms=20,times=1,path=/events';

async function stats() {
  const r = await fetch(`${BASE_URL}/_emulator/stats`, { headers: { 'x-api-key': API_KEY } });
  return r.json();
}

async function main() {
  const client = new Parallel({ apiKey: API_KEY, baseURL: BASE_URL });
  const noRetry = new Parallel({ apiKey: API_KEY, baseURL: BASE_URL, maxRetries: 0 });

  // The first 429 as the caller sees it without retries: status, class, body, header.
  await apiError('injected 429', sdk.RateLimitError, 429, () => noRetry.taskGroup.create({}), {
    message: 'Too many requests: quota temporarily exceeded',
    headers: { 'retry-after-ms': (v) => v === '20' },
  });
  const group = conforms('create after 429s', await client.taskGroup.create({}), 'TaskGroup');
  let s = await stats();
  check('429s are retried until create succeeds', group.taskgroup_id.startsWith('tgrp_'));
  check('4 create requests: 1 without retries, then 3 attempts', s.requests_per_operation.task_group_create === 4, JSON.stringify(s.requests_per_operation));
  check('the 429 fault fired three times', s.faults_fired[FAULT_429] === 3, JSON.stringify(s.faults_fired));

  const added = conforms(
    'addRuns after a cut POST',
    await client.taskGroup.addRuns(group.taskgroup_id, {
      inputs: [
        { input: 'a', processor: 'lite' },
        { input: 'b', processor: 'lite' },
      ],
    }),
    'TaskGroupRunResponse',
  );
  check('a cut addRuns POST is retried by the SDK', added.run_ids.length === 2);
  check('the blind retry duplicated the runs', added.status.num_task_runs === 4, JSON.stringify(added.status));
  s = await stats();
  check('the ambiguous fault fired once', s.faults_fired['ambiguous-add-runs:times=1'] === 1, JSON.stringify(s.faults_fired));

  const events = await eventStream('events stream after a 503', client.taskGroup.events(group.taskgroup_id), 'TaskGroupEventsResponse');
  check('a 503 on the events stream is retried', events.length > 0 && !events[events.length - 1].status.is_active);
  s = await stats();
  check('the 503 fault fired once', s.faults_fired[FAULT_503] === 1, JSON.stringify(s.faults_fired));

  const got = [];
  try {
    for await (const event of await client.taskGroup.getRuns(group.taskgroup_id)) got.push(event);
    check('a dropped runs stream raises', false, `finished with ${got.length} events`);
  } catch (e) {
    check('a dropped runs stream raises', true);
    check('events before the cut were delivered', got.length === 1, `${got.length} (${e?.constructor?.name})`);
  }
  const again = await eventStream('the next runs stream', client.taskGroup.getRuns(group.taskgroup_id), 'TaskGroupGetRunsResponse');
  check('the next runs stream is complete', again.length === 4);

  // The rate limiter's own 429 (not a fault): `retry-after` in whole seconds.
  const limited = new Parallel({ apiKey: API_KEY, baseURL: LIMITED_URL, maxRetries: 0 });
  await apiError(
    'rate limit 429',
    sdk.RateLimitError,
    429,
    async () => {
      for (let i = 0; i < 2; i += 1) await limited.taskRun.create({ input: 'x', processor: 'lite' });
    },
    {
      message: 'Too many requests: quota temporarily exceeded',
      headers: { 'retry-after': (v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 60 },
    },
  );
}

await run('faults_ts_1_3_3', main);
