import { Args, Info, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { PageArgs, selectsField, type ConnectionValue } from '@crm/platform';
import { Money, SalesContact, uuidOrUndefined } from '../common/graphql';
import { tenantLoader } from '../common/loaders';
import { Deal, DealConnection } from '../deals/deal.types';
import { DealQueries } from '../deals/deal.queries';
import { OrderQueries } from '../orders/order.queries';
import { OrderConnection, type Listed, type Order } from '../quotes/quote.types';

/**
 * The fields sales adds to `Contact` through federation. They are nullable: when sales is down the
 * gateway answers null with SERVICE_UNAVAILABLE on these fields, and the rest of the contact stays. Each is batched per request: the gateway
 * sends all contacts of a query in one `_entities` call, and each field costs one SQL query.
 */
@Resolver(() => SalesContact)
export class ContactSalesResolver {
  constructor(
    private readonly dealQueries: DealQueries,
    private readonly orderService: OrderQueries,
  ) {}

  /** A malformed id from a client finds nothing (instead of failing the whole batch's uuid cast). */
  private key(c: { id: string }) {
    return uuidOrUndefined(c.id) ?? '00000000-0000-0000-0000-000000000000';
  }

  /** Contacts asking with the same page arguments share one batch (one query for the whole list of contacts). */
  private static batchName(field: string, page: PageArgs, withTotal: boolean) {
    return `${field}:${page.first ?? ''}:${page.after ?? ''}:${withTotal}`;
  }

  @ResolveField(() => DealConnection, { nullable: true, description: 'The contact’s deals, newest first (null with a SERVICE_UNAVAILABLE error when sales is down)' })
  deals(@Parent() c: SalesContact, @Args() page: PageArgs, @Info() info: GraphQLResolveInfo) {
    const withTotal = selectsField(info, 'totalCount');
    return tenantLoader<string, ConnectionValue<Deal>>(ContactSalesResolver.batchName('contact-deals', page, withTotal), (t, ids) => this.dealQueries.byContacts(t, ids, page, withTotal)).load(this.key(c));
  }

  @ResolveField(() => OrderConnection, { nullable: true, description: 'Every purchase, newest first: accepted quotes, point of sale, web shop, phone' })
  orders(@Parent() c: SalesContact, @Args() page: PageArgs, @Info() info: GraphQLResolveInfo) {
    const withTotal = selectsField(info, 'totalCount');
    return tenantLoader<string, ConnectionValue<Listed<Order>>>(ContactSalesResolver.batchName('contact-orders', page, withTotal), (t, ids) => this.orderService.byContacts(t, ids, page, withTotal)).load(this.key(c));
  }

  @ResolveField(() => [Money], { nullable: true, description: 'Revenue per currency: orders not cancelled, plus won deals without an order' })
  lifetimeValue(@Parent() c: SalesContact) {
    return tenantLoader<string, Money[]>('contact-ltv', (t, ids) => this.orderService.lifetimeValues(t, ids)).load(this.key(c));
  }
}
