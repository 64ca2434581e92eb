import { Injectable } from '@nestjs/common';
import { currentActor, keysetPage, SqlParams, type ConnectionValue, type KeysetArgs, type KeysetOrder, type KeysetRow, type Tx } from '@crm/platform';
import type { Channel } from '../delivery/channel.port';
import {
  AbMetric, type Campaign, type CampaignMessage, type CampaignSettings, CampaignStatus, type CampaignStats, CampaignChannel, type ChannelMessages,
  type FollowUpCondition, type FollowUpStep, MessageStatus, type Suppression, type SuppressionReason,
} from './campaign.types';

export interface CampaignRow {
  [column: string]: unknown;
  id: string; tenant_id: string; name: string; goal: string | null; status: CampaignStatus;
  include_segment_ids: string[]; exclude_segment_ids: string[]; channels: Channel[]; messages: ChannelMessages;
  schedule_window: { start: string; end: string } | null; throttle: Partial<Record<Channel, number>>; quiet_hours: { start: string; end: string } | null;
  ab_test: { testShare: number; metric: AbMetric; durationHours: number } | null; ab_winner: string | null; ab_decided_at: Date | null;
  scheduled_at: Date | null; started_at: Date | null; completed_at: Date | null; created_by: string; created_at: Date;
}

export function toCampaign(r: CampaignRow): Campaign {
  return {
    id: r.id, name: r.name, goal: r.goal, status: r.status, includeSegmentIds: r.include_segment_ids, excludeSegmentIds: r.exclude_segment_ids,
    channels: r.channels as CampaignChannel[], messages: r.messages, sendWindow: r.schedule_window, quietHours: r.quiet_hours,
    throttle: r.throttle as Campaign['throttle'], abTest: r.ab_test, abWinner: r.ab_winner, abDecidedAt: r.ab_decided_at,
    scheduledAt: r.scheduled_at, startedAt: r.started_at, completedAt: r.completed_at, createdBy: r.created_by, createdAt: r.created_at,
  };
}

export interface VariantRow {
  [column: string]: unknown;
  campaign_id: string; key: string; subject: string | null; messages: ChannelMessages; channel_order: Channel[] | null;
}
export interface StepRow {
  [column: string]: unknown;
  id: string; campaign_id: string; position: number; condition: FollowUpCondition; after_hours: string; channels: Channel[]; messages: ChannelMessages; fired_at: Date | null;
}
export const toStep = (r: StepRow): FollowUpStep => ({
  id: r.id, position: r.position, condition: r.condition, afterHours: Number(r.after_hours), channels: r.channels as CampaignChannel[], firedAt: r.fired_at,
});

export interface MessageRow {
  [column: string]: unknown;
  id: string; campaign_id: string; step_id: string | null; contact_id: string; variant: string | null; channel: Channel | null; address: string | null;
  skip_reason: string | null; passed_over: { channel: Channel; reason: string }[]; status: MessageStatus; routed_at: Date; sent_at: Date | null;
  opened_at: Date | null; clicked_at: Date | null;
}
export const toMessage = (r: MessageRow): CampaignMessage => ({
  id: r.id, campaignId: r.campaign_id, stepId: r.step_id, contactId: r.contact_id, variant: r.variant, channel: r.channel as CampaignChannel | null,
  address: r.address, skipReason: r.skip_reason, passedOver: r.passed_over as CampaignMessage['passedOver'], status: r.status, routedAt: r.routed_at,
  sentAt: r.sent_at, openedAt: r.opened_at, clickedAt: r.clicked_at,
});

export interface NewCampaign {
  id: string; name: string; goal: string | null; includeSegmentIds: string[]; excludeSegmentIds: string[]; channels: Channel[];
  messages: ChannelMessages; sendWindow: { start: string; end: string } | null; quietHours: { start: string; end: string } | null;
  throttle: Partial<Record<Channel, number>>; abTest: { testShare: number; metric: AbMetric; durationHours: number } | null;
  variants: { key: string; subject: string | null; messages: ChannelMessages; channelOrder: Channel[] | null }[];
  steps: { condition: FollowUpCondition; afterHours: number; channels: Channel[]; messages: ChannelMessages }[];
  createdBy: string;
}

const CAMPAIGN_ORDER: KeysetOrder = { name: 'campaigns', key: 'created_at', dir: 'DESC', timestamp: true };
const MESSAGE_ORDER: KeysetOrder = { name: 'campaign-messages', key: 'routed_at', dir: 'DESC', timestamp: true };
const SUPPRESSION_ORDER: KeysetOrder = { name: 'suppressions', key: 'created_at', dir: 'DESC', timestamp: true };

export type JobKind = 'start' | 'dispatch' | 'ab_decide' | 'step';

/** The SQL of campaigns, their variants, steps, messages, the suppression list and settings; every method runs in the caller's tenant-bound transaction. */
@Injectable()
export class CampaignRepository {
  async insert(tx: Tx, c: NewCampaign): Promise<Campaign> {
    const row = await tx.one<CampaignRow>(
      `INSERT INTO campaigns (id, tenant_id, name, goal, include_segment_ids, exclude_segment_ids, channels, messages, schedule_window, quiet_hours, throttle, ab_test, created_by)
       VALUES ($1, $2, $3, $4, $5::uuid[], $6::uuid[], $7::text[], $8::jsonb, $9::jsonb, $10::jsonb, $11::jsonb, $12::jsonb, $13) RETURNING *`,
      [c.id, tx.tenantId, c.name, c.goal, c.includeSegmentIds, c.excludeSegmentIds, c.channels, JSON.stringify(c.messages),
        c.sendWindow && JSON.stringify(c.sendWindow), c.quietHours && JSON.stringify(c.quietHours), JSON.stringify(c.throttle), c.abTest && JSON.stringify(c.abTest), c.createdBy],
    );
    await this.writeChildren(tx, c);
    return toCampaign(row);
  }

  /** A draft's full replacement (updateCampaign): variants and steps are rewritten with it. */
  async replaceDraft(tx: Tx, c: NewCampaign): Promise<Campaign> {
    const row = await tx.one<CampaignRow>(
      `UPDATE campaigns SET name = $3, goal = $4, include_segment_ids = $5::uuid[], exclude_segment_ids = $6::uuid[], channels = $7::text[], messages = $8::jsonb,
         schedule_window = $9::jsonb, quiet_hours = $10::jsonb, throttle = $11::jsonb, ab_test = $12::jsonb, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 RETURNING *`,
      [tx.tenantId, c.id, c.name, c.goal, c.includeSegmentIds, c.excludeSegmentIds, c.channels, JSON.stringify(c.messages),
        c.sendWindow && JSON.stringify(c.sendWindow), c.quietHours && JSON.stringify(c.quietHours), JSON.stringify(c.throttle), c.abTest && JSON.stringify(c.abTest)],
    );
    await tx.query(`DELETE FROM campaign_variants WHERE tenant_id = $1 AND campaign_id = $2`, [tx.tenantId, c.id]);
    await tx.query(`DELETE FROM campaign_steps WHERE tenant_id = $1 AND campaign_id = $2`, [tx.tenantId, c.id]);
    await this.writeChildren(tx, c);
    return toCampaign(row);
  }

  private async writeChildren(tx: Tx, c: NewCampaign): Promise<void> {
    for (const v of c.variants) {
      await tx.query(`INSERT INTO campaign_variants (tenant_id, campaign_id, key, subject, messages, channel_order) VALUES ($1, $2, $3, $4, $5::jsonb, $6::text[])`, [
        tx.tenantId, c.id, v.key, v.subject, JSON.stringify(v.messages), v.channelOrder,
      ]);
    }
    let position = 1;
    for (const s of c.steps) {
      await tx.query(
        `INSERT INTO campaign_steps (id, tenant_id, campaign_id, position, condition, after_hours, channels, messages) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6::text[], $7::jsonb)`,
        [tx.tenantId, c.id, position++, s.condition, s.afterHours, s.channels, JSON.stringify(s.messages)],
      );
    }
  }

  async get(tx: Tx, id: string, lock = false): Promise<Campaign | null> {
    const r = await tx.maybeOne<CampaignRow>(`SELECT * FROM campaigns WHERE tenant_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`, [tx.tenantId, id]);
    return r ? toCampaign(r) : null;
  }

  async byIds(tx: Tx, ids: readonly string[]): Promise<Campaign[]> {
    return (await tx.query<CampaignRow>(`SELECT * FROM campaigns WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tx.tenantId, [...ids]])).map(toCampaign);
  }

  async setStatus(tx: Tx, id: string, status: CampaignStatus, extra = ''): Promise<Campaign> {
    return toCampaign(await tx.one<CampaignRow>(`UPDATE campaigns SET status = $3, updated_at = now()${extra ? `, ${extra}` : ''} WHERE tenant_id = $1 AND id = $2 RETURNING *`, [tx.tenantId, id, status]));
  }

  async setScheduled(tx: Tx, id: string, at: Date): Promise<Campaign> {
    return toCampaign(await tx.one<CampaignRow>(`UPDATE campaigns SET status = 'scheduled', scheduled_at = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING *`, [tx.tenantId, id, at]));
  }

  async setWinner(tx: Tx, id: string, winner: string): Promise<void> {
    await tx.query(`UPDATE campaigns SET ab_winner = $3, ab_decided_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id, winner]);
  }

  async list(tx: Tx, status: CampaignStatus | null, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Campaign>> {
    const page = keysetPage(CAMPAIGN_ORDER, args);
    const q = new SqlParams(tx.tenantId);
    const where = q.where(['tenant_id = $1', status && `status = ${q.p(status)}`]);
    const countParams = q.snapshot();
    const rows = await tx.query<CampaignRow & KeysetRow>(
      `SELECT *, ${page.sortKey} AS sort_key FROM campaigns WHERE ${q.where([where, page.afterSql(q.p)])} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
    const n = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM campaigns WHERE ${where}`, countParams)).n : null;
    return page.connection(rows, (r) => r.map(toCampaign), n);
  }

  async variants(tx: Tx, campaignId: string): Promise<VariantRow[]> {
    return tx.query<VariantRow>(`SELECT * FROM campaign_variants WHERE tenant_id = $1 AND campaign_id = $2 ORDER BY key`, [tx.tenantId, campaignId]);
  }

  async steps(tx: Tx, campaignId: string): Promise<StepRow[]> {
    return tx.query<StepRow>(`SELECT * FROM campaign_steps WHERE tenant_id = $1 AND campaign_id = $2 ORDER BY position`, [tx.tenantId, campaignId]);
  }

  async enqueueJob(tx: Tx, kind: JobKind, campaignId: string, dueAt: Date | null, extra: Record<string, unknown> = {}): Promise<void> {
    // The job acts for whoever caused it (the user who scheduled the campaign, through every job it chains).
    await tx.query(`INSERT INTO campaign_jobs (id, tenant_id, due_at, payload, actor_id) VALUES (gen_random_uuid(), $1, COALESCE($2::timestamptz, now()), $3::jsonb, $4)`, [
      tx.tenantId, dueAt, JSON.stringify({ kind, campaignId, ...extra }), currentActor(),
    ]);
  }

  /** Jobs of a campaign of a kind (pending) — e.g. is a dispatch already on its way. */
  async hasPendingJob(tx: Tx, kind: JobKind, campaignId: string): Promise<boolean> {
    return !!(await tx.maybeOne(`SELECT 1 FROM campaign_jobs WHERE tenant_id = $1 AND payload->>'kind' = $2 AND payload->>'campaignId' = $3 AND failed_at IS NULL`, [tx.tenantId, kind, campaignId]));
  }

  async deleteJobs(tx: Tx, campaignId: string): Promise<void> {
    await tx.query(`DELETE FROM campaign_jobs WHERE tenant_id = $1 AND payload->>'campaignId' = $2`, [tx.tenantId, campaignId]);
  }

  /** Cancel: every message not yet handed over is cancelled. Rows a dispatch batch holds wait for it (row locks). */
  async cancelQueued(tx: Tx, campaignId: string): Promise<number> {
    return (await tx.query(`UPDATE campaign_messages SET status = 'cancelled' WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'queued' RETURNING 1`, [tx.tenantId, campaignId])).length;
  }

  async messages(tx: Tx, f: { campaignId?: string; contactIds?: readonly string[]; status?: MessageStatus | null; channel?: Channel | null }, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<CampaignMessage>> {
    const page = keysetPage(MESSAGE_ORDER, args);
    const q = new SqlParams(tx.tenantId);
    const where = q.where([
      'tenant_id = $1',
      f.campaignId && `campaign_id = ${q.p(f.campaignId)}`,
      f.contactIds && `contact_id = ANY(${q.p([...f.contactIds])}::uuid[])`,
      f.status && `status = ${q.p(f.status)}`,
      f.channel && `channel = ${q.p(f.channel)}`,
    ]);
    const countParams = q.snapshot();
    const rows = await tx.query<MessageRow & KeysetRow>(
      `SELECT *, ${page.sortKey} AS sort_key FROM campaign_messages WHERE ${q.where([where, page.afterSql(q.p)])} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
    const n = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM campaign_messages WHERE ${where}`, countParams)).n : null;
    return page.connection(rows, (r) => r.map(toMessage), n);
  }

  /** One page of each contact's messages in one query (Contact.campaignMessages, batched by the gateway's _entities call). */
  async pageByContacts(tx: Tx, contactIds: readonly string[], args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<CampaignMessage>[]> {
    const page = keysetPage(MESSAGE_ORDER, args);
    return page.perParent<MessageRow & KeysetRow, CampaignMessage>(
      (sql, values) => tx.query(sql, values),
      { columns: '*', from: 'campaign_messages', where: 'tenant_id = $1 AND contact_id = ANY($2::uuid[])', partitionBy: 'contact_id' },
      new SqlParams(tx.tenantId, contactIds),
      contactIds,
      (rows) => rows.map(toMessage),
      withTotal,
    );
  }

  async stats(tx: Tx, campaignId: string): Promise<CampaignStats> {
    const rows = await tx.query<{ channel: Channel | null; status: string; skip_reason: string | null; n: number; opened: number; clicked: number; unsubscribed: number; delivered: number }>(
      `SELECT channel, status, skip_reason, count(*)::int AS n, count(opened_at)::int AS opened, count(clicked_at)::int AS clicked,
              count(unsubscribed_at)::int AS unsubscribed, count(delivered_at)::int AS delivered
       FROM campaign_messages WHERE tenant_id = $1 AND campaign_id = $2 GROUP BY channel, status, skip_reason`,
      [tx.tenantId, campaignId],
    );
    const converted = await this.conversions(tx, campaignId);
    const sum = (pred: (r: (typeof rows)[number]) => boolean, v: (r: (typeof rows)[number]) => number = (r) => r.n) => rows.filter(pred).reduce((a, r) => a + v(r), 0);
    const handedOver = (s: string) => ['sent', 'delivered', 'bounced'].includes(s);
    const skipped = new Map<string, number>();
    for (const r of rows) if (r.status === 'skipped' && r.skip_reason) skipped.set(r.skip_reason, (skipped.get(r.skip_reason) ?? 0) + r.n);
    const channels = [...new Set(rows.map((r) => r.channel).filter((c): c is Channel => !!c))].sort();
    return {
      routed: sum(() => true),
      queued: sum((r) => r.status === 'queued'),
      skipped: sum((r) => r.status === 'skipped'),
      skippedByReason: [...skipped].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([reason, count]) => ({ reason, count })),
      sent: sum((r) => handedOver(r.status)),
      delivered: sum(() => true, (r) => r.delivered),
      opened: sum(() => true, (r) => r.opened),
      clicked: sum(() => true, (r) => r.clicked),
      bounced: sum((r) => r.status === 'bounced'),
      failed: sum((r) => r.status === 'failed'),
      cancelled: sum((r) => r.status === 'cancelled'),
      unsubscribed: sum(() => true, (r) => r.unsubscribed),
      converted,
      byChannel: channels.map((ch) => ({
        channel: ch as CampaignChannel,
        routed: sum((r) => r.channel === ch),
        sent: sum((r) => r.channel === ch && handedOver(r.status)),
        delivered: sum((r) => r.channel === ch, (r) => r.delivered),
        opened: sum((r) => r.channel === ch, (r) => r.opened),
        clicked: sum((r) => r.channel === ch, (r) => r.clicked),
        bounced: sum((r) => r.channel === ch && r.status === 'bounced'),
        unsubscribed: sum((r) => r.channel === ch, (r) => r.unsubscribed),
      })),
    };
  }

  /**
   * Contacts with a conversion of this campaign (campaign_conversions is the attribution helper's
   * table; until that module's migration exists here the count is 0 rather than an error).
   */
  async conversions(tx: Tx, campaignId: string): Promise<number> {
    const exists = await tx.maybeOne<{ t: string | null }>(`SELECT to_regclass('campaign_conversions')::text AS t`);
    if (!exists?.t) return 0;
    return (await tx.one<{ n: number }>(`SELECT count(DISTINCT contact_id)::int AS n FROM campaign_conversions WHERE tenant_id = $1 AND campaign_id = $2`, [tx.tenantId, campaignId])).n;
  }

  /** Per A/B variant, in the test's sample only (the rest all got the winner): recipients, handed over, opened, clicked, converted. */
  async variantCounts(tx: Tx, campaignId: string): Promise<{ variant: string; recipients: number; sent: number; opened: number; clicked: number; converted: number }[]> {
    const conv = (await tx.maybeOne<{ t: string | null }>(`SELECT to_regclass('campaign_conversions')::text AS t`))?.t;
    return tx.query(
      `SELECT m.variant, count(*)::int AS recipients, count(*) FILTER (WHERE m.status IN ('sent','delivered','bounced'))::int AS sent,
              count(m.opened_at)::int AS opened, count(m.clicked_at)::int AS clicked,
              ${conv ? `count(*) FILTER (WHERE EXISTS (SELECT 1 FROM campaign_conversions cv WHERE cv.tenant_id = m.tenant_id AND cv.campaign_id = m.campaign_id AND cv.contact_id = m.contact_id))::int` : '0'} AS converted
       FROM campaign_messages m WHERE m.tenant_id = $1 AND m.campaign_id = $2 AND m.step_id IS NULL AND m.in_test AND m.status <> 'skipped'
       GROUP BY m.variant ORDER BY m.variant`,
      [tx.tenantId, campaignId],
    );
  }

  // ---- suppressions

  async suppress(tx: Tx, channel: Channel, address: string, reason: SuppressionReason, note: string | null): Promise<Suppression> {
    const r = await tx.one<SuppressionRow>(
      `INSERT INTO suppressions (tenant_id, channel, address, reason, note) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, channel, address) DO UPDATE SET note = COALESCE(EXCLUDED.note, suppressions.note) RETURNING *`,
      [tx.tenantId, channel, address, reason, note],
    );
    return toSuppression(r);
  }

  async unsuppress(tx: Tx, channel: Channel, address: string): Promise<boolean> {
    return (await tx.query(`DELETE FROM suppressions WHERE tenant_id = $1 AND channel = $2 AND address = $3 RETURNING 1`, [tx.tenantId, channel, address])).length > 0;
  }

  async suppressions(tx: Tx, channel: Channel | null, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Suppression>> {
    const page = keysetPage(SUPPRESSION_ORDER, args);
    const q = new SqlParams(tx.tenantId);
    const where = q.where(['tenant_id = $1', channel && `channel = ${q.p(channel)}`]);
    const countParams = q.snapshot();
    const rows = await tx.query<SuppressionRow & KeysetRow>(
      `SELECT *, ${page.sortKey} AS sort_key FROM suppressions WHERE ${q.where([where, page.afterSql(q.p)])} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
    const n = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM suppressions WHERE ${where}`, countParams)).n : null;
    return page.connection(rows, (r) => r.map(toSuppression), n);
  }

  // ---- settings

  async settings(tx: Tx): Promise<CampaignSettings> {
    const r = await tx.maybeOne<{ frequency_cap: number; frequency_window_days: number; default_time_zone: string }>(`SELECT * FROM campaign_settings WHERE tenant_id = $1`, [tx.tenantId]);
    return { frequencyCap: r?.frequency_cap ?? 3, frequencyWindowDays: r?.frequency_window_days ?? 7, defaultTimeZone: r?.default_time_zone ?? 'UTC' };
  }

  async saveSettings(tx: Tx, s: CampaignSettings): Promise<CampaignSettings> {
    await tx.query(
      `INSERT INTO campaign_settings (tenant_id, frequency_cap, frequency_window_days, default_time_zone) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id) DO UPDATE SET frequency_cap = EXCLUDED.frequency_cap, frequency_window_days = EXCLUDED.frequency_window_days, default_time_zone = EXCLUDED.default_time_zone, updated_at = now()`,
      [tx.tenantId, s.frequencyCap, s.frequencyWindowDays, s.defaultTimeZone],
    );
    return s;
  }

  // ---- contact lifecycle (ContactLifecycle calls these in the transaction applying contact.merged / contact.erased)

  /**
   * A merge: the duplicate's messages now belong to the survivor. Idempotency keys are rewritten
   * too, unless the survivor already has a message of the same campaign step (then the duplicate's
   * keeps its old key: both stay, as both were really sent).
   */
  async moveContact(tx: Tx, duplicateId: string, survivorId: string): Promise<void> {
    await tx.query(
      `UPDATE campaign_messages m SET contact_id = $3::uuid,
         idempotency_key = CASE WHEN EXISTS (SELECT 1 FROM campaign_messages s WHERE s.tenant_id = m.tenant_id AND s.idempotency_key = replace(m.idempotency_key, $4::text, $5::text))
                           THEN m.idempotency_key ELSE replace(m.idempotency_key, $4::text, $5::text) END
       WHERE tenant_id = $1 AND contact_id = $2::uuid`,
      [tx.tenantId, duplicateId, survivorId, duplicateId, survivorId],
    );
  }

  /**
   * An erasure: the person's address and rendered bodies go; the rows stay, anonymous, so campaign
   * counts (sent, opened, skipped by reason) do not change. Their suppression entries stay (a
   * suppressed address must stay suppressed — legal basis: the objection itself).
   */
  async eraseContact(tx: Tx, contactId: string): Promise<void> {
    await tx.query(
      `UPDATE campaign_messages SET address = NULL, subject = NULL, body_text = NULL, body_html = NULL, passed_over = '[]',
         status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END
       WHERE tenant_id = $1 AND contact_id = $2`,
      [tx.tenantId, contactId],
    );
  }
}

interface SuppressionRow {
  [column: string]: unknown;
  id: string; channel: Channel; address: string; reason: SuppressionReason; note: string | null; created_at: Date;
}
const toSuppression = (r: SuppressionRow): Suppression => ({ channel: r.channel as CampaignChannel, address: r.address, reason: r.reason, note: r.note, createdAt: r.created_at });
