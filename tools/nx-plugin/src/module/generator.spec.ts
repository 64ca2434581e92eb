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
    expect(refusal(() => resolveModuleOptions({ name: 'marketing', port: contacts.port }, ws()))).toEqual([`port ${contacts.port} is already declared by services/contacts/package.json`]);
    // Contacts' metrics port (its port + 5000).
    expect(refusal(() => resolveModuleOptions({ name: 'marketing', port: contacts.port + 5000 }, ws()))).toEqual([
      `port ${contacts.port + 5000} is already declared by services/contacts/package.json (metrics port ${contacts.port} + 5000)`,
    ]);
    expect(refusal(() => resolveModuleOptions({ name: 'marketing', port: 4000 }, ws()))).toEqual(['port 4000 is already declared by the gateway']);
    expect(refusal(() => resolveModuleOptions({ name: 'marketing', port: 80 }, ws()))).toEqual(['port: must be 1024 or above (no privileged ports)']);
  });

  it('a sample aggregate whose GraphQL names the composed API already has', () => {
    expect(refusal(() => resolveModuleOptions({ name: 'marketing', aggregate: 'deal' }, ws()))).toEqual([
      'aggregate "deal": the composed API (schema/api.graphql) already has type Deal; pass --aggregate <the module\'s first aggregate>',
      'aggregate "deal": the composed API (schema/api.graphql) already has Query.deals; pass --aggregate <the module\'s first aggregate>',
    ]);
  });

  it('takes the port after the highest declared one', () => {
    expect(nextFreePort([{ port: 4001 }, { port: 4002 }] as never)).toBe(4003);
    expect(nextFreePort([{ port: 4001 }, { port: 4004 }] as never)).toBe(4005);
  });
});

describe('crm new-module marketing --aggregate segment (in memory)', () => {
  const t = tree();
  const n = generateModule(t, { name: 'marketing', port: 4003, aggregate: 'segment', title: 'Marketing' });
  const read = (p: string) => t.read(p, 'utf8') ?? '';

  it('writes the shell of the kernel’s shape, named after the aggregate', () => {
    expect(n).toMatchObject({ name: 'marketing', Class: 'Marketing', port: 4003, topic: 'crm.marketing.events', Agg: 'Segment', aggs: 'segments', contactField: 'marketingSegments' });
    const created = t.listChanges().filter((c) => c.type === 'CREATE').map((c) => c.path.replace(/\d{13}/, '<ts>')).sort();
    expect(created).toEqual([
      'libs/events/src/contracts/marketing/index.ts',
      'libs/events/src/contracts/marketing/segment-created.v1.ts',
      'services/marketing/.env.example',
      'services/marketing/jest.config.js',
      'services/marketing/migrations/<ts>-MarketingSchema.ts',
      'services/marketing/package.json',
      'services/marketing/project.json',
      'services/marketing/src/app.module.ts',
      'services/marketing/src/common/loaders.ts',
      'services/marketing/src/contacts/contact-lifecycle.ts',
      'services/marketing/src/contacts/contact-marketing.resolver.ts',
      'services/marketing/src/contacts/contact.graphql.ts',
      'services/marketing/src/index.ts',
      'services/marketing/src/main.ts',
      'services/marketing/src/migrate.ts',
      'services/marketing/src/permissions.ts',
      'services/marketing/src/schema-scope.ts',
      'services/marketing/src/segments/segment.events.ts',
      'services/marketing/src/segments/segment.queries.ts',
      'services/marketing/src/segments/segment.repository.ts',
      'services/marketing/src/segments/segment.types.ts',
      'services/marketing/src/segments/segments.module.ts',
      'services/marketing/src/segments/segments.resolver.ts',
      'services/marketing/src/segments/use-cases/create-segment.use-case.ts',
      'services/marketing/src/segments/use-cases/list-segments.use-case.ts',
      'services/marketing/src/service.ts',
      'services/marketing/test/harness.ts',
      'services/marketing/test/segments.int-spec.ts',
      'services/marketing/test/tenancy.int-spec.ts',
      'tools/e2e/test/marketing-gateway.int-spec.ts',
    ]);
    expect(read('services/marketing/src/segments/use-cases/create-segment.use-case.ts')).toMatch(/export class CreateSegment \{[\s\S]*this\.uow\.run\(ctx\.tenantId[\s\S]*requireActive\(tx, v\.contactId, 'input\.contactId'\)/);
    expect(read('services/marketing/migrations/' + t.children('services/marketing/migrations')[0])).toMatch(/CREATE TABLE segments \([\s\S]*tenant_id text NOT NULL[\s\S]*enableTenantIsolation/);
  });

  it('declares the manifest the rest is derived from', () => {
    const pkg = JSON.parse(read('services/marketing/package.json'));
    expect(pkg.name).toBe('@crm/marketing');
    expect(pkg.crm).toEqual({
      name: 'marketing', title: 'Marketing', description: 'Marketing (generated shell: replace this line)', service: 'marketingService', port: 4003, schema: 'marketing',
      topic: 'crm.marketing.events', publishes: 'crm.marketing.', consumes: ['contacts'], replicas: ['contacts'], routes: [], config: [],
      smoke: { query: '{ segments(first: 1) { totalCount } }', contactFields: 'marketingSegments(first: 1) { totalCount }' },
    });
  });

  it('registers its contracts in libs/events and its package in the CLI and the e2e tests', () => {
    expect(read('libs/events/src/registry.ts')).toMatch(/import \* as marketing from '\.\/contracts\/marketing';[\s\S]*\.\.\.Object\.values\(marketing\)\];/);
    expect(read('libs/events/src/index.ts')).toMatch(/export \* from '\.\/contracts\/marketing';/);
    expect(JSON.parse(read('tools/cli/package.json')).dependencies['@crm/marketing']).toBe('workspace:*');
    expect(JSON.parse(read('tools/e2e/package.json')).devDependencies['@crm/marketing']).toBe('workspace:*');
  });
});
