import { Args, ID, Info, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, PageArgs, RequirePermission, selectsField } from '@crm/platform';
import { contactReference } from '@crm/shared-contacts';
import { SalesContact } from '../common/graphql';
import { tenantLoader } from '../common/loaders';
import { SalesPermission } from '../permissions';
import { Order, OrderConnection, OrderFilter, PlaceOrderInput, type Listed } from '../quotes/quote.types';
import { OrderQueries } from './order.queries';
import { CancelOrder } from './use-cases/cancel-order.use-case';
import { MarkOrderPaid } from './use-cases/mark-order-paid.use-case';
import { PlaceOrder } from './use-cases/place-order.use-case';

@Resolver(() => Order)
export class OrdersResolver {
  constructor(
    private readonly queries: OrderQueries,
    private readonly placeOrderUseCase: PlaceOrder,
    private readonly markOrderPaidUseCase: MarkOrderPaid,
    private readonly cancelOrderUseCase: CancelOrder,
  ) {}

  @Query(() => Order, { nullable: true })
  @RequirePermission(SalesPermission['deal.read'])
  order(@Args('id', { type: () => ID }) id: string) {
    return tenantLoader<string, Listed<Order> | null>('order', (t, ids) => this.queries.getMany(t, ids)).load(id);
  }

  @Query(() => OrderConnection, { description: 'Orders, newest first' })
  @RequirePermission(SalesPermission['deal.read'])
  orders(@Args() page: PageArgs, @Args('filter', { type: () => OrderFilter, nullable: true }) filter: OrderFilter | undefined, @Info() info: GraphQLResolveInfo) {
    return this.queries.list(currentUser().tenantId, filter ?? {}, page, selectsField(info, 'totalCount'));
  }

  @Mutation(() => Order, { description: 'Records a purchase from a point of sale, web shop, phone…; the same externalRef twice returns the first order' })
  @RequirePermission(SalesPermission['quote.write'])
  placeOrder(@Args('input') input: PlaceOrderInput) {
    return this.placeOrderUseCase.execute(currentUser(), input);
  }

  @Mutation(() => Order, { description: 'Marks a placed order paid (earns order commissions)' })
  @RequirePermission(SalesPermission['order.mark-paid'])
  markOrderPaid(@Args('id', { type: () => ID }) id: string) {
    return this.markOrderPaidUseCase.execute(currentUser(), id);
  }

  @Mutation(() => Order)
  @RequirePermission(SalesPermission['quote.write'])
  cancelOrder(@Args('id', { type: () => ID }) id: string) {
    return this.cancelOrderUseCase.execute(currentUser(), id);
  }

  @ResolveField(() => SalesContact)
  contact(@Parent() o: Listed<Order>) {
    return contactReference(o.contactId);
  }
}
