import { createDataSource, inTenantTx, preparedStatementName } from '../src';
import { platformHarness } from './harness';

/**
 * `Tx.prepared` sends a named prepared statement, planned once per connection (planning is most of
 * a read's database CPU), and row-level security still answers per transaction: a plan cached while
 * one tenant was bound never returns another tenant's rows.
 */
describe('prepared statements (real Postgres)', () => {
  let h: Awaited<ReturnType<typeof platformHarness>>;
  beforeAll(async () => {
    h = await platformHarness();
    await h.sql(`INSERT INTO notes (id, tenant_id, body) VALUES ('a1', 'ta', 'of a'), ('a2', 'ta', 'also of a'), ('b1', 'tb', 'of b')`);
  });
  afterAll(async () => h?.close());

  // No tenant predicate: only row-level security decides what a tenant sees.
  const SQL = `SELECT id, body FROM notes WHERE body <> $1 ORDER BY id`;

  it('is prepared on the connection once, and each transaction sees only its own tenant, before and after the plan is cached', async () => {
    // One connection, so every transaction reuses the statement the first one prepared (Postgres
    // switches to a cached generic plan after five executions: run past that).
    const ds = createDataSource({ url: h.url, schema: h.schema, entities: [], migrations: [], poolSize: 1, applicationName: 'prepared-test' });
    await ds.initialize();
    try {
      for (let i = 0; i < 8; i++) {
        const tenant = i % 2 ? 'tb' : 'ta';
        const { rows, prepared } = await inTenantTx(ds, tenant, async (tx) => ({
          rows: await tx.prepared<{ id: string }>(SQL, ['']),
          prepared: await tx.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE statement = $1`, [SQL]),
        }));
        expect({ i, ids: rows.map((r) => r.id) }).toEqual({ i, ids: tenant === 'ta' ? ['a1', 'a2'] : ['b1'] });
        expect(prepared.map((p) => p.name)).toEqual([preparedStatementName(SQL)]);
      }
    } finally {
      await ds.destroy();
    }
  });

  it('a one-key batch is planned once per connection, and every batch returns the same rows as its array form', async () => {
    // Enough rows that a plan's estimates matter: with the keys as an array parameter, Postgres
    // estimates ten keys, its generic plan looks dearer than each one-key custom plan, and it
    // plans every execution afresh (generic_plans stays 0).
    await h.sql(`CREATE TABLE lookups (id uuid PRIMARY KEY, tenant_id text NOT NULL, body text NOT NULL)`);
    await h.sql(`CREATE INDEX lookups_tenant ON lookups (tenant_id, body)`);
    await h.sql(`ALTER TABLE lookups ENABLE ROW LEVEL SECURITY`);
    await h.sql(`CREATE POLICY tenant ON lookups USING (tenant_id = current_setting('app.tenant_id', true))`);
    await h.sql(`GRANT SELECT ON lookups TO ${h.schema}_app`);
    await h.sql(`INSERT INTO lookups SELECT gen_random_uuid(), 't' || (i % 50), 'row ' || i FROM generate_series(1, 5000) i`);
    await h.sql(`ANALYZE lookups`);
    const ids = (await h.sql<{ id: string; tenant_id: string }>(`SELECT id, tenant_id FROM lookups WHERE tenant_id = 't7' ORDER BY id LIMIT 3`)).map((r) => r.id);
    const LOOKUP = `SELECT id, body FROM lookups WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id`;
    const ds = createDataSource({ url: h.url, schema: h.schema, entities: [], migrations: [], poolSize: 1, applicationName: 'prepared-test' });
    await ds.initialize();
    try {
      const plans = await inTenantTx(ds, 't7', async (tx) => {
        for (let i = 0; i < 12; i++) {
          const key = ids[i % 3];
          expect(await tx.prepared<{ id: string }>(LOOKUP, ['t7', [key]])).toEqual([{ id: key, body: expect.any(String) }]);
        }
        expect((await tx.prepared<{ id: string }>(LOOKUP, ['t7', ids])).map((r) => r.id)).toEqual(ids);
        expect(await tx.prepared(LOOKUP, ['t7', []])).toEqual([]);
        return tx.query<{ generic_plans: string; custom_plans: string }>(
          `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%FROM lookups%' AND statement LIKE '%ARRAY[%'`,
        );
      });
      // The five custom plans Postgres makes before it compares, then the generic plan, kept.
      expect(plans.map((p) => ({ generic: Number(p.generic_plans), custom: Number(p.custom_plans) }))).toEqual([{ generic: 7, custom: 5 }]);
      // Another tenant's key is not found by either form.
      const other = (await h.sql<{ id: string }>(`SELECT id FROM lookups WHERE tenant_id = 't8' LIMIT 1`))[0].id;
      expect(await inTenantTx(ds, 't7', (tx) => tx.prepared(LOOKUP, ['t7', [other]]))).toEqual([]);
      expect((await inTenantTx(ds, 't7', (tx) => tx.prepared<{ id: string }>(LOOKUP, ['t7', [other, ids[0]]]))).map((r) => r.id)).toEqual([ids[0]]);
    } finally {
      await ds.destroy();
      await h.sql(`DROP TABLE lookups`);
    }
  });

  it('a migration that changes the columns under a prepared statement fails one transaction, not every later one on that connection', async () => {
    // `SELECT *` over a table that gains a column: Postgres refuses to run the old prepared statement.
    await h.sql(`CREATE TABLE widgets (id text PRIMARY KEY, tenant_id text NOT NULL)`);
    await h.sql(`GRANT SELECT ON widgets TO ${h.schema}_app`);
    await h.sql(`INSERT INTO widgets VALUES ('w1', 'ta')`);
    const WIDGETS = `SELECT * FROM widgets WHERE tenant_id = $1`;
    const ds = createDataSource({ url: h.url, schema: h.schema, entities: [], migrations: [], poolSize: 1, applicationName: 'prepared-test' });
    await ds.initialize();
    const read = () => inTenantTx(ds, 'ta', (tx) => tx.prepared<Record<string, unknown>>(WIDGETS, ['ta']));
    try {
      expect(await read()).toEqual([{ id: 'w1', tenant_id: 'ta' }]);
      await h.sql(`ALTER TABLE widgets ADD COLUMN colour text`);
      await expect(read()).rejects.toThrow('cached plan must not change result type');
      expect(await read()).toEqual([{ id: 'w1', tenant_id: 'ta', colour: null }]);
      expect(await read()).toEqual([{ id: 'w1', tenant_id: 'ta', colour: null }]);
    } finally {
      await ds.destroy();
      await h.sql(`DROP TABLE widgets`);
    }
  });
});
