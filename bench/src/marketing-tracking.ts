/**
 * Tracking hits at a fixed arrival rate (open loop: requests are sent on schedule whether or not
 * earlier ones have answered), direct to the marketing service: open pixels and click redirects,
 * each one transaction (UPDATE … RETURNING, plus the outbox row of a first open or a click).
 * The service runs in its own process, as deployed, so the load generator's timers, sockets and
 * response parsing do not share its event loop (it did until session 6, which put the generator's
 * own stalls into the service's latency).
 * Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/marketing-tracking.ts [rate/s] [seconds] [messages] [opens|mixed]
 * With CPU_PROF=dir the service process writes a V8 CPU profile of the timed run (not the boot,
 * the warm-up or the shutdown) there: <dir>/tracking-<pid>.cpuprofile.
 * PAUSE=relay,consumers (either or both) stops the service's outbox relay and/or its Kafka consumers
 * once it is up, to see how much of a hit's latency is theirs (they share the service's event loop).
 * SPLIT=1 runs the service as two processes on the same database and topics, as a deployment that
 * scales them apart would: PROCESS_ROLE=api answers the hits, PROCESS_ROLE=worker applies them (and
 * consumes, publishes); serviceCpuMsPerHit is the api process's, workerCpuMsPerHit the worker's.
 * The service's event-loop delay over the timed run is reported as loopDelayP50/P99/Max.
 *
 * The floor, without the service: `… [rate] [seconds] 0 floor|floor-tx|floor-group` commits one
 * durable row per hit straight from a bare `pg` client on the same schedule — `floor`: one autocommit
 * INSERT each (pool of 16), `floor-tx`: BEGIN / INSERT / COMMIT each, `floor-group`: one connection,
 * the hits that arrive while a write runs inserted together by the next (group commit);
 * `floor-groupN`: the same over N connections (a batch starts as soon as one is free). What
 * PostgreSQL's own commit costs on this machine at that rate, which no service design can beat.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Agent, get } from 'node:http';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { marketingService, signToken } from '@crm/marketing';
import { startService } from '@crm/platform';
import { adminQuery, freshSchema, serviceTestEnv, uniqueId } from '@crm/testing';
import { ask } from './load';
import { env, fmt, summary } from './stats';

const SECRET = 'bench-tracking-secret-0123456789abcdef';

type Msg =
  | { kind: 'ready'; base: string; ids: string[] }
  | { kind: 'cpu'; cpu: NodeJS.CpuUsage; loop?: { p50: number; p99: number; max: number }; workerCpu?: NodeJS.CpuUsage }
  | { kind: 'start'; messages: number } | { kind: 'stop' }
  | { kind: 'worker'; env: NodeJS.ProcessEnv };

/** The child: the marketing service and its seeded messages. */

/** The latency figures every row of this bench prints: the load's percentiles and the one-at-a-time (serial) ones. */
const latencyFigures = (sum: ReturnType<typeof summary>, serial: number[]) => ({
  p50: fmt(sum.p50),
  p90: fmt(sum.p90),
  p99: fmt(sum.p99),
  max: fmt(sum.max),
  serialP50: fmt(summary(serial).p50),
  serialP99: fmt(summary(serial).p99),
});
/** SPLIT=1: the worker process (PROCESS_ROLE=worker) beside the service's api process. */
async function work() {
  const { env: serviceEnv } = await new Promise<{ env: NodeJS.ProcessEnv }>((resolve) => process.once('message', (m: Msg) => m.kind === 'worker' && resolve(m)));
  const svc = await startService(marketingService, { env: { ...serviceEnv, PROCESS_ROLE: 'worker' } });
  process.on('message', async (m: Msg) => {
    if (m.kind === 'cpu') process.send!({ kind: 'cpu', cpu: process.cpuUsage() } satisfies Msg);
    if (m.kind === 'stop') {
      await svc.stop();
      process.exit(0);
    }
  });
  process.send!({ kind: 'ready', base: svc.url, ids: [] } satisfies Msg);
}

async function serve() {
  const { messages } = await new Promise<{ messages: number }>((resolve) => process.once('message', (m: Msg) => m.kind === 'start' && resolve(m)));
  const fresh = await freshSchema('bench');
  const split = process.env.SPLIT === '1';
  // The api process has no relay and no consumers to pause.
  if (split && process.env.PAUSE) throw new Error('PAUSE applies to the all-in-one service, not with SPLIT=1');
  const serviceEnv = { ...serviceTestEnv(fresh.schema, `${uniqueId('bench')}.`), LOG_LEVEL: 'warn', DB_POOL_SIZE: '20', MARKETING_TRACKING_SECRET: SECRET, ...(split ? { PROCESS_ROLE: 'api' } : {}) };
  const svc = await startService(marketingService, { env: serviceEnv });
  const worker = split ? fork(__filename, ['worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }) : undefined;
  if (worker) {
    await new Promise<void>((resolve, reject) => {
      worker.once('exit', (code) => reject(new Error(`the worker process exited with ${code}`)));
      worker.on('message', (m: Msg) => m.kind === 'ready' && resolve());
      worker.send({ kind: 'worker', env: serviceEnv } satisfies Msg);
    });
    // A worker that dies during the run would leave the hits unapplied and its CPU unmeasured: no figures then.
    worker.once('exit', (code) => {
      console.error(`the worker process exited with ${code} during the run`);
      process.exit(1);
    });
  }
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
  const pause = (process.env.PAUSE ?? '').split(',').filter(Boolean);
  // The transport itself, not the Nest microservice: closing that would run the whole app's shutdown hooks.
  if (pause.includes('consumers')) for (const ms of svc.app.getMicroservices()) await (ms as unknown as { serverInstance: { close(): Promise<void> } }).serverInstance.close();
  if (pause.includes('relay')) await svc.relay?.stop(0);
  // Reset at each 'cpu' question: the second one reports the timed run only.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const profiler = process.env.CPU_PROF ? new Session() : undefined;
  let profiling = false;
  process.on('message', async (m: Msg) => {
    if (m.kind === 'cpu') {
      if (profiler && !profiling) {
        profiling = true;
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      } else if (profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        writeFileSync(join(process.env.CPU_PROF!, `tracking-${process.pid}.cpuprofile`), JSON.stringify(profile));
      }
      const ms = (ns: number) => +(ns / 1e6).toFixed(2);
      const workerCpu = worker ? (await ask<Msg & { kind: 'cpu' }>(worker, 'cpu')).cpu : undefined;
      process.send!({ kind: 'cpu', cpu: process.cpuUsage(), loop: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) }, workerCpu });
      loop.reset();
    }
    if (m.kind === 'stop') {
      if (worker) {
        await new Promise((resolve) => {
          worker.removeAllListeners('exit');
          worker.once('exit', resolve);
          worker.send({ kind: 'stop' } satisfies Msg);
        });
      }
      await svc.stop();
      await fresh.drop();
      process.exit(0);
    }
  });
  process.send!({ kind: 'ready', base: svc.url.replace(/\/graphql$/, ''), ids } satisfies Msg);
}

/** Open-loop schedule: `send(i)` at i / rate seconds, whether or not earlier ones have finished. */
async function schedule(rate: number, total: number, send: (i: number) => Promise<boolean>): Promise<{ latencies: number[]; failed: number; elapsed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    pending.push(
      send(i).then((ok) => {
        latencies.push(performance.now() - t0);
        if (!ok) failed++;
      }),
    );
  }
  await Promise.all(pending);
  return { latencies, failed, elapsed: (performance.now() - started) / 1000 };
}

async function floor(rate: number, seconds: number, mode: string) {
  const { Client, Pool } = await import('pg');
  const fresh = await freshSchema('floor');
  const table = `"${fresh.schema}".floor_hits`;
  await adminQuery(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, message_id uuid NOT NULL, at timestamptz NOT NULL DEFAULT now())`);
  const pool = new Pool({ connectionString: env('DATABASE_URL'), max: 16 });
  // floor-group[N]: N connections; a batch starts as soon as one of them is free.
  const writers = await Promise.all(
    Array.from({ length: Number(/^floor-group(\d+)$/.exec(mode)?.[1] ?? 1) }, async () => {
      const c = new Client({ connectionString: env('DATABASE_URL') });
      await c.connect();
      return { c, busy: false };
    }),
  );
  let queue: { id: string; done: (ok: boolean) => void }[] = [];
  const drain = async (w: (typeof writers)[number]) => {
    w.busy = true;
    while (queue.length) {
      const batch = queue;
      queue = [];
      const ok = await w.c.query(`INSERT INTO ${table} (message_id) SELECT unnest($1::uuid[])`, [batch.map((b) => b.id)]).then(() => true, () => false);
      for (const b of batch) b.done(ok);
    }
    w.busy = false;
  };
  const write = (id: string): Promise<boolean> => {
    if (mode === 'floor') return pool.query(`INSERT INTO ${table} (message_id) VALUES ($1)`, [id]).then(() => true, () => false);
    if (mode === 'floor-tx')
      return pool.connect().then(async (c) => {
        try {
          await c.query('BEGIN');
          await c.query(`INSERT INTO ${table} (message_id) VALUES ($1)`, [id]);
          await c.query('COMMIT');
          return true;
        } catch {
          return false;
        } finally {
          c.release();
        }
      });
    return new Promise((done) => {
      queue.push({ id, done });
      const free = writers.find((w) => !w.busy);
      if (free) void drain(free);
    });
  };
  for (let i = 0; i < 200; i++) await write(randomUUID());
  const serial: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await write(randomUUID());
    serial.push(performance.now() - t0);
  }
  const load0 = loadavg()[0];
  const { latencies, failed, elapsed } = await schedule(rate, rate * seconds, () => write(randomUUID()));
  const sum = summary(latencies);
  console.log(
    JSON.stringify({
      bench: 'durable write floor (bare pg client)',
      mode,
      rate,
      total: rate * seconds,
      failed,
      achievedPerSecond: Math.round((rate * seconds) / elapsed),
      ...latencyFigures(sum, serial),
      load: +((load0 + loadavg()[0]) / 2).toFixed(2),
    }),
  );
  for (const w of writers) await w.c.end();
  await pool.end();
  await fresh.drop();
}

async function main() {
  env('DATABASE_URL');
  const rate = Number(process.argv[2] ?? 500);
  const seconds = Number(process.argv[3] ?? 10);
  const messages = Number(process.argv[4] ?? 2000);
  const mix = process.argv[5] ?? 'mixed';
  if (mix.startsWith('floor')) return floor(rate, seconds, mix);
  const service = fork(__filename, ['service'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
  /** Failed hits by HTTP status or socket error code. */
  const failures: Record<string, number> = {};
  const hit = (url: string) =>
    new Promise<{ ms: number; ok: boolean }>((resolve) => {
      const t0 = performance.now();
      get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          const ok = res.statusCode === 200 || res.statusCode === 302;
          if (!ok) failures[res.statusCode ?? 0] = (failures[res.statusCode ?? 0] ?? 0) + 1;
          resolve({ ms: performance.now() - t0, ok });
        });
      }).on('error', (err: NodeJS.ErrnoException) => {
        failures[err.code ?? 'error'] = (failures[err.code ?? 'error'] ?? 0) + 1;
        resolve({ ms: performance.now() - t0, ok: false });
      });
    });
  // Warm-up (JIT, pool, keep-alive), then one hit at a time: the latency of a hit without queueing.
  for (let i = 0; i < 200; i++) await hit(urls[(i * 7919 + 3) % urls.length]);
  const serial: number[] = [];
  for (let i = 0; i < 200; i++) serial.push((await hit(urls[(i * 7919 + 1) % urls.length])).ms);
  const total = rate * seconds;
  const { cpu: cpu0, workerCpu: worker0 } = await ask<Msg & { kind: 'cpu' }>(service, 'cpu');
  const load0 = loadavg()[0];
  const { latencies, failed, elapsed } = await schedule(rate, total, async (i) => (await hit(urls[(i * 7919) % urls.length])).ok);
  const { cpu: cpu1, loop, workerCpu: worker1 } = await ask<Msg & { kind: 'cpu' }>(service, 'cpu');
  const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user + b.system - a.user - a.system) / 1000;
  const serviceCpuMs = cpuMs(cpu0, cpu1);
  const sum = summary(latencies);
  console.log(
    JSON.stringify({
      bench: 'marketing tracking hits',
      mix,
      rate,
      total,
      failed,
      ...(failed ? { failures } : {}),
      achievedPerSecond: Math.round(total / elapsed),
      serviceCpuMsPerHit: +(serviceCpuMs / total).toFixed(3),
      ...(worker0 && worker1 ? { workerCpuMsPerHit: +(cpuMs(worker0, worker1) / total).toFixed(3) } : {}),
      ...latencyFigures(sum, serial),
      loopDelayP50: loop?.p50,
      loopDelayP99: loop?.p99,
      loopDelayMax: loop?.max,
      ...(process.env.PAUSE ? { paused: process.env.PAUSE } : {}),
      ...(process.env.SPLIT === '1' ? { split: 'api + worker' } : {}),
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

const run = process.argv[2] === 'service' ? serve : process.argv[2] === 'worker' ? work : main;
run().catch((err) => {
  console.error(err);
  process.exit(1);
});
