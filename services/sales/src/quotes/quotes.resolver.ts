import { Args, ID, Info, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { SalesPermission } from '../permissions';
import { currentUser, PageArgs, RequirePermission, selectsField } from '@crm/platform';
import { contactReference } from '@crm/shared-contacts';
import { SalesContact } from '../common/graphql';
import { tenantLoader } from '../common/loaders';
import { Deal } from '../deals/deal.types';
import { DealsService } from '../deals/deals.service';
import { OrdersService } from '../orders/orders.service';
import { CreateQuoteInput, Order, OrderConnection, OrderFilter, PlaceOrderInput, Quote, QuoteConnection, QuoteDocument, QuoteFilter, QuotePdf, SalesChannel } from './quote.types';
import { QuotesService } from './quotes.service';

@Resolver(() => Quote)
export class QuotesResolver {
  constructor(
    private readonly quoteService: QuotesService,
    private readonly dealService: DealsService,
  ) {}

  @Query(() => Quote, { nullable: true })
  @RequirePermission(SalesPermission['deal.read'])
  quote(@Args('id', { type: () => ID }) id: string) {
    return tenantLoader<string, Quote | null>('quote', (t, ids) => this.quoteService.getMany(t, ids)).load(id);
  }

  @Query(() => QuoteConnection, { description: 'Quotes, newest first' })
  @RequirePermission(SalesPermission['deal.read'])
  quotes(@Args() page: PageArgs, @Args('filter', { type: () => QuoteFilter, nullable: true }) filter: QuoteFilter | undefined, @Info() info: GraphQLResolveInfo) {
    return this.quoteService.list(currentUser().tenantId, filter ?? {}, page, selectsField(info, 'totalCount'));
  }

  @Query(() => QuoteDocument, { description: 'The quote rendered as an HTML document from the tenant’s template' })
  @RequirePermission(SalesPermission['deal.read'])
  renderQuote(@Args('id', { type: () => ID }) id: string) {
    return this.quoteService.render(currentUser(), id);
  }

  @Query(() => QuotePdf, { description: 'The quote as a PDF file (base64): the same figures as renderQuote in a fixed A4 layout; the tenant’s HTML template does not apply' })
  @RequirePermission(SalesPermission['deal.read'])
  renderQuotePdf(@Args('id', { type: () => ID }) id: string) {
    return this.quoteService.renderPdf(currentUser(), id);
  }

  @Mutation(() => Quote, { description: 'A draft quote; lines are priced from the price list and taxed per line, totals exact to the minor unit' })
  @RequirePermission(SalesPermission['quote.write'])
  createQuote(@Args('input') input: CreateQuoteInput) {
    return this.quoteService.create(currentUser(), input);
  }

  @Mutation(() => Quote)
  @RequirePermission(SalesPermission['quote.write'])
  sendQuote(@Args('id', { type: () => ID }) id: string) {
    return this.quoteService.send(currentUser(), id);
  }

  @Mutation(() => Order, { description: 'The customer accepted: the quote becomes an order' })
  @RequirePermission(SalesPermission['quote.write'])
  acceptQuote(@Args('id', { type: () => ID }) id: string, @Args('channel', { type: () => SalesChannel, nullable: true }) channel?: SalesChannel) {
    return this.quoteService.accept(currentUser(), id, channel ?? SalesChannel.DIRECT);
  }

  @Mutation(() => Quote)
  @RequirePermission(SalesPermission['quote.write'])
  declineQuote(@Args('id', { type: () => ID }) id: string) {
    return this.quoteService.decline(currentUser(), id);
  }

  @Mutation(() => Boolean, { description: 'The tenant’s quote template (HTML with {{placeholders}}, see the default)' })
  @RequirePermission(SalesPermission['config.manage'])
  setQuoteTemplate(@Args('html') html: string) {
    return this.quoteService.setTemplate(currentUser(), html);
  }

  @ResolveField(() => SalesContact)
  contact(@Parent() q: Quote) {
    return contactReference(q.contactId);
  }

  @ResolveField(() => Deal, { nullable: true })
  deal(@Parent() q: Quote) {
    return q.dealId ? tenantLoader<string, Deal | null>('deal', (t, ids) => this.dealService.getMany(t, ids)).load(q.dealId) : null;
  }
}

@Resolver(() => Order)
export class OrdersResolver {
  constructor(
    private readonly orderService: OrdersService,
    private readonly dealService: DealsService,
  ) {}

  @Query(() => Order, { nullable: true })
  @RequirePermission(SalesPermission['deal.read'])
  order(@Args('id', { type: () => ID }) id: string) {
    return tenantLoader<string, Order | null>('order', (t, ids) => this.orderService.getMany(t, ids)).load(id);
  }

  @Query(() => OrderConnection, { description: 'Orders, newest first' })
  @RequirePermission(SalesPermission['deal.read'])
  orders(@Args() page: PageArgs, @Args('filter', { type: () => OrderFilter, nullable: true }) filter: OrderFilter | undefined, @Info() info: GraphQLResolveInfo) {
    return this.orderService.list(currentUser().tenantId, filter ?? {}, page, selectsField(info, 'totalCount'));
  }

  @Mutation(() => Order, { description: 'Records a purchase from a point of sale, web shop, phone…; the same externalRef twice returns the first order' })
  @RequirePermission(SalesPermission['quote.write'])
  placeOrder(@Args('input') input: PlaceOrderInput) {
    return this.orderService.place(currentUser(), input);
  }

  @Mutation(() => Order, { description: 'Marks a placed order paid (earns order commissions)' })
  @RequirePermission(SalesPermission['order.mark-paid'])
  markOrderPaid(@Args('id', { type: () => ID }) id: string) {
    return this.orderService.markPaid(currentUser(), id);
  }

  @Mutation(() => Order)
  @RequirePermission(SalesPermission['quote.write'])
  cancelOrder(@Args('id', { type: () => ID }) id: string) {
    return this.orderService.cancel(currentUser(), id);
  }

  @ResolveField(() => SalesContact)
  contact(@Parent() o: Order) {
    return contactReference(o.contactId);
  }

  @ResolveField(() => Deal, { nullable: true })
  deal(@Parent() o: Order) {
    return o.dealId ? tenantLoader<string, Deal | null>('deal', (t, ids) => this.dealService.getMany(t, ids)).load(o.dealId) : null;
  }
}
