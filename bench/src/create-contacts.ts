/**
 * createContact throughput, each request a full transaction: validation, duplicate check, insert,
 * outbox row. `direct` posts to the contacts subgraph with a signed internal context; `gateway`
 * posts to our gateway (production settings, no rate limits) over that subgraph with a user JWT,
 * everything in this process. Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/create-contacts.ts [total] [concurrency] [direct|gateway]
 * PROCESS_ROLE=api runs the service as an api process (its events wait for a worker, none here).
 */
import { contactsService } from '@crm/contacts';
import { startService } from '@crm/platform';
import { INTERNAL_CONTEXT_HEADER, signInternalContext, signUserToken } from '@crm/auth';
import { freshSchema, serviceTestEnv, TEST_INTERNAL_SECRET, TEST_JWT_SECRET, uniqueId } from '@crm/testing';
import { startBenchGateway } from './load';
import { cpuMeter, env, fmt, summary } from './stats';

async function main() {
  env('DATABASE_URL');
  const total = Number(process.argv[2] ?? 5000);
  const concurrency = Number(process.argv[3] ?? 32);
  const via = process.argv[4] ?? 'direct';
  if (via !== 'direct' && via !== 'gateway') throw new Error(`unknown mode ${via}: direct or gateway`);
  const fresh = await freshSchema('bench');
  // PROCESS_ROLE=api: the service as an api process (no relay: its writers wake another process's).
  const role = process.env.PROCESS_ROLE ? { PROCESS_ROLE: process.env.PROCESS_ROLE } : {};
  const svc = await startService(contactsService, { env: { ...serviceTestEnv(fresh.schema, `${uniqueId('bench')}.`), LOG_LEVEL: 'warn', DB_POOL_SIZE: '20', ...role } });
  const user = { tenantId: 'bench', userId: 'bench', roles: ['admin'] };
  const gw = via === 'gateway' ? await startBenchGateway([{ name: svc.name, url: svc.url, sdl: svc.sdl() }], false) : undefined;
  const url = gw?.url ?? svc.url;
  const header = {
    'content-type': 'application/json',
    ...(gw ? { authorization: `Bearer ${signUserToken(user, TEST_JWT_SECRET, { expiresIn: 3600 })}` } : { [INTERNAL_CONTEXT_HEADER]: signInternalContext(user, TEST_INTERNAL_SECRET, 3600) }),
  };
  const query = 'mutation($i: CreateContactInput!) { createContact(input: $i) { id } }';
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      const res = await fetch(url, { method: 'POST', headers: header, body: JSON.stringify({ query, variables: { i: { firstName: `F${i}`, lastName: 'Bench', email: `b${i}@bench.example` } } }) });
      const body = (await res.json()) as any;
      if (body.errors || !body.data?.createContact?.id) failed++;
      latencies.push(performance.now() - t0);
    }
  };
  // Warm-up (JIT, pool), not measured.
  await Promise.all(Array.from({ length: 4 }, (_, k) => fetch(url, { method: 'POST', headers: header, body: JSON.stringify({ query, variables: { i: { firstName: `W${k}` } } }) })));
  const cpu = await cpuMeter(fresh.schema);
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const used = await cpu.stop();
  const s = summary(latencies);
  console.log(JSON.stringify({ bench: `createContact ${via}`, total, concurrency, failed, seconds: +seconds.toFixed(2), perSecond: Math.round(total / seconds), p50: fmt(s.p50), p99: fmt(s.p99), ...used }));
  await gw?.stop();
  await svc.stop();
  await fresh.drop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
