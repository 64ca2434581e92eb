import { inTenantTx } from '../src';
import { RequestTx } from '../src/kernel/request-tx';
import { platformHarness } from './harness';

describe('inTenantTx (real Postgres, row-level security)', () => {
  let h: Awaited<ReturnType<typeof platformHarness>>;
  beforeAll(async () => {
    h = await platformHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it.each([["o'brien"], ['back\\slash'], ['x'.repeat(250)], ["'; DROP TABLE notes; --"]])('binds tenant %s exactly and isolates it', async (tenant) => {
    await inTenantTx(h.ds, tenant, (m) => m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ($1, $2, 'mine')`, [`n-${tenant}`, tenant]));
    const seen = await inTenantTx(h.ds, tenant, (m) => m.query(`SELECT current_setting('app.tenant_id') AS t, current_user AS u, count(*) OVER () AS n FROM notes`));
    expect(seen).toHaveLength(1);
    expect(seen[0].t).toBe(tenant);
    expect(seen[0].u).toBe(`${h.schema}_app`);
    const other = await inTenantTx(h.ds, 'someone-else', (m) => m.query(`SELECT count(*)::int AS n FROM notes`));
    expect(other[0].n).toBe(0);
    // RLS refuses writing another tenant's row even if the code tried.
    await expect(inTenantTx(h.ds, 'someone-else', (m) => m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ($1, $2, 'x')`, [`forged-${tenant}`, tenant]))).rejects.toThrow(
      /row-level security/,
    );
  });

  it('a dry run (rollback: true) does all the work, returns its result and keeps nothing', async () => {
    const n = await inTenantTx(h.ds, 't-dry', async (tx) => {
      await tx.query(`INSERT INTO notes (id, tenant_id, body) VALUES ('dry', 't-dry', 'x')`);
      return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM notes`)).n;
    }, undefined, { rollback: true });
    expect(n).toBe(1);
    expect(await h.sql(`SELECT 1 FROM notes WHERE id = 'dry'`)).toEqual([]);
  });

  it('rolls back everything when the work fails', async () => {
    await expect(
      inTenantTx(h.ds, 't-rollback', async (m) => {
        await m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ('rb', 't-rollback', 'x')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const [{ n }] = await inTenantTx(h.ds, 't-rollback', (m) => m.query(`SELECT count(*)::int AS n FROM notes WHERE id = 'rb'`));
    expect(n).toBe(0);
  });

  it('a request transaction: concurrent reads share one bound transaction; the connection goes back to the pool without the tenant', async () => {
    await inTenantTx(h.ds, 't-shared', (m) => m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ('s1', 't-shared', 'x')`));
    const shared = new RequestTx();
    const read = () =>
      shared.run(h.ds, 't-shared', (tx) =>
        tx.one<{ xid: string; pid: number; t: string; n: number }>(`SELECT txid_current()::text AS xid, pg_backend_pid() AS pid, current_setting('app.tenant_id') AS t, (SELECT count(*)::int FROM notes) AS n`),
      );
    const seen = await Promise.all([read(), read(), read()]);
    expect(new Set(seen.map((r) => r.xid)).size).toBe(1);
    expect(seen.map((r) => [r.t, r.n])).toEqual([['t-shared', 1], ['t-shared', 1], ['t-shared', 1]]);
    expect(await shared.end()).toBeUndefined();
    // The pool hands out its most recently returned connection: the one the request used.
    const [after] = await h.ds.query(`SELECT pg_backend_pid() AS pid, current_setting('app.tenant_id', true) AS t, current_user AS u, txid_current_if_assigned() AS x`);
    expect(after.pid).toBe(seen[0].pid);
    expect(after.t ?? '').toBe('');
    expect(after.u).not.toBe(`${h.schema}_app`);
  });

  it('a request transaction whose work failed is rolled back; later work of the request commits in its own', async () => {
    const shared = new RequestTx();
    await expect(
      shared.run(h.ds, 't-shared-fail', async (tx) => {
        await tx.query(`INSERT INTO notes (id, tenant_id, body) VALUES ('sf1', 't-shared-fail', 'x')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await shared.run(h.ds, 't-shared-fail', (tx) => tx.query(`INSERT INTO notes (id, tenant_id, body) VALUES ('sf2', 't-shared-fail', 'x')`));
    expect(await shared.end()).toBeUndefined();
    expect((await h.sql(`SELECT id FROM notes WHERE tenant_id = 't-shared-fail' ORDER BY id`)).map((r: { id: string }) => r.id)).toEqual(['sf2']);
  });
});
