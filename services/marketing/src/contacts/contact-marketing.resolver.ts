import { Args, Info, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { isUuid, PageArgs, selectsField, type ConnectionValue } from '@crm/platform';
import { tenantLoader } from '../common/loaders';
import { SegmentQueries } from '../segments/segment.queries';
import { type Segment, SegmentConnection } from '../segments/segment.types';
import { MarketingContact } from './contact.graphql';

/**
 * The fields marketing adds to `Contact` through federation. Nullable: when marketing is down the
 * gateway answers null with SERVICE_UNAVAILABLE on these fields and the rest of the contact stays.
 * Batched: the gateway sends all contacts of a query in one `_entities` call, one SQL query per field.
 */
@Resolver(() => MarketingContact)
export class ContactMarketingResolver {
  constructor(private readonly segmentQueries: SegmentQueries) {}

  @ResolveField(() => SegmentConnection, { nullable: true, description: 'The contact’s segments in marketing, newest first' })
  marketingSegments(@Parent() c: MarketingContact, @Args() page: PageArgs, @Info() info: GraphQLResolveInfo) {
    const withTotal = selectsField(info, 'totalCount');
    // A malformed id from a client finds nothing (instead of failing the whole batch's uuid cast).
    const key = isUuid(c.id) ? c.id.toLowerCase() : '00000000-0000-0000-0000-000000000000';
    return tenantLoader<string, ConnectionValue<Segment>>(`contact-segments:${page.first ?? ''}:${page.after ?? ''}:${withTotal}`, (t, ids) =>
      this.segmentQueries.byContacts(t, ids, page, withTotal),
    ).load(key);
  }
}
