import { Module } from '@nestjs/common';
import { CommissionsService } from '../commissions/commissions.service';
import { PipelinesModule } from '../pipelines/pipelines.module';
import { DealQueries } from './deal.queries';
import { DealRepository } from './deal.repository';
import { DealsResolver } from './deals.resolver';
import { DealsService } from './deals.service';
import { CreateDeal } from './use-cases/create-deal.use-case';
import { ListDeals } from './use-cases/list-deals.use-case';
import { LoseDeal } from './use-cases/lose-deal.use-case';
import { MoveDeal } from './use-cases/move-deal.use-case';
import { UpdateDeal } from './use-cases/update-deal.use-case';
import { WinDeal } from './use-cases/win-deal.use-case';

/**
 * Deals: their use cases, reads and GraphQL. Exports the repository and the batched reads (tasks,
 * quotes, orders and Contact.deals use them).
 *
 * CommissionsService is provided (and exported, one instance for the service) here until the
 * commissions context has its own module (WinDeal earns commissions in its transaction); then this
 * imports CommissionsModule instead. DealsService is the old read API the quotes/orders resolvers
 * still call.
 */
@Module({
  imports: [PipelinesModule],
  providers: [DealRepository, DealQueries, ListDeals, CreateDeal, UpdateDeal, MoveDeal, WinDeal, LoseDeal, DealsResolver, DealsService, CommissionsService],
  exports: [DealRepository, DealQueries, DealsService, CommissionsService],
})
export class DealsModule {}
