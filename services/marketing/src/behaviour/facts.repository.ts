import { Injectable } from '@nestjs/common';
import { SqlParams, type Tx } from '@crm/platform';
import { consentStatus, preferredReachableChannel, type ReachabilityInput } from '@crm/shared-contacts';
import { CHANNELS } from '../segments/rules/rule';

/** Seed of the per-contact advisory lock key (apart from any other advisory lock of the schema). */
const CONTACT_LOCK_SEED = 7201;

/**
 * The contact's lock for this transaction, in every statement that takes it: the tenant ($1) and
 * `idText`, the contact id as a uuid's text (lowercase, as Postgres writes it — an event may name
 * the contact in capitals and must wait for the same lock).
 */
export const contactLockSql = (idText: string) => `pg_advisory_xact_lock(hashtextextended($1 || '/' || ${idText}, ${CONTACT_LOCK_SEED}))`;

/** One behaviour event of a contact, as segment rules count it. */
export interface ActivityRow {
  contactId: string;
  /** received | opened | clicked | bounced | form | order | deal_won */
  kind: string;
  /** What makes the event unique within its kind (message id, submission id, order id…): a redelivery writes nothing. */
  sourceId: string;
  occurredAt: string;
  amount?: string | null;
  currency?: string | null;
  products?: string[];
}

/** A timestamp from an event, or the fallback when it does not parse (a projection never dead-letters on a bad date). */
export function eventTime(value: string | null | undefined, fallback: string): string {
  return value && !Number.isNaN(Date.parse(value)) ? value : fallback;
}

/**
 * The behaviour projection: `contact_activity` (one row per counted event) and `contact_facts`
 * (per contact: aggregates recomputed from the activity, the lead score from score-changed events,
 * and what the replica row implies — reachable channel and current consent per channel — computed by
 * the @crm/shared-contacts functions themselves, so SQL reads exactly what routing would decide).
 *
 * Monetary: kept per currency (`monetary` = {"EUR": "120.5000"}); no conversion. A `spent` rule
 * names its currency; the RFM band uses the reporting currency (MARKETING_REPORTING_CURRENCY).
 */
@Injectable()
export class FactsRepository {
  /** Recomputes a contact's aggregates from its activity: $1 tenant, $2 contact (typed here: inside SegmentMembership.activityChanged's statement the lock's `$2::text` comes first). */
  static readonly AGGREGATES_SQL = `INSERT INTO contact_facts AS cf (tenant_id, contact_id, received_count, opened_count, clicked_count, bounced_count, form_count, last_touch_at,
                                order_count, first_order_at, last_order_at, monetary, products, deals_won_count, updated_at)
     SELECT $1, $2::uuid,
       count(*) FILTER (WHERE kind = 'received'), count(*) FILTER (WHERE kind = 'opened'), count(*) FILTER (WHERE kind = 'clicked'),
       count(*) FILTER (WHERE kind = 'bounced'), count(*) FILTER (WHERE kind = 'form'),
       max(occurred_at) FILTER (WHERE kind IN ('received', 'opened', 'clicked', 'form')),
       count(*) FILTER (WHERE kind = 'order'), min(occurred_at) FILTER (WHERE kind = 'order'), max(occurred_at) FILTER (WHERE kind = 'order'),
       COALESCE((SELECT jsonb_object_agg(m.currency, m.total) FROM (
           SELECT currency, sum(amount)::text AS total FROM contact_activity WHERE tenant_id = $1 AND contact_id = $2::uuid AND kind = 'order' AND currency IS NOT NULL GROUP BY currency) m), '{}'),
       COALESCE((SELECT array_agg(DISTINCT x ORDER BY x) FROM contact_activity o, unnest(o.products) x WHERE o.tenant_id = $1 AND o.contact_id = $2::uuid AND o.kind = 'order'), '{}'),
       count(*) FILTER (WHERE kind = 'deal_won'), now()
     FROM contact_activity WHERE tenant_id = $1 AND contact_id = $2::uuid
     ON CONFLICT (tenant_id, contact_id) DO UPDATE SET
       received_count = EXCLUDED.received_count, opened_count = EXCLUDED.opened_count, clicked_count = EXCLUDED.clicked_count,
       bounced_count = EXCLUDED.bounced_count, form_count = EXCLUDED.form_count, last_touch_at = EXCLUDED.last_touch_at,
       order_count = EXCLUDED.order_count, first_order_at = EXCLUDED.first_order_at, last_order_at = EXCLUDED.last_order_at,
       monetary = EXCLUDED.monetary, products = EXCLUDED.products, deals_won_count = EXCLUDED.deals_won_count, updated_at = now()`;

  /**
   * Serialises the work on one contact's facts and membership until the transaction ends. Events of
   * one contact arrive on several partitions (their keys are message or order ids) and are handled in
   * parallel: without it, two transactions each recount the activity without the other's uncommitted
   * row and the last one wins with a wrong count. Taken before reading; the second waits, and its
   * next statements (READ COMMITTED) see what the first committed.
   */
  async lockContact(tx: Tx, contactId: string): Promise<void> {
    await tx.query(`SELECT ${contactLockSql('$2::uuid::text')}`, [tx.tenantId, contactId]);
  }

  /** The locks of several contacts, always in the same (sorted) order, so two such transactions cannot wait on each other. */
  async lockContacts(tx: Tx, contactIds: string[]): Promise<void> {
    await tx.query(
      `SELECT ${contactLockSql('id')} FROM (SELECT DISTINCT unnest($2::uuid[])::text AS id ORDER BY 1) ids`,
      [tx.tenantId, contactIds],
    );
  }

  /**
   * Takes the contact's lock (lockContact) and records the activity, in one statement (the lock is
   * taken as the row to insert is produced, before the insert); returns the contact it was recorded
   * for, undefined when it was recorded already. A contact merged away has its event recorded for its
   * survivor (an event in flight during the merge, as lead scoring does). Nothing else may be read in
   * this statement: its snapshot predates the wait for the lock (the insert's conflict check is not
   * bound by it) — a merge committed during that wait is seen after it, by activityChanged.
   */
  async lockAndRecord(tx: Tx, a: ActivityRow): Promise<string | undefined> {
    const rows = await tx.prepared<{ contact_id: string }>(
      `WITH target AS (SELECT coalesce((SELECT merged_into FROM contact_replica WHERE tenant_id = $1 AND contact_id = $2::uuid), $2::uuid) AS id),
            locked AS (SELECT id, ${contactLockSql('id::text')} FROM target)
       INSERT INTO contact_activity (tenant_id, contact_id, kind, source_id, occurred_at, amount, currency, products)
       SELECT $1, id, $3, $4, $5::timestamptz, $6::numeric, $7, $8::text[] FROM locked ON CONFLICT DO NOTHING RETURNING contact_id`,
      [tx.tenantId, a.contactId, a.kind, a.sourceId, a.occurredAt, a.amount ?? null, a.currency ?? null, a.products ?? []],
    );
    return rows[0]?.contact_id;
  }

  /** The contacts with this activity (before deleting it: their locks come first). */
  async contactsOfActivity(tx: Tx, kind: string, sourceId: string): Promise<string[]> {
    const rows = await tx.query<{ contact_id: string }>(`SELECT DISTINCT contact_id FROM contact_activity WHERE tenant_id = $1 AND kind = $2 AND source_id = $3`, [tx.tenantId, kind, sourceId]);
    return rows.map((r) => r.contact_id);
  }

  /** The contacts whose activity was deleted (an order cancelled). */
  async deleteActivity(tx: Tx, kind: string, sourceId: string): Promise<string[]> {
    const rows = await tx.query<{ contact_id: string }>(`DELETE FROM contact_activity WHERE tenant_id = $1 AND kind = $2 AND source_id = $3 RETURNING contact_id`, [tx.tenantId, kind, sourceId]);
    return rows.map((r) => r.contact_id);
  }

  /** The aggregates of one contact, recomputed from its activity (idempotent, order-independent); under the contact's lock. */
  async refreshAggregates(tx: Tx, contactId: string): Promise<void> {
    await tx.query(FactsRepository.AGGREGATES_SQL, [tx.tenantId, contactId]);
  }

  /** The latest score wins (events may arrive out of order). */
  async setLeadScore(tx: Tx, contactId: string, score: number, changedAt: string): Promise<void> {
    await tx.query(
      `INSERT INTO contact_facts AS cf (tenant_id, contact_id, lead_score, lead_score_at) SELECT $1, $2, $3, $4::timestamptz
       WHERE NOT EXISTS (SELECT 1 FROM contact_replica r WHERE r.tenant_id = $1 AND r.contact_id = $2::uuid AND (r.erased_at IS NOT NULL OR r.merged_into IS NOT NULL))
       ON CONFLICT (tenant_id, contact_id) DO UPDATE SET lead_score = EXCLUDED.lead_score, lead_score_at = EXCLUDED.lead_score_at, updated_at = now()
       WHERE cf.lead_score_at IS NULL OR cf.lead_score_at <= EXCLUDED.lead_score_at`,
      [tx.tenantId, contactId, score, changedAt],
    );
  }

  /** What the replica row implies, computed by the shared reachability rule (null contact: nothing known). */
  static derive(c: ReachabilityInput | null): { reachable: string | null; consent: string } {
    const consent: Record<string, string> = {};
    if (!c) return { reachable: null, consent: '{}' };
    for (const ch of CHANNELS) {
      const s = consentStatus(c, ch);
      if (s) consent[ch] = s;
    }
    return { reachable: preferredReachableChannel(c), consent: JSON.stringify(consent) };
  }

  /** The upsert of derived columns, with its parameters at $1 (tenant), $2 (contact), then `p`: for use inside a larger statement. */
  static derivedUpsertSql(p: (v: unknown) => string, c: ReachabilityInput | null): string {
    const d = FactsRepository.derive(c);
    return `INSERT INTO contact_facts AS cf (tenant_id, contact_id, reachable_channel, consent) VALUES ($1, $2::uuid, ${p(d.reachable)}, ${p(d.consent)}::jsonb)
       ON CONFLICT (tenant_id, contact_id) DO UPDATE SET reachable_channel = EXCLUDED.reachable_channel, consent = EXCLUDED.consent, updated_at = now()
       WHERE cf.reachable_channel IS DISTINCT FROM EXCLUDED.reachable_channel OR cf.consent IS DISTINCT FROM EXCLUDED.consent`;
  }

  async setReplicaDerived(tx: Tx, contactId: string, c: ReachabilityInput | null): Promise<void> {
    const q = new SqlParams(tx.tenantId, contactId);
    await tx.query(FactsRepository.derivedUpsertSql(q.p, c), q.values);
  }

  /** The tenant has received events from `source` (e.g. 'sales'): rules over that data now apply. True the first time. */
  async markSource(tx: Tx, source: string): Promise<boolean> {
    const rows = await tx.query(`INSERT INTO projection_sources (tenant_id, source) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1 AS one`, [tx.tenantId, source]);
    return rows.length > 0;
  }

  /**
   * A merge: the duplicate's activity becomes the survivor's (the same event on both is kept once), its
   * score the higher of both scores events set (lead_score_at): a row only aggregates made holds the
   * column's default 0, which must neither raise a negative score nor win over one.
   */
  async moveContact(tx: Tx, fromId: string, toId: string): Promise<void> {
    await tx.query(
      `WITH moved AS (DELETE FROM contact_activity WHERE tenant_id = $1 AND contact_id = $2 RETURNING *)
       INSERT INTO contact_activity SELECT tenant_id, $3, kind, source_id, occurred_at, amount, currency, products FROM moved ON CONFLICT DO NOTHING`,
      [tx.tenantId, fromId, toId],
    );
    await tx.query(
      `WITH dup AS (DELETE FROM contact_facts WHERE tenant_id = $1 AND contact_id = $2 RETURNING lead_score, lead_score_at)
       INSERT INTO contact_facts AS cf (tenant_id, contact_id, lead_score, lead_score_at) SELECT $1, $3, lead_score, lead_score_at FROM dup WHERE lead_score_at IS NOT NULL
       ON CONFLICT (tenant_id, contact_id) DO UPDATE SET
         lead_score = CASE WHEN cf.lead_score_at IS NULL THEN EXCLUDED.lead_score ELSE GREATEST(cf.lead_score, EXCLUDED.lead_score) END,
         lead_score_at = GREATEST(cf.lead_score_at, EXCLUDED.lead_score_at), updated_at = now()`,
      [tx.tenantId, fromId, toId],
    );
  }

  /** An erasure: the person's behaviour leaves this module. */
  async deleteOfContact(tx: Tx, contactId: string): Promise<void> {
    await tx.query(`DELETE FROM contact_activity WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, contactId]);
    await tx.query(`DELETE FROM contact_facts WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, contactId]);
  }
}
