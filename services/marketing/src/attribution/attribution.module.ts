import { Module } from '@nestjs/common';
import { AttributionLeadEvents, AttributionSalesEvents, AttributionTouchEvents } from './attribution-events.controller';
import { AttributionRepository } from './attribution.repository';
import { AttributionResolver } from './attribution.resolver';
import { AttributionReports } from './use-cases/attribution-reports';
import { ImportAdSpendCsv } from './use-cases/import-ad-spend-csv.use-case';
import { RecordAdSpend } from './use-cases/record-ad-spend.use-case';

/**
 * Attribution: ad spend, the projections of sales' deals and revenue and of marketing's own touches,
 * keyword / campaign ROI and the funnel. Exports the repository (ContactLifecycle's merge and erase,
 * campaign stats reading campaign_conversions).
 */
@Module({
  controllers: [AttributionSalesEvents, AttributionTouchEvents, AttributionLeadEvents],
  providers: [AttributionRepository, RecordAdSpend, ImportAdSpendCsv, AttributionReports, AttributionResolver],
  exports: [AttributionRepository],
})
export class AttributionModule {}
