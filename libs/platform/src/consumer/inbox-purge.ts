import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { RetentionSweeper, type RetentionSweeperOptions } from '../db/retention-sweeper';
import { updated, type SqlRunner } from '../db/sql';

export interface InboxPurgeOptions extends RetentionSweeperOptions {
  /** Ids of events processed longer ago than this are deleted (see INBOX_RETENTION_HOURS). */
  retentionHours: number;
}

/**
 * Keeps the consumer inbox from growing for ever. The inbox exists to recognise a redelivered
 * event, and the log can redeliver an event only within its retention (a replay from the earliest
 * offset, a consumer group reset); so ids processed longer ago than INBOX_RETENTION_HOURS (checked at
 * boot to be at least EVENT_RETENTION_HOURS) can go.
 */
export class InboxPurger extends RetentionSweeper {
  constructor(
    ds: DataSource,
    private readonly opts: InboxPurgeOptions,
    log: Logger,
  ) {
    super(ds, { ...opts, label: 'inbox retention sweep', name: 'inbox-purge', defaultIntervalMs: 15 * 60_000, logFields: { retentionHours: opts.retentionHours } }, log);
  }

  protected async deleteChunk(m: SqlRunner, limit: number): Promise<number> {
    const rows = await updated(
      m,
      `DELETE FROM inbox i USING (
         SELECT consumer, event_id FROM inbox WHERE processed_at < now() - $1::float8 * interval '1 hour' LIMIT $2
       ) old
       WHERE i.consumer = old.consumer AND i.event_id = old.event_id
       RETURNING 1`,
      [this.opts.retentionHours, limit],
    );
    return rows.length;
  }
}
