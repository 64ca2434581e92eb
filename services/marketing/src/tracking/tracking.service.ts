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

/**
 * What a tracking hit or a provider callback changes: the message's tracking columns in
 * campaign_messages, the suppression list, and the event — one transaction each, bound to the
 * tenant the token or the message names. Hits are one UPDATE … RETURNING (plus the outbox row when
 * there is an event): `col = now()` after `coalesce(col, now())` says "this hit set it", since now()
 * is the transaction's own start time.
 */
@Injectable()
export class Tracking implements OnApplicationShutdown {
  /** Opens not yet written: tenant → message id → hits, and the hits waiting for that write. */
  private pendingOpens = new Map<string, Map<string, number>>();
  private waiting: { resolve: () => void; reject: (err: unknown) => void; tenantId: string }[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly uow: UnitOfWork,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  /**
   * Counts an open; resolves once it is committed (a hit is stored before it is answered). Hits
   * arriving while a write runs are written together in the next one (per tenant one UPDATE over all
   * their messages, the first opens' events in the same transaction): group commit, so the rate the
   * database sees falls as the load rises, and each hit still waits for its own durable commit.
   */
  recordOpen(c: TrackingClaim): Promise<void> {
    let counts = this.pendingOpens.get(c.tenantId);
    if (!counts) this.pendingOpens.set(c.tenantId, (counts = new Map()));
    counts.set(c.messageId, (counts.get(c.messageId) ?? 0) + 1);
    const written = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject, tenantId: c.tenantId }));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.flushing = this.flushing.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => this.flushOpens());
    }
    return written;
  }

  /** Resolves once every open recorded so far is written (tests, shutdown). */
  async settled(): Promise<void> {
    // flushScheduled turns false when a write starts, so wait for the chain itself (it holds the running write).
    do await this.flushing;
    while (this.flushScheduled);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.settled();
  }

  private async flushOpens(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.pendingOpens;
    const waiting = this.waiting;
    this.pendingOpens = new Map();
    this.waiting = [];
    await Promise.all(
      [...batch].map(async ([tenantId, counts]) => {
        const mine = waiting.filter((w) => w.tenantId === tenantId);
        try {
          await this.openMany(tenantId, counts);
          for (const w of mine) w.resolve();
        } catch (err) {
          this.log.error({ err, tenantId, hits: counts.size }, 'open tracking hits could not be written (answered 503)');
          for (const w of mine) w.reject(err);
        }
      }),
    );
  }

  /** Counts opens; a message's first stamps opened_at and emits MessageOpenedV1. Returns how many messages were known. */
  openMany(tenantId: string, counts: Map<string, number>): Promise<number> {
    return this.uow.run(tenantId, async (tx) => {
      const rows = await tx.query<RefRow & { opened_at: Date; first: boolean }>(
        `UPDATE campaign_messages m SET open_count = coalesce(m.open_count, 0) + u.hits, opened_at = coalesce(m.opened_at, now())
         FROM unnest($2::uuid[], $3::int[]) AS u(id, hits), delivery_messages d
         WHERE m.tenant_id = $1 AND m.id = u.id AND d.tenant_id = $1 AND d.message_id = m.id
         RETURNING ${REF}, m.opened_at, m.opened_at = now() AS first`,
        [tenantId, [...counts.keys()], [...counts.values()]],
      );
      const first = rows.filter((r) => r.first);
      if (first.length) await tx.emitMany(MessageOpenedV1, first.map((r) => ({ subject: r.message_id, data: { ...refOf(r), openedAt: r.opened_at.toISOString() } })));
      return rows.length;
    });
  }

  /** The stored URL of the clicked link (and MessageClickedV1), or undefined when the message has no such link. */
  click(c: TrackingClaim): Promise<string | undefined> {
    return this.uow.run(c.tenantId, async (tx) => {
      const r = await tx.maybeOne<RefRow & { url: string; now: Date }>(
        `UPDATE campaign_messages m SET click_count = coalesce(m.click_count, 0) + 1, clicked_at = coalesce(m.clicked_at, now())
         FROM delivery_messages d
         WHERE m.tenant_id = $1 AND m.id = $2 AND d.tenant_id = $1 AND d.message_id = m.id AND cardinality(d.links) > $3
         RETURNING ${REF}, d.links[$3 + 1] AS url, now() AS now`,
        [c.tenantId, c.messageId, c.linkIndex],
      );
      if (!r) return undefined;
      await tx.emit(MessageClickedV1, r.message_id, { ...refOf(r), url: r.url, clickedAt: r.now.toISOString() });
      return r.url;
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
