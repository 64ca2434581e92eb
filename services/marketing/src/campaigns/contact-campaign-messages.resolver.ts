import { Args, Info, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { isUuid, PageArgs, selectsField, type ConnectionValue } from '@crm/platform';
import { tenantLoader } from '../common/loaders';
import { MarketingContact } from '../contacts/contact.graphql';
import { CampaignQueries } from './campaign.queries';
import { type CampaignMessage, CampaignMessageConnection } from './campaign.types';

/**
 * `Contact.campaignMessages`: every campaign decision about the contact (sent or skipped, with
 * why), newest first. Batched: the contacts of one `_entities` call get their pages from one query.
 */
@Resolver(() => MarketingContact)
export class ContactCampaignMessagesResolver {
  constructor(private readonly queries: CampaignQueries) {}

  @ResolveField(() => CampaignMessageConnection, { nullable: true, description: 'Campaign messages to the contact (and skips with their reason), newest first' })
  campaignMessages(@Parent() c: MarketingContact, @Args() page: PageArgs, @Info() info: GraphQLResolveInfo) {
    const withTotal = selectsField(info, 'totalCount');
    const id = isUuid(c.id) ? c.id.toLowerCase() : '00000000-0000-0000-0000-000000000000';
    return tenantLoader<string, ConnectionValue<CampaignMessage>>(`contact-campaign-messages:${page.first ?? ''}:${page.after ?? ''}:${withTotal}`, (t, ids) =>
      this.queries.byContacts(t, ids, page, withTotal),
    ).load(id);
  }
}
