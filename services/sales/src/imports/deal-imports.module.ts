import { Module } from '@nestjs/common';
import { DealsModule } from '../deals/deals.module';
import { PipelinesModule } from '../pipelines/pipelines.module';
import { DealImportRepository } from './deal-import.repository';
import { DealsCsvResolver } from './deals-csv.resolver';
import { ImportDealsCsv } from './import-deals-csv.use-case';

/** Deals from CSV: each row goes through DealsModule's CreateDeal (and WinDeal or LoseDeal for a closed deal). */
@Module({
  imports: [DealsModule, PipelinesModule],
  providers: [DealImportRepository, ImportDealsCsv, DealsCsvResolver],
})
export class DealImportsModule {}
