import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MODULE_MANIFESTS } from './modules.generated';
import { ManifestError, readModuleManifests, validateManifests } from './manifest';
import { MODULES, TOPICS, topicName, withPrefix } from './topics';

const REPO_ROOT = join(__dirname, '../../..');

const manifest = (over: Record<string, unknown> = {}) => ({
  name: 'billing',
  title: 'Billing',
  description: 'Invoices',
  service: 'billingService',
  port: 4010,
  schema: 'billing',
  topic: 'crm.billing.events',
  publishes: 'crm.billing.',
  smoke: { query: '{ invoices { id } }' },
  ...over,
});

function problemsOf(entries: { file: string; crm: unknown }[]): string[] {
  try {
    validateManifests(entries);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as ManifestError).problems;
  }
  throw new Error('the manifests were accepted');
}

describe('module manifests', () => {
  it('reads every services/*/package.json manifest, valid, and the generated list is exactly them', () => {
    const read = readModuleManifests(REPO_ROOT);
    // Every folder under services/ is a module (a generated one too), in port order: contacts and sales first.
    const folders = readdirSync(join(REPO_ROOT, 'services')).filter((d) => existsSync(join(REPO_ROOT, 'services', d, 'package.json')));
    expect([...read.map((m) => m.name)].sort()).toEqual([...folders].sort());
    expect(read.slice(0, 2).map((m) => m.name)).toEqual(['contacts', 'sales']);
    // What the rest of the code uses (libs/events' generated list) is what the manifests declare.
    expect(JSON.parse(JSON.stringify(MODULE_MANIFESTS))).toEqual(read);
    expect(MODULES).toEqual(read.map((m) => m.name));
    expect(TOPICS).toMatchObject({ contacts: 'crm.contacts.events', sales: 'crm.sales.events' });
    expect(Object.keys(TOPICS)).toEqual(read.map((m) => m.name));
  });

  it('refuses a bad port, naming the file and the field', () => {
    expect(problemsOf([{ file: 'services/billing/package.json', crm: manifest({ port: 80 }) }])).toEqual([
      'services/billing/package.json: crm.port: must be 1024 or above (no privileged ports)',
    ]);
    expect(problemsOf([{ file: 'services/billing/package.json', crm: manifest({ port: '4010' }) }])[0]).toMatch(/crm\.port: must be a number/);
    expect(problemsOf([{ file: 'services/billing/package.json', crm: manifest({ port: 61000 }) }])[0]).toMatch(/crm\.port: must be at most 60535 \(metrics listen on port \+ 5000\)/);
  });

  it('refuses a duplicate name, port, schema or topic, naming both files', () => {
    const a = { file: 'services/billing/package.json', crm: manifest() };
    const b = { file: 'services/billing2/package.json', crm: manifest({ port: 4011 }) };
    expect(problemsOf([a, b])).toEqual([
      'services/billing2/package.json: name "billing" is already declared by services/billing/package.json',
      'services/billing2/package.json: schema "billing" is already declared by services/billing/package.json',
      'services/billing2/package.json: topic "crm.billing.events" is already declared by services/billing/package.json',
    ]);
    const c = { file: 'services/invoices/package.json', crm: manifest({ name: 'invoices', schema: 'invoices', topic: 'crm.invoices.events' }) };
    expect(problemsOf([a, c])).toEqual(['services/invoices/package.json: port 4010 is already declared by services/billing/package.json']);
  });

  it('refuses the gateway port, a port whose metrics port collides, unknown keys and a missing smoke query', () => {
    expect(problemsOf([{ file: 'f', crm: manifest({ port: 4000 }) }])).toEqual(['f: port 4000 is already declared by the gateway']);
    const a = { file: 'a', crm: manifest({ port: 4003 }) };
    const b = { file: 'b', crm: manifest({ name: 'x', schema: 'x', topic: 'crm.x.events', port: 9003 }) };
    expect(problemsOf([a, b])).toEqual(['b: port 9003 is already declared by a (metrics port 4003 + 5000)']);
    expect(problemsOf([{ file: 'f', crm: { ...manifest({ prot: 1 }) } }])[0]).toMatch(/^f: crm: Unrecognized key: "prot"/);
    const { smoke: _smoke, ...noSmoke } = manifest();
    expect(problemsOf([{ file: 'f', crm: noSmoke }])[0]).toMatch(/^f: crm\.smoke: /);
  });
});

describe('environment prefixes', () => {
  it('puts a visible separator between the prefix and the name, once', () => {
    expect(withPrefix('', 'crm.sales.events')).toBe('crm.sales.events');
    expect(withPrefix('feat', 'crm.sales.events')).toBe('feat.crm.sales.events');
    expect(withPrefix('feat.', 'crm.sales.events')).toBe('feat.crm.sales.events');
    expect(withPrefix('it_1a-', 'sales.contact-replica')).toBe('it_1a-sales.contact-replica');
    expect(topicName('sales', 'staging')).toBe('staging.crm.sales.events');
  });
});
