import { Args, ID, Info, Mutation, Parent, Query, ResolveField, Resolver, ResolveReference } from '@nestjs/graphql';
import { SalesPermission } from '../permissions';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, PageArgs, RequirePermission, selectsField } from '@crm/platform';
import { contactReference } from '@crm/shared-contacts';
import { CompanyRef, SalesContact } from '../common/graphql';
import { tenantLoader } from '../common/loaders';
import { Stage } from '../pipelines/pipeline.types';
import { PipelineQueries } from '../pipelines/pipeline.queries';
import { CreateDealInput, Deal, DealConnection, DealFilter, StageChange, UpdateDealInput } from './deal.types';
import { DealQueries } from './deal.queries';
import { ArchiveDeal } from './use-cases/archive-deal.use-case';
import { CreateDeal } from './use-cases/create-deal.use-case';
import { ListDeals } from './use-cases/list-deals.use-case';
import { LoseDeal } from './use-cases/lose-deal.use-case';
import { MoveDeal } from './use-cases/move-deal.use-case';
import { ReopenDeal } from './use-cases/reopen-deal.use-case';
import { RestoreDeal } from './use-cases/restore-deal.use-case';
import { UpdateDeal } from './use-cases/update-deal.use-case';
import { WinDeal } from './use-cases/win-deal.use-case';

@Resolver(() => Deal)
export class DealsResolver {
  constructor(
    private readonly queries: DealQueries,
    private readonly pipelines: PipelineQueries,
    private readonly listDeals: ListDeals,
    private readonly createDeal_: CreateDeal,
    private readonly updateDeal_: UpdateDeal,
    private readonly moveDeal_: MoveDeal,
    private readonly winDeal_: WinDeal,
    private readonly loseDeal_: LoseDeal,
    private readonly reopenDeal_: ReopenDeal,
    private readonly archiveDeal_: ArchiveDeal,
    private readonly restoreDeal_: RestoreDeal,
  ) {}

  private loader() {
    return tenantLoader<string, Deal | null>('deal', (t, ids) => this.queries.byIds(t, ids));
  }

  @Query(() => Deal, { nullable: true })
  @RequirePermission(SalesPermission['deal.read'])
  deal(@Args('id', { type: () => ID }) id: string) {
    return this.loader().load(id);
  }

  @Query(() => DealConnection, { description: 'Deals, newest first, with filters and cursor pagination' })
  @RequirePermission(SalesPermission['deal.read'])
  deals(@Args() page: PageArgs, @Args('filter', { type: () => DealFilter, nullable: true }) filter: DealFilter | undefined, @Info() info: GraphQLResolveInfo) {
    return this.listDeals.execute(currentUser(), filter ?? {}, page, selectsField(info, 'totalCount'));
  }

  @Mutation(() => Deal, { description: 'A deal for a contact known to sales (BAD_USER_INPUT otherwise), in a pipeline stage' })
  @RequirePermission(SalesPermission['deal.write'])
  createDeal(@Args('input') input: CreateDealInput) {
    return this.createDeal_.execute(currentUser(), input);
  }

  @Mutation(() => Deal)
  @RequirePermission(SalesPermission['deal.write'])
  updateDeal(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateDealInput) {
    return this.updateDeal_.execute(currentUser(), id, input);
  }

  @Mutation(() => Deal, { description: 'Moves an open deal to another stage of its pipeline; recorded in its stage history' })
  @RequirePermission(SalesPermission['deal.write'])
  moveDeal(@Args('id', { type: () => ID }) id: string, @Args('stageId', { type: () => ID }) stageId: string) {
    return this.moveDeal_.execute(currentUser(), id, stageId);
  }

  @Mutation(() => Deal, { description: 'Marks an open deal won (earns commissions)' })
  @RequirePermission(SalesPermission['deal.close'])
  winDeal(@Args('id', { type: () => ID }) id: string) {
    return this.winDeal_.execute(currentUser(), id);
  }

  @Mutation(() => Deal, { description: 'Marks an open deal lost, with the reason' })
  @RequirePermission(SalesPermission['deal.close'])
  loseDeal(@Args('id', { type: () => ID }) id: string, @Args('reason') reason: string) {
    return this.loseDeal_.execute(currentUser(), id, reason);
  }

  @Mutation(() => Deal, { description: 'Opens a won or lost deal again; the commissions its win earned are reversed by ledger entries' })
  @RequirePermission(SalesPermission['deal.close'])
  reopenDeal(@Args('id', { type: () => ID }) id: string) {
    return this.reopenDeal_.execute(currentUser(), id);
  }

  @Mutation(() => Deal, { description: 'Archives a deal: hidden from lists and reports, frozen, restorable with restoreDeal' })
  @RequirePermission(SalesPermission['deal.write'])
  archiveDeal(@Args('id', { type: () => ID }) id: string) {
    return this.archiveDeal_.execute(currentUser(), id);
  }

  @Mutation(() => Deal, { description: 'Restores an archived deal' })
  @RequirePermission(SalesPermission['deal.write'])
  restoreDeal(@Args('id', { type: () => ID }) id: string) {
    return this.restoreDeal_.execute(currentUser(), id);
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
    return tenantLoader<string, StageChange[]>('stage-history', (t, ids) => this.queries.historyOf(t, ids)).load(d.id);
  }

  @ResolveReference()
  resolveReference(ref: { id: string }) {
    return this.loader().load(ref.id);
  }
}
