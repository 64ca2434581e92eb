import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { SqlRunner } from './sql';

export interface RetentionSweeperOptions {
  /** Service schema (keys the advisory lock: one sweeping instance per schema). */
  schema: string;
  /** Time between sweeps. */
  intervalMs?: number;
  /** Rows deleted per statement: short statements, no long lock on the table. */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 5_000;

/**
 * The shape every retention purge of the platform shares: a sweep soon after start (so a restart
 * loop still purges) and then every interval; one instance per schema at a time (a session advisory
 * lock on one connection, released if that instance dies); rows deleted a chunk per statement, as
 * the module login with no tenant bound (the table's `cross_tenant_sweep` policy lets it see every
 * tenant). A subclass says what one chunk deletes.
 */
export abstract class RetentionSweeper {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;
  private stopped = false;

  constructor(
    private readonly ds: DataSource,
    private readonly sweep: RetentionSweeperOptions & { name: string; label: string; defaultIntervalMs: number; logFields: Record<string, unknown> },
    private readonly log: Logger,
  ) {}

  /** Deletes up to `limit` expired rows; returns how many. */
  protected abstract deleteChunk(m: SqlRunner, limit: number, now: Date): Promise<number>;

  /** First sweep after `firstSweepMs`, then every interval. */
  start(firstSweepMs = 60_000): void {
    this.stopped = false;
    this.schedule(firstSweepMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.purge()
        .catch((err) => {
          this.log.warn({ err }, `${this.sweep.label} failed; will retry at the next sweep`);
          return 0;
        })
        .finally(() => {
          this.sweeping = undefined;
          this.schedule(this.sweep.intervalMs ?? this.sweep.defaultIntervalMs);
        });
    }, ms);
    this.timer.unref();
  }

  /** Deletes every expired row, a chunk per statement, unless another instance is sweeping this schema right now (then 0 at once). */
  async purge(now: Date = new Date()): Promise<number> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    const lockKey = `${this.sweep.schema}.${this.sweep.name}`;
    try {
      const [{ locked }] = await qr.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [lockKey]);
      if (!locked) return 0;
      try {
        const chunk = this.sweep.chunkSize ?? DEFAULT_CHUNK;
        let total = 0;
        for (;;) {
          const deleted = await this.deleteChunk(qr.manager, chunk, now);
          total += deleted;
          if (deleted < chunk || this.stopped) break;
        }
        if (total) this.log.info({ deleted: total, ...this.sweep.logFields }, this.sweep.label);
        return total;
      } finally {
        // A broken connection has released the lock already.
        await qr.query(`SELECT pg_advisory_unlock(hashtext($1))`, [lockKey]).catch(() => undefined);
      }
    } finally {
      await qr.release();
    }
  }

  /** Stops scheduling and waits for a sweep in progress (it stops after its current chunk). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }
}
