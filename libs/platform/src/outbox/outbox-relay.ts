import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { hasBrokerErrorType, type EventBus, type OutboundMessage } from '../bus/event-bus';
import type { ServiceMetrics } from '../metrics';
import { updated } from '../db/sql';
import { WakeListener } from '../db/wakes';
import { outboxChannel } from './outbox-writer';
import { outboxStats, READY_OUTBOX_ROW } from './outbox-stats';

export interface OutboxRelayOptions {
  schema: string;
  databaseUrl: string;
  /** Safety-net sweep interval; a commit wakes the relay at once (in process, or by NOTIFY from another one). */
  pollMs: number;
  /** Rows read per sweep. */
  batchSize: number;
  /**
   * Bytes per producer request (records as Kafka counts them), below the broker's
   * `message.max.bytes`; a sweep is sent in as many requests as this needs. Default 900 000.
   */
  maxBatchBytes?: number;
  /**
   * Published rows are deleted after this many hours (they hold personal data; Kafka is the log);
   * 0 deletes each row as it is published, instead of marking it and purging it later.
   */
  retentionHours?: number;
  /** The process's wake-up listener, shared with its job queues (bootstrap); without it the relay opens its own. */
  wakes?: WakeListener;
}

const RETENTION_SWEEP_MS = 60_000;
/**
 * After a poke found another replica's relay sweeping: look again after 20 ms rather than at the
 * next poll, then 40, 80 … ms, this many times (1.3 s in all): a relay that holds the lock for long
 * — a slow broker — is not asked every 20 ms meanwhile; the poll and the writers' NOTIFYs take over.
 */
const LOCK_RETRY_MS = 20;
const LOCK_RETRIES = 6;
export const DEFAULT_OUTBOX_BATCH_MAX_BYTES = 900_000;
/** Kafka record-batch header plus produce-request framing, counted once per request. */
const REQUEST_OVERHEAD = 4096;
/** Per record: length, attributes, timestamp/offset deltas, key/value lengths (varints, worst case). */
const RECORD_OVERHEAD = 40;

interface OutboxRow {
  seq: string;
  topic: string;
  key: string;
  type: string;
  tenant_id: string;
  payload: unknown;
  headers: Record<string, string>;
  created_at: Date;
}

interface Outgoing {
  row: OutboxRow;
  message: OutboundMessage;
  /** Size of the Kafka record this row becomes. */
  bytes: number;
}

/** Broker answers that mean "this record (or batch) is too big", never "try again". */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
export const isTooLargeError = (err: unknown): boolean => hasBrokerErrorType(err, TOO_LARGE);

function recordBytes(m: OutboundMessage): number {
  let n = RECORD_OVERHEAD + Buffer.byteLength(m.key) + Buffer.byteLength(m.value);
  for (const [k, v] of Object.entries(m.headers ?? {})) n += 10 + Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

const aggregateOf = (r: OutboxRow) => `${r.topic}\u0000${r.key}`;

/**
 * Rows the relay may publish now, oldest first: not published, not parked, and not behind a parked
 * row of the same aggregate (topic + key).
 *
 * Ordering choice: parking a row HOLDS the later rows of its aggregate. Events of one aggregate must
 * arrive in order (our promise to integrators; consumers apply snapshots in order), so publishing
 * them past the parked one and re-publishing it after a retry would deliver an older state last.
 * Other aggregates and tenants are not affected. The held rows go out, in order, right after the
 * parked row is retried (`crm outbox retry`) — or discarded (`crm outbox discard`).
 */
export const READY_ROWS = `
  SELECT o.seq, o.topic, o.key, o.type, o.tenant_id, o.payload, o.headers, o.created_at FROM outbox o
   WHERE ${READY_OUTBOX_ROW}
   ORDER BY o.seq LIMIT $1`;

/**
 * Opens a sweep: takes the schema's relay lock ($1: the lock's name) and forbids sorts for the rest
 * of the sweep's transaction. READY_ROWS must walk outbox_unpublished in seq order and stop after
 * `batchSize` rows; an outbox that grew since its last ANALYZE — a bulk import's backlog, a new
 * installation — makes the planner fetch EVERY unpublished row, test each, and sort them for the
 * first 500 instead (50 ms at a 20,000-row backlog, measured; the sweeps of a 100,000-row import
 * then cost 21.6 s of database time instead of 3.8 s: bench/README.md). Nothing else in the sweep sorts.
 */
export const SWEEP_START = `SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked, set_config('enable_sort', 'off', true)`;

/** Prefix of every statement that moves a row: records relay progress (readiness's stall check) in the same round trip. */
const PROGRESSED = `WITH progressed AS (UPDATE outbox_relay SET progressed_at = clock_timestamp())`;

/**
 * Publishes committed outbox rows in commit order. Every sweep takes ALL unpublished rows (oldest
 * first), so a crash between publish and mark only causes a re-publish (consumers dedupe), never a
 * lost event. A transaction-scoped advisory lock makes one relay per schema active at a time, which
 * keeps per-aggregate order even with several replicas of a service.
 *
 * A sweep is sent in producer requests of at most `maxBatchBytes`, so no batch of valid events can
 * exceed the broker's limit. A row the broker can never take (bigger than the limit, or refused as
 * too large on its own) is parked — `failed_at` + `error`, a log line, crm_outbox_failed — and the
 * relay keeps going with everything else.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private pending = false;
  /** This relay held the schema's relay lock at its last sweep (see active()). */
  private holdsLock = false;
  /** The listener the relay opened itself (no shared one given), closed when it stops. */
  private ownWakes?: WakeListener;
  private unlisten?: () => void;
  private readonly maxBatchBytes: number;
  /** Lowered when the broker refuses a multi-record request as too large (its limit is below ours). */
  private requestBytes: number;
  /**
   * Retention 0: a published row is deleted instead of marked (a new version of the whole row and
   * its index entries) and purged later, and there is no purge sweep (bench/README.md).
   */
  private readonly deleteAtPublish: boolean;

  constructor(
    private readonly ds: DataSource,
    private readonly bus: EventBus,
    private readonly opts: OutboxRelayOptions,
    private readonly log: Logger,
    private readonly metrics?: ServiceMetrics,
  ) {
    this.maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_OUTBOX_BATCH_MAX_BYTES;
    this.requestBytes = this.maxBatchBytes;
    this.deleteAtPublish = opts.retentionHours === 0;
    metrics?.watchOutbox(() => outboxStats(this.ds));
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const wakes = this.opts.wakes ?? (this.ownWakes = new WakeListener(this.opts.databaseUrl, `${this.opts.schema}-outbox-listener`, this.log));
    this.unlisten = await wakes.listen(outboxChannel(this.opts.schema), () => this.poke());
    this.loop = this.run();
  }

  /**
   * Whether this relay is the one publishing the schema's outbox: the service's writers then wake it
   * after their commit (EventPublisher.committed) and skip the NOTIFY, which only a relay in another
   * process needs.
   */
  active(): boolean {
    return this.running && this.holdsLock;
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
    let lockRetries = 0;
    while (this.running) {
      const poked = this.pending;
      this.pending = false;
      if (!this.deleteAtPublish && Date.now() - this.lastRetentionSweep > RETENTION_SWEEP_MS) {
        this.lastRetentionSweep = Date.now();
        await this.purgePublished().catch((err) => this.log.warn({ err }, 'outbox retention sweep failed'));
      }
      try {
        const { read, locked } = await this.sweep();
        failures = 0;
        this.holdsLock = locked;
        // Another replica's relay is sweeping and may have read before the commit that poked us (our
        // writers did not NOTIFY it while we held the lock): try again shortly; our writers notify
        // meanwhile, as this relay is not the active one now.
        if (!locked && poked && this.running && lockRetries < LOCK_RETRIES) {
          lockRetries++;
          await new Promise((r) => setTimeout(r, LOCK_RETRY_MS * 2 ** (lockRetries - 1)));
          this.pending = true;
          continue;
        }
        lockRetries = 0;
        // A full sweep may have left rows behind: look again at once. A shorter one saw every ready
        // row (published, parked, or held behind a parked one), so wait for the next NOTIFY or poll.
        if (read >= this.opts.batchSize) continue;
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

  /**
   * Publishes one sweep (up to `batchSize` rows, in byte-bounded requests); returns how many rows it
   * published or parked. If a request fails after earlier ones of the sweep went out, those stay
   * marked (committed) and the error is rethrown afterwards.
   */
  async drainOnce(): Promise<number> {
    return (await this.sweep()).handled;
  }

  /** One sweep: whether it got the relay lock, how many ready rows it read, and how many of them it published or parked. */
  private async sweep(): Promise<{ locked: boolean; read: number; handled: number }> {
    let deferred: unknown;
    const result = await this.ds.transaction(async (m) => {
      const [{ locked }] = await m.query(SWEEP_START, [`${this.opts.schema}.outbox`]);
      if (!locked) return { locked: false, read: 0, handled: 0 };
      const rows: OutboxRow[] = await m.query(READY_ROWS, [this.opts.batchSize]);
      if (!rows.length) return { locked: true, read: 0, handled: 0 };
      const progress = { handled: 0 };
      const held = new Set<string>();
      try {
        for (const chunk of this.chunks(rows.map((row) => this.outgoing(row)))) await this.send(m, chunk, held, progress);
      } catch (err) {
        if (progress.handled === 0) throw err;
        deferred = err;
      }
      return { locked: true, read: rows.length, handled: progress.handled };
    });
    if (deferred) throw deferred;
    return result;
  }

  private outgoing(row: OutboxRow): Outgoing {
    const message: OutboundMessage = {
      topic: row.topic,
      key: row.key,
      value: JSON.stringify(row.payload),
      headers: { 'content-type': 'application/cloudevents+json', ...row.headers },
      timestamp: new Date(row.created_at),
    };
    return { row, message, bytes: recordBytes(message) };
  }

  /** Consecutive runs of rows whose records fit one request; a record too big for any request comes alone. */
  private *chunks(all: Outgoing[]): Generator<Outgoing[]> {
    let chunk: Outgoing[] = [];
    let bytes = 0;
    for (const o of all) {
      // Read per record: a refusal while this sweep is sent lowers requestBytes for the rest of it.
      if (chunk.length && bytes + o.bytes > this.requestBytes - REQUEST_OVERHEAD) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(o);
      bytes += o.bytes;
    }
    if (chunk.length) yield chunk;
  }

  private async send(m: EntityManager, chunk: Outgoing[], held: Set<string>, progress: { handled: number }): Promise<void> {
    const live = chunk.filter((o) => !held.has(aggregateOf(o.row)));
    if (!live.length) return;
    if (live.length === 1 && live[0].bytes + REQUEST_OVERHEAD > this.maxBatchBytes) {
      await this.park(m, live[0], `record of ${live[0].bytes} bytes exceeds OUTBOX_BATCH_MAX_BYTES (${this.maxBatchBytes})`, held, progress);
      return;
    }
    try {
      await this.bus.publish(live.map((o) => o.message));
    } catch (err) {
      if (!isTooLargeError(err)) throw err;
      if (live.length === 1) {
        await this.park(m, live[0], `broker refused the record (${live[0].bytes} bytes): ${(err as Error).message}`, held, progress);
        return;
      }
      // The broker's limit is below ours: split, and send smaller requests from now on.
      const bytes = live.reduce((n, o) => n + o.bytes, 0) + REQUEST_OVERHEAD;
      if (bytes <= this.requestBytes) {
        this.requestBytes = Math.max(64 * 1024, Math.floor(bytes / 2));
        this.log.warn({ requestBytes: this.requestBytes, maxBatchBytes: this.maxBatchBytes }, 'broker refused a request as too large: OUTBOX_BATCH_MAX_BYTES is above its message.max.bytes; sending smaller requests');
      }
      const mid = Math.ceil(live.length / 2);
      await this.send(m, live.slice(0, mid), held, progress);
      await this.send(m, live.slice(mid), held, progress);
      return;
    }
    const done = this.deleteAtPublish ? `DELETE FROM outbox` : `UPDATE outbox SET published_at = now()`;
    await m.query(`${PROGRESSED} ${done} WHERE seq = ANY($1::bigint[])`, [live.map((o) => o.row.seq)]);
    progress.handled += live.length;
    const now = Date.now();
    for (const o of live) {
      this.metrics?.eventsPublished.inc({ topic: o.row.topic });
      this.metrics?.outboxPublishLatency.observe((now - new Date(o.row.created_at).getTime()) / 1000);
    }
  }

  /** Takes a row out of the stream for good (until retried); its aggregate's later rows wait behind it. */
  private async park(m: EntityManager, o: Outgoing, error: string, held: Set<string>, progress: { handled: number }): Promise<void> {
    await m.query(`${PROGRESSED} UPDATE outbox SET failed_at = now(), error = $2, failures = failures + 1 WHERE seq = $1`, [o.row.seq, error]);
    held.add(aggregateOf(o.row));
    progress.handled += 1;
    this.metrics?.outboxParked.inc({ topic: o.row.topic });
    this.log.error(
      { seq: o.row.seq, topic: o.row.topic, key: o.row.key, type: o.row.type, tenantId: o.row.tenant_id, bytes: o.bytes, error },
      'outbox row parked: the broker cannot take it; later events of the same aggregate wait for `crm outbox retry` / `crm outbox discard`',
    );
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
    this.unlisten?.();
    await this.ownWakes?.close();
  }
}
