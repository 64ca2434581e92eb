import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { forbidden, notFound, withTenant, type RequestContext, hasPermission } from '@crm/platform';
import { fromDb, money } from '../common/money';
import { SalesPermission } from '../permissions';
import { optionalId, requireId, requireRange } from '../common/validate';
import { forecast, funnel, type ForecastDeal, type FunnelDeal } from './analytics-math';
import type { ForecastLine, FunnelReport } from './analytics.types';

@Injectable()
export class AnalyticsService {
  constructor(private readonly ds: DataSource) {}

  private scopeOwner(ctx: RequestContext, ownerId?: string): string | null {
    if (hasPermission(ctx, SalesPermission['team.read'])) return ownerId ?? null;
    if (ownerId && ownerId !== ctx.userId) throw forbidden('ownerId: you may only see your own forecast (needs the permission sales.team.read)');
    return ctx.userId;
  }

  /** Forecast per owner and currency for deals closing in [from, to] (see analytics-math for the definitions). */
  async forecast(ctx: RequestContext, from: string, to: string, ownerId?: string, rawPipelineId?: string): Promise<ForecastLine[]> {
    requireRange(from, to);
    const owner = this.scopeOwner(ctx, ownerId);
    const pipelineId = optionalId(rawPipelineId, 'pipelineId', 'pipeline id');
    const rows = await withTenant(this.ds, ctx.tenantId, (m) =>
      m.query(
        `SELECT d.owner_id, d.currency, d.status, d.amount::text AS amount, s.probability, d.forecast_category
         FROM deals d JOIN stages s ON s.id = d.stage_id
         WHERE d.tenant_id = $1 AND d.status <> 'lost' AND ($2::text IS NULL OR d.owner_id = $2) AND ($3::uuid IS NULL OR d.pipeline_id = $3)
           AND (CASE WHEN d.status = 'won' THEN d.closed_at::date ELSE d.expected_close_date END) BETWEEN $4::date AND $5::date`,
        [ctx.tenantId, owner, pipelineId, from, to],
      ),
    );
    const deals: ForecastDeal[] = rows.map((r: any) => {
      const c = r.currency.trim();
      return { ownerId: r.owner_id, currency: c, status: r.status, amount: fromDb(r.amount, c), probability: r.probability, category: r.forecast_category };
    });
    return forecast(deals).map((l) => ({
      ownerId: l.ownerId, currency: l.currency, openDeals: l.openDeals, wonDeals: l.wonDeals,
      pipeline: money(l.pipeline, l.currency), weighted: money(l.weighted, l.currency), commit: money(l.commit, l.currency),
      bestCase: money(l.bestCase, l.currency), closedWon: money(l.closedWon, l.currency),
    }));
  }

  /** Funnel of a pipeline over deals created in [from, to] (all deals when no range). */
  async funnel(ctx: RequestContext, rawPipelineId: string, from?: string, to?: string, ownerId?: string): Promise<FunnelReport> {
    const pipelineId = requireId(rawPipelineId, 'pipelineId', 'pipeline id');
    if (from && to) requireRange(from, to);
    const owner = this.scopeOwner(ctx, ownerId);
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const stages = await m.query(`SELECT id, name, position FROM stages WHERE tenant_id = $1 AND pipeline_id = $2 ORDER BY position`, [ctx.tenantId, pipelineId]);
      if (!stages.length) throw notFound(`pipeline ${pipelineId} does not exist`);
      const deals = await m.query(
        `SELECT id, status, lost_reason, closed_at FROM deals WHERE tenant_id = $1 AND pipeline_id = $2 AND ($3::text IS NULL OR owner_id = $3)
           AND ($4::date IS NULL OR created_at >= $4::date) AND ($5::date IS NULL OR created_at < $5::date + 1)`,
        [ctx.tenantId, pipelineId, owner, from ?? null, to ?? null],
      );
      const history = deals.length
        ? await m.query(`SELECT deal_id, to_stage_id, moved_at FROM deal_stage_history WHERE tenant_id = $1 AND deal_id = ANY($2::uuid[]) ORDER BY moved_at, id`, [
            ctx.tenantId, deals.map((d: any) => d.id),
          ])
        : [];
      const byDeal = new Map<string, { stageId: string; at: Date }[]>();
      for (const h of history) {
        const list = byDeal.get(h.deal_id) ?? [];
        list.push({ stageId: h.to_stage_id, at: new Date(h.moved_at) });
        byDeal.set(h.deal_id, list);
      }
      const input: FunnelDeal[] = deals.map((d: any) => ({ status: d.status, lostReason: d.lost_reason, closedAt: d.closed_at ? new Date(d.closed_at) : null, history: byDeal.get(d.id) ?? [] }));
      return { pipelineId, ...funnel(stages, input) };
    });
  }
}
