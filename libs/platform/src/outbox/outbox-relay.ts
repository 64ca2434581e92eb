import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus';
import type { ServiceMetrics } from '../metrics';
import { updated } from '../db/sql';
import { outboxChannel } from './outbox-writer';

export interface OutboxRelayOptions {
  schema: string;
  databaseUrl: string;
  /** Safety-net sweep interval; NOTIFY wakes the relay immediately after each commit. */
  pollMs: number;
  batchSize: number;
  /** Published rows are deleted after this many hours (they hold personal data; Kafka is the log). */
  retentionHours?: number;
}

const RETENTION_SWEEP_MS = 60_000;

interface OutboxRow {
  seq: string;
  topic: string;
  key: string;
  payload: unknown;
  headers: Record<string, string>;
  created_at: Date;
}

/**
 * Publishes committed outbox rows in commit order. Every sweep takes ALL unpublished rows (oldest
 * first), so a crash between publish and mark only causes a re-publish (consumers dedupe), never a
 * lost event. A transaction-scoped advisory lock makes one relay per schema active at a time, which
 * keeps per-aggregate order even with several replicas of a service.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private pending = false;
  private listener?: Client;

  constructor(
    private readonly ds: DataSource,
    private readonly bus: EventBus,
    private readonly opts: OutboxRelayOptions,
    private readonly log: Logger,
    private readonly metrics?: ServiceMetrics,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.listener = new Client({ connectionString: this.opts.databaseUrl, application_name: `${this.opts.schema}-outbox-listener` });
    this.listener.on('notification', () => this.poke());
    this.listener.on('error', (err) => this.log.warn({ err }, 'outbox listener connection error; relying on polling'));
    await this.listener.connect();
    await this.listener.query(`LISTEN "${outboxChannel(this.opts.schema)}"`);
    this.loop = this.run();
  }

  /** Wake the relay now (also called by NOTIFY). */
  poke(): void {
    this.pending = true;
    this.wake?.();
  }

  private lastRetentionSweep = 0;

  /** Deletes published rows past retention, a bounded chunk at a time (never unpublished ones). */
  async purgePublished(): Promise<number> {
    const hours = this.opts.retentionHours ?? 168;
    const deleted = await updated(
      this.ds.manager,
      `DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE published_at < now() - make_interval(hours => $1) LIMIT 10000) RETURNING seq`,
      [hours],
    );
    return deleted.length;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.pending = false;
      if (Date.now() - this.lastRetentionSweep > RETENTION_SWEEP_MS) {
        this.lastRetentionSweep = Date.now();
        await this.purgePublished().catch((err) => this.log.warn({ err }, 'outbox retention sweep failed'));
      }
      try {
        const published = await this.drainOnce();
        failures = 0;
        if (published >= this.opts.batchSize) continue;
      } catch (err) {
        failures += 1;
        const backoff = Math.min(5000, 50 * 2 ** Math.min(failures, 7));
        this.log.error({ err, backoff }, 'outbox relay failed to publish; will retry');
        await new Promise((r) => setTimeout(r, backoff));
        continue;
      }
      if (this.pending || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.opts.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Publishes one batch; returns how many rows it published. */
  async drainOnce(): Promise<number> {
    return this.ds.transaction(async (m) => {
      const [{ locked }] = await m.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [`${this.opts.schema}.outbox`]);
      if (!locked) return 0;
      const rows: OutboxRow[] = await m.query(
        `SELECT seq, topic, key, payload, headers, created_at FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1`,
        [this.opts.batchSize],
      );
      this.metrics?.outboxBacklog.set(rows.length);
      if (!rows.length) return 0;
      await this.bus.publish(
        rows.map((r) => ({ topic: r.topic, key: r.key, value: JSON.stringify(r.payload), headers: { 'content-type': 'application/cloudevents+json', ...r.headers } })),
      );
      await m.query(`UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])`, [rows.map((r) => r.seq)]);
      const now = Date.now();
      for (const r of rows) {
        this.metrics?.eventsPublished.inc({ topic: r.topic });
        this.metrics?.outboxPublishLatency.observe((now - new Date(r.created_at).getTime()) / 1000);
      }
      return rows.length;
    });
  }

  /**
   * Stops after the current sweep, then flushes what is left so a clean shutdown strands nothing —
   * within `flushTimeoutMs`, so an unreachable broker cannot hold shutdown past the orchestrator's
   * grace period (unflushed rows simply go out at the next start).
   */
  async stop(flushTimeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    const flush = (async () => {
      while ((await this.drainOnce()) > 0);
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), flushTimeoutMs)));
    try {
      if ((await Promise.race([flush, timeout])) === 'timeout') this.log.warn({ flushTimeoutMs }, 'outbox flush on shutdown timed out; rows stay for the next start');
    } catch (err) {
      this.log.warn({ err }, 'outbox flush on shutdown failed; rows stay for the next start');
    } finally {
      clearTimeout(timer);
    }
    flush.catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
  }
}
