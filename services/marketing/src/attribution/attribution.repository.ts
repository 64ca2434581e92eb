import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { keysetPage, SqlParams, type ConnectionValue, type KeysetArgs, type KeysetOrder, type KeysetRow, type Tx } from '@crm/platform';
import { formatMinor, fromDb, money } from '@crm/shared-kernel';
import type { AdSpend } from './attribution.types';

/** Attribution dimensions as stored: '' when unknown (see the migration). */
export interface Dims {
  source: string;
  medium: string;
  campaign: string;
  keyword: string;
}

export interface SpendRowInput extends Dims {
  day: string;
  /** Decimal string with at most the currency's minor units, ≥ 0. */
  cost: string;
  currency: string;
  clicks: number | null;
  impressions: number | null;
}

export interface SpendRow extends SpendRowInput {
  id: string;
}

export interface SpendDay extends Dims {
  [column: string]: unknown;
  day: string;
  cost: string;
  currency: string;
}

export interface NewTouch extends Dims {
  key: string;
  contactId: string;
  kind: 'form' | 'campaign_sent' | 'campaign_clicked' | 'deal_source';
  at: string | Date;
  campaignId: string | null;
}

export interface ReportTouchRow extends Dims {
  [column: string]: unknown;
  contact_id: string;
  at_ms: number;
  campaign_id: string | null;
}

export interface ConversionRow {
  [column: string]: unknown;
  kind: 'deal_won' | 'order_placed';
  source_id: string;
  contact_id: string;
  amount: string;
  currency: string;
  converted_at: Date;
}

export interface NewConversion {
  kind: 'deal_won' | 'order_placed';
  sourceId: string;
  contactId: string;
  dealId: string | null;
  amount: string;
  currency: string;
  at: string;
}

/**
 * How long after a campaign message a won deal or placed order still counts as that campaign's
 * conversion (campaign_conversions is stored, so its window is fixed; reports take their own).
 */
export const CAMPAIGN_CONVERSION_WINDOW_DAYS = 90;

export interface SpendListFilter {
  from?: string | null;
  to?: string | null;
  source?: string | null;
  campaign?: string | null;
  keyword?: string | null;
}

interface StoredSpendRow {
  [column: string]: unknown;
  id: string; day_text: string; source: string; medium: string; campaign: string; keyword: string; cost_text: string; currency: string;
  clicks: number | null; impressions: number | null; recorded_by: string; recorded_at: Date;
}

const SPEND_ORDER: KeysetOrder = { name: 'ad_spend', key: `to_char(day, 'YYYY-MM-DD')`, dir: 'DESC' };

const orNull = (s: string) => (s === '' ? null : s);

/** A period of days as UTC instants [first day 00:00, day after the last 00:00): days are UTC days whatever the session's TimeZone. */
function utcBounds(from: string, to: string): [string, string] {
  return [`${from}T00:00:00.000Z`, new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString()];
}

function toAdSpend(r: StoredSpendRow): AdSpend {
  return {
    id: r.id, day: r.day_text, source: r.source, medium: orNull(r.medium), campaign: orNull(r.campaign), keyword: orNull(r.keyword),
    cost: money(fromDb(r.cost_text, r.currency), r.currency), clicks: r.clicks, impressions: r.impressions, recordedBy: r.recorded_by, recordedAt: r.recorded_at,
  };
}

/** The SQL of attribution; every method runs in the caller's tenant-bound transaction. */
@Injectable()
export class AttributionRepository {
  // ---- ad spend

  /** Inserts or replaces each row by (day, source, medium, campaign, keyword); a replaced row keeps its id. */
  async upsertSpend(tx: Tx, rows: SpendRowInput[], recordedBy: string): Promise<SpendRow[]> {
    if (!rows.length) return [];
    const col = <K extends keyof SpendRowInput>(k: K) => rows.map((r) => r[k]);
    const out = await tx.query<{ id: string; day: string; source: string; medium: string; campaign: string; keyword: string; cost: string; currency: string; clicks: number | null; impressions: number | null }>(
      `INSERT INTO ad_spend AS s (id, tenant_id, day, source, medium, campaign, keyword, cost, currency, clicks, impressions, recorded_by)
       SELECT id, $1, day, source, medium, campaign, keyword, cost, currency, clicks, impressions, $12
         FROM unnest($2::uuid[], $3::date[], $4::text[], $5::text[], $6::text[], $7::text[], $8::numeric[], $9::text[], $10::int[], $11::int[])
           AS u (id, day, source, medium, campaign, keyword, cost, currency, clicks, impressions)
       ON CONFLICT (tenant_id, day, source, medium, campaign, keyword) DO UPDATE
         SET cost = EXCLUDED.cost, currency = EXCLUDED.currency, clicks = EXCLUDED.clicks, impressions = EXCLUDED.impressions,
             recorded_by = EXCLUDED.recorded_by, recorded_at = now()
       RETURNING s.id, to_char(s.day, 'YYYY-MM-DD') AS day, s.source, s.medium, s.campaign, s.keyword, s.cost::text AS cost, s.currency, s.clicks, s.impressions`,
      [
        tx.tenantId, rows.map(() => randomUUID()), col('day'), col('source'), col('medium'), col('campaign'), col('keyword'),
        col('cost'), col('currency'), col('clicks'), col('impressions'), recordedBy,
      ],
    );
    // numeric(20,3) reads back as "120.500": shown with the currency's own minor units.
    return out.map((r) => ({ ...r, cost: formatMinor(fromDb(r.cost, r.currency), r.currency) }));
  }

  /** Recorded spend, newest day first (Query.adSpend). */
  async listSpend(tx: Tx, f: SpendListFilter, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<AdSpend>> {
    const page = keysetPage(SPEND_ORDER, args);
    const q = new SqlParams(tx.tenantId);
    const where = q.where([
      'tenant_id = $1',
      f.from && `day >= ${q.p(f.from)}::date`,
      f.to && `day <= ${q.p(f.to)}::date`,
      f.source && `source = ${q.p(f.source)}`,
      f.campaign && `campaign = ${q.p(f.campaign)}`,
      f.keyword && `keyword = ${q.p(f.keyword)}`,
    ]);
    const countParams = q.snapshot();
    const after = page.afterSql(q.p);
    const rows = await tx.query<StoredSpendRow & KeysetRow>(
      `SELECT *, to_char(day, 'YYYY-MM-DD') AS day_text, cost::text AS cost_text, ${page.sortKey} AS sort_key FROM ad_spend
        WHERE ${q.where([where, after])} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
    const n = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM ad_spend WHERE ${where}`, countParams)).n : null;
    return page.connection(rows, (r) => r.map(toAdSpend), n);
  }

  async spendBetween(tx: Tx, from: string, to: string): Promise<SpendDay[]> {
    return tx.query<SpendDay>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, source, medium, campaign, keyword, cost::text AS cost, currency
         FROM ad_spend WHERE tenant_id = $1 AND day BETWEEN $2::date AND $3::date`,
      [tx.tenantId, from, to],
    );
  }

  // ---- projections from events

  /**
   * The id to store for the contact an event names: the survivor it was merged into (the replica
   * flattens merge chains); for an erased contact a fresh random id, so a late event (a deal won
   * after the erasure) still counts in the figures but links to nobody, as eraseContact leaves it.
   */
  async survivorOf(tx: Tx, contactId: string): Promise<string> {
    const r = await tx.maybeOne<{ id: string; erased: boolean }>(
      `SELECT coalesce(merged_into, contact_id) AS id, erased_at IS NOT NULL AS erased FROM contact_replica WHERE tenant_id = $1 AND contact_id = $2`,
      [tx.tenantId, contactId],
    );
    if (r?.erased) return randomUUID();
    return r?.id ?? contactId;
  }

  /** A touch; the same key twice is one touch, at the earlier time (a deal's source seen on created and on won). */
  async addTouch(tx: Tx, t: NewTouch): Promise<void> {
    await tx.query(
      `INSERT INTO touches (tenant_id, touch_key, contact_id, kind, touched_at, source, medium, campaign, keyword, campaign_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (tenant_id, touch_key) DO UPDATE SET touched_at = LEAST(touches.touched_at, EXCLUDED.touched_at)`,
      [tx.tenantId, t.key, t.contactId, t.kind, t.at, t.source, t.medium, t.campaign, t.keyword, t.campaignId],
    );
  }

  /** A lead: the first time the contact was seen (created, or a form submitted earlier than that). */
  async addLead(tx: Tx, contactId: string, at: string | Date): Promise<void> {
    // Prepared: run for every contact created.
    await tx.prepared(
      `INSERT INTO leads (tenant_id, contact_id, lead_at) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, contact_id) DO UPDATE SET lead_at = LEAST(leads.lead_at, EXCLUDED.lead_at)`,
      [tx.tenantId, contactId, at],
    );
  }

  /** Marketing-qualified; the first qualification counts for the funnel. */
  async markMql(tx: Tx, contactId: string, at: string): Promise<void> {
    await tx.query(
      `INSERT INTO leads (tenant_id, contact_id, lead_at, mql_at) VALUES ($1, $2, $3, $3)
       ON CONFLICT (tenant_id, contact_id) DO UPDATE SET mql_at = LEAST(coalesce(leads.mql_at, EXCLUDED.mql_at), EXCLUDED.mql_at), lead_at = LEAST(leads.lead_at, EXCLUDED.lead_at)`,
      [tx.tenantId, contactId, at],
    );
  }

  async markSalesSeen(tx: Tx, at: string): Promise<void> {
    await tx.query(`INSERT INTO sales_seen (tenant_id, first_event_at) VALUES ($1, $2) ON CONFLICT (tenant_id) DO NOTHING`, [tx.tenantId, at]);
  }

  async salesSeen(tx: Tx): Promise<boolean> {
    return !!(await tx.maybeOne(`SELECT 1 FROM sales_seen WHERE tenant_id = $1`, [tx.tenantId]));
  }

  async addDeal(tx: Tx, dealId: string, contactId: string, at: string): Promise<void> {
    await tx.query(
      `INSERT INTO sales_deals (tenant_id, deal_id, contact_id, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, deal_id) DO UPDATE SET created_at = LEAST(sales_deals.created_at, EXCLUDED.created_at)`,
      [tx.tenantId, dealId, contactId, at],
    );
  }

  /** A won deal or placed order (a deal won again after a reopen replaces its figures). */
  async addConversion(tx: Tx, c: NewConversion): Promise<void> {
    await tx.query(
      `INSERT INTO sales_conversions (tenant_id, kind, source_id, contact_id, deal_id, amount, currency, converted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (tenant_id, kind, source_id) DO UPDATE
         SET contact_id = EXCLUDED.contact_id, amount = EXCLUDED.amount, currency = EXCLUDED.currency, converted_at = EXCLUDED.converted_at`,
      [tx.tenantId, c.kind, c.sourceId, c.contactId, c.dealId, c.amount, c.currency, c.at],
    );
  }

  /** A reopened deal or cancelled order: it is no revenue any more, nor any campaign's conversion. */
  async retractConversion(tx: Tx, kind: 'deal_won' | 'order_placed', sourceId: string): Promise<void> {
    await tx.query(`DELETE FROM sales_conversions WHERE tenant_id = $1 AND kind = $2 AND source_id = $3`, [tx.tenantId, kind, sourceId]);
    await tx.query(`DELETE FROM campaign_conversions WHERE tenant_id = $1 AND kind = $2 AND source_id = $3`, [tx.tenantId, kind, sourceId]);
  }

  /**
   * campaign_conversions of one contact: every conversion preceded, within the window, by a message
   * of a campaign sent to (or clicked by) the contact. Run after either side arrives — the sales and
   * marketing topics are not ordered with each other.
   */
  async linkCampaignConversions(tx: Tx, contactId: string): Promise<void> {
    // The touch and the conversion arrive on two topics, applied by two consumers in concurrent
    // transactions: each would miss the other's uncommitted row. Serialised per contact, the second
    // to take the lock runs its INSERT … SELECT after the first committed, and sees both (READ COMMITTED).
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || ':attribution:' || $2, 0))`, [tx.tenantId, contactId]);
    await tx.query(
      `INSERT INTO campaign_conversions (tenant_id, campaign_id, contact_id, kind, source_id, amount, currency, converted_at)
       SELECT DISTINCT c.tenant_id, t.campaign_id, c.contact_id, c.kind, c.source_id, c.amount, c.currency, c.converted_at
         FROM sales_conversions c
         JOIN touches t ON t.tenant_id = c.tenant_id AND t.contact_id = c.contact_id AND t.campaign_id IS NOT NULL
                       AND t.touched_at <= c.converted_at AND t.touched_at >= c.converted_at - make_interval(secs => $3 * 86400)
        WHERE c.tenant_id = $1 AND c.contact_id = $2
       ON CONFLICT DO NOTHING`,
      [tx.tenantId, contactId, CAMPAIGN_CONVERSION_WINDOW_DAYS],
    );
  }

  // ---- report reads

  /**
   * Conversions of the period in one currency. An order placed for a won deal is the same money
   * as the deal: it is left out while the deal's win stands.
   */
  async conversionsBetween(tx: Tx, from: string, to: string): Promise<ConversionRow[]> {
    return tx.query<ConversionRow>(
      `SELECT c.kind, c.source_id, c.contact_id, c.amount::text AS amount, c.currency, c.converted_at
         FROM sales_conversions c
        WHERE c.tenant_id = $1 AND c.converted_at >= $2::timestamptz AND c.converted_at < $3::timestamptz
          AND NOT (c.kind = 'order_placed' AND c.deal_id IS NOT NULL AND EXISTS (
                SELECT 1 FROM sales_conversions w WHERE w.tenant_id = c.tenant_id AND w.kind = 'deal_won' AND w.source_id = c.deal_id))
        ORDER BY c.converted_at, c.source_id`,
      [tx.tenantId, ...utcBounds(from, to)],
    );
  }

  async leadsBetween(tx: Tx, from: string, to: string): Promise<{ contact_id: string; lead_at: Date }[]> {
    return tx.query(`SELECT contact_id, lead_at FROM leads WHERE tenant_id = $1 AND lead_at >= $2::timestamptz AND lead_at < $3::timestamptz`, [tx.tenantId, ...utcBounds(from, to)]);
  }

  /**
   * The touches a report can credit: of the contacts with a lead or a conversion in the period, and
   * no older than the window before its first day; oldest first per contact. The time comes as epoch
   * milliseconds (a number parses far faster than a timestamp string at 100k rows).
   */
  async touchesForReport(tx: Tx, from: string, to: string, windowDays: number): Promise<ReportTouchRow[]> {
    return tx.query<ReportTouchRow>(
      `SELECT t.contact_id, (extract(epoch FROM t.touched_at) * 1000)::float8 AS at_ms, t.source, t.medium, t.campaign, t.keyword, t.campaign_id
         FROM touches t
        WHERE t.tenant_id = $1 AND t.touched_at >= $4::timestamptz AND t.touched_at < $3::timestamptz
          AND t.contact_id IN (SELECT contact_id FROM leads WHERE tenant_id = $1 AND lead_at >= $2::timestamptz AND lead_at < $3::timestamptz
                               UNION
                               SELECT contact_id FROM sales_conversions WHERE tenant_id = $1 AND converted_at >= $2::timestamptz AND converted_at < $3::timestamptz)
        ORDER BY t.contact_id, t.touched_at, t.touch_key`,
      [tx.tenantId, ...utcBounds(from, to), new Date(Date.parse(`${from}T00:00:00Z`) - windowDays * 86_400_000).toISOString()],
    );
  }

  /**
   * The funnel of the leads of a period, grouped by the dimension of each lead's first touch. Stages
   * are "reached by the end of the period" and cumulative, as lifecycle stages are: a lead with a deal
   * passed qualification even if no MQL event was seen, a customer passed the deal stage even when
   * buying without a pipeline deal. So every count is at most the one before it.
   */
  async funnel(tx: Tx, from: string, to: string, by: 'source' | 'campaign'): Promise<{ source: string; campaign: string; campaign_id: string | null; leads: number; mqls: number; deals: number; won: number }[]> {
    const groupCols = by === 'source' ? `coalesce(ft.source, '') AS source, '' AS campaign, NULL::uuid AS campaign_id` : `'' AS source, coalesce(ft.campaign, '') AS campaign, ft.campaign_id`;
    return tx.query(
      `WITH stage AS (
         SELECT l.tenant_id, l.contact_id,
                l.mql_at < $3::timestamptz AS mql,
                EXISTS (SELECT 1 FROM sales_deals d WHERE d.tenant_id = l.tenant_id AND d.contact_id = l.contact_id AND d.created_at < $3::timestamptz) AS deal,
                EXISTS (SELECT 1 FROM sales_conversions c WHERE c.tenant_id = l.tenant_id AND c.contact_id = l.contact_id AND c.converted_at < $3::timestamptz) AS won
           FROM leads l
          WHERE l.tenant_id = $1 AND l.lead_at >= $2::timestamptz AND l.lead_at < $3::timestamptz)
       SELECT ${groupCols},
              count(*)::int AS leads,
              count(*) FILTER (WHERE s.mql OR s.deal OR s.won)::int AS mqls,
              count(*) FILTER (WHERE s.deal OR s.won)::int AS deals,
              count(*) FILTER (WHERE s.won)::int AS won
         FROM stage s
         LEFT JOIN LATERAL (SELECT t.source, t.campaign, t.campaign_id FROM touches t WHERE t.tenant_id = s.tenant_id AND t.contact_id = s.contact_id
                             ORDER BY t.touched_at, t.touch_key LIMIT 1) ft ON true
        GROUP BY 1, 2, 3
        ORDER BY leads DESC, 1, 2`,
      [tx.tenantId, ...utcBounds(from, to)],
    );
  }

  // ---- contact lifecycle (called by ContactLifecycle, in the contact event's transaction)

  /** A merge: the duplicate's touches, lead, deals and conversions are the survivor's. */
  async moveContact(tx: Tx, duplicateId: string, survivorId: string): Promise<void> {
    const args = [tx.tenantId, duplicateId, survivorId];
    await tx.query(`UPDATE touches SET contact_id = $3 WHERE tenant_id = $1 AND contact_id = $2`, args);
    // One lead per person: the earlier lead and qualification of the two.
    await tx.query(
      `INSERT INTO leads (tenant_id, contact_id, lead_at, mql_at)
       SELECT tenant_id, $3, lead_at, mql_at FROM leads WHERE tenant_id = $1 AND contact_id = $2
       ON CONFLICT (tenant_id, contact_id) DO UPDATE
         SET lead_at = LEAST(leads.lead_at, EXCLUDED.lead_at), mql_at = LEAST(coalesce(leads.mql_at, EXCLUDED.mql_at), coalesce(EXCLUDED.mql_at, leads.mql_at))`,
      args,
    );
    await tx.query(`DELETE FROM leads WHERE tenant_id = $1 AND contact_id = $2`, args.slice(0, 2));
    await tx.query(`UPDATE sales_deals SET contact_id = $3 WHERE tenant_id = $1 AND contact_id = $2`, args);
    await tx.query(`UPDATE sales_conversions SET contact_id = $3 WHERE tenant_id = $1 AND contact_id = $2`, args);
    await tx.query(`UPDATE campaign_conversions SET contact_id = $3 WHERE tenant_id = $1 AND contact_id = $2`, args);
    // The duplicate's touches may now precede the survivor's conversions (and the reverse).
    await this.linkCampaignConversions(tx, survivorId);
  }

  /**
   * An erasure: nothing here may lead back to the person, but the figures stay — spend, revenue,
   * lead and conversion counts are the business's. Every row of the contact is given one fresh random
   * id that is stored nowhere else, so reports are unchanged and no row can be joined to anyone.
   */
  async eraseContact(tx: Tx, contactId: string): Promise<void> {
    const args = [tx.tenantId, contactId, randomUUID()];
    for (const table of ['touches', 'leads', 'sales_deals', 'sales_conversions', 'campaign_conversions']) {
      await tx.query(`UPDATE ${table} SET contact_id = $3 WHERE tenant_id = $1 AND contact_id = $2`, args);
    }
  }
}
