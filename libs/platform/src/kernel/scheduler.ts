import type { DataSource, QueryRunner } from 'typeorm';
import type { Logger } from 'pino';
import { enableCrossTenantSweep } from '../db/platform-migration';
import { withCauseActor, withEventTrace } from '../auth/context-store';
import type { JobWake } from './job-wakes';
import { bindTenant, Tx, type Row, type TxEmitter } from './tx';

/**
 * A durable job queue in a table of the module's own schema, polled by every replica of the module
 * (reminders, SLA timers, loyalty expiry, scheduled sends). The table is the state: a job that fell
 * due while no replica ran fires on the first sweep after start.
 *
 * A job table has the job's key column (any type), `tenant_id text`, `due_at timestamptz` and the
 * state columns of JOB_STATE_COLUMNS; anything else (a payload) is the module's. Create one with
 * `createJobTable`, or give an existing queue the state columns with `addJobState` (both in a
 * migration). Documented DDL of a fresh table:
 *
 *   CREATE TABLE <table> (
 *     id uuid PRIMARY KEY, tenant_id text NOT NULL, due_at timestamptz NOT NULL, payload jsonb NOT NULL DEFAULT '{}',
 *     attempts int NOT NULL DEFAULT 0, last_error text, failed_at timestamptz);
 *   CREATE INDEX <table>_pending ON <table> (due_at) WHERE failed_at IS NULL;
 *   -- forced RLS: tenant_isolation + cross_tenant_sweep (enableCrossTenantSweep)
 *
 * A sweep, in one transaction of the module login (outside any tenant binding: the table's
 * cross_tenant_sweep policy lets it see every tenant's due jobs):
 * 1. claims up to `batch` due, not failed jobs with FOR UPDATE SKIP LOCKED — replicas sweeping at the
 *    same time take disjoint jobs, so each job fires once;
 * 2. per job, under a savepoint: binds the job's tenant (row-level security, app role), runs the
 *    handler with a Tx of that tenant (its events go to the outbox in the same transaction) and
 *    deletes the job;
 * 3. a handler that throws is rolled back to its savepoint alone (the batch's other jobs stay done):
 *    the job gets `attempts + 1`, `last_error`, a later `due_at` (exponential backoff) and, after
 *    `maxAttempts`, `failed_at` — it stays in the table, visible, and is no longer claimed.
 * A job's locks are held until the batch commits: a handler should be short (a few statements).
 */
export interface JobSchedulerOptions<J extends JobRow> {
  /** For logs: what the jobs are (e.g. 'task reminders'). */
  name: string;
  /** The job table (unqualified: the data source's search_path is the module schema). */
  table: string;
  /** The job's key column. Default 'id'. */
  idColumn?: string;
  /** Jobs per sweep; a full batch makes the next sweep start at once. */
  batch: number;
  /** Pause between sweeps when the last one was not full. */
  pollMs: number;
  /** Attempts before a job is marked failed. Default 5. */
  maxAttempts?: number;
  /** Delay before the next attempt after `attempts` failures. Default: 1 s doubling, capped at 1 h. */
  backoffMs?: (attempts: number) => number;
  /** Does the job: runs bound to the job's tenant; throw to retry later. */
  handle: (tx: Tx, job: J) => Promise<void>;
}

/** Every job row has these; `SELECT *` gives the handler the module's own columns too. */
export interface JobRow extends Row {
  tenant_id: string;
  due_at: Date;
  attempts: number;
  last_error: string | null;
  failed_at: Date | null;
  /** The trace of the request that scheduled the job (null: the handler starts none). */
  traceparent?: string | null;
  /** Who scheduled the job (`currentActor()` when it was enqueued): its handler acts for them. */
  actor_id?: string | null;
}

/** The state columns a job table needs besides its key, tenant_id and due_at. */
export const JOB_STATE_COLUMNS = `attempts int NOT NULL DEFAULT 0, last_error text, failed_at timestamptz, traceparent text`;

export const defaultBackoffMs = (attempts: number): number => Math.min(1000 * 2 ** Math.max(0, attempts - 1), 3_600_000);

/**
 * Migration helper: a fresh job table (uuid id, jsonb payload) under forced row-level security. Add
 * `addJobActor` after it (kept apart so the tables migrations made before it stay as they were).
 */
export async function createJobTable(q: QueryRunner, table: string): Promise<void> {
  await q.query(`CREATE TABLE ${table} (
    id uuid PRIMARY KEY, tenant_id text NOT NULL, due_at timestamptz NOT NULL, payload jsonb NOT NULL DEFAULT '{}', ${JOB_STATE_COLUMNS})`);
  await q.query(`CREATE INDEX ${table}_pending ON ${table} (due_at) WHERE failed_at IS NULL`);
  await enableCrossTenantSweep(q, table, { tenantColumn: true });
}

/**
 * Migration helper: the trace column on a queue made before it. A job enqueued with the request's
 * `traceparent` (`currentTraceparent()`) runs its handler in that trace, so what the handler emits
 * continues the request that scheduled it.
 */
export async function addJobTrace(q: QueryRunner, table: string): Promise<void> {
  await q.query(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS traceparent text`);
}

/**
 * Migration helper: the actor column on a queue made before it. A job enqueued with `currentActor()`
 * runs its handler for that actor: its writes are audited as theirs, its events carry their `actorid`.
 */
export async function addJobActor(q: QueryRunner, table: string): Promise<void> {
  await q.query(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS actor_id text`);
}

/** Migration helper: the state columns and the pending-jobs index on an existing queue table (then `addJobTrace`). */
export async function addJobState(q: QueryRunner, table: string): Promise<void> {
  await q.query(`ALTER TABLE ${table} ADD COLUMN attempts int NOT NULL DEFAULT 0, ADD COLUMN last_error text, ADD COLUMN failed_at timestamptz`);
  await q.query(`CREATE INDEX ${table}_pending ON ${table} (due_at) WHERE failed_at IS NULL`);
}

/** A sweep's claim ($1: now, $2: batch): due, not failed jobs, oldest first, skipping those another replica holds. */
export const claimSql = (table: string, idColumn = 'id') =>
  `SELECT * FROM ${table} WHERE due_at <= $1 AND failed_at IS NULL ORDER BY due_at, ${idColumn} LIMIT $2 FOR UPDATE SKIP LOCKED`;

/** Turns sorts off for the claim (JobScheduler.claim), returning the setting to put back as `was`. */
export const CLAIM_SORTS_OFF = `SELECT current_setting('enable_sort') AS was, set_config('enable_sort', 'off', true)`;

export class JobScheduler<J extends JobRow> {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  /** Until `start` (a schema-only process never starts): `wake` does nothing. */
  private stopped = true;
  private sweeping = false;
  private woken = false;
  private readonly idColumn: string;
  private readonly maxAttempts: number;
  private readonly backoffMs: (attempts: number) => number;
  /** How another process running this queue is woken (JobQueue attaches it at boot). */
  private remote?: JobWake;
  /** Stops the wake-ups from other processes (set while started). */
  private unlisten?: () => void;
  private starts = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly emitter: TxEmitter,
    private readonly log: Logger,
    private readonly opts: JobSchedulerOptions<J>,
  ) {
    this.idColumn = opts.idColumn ?? 'id';
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.backoffMs = opts.backoffMs ?? defaultBackoffMs;
  }

  /** The queue's table. */
  get table(): string {
    return this.opts.table;
  }

  /** Set at boot (JobQueue): a process that does not run the queue wakes the one that does through it. */
  attachWake(wake: JobWake): void {
    this.remote = wake;
  }

  /** Starts polling (the first sweep at once), and sweeping when another process wakes the queue. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
    const started = ++this.starts;
    this.remote?.listen(() => this.wakeHere()).then(
      (unlisten) => {
        if (this.stopped || started !== this.starts) return unlisten();
        this.unlisten?.();
        this.unlisten = unlisten;
        // A job queued after the first sweep and before the LISTEN was in place woke no one.
        this.wakeHere();
      },
      (err: unknown) => this.log.warn({ err, jobs: this.opts.name }, 'job queue not woken by other processes; relying on polling'),
    );
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sweeping = true;
      this.running = this.sweep().catch((err: unknown) => {
        this.log.error({ err, jobs: this.opts.name }, 'job sweep failed; will retry');
        return 0;
      });
      void this.running.then((n) => {
        this.sweeping = false;
        const again = this.woken || n >= this.opts.batch;
        this.woken = false;
        this.schedule(again ? 0 : this.opts.pollMs);
      });
    }, ms);
    this.timer.unref?.();
  }

  /**
   * A job was just queued due now (its transaction has committed): sweep at once, or right after the
   * sweep in progress (which may have claimed before the commit), instead of at the next poll. Where
   * the queue does not run (an `api` process), the process that runs it is woken (JobWakes).
   */
  wake(): void {
    if (this.stopped) return this.remote?.notify();
    this.wakeHere();
  }

  /** Sweep here, at once or after the sweep in progress; never sends a wake-up (this process's own NOTIFY comes back to it). */
  private wakeHere(): void {
    if (this.stopped) return;
    if (this.sweeping) this.woken = true;
    else this.schedule(0);
  }

  /** One sweep; returns how many jobs it claimed (done or retried). Public so tests and operators can trigger it. */
  async sweep(now: Date = new Date()): Promise<number> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      try {
        const jobs = await this.claim(qr, now);
        const txs: Tx[] = [];
        for (const job of jobs) await this.runOne(qr, job, txs);
        await qr.commitTransaction();
        for (const tx of txs) tx.afterCommit();
        return jobs.length;
      } catch (err) {
        await qr.rollbackTransaction().catch(() => undefined);
        throw err;
      }
    } finally {
      await qr.release();
    }
  }

  /**
   * Claims up to `batch` due jobs, oldest first. Sorts are off while it is planned: the claim must
   * walk the pending index in due order and stop at the batch, but with statistics older than the
   * backlog (a campaign that just queued its jobs; autovacuum has not come round) the planner fetches
   * every due job and sorts them all — 45 ms at 50,000 due jobs instead of 0.35 ms, measured, at
   * every sweep of that backlog. The setting is put back before any handler runs.
   */
  private async claim(qr: QueryRunner, now: Date): Promise<J[]> {
    const [{ was }] = await qr.query(CLAIM_SORTS_OFF);
    const jobs: J[] = await qr.query(claimSql(this.opts.table, this.idColumn), [now, this.opts.batch]);
    await qr.query(`SELECT set_config('enable_sort', $1, true)`, [was]);
    return jobs;
  }

  /** Runs one job in a savepoint; a job that succeeded leaves its Tx in `done` (its events count once the sweep commits). */
  private async runOne(qr: QueryRunner, job: J, done: Tx[]): Promise<void> {
    const id = job[this.idColumn];
    await qr.query('SAVEPOINT job');
    try {
      const tx = new Tx(qr.manager, job.tenant_id, this.emitter);
      await withCauseActor(job.actor_id, async () => {
        await bindTenant(qr.manager, job.tenant_id);
        await withEventTrace(job.traceparent ?? undefined, () => this.opts.handle(tx, job));
        await tx.settle();
      });
      await qr.query(`DELETE FROM ${this.opts.table} WHERE ${this.idColumn} = $1`, [id]);
      await qr.query('RELEASE SAVEPOINT job');
      done.push(tx);
    } catch (err) {
      await qr.query('ROLLBACK TO SAVEPOINT job');
      const attempts = job.attempts + 1;
      const failed = attempts >= this.maxAttempts;
      this.log[failed ? 'error' : 'warn']({ err, jobs: this.opts.name, job: id, tenantId: job.tenant_id, attempts }, failed ? 'job failed for good' : 'job failed; will retry');
      // The rollback may have left an earlier job's tenant bound: bind this job's to write its state.
      await bindTenant(qr.manager, job.tenant_id);
      await qr.query(
        `UPDATE ${this.opts.table} SET attempts = $2, last_error = $3, due_at = now() + make_interval(secs => $4::float8 / 1000),
           failed_at = CASE WHEN $5 THEN now() END WHERE ${this.idColumn} = $1`,
        [id, attempts, errorText(err), this.backoffMs(attempts), failed],
      );
      await qr.query('RELEASE SAVEPOINT job');
    }
  }

  /** Stops polling and waits for a sweep in progress to finish (its transaction commits or rolls back). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unlisten?.();
    this.unlisten = undefined;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

function errorText(err: unknown): string {
  return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 2000);
}
