import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { updated } from '../db/sql';

export interface InboxPurgeOptions {
  /** Service schema (keys the advisory lock: one purging instance per schema). */
  schema: string;
  /** Ids of events processed longer ago than this are deleted (see INBOX_RETENTION_HOURS). */
  retentionHours: number;
  /** Time between sweeps. */
  intervalMs?: number;
  /** Rows deleted per statement: short statements, no long lock on the inbox. */
  chunkSize?: number;
}

const DEFAULT_INTERVAL_MS = 15 * 60_000;
const DEFAULT_CHUNK = 5_000;

/**
 * Keeps the consumer inbox from growing for ever. The inbox exists to recognise a redelivered
 * event, and the log can redeliver an event only within its retention (a replay from the earliest
 * offset, a consumer group reset); so ids processed longer ago than INBOX_RETENTION_HOURS (checked at
 * boot to be at least EVENT_RETENTION_HOURS) can go. One instance per schema sweeps at a time
 * (session advisory lock on one connection; it is released if that instance dies), in chunks.
 */
export class InboxPurger {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;
  private stopped = false;

  constructor(
    private readonly ds: DataSource,
    private readonly opts: InboxPurgeOptions,
    private readonly log: Logger,
  ) {}

  /** First sweep soon after start (so a restart loop still purges), then every intervalMs. */
  start(firstSweepMs = 60_000): void {
    this.stopped = false;
    this.schedule(firstSweepMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.purge()
        .catch((err) => {
          this.log.warn({ err }, 'inbox retention sweep failed; will retry at the next sweep');
          return 0;
        })
        .finally(() => {
          this.sweeping = undefined;
          this.schedule(this.opts.intervalMs ?? DEFAULT_INTERVAL_MS);
        });
    }, ms);
    this.timer.unref();
  }

  /**
   * Deletes every inbox row processed before the retention window, a chunk per statement, unless
   * another instance is sweeping this schema right now (then returns 0 at once). Returns the count.
   */
  async purge(): Promise<number> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    const lockKey = `${this.opts.schema}.inbox-purge`;
    try {
      const [{ locked }] = await qr.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [lockKey]);
      if (!locked) return 0;
      try {
        const chunk = this.opts.chunkSize ?? DEFAULT_CHUNK;
        let total = 0;
        for (;;) {
          const rows = await updated(
            qr.manager,
            `DELETE FROM inbox i USING (
               SELECT consumer, event_id FROM inbox WHERE processed_at < now() - $1::float8 * interval '1 hour' LIMIT $2
             ) old
             WHERE i.consumer = old.consumer AND i.event_id = old.event_id
             RETURNING 1`,
            [this.opts.retentionHours, chunk],
          );
          total += rows.length;
          if (rows.length < chunk || this.stopped) break;
        }
        if (total) this.log.info({ deleted: total, retentionHours: this.opts.retentionHours }, 'inbox retention sweep');
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
