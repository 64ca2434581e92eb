import { Args, Info, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, isUuid, PageArgs, selectsField } from '@crm/platform';
import { tenantLoader } from '../common/loaders';
import { SegmentQueries } from '../segments/segment.queries';
import type { SegmentRecord } from '../segments/segment.repository';
import { Segment, SegmentMembershipChangeConnection } from '../segments/segment.types';
import { MarketingContact } from './contact.graphql';

/** A malformed id from a client finds nothing (instead of failing the whole batch's uuid cast). */
const keyOf = (id: string) => (isUuid(id) ? id.toLowerCase() : '00000000-0000-0000-0000-000000000000');

/**
 * The fields marketing adds to `Contact` through federation. Batched: the gateway sends all contacts
 * of a query in one `_entities` call, one SQL query per field.
 */
@Resolver(() => MarketingContact)
export class ContactMarketingResolver {
  constructor(private readonly segmentQueries: SegmentQueries) {}

  // A plain list: a contact is in a handful of segments (they are configuration).
  @ResolveField(() => [Segment], { description: 'The segments and lists the contact is in now, by name' })
  segments(@Parent() c: InstanceType<typeof MarketingContact>) {
    return tenantLoader<string, SegmentRecord[]>('contact-segments', (t, ids) => this.segmentQueries.ofContacts(t, ids)).load(keyOf(c.id));
  }

  @ResolveField(() => SegmentMembershipChangeConnection, { description: 'When the contact joined or left segments, newest first' })
  segmentHistory(@Parent() c: InstanceType<typeof MarketingContact>, @Args() page: PageArgs, @Info() info: GraphQLResolveInfo) {
    return this.segmentQueries.history(currentUser().tenantId, keyOf(c.id), page, selectsField(info, 'totalCount'));
  }
}
