import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { updated } from '../db/sql';

export interface AuditRetentionOptions {
  /** Service schema (keys the advisory lock: one purging instance per schema). */
  schema: string;
  /** Entries older than this are deleted (AUDIT_RETENTION_DAYS). */
  retentionDays: number;
  intervalMs?: number;
  /** Rows deleted per statement: short statements, no long lock on the audit log. */
  chunkSize?: number;
}

const DEFAULT_INTERVAL_MS = 60 * 60_000;
const DEFAULT_CHUNK = 5_000;

/**
 * Keeps each module's audit log to AUDIT_RETENTION_DAYS. It sweeps every tenant's old entries at
 * once, as the inbox and outbox purges do (same shape: the module login with no tenant bound, which
 * the `cross_tenant_sweep` policy of `audit_log` lets see every tenant; a session advisory lock so
 * one replica sweeps; a chunk per statement) — a per-tenant JobScheduler job would need a queue row
 * per tenant kept alive by every write for the same single DELETE.
 */
export class AuditRetention {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;
  private stopped = false;

  constructor(
    private readonly ds: DataSource,
    private readonly opts: AuditRetentionOptions,
    private readonly log: Logger,
  ) {}

  start(firstSweepMs = 60_000): void {
    this.stopped = false;
    this.schedule(firstSweepMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.purge()
        .catch((err) => {
          this.log.warn({ err }, 'audit retention sweep failed; will retry at the next sweep');
          return 0;
        })
        .finally(() => {
          this.sweeping = undefined;
          this.schedule(this.opts.intervalMs ?? DEFAULT_INTERVAL_MS);
        });
    }, ms);
    this.timer.unref();
  }

  /** Deletes every entry older than the retention, a chunk per statement, unless another instance is sweeping (then 0). */
  async purge(now: Date = new Date()): Promise<number> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    const lockKey = `${this.opts.schema}.audit-retention`;
    try {
      const [{ locked }] = await qr.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [lockKey]);
      if (!locked) return 0;
      try {
        const chunk = this.opts.chunkSize ?? DEFAULT_CHUNK;
        let total = 0;
        for (;;) {
          const rows = await updated(
            qr.manager,
            `DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE occurred_at < $1::timestamptz - make_interval(days => $2::int) LIMIT $3) RETURNING 1`,
            [now, this.opts.retentionDays, chunk],
          );
          total += rows.length;
          if (rows.length < chunk || this.stopped) break;
        }
        if (total) this.log.info({ deleted: total, retentionDays: this.opts.retentionDays }, 'audit retention sweep');
        return total;
      } finally {
        await qr.query(`SELECT pg_advisory_unlock(hashtext($1))`, [lockKey]).catch(() => undefined);
      }
    } finally {
      await qr.release();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }
}
