import { Module } from '@nestjs/common';
import { DealsModule } from '../deals/deals.module';
import { CreateDeal } from '../deals/use-cases/create-deal.use-case';
import { PipelinesModule } from '../pipelines/pipelines.module';
import { DealImportRepository } from './deal-import.repository';
import { DealsCsvResolver } from './deals-csv.resolver';
import { ImportDealsCsv } from './import-deals-csv.use-case';

/** Deals from CSV. CreateDeal is provided here too (stateless) rather than exported from DealsModule: each row goes through it. */
@Module({
  imports: [DealsModule, PipelinesModule],
  providers: [DealImportRepository, ImportDealsCsv, DealsCsvResolver, CreateDeal],
})
export class DealImportsModule {}
