import { Args, ID, Info, Mutation, Parent, Query, ResolveField, Resolver, ResolveReference } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, PageArgs, RequirePermission, selectsField } from '@crm/platform';
import { contactReference } from '@crm/shared-contacts';
import { tenantLoader } from '../common/loaders';
import { MarketingContact } from '../contacts/contact.graphql';
import { MarketingPermission } from '../permissions';
import { CampaignQueries } from './campaign.queries';
import {
  Campaign, CampaignChannel, CampaignConnection, CampaignContent, CampaignMessage, CampaignMessageConnection, CampaignSettings, CampaignSettingsInput,
  CampaignStats, CampaignStatus, CampaignVariant, ChannelThrottle, CreateCampaignInput, FollowUpStep, MessageStatus, AbTestSettings, Suppression,
  SuppressionConnection, SuppressionInput, UpdateCampaignInput,
} from './campaign.types';
import { smsSegments } from './render';
import { CancelCampaign, PauseCampaign, ResumeCampaign, ScheduleCampaign } from './use-cases/campaign-lifecycle.use-case';
import { CreateCampaign, UpdateCampaign } from './use-cases/create-campaign.use-case';
import { ManageSuppressions, SetCampaignSettings } from './use-cases/suppressions.use-case';

@Resolver(() => Campaign)
export class CampaignsResolver {
  constructor(
    private readonly queries: CampaignQueries,
    private readonly create: CreateCampaign,
    private readonly update: UpdateCampaign,
    private readonly schedule: ScheduleCampaign,
    private readonly pause: PauseCampaign,
    private readonly resume: ResumeCampaign,
    private readonly cancel: CancelCampaign,
  ) {}

  private loader() {
    return tenantLoader<string, Campaign | null>('campaign', (t, ids) => this.queries.byIds(t, ids));
  }

  @Query(() => Campaign, { nullable: true })
  @RequirePermission(MarketingPermission['campaign.read'])
  campaign(@Args('id', { type: () => ID }) id: string) {
    return this.loader().load(id);
  }

  @Query(() => CampaignConnection, { description: 'Campaigns, newest first' })
  @RequirePermission(MarketingPermission['campaign.read'])
  campaigns(@Args() page: PageArgs, @Args('status', { type: () => CampaignStatus, nullable: true }) status: CampaignStatus | undefined, @Info() info: GraphQLResolveInfo) {
    return this.queries.list(currentUser().tenantId, status ?? null, page, selectsField(info, 'totalCount'));
  }

  @Mutation(() => Campaign, { description: 'A draft campaign (BAD_USER_INPUT naming each bad field: channels, content, placeholders, segments, schedule window…)' })
  @RequirePermission(MarketingPermission['campaign.write'])
  createCampaign(@Args('input') input: CreateCampaignInput) {
    return this.create.execute(currentUser(), input);
  }

  @Mutation(() => Campaign, { description: 'Replaces a draft campaign (CONFLICT once scheduled)' })
  @RequirePermission(MarketingPermission['campaign.write'])
  updateCampaign(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateCampaignInput) {
    return this.update.execute(currentUser(), id, input);
  }

  @Mutation(() => Campaign, { description: 'Schedules a draft to start at `at` (default: now); a time in the past is BAD_USER_INPUT' })
  @RequirePermission(MarketingPermission['campaign.send'])
  scheduleCampaign(@Args('id', { type: () => ID }) id: string, @Args('at', { type: () => Date, nullable: true }) at: Date | undefined) {
    return this.schedule.execute(currentUser(), id, at);
  }

  @Mutation(() => Campaign, { description: 'Stops sending: once this returns, no further message of the campaign leaves' })
  @RequirePermission(MarketingPermission['campaign.send'])
  pauseCampaign(@Args('id', { type: () => ID }) id: string) {
    return this.pause.execute(currentUser(), id);
  }

  @Mutation(() => Campaign)
  @RequirePermission(MarketingPermission['campaign.send'])
  resumeCampaign(@Args('id', { type: () => ID }) id: string) {
    return this.resume.execute(currentUser(), id);
  }

  @Mutation(() => Campaign, { description: 'Cancels the campaign: messages not yet sent are marked cancelled' })
  @RequirePermission(MarketingPermission['campaign.send'])
  cancelCampaign(@Args('id', { type: () => ID }) id: string) {
    return this.cancel.execute(currentUser(), id);
  }

  @ResolveField(() => CampaignStats)
  stats(@Parent() c: Campaign) {
    return this.queries.stats(currentUser().tenantId, c.id);
  }

  @ResolveField(() => [CampaignVariant], { description: 'A/B variants with their results (empty without a test)' })
  variants(@Parent() c: Campaign) {
    return this.queries.variants(currentUser().tenantId, c);
  }

  @ResolveField(() => AbTestSettings, { nullable: true })
  abTest(@Parent() c: Campaign): AbTestSettings | null {
    return c.abTest && { ...c.abTest, winner: c.abWinner, decidedAt: c.abDecidedAt };
  }

  @ResolveField(() => [FollowUpStep])
  followUps(@Parent() c: Campaign) {
    return this.queries.steps(currentUser().tenantId, c.id);
  }

  @ResolveField(() => CampaignContent)
  content(@Parent() c: Campaign): CampaignContent {
    const m = c.messages;
    return {
      email: m.email ?? null,
      sms: m.sms ? { text: m.sms.text, ...(({ encoding, segments }) => ({ encoding, segments }))(smsSegments(m.sms.text)) } : null,
      post: m.post ?? null,
      phone: m.phone ? { text: m.phone.script } : null,
      social: m.social ?? null,
    };
  }

  @ResolveField(() => [ChannelThrottle])
  throttle(@Parent() c: Campaign): ChannelThrottle[] {
    return Object.entries(c.throttle).map(([channel, perMinute]) => ({ channel: channel as CampaignChannel, perMinute: perMinute! }));
  }

  @ResolveField(() => CampaignMessageConnection, { description: 'Every routing decision of the campaign, newest first' })
  messages(
    @Parent() c: Campaign,
    @Args() page: PageArgs,
    @Args('status', { type: () => MessageStatus, nullable: true }) status: MessageStatus | undefined,
    @Args('channel', { type: () => CampaignChannel, nullable: true }) channel: CampaignChannel | undefined,
    @Info() info: GraphQLResolveInfo,
  ) {
    return this.queries.messages(currentUser().tenantId, { campaignId: c.id, status: status ?? null, channel: channel ?? null }, page, selectsField(info, 'totalCount'));
  }

  @ResolveReference()
  resolveReference(ref: { id: string }) {
    return this.loader().load(ref.id);
  }
}

@Resolver(() => CampaignMessage)
export class CampaignMessageResolver {
  constructor(private readonly queries: CampaignQueries) {}

  @ResolveField(() => MarketingContact)
  contact(@Parent() m: CampaignMessage) {
    return contactReference(m.contactId);
  }

  @ResolveField(() => Campaign, { nullable: true })
  campaign(@Parent() m: CampaignMessage) {
    return tenantLoader<string, Campaign | null>('campaign', (t, ids) => this.queries.byIds(t, ids)).load(m.campaignId);
  }
}

@Resolver(() => Suppression)
export class SuppressionsResolver {
  constructor(private readonly queries: CampaignQueries, private readonly manage: ManageSuppressions, private readonly setSettings: SetCampaignSettings) {}

  @Query(() => SuppressionConnection, { description: 'The suppression list, newest first' })
  @RequirePermission(MarketingPermission['suppression.read'])
  suppressions(@Args() page: PageArgs, @Args('channel', { type: () => CampaignChannel, nullable: true }) channel: CampaignChannel | undefined, @Info() info: GraphQLResolveInfo) {
    return this.queries.suppressions(currentUser().tenantId, channel ?? null, page, selectsField(info, 'totalCount'));
  }

  @Mutation(() => Suppression, { description: 'No campaign message goes to this address any more' })
  @RequirePermission(MarketingPermission['suppression.write'])
  addSuppression(@Args('input') input: SuppressionInput) {
    return this.manage.add(currentUser(), input);
  }

  @Mutation(() => Boolean, { description: 'True if the address was on the list' })
  @RequirePermission(MarketingPermission['suppression.write'])
  removeSuppression(@Args('input') input: SuppressionInput) {
    return this.manage.remove(currentUser(), input);
  }

  @Query(() => CampaignSettings)
  @RequirePermission(MarketingPermission['campaign.read'])
  campaignSettings() {
    return this.queries.settings(currentUser().tenantId);
  }

  @Mutation(() => CampaignSettings, { description: 'The frequency cap across campaigns and the default time zone' })
  @RequirePermission(MarketingPermission['campaign.write'])
  setCampaignSettings(@Args('input') input: CampaignSettingsInput) {
    return this.setSettings.execute(currentUser(), input);
  }
}
