import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { tenantLoader } from '../common/loaders';
import { Deal } from '../deals/deal.types';
import { DealsService } from '../deals/deals.service';
import { Order, Quote } from './quote.types';

/**
 * `Quote.deal` and `Order.deal`: the deal a document was made for, read through the deals
 * context's DealsService. They are provided where DealsService is (today the SalesModule; once the
 * deals context has its own module exporting its reads, QuotesModule imports it and owns them).
 */
@Resolver(() => Quote)
export class QuoteDealResolver {
  constructor(private readonly deals: DealsService) {}

  @ResolveField(() => Deal, { nullable: true })
  deal(@Parent() q: Quote) {
    return q.dealId ? tenantLoader<string, Deal | null>('deal', (t, ids) => this.deals.getMany(t, ids)).load(q.dealId) : null;
  }
}

@Resolver(() => Order)
export class OrderDealResolver {
  constructor(private readonly deals: DealsService) {}

  @ResolveField(() => Deal, { nullable: true })
  deal(@Parent() o: Order) {
    return o.dealId ? tenantLoader<string, Deal | null>('deal', (t, ids) => this.deals.getMany(t, ids)).load(o.dealId) : null;
  }
}
