import { Args, Info, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, isUuid, PageArgs, selectsField } from '@crm/platform';
import { MarketingContact } from '../contacts/contact.graphql';
import { CampaignQueries } from './campaign.queries';
import { CampaignMessageConnection } from './campaign.types';

/**
 * `Contact.campaignMessages`: every campaign decision about the contact (sent or skipped, with
 * why), newest first. One query per contact of a federated batch (a page each).
 */
@Resolver(() => MarketingContact)
export class ContactCampaignMessagesResolver {
  constructor(private readonly queries: CampaignQueries) {}

  @ResolveField(() => CampaignMessageConnection, { nullable: true, description: 'Campaign messages to the contact (and skips with their reason), newest first' })
  campaignMessages(@Parent() c: MarketingContact, @Args() page: PageArgs, @Info() info: GraphQLResolveInfo) {
    const { tenantId } = currentUser();
    const id = isUuid(c.id) ? c.id.toLowerCase() : '00000000-0000-0000-0000-000000000000';
    return this.queries.messages(tenantId, { contactIds: [id] }, page, selectsField(info, 'totalCount'));
  }
}
