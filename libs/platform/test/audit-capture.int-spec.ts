import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { DataSource } from 'typeorm';
import { adminQuery, freshSchema } from '@crm/testing';
import { auditTable, createDataSource, enableTenantIsolation, inTenantTx, migrate, PlatformAudit1796200000020, PlatformAuditCost1796300000400, PlatformTables1764000000000 } from '../src';

class AuditedThings1796300000401 implements MigrationInterface {
  name = 'AuditedThings1796300000401';
  async up(q: QueryRunner) {
    await q.query(`CREATE TABLE things (id text PRIMARY KEY, tenant_id text NOT NULL, name text, data jsonb, note text, version int NOT NULL DEFAULT 1)`);
    await enableTenantIsolation(q, 'things');
    await auditTable(q, { table: 'things', entity: 'thing', ignore: ['note'] });
  }
  async down(q: QueryRunner) {
    await q.query('DROP TABLE things');
  }
}

/**
 * What audit_capture (db/audit.ts) writes, at the level of the database: the changes of a create
 * and a delete, one entry per record and transaction without a unique index, and the indexes an
 * existing audit_log ends with. The services' audit suites cover the trail through their APIs.
 */
describe('audit capture (real PostgreSQL)', () => {
  let fresh: Awaited<ReturnType<typeof freshSchema>>;
  let ds: DataSource;
  const sql = <T = any>(query: string, params: unknown[] = []) => adminQuery<T>(query, params, fresh.schema);
  const entries = (tenant: string) => sql(`SELECT entity_id, action, changes FROM audit_log WHERE tenant_id = $1 ORDER BY tx_id, entity_id`, [tenant]);
  let n = 0;
  const tenant = () => `audit-capture-${++n}`;

  beforeAll(async () => {
    fresh = await freshSchema('auditcap');
    ds = createDataSource({
      url: fresh.url,
      schema: fresh.schema,
      entities: [],
      migrations: [PlatformTables1764000000000, PlatformAudit1796200000020, PlatformAuditCost1796300000400, AuditedThings1796300000401],
      poolSize: 2,
      applicationName: 'audit-capture-test',
    });
    await ds.initialize();
    await migrate(ds, fresh.schema);
  });
  afterAll(async () => {
    await ds?.destroy();
    await fresh?.drop();
  });

  it('a create records each non-null, non-noise field as {old: null, new}, a delete the reverse — exactly what audit_diff gives, nested nulls and odd keys kept', async () => {
    const t = tenant();
    const data = { 'k"ey': 'va"l\\ue', nested: { gone: null, list: [1, null] }, empty: {}, text: 'héllo ☃', n: 1.5 };
    await inTenantTx(ds, t, (tx) => tx.query(`INSERT INTO things (id, tenant_id, name, data, note) VALUES ('a', $1, '', $2, 'ignored'), ('b', $1, NULL, NULL, NULL)`, [t, data]));
    await inTenantTx(ds, t, (tx) => tx.query(`DELETE FROM things WHERE id = 'a'`));

    const rows = await entries(t);
    expect(rows.map((r: any) => [r.entity_id, r.action])).toEqual([
      ['a', 'create'],
      ['b', 'create'],
      ['a', 'delete'],
    ]);
    expect(rows[0].changes).toEqual({ id: { old: null, new: 'a' }, name: { old: null, new: '' }, data: { old: null, new: data } });
    expect(rows[1].changes).toEqual({ id: { old: null, new: 'b' } });
    expect(rows[2].changes).toEqual({ id: { old: 'a', new: null }, name: { old: '', new: null }, data: { old: data, new: null } });
    const row = { id: 'a', tenant_id: t, name: '', data, note: 'ignored', version: 1 };
    const [diff] = await sql(`SELECT audit_diff(NULL, $1::jsonb, $2) AS created, audit_diff($1::jsonb, NULL, $2) AS deleted`, [row, ['tenant_id', 'version', 'note']]);
    expect([rows[0].changes, rows[2].changes]).toEqual([diff.created, diff.deleted]);
  });

  it('the statements of one transaction on one record make one entry (without a unique index); another transaction writes its own; a rolled-back savepoint leaves nothing', async () => {
    const t = tenant();
    await inTenantTx(ds, t, async (tx) => {
      await tx.query(`INSERT INTO things (id, tenant_id, name) VALUES ('m', $1, 'first')`, [t]);
      await tx.query(`UPDATE things SET name = 'second', version = version + 1 WHERE id = 'm'`);
      await tx.query(`INSERT INTO things (id, tenant_id, name) VALUES ('o', $1, 'other')`, [t]);
      await tx.query(`UPDATE things SET name = 'third' WHERE id = 'm'`);
    });
    await inTenantTx(ds, t, async (tx) => {
      await tx.query(`UPDATE things SET name = 'fourth' WHERE id = 'm'`);
      await tx.query('SAVEPOINT s');
      await tx.query(`UPDATE things SET data = '{"x": 1}' WHERE id = 'o'`);
      await tx.query('ROLLBACK TO SAVEPOINT s');
      await tx.query(`UPDATE things SET note = 'noise only' WHERE id = 'o'`);
      await tx.query(`UPDATE things SET name = 'fourth again', data = '[]' WHERE id = 'o'`);
      await tx.query(`UPDATE things SET name = 'fifth' WHERE id = 'm'`);
    });

    expect(await entries(t)).toEqual([
      { entity_id: 'm', action: 'create', changes: { id: { old: null, new: 'm' }, name: { old: null, new: 'third' } } },
      { entity_id: 'o', action: 'create', changes: { id: { old: null, new: 'o' }, name: { old: null, new: 'other' } } },
      { entity_id: 'm', action: 'update', changes: { name: { old: 'third', new: 'fifth' } } },
      { entity_id: 'o', action: 'update', changes: { name: { old: 'other', new: 'fourth again' }, data: { old: null, new: [] } } },
    ]);
    const [{ per_tx }] = await sql(`SELECT count(*)::int AS per_tx FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'audit_log' AND indexdef LIKE '%tx_id%'`);
    expect(per_tx).toBe(0);
  });

  it('an audit_log of the earlier shape (a unique index per transaction) gets the indexes a new one has', async () => {
    const indexes = () => sql(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'audit_log' ORDER BY indexname`);
    const fresh = await indexes();
    const m = new PlatformAuditCost1796300000400();
    const q = ds.createQueryRunner();
    try {
      await m.down(q);
      const earlier = await indexes();
      expect(earlier.map((i: any) => i.indexname)).toContain('audit_log_per_tx');
      expect(earlier).not.toEqual(fresh);
      await m.up(q);
    } finally {
      await q.release();
    }
    expect(await indexes()).toEqual(fresh);
  });
});
