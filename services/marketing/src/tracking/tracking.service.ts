import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { MessageBouncedV1, MessageClickedV1, MessageComplainedV1, MessageDeliveredV1, MessageOpenedV1, UnsubscribedV1 } from '@crm/events';
import { LOGGER, PLATFORM_CONFIG, runsBackgroundWork, SERVICE_INFO, UnitOfWork, type BaseServiceConfig, type ServiceInfo, type Tx } from '@crm/platform';
import type { Channel } from '../delivery/channel.port';
import type { TrackingClaim } from './tracking-token';

/** The message references every message event carries (messageRef), from delivery_messages. */
interface RefRow {
  [column: string]: unknown;
  message_id: string; campaign_id: string; campaign_name: string; contact_id: string; channel: Channel; variant: string | null;
}

const REF = `d.message_id, d.campaign_id, d.campaign_name, d.contact_id, d.channel, d.variant`;

const refOf = (r: RefRow) => ({ messageId: r.message_id, campaignId: r.campaign_id, campaignName: r.campaign_name, contactId: r.contact_id, channel: r.channel, variant: r.variant });

/** A provider's report on one message (signed webhook). */
export interface ProviderReport {
  messageId: string;
  type: 'delivered' | 'bounced' | 'complained';
  bounce?: 'hard' | 'soft';
  diagnostic?: string | null;
  occurredAt: Date;
}

/** A hit waiting to be stored: an open (linkIndex null) or a click on one of the message's links. */
interface PendingHit {
  tenantId: string;
  messageId: string;
  linkIndex: number | null;
  resolve: (stored: StoredHit) => void;
  reject: (err: unknown) => void;
}

/** What storing a hit found: its message (and, for a click, the link) exists and the hit is stored; the clicked link's URL. */
export type StoredHit = { stored: false } | { stored: true; url?: string };

/** A stored hit as the background step takes it. */
interface HitRow {
  [column: string]: unknown;
  id: string;
  message_id: string;
  link_index: number | null;
  at: Date;
}

/** Hits applied per tenant transaction by the background step; a fuller batch is followed at once by the next. */
const PROCESS_BATCH = 1000;
/** After a failed batch: the tenant is tried again this much later (its hits stay stored). */
const RETRY_MS = 1000;
/** Hits left by a stopped or crashed process (this replica's or another's) are found by this sweep, and at start. */
const SWEEP_MS = 10_000;
/** In a worker process (PROCESS_ROLE=worker) every hit comes from an api process: it is found by this sweep. */
const WORKER_SWEEP_MS = 1000;

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/**
 * The tenants with stored hits, by one probe of the (tenant_id, id) index per tenant (a loose index
 * scan): a worker sweeps every second, and `SELECT DISTINCT` read every stored hit — 15.6 ms at a
 * backlog of 100,000 hits against 0.15 ms (bench/README.md, session 18).
 */
export const TENANTS_WITH_HITS = `WITH RECURSIVE t AS (
    (SELECT tenant_id FROM tracking_hits ORDER BY tenant_id LIMIT 1)
    UNION ALL
    SELECT (SELECT h.tenant_id FROM tracking_hits h WHERE h.tenant_id > t.tenant_id ORDER BY h.tenant_id LIMIT 1) FROM t WHERE t.tenant_id IS NOT NULL
  ) SELECT tenant_id FROM t WHERE tenant_id IS NOT NULL`;

/**
 * What a tracking hit or a provider callback changes: the message's tracking columns in
 * campaign_messages, the suppression list, and the event — bound to the tenant the token or the
 * message names. `col = now()` after `coalesce(col, now())` says "this call set it", since now() is
 * the transaction's own start time (unsubscribe, provider reports).
 *
 * A hit (open pixel, click redirect) is answered once it is stored, and only its smallest durable
 * record is written on the way: a row of tracking_hits, inserted for every hit that arrived in the
 * same turn of the event loop by one statement on a connection of its own (group commit), so a hit
 * never queues behind the pool, another statement or a transaction of several round trips. The
 * counters, opened_at/clicked_at and the events (MessageOpenedV1 on a message's first open,
 * MessageClickedV1 per click) are produced from the stored hits by a background step, in batches per
 * tenant that delete the hits they apply in the same transaction: each stored hit is applied exactly
 * once, and hits a stopped or crashed process left behind are applied by the next one (bench/README.md,
 * "Issue 9: tracking hits p99").
 */
@Injectable()
export class Tracking implements OnApplicationBootstrap, OnApplicationShutdown {
  /** How long stored hits gather before the background step applies them (more per transaction, fewer transactions). */
  processDelayMs = 50;
  private queue: PendingHit[] = [];
  private storing?: Promise<void>;
  private writer?: Promise<Client>;
  private dirty = new Set<string>();
  private processing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly ds: DataSource,
    @Inject(PLATFORM_CONFIG) private readonly config: BaseServiceConfig,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  /** Stores an open; resolves once it is committed (a hit is stored before it is answered). An unknown message stores nothing. */
  async recordOpen(c: TrackingClaim): Promise<void> {
    await this.store(c.tenantId, c.messageId, null);
  }

  /** Stores a click once committed: the stored URL of the clicked link, or undefined when the message has no such link (nothing stored then). */
  async click(c: TrackingClaim): Promise<string | undefined> {
    const r = await this.store(c.tenantId, c.messageId, c.linkIndex);
    return r.stored ? r.url : undefined;
  }

  /**
   * Hits a previous process stored and did not apply are found before this one takes requests. An
   * `api` process (PROCESS_ROLE) only stores hits: a worker applies them.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (!runsBackgroundWork(this.info)) return;
    await this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.info.role === 'worker' ? WORKER_SWEEP_MS : SWEEP_MS);
    this.sweepTimer.unref();
  }

  /**
   * Stops the background step after its batch in flight; stored hits not yet applied stay for the
   * next start. Hits being stored are finished first (their requests are still waiting for the answer).
   */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    while (this.storing) await this.storing;
    await this.processing;
    const writer = this.writer;
    this.writer = undefined;
    await writer?.then((c) => c.end()).catch(() => undefined);
  }

  /** Resolves once every hit received so far is stored and applied (tests). */
  async settled(): Promise<void> {
    while (this.storing) await this.storing;
    for (;;) {
      clearTimeout(this.timer);
      this.timer = undefined;
      if (this.processing) await this.processing;
      else if (this.dirty.size && !this.stopped) this.startProcessing();
      else return;
    }
  }

  private store(tenantId: string, messageId: string, linkIndex: number | null): Promise<StoredHit> {
    return new Promise((resolve, reject) => {
      this.queue.push({ tenantId, messageId, linkIndex, resolve, reject });
      this.storing ??= this.drainQueue();
    });
  }

  /**
   * Group commit: the hits of this turn of the event loop go in one statement; those arriving while
   * it runs go in the next, so the statements the database sees fall as the load rises while each hit
   * still waits for its own durable commit.
   */
  private async drainQueue(): Promise<void> {
    await nextTurn();
    try {
      while (this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        try {
          const results = await this.insertHits(batch);
          batch.forEach((h, i) => h.resolve(results[i]));
          this.poke(batch.filter((_, i) => results[i].stored).map((h) => h.tenantId));
        } catch (err) {
          this.log.error({ err, hits: batch.length }, 'tracking hits could not be stored (answered 503)');
          for (const h of batch) h.reject(err);
        }
      }
    } finally {
      this.storing = undefined;
    }
  }

  /**
   * One autocommit statement for every tenant's hits: each checked against its message's row in
   * delivery_messages (a click also against the message's links) and stored; returns, per hit,
   * whether it was stored and the clicked link's URL. Runs as the module's login with no tenant
   * bound (the cross-tenant policy of both tables); the tenant of each hit comes from its signed
   * token and must match the message's.
   */
  private async insertHits(hits: PendingHit[]): Promise<StoredHit[]> {
    const client = await this.connection();
    let rows: { n: string; url: string | null }[];
    try {
      // Named: parsed and planned once on the writer's connection, then only executed.
      ({ rows } = await client.query<{ n: string; url: string | null }>({
        name: 'tracking-hits-insert',
        text: `WITH h AS (
           SELECT h.n, h.tenant_id, h.message_id, h.link, d.links
             FROM unnest($1::text[], $2::uuid[], $3::int[]) WITH ORDINALITY AS h(tenant_id, message_id, link, n)
             JOIN delivery_messages d ON d.message_id = h.message_id AND d.tenant_id = h.tenant_id
            WHERE h.link IS NULL OR (h.link >= 0 AND h.link < cardinality(d.links))),
         stored AS (INSERT INTO tracking_hits (tenant_id, message_id, link_index) SELECT tenant_id, message_id, link FROM h ORDER BY n)
         SELECT n, links[link + 1] AS url FROM h`,
        values: [hits.map((h) => h.tenantId), hits.map((h) => h.messageId), hits.map((h) => h.linkIndex)],
      }));
    } catch (err) {
      // A broken connection must not stay the writer: the next batch opens a new one.
      this.dropConnection(client);
      throw err;
    }
    const out: StoredHit[] = hits.map(() => ({ stored: false }));
    for (const r of rows) out[Number(r.n) - 1] = { stored: true, url: r.url ?? undefined };
    return out;
  }

  /** The hits' own connection, outside the pool: a hit never waits for a pooled connection or behind another unit of work. */
  private connection(): Promise<Client> {
    this.writer ??= (async () => {
      const c = new Client({
        connectionString: this.config.DATABASE_URL,
        application_name: `crm-${this.info.name}-tracking-hits`,
        options: `-c search_path=${this.info.schema},public`,
      });
      c.on('error', (err) => {
        this.log.warn({ err }, 'tracking hits connection lost; the next hits open a new one');
        this.dropConnection(c);
      });
      await c.connect();
      return c;
    })().catch((err) => {
      this.writer = undefined;
      throw err;
    });
    return this.writer;
  }

  private dropConnection(c: Client): void {
    void this.writer?.then((w) => {
      if (w === c) this.writer = undefined;
    });
    c.end().catch(() => undefined);
  }

  /** Tenants with stored hits: applied after processDelayMs, so a batch gathers what arrives meanwhile. */
  private poke(tenants: Iterable<string>): void {
    if (!runsBackgroundWork(this.info)) return;
    for (const t of tenants) this.dirty.add(t);
    if (!this.dirty.size || this.stopped || this.timer || this.processing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.processing && !this.stopped) this.startProcessing();
    }, this.processDelayMs);
  }

  /** Every tenant with hits left in the table (another process's, or this one's before a restart). */
  private async sweep(): Promise<void> {
    try {
      const rows: { tenant_id: string }[] = await this.ds.query(TENANTS_WITH_HITS);
      this.poke(rows.map((r) => r.tenant_id));
    } catch (err) {
      this.log.warn({ err }, 'tracking hits sweep failed; retried at the next');
    }
  }

  /** One run of the background step at a time; tenants that failed are tried again after RETRY_MS. */
  private startProcessing(): void {
    const run: Promise<void> = this.processAll().then((failed) => {
      if (this.processing === run) this.processing = undefined;
      if (failed.size && !this.stopped) {
        this.retryTimer = setTimeout(() => this.poke(failed), RETRY_MS);
        this.retryTimer.unref();
      }
      this.poke([]);
    });
    this.processing = run;
  }

  /**
   * Applies the stored hits of the tenants dirty when the run starts, a batch per transaction,
   * yielding the event loop between batches; returns the tenants that failed. Tenants that get hits
   * during the run are applied by the next run, processDelayMs after this one (poke): going on with
   * them at once applied one or two hits per transaction under a steady load, a transaction and an
   * event batch every few milliseconds instead of every processDelayMs.
   */
  private async processAll(): Promise<Set<string>> {
    const failed = new Set<string>();
    await nextTurn();
    const tenants = [...this.dirty];
    this.dirty.clear();
    for (const tenantId of tenants) {
      if (this.stopped) break;
      try {
        while ((await this.applyHits(tenantId)) === PROCESS_BATCH && !this.stopped) await nextTurn();
      } catch (err) {
        failed.add(tenantId);
        this.log.error({ err, tenantId }, 'stored tracking hits could not be applied; they stay stored and are retried');
      }
      await nextTurn();
    }
    return failed;
  }

  /**
   * One tenant's oldest stored hits in one transaction, deleted as they are applied: open and click
   * counts per message, opened_at/clicked_at from the first hit, MessageOpenedV1 for a message's
   * first open, MessageClickedV1 per click (each at its hit's time). SKIP LOCKED: replicas share the
   * work without applying a hit twice. A hit whose message is gone meanwhile (erased) is dropped.
   */
  private applyHits(tenantId: string): Promise<number> {
    return this.uow.run(tenantId, async (tx) => {
      const hits = await tx.query<HitRow>(
        `DELETE FROM tracking_hits WHERE id IN (SELECT id FROM tracking_hits WHERE tenant_id = $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id, message_id, link_index, at`,
        [tenantId, PROCESS_BATCH],
      );
      if (!hits.length) return 0;
      hits.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      const rows = await tx.query<RefRow & { links: string[]; opened_at: Date | null; first_open: boolean }>(
        `WITH hits AS (SELECT * FROM unnest($2::uuid[], $3::int[], $4::timestamptz[]) AS h(id, link, at)),
              counted AS (
                SELECT id, count(*) FILTER (WHERE link IS NULL)::int AS opens, min(at) FILTER (WHERE link IS NULL) AS first_open,
                       count(*) FILTER (WHERE link IS NOT NULL)::int AS clicks, min(at) FILTER (WHERE link IS NOT NULL) AS first_click
                FROM hits GROUP BY id),
              prev AS (SELECT m.id, m.opened_at FROM campaign_messages m JOIN counted c ON c.id = m.id WHERE m.tenant_id = $1 FOR UPDATE OF m)
         UPDATE campaign_messages m SET
           open_count = coalesce(m.open_count, 0) + c.opens,
           opened_at = CASE WHEN c.opens > 0 THEN coalesce(m.opened_at, c.first_open) ELSE m.opened_at END,
           click_count = coalesce(m.click_count, 0) + c.clicks,
           clicked_at = CASE WHEN c.clicks > 0 THEN coalesce(m.clicked_at, c.first_click) ELSE m.clicked_at END
         FROM counted c, prev p, delivery_messages d
         WHERE m.tenant_id = $1 AND m.id = c.id AND p.id = m.id AND d.tenant_id = $1 AND d.message_id = m.id
         RETURNING ${REF}, d.links, m.opened_at, c.opens > 0 AND p.opened_at IS NULL AS first_open`,
        [tenantId, hits.map((h) => h.message_id), hits.map((h) => h.link_index), hits.map((h) => h.at)],
      );
      const byId = new Map(rows.map((r) => [r.message_id, r]));
      const first = rows.filter((r) => r.first_open);
      if (first.length) await tx.emitMany(MessageOpenedV1, first.map((r) => ({ subject: r.message_id, data: { ...refOf(r), openedAt: r.opened_at!.toISOString() } })));
      const clicks = hits.flatMap((h) => {
        const r = h.link_index === null ? undefined : byId.get(h.message_id);
        const url = r?.links[h.link_index!];
        return r && url ? [{ subject: r.message_id, data: { ...refOf(r), url, clickedAt: h.at.toISOString() } }] : [];
      });
      if (clicks.length) await tx.emitMany(MessageClickedV1, clicks);
      return hits.length;
    });
  }

  /** Whether the token's message exists (the confirmation page of GET /u/:token). */
  async unsubscribeTarget(c: TrackingClaim): Promise<{ channel: Channel; campaignName: string } | undefined> {
    return this.uow.run(c.tenantId, (tx) =>
      tx.maybeOne<{ channel: Channel; campaign_name: string }>(`SELECT channel, campaign_name FROM delivery_messages WHERE tenant_id = $1 AND message_id = $2`, [c.tenantId, c.messageId]),
    ).then((r) => (r ? { channel: r.channel, campaignName: r.campaign_name } : undefined));
  }

  /** One-click unsubscribe: stamps unsubscribed_at, suppresses the address, emits UnsubscribedV1 once. False: no such message. */
  unsubscribe(c: TrackingClaim): Promise<boolean> {
    return this.uow.run(c.tenantId, async (tx) => {
      const r = await tx.maybeOne<RefRow & { address: string; unsubscribed_at: Date; first: boolean }>(
        `UPDATE campaign_messages m SET unsubscribed_at = coalesce(m.unsubscribed_at, now())
         FROM delivery_messages d
         WHERE m.tenant_id = $1 AND m.id = $2 AND d.tenant_id = $1 AND d.message_id = m.id
         RETURNING ${REF}, d.address, m.unsubscribed_at, m.unsubscribed_at = now() AS first`,
        [c.tenantId, c.messageId],
      );
      if (!r) return false;
      await suppress(tx, r.channel, r.address, 'unsubscribe');
      if (r.first) await emitUnsubscribed(tx, r, 'unsubscribe', r.unsubscribed_at);
      return true;
    });
  }

  /** A provider's report; false when the message is not (or no longer) known. */
  report(tenantId: string, p: ProviderReport): Promise<boolean> {
    return this.uow.run(tenantId, async (tx) => {
      const column = { delivered: 'delivered_at', bounced: 'bounced_at', complained: 'complained_at' }[p.type];
      const status =
        p.type === 'delivered'
          ? `CASE WHEN m.status IN ('queued', 'sending', 'sent') THEN 'delivered' ELSE m.status END`
          : p.type === 'bounced' && p.bounce === 'hard'
            ? `'bounced'`
            : 'm.status';
      const r = await tx.maybeOne<RefRow & { address: string; at: Date; first: boolean; was_bounced: boolean }>(
        `WITH prev AS (SELECT id, ${column} AS stamped, status FROM campaign_messages WHERE tenant_id = $1 AND id = $2 FOR UPDATE)
         UPDATE campaign_messages m SET ${column} = coalesce(m.${column}, $3), status = ${status}
         FROM prev, delivery_messages d
         WHERE m.tenant_id = $1 AND m.id = prev.id AND d.tenant_id = $1 AND d.message_id = m.id
         RETURNING ${REF}, d.address, m.${column} AS at, prev.stamped IS NULL AS first, prev.status = 'bounced' AS was_bounced`,
        [tenantId, p.messageId, p.occurredAt],
      );
      if (!r) return false;
      const ref = refOf(r);
      if (p.type === 'delivered') {
        if (r.first) await tx.emit(MessageDeliveredV1, r.message_id, { ...ref, deliveredAt: r.at.toISOString() });
      } else if (p.type === 'bounced') {
        const kind = p.bounce ?? 'hard';
        if (kind === 'hard') await suppress(tx, r.channel, r.address, 'hard_bounce');
        // A soft bounce may precede the hard one: each changes what the marketer sees, a repeat does not.
        if (r.first || (kind === 'hard' && !r.was_bounced)) await tx.emit(MessageBouncedV1, r.message_id, { ...ref, kind, diagnostic: p.diagnostic ?? null, bouncedAt: p.occurredAt.toISOString() });
      } else {
        await suppress(tx, r.channel, r.address, 'complaint');
        if (r.first) {
          await tx.emit(MessageComplainedV1, r.message_id, { ...ref, complainedAt: r.at.toISOString() });
          await emitUnsubscribed(tx, r, 'complaint', r.at);
        }
      }
      return true;
    });
  }
}

function suppress(tx: Tx, channel: Channel, address: string, reason: 'hard_bounce' | 'complaint' | 'unsubscribe') {
  return tx.query(`INSERT INTO suppressions (tenant_id, channel, address, reason, created_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT DO NOTHING`, [tx.tenantId, channel, address, reason]);
}

/** Contacts — the one writer of consent — records the withdrawal from this event. */
function emitUnsubscribed(tx: Tx, r: RefRow, reason: 'unsubscribe' | 'complaint', at: Date) {
  return tx.emit(UnsubscribedV1, r.contact_id, {
    contactId: r.contact_id,
    channel: r.channel,
    reason,
    campaignId: r.campaign_id,
    campaignName: r.campaign_name,
    messageId: r.message_id,
    unsubscribedAt: at.toISOString(),
  });
}
