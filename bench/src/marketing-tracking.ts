/**
 * Tracking hits at a fixed arrival rate (open loop: requests are sent on schedule whether or not
 * earlier ones have answered), direct to the marketing service: open pixels and click redirects,
 * each one transaction (UPDATE … RETURNING, plus the outbox row of a first open or a click).
 * The service runs in its own process, as deployed, so the load generator's timers, sockets and
 * response parsing do not share its event loop (it did until session 6, which put the generator's
 * own stalls into the service's latency).
 * Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/marketing-tracking.ts [rate/s] [seconds] [messages] [opens|mixed]
 * With CPU_PROF=dir the service process writes a V8 CPU profile there (node --cpu-prof).
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, get } from 'node:http';
import { loadavg } from 'node:os';
import { marketingService, signToken } from '@crm/marketing';
import { startService } from '@crm/platform';
import { adminQuery, freshSchema, serviceTestEnv, uniqueId } from '@crm/testing';
import { ask } from './load';
import { env, fmt, summary } from './stats';

const SECRET = 'bench-tracking-secret-0123456789abcdef';

type Msg = { kind: 'ready'; base: string; ids: string[] } | { kind: 'cpu'; cpu: NodeJS.CpuUsage } | { kind: 'start'; messages: number } | { kind: 'stop' };

/** The child: the marketing service and its seeded messages. */
async function serve() {
  const { messages } = await new Promise<{ messages: number }>((resolve) => process.once('message', (m: Msg) => m.kind === 'start' && resolve(m)));
  const fresh = await freshSchema('bench');
  const svc = await startService(marketingService, { env: { ...serviceTestEnv(fresh.schema, `${uniqueId('bench')}.`), LOG_LEVEL: 'warn', DB_POOL_SIZE: '20', MARKETING_TRACKING_SECRET: SECRET } });
  const s = `"${fresh.schema}"`;
  const campaignId = randomUUID();
  const ids = Array.from({ length: messages }, () => randomUUID());
  await adminQuery(
    `INSERT INTO ${s}.campaign_messages (tenant_id, id, campaign_id, contact_id, channel, address, status, idempotency_key, sent_at)
     SELECT 'bench', id, $1, gen_random_uuid(), 'email', 'x@bench.example', 'sent', id::text, now() FROM unnest($2::uuid[]) id`,
    [campaignId, ids],
  );
  await adminQuery(
    `INSERT INTO ${s}.delivery_messages (message_id, tenant_id, campaign_id, campaign_name, contact_id, channel, address, links)
     SELECT id, 'bench', $1, 'Bench', gen_random_uuid(), 'email', 'x@bench.example', ARRAY['https://shop.example/spring', 'https://shop.example/sale'] FROM unnest($2::uuid[]) id`,
    [campaignId, ids],
  );
  process.on('message', async (m: Msg) => {
    if (m.kind === 'cpu') process.send!({ kind: 'cpu', cpu: process.cpuUsage() });
    if (m.kind === 'stop') {
      await svc.stop();
      await fresh.drop();
      process.exit(0);
    }
  });
  process.send!({ kind: 'ready', base: svc.url.replace(/\/graphql$/, ''), ids } satisfies Msg);
}

async function main() {
  env('DATABASE_URL');
  const rate = Number(process.argv[2] ?? 500);
  const seconds = Number(process.argv[3] ?? 10);
  const messages = Number(process.argv[4] ?? 2000);
  const mix = process.argv[5] ?? 'mixed';
  const execArgv = [...process.execArgv, ...(process.env.CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF}`] : [])];
  const service = fork(__filename, ['service'], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ base: string; ids: string[] }>((resolve, reject) => {
    service.once('exit', (code) => reject(new Error(`the service process exited with ${code}`)));
    service.on('message', (m: any) => m.kind === 'ready' && resolve(m));
    service.send({ kind: 'start', messages });
  });
  const { base, ids } = ready;
  // 4 opens for each click, spread over the messages (first opens emit an event, later ones only count).
  const urls = ids.flatMap((messageId) => [
    `${base}/t/o/${signToken(SECRET, { tenantId: 'bench', messageId, kind: 'o', linkIndex: 0 })}.gif`,
    `${base}/t/o/${signToken(SECRET, { tenantId: 'bench', messageId, kind: 'o', linkIndex: 0 })}.gif`,
    `${base}/t/o/${signToken(SECRET, { tenantId: 'bench', messageId, kind: 'o', linkIndex: 0 })}.gif`,
    `${base}/t/o/${signToken(SECRET, { tenantId: 'bench', messageId, kind: 'o', linkIndex: 0 })}.gif`,
    ...(mix === 'opens' ? [] : [`${base}/t/c/${signToken(SECRET, { tenantId: 'bench', messageId, kind: 'c', linkIndex: 1 })}`]),
  ]);
  // Keep-alive connections, as browsers and mail proxies use; node:http keeps the client's own overhead small.
  const agent = new Agent({ keepAlive: true, maxSockets: 128 });
  const hit = (url: string) =>
    new Promise<{ ms: number; ok: boolean }>((resolve) => {
      const t0 = performance.now();
      get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: performance.now() - t0, ok: res.statusCode === 200 || res.statusCode === 302 }));
      }).on('error', () => resolve({ ms: performance.now() - t0, ok: false }));
    });
  // Warm-up (JIT, pool, keep-alive), then one hit at a time: the latency of a hit without queueing.
  for (let i = 0; i < 200; i++) await hit(urls[(i * 7919 + 3) % urls.length]);
  const serial: number[] = [];
  for (let i = 0; i < 200; i++) serial.push((await hit(urls[(i * 7919 + 1) % urls.length])).ms);
  const total = rate * seconds;
  const latencies: number[] = [];
  let failed = 0;
  const cpu0 = (await ask<Msg & { kind: 'cpu' }>(service, 'cpu')).cpu;
  const load0 = loadavg()[0];
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      hit(urls[(i * 7919) % urls.length]).then((r) => {
        latencies.push(r.ms);
        if (!r.ok) failed++;
      }),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  const cpu1 = (await ask<Msg & { kind: 'cpu' }>(service, 'cpu')).cpu;
  const serviceCpuMs = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / 1000;
  const sum = summary(latencies);
  console.log(
    JSON.stringify({
      bench: 'marketing tracking hits',
      mix,
      rate,
      total,
      failed,
      achievedPerSecond: Math.round(total / elapsed),
      serviceCpuMsPerHit: +(serviceCpuMs / total).toFixed(3),
      p50: fmt(sum.p50),
      p90: fmt(sum.p90),
      p99: fmt(sum.p99),
      max: fmt(sum.max),
      serialP50: fmt(summary(serial).p50),
      serialP99: fmt(summary(serial).p99),
      load: +((load0 + loadavg()[0]) / 2).toFixed(2),
    }),
  );
  agent.destroy();
  await new Promise((resolve) => {
    service.removeAllListeners('exit');
    service.once('exit', resolve);
    service.send({ kind: 'stop' });
  });
}

const run = process.argv[2] === 'service' ? serve : main;
run().catch((err) => {
  console.error(err);
  process.exit(1);
});
