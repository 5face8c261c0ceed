// The benchmark inputs and task spec for the official TypeScript SDK scripts:
// the same company-research fields as the Rust and Python clients.
'use strict';

const TASK_SPEC = {
  input_schema: {
    type: 'json',
    json_schema: {
      type: 'object',
      properties: {
        company_name: { type: 'string', description: 'Name of the company' },
        company_website: { type: 'string', description: 'Company website URL' },
      },
      required: ['company_name', 'company_website'],
    },
  },
  output_schema: {
    type: 'json',
    json_schema: {
      type: 'object',
      properties: {
        key_insights: { type: 'array', items: { type: 'string' }, description: 'Key business insights' },
        market_position: { type: 'string', description: 'Market positioning analysis' },
      },
      required: ['key_insights', 'market_position'],
    },
  },
};

/** The i-th benchmark input, as every client builds it. */
function numbered(i) {
  return { company_name: `Company ${i}`, company_website: `company${i}.example` };
}

module.exports = { TASK_SPEC, numbered };
