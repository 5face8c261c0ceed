// Monitors and memory of the official TypeScript SDK, parallel-web@1.3.3
// (/v1/monitors, /v1beta/memory), against the emulator: the same calls as
// monitors_memory_ga_1_3_7.py, unchanged, with paging, filters, the event
// kinds and the documented refusals checked.

import { API_KEY, BASE_URL, apiError, check, loadSdk, run } from './harness.mjs';

const { sdk, version: VERSION } = loadSdk();
const Parallel = sdk.Parallel;
const MONITOR_ID = /^monitor_[0-9a-f]{32}$/;

async function allEvents(client, id, query) {
  const events = [];
  let cursor;
  let pages = 0;
  for (;;) {
    const page = await client.monitor.events(id, cursor ? { ...query, cursor } : query);
    pages += 1;
    events.push(...page.events);
    cursor = page.next_cursor;
    if (!cursor) return { events, pages };
  }
}

async function main() {
  check('sdk version is 1.3.3', VERSION === '1.3.3', VERSION);
  const client = new Parallel({ apiKey: API_KEY, baseURL: BASE_URL });
  const noRetry = new Parallel({ apiKey: API_KEY, baseURL: BASE_URL, maxRetries: 0 });

  const created = await client.monitor.create({
    type: 'event_stream',
    frequency: '1d',
    settings: { query: 'Offshore wind auctions in the North Sea', include_backfill: true },
    metadata: { team: 'energy' },
    webhook: { url: 'https://example.com/hook', event_types: ['monitor.event.detected'] },
    memory_scope_key: 'conformance-ts',
  });
  check('monitor_id has the emulator form', MONITOR_ID.test(created.monitor_id), created.monitor_id);
  check('a new monitor is active', created.status === 'active', created.status);
  const id = created.monitor_id;
  const got = await client.monitor.retrieve(id);
  check('retrieve gives the same monitor', got.monitor_id === id && got.frequency === '1d');

  for (let i = 0; i < 30; i += 1) await client.monitor.trigger(id);
  const { events, pages } = await allEvents(client, id, { limit: 7 });
  const ids = new Set(events.map((e) => e.event_id));
  check('paging lists each event once', ids.size === events.length && events.length > 20, String(events.length));
  check('pages hold at most the limit', pages === Math.ceil(events.length / 7), `${pages} ${events.length}`);
  check('text outputs without a schema', events.every((e) => e.event_type === 'event_stream' && e.output.type === 'text'));
  const withCompletions = await allEvents(client, id, { limit: 100, include_completions: true });
  check('include_completions adds completions',
    withCompletions.events.some((e) => e.event_type === 'completion') && withCompletions.events.length > events.length);
  const group = events[0].event_group_id;
  const one = await client.monitor.events(id, { event_group_id: group });
  check('event_group_id lists one check', one.events.length > 0 && one.events.every((e) => e.event_group_id === group));

  const updated = await client.monitor.update(id, { frequency: '12h' });
  check('update changes the frequency', updated.frequency === '12h', updated.frequency);
  const first = await client.monitor.list({ limit: 1 });
  check('list pages with a cursor', first.monitors.length === 1 && Boolean(first.next_cursor));

  const other = await client.monitor.create({ type: 'event_stream', frequency: '1w', settings: { query: 'x' } });
  await client.monitor.cancel(other.monitor_id);
  const active = await client.monitor.list();
  check('cancelled monitors are hidden by default', !active.monitors.some((m) => m.monitor_id === other.monitor_id));
  const both = await client.monitor.list({ status: ['active', 'cancelled'] });
  check('the status filter takes a list', both.monitors.some((m) => m.monitor_id === other.monitor_id));

  await apiError('an unknown frequency is 422', sdk.UnprocessableEntityError, 422, () =>
    noRetry.monitor.create({ type: 'event_stream', frequency: 'daily', settings: { query: 'x' } }));
  await apiError('triggering a cancelled monitor is 422', sdk.UnprocessableEntityError, 422, () =>
    noRetry.monitor.trigger(other.monitor_id));
  await apiError('a garbage cursor is 422', sdk.UnprocessableEntityError, 422, () =>
    noRetry.monitor.events(id, { cursor: 'garbage' }));
  await apiError('an unknown monitor is 404', sdk.NotFoundError, 404, () => noRetry.monitor.retrieve('monitor_unknown'));

  const remembered = await client.beta.memory.retrieve({ memory_scope_key: 'conformance-ts' });
  check('a monitor created with a scope key is remembered',
    remembered.results.length === 1 && remembered.results[0].id === id && remembered.results[0].kind === 'monitor');
  await client.beta.memory.evict({ id, kind: 'monitor', memory_scope_key: 'conformance-ts' });
  const after = await client.beta.memory.retrieve({ memory_scope_key: 'conformance-ts' });
  check('evict forgets it', after.results.length === 0);
  await client.beta.memory.clear({ memory_scope_key: 'conformance-ts' });
  check('clear succeeds', true);
}

run('monitors_ts_1_3_3', main);
