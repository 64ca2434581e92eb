import { Module } from '@nestjs/common';
import { CommissionsModule } from '../commissions/commissions.module';
import { PipelinesModule } from '../pipelines/pipelines.module';
import { DealQueries } from './deal.queries';
import { DealRepository } from './deal.repository';
import { DealsResolver } from './deals.resolver';
import { ArchiveDeal } from './use-cases/archive-deal.use-case';
import { CreateDeal } from './use-cases/create-deal.use-case';
import { ListDeals } from './use-cases/list-deals.use-case';
import { LoseDeal } from './use-cases/lose-deal.use-case';
import { MoveDeal } from './use-cases/move-deal.use-case';
import { ReopenDeal } from './use-cases/reopen-deal.use-case';
import { RestoreDeal } from './use-cases/restore-deal.use-case';
import { UpdateDeal } from './use-cases/update-deal.use-case';
import { WinDeal } from './use-cases/win-deal.use-case';

/**
 * Deals: their use cases, reads and GraphQL. Exports the repository and the batched reads (tasks,
 * quotes, orders and Contact.deals use them), and creating, winning and losing a deal (the deals
 * import creates and closes historical deals through them, in one transaction per row).
 * WinDeal earns commissions in its transaction through the commissions context's CommissionsService.
 */
@Module({
  imports: [PipelinesModule, CommissionsModule],
  providers: [DealRepository, DealQueries, ListDeals, CreateDeal, UpdateDeal, MoveDeal, WinDeal, LoseDeal, ReopenDeal, ArchiveDeal, RestoreDeal, DealsResolver],
  exports: [DealRepository, DealQueries, CreateDeal, WinDeal, LoseDeal],
})
export class DealsModule {}
