import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { DEFAULT_QUERY_LIMITS } from './config';
import { queryLimits } from './limits';

const repo = join(__dirname, '../..');

/** The customer-360 query the README shows must be valid against the API and pass the default limits. */
describe('the README customer-360 example', () => {
  it('validates against schema/api.graphql within the default depth, alias and cost limits', () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const start = readme.indexOf('{ contacts(first: 5');
    expect(start).toBeGreaterThan(0);
    const query = readme.slice(start, readme.indexOf('```', start));
    const schema = buildSchema(readFileSync(join(repo, 'schema/api.graphql'), 'utf8'));
    const { validationRules } = queryLimits({ ...DEFAULT_QUERY_LIMITS }, false) as { validationRules: ((...a: never[]) => unknown)[] };
    const errors = validate(schema, parse(query), [...specifiedRules, ...(validationRules as unknown as typeof specifiedRules)]);
    expect(errors.map((e) => e.message)).toEqual([]);
  });
});
