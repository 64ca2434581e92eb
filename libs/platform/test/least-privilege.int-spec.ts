import { randomUUID } from 'node:crypto';
import { adminQuery } from '@crm/testing';
import { updated, inTenantTx, type SqlRunner } from '../src';
import { platformHarness } from './harness';

/**
 * Issue 6 §4: every module logs in as its own NOSUPERUSER NOBYPASSRLS login (here: the per-file
 * login freshSchema creates, as `crm db init` does for a module), so the module boundary and the
 * tenant boundary are Postgres's to enforce, not search_path's or the code's.
 */
describe('least-privilege database roles (real Postgres)', () => {
  let a: Awaited<ReturnType<typeof platformHarness>>;
  let b: Awaited<ReturnType<typeof platformHarness>>;
  const t1 = `t1-${randomUUID()}`;
  const t2 = `t2-${randomUUID()}`;

  const outboxRow = (tenant: string) => [randomUUID(), 'topic.x', `key-${tenant}`, 'x.y.v1', tenant, JSON.stringify({ secret: `payload of ${tenant}` })];
  const insertOutbox = (m: SqlRunner, tenant: string) =>
    m.query(`INSERT INTO outbox (id, topic, key, type, tenant_id, payload) VALUES ($1, $2, $3, $4, $5, $6)`, outboxRow(tenant));

  beforeAll(async () => {
    [a, b] = await Promise.all([platformHarness(), platformHarness()]);
    for (const h of [a, b]) {
      await inTenantTx(h.ds, t1, async (m) => {
        await m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ('n1', $1, 'tenant one only')`, [t1]);
        await insertOutbox(m, t1);
      });
    }
    await adminQuery(`INSERT INTO "${a.schema}".inbox (consumer, event_id, event_type) VALUES ('c', $1, 'x.y.v1')`, [randomUUID()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('the service login is neither superuser nor able to bypass row-level security', async () => {
    const [me] = await a.ds.query(`SELECT r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb FROM pg_roles r WHERE r.rolname = session_user`);
    expect(me).toEqual({ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false });
  });

  it("cannot read another module's schema, even outside any tenant binding", async () => {
    for (const table of ['notes', 'outbox', 'inbox']) {
      await expect(a.ds.query(`SELECT * FROM "${b.schema}".${table}`)).rejects.toThrow(/permission denied for schema/);
    }
    await expect(inTenantTx(a.ds, t1, (m) => m.query(`SELECT * FROM "${b.schema}".notes`))).rejects.toThrow(/permission denied for schema/);
    // Nor can it become the other module (or anyone else) to get there.
    for (const role of [b.schema, `${b.schema}_app`, 'postgres', 'crm_app']) {
      await expect(a.ds.query(`SET ROLE "${role}"`)).rejects.toThrow(/permission denied|does not exist/);
    }
  });

  it('a tenant-bound transaction reads none of another tenant’s rows — tenant tables, outbox, inbox — whatever role tricks it tries', async () => {
    const tricks: Record<string, string | undefined> = {
      'as bound': undefined,
      'RESET ROLE': 'RESET ROLE',
      "set_config('role', <login>, true)": `SELECT set_config('role', session_user, true)`,
    };
    const probe = (trick: string | undefined, table: string) =>
      inTenantTx(a.ds, t2, async (m) => {
        if (trick) await m.query(trick);
        return (await m.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;
      }).catch((err: Error) => (/permission denied/.test(err.message) ? 'denied' : err.message));
    for (const [name, trick] of Object.entries(tricks)) {
      const seen = { notes: await probe(trick, 'notes'), outbox: await probe(trick, 'outbox'), inbox: await probe(trick, 'inbox') };
      // The app role has no grant on the inbox at all; the login (after RESET ROLE) passes its policy only unbound.
      expect({ name, seen }).toEqual({ name, seen: { notes: 0, outbox: 0, inbox: name === 'as bound' ? 'denied' : 0 } });
    }
    for (const role of ['postgres', 'crm_app', b.schema, `${b.schema}_app`]) {
      await expect(inTenantTx(a.ds, t2, (m) => m.query(`SET ROLE "${role}"`))).rejects.toThrow(/permission denied|does not exist/);
    }
    // Control: the rows are there for their own tenant.
    expect(await inTenantTx(a.ds, t1, async (m) => [(await m.query(`SELECT count(*)::int AS n FROM notes`))[0].n, (await m.query(`SELECT count(*)::int AS n FROM outbox`))[0].n])).toEqual([1, 1]);
  });

  it('a tenant-bound transaction cannot write another tenant’s outbox rows either', async () => {
    await expect(inTenantTx(a.ds, t2, (m) => insertOutbox(m, t1))).rejects.toThrow(/row-level security/);
    expect(await inTenantTx(a.ds, t2, (m) => updated(m, `UPDATE outbox SET published_at = now() WHERE tenant_id = $1 RETURNING seq`, [t1]))).toEqual([]);
    expect(await inTenantTx(a.ds, t2, (m) => updated(m, `DELETE FROM outbox WHERE tenant_id = $1 RETURNING seq`, [t1]))).toEqual([]);
  });

  it('the cross-tenant path (the login, no tenant bound: relay, purges, schedulers) sees every tenant’s outbox and inbox rows', async () => {
    await inTenantTx(a.ds, t2, (m) => insertOutbox(m, t2));
    const rows: { tenant_id: string }[] = await a.ds.query(`SELECT tenant_id FROM outbox ORDER BY seq`);
    expect(rows.map((r) => r.tenant_id)).toEqual([t1, t2]);
    expect((await a.ds.query(`SELECT count(*)::int AS n FROM inbox`))[0].n).toBe(1);
    // … and nothing of the tenant tables, which have no such path.
    expect((await a.ds.query(`SELECT count(*)::int AS n FROM notes`))[0].n).toBe(0);
  });
});
