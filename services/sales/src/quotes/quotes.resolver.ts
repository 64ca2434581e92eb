import { Args, ID, Info, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, PageArgs, RequirePermission, selectsField } from '@crm/platform';
import { contactReference } from '@crm/shared-contacts';
import { SalesContact } from '../common/graphql';
import { tenantLoader } from '../common/loaders';
import { SalesPermission } from '../permissions';
import { QuoteQueries } from './quote.queries';
import { CreateQuoteInput, Order, Quote, QuoteConnection, QuoteDocument, QuoteFilter, QuotePdf, SalesChannel, UpdateQuoteInput, type Listed } from './quote.types';
import { AcceptQuote } from './use-cases/accept-quote.use-case';
import { CreateQuote } from './use-cases/create-quote.use-case';
import { DeclineQuote } from './use-cases/decline-quote.use-case';
import { RenderQuote } from './use-cases/render-quote.use-case';
import { ReviseQuote } from './use-cases/revise-quote.use-case';
import { UpdateQuote } from './use-cases/update-quote.use-case';
import { SendQuote } from './use-cases/send-quote.use-case';
import { SetQuoteTemplate } from './use-cases/set-quote-template.use-case';

@Resolver(() => Quote)
export class QuotesResolver {
  constructor(
    private readonly queries: QuoteQueries,
    private readonly createQuoteUseCase: CreateQuote,
    private readonly sendQuoteUseCase: SendQuote,
    private readonly acceptQuoteUseCase: AcceptQuote,
    private readonly declineQuoteUseCase: DeclineQuote,
    private readonly setQuoteTemplateUseCase: SetQuoteTemplate,
    private readonly renderQuoteUseCase: RenderQuote,
    private readonly updateQuoteUseCase: UpdateQuote,
    private readonly reviseQuoteUseCase: ReviseQuote,
  ) {}

  private loader() {
    return tenantLoader<string, Listed<Quote> | null>('quote', (t, ids) => this.queries.getMany(t, ids));
  }

  @Query(() => Quote, { nullable: true })
  @RequirePermission(SalesPermission['deal.read'])
  quote(@Args('id', { type: () => ID }) id: string) {
    return this.loader().load(id);
  }

  @Query(() => QuoteConnection, { description: 'Quotes, newest first' })
  @RequirePermission(SalesPermission['deal.read'])
  quotes(@Args() page: PageArgs, @Args('filter', { type: () => QuoteFilter, nullable: true }) filter: QuoteFilter | undefined, @Info() info: GraphQLResolveInfo) {
    return this.queries.list(currentUser().tenantId, filter ?? {}, page, selectsField(info, 'totalCount'));
  }

  @Query(() => QuoteDocument, { description: 'The quote rendered as an HTML document from the tenant’s template' })
  @RequirePermission(SalesPermission['deal.read'])
  renderQuote(@Args('id', { type: () => ID }) id: string) {
    return this.renderQuoteUseCase.html(currentUser(), id);
  }

  @Query(() => QuotePdf, { description: 'The quote as a PDF file (base64): the same figures as renderQuote in a fixed A4 layout; the tenant’s HTML template does not apply' })
  @RequirePermission(SalesPermission['deal.read'])
  renderQuotePdf(@Args('id', { type: () => ID }) id: string) {
    return this.renderQuoteUseCase.pdf(currentUser(), id);
  }

  @Mutation(() => Quote, { description: 'A draft quote; lines are priced from the price list and taxed per line, totals exact to the minor unit' })
  @RequirePermission(SalesPermission['quote.write'])
  createQuote(@Args('input') input: CreateQuoteInput) {
    return this.createQuoteUseCase.execute(currentUser(), input);
  }

  @Mutation(() => Quote, { description: 'Edits a draft quote: lines (priced again), discounts, validity, notes; CONFLICT once sent (revise it instead)' })
  @RequirePermission(SalesPermission['quote.write'])
  updateQuote(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateQuoteInput) {
    return this.updateQuoteUseCase.execute(currentUser(), id, input);
  }

  @Mutation(() => Quote, {
    description: 'Revises a sent quote: returns the new draft version (a copy at the issued prices, with the given edits); the sent one becomes SUPERSEDED',
  })
  @RequirePermission(SalesPermission['quote.write'])
  reviseQuote(@Args('id', { type: () => ID }) id: string, @Args('input', { type: () => UpdateQuoteInput, nullable: true }) input?: UpdateQuoteInput) {
    return this.reviseQuoteUseCase.execute(currentUser(), id, input);
  }

  @Mutation(() => Quote)
  @RequirePermission(SalesPermission['quote.write'])
  sendQuote(@Args('id', { type: () => ID }) id: string) {
    return this.sendQuoteUseCase.execute(currentUser(), id);
  }

  @Mutation(() => Order, { description: 'The customer accepted: the quote becomes an order' })
  @RequirePermission(SalesPermission['quote.write'])
  acceptQuote(@Args('id', { type: () => ID }) id: string, @Args('channel', { type: () => SalesChannel, nullable: true }) channel?: SalesChannel) {
    return this.acceptQuoteUseCase.execute(currentUser(), id, channel ?? SalesChannel.DIRECT);
  }

  @Mutation(() => Quote)
  @RequirePermission(SalesPermission['quote.write'])
  declineQuote(@Args('id', { type: () => ID }) id: string) {
    return this.declineQuoteUseCase.execute(currentUser(), id);
  }

  @Mutation(() => Boolean, { description: 'The tenant’s quote template (HTML with {{placeholders}}, see the default)' })
  @RequirePermission(SalesPermission['config.manage'])
  setQuoteTemplate(@Args('html') html: string) {
    return this.setQuoteTemplateUseCase.execute(currentUser(), html);
  }

  @ResolveField(() => Quote, { nullable: true, description: 'The version this one revises' })
  supersedes(@Parent() q: Listed<Quote>) {
    return q.supersedesId ? this.loader().load(q.supersedesId) : null;
  }

  @ResolveField(() => Quote, { nullable: true, description: 'The version that revised this one (status SUPERSEDED)' })
  supersededBy(@Parent() q: Listed<Quote>) {
    return q.supersededById ? this.loader().load(q.supersededById) : null;
  }

  @ResolveField(() => [Quote], { description: 'Every version of this quote, the first one first (the history of its revisions)' })
  revisions(@Parent() q: Listed<Quote>) {
    return tenantLoader<string, Listed<Quote>[]>('quote-revisions', (t, ids) => this.queries.versionsOf(t, ids)).load(q.rootId);
  }

  @ResolveField(() => SalesContact)
  contact(@Parent() q: Listed<Quote>) {
    return contactReference(q.contactId);
  }
}
