// Submission workload with the official TypeScript SDK (npm parallel-web).
//
//   NODE_PATH=<dir with node_modules> node submit.js BASE_URL API_KEY INPUTS PER_CALL
//
// Creates a group and adds INPUTS distinct company inputs with
// `taskGroup.addRuns`, PER_CALL per call, one call at a time. Like the
// Python SDK it sends each call as one POST, and the API takes at most 1,000
// inputs per POST, so a PER_CALL above 1,000 becomes a loop of 1,000-input
// calls. Prints one JSON line with the counts.
'use strict';

const { Parallel } = require('parallel-web');
const { TASK_SPEC, numbered } = require('./company.js');

const MAX_PER_POST = 1000;

async function main() {
  const [baseURL, apiKey, totalArg, perCallArg] = process.argv.slice(2);
  const total = Number(totalArg);
  const perCall = Math.min(Number(perCallArg), MAX_PER_POST);
  const client = new Parallel({ apiKey, baseURL });
  const group = await client.taskGroup.create({});
  let runs = 0;
  let posts = 0;
  for (let start = 0; start < total; start += perCall) {
    const inputs = [];
    for (let i = start; i < Math.min(total, start + perCall); i++) {
      inputs.push({ input: numbered(i), processor: 'lite' });
    }
    const added = await client.taskGroup.addRuns(group.taskgroup_id, { inputs, default_task_spec: TASK_SPEC });
    runs += added.run_ids.length;
    posts += 1;
  }
  console.log(JSON.stringify({ client: 'typescript', runs, posts }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
