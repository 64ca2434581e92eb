import { join } from 'node:path';
import { FsTree } from 'nx/src/generators/tree';
import { readModuleManifests } from '@crm/events';
import { generateModule, readWorkspace } from './generator';
import { ModuleOptionsError, nextFreePort, resolveModuleOptions } from './options';

const ROOT = join(__dirname, '..', '..', '..', '..');
/** The real workspace, in memory: nothing the generator does reaches the disk. */
const tree = () => new FsTree(ROOT, false);

function refusal(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ModuleOptionsError) return e.problems;
    throw e;
  }
  throw new Error('not refused');
}

describe('crm new-module: what it refuses, and why', () => {
  const ws = () => readWorkspace(tree());

  it('a name that is not lower-case letters and single dashes, or is reserved', () => {
    for (const name of ['Marketing', 'mar_keting', 'marketing-', '-x', 'a--b', '4u', '']) {
      expect(refusal(() => resolveModuleOptions({ name }, ws()))).toEqual([expect.stringMatching(/must be lower-case letters with single dashes/)]);
    }
    expect(refusal(() => resolveModuleOptions({ name: 'gateway' }, ws()))).toEqual([expect.stringMatching(/reserved/)]);
  });

  it('an existing module', () => {
    expect(refusal(() => resolveModuleOptions({ name: 'sales' }, ws()))).toEqual(['name "sales": services/sales already exists']);
  });

  it('a port another manifest declares — its own or its metrics port — or the gateway’s', () => {
    const [contacts] = readModuleManifests(ROOT);
    expect(refusal(() => resolveModuleOptions({ name: 'billing', port: contacts.port }, ws()))).toEqual([`port ${contacts.port} is already declared by services/contacts/package.json`]);
    // Contacts' metrics port (its port + 5000).
    expect(refusal(() => resolveModuleOptions({ name: 'billing', port: contacts.port + 5000 }, ws()))).toEqual([
      `port ${contacts.port + 5000} is already declared by services/contacts/package.json (metrics port ${contacts.port} + 5000)`,
    ]);
    expect(refusal(() => resolveModuleOptions({ name: 'billing', port: 4000 }, ws()))).toEqual(['port 4000 is already declared by the gateway']);
    expect(refusal(() => resolveModuleOptions({ name: 'billing', port: 80 }, ws()))).toEqual(['port: must be 1024 or above (no privileged ports)']);
  });

  it('a sample aggregate whose GraphQL names the composed API already has', () => {
    expect(refusal(() => resolveModuleOptions({ name: 'billing', aggregate: 'deal' }, ws()))).toEqual([
      'aggregate "deal": the composed API (schema/api.graphql) already has type Deal; pass --aggregate <the module\'s first aggregate>',
      'aggregate "deal": the composed API (schema/api.graphql) already has Query.deals; pass --aggregate <the module\'s first aggregate>',
    ]);
  });

  it('takes the port after the highest declared one', () => {
    expect(nextFreePort([{ port: 4001 }, { port: 4002 }] as never)).toBe(4003);
    expect(nextFreePort([{ port: 4001 }, { port: 4004 }] as never)).toBe(4005);
  });
});

// marketing is a real module now (services/marketing): the in-memory generation makes another one.
describe('crm new-module billing --aggregate invoice (in memory)', () => {
  const t = tree();
  const n = generateModule(t, { name: 'billing', port: 4004, aggregate: 'invoice', title: 'Billing' });
  const read = (p: string) => t.read(p, 'utf8') ?? '';

  it('writes the shell of the kernel’s shape, named after the aggregate', () => {
    expect(n).toMatchObject({ name: 'billing', Class: 'Billing', port: 4004, topic: 'crm.billing.events', Agg: 'Invoice', aggs: 'invoices', contactField: 'billingInvoices' });
    const created = t.listChanges().filter((c) => c.type === 'CREATE').map((c) => c.path.replace(/\d{13}/, '<ts>')).sort();
    // Sorted like `created` (the names follow the module and aggregate, so their order does too).
    expect(created).toEqual([
      'libs/events/src/contracts/billing/index.ts',
      'libs/events/src/contracts/billing/invoice-created.v1.ts',
      'services/billing/.env.example',
      'services/billing/jest.config.js',
      'services/billing/migrations/<ts>-BillingSchema.ts',
      'services/billing/package.json',
      'services/billing/project.json',
      'services/billing/src/app.module.ts',
      'services/billing/src/common/loaders.ts',
      'services/billing/src/contacts/contact-lifecycle.ts',
      'services/billing/src/contacts/contact-billing.resolver.ts',
      'services/billing/src/contacts/contact.graphql.ts',
      'services/billing/src/index.ts',
      'services/billing/src/main.ts',
      'services/billing/src/migrate.ts',
      'services/billing/src/permissions.ts',
      'services/billing/src/schema-scope.ts',
      'services/billing/src/invoices/invoice.events.ts',
      'services/billing/src/invoices/invoice.queries.ts',
      'services/billing/src/invoices/invoice.repository.ts',
      'services/billing/src/invoices/invoice.types.ts',
      'services/billing/src/invoices/invoices.module.ts',
      'services/billing/src/invoices/invoices.resolver.ts',
      'services/billing/src/invoices/use-cases/create-invoice.use-case.ts',
      'services/billing/src/invoices/use-cases/list-invoices.use-case.ts',
      'services/billing/src/service.ts',
      'services/billing/test/harness.ts',
      'services/billing/test/invoices.int-spec.ts',
      'services/billing/test/tenancy.int-spec.ts',
      'tools/e2e/test/billing-gateway.int-spec.ts',
    ].sort());
    expect(read('services/billing/src/invoices/use-cases/create-invoice.use-case.ts')).toMatch(/export class CreateInvoice \{[\s\S]*this\.uow\.run\(ctx\.tenantId[\s\S]*requireActive\(tx, v\.contactId, 'input\.contactId'\)/);
    expect(read('services/billing/migrations/' + t.children('services/billing/migrations')[0])).toMatch(/CREATE TABLE invoices \([\s\S]*tenant_id text NOT NULL[\s\S]*enableTenantIsolation[\s\S]*auditTable\(q, \{ table: 'invoices', entity: 'invoice', contactColumn: 'contact_id' \}\)/);
  });

  it('declares the manifest the rest is derived from', () => {
    const pkg = JSON.parse(read('services/billing/package.json'));
    expect(pkg.name).toBe('@crm/billing');
    expect(pkg.crm).toEqual({
      name: 'billing', title: 'Billing', description: 'Billing (generated shell: replace this line)', service: 'billingService', port: 4004, schema: 'billing',
      topic: 'crm.billing.events', publishes: 'crm.billing.', consumes: ['contacts'], replicas: ['contacts'], routes: [], config: [],
      smoke: { query: '{ invoices(first: 1) { totalCount } }', contactFields: 'billingInvoices(first: 1) { totalCount }' },
    });
  });

  it('registers its contracts in libs/events and its package in the CLI and the e2e tests', () => {
    expect(read('libs/events/src/registry.ts')).toMatch(/import \* as billing from '\.\/contracts\/billing';[\s\S]*\.\.\.Object\.values\(billing\)\];/);
    expect(read('libs/events/src/index.ts')).toMatch(/export \* from '\.\/contracts\/billing';/);
    expect(JSON.parse(read('tools/cli/package.json')).dependencies['@crm/billing']).toBe('workspace:*');
    expect(JSON.parse(read('tools/e2e/package.json')).devDependencies['@crm/billing']).toBe('workspace:*');
  });
});
