import { Args, ID, Info, Int, Mutation, Parent, Query, ResolveField, Resolver, ResolveReference } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, PageArgs, RequirePermission, selectsField } from '@crm/platform';
import { contactReference } from '@crm/shared-contacts';
import { tenantLoader } from '../common/loaders';
import { MarketingPermission } from '../permissions';
import { SegmentQueries } from './segment.queries';
import type { MemberRecord, SegmentRecord } from './segment.repository';
import {
  AudiencePortrait,
  CreateSegmentInput,
  ListImportReport,
  Segment,
  SegmentMember,
  SegmentMemberConnection,
  SegmentPreview,
  SegmentRuleInput,
  UpdateSegmentInput,
} from './segment.types';
import { CreateSegment } from './use-cases/create-segment.use-case';
import { ImportListCsv } from './use-cases/import-list-csv.use-case';
import { ChangeListMembers } from './use-cases/list-members.use-case';
import { DeleteSegment, UpdateSegment } from './use-cases/update-segment.use-case';

@Resolver(() => Segment)
export class SegmentsResolver {
  constructor(
    private readonly queries: SegmentQueries,
    private readonly createSegment_: CreateSegment,
    private readonly updateSegment_: UpdateSegment,
    private readonly deleteSegment_: DeleteSegment,
    private readonly listMembers: ChangeListMembers,
    private readonly importCsv: ImportListCsv,
  ) {}

  private loader() {
    return tenantLoader<string, SegmentRecord | null>('segment', (t, ids) => this.queries.byIds(t, ids));
  }

  @Query(() => Segment, { nullable: true })
  @RequirePermission(MarketingPermission['segment.read'])
  segment(@Args('id', { type: () => ID }) id: string) {
    return this.loader().load(id);
  }

  // A plain list: segments are configuration (tens, a few hundred at most), picked from a menu.
  @Query(() => [Segment], { description: 'Every segment and list of the tenant, by name' })
  @RequirePermission(MarketingPermission['segment.read'])
  segments() {
    return this.queries.list(currentUser().tenantId);
  }

  @Query(() => SegmentPreview, { description: 'What a rule would select now (size and the first 20 contacts), before it is saved' })
  @RequirePermission(MarketingPermission['segment.read'])
  async previewSegment(@Args('rule', { type: () => SegmentRuleInput }) rule: SegmentRuleInput) {
    const p = await this.queries.preview(currentUser().tenantId, rule);
    return { size: p.size, contacts: p.contactIds.map(contactReference) };
  }

  @Query(() => SegmentMemberConnection, { description: 'Current members (active contacts), newest first' })
  @RequirePermission(MarketingPermission['segment.read'])
  async segmentMembers(@Args('id', { type: () => ID }) id: string, @Args() page: PageArgs, @Info() info: GraphQLResolveInfo) {
    const c = await this.queries.members(currentUser().tenantId, id, page, selectsField(info, 'totalCount'));
    return { ...c, edges: c.edges.map((e) => ({ ...e, node: toMember(e.node) })) };
  }

  @Mutation(() => Segment, { description: 'A static list, or a dynamic segment evaluated at once' })
  @RequirePermission(MarketingPermission['segment.write'])
  createSegment(@Args('input') input: CreateSegmentInput) {
    return this.createSegment_.execute(currentUser(), input);
  }

  @Mutation(() => Segment, { description: 'Rename, describe, or change the rule (members re-evaluated at once)' })
  @RequirePermission(MarketingPermission['segment.write'])
  updateSegment(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateSegmentInput) {
    return this.updateSegment_.execute(currentUser(), id, input);
  }

  @Mutation(() => ID, { description: 'Deletes the segment and its memberships; returns its id' })
  @RequirePermission(MarketingPermission['segment.write'])
  deleteSegment(@Args('id', { type: () => ID }) id: string) {
    return this.deleteSegment_.execute(currentUser(), id);
  }

  @Mutation(() => Segment, { description: 'Adds contacts to a static list' })
  @RequirePermission(MarketingPermission['segment.write'])
  addToList(@Args('id', { type: () => ID }) id: string, @Args('contactIds', { type: () => [ID] }) contactIds: string[]) {
    return this.listMembers.add(currentUser(), id, contactIds);
  }

  @Mutation(() => Segment, { description: 'Removes contacts from a static list' })
  @RequirePermission(MarketingPermission['segment.write'])
  removeFromList(@Args('id', { type: () => ID }) id: string, @Args('contactIds', { type: () => [ID] }) contactIds: string[]) {
    return this.listMembers.remove(currentUser(), id, contactIds);
  }

  @Mutation(() => ListImportReport, { description: 'Adds the contacts of a CSV (an id or email column) to a static list; refused rows are listed by line' })
  @RequirePermission(MarketingPermission['segment.write'])
  importListCsv(@Args('id', { type: () => ID }) id: string, @Args('csv') csv: string) {
    return this.importCsv.execute(currentUser(), id, csv);
  }

  @ResolveField(() => Int, { description: 'Current members (active contacts)' })
  size(@Parent() s: SegmentRecord) {
    return tenantLoader<string, number>('segment-size', (t, ids) => this.queries.sizes(t, ids)).load(s.id);
  }

  @ResolveField(() => AudiencePortrait)
  portrait(@Parent() s: SegmentRecord) {
    return this.queries.portrait(currentUser().tenantId, s.id);
  }

  @ResolveReference()
  resolveReference(ref: { id: string }) {
    return this.loader().load(ref.id);
  }
}

function toMember(m: MemberRecord): SegmentMember {
  return { contact: contactReference(m.contactId), addedAt: m.addedAt };
}
