import { randomUUID } from 'node:crypto';
import { envelope, TaskDueV1 } from '@crm/events';
import { eventually } from '@crm/testing';
import { createJobTable, currentTraceparent, JobQueue, JobScheduler, OutboxWriter, type JobRow, type JobSchedulerOptions, type ServiceInfo, type Tx, type TxEmitter } from '../src';
import { platformHarness, silentLogger } from './harness';

interface NoteJob extends JobRow {
  id: string;
  payload: { body: string; fail?: boolean };
}

/** The job's effect: a note in its tenant plus an event in the same transaction (both roll back together). */
async function writeNote(tx: Tx, job: NoteJob): Promise<void> {
  await tx.query(`INSERT INTO notes (id, tenant_id, body) VALUES ($1, $2, $3)`, [job.id, tx.tenantId, job.payload.body]);
  await tx.emit(TaskDueV1, job.id, { taskId: job.id, title: job.payload.body, assigneeId: 'u', dealId: null, contactId: null, dueAt: new Date(job.due_at).toISOString() });
  if (job.payload.fail) throw new Error(`cannot do ${job.payload.body}`);
}

describe('JobScheduler (real Postgres: durable jobs, one firing per job, retries)', () => {
  let h: Awaited<ReturnType<typeof platformHarness>>;
  let emitter: TxEmitter;
  beforeAll(async () => {
    h = await platformHarness();
    const qr = h.ds.createQueryRunner();
    try {
      await createJobTable(qr, 'note_jobs');
    } finally {
      await qr.release();
    }
    const writer = new OutboxWriter(h.schema);
    emitter = {
      emit: (m, tenantId, events) =>
        writer.append(m, events.map((e) => ({ topic: 'test.jobs', event: envelope({ type: e.type, subject: e.subject, data: e.data, tenantId, source: 'crm/test', traceparent: currentTraceparent() }) }))),
    };
  });
  afterAll(async () => {
    await h.close();
  });

  it('tells the emitter once per job whose events were kept, so the relay publishes them at once, not at its next poll', async () => {
    const past = new Date(Date.now() - 1000);
    const ok = [await enqueue('tenant-w', 'w1', past), await enqueue('tenant-w', 'w2', past)];
    await enqueue('tenant-w', 'w3', past, { fail: true });
    const committed: number[] = [];
    const spy: TxEmitter = {
      emit: emitter.emit,
      // With the outbox rows another connection then sees: by the time it looks, both jobs' events are there.
      committed: () => void events(ok).then((rows) => committed.push(rows.length)),
    };
    await new JobScheduler<NoteJob>(h.ds, spy, silentLogger, { name: 'notes', table: 'note_jobs', batch: 5, pollMs: 50, handle: writeNote }).sweep();
    await eventually(async () => committed.length === 2, 5000, 'two commit notices');
    expect(committed).toEqual([2, 2]);
  });

  const scheduler = (over: Partial<JobSchedulerOptions<NoteJob>> = {}) =>
    new JobScheduler<NoteJob>(h.ds, emitter, silentLogger, { name: 'notes', table: 'note_jobs', batch: 5, pollMs: 50, handle: writeNote, ...over });

  /** Enqueued as a tenant would (tenant-bound, row-level security). */
  async function enqueue(tenant: string, body: string, dueAt: Date, extra: Partial<NoteJob['payload']> = {}, traceparent: string | null = null): Promise<string> {
    const id = randomUUID();
    const qr = h.ds.createQueryRunner();
    try {
      await qr.startTransaction();
      await qr.query(`SELECT set_config('app.tenant_id', $1, true), set_config('role', session_user || '_app', true)`, [tenant]);
      await qr.query(`INSERT INTO note_jobs (id, tenant_id, due_at, payload, traceparent) VALUES ($1, $2, $3, $4, $5)`, [id, tenant, dueAt, JSON.stringify({ body, ...extra }), traceparent]);
      await qr.commitTransaction();
    } finally {
      await qr.release();
    }
    return id;
  }
  it('wake: a job queued due now runs at once instead of at the next poll, also when it was queued during a sweep; not before start', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let slowStarted!: () => void;
    const slow = new Promise<void>((r) => (slowStarted = r));
    const s = scheduler({
      pollMs: 3_600_000, // nothing but a wake sweeps again within the test
      handle: async (tx, j) => {
        if (j.payload.body === 'slow') {
          slowStarted();
          await gate;
        }
        await writeNote(tx, j);
      },
    });
    s.wake(); // not started: nothing
    const early = await enqueue('tenant-wake', 'early', new Date(Date.now() - 1000));
    await new Promise((r) => setTimeout(r, 300));
    expect(await notes([early])).toEqual([]);
    s.start(); // the first sweep at once
    await eventually(async () => (await notes([early])).length === 1, 10000, 'the first sweep');
    const a = await enqueue('tenant-wake', 'slow', new Date());
    s.wake();
    await slow;
    // Queued and woken while the sweep that claimed `a` runs (it could not see this one).
    const b = await enqueue('tenant-wake', 'after', new Date());
    s.wake();
    release();
    try {
      await eventually(async () => (await notes([a, b])).length === 2, 10000, 'the job queued during the sweep');
    } finally {
      await s.stop();
    }
  });

  const notes = (ids: string[]) => h.sql<{ id: string; tenant_id: string }>(`SELECT id, tenant_id FROM notes WHERE id = ANY($1) ORDER BY id`, [ids]);
  const events = (ids: string[]) => h.sql<{ key: string; tenant_id: string }>(`SELECT key, tenant_id FROM outbox WHERE key = ANY($1)`, [ids]);
  const job = async (id: string) => (await h.sql<NoteJob>(`SELECT * FROM note_jobs WHERE id = $1`, [id]))[0];

  it('two pollers sweeping at once fire each job exactly once, each in its own tenant', async () => {
    const past = new Date(Date.now() - 1000);
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => enqueue(`tenant-${i % 3}`, `n${i}`, past)));
    const fired: string[] = [];
    // Slow handlers so the two sweeps overlap: without SKIP LOCKED-claiming both would take the same jobs.
    const handle = async (tx: Tx, j: NoteJob) => {
      fired.push(j.id);
      await new Promise((r) => setTimeout(r, 20));
      await writeNote(tx, j);
    };
    const a = scheduler({ handle });
    const b = scheduler({ handle });
    const claimed = { a: 0, b: 0 };
    for (let round = 0; round < 20 && fired.length < ids.length; round++) {
      const [na, nb] = await Promise.all([a.sweep(), b.sweep()]);
      claimed.a += na;
      claimed.b += nb;
    }
    expect(claimed.a).toBeGreaterThan(0);
    expect(claimed.b).toBeGreaterThan(0);
    expect(claimed.a + claimed.b).toBe(30);
    expect([...fired].sort()).toEqual([...ids].sort());
    const written = await notes(ids);
    expect(written).toHaveLength(30);
    // Each job ran bound to its own tenant (row-level security would refuse any other).
    const tenantOf = new Map(await h.sql<{ id: string; tenant_id: string }>(`SELECT id, tenant_id FROM notes WHERE id = ANY($1)`, [ids]).then((r) => r.map((x) => [x.id, x.tenant_id])));
    expect(ids.map((id, i) => tenantOf.get(id) === `tenant-${i % 3}`).every(Boolean)).toBe(true);
    expect(await events(ids)).toHaveLength(30);
    expect(await h.sql(`SELECT 1 FROM note_jobs WHERE id = ANY($1)`, [ids])).toEqual([]);
  });

  it('continues the trace of the request that scheduled the job: what the handler emits carries it', async () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traced = await enqueue('tenant-t', 'traced', new Date(Date.now() - 1000), {}, `00-${trace}-00f067aa0ba902b7-01`);
    const untraced = await enqueue('tenant-t', 'untraced', new Date(Date.now() - 1000));
    await scheduler().sweep();
    const rows = await h.sql<{ key: string; payload: { traceparent?: string } }>(`SELECT key, payload FROM outbox WHERE key = ANY($1)`, [[traced, untraced]]);
    const byKey = new Map(rows.map((r) => [r.key, r.payload]));
    // The job's own span under the scheduling request's trace.
    expect(byKey.get(traced)?.traceparent).toMatch(new RegExp(`^00-${trace}-[0-9a-f]{16}-01$`));
    expect(byKey.get(traced)?.traceparent).not.toContain('00f067aa0ba902b7');
    expect(byKey.get(untraced)?.traceparent).toBeUndefined();
  });

  it('a JobQueue runs its jobs in an all-in-one or worker process, not in an api process (PROCESS_ROLE)', async () => {
    class NoteQueue extends JobQueue<NoteJob> {
      protected readonly jobs = scheduler();
      constructor(protected readonly info: ServiceInfo) {
        super();
      }
    }
    const info = (role: ServiceInfo['role']): ServiceInfo => ({ name: 'sales', schema: h.schema, topic: 't', topicPrefix: '', consumerGroupPrefix: '', production: false, schemaOnly: false, role });
    const id = await enqueue('tenant-q', 'queued', new Date(Date.now() - 1000));
    const api = new NoteQueue(info('api'));
    api.onApplicationBootstrap();
    await new Promise((r) => setTimeout(r, 500)); // ten polls of 50 ms
    expect(await notes([id])).toEqual([]);
    await api.onModuleDestroy();
    for (const role of ['worker', 'all'] as const) {
      const jobId = role === 'worker' ? id : await enqueue('tenant-q', 'queued', new Date(Date.now() - 1000));
      const queue = new NoteQueue(info(role));
      queue.onApplicationBootstrap();
      await eventually(async () => (await notes([jobId])).length === 1, 10000, `the job run by the ${role} process`);
      await queue.onModuleDestroy();
    }
  });

  it('survives a restart: a job that fell due while no poller ran fires once the next one starts; stop() waits for a sweep in progress', async () => {
    const first = scheduler();
    first.start();
    const id = await enqueue('tenant-r', 'later', new Date(Date.now() + 600));
    await new Promise((r) => setTimeout(r, 100));
    await first.stop();
    await new Promise((r) => setTimeout(r, 800));
    // Due now, nobody polling: still queued, nothing done.
    expect(await job(id)).toMatchObject({ id, attempts: 0, failed_at: null });
    expect(await notes([id])).toEqual([]);

    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = false;
    const restarted = scheduler({
      handle: async (tx, j) => {
        started = true;
        await gate;
        await writeNote(tx, j);
      },
    });
    restarted.start();
    await eventually(async () => started, 10000, 'the due job picked up after the restart');
    const stopping = restarted.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false); // waits for the sweep in progress ...
    release();
    await stopping;
    // ... which committed: the job fired once and is gone.
    expect(await notes([id])).toEqual([{ id, tenant_id: 'tenant-r' }]);
    expect(await events([id])).toEqual([{ key: id, tenant_id: 'tenant-r' }]);
    expect(await job(id)).toBeUndefined();
  });

  it('a failing job is rolled back alone, retried with backoff, then marked failed (kept, visible, no longer claimed)', async () => {
    const past = new Date(Date.now() - 1000);
    const bad = await enqueue('tenant-f', 'bad', past, { fail: true });
    const good = await enqueue('tenant-g', 'good', past);
    const s = scheduler({ maxAttempts: 3, backoffMs: (n) => n * 60_000 });
    const sweepAt = async (t: Date) => {
      await s.sweep(t);
      return job(bad);
    };

    let now = new Date();
    let state = await sweepAt(now);
    // The good job of the same batch is done; the bad one's note and event were rolled back with it.
    expect(await notes([good, bad])).toEqual([{ id: good, tenant_id: 'tenant-g' }]);
    expect(await events([good, bad])).toEqual([{ key: good, tenant_id: 'tenant-g' }]);
    expect(state).toMatchObject({ attempts: 1, failed_at: null, last_error: 'Error: cannot do bad' });
    expect(new Date(state.due_at).getTime()).toBeGreaterThan(Date.now() + 50_000);
    // Backing off: not claimed before its new due time.
    expect(await s.sweep(now)).toBe(0);

    now = new Date(Date.now() + 2 * 60_000 + 5000);
    state = await sweepAt(now);
    expect(state).toMatchObject({ attempts: 2, failed_at: null });
    now = new Date(Date.now() + 4 * 60_000 + 5000);
    state = await sweepAt(now);
    expect(state).toMatchObject({ attempts: 3, failed_at: expect.any(Date), last_error: 'Error: cannot do bad' });
    // Failed for good: kept for an operator, never claimed again.
    expect(await s.sweep(new Date(Date.now() + 365 * 86_400_000))).toBe(0);
    expect(await job(bad)).toMatchObject({ attempts: 3, failed_at: expect.any(Date) });
    expect(await notes([bad])).toEqual([]);
    expect(await events([bad])).toEqual([]);
  });
});
