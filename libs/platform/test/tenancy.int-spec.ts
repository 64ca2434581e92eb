import { createDataSource, inTenantTx } from '../src';
import { RequestTx } from '../src/kernel/request-tx';
import { openReadSession } from '../src/kernel/read-session';
import { recordStatements } from '@crm/testing';
import { platformHarness } from './harness';

/** The part of a pg client the pipelining test wraps. */
interface PgClient {
  query(config: unknown, values?: unknown): Promise<unknown>;
  connection: { sync(): void; query(text: string): void };
}

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

  const bindings = (sent: string[]) => sent.filter((q) => q.includes("set_config('app.tenant_id'")).length;

  it('a query operation: concurrent reads share one read session bound to the tenant; it sends no BEGIN/COMMIT, and none of it reaches the write pool', async () => {
    await inTenantTx(h.ds, 't-shared', (m) => m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ('s1', 't-shared', 'x')`));
    const rec = recordStatements(h.ds);
    const shared = new RequestTx();
    const read = () =>
      shared.run(h.ds, 't-shared', (tx) =>
        tx.one<{ pid: number; t: string; u: string; ro: string; jit: string; n: number }>(
          `SELECT pg_backend_pid() AS pid, current_setting('app.tenant_id') AS t, current_user AS u, current_setting('transaction_read_only') AS ro, current_setting('jit') AS jit, (SELECT count(*)::int FROM notes) AS n`,
        ),
      );
    const seen = await Promise.all([read(), read(), read()]);
    await shared.end();
    rec.restore();
    expect(new Set(seen.map((r) => r.pid)).size).toBe(1);
    expect(seen.map((r) => [r.t, r.u, r.ro, r.jit, r.n])).toEqual(Array(3).fill(['t-shared', `${h.schema}_app`, 'on', 'off', 1]));
    expect(rec.sent.filter((q) => /^(BEGIN|COMMIT|ROLLBACK)/i.test(q))).toEqual([]);
    // The write pool's connections carry no tenant, role or read-only setting.
    const master = await h.ds.query(`SELECT current_setting('app.tenant_id', true) AS t, current_user AS u, current_setting('default_transaction_read_only') AS ro`);
    expect([master[0].t ?? '', master[0].u, master[0].ro]).toEqual(['', expect.not.stringMatching(/_app$/), 'off']);
  });

  it("a query operation's concurrent reads are pipelined on its read session: all are sent before the first answers, each gets its own answer, a failing one fails alone, and the session keeps answering", async () => {
    await inTenantTx(h.ds, 't-pipe', (m) => m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ('p1', 't-pipe', 'x'), ('p2', 't-pipe', 'y')`));
    const shared = new RequestTx();
    const { pid, client } = await shared.run(h.ds, 't-pipe', async (tx) => {
      const [row] = await tx.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
      // The pg client under the session: what each statement is handed to, in order.
      const runner = (shared as unknown as { all: { ready: Promise<{ qr: { databaseConnection: PgClient } }> }[] }).all[0];
      return { pid: row.pid, client: (await runner.ready).qr.databaseConnection };
    });
    // Written to the wire: pg's connection ends each extended-protocol statement with a Sync and
    // sends a parameterless one as a simple query. Answered: the promise of the nth query call.
    const events: string[] = [];
    const conn = client.connection;
    const { sync, query: simple } = conn;
    let sent = 0;
    conn.sync = () => (events.push(`sent ${++sent}`), sync.call(conn));
    conn.query = (text: string) => (events.push(`sent ${++sent}`), simple.call(conn, text));
    const query = client.query.bind(client);
    let calls = 0;
    client.query = ((config: unknown, values?: unknown) => {
      const n = ++calls;
      const answer = query(config, values);
      answer.then(() => events.push(`answered ${n}`), () => events.push(`answered ${n}`));
      return answer;
    }) as PgClient['query'];
    const reads = await Promise.allSettled([
      shared.run(h.ds, 't-pipe', (tx) => tx.prepared<{ id: string }>(`SELECT id, pg_sleep(0.2) FROM notes WHERE id = ANY($1::text[])`, [['p1']])),
      shared.run(h.ds, 't-pipe', (tx) => tx.query(`SELECT 1 / (SELECT count(*) - 2 FROM notes) AS boom`)),
      shared.run(h.ds, 't-pipe', (tx) => tx.prepared<{ id: string }>(`SELECT id FROM notes WHERE id = ANY($1::text[]) ORDER BY id`, [['p1', 'p2']])),
      shared.run(h.ds, 't-pipe', (tx) => tx.one<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)),
    ]);
    const after = await shared.run(h.ds, 't-pipe', (tx) => tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM notes`));
    Object.assign(conn, { sync, query: simple });
    client.query = query;
    await shared.end();
    // Sequential (one at a time), each would be sent only after the one before answered.
    expect(events.slice(0, 5)).toEqual(['sent 1', 'sent 2', 'sent 3', 'sent 4', 'answered 1']);
    expect(reads.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
      [{ id: 'p1', pg_sleep: '' }],
      expect.stringMatching(/division by zero/),
      [{ id: 'p1' }, { id: 'p2' }],
      { pid },
    ]);
    expect(after).toEqual([{ n: 2 }]);
  });

  it('a read session keeps its binding for the next request of the same tenant and rebinds for another tenant, which sees only its own rows', async () => {
    await inTenantTx(h.ds, 't-rebind-a', (m) => m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ('ra', 't-rebind-a', 'a')`));
    await inTenantTx(h.ds, 't-rebind-b', (m) => m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ('rb1', 't-rebind-b', 'b'), ('rb2', 't-rebind-b', 'b')`));
    const request = async (tenant: string) => {
      const r = new RequestTx();
      const row = await r.run(h.ds, tenant, (tx) => tx.one<{ pid: number; t: string; ids: string[] }>(`SELECT pg_backend_pid() AS pid, current_setting('app.tenant_id') AS t, array(SELECT id FROM notes ORDER BY id) AS ids`));
      await r.end();
      return row;
    };
    const rec = recordStatements(h.ds);
    const a1 = await request('t-rebind-a');
    const a2 = await request('t-rebind-a');
    const b = await request('t-rebind-b');
    rec.restore();
    // The pool hands out its most recently returned connection: the same one each time.
    expect(new Set([a1.pid, a2.pid, b.pid]).size).toBe(1);
    expect([a1.t, a1.ids, a2.t, a2.ids]).toEqual(['t-rebind-a', ['ra'], 't-rebind-a', ['ra']]);
    expect([b.t, b.ids]).toEqual(['t-rebind-b', ['rb1', 'rb2']]);
    // Bound when a tenant first gets the connection (here: a, then b), not on every checkout.
    expect(bindings(rec.sent)).toBe(2);
  });

  it('a write in a query operation is refused and changes nothing; the session stays usable', async () => {
    const shared = new RequestTx();
    await expect(shared.run(h.ds, 't-ro', (tx) => tx.query(`INSERT INTO notes (id, tenant_id, body) VALUES ('ro1', 't-ro', 'x')`))).rejects.toThrow(/read-only transaction/);
    const [{ n }] = await shared.run(h.ds, 't-ro', (tx) => tx.query(`SELECT count(*)::int AS n FROM notes`));
    await shared.end();
    expect(n).toBe(0);
    expect(await h.sql(`SELECT 1 FROM notes WHERE id = 'ro1'`)).toEqual([]);
  });

  it('without a read pool (DB_READ_SESSIONS=false: a pooler in transaction mode), the reads of a request share one read-only transaction; a write is refused', async () => {
    const ds = createDataSource({ url: h.url, schema: h.schema, entities: [], migrations: [], poolSize: 2, readPool: false, applicationName: 'tenancy-no-read-pool' });
    await ds.initialize();
    try {
      await inTenantTx(ds, 't-nopool', (m) => m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ('np1', 't-nopool', 'x')`));
      const rec = recordStatements(ds);
      const shared = new RequestTx();
      const read = () => shared.run(ds, 't-nopool', (tx) => tx.one<{ pid: number; t: string; ro: string; n: number }>(`SELECT pg_backend_pid() AS pid, current_setting('app.tenant_id') AS t, current_setting('transaction_read_only') AS ro, (SELECT count(*)::int FROM notes) AS n`));
      const seen = await Promise.all([read(), read()]);
      await expect(shared.run(ds, 't-nopool', (tx) => tx.query(`INSERT INTO notes (id, tenant_id, body) VALUES ('np2', 't-nopool', 'x')`))).rejects.toThrow(/read-only transaction/);
      await shared.end();
      rec.restore();
      expect(new Set(seen.map((r) => r.pid)).size).toBe(1);
      expect(seen.map((r) => [r.t, r.ro, r.n])).toEqual([['t-nopool', 'on', 1], ['t-nopool', 'on', 1]]);
      expect(rec.sent.filter((q) => /^BEGIN/.test(q)).map((q) => q.split(';')[0])).toEqual(['BEGIN READ ONLY']);
      expect(await h.sql(`SELECT id FROM notes WHERE tenant_id = 't-nopool'`)).toEqual([{ id: 'np1' }]);
      // The connection goes back without a tenant.
      const [after] = await ds.query(`SELECT current_setting('app.tenant_id', true) AS t, current_user AS u`);
      expect([after.t ?? '', after.u]).toEqual(['', expect.not.stringMatching(/_app$/)]);
    } finally {
      await ds.destroy();
    }
  });

  it('a binding that fails destroys its connection: the pool never hands it out half-bound', async () => {
    const pool = (h.ds.driver as unknown as { slaves: { totalCount: number }[] }).slaves[0];
    const first = new RequestTx();
    const { pid } = await first.run(h.ds, 't-before', (tx) => tx.one<{ pid: number }>(`SELECT pg_backend_pid() AS pid`));
    await first.end();
    const before = pool.totalCount;
    // Postgres refuses a NUL byte in text: the binding statement fails on the connection just returned.
    await expect(openReadSession(h.ds, 'bad\u0000tenant')).rejects.toThrow(/0x00/);
    expect(pool.totalCount).toBe(before - 1);
    const next = new RequestTx();
    const after = await next.run(h.ds, 't-before', (tx) => tx.one<{ pid: number; t: string }>(`SELECT pg_backend_pid() AS pid, current_setting('app.tenant_id') AS t`));
    await next.end();
    expect(after.pid).not.toBe(pid);
    expect(after.t).toBe('t-before');
  });

  it('a read session is never opened on the write pool: a DataSource without a read pool is refused', async () => {
    const driver = h.ds.driver as unknown as { slaves: unknown[] };
    const slaves = driver.slaves;
    driver.slaves = [];
    try {
      await expect(openReadSession(h.ds, 't-x')).rejects.toThrow(/no read pool/);
    } finally {
      driver.slaves = slaves;
    }
  });
});
