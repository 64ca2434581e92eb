import pino from 'pino';
import { MODULE_MANIFESTS, type ModuleName } from '@crm/events';
import { InProcessEventBus, startService, type RunningService, type ServiceDefinition } from '@crm/platform';
import { adminQuery, eventually, freshSchema, gatewayClient, serviceTestEnv, uniqueId, uniqueTenant } from '@crm/testing';
import { gatewayFor } from './support';

/**
 * Every non-empty subset of the installed modules (2ⁿ − 1; from the manifests, so a new module joins
 * by itself) boots in embedded mode — one PostgreSQL, one in-process bus, one Node process — and
 * composes behind the gateway; each present module answers its smoke query, each absent one is
 * simply not in the schema, and a cross-module `Contact` query answers. A module whose events
 * another consumes may be absent: the consumer waits.
 *
 * Cost: each module's schema is migrated once; between subsets it is reset by TRUNCATE (what a
 * fresh schema would hold, without running the migrations again), and only the Nest apps, the bus
 * and the gateway are started anew.
 */
type Manifest = (typeof MODULE_MANIFESTS)[number];

/* eslint-disable @typescript-eslint/no-require-imports -- a module is tested if its package is installed, like `crm start` */
const installed: { m: Manifest; def: ServiceDefinition }[] = MODULE_MANIFESTS.map((m) => ({ m, def: require(`@crm/${m.name}`)[m.service] as ServiceDefinition }));
/* eslint-enable @typescript-eslint/no-require-imports */

function subsetsOf<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 1; mask < 1 << items.length; mask++) out.push(items.filter((_, i) => mask & (1 << i)));
  return out;
}

const subsets = subsetsOf(installed);
const schemas = new Map<ModuleName, { schema: string; drop(): Promise<void> }>();
const timings: { subset: string; ms: number }[] = [];
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

async function reset(schema: string) {
  const tables = await adminQuery<{ t: string }>(`SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname = $1 AND tablename <> 'migrations'`, [schema]);
  if (tables.length) await adminQuery(`TRUNCATE ${tables.map((r) => r.t).join(', ')} CASCADE`);
}

beforeAll(async () => {
  for (const { m } of installed) schemas.set(m.name, await freshSchema(`sub${m.name.slice(0, 3)}`));
});

afterAll(async () => {
  for (const s of schemas.values()) await s.drop();
  const total = timings.reduce((a, t) => a + t.ms, 0);
  process.stderr.write(`subset matrix: ${timings.length} subsets in ${total} ms (${timings.map((t) => `${t.subset} ${t.ms}`).join(', ')})\n`);
});

describe(`every subset of the installed modules (${installed.map((i) => i.m.name).join(', ')})`, () => {
  it('derives the modules from the manifests: 2ⁿ − 1 subsets', () => {
    expect(installed.map((i) => i.m.name)).toEqual(MODULE_MANIFESTS.map((m) => m.name));
    expect(subsets).toHaveLength(2 ** installed.length - 1);
  });

  it.each(subsets.map((s) => [s.map((i) => i.m.name).join('+'), s] as const))('%s boots, composes and answers', async (_name, subset) => {
    const started = Date.now();
    const names = new Set<string>(subset.map((i) => i.m.name));
    const bus = new InProcessEventBus();
    const services: RunningService[] = [];
    const topicPrefix = `${uniqueId('subsets')}.`;
    try {
      for (const { m, def } of subset) {
        const { schema } = schemas.get(m.name)!;
        await reset(schema);
        // Fast relay polling: the cross-module check below waits for events, not for timers.
        services.push(await startService(def, { bus, logger: logger.child({ service: m.name }), env: serviceTestEnv(schema, topicPrefix, { OUTBOX_POLL_MS: '50' }) }));
      }
      const gw = await gatewayFor(services);
      try {
        const gql = gatewayClient(gw.url, { tenantId: uniqueTenant() });

        for (const { m } of installed) {
          const r = await gql(m.smoke.query);
          if (names.has(m.name)) {
            expect({ module: m.name, errors: r.errors }).toEqual({ module: m.name, errors: undefined });
            expect(r.data).toBeTruthy();
          } else {
            // Absent means absent from the schema: the gateway refuses the module's fields.
            expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
          }
        }

        if (names.has('contacts')) {
          const created = await gql<{ createContact: { id: string } }>('mutation { createContact(input: { firstName: "Subset", email: "subset@example.com" }) { id } }');
          expect(created.errors).toBeUndefined();
          const id = created.data!.createContact.id;
          const fields = subset.map((i) => i.m.smoke.contactFields).filter(Boolean).join(' ');
          const r = await gql(`{ contacts(first: 5) { totalCount edges { node { id ${fields} } } } }`);
          expect(r.errors).toBeUndefined();
          expect(r.data.contacts.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([id]);
          // Every present module that keeps a contact replica gets the contact over the bus.
          for (const { m } of subset.filter((i) => (i.m.replicas as readonly string[]).includes('contacts'))) {
            await eventually(async () => (await adminQuery(`SELECT 1 FROM "${schemas.get(m.name)!.schema}".contact_replica WHERE contact_id = $1`, [id])).length > 0, 20000, `contact in ${m.name}'s replica`);
          }
        }
      } finally {
        await gw.stop();
      }
    } finally {
      await Promise.all(services.map((s) => s.relay?.stop()));
      for (const s of services.reverse()) await s.stop();
      await bus.disconnect();
    }
    timings.push({ subset: [...names].join('+'), ms: Date.now() - started });
  });
});
