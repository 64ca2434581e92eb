import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { MessageBouncedV1, MessageClickedV1, MessageComplainedV1, MessageDeliveredV1, MessageOpenedV1, UnsubscribedV1 } from '@crm/events';
import { LOGGER, UnitOfWork, type Tx } from '@crm/platform';
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

/** A hit waiting for its write: an open (linkIndex null) or a click on one of the message's links. */
interface PendingHit {
  messageId: string;
  linkIndex: number | null;
  resolve: (url: string | undefined) => void;
  reject: (err: unknown) => void;
}

/**
 * What a tracking hit or a provider callback changes: the message's tracking columns in
 * campaign_messages, the suppression list, and the event — bound to the tenant the token or the
 * message names. `col = now()` after `coalesce(col, now())` says "this hit set it", since now() is
 * the transaction's own start time.
 */
@Injectable()
export class Tracking implements OnApplicationShutdown {
  /** Opens and clicks not yet written, per tenant. */
  private pending = new Map<string, PendingHit[]>();
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly uow: UnitOfWork,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  /** Counts an open; resolves once it is committed (a hit is stored before it is answered). */
  async recordOpen(c: TrackingClaim): Promise<void> {
    await this.enqueue(c.tenantId, c.messageId, null);
  }

  /**
   * Counts a click once it is committed, with MessageClickedV1: the stored URL of the clicked link,
   * or undefined when the message has no such link (nothing is counted then).
   */
  click(c: TrackingClaim): Promise<string | undefined> {
    return this.enqueue(c.tenantId, c.messageId, c.linkIndex);
  }

  /**
   * Group commit: hits arriving while a write runs are written together in the next one (per tenant
   * one UPDATE over all their messages, the events in the same transaction), so the rate the
   * database sees falls as the load rises while each hit still waits for its own durable commit.
   * Clicks go the same way as opens: a click written alone, one transaction each, was what held the
   * tail of a mixed load (bench/README.md, tracking).
   */
  private enqueue(tenantId: string, messageId: string, linkIndex: number | null): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      let hits = this.pending.get(tenantId);
      if (!hits) this.pending.set(tenantId, (hits = []));
      hits.push({ messageId, linkIndex, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.flushing = this.flushing.then(() => new Promise<void>((r) => setImmediate(r))).then(() => this.flush());
      }
    });
  }

  /** Resolves once every hit recorded so far is written (tests, shutdown). */
  async settled(): Promise<void> {
    // flushScheduled turns false when a write starts, so wait for the chain itself (it holds the running write).
    do await this.flushing;
    while (this.flushScheduled);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.settled();
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    await Promise.all(
      [...batch].map(async ([tenantId, hits]) => {
        try {
          const urls = await this.writeHits(tenantId, hits);
          hits.forEach((h, i) => h.resolve(urls[i]));
        } catch (err) {
          this.log.error({ err, tenantId, hits: hits.length }, 'tracking hits could not be written (answered 503)');
          for (const h of hits) h.reject(err);
        }
      }),
    );
  }

  /**
   * One tenant's hits in one transaction: open and click counts per message, opened_at/clicked_at
   * stamped by the first, MessageOpenedV1 for a message's first open, MessageClickedV1 per click.
   * Returns, per hit, the clicked link's URL (undefined for an open, an unknown message or link).
   */
  private writeHits(tenantId: string, hits: PendingHit[]): Promise<(string | undefined)[]> {
    return this.uow.run(tenantId, async (tx) => {
      const rows = await tx.query<RefRow & { links: string[]; opened_at: Date | null; first_open: boolean; now: Date }>(
        `WITH hits AS (SELECT * FROM unnest($2::uuid[], $3::int[]) AS h(id, link)),
              counted AS (
                SELECT h.id, count(*) FILTER (WHERE h.link IS NULL)::int AS opens,
                       count(*) FILTER (WHERE h.link >= 0 AND h.link < cardinality(d.links))::int AS clicks
                FROM hits h JOIN delivery_messages d ON d.tenant_id = $1 AND d.message_id = h.id
                GROUP BY h.id)
         UPDATE campaign_messages m SET
           open_count = coalesce(m.open_count, 0) + c.opens,
           opened_at = CASE WHEN c.opens > 0 THEN coalesce(m.opened_at, now()) ELSE m.opened_at END,
           click_count = coalesce(m.click_count, 0) + c.clicks,
           clicked_at = CASE WHEN c.clicks > 0 THEN coalesce(m.clicked_at, now()) ELSE m.clicked_at END
         FROM counted c, delivery_messages d
         WHERE m.tenant_id = $1 AND m.id = c.id AND d.tenant_id = $1 AND d.message_id = m.id AND (c.opens > 0 OR c.clicks > 0)
         RETURNING ${REF}, d.links, m.opened_at, c.opens > 0 AND m.opened_at = now() AS first_open, now() AS now`,
        [tenantId, hits.map((h) => h.messageId), hits.map((h) => h.linkIndex)],
      );
      const byId = new Map(rows.map((r) => [r.message_id, r]));
      const first = rows.filter((r) => r.first_open);
      if (first.length) await tx.emitMany(MessageOpenedV1, first.map((r) => ({ subject: r.message_id, data: { ...refOf(r), openedAt: r.opened_at!.toISOString() } })));
      const rowOf = hits.map((h) => byId.get(h.messageId.toLowerCase()));
      const urls = hits.map((h, i) => (h.linkIndex === null ? undefined : rowOf[i]?.links[h.linkIndex]));
      const clicks = hits.flatMap((_, i) => {
        const r = rowOf[i];
        return r && urls[i] ? [{ subject: r.message_id, data: { ...refOf(r), url: urls[i]!, clickedAt: r.now.toISOString() } }] : [];
      });
      if (clicks.length) await tx.emitMany(MessageClickedV1, clicks);
      return urls;
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
