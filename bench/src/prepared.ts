/**
 * What planning costs a read (issue 11: the customer-360's database CPU): the transaction of one
 * `contact(id)` request to the contacts subgraph — tenant binding, the contact loader's statement
 * (contact, company, emails, phones, consents, under row-level security), COMMIT — recorded as the
 * `pg` driver saw it, then replayed by bare `pg` clients (the service's own login), each time for
 * another seeded contact:
 *   - unnamed: as the service sends it today (TypeORM → `pg`): Postgres parses and plans the
 *     statement at every execution;
 *   - named: the same statement as a named prepared statement (`pg`'s `name`), parsed once per
 *     connection and planned from its plan cache.
 * Alternately, `rounds` times; prints transactions/s and the database CPU per transaction (the
 * login's backends, from /proc). Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/prepared.ts [total=5000] [concurrency=4] [rounds=3]
 */
import pg from 'pg';
import { contactsService } from '@crm/contacts';
import { startService } from '@crm/platform';
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@crm/auth';
import { freshSchema, serviceTestEnv, TEST_INTERNAL_SECRET, uniqueId } from '@crm/testing';
import { firstTransaction, recordDriver, type Statement } from './driver-recording';
import { post } from './load';
import { cpuMeter, env } from './stats';

async function main() {
  env('DATABASE_URL');
  const total = Number(process.argv[2] ?? 5000);
  const concurrency = Number(process.argv[3] ?? 4);
  const rounds = Number(process.argv[4] ?? 3);
  const schema = await freshSchema('bench_prep');
  // Reads as transactions (BEGIN READ ONLY + binding … COMMIT), which replay as a whole: a read
  // session binds its connection once and never commits, so there is no one read to record.
  const svc = await startService(contactsService, { env: { ...serviceTestEnv(schema.schema, `${uniqueId('prep')}.`), LOG_LEVEL: 'warn', DB_READ_SESSIONS: 'false' } });
  const header = { [INTERNAL_CONTEXT_HEADER]: signInternalContext({ tenantId: 'bench', userId: 'bench', roles: ['admin'] }, TEST_INTERNAL_SECRET, 3600) };
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const r = await post(svc.url, header, query, variables);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  const ids: string[] = [];
  for (let i = 0; i < 200; i++) {
    const input = { firstName: `Ada${i}`, lastName: 'Prepared', email: `p${i}@prepared.example`, phone: `+4930${1000000 + i}` };
    ids.push((await gql('mutation($i: CreateContactInput!) { createContact(input: $i) { id } }', { i: input })).createContact.id);
  }
  const read = (id: string) => gql('query($id: ID!) { contact(id: $id) { id displayName email phone consents { channel granted } } }', { id });
  for (const id of ids.slice(0, 8)) await read(id);

  // One read's transaction as the driver saw it (the connection that began it; the relay and
  // consumers use others).
  const rec = recordDriver();
  rec.start();
  await read(ids[0]);
  rec.stop();
  const tx = firstTransaction(rec.recorded);
  if (tx.length < 3 || !tx.some((s) => s.values?.some((v) => JSON.stringify(v).includes(ids[0])))) throw new Error(`unexpected recording: ${JSON.stringify(tx)}`);
  await svc.stop();

  const pool = new pg.Pool({ connectionString: schema.url, max: concurrency, options: `-c search_path=${schema.schema}` });
  /**
   * The k-th recorded statement for contact `id` (and, for the binding, `tenant`), unnamed or named.
   * BEGIN + binding is a multi-statement simple query: it cannot be prepared.
   */
  const send = (c: pg.PoolClient, k: number, s: Statement, named: boolean, id: string, tenant = 'bench') => {
    const values = s.values?.map((v) => JSON.parse(JSON.stringify(v).replaceAll(ids[0], id)));
    const text = k === 0 ? s.text.replace(`'bench'`, `'${tenant}'`) : s.text;
    return c.query(named && values ? { name: `bench_prepared_${k}`, text, values } : { text, values });
  };
  const replay = async (named: boolean) => {
    const meter = await cpuMeter(schema.schema);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        const c = await pool.connect();
        try {
          while (next < total) {
            const id = ids[next++ % ids.length];
            for (const [k, s] of tx.entries()) await send(c, k, s, named, id);
          }
        } finally {
          c.release();
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const { dbCpuSeconds } = await meter.stop();
    return { perSecond: Math.round(total / seconds), dbCpuMsPerTx: +((dbCpuSeconds * 1000) / total).toFixed(3) };
  };
  // Both ways read the same rows (the binding and row-level security apply to the prepared one too).
  const once = async (named: boolean, id: string, tenant = 'bench') => {
    const c = await pool.connect();
    try {
      const out: unknown[] = [];
      for (const [k, s] of tx.entries()) out.push((await send(c, k, s, named, id, tenant)).rows);
      return JSON.stringify(out);
    } finally {
      c.release();
    }
  };
  for (const id of ids.slice(0, 3)) if ((await once(false, id)) !== (await once(true, id))) throw new Error(`named and unnamed statements disagree for ${id}`);
  // A plan cached while bound to one tenant still filters by the binding of the next transaction.
  for (let k = 0; k < 8; k++) await once(true, ids[k]);
  if (JSON.parse(await once(true, ids[0], 'someone-else'))[1].length !== 0) throw new Error('a prepared statement read another tenant\'s contact');
  const rows: Record<string, unknown>[] = [];
  await replay(false);
  await replay(true);
  for (let r = 1; r <= rounds; r++) {
    for (const named of [false, true]) {
      rows.push({ round: r, statements: named ? 'named' : 'unnamed', ...(await replay(named)) });
      console.error(JSON.stringify(rows.at(-1)));
    }
  }
  await pool.end();
  await schema.drop();
  const mean = (named: string, k: string) => rows.filter((x) => x.statements === named).reduce((n, x) => n + (x[k] as number), 0) / rounds;
  console.log(
    JSON.stringify({
      bench: 'prepared statements', total, concurrency, rounds, transaction: tx.map((s) => s.text.replace(/\s+/g, ' ').slice(0, 60)),
      namedOverUnnamedRate: +(mean('named', 'perSecond') / mean('unnamed', 'perSecond')).toFixed(2),
      dbCpuNamedOverUnnamed: +(mean('named', 'dbCpuMsPerTx') / mean('unnamed', 'dbCpuMsPerTx')).toFixed(2),
      rows,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
