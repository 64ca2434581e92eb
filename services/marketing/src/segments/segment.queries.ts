import { Inject, Injectable } from '@nestjs/common';
import { isUuid, notFound, invalidField, parseInput, UnitOfWork, type ConnectionValue, type KeysetArgs, type Tx } from '@crm/platform';
import { SegmentMembership } from './segment-membership';
import { SegmentRepository, type MemberRecord, type MembershipChangeRecord, type SegmentRecord } from './segment.repository';
import { SEGMENTS_CONFIG, type SegmentsConfig } from './segments.config';
import { ACTIVE } from './rules/rule.compiler';
import { ruleSchema } from './rules/rule';
import type { AudiencePortrait, PortraitBucket, SegmentRuleInput } from './segment.types';

export const PREVIEW_CONTACTS = 20;

/**
 * The RFM band of a member, from contact_facts (`f`): R by the last order (≤ 30 days 3, ≤ 90 days 2,
 * older 1), F by the order count (≥ 5: 3, 2–4: 2, 1: 1), M by the total in the reporting currency
 * (≥ 1000: 3, ≥ 250: 2, less: 1). Bands: no order → prospects; R 3 and F+M ≥ 5 → champions;
 * R ≥ 2 and F+M ≥ 4 → loyal; R 3 and F 1 → new; R 1 and F+M ≥ 4 → at_risk; R 1 → lost; else needs_attention.
 */
export function rfmBandSql(currencyParam: string): string {
  const r = `CASE WHEN f.last_order_at IS NULL THEN 0 WHEN f.last_order_at >= now() - interval '30 days' THEN 3 WHEN f.last_order_at >= now() - interval '90 days' THEN 2 ELSE 1 END`;
  const fq = `CASE WHEN f.order_count >= 5 THEN 3 WHEN f.order_count >= 2 THEN 2 ELSE 1 END`;
  const spent = `COALESCE((f.monetary ->> ${currencyParam})::numeric, 0)`;
  const m = `CASE WHEN ${spent} >= 1000 THEN 3 WHEN ${spent} >= 250 THEN 2 ELSE 1 END`;
  return `CASE WHEN (${r}) = 0 THEN 'prospects'
    WHEN (${r}) = 3 AND (${fq}) + (${m}) >= 5 THEN 'champions'
    WHEN (${r}) >= 2 AND (${fq}) + (${m}) >= 4 THEN 'loyal'
    WHEN (${r}) = 3 AND (${fq}) = 1 THEN 'new'
    WHEN (${r}) = 1 AND (${fq}) + (${m}) >= 4 THEN 'at_risk'
    WHEN (${r}) = 1 THEN 'lost'
    ELSE 'needs_attention' END`;
}

export const LEAD_SCORE_BAND = `CASE WHEN COALESCE(f.lead_score, 0) >= 75 THEN '75+' WHEN f.lead_score >= 50 THEN '50-74' WHEN f.lead_score >= 25 THEN '25-49' ELSE '0-24' END`;

/** Reads of segments (DataLoader batches, federation, portraits, previews), each in one unit of work. */
@Injectable()
export class SegmentQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly segments: SegmentRepository,
    private readonly membership: SegmentMembership,
    @Inject(SEGMENTS_CONFIG) private readonly config: SegmentsConfig,
  ) {}

  /** Segments by id, in the order asked; a malformed or unknown id is null (it never fails the batch). */
  async byIds(tenantId: string, ids: readonly string[]): Promise<(SegmentRecord | null)[]> {
    const valid = [...new Set(ids.map((i) => i.toLowerCase()).filter(isUuid))];
    const found = valid.length ? await this.uow.run(tenantId, (tx) => this.segments.byIds(tx, valid)) : [];
    const byId = new Map(found.map((i) => [i.id, i]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  list(tenantId: string): Promise<SegmentRecord[]> {
    return this.uow.run(tenantId, (tx) => this.segments.list(tx));
  }

  async sizes(tenantId: string, ids: readonly string[]): Promise<number[]> {
    const m = await this.uow.run(tenantId, (tx) => this.segments.sizes(tx, ids));
    return ids.map((id) => m.get(id) ?? 0);
  }

  ofContacts(tenantId: string, contactIds: readonly string[]): Promise<SegmentRecord[][]> {
    return this.uow.run(tenantId, async (tx) => {
      const m = await this.segments.ofContacts(tx, contactIds);
      return contactIds.map((c) => m.get(c) ?? []);
    });
  }

  history(tenantId: string, contactId: string, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<MembershipChangeRecord>> {
    return this.uow.run(tenantId, (tx) => this.segments.history(tx, contactId, args, withTotal));
  }

  members(tenantId: string, id: string, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<MemberRecord>> {
    if (!isUuid(id)) throw invalidField('id', `"${String(id).slice(0, 60)}" is not a segment id`);
    return this.uow.run(tenantId, async (tx) => {
      if (!(await this.segments.get(tx, id.toLowerCase()))) throw notFound(`segment ${id} does not exist`, { id });
      return this.segments.members(tx, id.toLowerCase(), args, withTotal);
    });
  }

  preview(tenantId: string, rule: SegmentRuleInput): Promise<{ size: number; contactIds: string[] }> {
    const v = parseInput(ruleSchema, rule, 'rule');
    return this.uow.run(tenantId, (tx) => this.membership.preview(tx, v, PREVIEW_CONTACTS));
  }

  portrait(tenantId: string, segmentId: string): Promise<AudiencePortrait> {
    return this.uow.run(tenantId, (tx) => this.portraitIn(tx, segmentId));
  }

  /** All five breakdowns in one statement over the active members. */
  async portraitIn(tx: Tx, segmentId: string): Promise<AudiencePortrait> {
    const rows = await tx.query<{ dim: string; key: string | null; n: number }>(
      `WITH m AS (
         SELECT f.reachable_channel, r.lifecycle_stage, r.country, ${LEAD_SCORE_BAND} AS score_band, ${rfmBandSql('$3')} AS rfm
         FROM segment_members sm JOIN contact_replica r ON r.tenant_id = sm.tenant_id AND r.contact_id = sm.contact_id
         LEFT JOIN contact_facts f ON f.tenant_id = sm.tenant_id AND f.contact_id = sm.contact_id
         WHERE sm.tenant_id = $1 AND sm.segment_id = $2 AND ${ACTIVE})
       SELECT 'size' AS dim, NULL AS key, count(*)::int AS n FROM m
       UNION ALL SELECT 'reachableChannel', reachable_channel, count(*)::int FROM m GROUP BY 2
       UNION ALL SELECT 'lifecycleStage', lifecycle_stage, count(*)::int FROM m GROUP BY 2
       UNION ALL SELECT 'country', country, count(*)::int FROM m GROUP BY 2
       UNION ALL SELECT 'leadScoreBand', score_band, count(*)::int FROM m GROUP BY 2
       UNION ALL SELECT 'rfmBand', rfm, count(*)::int FROM m GROUP BY 2`,
      [tx.tenantId, segmentId, this.config.MARKETING_REPORTING_CURRENCY],
    );
    const dim = (d: string): PortraitBucket[] =>
      rows
        .filter((r) => r.dim === d)
        .map((r) => ({ key: r.key, count: r.n }))
        .sort((a, b) => b.count - a.count || String(a.key).localeCompare(String(b.key)));
    return {
      size: rows.find((r) => r.dim === 'size')?.n ?? 0,
      reachableChannel: dim('reachableChannel'),
      lifecycleStage: dim('lifecycleStage'),
      country: dim('country'),
      leadScoreBand: dim('leadScoreBand'),
      rfmBand: dim('rfmBand'),
    };
  }
}
