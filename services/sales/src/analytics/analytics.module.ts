import { Module } from '@nestjs/common';
import { PipelinesModule } from '../pipelines/pipelines.module';
import { AnalyticsRepository } from './analytics.repository';
import { AnalyticsResolver } from './analytics.resolver';
import { Forecast } from './use-cases/forecast.use-case';
import { Funnel } from './use-cases/funnel.use-case';

/** Sales reports: forecast and funnel. */
@Module({
  imports: [PipelinesModule],
  providers: [AnalyticsRepository, Forecast, Funnel, AnalyticsResolver],
})
export class AnalyticsModule {}
