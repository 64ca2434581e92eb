import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { tenantLoader } from '../common/loaders';
import { Deal } from '../deals/deal.types';
import { DealQueries } from '../deals/deal.queries';
import { Order, Quote, type Listed } from './quote.types';

/** `Quote.deal` and `Order.deal`: the deal a document was made for, read through the deals context's exported DealQueries. */
@Resolver(() => Quote)
export class QuoteDealResolver {
  constructor(private readonly deals: DealQueries) {}

  @ResolveField(() => Deal, { nullable: true })
  deal(@Parent() q: Listed<Quote>) {
    return q.dealId ? tenantLoader<string, Deal | null>('deal', (t, ids) => this.deals.byIds(t, ids)).load(q.dealId) : null;
  }
}

@Resolver(() => Order)
export class OrderDealResolver {
  constructor(private readonly deals: DealQueries) {}

  @ResolveField(() => Deal, { nullable: true })
  deal(@Parent() o: Listed<Order>) {
    return o.dealId ? tenantLoader<string, Deal | null>('deal', (t, ids) => this.deals.byIds(t, ids)).load(o.dealId) : null;
  }
}
