/**
 * The machine's ceiling for `createContact` (issue 11: ≥ 1,000/s direct): the same transaction with
 * nothing of ours around it. Records the SQL one createContact sends through the `pg` driver (every
 * statement with its parameters: the tenant binding, the insert, the outbox row, COMMIT), then
 *   1. ours: `total` createContact requests direct to the contacts subgraph at `concurrency`;
 *   2. ceiling: the recorded transaction replayed `total` times by bare `pg` clients (a pool of
 *      `concurrency`, the service's own login, the same RLS and triggers), new ids and emails each
 *      time — no HTTP, GraphQL, validation, relay or consumers;
 *   3. the same with and without the outbox's NOTIFY, whichever the recording had (a writer notifies
 *      only while its relay is not the active one; Postgres serialises the commits of transactions
 *      that notify), to show what that costs;
 * alternately, `rounds` times, and prints both rates and ours ÷ ceiling. Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/create-ceiling.ts [total=2000] [concurrency=16] [rounds=2]
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { contactsService } from '@crm/contacts';
import { startService } from '@crm/platform';
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@crm/auth';
import { freshSchema, serviceTestEnv, TEST_INTERNAL_SECRET, uniqueId } from '@crm/testing';
import { firstTransaction, recordDriver, type Statement } from './driver-recording';
import { env, summary } from './stats';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The recorded transaction with every id and the email made new (consistently across its statements). */
function fresh(tx: Statement[], email: string, i: number): Statement[] {
  const ids = new Map<string, string>();
  const swap = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(UUID, (u) => ids.get(u) ?? (ids.set(u, randomUUID()), ids.get(u)!)).replaceAll(email, `c${i}-${email}`);
    if (Array.isArray(v)) return v.map(swap);
    return v;
  };
  return tx.map((s) => ({ text: s.text, values: s.values?.map(swap) }));
}

async function main() {
  env('DATABASE_URL');
  const total = Number(process.argv[2] ?? 2000);
  const concurrency = Number(process.argv[3] ?? 16);
  const rounds = Number(process.argv[4] ?? 2);
  const schema = await freshSchema('bench');
  const svc = await startService(contactsService, { env: { ...serviceTestEnv(schema.schema, `${uniqueId('bench')}.`), LOG_LEVEL: 'warn', DB_POOL_SIZE: String(concurrency + 4) } });
  const header = { 'content-type': 'application/json', [INTERNAL_CONTEXT_HEADER]: signInternalContext({ tenantId: 'bench', userId: 'bench', roles: ['admin'] }, TEST_INTERNAL_SECRET, 3600) };
  const create = (tag: string) =>
    fetch(svc.url, { method: 'POST', headers: header, body: JSON.stringify({ query: 'mutation($i: CreateContactInput!) { createContact(input: $i) { id } }', variables: { i: { firstName: 'F', lastName: tag, email: `${tag}@bench.example` } } }) }).then(
      (r) => r.json() as Promise<{ errors?: unknown }>,
    );
  for (let k = 0; k < 8; k++) await create(`warm${k}`);

  // One createContact's transaction, as the driver saw it. Other connections of the process (relay,
  // consumers) may run statements meanwhile: keep those of the connection that began the transaction.
  const rec = recordDriver();
  await new Promise((r) => setTimeout(r, 1000));
  rec.start();
  const one = await create('recorded');
  rec.stop();
  if (one.errors) throw new Error(JSON.stringify(one.errors));
  const tx = firstTransaction(rec.recorded);

  const pool = new pg.Pool({ connectionString: schema.url, max: concurrency, options: `-c search_path=${schema.schema}` });
  const rows: Record<string, unknown>[] = [];
  const loop = async (once: (i: number) => Promise<void>) => {
    const latencies: number[] = [];
    let next = 0;
    const load1 = loadavg()[0];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const i = next++;
          const s = performance.now();
          await once(i);
          latencies.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const s = summary(latencies);
    return { perSecond: Math.round(total / seconds), p50: +s.p50.toFixed(1), p99: +s.p99.toFixed(1), load: +((load1 + loadavg()[0]) / 2).toFixed(1) };
  };
  /** The recorded transaction once more, as the `n`-th copy (new ids and email), each statement's text through `edit`. */
  const replay = async (n: number, edit: (text: string) => string) => {
    const c = await pool.connect();
    try {
      for (const s of fresh(tx, 'recorded@bench.example', n)) await c.query(edit(s.text), s.values);
    } finally {
      c.release();
    }
  };
  for (let round = 1; round <= rounds; round++) {
    const r = round - 1;
    const ours = await loop(async (i) => {
      const res = await create(`r${r}-${i}`);
      if (res.errors) throw new Error(JSON.stringify(res.errors));
    });
    const ceiling = await loop((i) => replay(r * total + i, (text) => text));
    // The outbox statement selects pg_notify($8, '') when it notifies and $8::text when it does not (OutboxWriter).
    const notify = await loop((i) => replay(r * total + i + 1e6, (text) => text.replace('$8::text', "pg_notify($8, '')")));
    const noNotify = await loop((i) => replay(r * total + i + 2e6, (text) => text.replace("pg_notify($8, '')", '$8::text')));
    rows.push({
      round,
      oursPerSecond: ours.perSecond,
      ceilingPerSecond: ceiling.perSecond,
      withNotifyPerSecond: notify.perSecond,
      withoutNotifyPerSecond: noNotify.perSecond,
      ratio: +(ours.perSecond / ceiling.perSecond).toFixed(2),
      oursP99: ours.p99,
      ceilingP99: ceiling.p99,
      withNotifyP99: notify.p99,
      withoutNotifyP99: noNotify.p99,
      load: `${ours.load} / ${ceiling.load} / ${notify.load} / ${noNotify.load}`,
    });
  }
  console.log(JSON.stringify({ bench: 'createContact vs the bare transaction', total, concurrency, statements: tx.length, rounds: rows }));
  await pool.end();
  await svc.stop();
  await schema.drop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
