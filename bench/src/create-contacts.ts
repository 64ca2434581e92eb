/**
 * createContact throughput, direct to the contacts subgraph (no gateway), each request a full
 * transaction: validation, duplicate check, insert, outbox row. Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/create-contacts.ts [total] [concurrency]
 */
import { contactsService } from '@crm/contacts';
import { startService } from '@crm/platform';
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@crm/auth';
import { freshSchema, serviceTestEnv, TEST_INTERNAL_SECRET, uniqueId } from '@crm/testing';
import { cpuMeter, env, fmt, summary } from './stats';

async function main() {
  env('DATABASE_URL');
  const total = Number(process.argv[2] ?? 5000);
  const concurrency = Number(process.argv[3] ?? 32);
  const fresh = await freshSchema('bench');
  const svc = await startService(contactsService, { env: { ...serviceTestEnv(fresh.schema, `${uniqueId('bench')}.`), LOG_LEVEL: 'warn', DB_POOL_SIZE: '20' } });
  const header = { 'content-type': 'application/json', [INTERNAL_CONTEXT_HEADER]: signInternalContext({ tenantId: 'bench', userId: 'bench', roles: ['admin'] }, TEST_INTERNAL_SECRET, 3600) };
  const query = 'mutation($i: CreateContactInput!) { createContact(input: $i) { id } }';
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      const res = await fetch(svc.url, { method: 'POST', headers: header, body: JSON.stringify({ query, variables: { i: { firstName: `F${i}`, lastName: 'Bench', email: `b${i}@bench.example` } } }) });
      const body = (await res.json()) as any;
      if (body.errors) failed++;
      latencies.push(performance.now() - t0);
    }
  };
  // Warm-up (JIT, pool), not measured.
  await Promise.all(Array.from({ length: 4 }, (_, k) => fetch(svc.url, { method: 'POST', headers: header, body: JSON.stringify({ query, variables: { i: { firstName: `W${k}` } } }) })));
  const cpu = await cpuMeter(fresh.schema);
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const used = await cpu.stop();
  const s = summary(latencies);
  console.log(JSON.stringify({ bench: 'createContact direct', total, concurrency, failed, seconds: +seconds.toFixed(2), perSecond: Math.round(total / seconds), p50: fmt(s.p50), p99: fmt(s.p99), ...used }));
  await svc.stop();
  await fresh.drop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
