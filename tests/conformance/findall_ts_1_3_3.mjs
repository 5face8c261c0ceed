// FindAll of the official TypeScript SDK, parallel-web@1.3.3
// (`client.beta.findall`, /v1beta/findall), against the emulator: the same
// calls as findall_ga_1_3_7.py. Every response and event is checked against
// the SDK's declared FindAll types (registered below into harness.mjs
// `TYPES`) and every error for its exact status, SDK class and body.

import {
  API_KEY,
  BASE_URL,
  FieldBasis,
  TYPES,
  anyOf,
  apiError,
  arrayOf,
  byType,
  check,
  checkTypeChecker,
  eventStream,
  loadSdk,
  model,
  nullable,
  oneOfValues,
  recordOf,
  run,
  scalar,
  success,
} from './harness.mjs';

const { sdk, version: VERSION } = loadSdk();
const Parallel = sdk.Parallel;
const FINDALL_ID = /^findall_[0-9a-f]{32}$/;

// ---- the SDK's declared FindAll types (resources/beta/findall.d.ts) ----
const GENERATORS = ['base', 'core', 'pro', 'preview'];
const MatchCondition = model({ description: 'string', name: 'string' });
const EnrichInput = model(
  { output_schema: model({ json_schema: 'object' }, { type: oneOfValues('json') }) },
  { mcp_servers: nullable(arrayOf('object')), processor: 'string' },
);
const FindAllSchema = model(
  { entity_type: 'string', match_conditions: arrayOf(MatchCondition), objective: 'string' },
  { enrichments: nullable(arrayOf(EnrichInput)), generator: oneOfValues(...GENERATORS), match_limit: nullable('number') },
);
const FindAllRun = model(
  {
    findall_id: 'string',
    generator: oneOfValues(...GENERATORS),
    status: model(
      {
        is_active: 'boolean',
        metrics: model({}, { generated_candidates_count: 'number', matched_candidates_count: 'number' }),
        status: oneOfValues('queued', 'action_required', 'running', 'completed', 'failed', 'cancelling', 'cancelled'),
      },
      {
        termination_reason: nullable(
          oneOfValues('low_match_rate', 'match_limit_met', 'candidates_exhausted', 'user_cancelled', 'error_occurred', 'timeout', 'insufficient_funds'),
        ),
      },
    ),
  },
  { created_at: nullable('string'), metadata: nullable(recordOf(scalar)), modified_at: nullable('string') },
);
const FindAllCandidate = model(
  { candidate_id: 'string', match_status: oneOfValues('generated', 'matched', 'unmatched', 'discarded'), name: 'string', url: 'string' },
  { basis: nullable(arrayOf(FieldBasis)), description: nullable('string'), output: nullable('object') },
);
const event = (type, data) => model({ data, event_id: 'string', timestamp: 'string', type: oneOfValues(type) });
const candidateEvents = ['generated', 'matched', 'unmatched', 'discarded', 'enriched'].map((k) => `findall.candidate.${k}`);
Object.assign(TYPES, {
  FindAllRun,
  FindAllSchema,
  FindAllRunResult: model({ candidates: arrayOf(FindAllCandidate), run: FindAllRun }, { last_event_id: nullable('string') }),
  FindAllEventsResponse: byType({
    'findall.status': event('findall.status', FindAllRun),
    'findall.schema.updated': event('findall.schema.updated', FindAllSchema),
    ...Object.fromEntries(candidateEvents.map((t) => [t, event(t, FindAllCandidate)])),
    error: TYPES.TaskGroupEventsResponse.byType.error,
  }),
  FindAllEntitySearchResponse: model({
    entities: arrayOf(model({ description: 'string', name: 'string', url: 'string' })),
    entity_set_id: 'string',
  }),
});

const ENRICHMENT = {
  type: 'json',
  json_schema: {
    type: 'object',
    properties: {
      ceo_name: { type: 'string', description: 'Name of the CEO' },
      founded: { type: 'integer', description: 'Year founded' },
    },
    required: ['ceo_name', 'founded'],
  },
};

async function main() {
  check('sdk version is 1.3.3', VERSION === '1.3.3', VERSION);
  checkTypeChecker();
  const client = new Parallel({ apiKey: API_KEY, baseURL: BASE_URL });
  const noRetry = new Parallel({ apiKey: API_KEY, baseURL: BASE_URL, maxRetries: 0 });
  const fa = client.beta.findall;
  const events = (name, id, params = {}) => eventStream(name, fa.events(id, params), 'FindAllEventsResponse');

  const draft = await success('ingest', 200, fa.ingest({ objective: 'Robotics companies in Lisbon that raised a seed round' }), 'FindAllSchema');
  check('ingest drafts companies', draft.entity_type === 'companies', draft.entity_type);

  const created = await success(
    'create',
    200,
    fa.create({
      objective: draft.objective,
      entity_type: draft.entity_type,
      match_conditions: draft.match_conditions,
      generator: 'core',
      match_limit: 5,
      metadata: { team: 'growth', n: 2 },
      exclude_list: [{ name: 'Nobody Labs', url: 'https://example.com/nobody' }],
      webhook: { url: 'https://hooks.example.com/findall', event_types: ['task_run.status'] },
    }),
    'FindAllRun',
  );
  const fid = created.findall_id;
  check('findall_id has the documented form', FINDALL_ID.test(fid), fid);

  const all = await events('events', fid);
  const kinds = all.map((e) => e.type);
  const ids = all.map((e) => e.event_id);
  check('the stream starts with a status event', kinds[0] === 'findall.status', kinds.slice(0, 3).join());
  check('the stream ends with the run completed', all.at(-1).type === 'findall.status' && all.at(-1).data.status.status === 'completed');
  check('five candidates matched', kinds.filter((k) => k === 'findall.candidate.matched').length === 5);
  check('event ids are unique', new Set(ids).size === ids.length);

  const now = await success('retrieve', 200, fa.retrieve(fid), 'FindAllRun');
  check('retrieve: completed, limit met', now.status.status === 'completed' && now.status.termination_reason === 'match_limit_met');
  const result = await success('result', 200, fa.result(fid), 'FindAllRunResult');
  check('result lists every generated candidate', result.candidates.length === now.status.metrics.generated_candidates_count);
  check('the result names the last event', result.last_event_id === ids.at(-1));

  const k = Math.floor(all.length / 2);
  const rest = await events('resumed events', fid, { last_event_id: ids[k] });
  check('resuming sends exactly the events after the id', JSON.stringify(rest.map((e) => e.event_id)) === JSON.stringify(ids.slice(k + 1)));

  const extended = await success('extend', 200, fa.extend(fid, { additional_match_limit: 3 }), 'FindAllSchema');
  check('extend raises the match limit', extended.match_limit === 8, String(extended.match_limit));
  const more = await events('events after extend', fid, { last_event_id: ids.at(-1) });
  check('extend: three more matches', more.filter((e) => e.type === 'findall.candidate.matched').length === 3);

  const enriched = await success('enrich', 200, fa.enrich(fid, { output_schema: ENRICHMENT, processor: 'base' }), 'FindAllSchema');
  check('enrich adds the enrichment to the schema', (enriched.enrichments ?? []).length === 1);
  const after = await events('events after enrich', fid, { last_event_id: more.at(-1).event_id });
  const filled = after.filter((e) => e.type === 'findall.candidate.enriched');
  check('every match is enriched once', filled.length === 8 && new Set(filled.map((e) => e.data.candidate_id)).size === 8, String(filled.length));
  const schema = await success('schema', 200, fa.schema(fid), 'FindAllSchema');
  check('schema: limit and enrichment', schema.match_limit === 8 && (schema.enrichments ?? []).length === 1);

  // A run that cannot finish soon: cancel it.
  const busy = await fa.create({
    objective: 'Battery makers',
    entity_type: 'companies',
    generator: 'pro',
    match_limit: 1000,
    match_conditions: [{ name: 'makes_batteries', description: 'Makes batteries.' }],
  });
  await fa.extend(busy.findall_id, { additional_match_limit: 999000 });
  const { response } = await fa.cancel(busy.findall_id).withResponse();
  check('cancel: status 200', response.status === 200, String(response.status));
  const cancelled = await fa.retrieve(busy.findall_id);
  check('cancel: the run is cancelled', cancelled.status.status === 'cancelled' && cancelled.status.termination_reason === 'user_cancelled');
  await apiError('cancelling twice', sdk.ConflictError, 409, () => noRetry.beta.findall.cancel(busy.findall_id));

  const found = await success(
    'entity search',
    200,
    fa.entitySearch({ entity_type: 'people', objective: 'battery chemists', match_limit: 10 }),
    'FindAllEntitySearchResponse',
  );
  check('entity search returns match_limit entities', found.entities.length === 10, String(found.entities.length));

  const create = (limit) =>
    noRetry.beta.findall.create({
      objective: 'x',
      entity_type: 'companies',
      generator: 'core',
      match_limit: limit,
      match_conditions: [{ name: 'a', description: 'b' }],
    });
  await apiError('match_limit 4', sdk.UnprocessableEntityError, 422, () => create(4));
  await apiError('match_limit 1001', sdk.UnprocessableEntityError, 422, () => create(1001));
  await apiError('extend by 0', sdk.UnprocessableEntityError, 422, () => noRetry.beta.findall.extend(fid, { additional_match_limit: 0 }));
  await apiError('an unknown run', sdk.NotFoundError, 404, () => noRetry.beta.findall.retrieve('findall_unknown'));
  await apiError('a foreign last_event_id', sdk.UnprocessableEntityError, 422, () => noRetry.beta.findall.events(busy.findall_id, { last_event_id: ids[0] }), {
    validationLoc: ['query', 'last_event_id'],
  });
}

await run('findall_ts_1_3_3', main);
