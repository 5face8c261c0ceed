// Stream workload with the official TypeScript SDK (npm parallel-web).
//
//   NODE_PATH=<dir with node_modules> node stream.js BASE_URL API_KEY GROUP_ID
//
// Reads a group's runs with inputs and outputs through `taskGroup.getRuns`,
// checks each output has the CompanyOutput fields with the right types (the
// SDK's types are compile-time only, so this is the runtime counterpart of
// the Rust typed decoding), touches the same fields as the Rust client
// without keeping them, and prints one JSON line with the counts.
'use strict';

const { Parallel } = require('parallel-web');

async function main() {
  const [baseURL, apiKey, groupId] = process.argv.slice(2);
  const client = new Parallel({ apiKey, baseURL, timeout: 3600 * 1000 });
  const stream = await client.taskGroup.getRuns(groupId, { include_input: true, include_output: true });
  let runs = 0;
  let withOutput = 0;
  let checksum = 0;
  for await (const event of stream) {
    if (event.type === 'task_run.state') {
      runs += 1;
      if (event.input) {
        const company = event.input.input;
        if (typeof company.company_name !== 'string' || typeof company.company_website !== 'string') {
          throw new Error(`run ${event.run.run_id}: input is not a CompanyInput`);
        }
        checksum += company.company_name.length;
      }
      if (event.output) {
        const out = event.output.content;
        if (!Array.isArray(out.key_insights) || typeof out.market_position !== 'string') {
          throw new Error(`run ${event.run.run_id}: output is not a CompanyOutput`);
        }
        withOutput += 1;
        checksum += out.market_position.length + out.key_insights.length;
      }
    } else if (event.type === 'error') {
      throw new Error(`error event: ${JSON.stringify(event.error)}`);
    }
  }
  console.log(JSON.stringify({ client: 'typescript', runs, with_output: withOutput, checksum }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
