/**
 * A detail read: `deal(id)` straight to the sales subgraph (its loader reads the deal by id), one
 * random seeded deal per request, closed loop. Prints requests/s, p99, and per request the CPU of
 * this process (the service and the load generator: both in it) and of the database (the
 * service's login's backends). Runs on the sales schema a customer-360 seed made:
 *   node -r @swc-node/register bench/src/customer-360.ts seed 2000     # prints BENCH_SCHEMAS=…
 *   BENCH_SCHEMAS=… node -r @swc-node/register bench/src/deal-by-id.ts [concurrency=8] [seconds=10] [rounds=3]
 */
import { Pool } from 'pg';
import { salesService } from '@crm/sales';
import { startService } from '@crm/platform';
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@crm/auth';
import { serviceTestEnv, TEST_INTERNAL_SECRET, uniqueId } from '@crm/testing';
import { closedLoop, post } from './load';
import { cpuMeter, env } from './stats';

const TENANT = 'bench360'; // customer-360.ts's seed
const DEAL = `query($id: ID!) { deal(id: $id) { id title status amount { amount currency } } }`;

async function main() {
  const databaseUrl = env('DATABASE_URL');
  const schemas = Object.fromEntries((process.env.BENCH_SCHEMAS ?? '').split(',').map((kv) => kv.split(':')));
  if (!schemas.sales) throw new Error('BENCH_SCHEMAS=…,sales:<schema>,… is required (customer-360.ts seed prints it)');
  const [concurrency, seconds, rounds] = [Number(process.argv[2] ?? 8), Number(process.argv[3] ?? 10), Number(process.argv[4] ?? 3)];
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  const ids = (await pool.query(`SELECT id::text FROM "${schemas.sales}".deals WHERE tenant_id = $1 ORDER BY id LIMIT 1000`, [TENANT])).rows.map((r) => r.id as string);
  await pool.end();
  if (!ids.length) throw new Error(`no deals of ${TENANT} in ${schemas.sales}`);
  const svc = await startService(salesService, { env: { ...serviceTestEnv(schemas.sales, `${uniqueId('byid')}.`), LOG_LEVEL: 'warn' } });
  const header = { [INTERNAL_CONTEXT_HEADER]: signInternalContext({ tenantId: TENANT, userId: 'bench', roles: ['admin'] }, TEST_INTERNAL_SECRET, 3600) };
  const load = (s: number) =>
    closedLoop(concurrency, s, async () => {
      const body = await post(svc.url, header, DEAL, { id: ids[Math.floor(Math.random() * ids.length)] });
      return body.errors?.length || !body.data?.deal ? JSON.stringify(body.errors ?? body) : undefined;
    });
  try {
    await load(2); // warm-up: JIT, pools, plan caches
    const rows: Record<string, unknown>[] = [];
    for (let r = 1; r <= rounds; r++) {
      const meter = await cpuMeter(schemas.sales);
      const cpu0 = process.cpuUsage();
      const m = await load(seconds);
      const cpu = process.cpuUsage(cpu0);
      const { dbCpuSeconds } = await meter.stop();
      rows.push({ round: r, ...m, nodeCpuMsPerRequest: +((cpu.user + cpu.system) / 1000 / m.requests).toFixed(3), dbCpuMsPerRequest: +((dbCpuSeconds * 1000) / m.requests).toFixed(3) });
      console.error(JSON.stringify(rows.at(-1)));
    }
    const mean = (k: string) => +(rows.reduce((n, x) => n + (x[k] as number), 0) / rounds).toFixed(3);
    console.log(JSON.stringify({ bench: 'deal by id', concurrency, seconds, rounds, rps: mean('rps'), nodeCpuMsPerRequest: mean('nodeCpuMsPerRequest'), dbCpuMsPerRequest: mean('dbCpuMsPerRequest'), rows }));
  } finally {
    await svc.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
