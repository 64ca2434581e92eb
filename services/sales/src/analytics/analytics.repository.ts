import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import { fromDb } from '@crm/shared-kernel';
import type { ForecastCategory, ForecastDeal, FunnelDeal } from './analytics-math';

interface ForecastRow {
  [column: string]: unknown;
  owner_id: string; currency: string; status: ForecastDeal['status']; amount: string; probability: number; forecast_category: ForecastCategory;
}

interface FunnelDealRow {
  [column: string]: unknown;
  id: string; status: FunnelDeal['status']; lost_reason: string | null; closed_at: Date | null;
}

interface MoveRow {
  [column: string]: unknown;
  deal_id: string; to_stage_id: string; moved_at: Date;
}

/** The deal data the forecast and funnel reports aggregate (read-only). */
@Injectable()
export class AnalyticsRepository {
  /**
   * Deals not lost nor archived closing (won: closed, on its date in `timeZone`; open: expected) in
   * [from, to], optionally of one owner and one pipeline.
   */
  async forecastDeals(tx: Tx, q: { from: string; to: string; ownerId: string | null; pipelineId: string | null; timeZone: string }): Promise<ForecastDeal[]> {
    const rows = await tx.query<ForecastRow>(
      `SELECT d.owner_id, d.currency, d.status, d.amount::text AS amount, s.probability, d.forecast_category
       FROM deals d JOIN stages s ON s.id = d.stage_id
       WHERE d.tenant_id = $1 AND d.status <> 'lost' AND d.archived_at IS NULL AND ($2::text IS NULL OR d.owner_id = $2) AND ($3::uuid IS NULL OR d.pipeline_id = $3)
         AND (CASE WHEN d.status = 'won' THEN (d.closed_at AT TIME ZONE $6)::date ELSE d.expected_close_date END) BETWEEN $4::date AND $5::date`,
      [tx.tenantId, q.ownerId, q.pipelineId, q.from, q.to, q.timeZone],
    );
    return rows.map((r) => {
      const c = r.currency.trim();
      return { ownerId: r.owner_id, currency: c, status: r.status, amount: fromDb(r.amount, c), probability: r.probability, category: r.forecast_category };
    });
  }

  /** Deals (not archived) of a pipeline created in [from, to] (days of `timeZone`; any time when absent), with the stages each went through. */
  async funnelDeals(tx: Tx, q: { pipelineId: string; ownerId: string | null; from: string | null; to: string | null; timeZone: string }): Promise<FunnelDeal[]> {
    const deals = await tx.query<FunnelDealRow>(
      `SELECT id, status, lost_reason, closed_at FROM deals WHERE tenant_id = $1 AND pipeline_id = $2 AND archived_at IS NULL AND ($3::text IS NULL OR owner_id = $3)
         AND ($4::date IS NULL OR created_at >= ($4::date::timestamp AT TIME ZONE $6)) AND ($5::date IS NULL OR created_at < (($5::date + 1)::timestamp AT TIME ZONE $6))`,
      [tx.tenantId, q.pipelineId, q.ownerId, q.from, q.to, q.timeZone],
    );
    const history = deals.length
      ? await tx.query<MoveRow>(`SELECT deal_id, to_stage_id, moved_at FROM deal_stage_history WHERE tenant_id = $1 AND deal_id = ANY($2::uuid[]) ORDER BY moved_at, id`, [
          tx.tenantId, deals.map((d) => d.id),
        ])
      : [];
    const byDeal = new Map<string, { stageId: string; at: Date }[]>();
    for (const h of history) {
      const list = byDeal.get(h.deal_id) ?? [];
      list.push({ stageId: h.to_stage_id, at: new Date(h.moved_at) });
      byDeal.set(h.deal_id, list);
    }
    return deals.map((d) => ({ status: d.status, lostReason: d.lost_reason, closedAt: d.closed_at ? new Date(d.closed_at) : null, history: byDeal.get(d.id) ?? [] }));
  }
}
