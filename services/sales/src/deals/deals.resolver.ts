import { Args, ID, Info, Mutation, Parent, Query, ResolveField, Resolver, ResolveReference } from '@nestjs/graphql';
import { SalesPermission } from '../permissions';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, PageArgs, RequirePermission, selectsField } from '@crm/platform';
import { contactReference } from '@crm/shared-contacts';
import { CompanyRef, SalesContact } from '../common/graphql';
import { tenantLoader } from '../common/loaders';
import { Stage } from '../pipelines/pipeline.types';
import { PipelinesService } from '../pipelines/pipelines.service';
import { CreateDealInput, Deal, DealConnection, DealFilter, StageChange, UpdateDealInput } from './deal.types';
import { DealsService } from './deals.service';

@Resolver(() => Deal)
export class DealsResolver {
  constructor(
    private readonly dealService: DealsService,
    private readonly pipelines: PipelinesService,
  ) {}

  private loader() {
    return tenantLoader<string, Deal | null>('deal', (t, ids) => this.dealService.getMany(t, ids));
  }

  @Query(() => Deal, { nullable: true })
  @RequirePermission(SalesPermission['deal.read'])
  deal(@Args('id', { type: () => ID }) id: string) {
    return this.loader().load(id);
  }

  @Query(() => DealConnection, { description: 'Deals, newest first, with filters and cursor pagination' })
  @RequirePermission(SalesPermission['deal.read'])
  deals(@Args() page: PageArgs, @Args('filter', { type: () => DealFilter, nullable: true }) filter: DealFilter | undefined, @Info() info: GraphQLResolveInfo) {
    return this.dealService.list(currentUser(), filter ?? {}, page, selectsField(info, 'totalCount'));
  }

  @Mutation(() => Deal, { description: 'A deal for a contact known to sales (BAD_USER_INPUT otherwise), in a pipeline stage' })
  @RequirePermission(SalesPermission['deal.write'])
  createDeal(@Args('input') input: CreateDealInput) {
    return this.dealService.create(currentUser(), input);
  }

  @Mutation(() => Deal)
  @RequirePermission(SalesPermission['deal.write'])
  updateDeal(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateDealInput) {
    return this.dealService.update(currentUser(), id, input);
  }

  @Mutation(() => Deal, { description: 'Moves an open deal to another stage of its pipeline; recorded in its stage history' })
  @RequirePermission(SalesPermission['deal.write'])
  moveDeal(@Args('id', { type: () => ID }) id: string, @Args('stageId', { type: () => ID }) stageId: string) {
    return this.dealService.move(currentUser(), id, stageId);
  }

  @Mutation(() => Deal, { description: 'Marks an open deal won (earns commissions)' })
  @RequirePermission(SalesPermission['deal.close'])
  winDeal(@Args('id', { type: () => ID }) id: string) {
    return this.dealService.win(currentUser(), id);
  }

  @Mutation(() => Deal, { description: 'Marks an open deal lost, with the reason' })
  @RequirePermission(SalesPermission['deal.close'])
  loseDeal(@Args('id', { type: () => ID }) id: string, @Args('reason') reason: string) {
    return this.dealService.lose(currentUser(), id, reason);
  }

  @ResolveField(() => SalesContact)
  contact(@Parent() d: Deal) {
    return contactReference(d.contactId);
  }

  @ResolveField(() => CompanyRef, { nullable: true })
  company(@Parent() d: Deal) {
    return d.companyId ? { __typename: 'Company', id: d.companyId } : null;
  }

  @ResolveField(() => Stage)
  stage(@Parent() d: Deal) {
    return tenantLoader<string, Stage | null>('stage', (t, ids) => this.pipelines.stagesByIds(t, ids)).load(d.stageId);
  }

  @ResolveField(() => [StageChange], { description: 'Every stage the deal went through: who moved it, when, from, to' })
  stageHistory(@Parent() d: Deal) {
    return tenantLoader<string, StageChange[]>('stage-history', (t, ids) => this.dealService.historyOf(t, ids)).load(d.id);
  }

  @ResolveReference()
  resolveReference(ref: { id: string }) {
    return this.loader().load(ref.id);
  }
}
