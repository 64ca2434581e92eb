import { Args, ID, Info, Mutation, Parent, Query, ResolveField, Resolver, ResolveReference } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, PageArgs, RequirePermission, selectsField } from '@crm/platform';
import { contactReference } from '@crm/shared-contacts';
import { tenantLoader } from '../common/loaders';
import { MarketingContact } from '../contacts/contact.graphql';
import { MarketingPermission } from '../permissions';
import { SegmentQueries } from './segment.queries';
import { CreateSegmentInput, Segment, SegmentConnection, SegmentFilter } from './segment.types';
import { CreateSegment } from './use-cases/create-segment.use-case';
import { ListSegments } from './use-cases/list-segments.use-case';

@Resolver(() => Segment)
export class SegmentsResolver {
  constructor(
    private readonly queries: SegmentQueries,
    private readonly listSegments: ListSegments,
    private readonly createSegment_: CreateSegment,
  ) {}

  private loader() {
    return tenantLoader<string, Segment | null>('segment', (t, ids) => this.queries.byIds(t, ids));
  }

  @Query(() => Segment, { nullable: true })
  @RequirePermission(MarketingPermission['segment.read'])
  segment(@Args('id', { type: () => ID }) id: string) {
    return this.loader().load(id);
  }

  @Query(() => SegmentConnection, { description: 'Segments, newest first, with cursor pagination' })
  @RequirePermission(MarketingPermission['segment.read'])
  segments(@Args() page: PageArgs, @Args('filter', { type: () => SegmentFilter, nullable: true }) filter: SegmentFilter | undefined, @Info() info: GraphQLResolveInfo) {
    return this.listSegments.execute(currentUser(), filter ?? {}, page, selectsField(info, 'totalCount'));
  }

  @Mutation(() => Segment, { description: 'A segment for a contact known to marketing (BAD_USER_INPUT otherwise)' })
  @RequirePermission(MarketingPermission['segment.write'])
  createSegment(@Args('input') input: CreateSegmentInput) {
    return this.createSegment_.execute(currentUser(), input);
  }

  @ResolveField(() => MarketingContact)
  contact(@Parent() i: Segment) {
    return contactReference(i.contactId);
  }

  @ResolveReference()
  resolveReference(ref: { id: string }) {
    return this.loader().load(ref.id);
  }
}
