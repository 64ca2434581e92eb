import { Injectable } from '@nestjs/common';
import { TenantProfiles } from '@crm/documents';
import { notFound, UnitOfWork, type RequestContext } from '@crm/platform';
import { requireId, requireRange } from '../../common/validate';
import { PipelineRepository } from '../../pipelines/pipeline.repository';
import { funnel } from '../analytics-math';
import { AnalyticsRepository } from '../analytics.repository';
import type { FunnelReport } from '../analytics.types';
import { reportOwner } from '../report-scope';

@Injectable()
export class Funnel {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly analytics: AnalyticsRepository,
    private readonly pipelines: PipelineRepository,
    private readonly profiles: TenantProfiles,
  ) {}

  /** Funnel of a pipeline over deals created in [from, to], days in the caller's time zone (all deals when no range). */
  async execute(ctx: RequestContext, rawPipelineId: string, from?: string, to?: string, ownerId?: string): Promise<FunnelReport> {
    const pipelineId = requireId(rawPipelineId, 'pipelineId', 'pipeline id');
    if (from && to) requireRange(from, to);
    const owner = reportOwner(ctx, ownerId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const stages = await this.pipelines.stagesOf(tx, pipelineId);
      if (!stages.length) throw notFound(`pipeline ${pipelineId} does not exist`);
      const timeZone = (await this.profiles.timeZone(tx, ctx.userId)) ?? 'UTC';
      const deals = await this.analytics.funnelDeals(tx, { pipelineId, ownerId: owner, from: from ?? null, to: to ?? null, timeZone });
      return { pipelineId, ...funnel(stages, deals) };
    });
  }
}
