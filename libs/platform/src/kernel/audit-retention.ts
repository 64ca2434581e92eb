import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { RetentionSweeper, type RetentionSweeperOptions } from '../db/retention-sweeper';
import { updated, type SqlRunner } from '../db/sql';

export interface AuditRetentionOptions extends RetentionSweeperOptions {
  /** Entries older than this are deleted (AUDIT_RETENTION_DAYS). */
  retentionDays: number;
}

/**
 * Keeps each module's audit log to AUDIT_RETENTION_DAYS, sweeping every tenant's old entries at
 * once like the inbox purge — a per-tenant JobScheduler job would need a queue row per tenant kept
 * alive by every write for the same single DELETE.
 */
export class AuditRetention extends RetentionSweeper {
  constructor(
    ds: DataSource,
    private readonly opts: AuditRetentionOptions,
    log: Logger,
  ) {
    super(ds, { ...opts, label: 'audit retention sweep', name: 'audit-retention', defaultIntervalMs: 60 * 60_000, logFields: { retentionDays: opts.retentionDays } }, log);
  }

  protected async deleteChunk(m: SqlRunner, limit: number, now: Date): Promise<number> {
    const rows = await updated(
      m,
      `DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE occurred_at < $1::timestamptz - make_interval(days => $2::int) LIMIT $3) RETURNING 1`,
      [now, this.opts.retentionDays, limit],
    );
    return rows.length;
  }
}
