import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { SalesPermission } from '../permissions';
import { currentUser, RequirePermission } from '@crm/platform';
import { DateScalar } from '@crm/shared-kernel';
import { ForecastLine, FunnelReport } from './analytics.types';
import { Forecast } from './use-cases/forecast.use-case';
import { Funnel } from './use-cases/funnel.use-case';

@Resolver()
export class AnalyticsResolver {
  constructor(
    private readonly forecast_: Forecast,
    private readonly funnel_: Funnel,
  ) {}

  // Reports, not lists: one line per owner and currency (or per stage), aggregated in SQL.
  @Query(() => [ForecastLine], { description: 'Weighted pipeline, commit and best case per owner and currency for deals closing in [from, to]; a rep sees only their own' })
  @RequirePermission(SalesPermission['report.read'])
  forecast(
    @Args('from', { type: () => DateScalar }) from: string,
    @Args('to', { type: () => DateScalar }) to: string,
    @Args('ownerId', { type: () => String, nullable: true }) ownerId?: string,
    @Args('pipelineId', { type: () => ID, nullable: true }) pipelineId?: string,
  ) {
    return this.forecast_.execute(currentUser(), from, to, ownerId ?? undefined, pipelineId ?? undefined);
  }

  @Query(() => FunnelReport, { description: 'Stage-to-stage conversion, time in stage, win rate and lost reasons of a pipeline (deals created in [from, to])' })
  @RequirePermission(SalesPermission['report.read'])
  funnel(
    @Args('pipelineId', { type: () => ID }) pipelineId: string,
    @Args('from', { type: () => DateScalar, nullable: true }) from?: string,
    @Args('to', { type: () => DateScalar, nullable: true }) to?: string,
    @Args('ownerId', { type: () => String, nullable: true }) ownerId?: string,
  ) {
    return this.funnel_.execute(currentUser(), pipelineId, from ?? undefined, to ?? undefined, ownerId ?? undefined);
  }
}
