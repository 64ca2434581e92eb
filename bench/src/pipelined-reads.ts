/**
 * What pipelining a read session's connection saves (issue 11, "pipeline statements where the
 * driver allows it"): a customer-360 asks a subgraph for several things at once — sales: a
 * contact's deals page, orders page and lifetime value — and the request's read session
 * (libs/platform/src/kernel/read-session.ts) runs them on one connection. Sequential: each statement
 * waits for the previous answer (what the kernel did before: one at a time). Pipelined (pg's
 * `pipeline` mode, what read sessions use now): the three are written at once and Postgres answers
 * them back to back. Three concurrent prepared reads of one contact (the contact, its emails, its
 * consents), `total` times on one bound connection, the two ways alternating `rounds` times; prints
 * the wall time, this process's CPU and the backend's CPU per three reads. Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/pipelined-reads.ts [total=3000] [rounds=3]
 */
import pg from 'pg';
import { contactsService } from '@crm/contacts';
import { startService } from '@crm/platform';
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@crm/auth';
import { freshSchema, serviceTestEnv, TEST_INTERNAL_SECRET, uniqueId } from '@crm/testing';
import { post } from './load';
import { cpuMeter, env } from './stats';

const READS = [
  `SELECT id, display_name, created_at FROM contacts WHERE tenant_id = $1 AND id = $2`,
  `SELECT email, is_primary FROM contact_emails WHERE tenant_id = $1 AND contact_id = $2`,
  `SELECT channel, status FROM consents WHERE tenant_id = $1 AND contact_id = $2`,
];

async function main() {
  env('DATABASE_URL');
  const total = Number(process.argv[2] ?? 3000);
  const rounds = Number(process.argv[3] ?? 3);
  const schema = await freshSchema('bench_pipe');
  const svc = await startService(contactsService, { env: { ...serviceTestEnv(schema.schema, `${uniqueId('pipe')}.`), LOG_LEVEL: 'warn' } });
  const header = { [INTERNAL_CONTEXT_HEADER]: signInternalContext({ tenantId: 'bench', userId: 'bench', roles: ['admin'] }, TEST_INTERNAL_SECRET, 3600) };
  const ids: string[] = [];
  for (let i = 0; i < 100; i++) {
    const r = await post(svc.url, header, 'mutation($i: CreateContactInput!) { createContact(input: $i) { id } }', {
      i: { firstName: `Ada${i}`, lastName: 'Pipelined', email: `p${i}@pipelined.example` },
    });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    ids.push(r.data.createContact.id);
  }
  await svc.stop();

  // A read session's connection as the kernel binds it: tenant, app role, read-only.
  const client = new pg.Client({ connectionString: schema.url, options: `-c search_path=${schema.schema}` });
  await client.connect();
  await client.query(`SELECT set_config('app.tenant_id', 'bench', false), set_config('role', session_user || '_app', false), set_config('default_transaction_read_only', 'on', false)`);
  const read = (k: number, id: string) => client.query({ name: `bench_pipe_${k}`, text: READS[k], values: ['bench', id] });
  const three = (pipelined: boolean, id: string) => {
    // Switched on an idle connection, as openReadSession does (the typings call it read-only).
    (client as unknown as { pipeline: boolean }).pipeline = pipelined;
    if (pipelined) return Promise.all(READS.map((_, k) => read(k, id)));
    // Sequential: as RequestTx queued a request's concurrent statements before (oneAtATime).
    return READS.reduce<Promise<unknown[]>>(async (done, _, k) => [...(await done), await read(k, id)], Promise.resolve([]));
  };
  const measure = async (pipelined: boolean) => {
    const meter = await cpuMeter(schema.schema);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < total; i++) await three(pipelined, ids[i % ids.length]);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const { dbCpuSeconds } = await meter.stop();
    return {
      wallMsPerThree: +(ms / total).toFixed(3),
      nodeCpuMsPerThree: +((cpu.user + cpu.system) / 1000 / total).toFixed(3),
      dbCpuMsPerThree: +((dbCpuSeconds * 1000) / total).toFixed(3),
    };
  };
  // Both ways answer the same rows.
  const rowsOf = (rs: unknown[]) => JSON.stringify(rs.map((r) => (r as pg.QueryResult).rows));
  for (const id of ids.slice(0, 3)) if (rowsOf(await three(false, id)) !== rowsOf(await three(true, id))) throw new Error(`sequential and pipelined reads disagree for ${id}`);
  await measure(false);
  await measure(true);
  const rows: Record<string, unknown>[] = [];
  for (let r = 1; r <= rounds; r++) {
    for (const pipelined of r % 2 ? [false, true] : [true, false]) {
      rows.push({ round: r, reads: pipelined ? 'pipelined' : 'sequential', ...(await measure(pipelined)) });
      console.error(JSON.stringify(rows.at(-1)));
    }
  }
  await client.end();
  await schema.drop();
  const mean = (reads: string, k: string) => rows.filter((x) => x.reads === reads).reduce((n, x) => n + (x[k] as number), 0) / rounds;
  const ratio = (k: string) => +(mean('pipelined', k) / mean('sequential', k)).toFixed(2);
  console.log(JSON.stringify({ bench: 'pipelined reads', total, rounds, wallPipelinedOverSequential: ratio('wallMsPerThree'), nodeCpu: ratio('nodeCpuMsPerThree'), dbCpu: ratio('dbCpuMsPerThree'), rows }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
