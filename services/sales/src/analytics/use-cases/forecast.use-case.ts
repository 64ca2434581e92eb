import { Injectable } from '@nestjs/common';
import { TenantProfiles } from '@crm/documents';
import { UnitOfWork, type RequestContext } from '@crm/platform';
import { money } from '@crm/shared-kernel';
import { optionalId, requireRange } from '../../common/validate';
import { forecast } from '../analytics-math';
import { AnalyticsRepository } from '../analytics.repository';
import type { ForecastLine } from '../analytics.types';
import { reportOwner } from '../report-scope';

@Injectable()
export class Forecast {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly analytics: AnalyticsRepository,
    private readonly profiles: TenantProfiles,
  ) {}

  /** Forecast per owner and currency for deals closing in [from, to], days in the caller's time zone (see analytics-math for the definitions). */
  async execute(ctx: RequestContext, from: string, to: string, ownerId?: string, rawPipelineId?: string): Promise<ForecastLine[]> {
    requireRange(from, to);
    const owner = reportOwner(ctx, ownerId);
    const pipelineId = optionalId(rawPipelineId, 'pipelineId', 'pipeline id');
    const deals = await this.uow.run(ctx.tenantId, async (tx) => {
      const timeZone = (await this.profiles.timeZone(tx, ctx.userId)) ?? 'UTC';
      return this.analytics.forecastDeals(tx, { from, to, ownerId: owner, pipelineId, timeZone });
    });
    return forecast(deals).map((l) => ({
      ownerId: l.ownerId, currency: l.currency, openDeals: l.openDeals, wonDeals: l.wonDeals,
      pipeline: money(l.pipeline, l.currency), weighted: money(l.weighted, l.currency), commit: money(l.commit, l.currency),
      bestCase: money(l.bestCase, l.currency), closedWon: money(l.closedWon, l.currency),
    }));
  }
}
