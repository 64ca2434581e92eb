import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MODULE_MANIFESTS } from './modules.generated';
import { ManifestError, productionOf, readModuleManifests, routePrefix, validateManifests } from './manifest';
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

describe('crm.production (what the kit requires at deploy time)', () => {
  const config = ['BILLING_SIGNING_KEY', 'BILLING_PSP_TOKEN', 'BILLING_PUBLIC_URL'];
  const production = {
    secrets: ['BILLING_SIGNING_KEY'],
    optionalSecrets: ['BILLING_PSP_TOKEN'],
    settings: { BILLING_PUBLIC_URL: { description: 'public base URL, e.g. https://crm.example.com', smoke: 'http://127.0.0.1:{port}' } },
  };

  it('is optional: a manifest without it (what crm new-module writes) is valid and requires nothing', () => {
    const [m] = validateManifests([{ file: 'f', crm: manifest() }]);
    expect(m!.production).toBeUndefined();
    expect(productionOf(m!)).toEqual({ secrets: [], optionalSecrets: [], settings: {} });
    expect(productionOf(validateManifests([{ file: 'f', crm: manifest({ config, production }) }])[0]!)).toEqual(production);
  });

  it('marketing declares its boot requirements (deliveryConfigCheck) there', () => {
    const marketing = readModuleManifests(REPO_ROOT).find((m) => m.name === 'marketing')!;
    expect(productionOf(marketing)).toMatchObject({
      secrets: ['MARKETING_TRACKING_SECRET'],
      optionalSecrets: expect.arrayContaining(['MARKETING_WEBHOOK_SECRET', 'MARKETING_SOCIAL_WEBHOOK_SECRET', 'MARKETING_SMS_TOKEN']),
    });
    expect(Object.keys(productionOf(marketing).settings).sort()).toEqual(['MARKETING_PUBLIC_URL', 'MARKETING_SMTP_URL']);
  });

  it('refuses a variable missing from crm.config, listed twice, badly named, or an unknown key, naming the field', () => {
    const bad = (p: unknown, c = config) => problemsOf([{ file: 'f', crm: manifest({ config: c, production: p }) }]);
    expect(bad({ ...production, secrets: ['BILLING_OTHER_KEY'] })).toEqual([
      'f: crm.production.secrets.0: BILLING_OTHER_KEY is not in crm.config (production variables are the module\'s own settings)',
    ]);
    expect(bad({ ...production, optionalSecrets: ['BILLING_SIGNING_KEY'] })).toEqual([
      'f: crm.production.optionalSecrets.0: BILLING_SIGNING_KEY is already listed in crm.production.secrets',
    ]);
    expect(bad({ secrets: ['billing_key'] })[0]).toBe('f: crm.production.secrets.0: must be an UPPER_CASE variable name');
    expect(bad({ settings: { BILLING_PUBLIC_URL: { description: 'x' } } })[0]).toMatch(/^f: crm\.production\.settings\.BILLING_PUBLIC_URL\.smoke: /);
    expect(bad({ settings: { BILLING_PUBLIC_URL: { description: 'x', smoke: 'http://127.0.0.1:{prot}' } } })).toEqual([
      'f: crm.production.settings.BILLING_PUBLIC_URL.smoke: may use only the placeholders {port}, {freePort}',
    ]);
    expect(bad({ secret: ['BILLING_SIGNING_KEY'] })[0]).toMatch(/^f: crm\.production: Unrecognized key: "secret"/);
  });
});

describe('crm.routes (what the ingress exposes)', () => {
  it('routes the static prefix before the first :param', () => {
    expect(routePrefix('/forms/:key')).toBe('/forms');
    expect(routePrefix('/t/o/')).toBe('/t/o');
    expect(routePrefix('/webhooks/email')).toBe('/webhooks/email');
    expect(routePrefix('/:anything')).toBe('/');
  });

  it('refuses a route the ingress cannot give a module (the root, the gateway\'s /graphql) and one prefix for two modules', () => {
    const route = (path: string) => ({ path, description: 'd' });
    expect(problemsOf([{ file: 'f', crm: manifest({ routes: [route('/:key')] }) }])[0]).toMatch(/^f: crm\.routes\.0\.path: must start with a static segment/);
    expect(problemsOf([{ file: 'f', crm: manifest({ routes: [route('/graphql/x')] }) }])[0]).toMatch(/^f: crm\.routes\.0\.path: /);
    const a = { file: 'a', crm: manifest({ routes: [route('/pay/:id'), route('/pay/:id/cancel')] }) };
    const b = { file: 'b', crm: manifest({ name: 'x', schema: 'x', topic: 'crm.x.events', port: 4011, routes: [route('/pay/')] }) };
    expect(problemsOf([a, b])).toEqual(['b: route prefix "/pay" is already declared by a']);
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
