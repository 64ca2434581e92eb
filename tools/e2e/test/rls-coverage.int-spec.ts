import { startService, type RunningService } from '@crm/platform';
import { freshSchema, serviceTestEnv, uniqueId } from '@crm/testing';
import { installedServices } from './support';

/**
 * Tenancy is enforced by PostgreSQL, not by habit: every table of every module that holds a
 * tenant_id has row-level security enabled AND forced (so the table owner is bound too). A new
 * table without it fails here. The only exceptions are listed, with the reason.
 */
const NOT_TENANT_BOUND: Record<string, string> = {
  // None: the outbox and the reminder queue, swept across tenants by the relay and the scheduler,
  // have forced RLS too since issue 6 §4 (tenant_isolation + the narrow cross_tenant_sweep policy).
};

describe('row-level security covers every tenant table of every module', () => {
  const running: RunningService[] = [];
  const drops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    for (const def of installedServices()) {
      const fresh = await freshSchema(def.name);
      drops.push(fresh.drop);
      running.push(await startService(def, { env: serviceTestEnv(fresh.schema, `${uniqueId('rls')}.`) }));
    }
  });
  afterAll(async () => {
    for (const s of running) await s.stop();
    for (const d of drops) await d();
  });

  it('every table with a tenant_id column has forced row-level security', async () => {
    const uncovered: string[] = [];
    for (const s of running) {
      const tables: { table: string; rls: boolean; forced: boolean }[] = await s.dataSource.query(
        `SELECT c.relname AS table, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`,
        [s.info.schema],
      );
      expect(tables.length).toBeGreaterThan(3);
      for (const t of tables) if (!(t.rls && t.forced) && !(t.table in NOT_TENANT_BOUND)) uncovered.push(`${s.name}.${t.table}`);
    }
    expect(uncovered).toEqual([]);
  });
});
