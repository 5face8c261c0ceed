// Search and extract of the official TypeScript SDK, parallel-web@1.3.3
// (GA, /v1/search and /v1/extract), against the emulator: the same calls as
// search_extract_ga_1_3_7.py. Every response is checked against the SDK's
// declared types (harness.mjs `conforms`) and every error for its exact
// status, SDK class and ErrorResponse body.

import { API_KEY, BASE_URL, apiError, check, checkTypeChecker, loadSdk, run, success } from './harness.mjs';

const { sdk, version: VERSION } = loadSdk();
const Parallel = sdk.Parallel;
const SEARCH_ID = /^search_[0-9a-f]{32}$/;
const EXTRACT_ID = /^extract_[0-9a-f]{32}$/;

async function main() {
  check('sdk version is 1.3.3', VERSION === '1.3.3', VERSION);
  checkTypeChecker();
  const client = new Parallel({ apiKey: API_KEY, baseURL: BASE_URL });
  const noRetry = new Parallel({ apiKey: API_KEY, baseURL: BASE_URL, maxRetries: 0 });

  const found = await success(
    'search',
    200,
    client.search({
      objective: 'Find recent news about grid battery storage',
      search_queries: ['grid battery storage', 'battery storage projects'],
      mode: 'turbo',
      max_chars_total: 4000,
      advanced_settings: {
        max_results: 4,
        location: 'us',
        source_policy: { include_domains: ['.gov', 'example.edu'], after_date: '2019-01-01' },
        excerpt_settings: { max_chars_per_result: 1000 },
        fetch_policy: { max_age_seconds: 3600, timeout_seconds: 10, disable_cache_fallback: false },
      },
    }),
    'SearchResult',
  );
  check('search_id has the documented form', SEARCH_ID.test(found.search_id), found.search_id);
  check('max_results is honoured', found.results.length === 4, String(found.results.length));
  check(
    'include_domains is honoured',
    found.results.every((r) => r.url.includes('.gov/') || r.url.includes('example.edu/')),
    JSON.stringify(found.results.map((r) => r.url)),
  );
  check('after_date is honoured', found.results.every((r) => (r.publish_date ?? '') >= '2019-01-01'));
  const total = found.results.flatMap((r) => r.excerpts).reduce((n, e) => n + e.length, 0);
  check('max_chars_total bounds the excerpts', total > 0 && total <= 4000, String(total));

  const plain = await success('plain search', 200, client.search({ search_queries: ['tidal energy'], session_id: found.session_id }), 'SearchResult');
  check('10 results by default', plain.results.length === 10, String(plain.results.length));
  check('the session id is echoed', plain.session_id === found.session_id);

  const read = await success(
    'extract',
    200,
    client.extract({
      urls: [found.results[0].url, 'https://unreachable.invalid/page', 'https://example.org/missing/page'],
      objective: 'battery storage costs',
      session_id: found.session_id,
      advanced_settings: { full_content: { max_chars_per_result: 300 }, excerpt_settings: { max_chars_per_result: 1200 } },
    }),
    'ExtractResponse',
  );
  check('extract_id has the documented form', EXTRACT_ID.test(read.extract_id), read.extract_id);
  check('the synthetic page is read', read.results.length === 1 && read.results[0].url === found.results[0].url);
  check('full content is bounded', (read.results[0].full_content ?? '').length === 300);
  check(
    'pages that cannot be read are per-URL errors',
    JSON.stringify(read.errors.map((e) => e.error_type)) === '["fetch_error","fetch_error"]',
    JSON.stringify(read.errors),
  );
  check('a missing page reports its status', read.errors[1]?.http_status_code === 404);

  await apiError('a search with no query', sdk.UnprocessableEntityError, 422, () => noRetry.search({ search_queries: [] }));
  await apiError('201 policy domains', sdk.UnprocessableEntityError, 422, () =>
    noRetry.search({
      search_queries: ['x'],
      advanced_settings: { source_policy: { exclude_domains: Array.from({ length: 201 }, (_, i) => `d${i}.example`) } },
    }),
  );
  await apiError('21 URLs', sdk.UnprocessableEntityError, 422, () =>
    noRetry.extract({ urls: Array.from({ length: 21 }, (_, i) => `https://example.com/${i}`) }),
  );
  await apiError('a wrong API key', sdk.AuthenticationError, 401, () =>
    new Parallel({ apiKey: 'wrong', baseURL: BASE_URL, maxRetries: 0 }).search({ search_queries: ['x'] }),
  );
}

await run('search_extract_ts_1_3_3', main);
