// Call workloads with the official TypeScript SDK (parallel-web 1.3.3).
//
//   node calls.js BASE_URL API_KEY search|extract CALLS
//
// Makes CALLS sequential `client.search(...)` or `client.extract({urls})`
// calls (10 URLs each), sending the same requests as the Rust client
// (`bench/src/lib.rs`: `search_request`, `extract_urls`). Prints one JSON
// line with the calls made and the results (and per-URL errors) read.

const { Parallel } = require('parallel-web');

const searchRequest = (i) => ['Find recent news about grid battery storage', ['grid battery storage', `battery projects ${i}`]];
const extractUrls = (i) => Array.from({ length: 10 }, (_, k) => `https://example.org/reports/battery-storage-${i}-${k}`);

async function main() {
  const [baseURL, apiKey, api, callsText] = process.argv.slice(2);
  const calls = Number(callsText);
  const client = new Parallel({ apiKey, baseURL });
  let items = 0;
  for (let i = 0; i < calls; i++) {
    if (api === 'search') {
      const [objective, queries] = searchRequest(i);
      items += (await client.search({ objective, search_queries: queries })).results.length;
    } else {
      const read = await client.extract({ urls: extractUrls(i) });
      items += read.results.length + read.errors.length;
    }
  }
  console.log(JSON.stringify({ client: 'typescript', calls, items }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
