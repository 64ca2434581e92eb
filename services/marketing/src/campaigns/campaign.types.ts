import { Directive, Field, Float, ID, Int } from '@nestjs/graphql';
import { MarketingContact } from '../contacts/contact.graphql';
import { Channel } from '../forms/form.types';
import { Connection, InputType, ObjectType, registerEnumType } from '../schema-scope';

/** The subgraph's one `Channel` enum (registered with the forms' types); its values are the event spelling (`email`). */
export const CampaignChannel = Channel;
export type CampaignChannel = Channel;

export enum CampaignStatus { DRAFT = 'draft', SCHEDULED = 'scheduled', RUNNING = 'running', PAUSED = 'paused', COMPLETED = 'completed', CANCELLED = 'cancelled' }
registerEnumType(CampaignStatus, { name: 'CampaignStatus' });

export enum MessageStatus {
  SKIPPED = 'skipped', QUEUED = 'queued', SENDING = 'sending', SENT = 'sent', DELIVERED = 'delivered', BOUNCED = 'bounced', FAILED = 'failed', CANCELLED = 'cancelled',
}
registerEnumType(MessageStatus, { name: 'MessageStatus' });

export enum AbMetric { OPEN = 'open', CLICK = 'click', CONVERSION = 'conversion' }
registerEnumType(AbMetric, { name: 'AbTestMetric', description: 'What decides the winner of an A/B test' });

export enum FollowUpCondition { NOT_OPENED = 'not_opened', NOT_CLICKED = 'not_clicked', OPENED = 'opened', CLICKED = 'clicked' }
registerEnumType(FollowUpCondition, { name: 'FollowUpCondition' });

export enum SuppressionReason { HARD_BOUNCE = 'hard_bounce', COMPLAINT = 'complaint', UNSUBSCRIBE = 'unsubscribe', MANUAL = 'manual' }
registerEnumType(SuppressionReason, { name: 'SuppressionReason' });

/** Content per channel, as stored (campaigns.messages, campaign_variants.messages, campaign_steps.messages). */
export interface ChannelMessages {
  email?: { subject: string; html: string; text: string };
  sms?: { text: string };
  post?: { text: string };
  phone?: { script: string };
  social?: { text: string };
}

@ObjectType()
export class EmailContent {
  @Field() subject: string;
  @Field() html: string;
  @Field() text: string;
}
@ObjectType()
export class SmsContent {
  @Field() text: string;
  @Field({ description: 'GSM_7 or UCS_2 (any character outside the GSM 03.38 set)' }) encoding: string;
  @Field(() => Int, { description: 'SMS parts the template takes before personalisation (GSM-7: 160, then 153 each; UCS-2: 70, then 67)' }) segments: number;
}
@ObjectType()
export class TextContent {
  @Field() text: string;
}
@ObjectType()
export class CampaignContent {
  @Field(() => EmailContent, { nullable: true }) email: EmailContent | null;
  @Field(() => SmsContent, { nullable: true }) sms: SmsContent | null;
  @Field(() => TextContent, { nullable: true, description: 'The letter text' }) post: TextContent | null;
  @Field(() => TextContent, { nullable: true, description: 'The call script' }) phone: TextContent | null;
  @Field(() => TextContent, { nullable: true }) social: TextContent | null;
}

@ObjectType()
export class TimeWindow {
  @Field({ description: 'HH:MM' }) start: string;
  @Field({ description: 'HH:MM' }) end: string;
}
@ObjectType()
export class ChannelThrottle {
  @Field(() => CampaignChannel) channel: CampaignChannel;
  @Field(() => Int) perMinute: number;
}

@ObjectType()
export class CampaignVariant {
  @Field() key: string;
  @Field(() => String, { nullable: true }) subject: string | null;
  @Field(() => [CampaignChannel], { nullable: true }) channelOrder: CampaignChannel[] | null;
  @Field(() => Int, { description: 'Recipients of this variant in the test sample (the rest of the audience, sent the winner later, is not counted here)' }) recipients: number;
  @Field(() => Int) sent: number;
  @Field(() => Int) opened: number;
  @Field(() => Int) clicked: number;
  @Field(() => Int) converted: number;
  @Field(() => Float, { description: 'The test’s metric (opens, clicks or conversions) over messages sent, in the test sample' }) rate: number;
  @Field(() => Float, { description: 'This rate minus the best other variant’s (percentage points as a fraction)' }) differenceToBest: number;
  @Field() winner: boolean;
}

@ObjectType()
export class AbTestSettings {
  @Field(() => Float, { description: 'Share of the audience in the test (0 < share < 1)' }) testShare: number;
  @Field(() => AbMetric) metric: AbMetric;
  @Field(() => Float) durationHours: number;
  @Field(() => String, { nullable: true }) winner: string | null;
  @Field(() => Date, { nullable: true }) decidedAt: Date | null;
}

@ObjectType()
export class FollowUpStep {
  @Field(() => ID) id: string;
  @Field(() => Int) position: number;
  @Field(() => FollowUpCondition) condition: FollowUpCondition;
  @Field(() => Float) afterHours: number;
  @Field(() => [CampaignChannel]) channels: CampaignChannel[];
  @Field(() => Date, { nullable: true }) firedAt: Date | null;
}

@ObjectType()
export class SkipCount {
  @Field() reason: string;
  @Field(() => Int) count: number;
}
@ObjectType()
export class ChannelStats {
  @Field(() => CampaignChannel) channel: CampaignChannel;
  @Field(() => Int) routed: number;
  @Field(() => Int) sent: number;
  @Field(() => Int) delivered: number;
  @Field(() => Int) opened: number;
  @Field(() => Int) clicked: number;
  @Field(() => Int) bounced: number;
  @Field(() => Int) unsubscribed: number;
}
@ObjectType()
export class CampaignStats {
  @Field(() => Int, { description: 'Recipients with a routing decision (queued or skipped)' }) routed: number;
  @Field(() => Int) queued: number;
  @Field(() => Int) skipped: number;
  @Field(() => [SkipCount]) skippedByReason: SkipCount[];
  @Field(() => Int) sent: number;
  @Field(() => Int) delivered: number;
  @Field(() => Int) opened: number;
  @Field(() => Int) clicked: number;
  @Field(() => Int) bounced: number;
  @Field(() => Int) failed: number;
  @Field(() => Int) cancelled: number;
  @Field(() => Int) unsubscribed: number;
  @Field(() => Int) converted: number;
  @Field(() => [ChannelStats]) byChannel: ChannelStats[];
}

@ObjectType({ description: 'A marketing campaign: audience, channels, content per channel, schedule, A/B test and follow-ups' })
@Directive('@key(fields: "id")')
export class Campaign {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) goal: string | null;
  @Field(() => CampaignStatus) status: CampaignStatus;
  @Field(() => [ID]) includeSegmentIds: string[];
  @Field(() => [ID]) excludeSegmentIds: string[];
  @Field(() => [CampaignChannel], { description: 'The channels the campaign may use; each recipient gets the first of their own preferred channels among these' })
  channels: CampaignChannel[];
  messages: ChannelMessages;
  @Field(() => TimeWindow, { nullable: true, description: 'Send in this local time window of each recipient (their time zone, else the tenant’s)' }) sendWindow: TimeWindow | null;
  @Field(() => TimeWindow, { nullable: true, description: 'No sending in these local hours: messages wait until they end' }) quietHours: TimeWindow | null;
  throttle: Partial<Record<CampaignChannel, number>>;
  abTest: { testShare: number; metric: AbMetric; durationHours: number } | null;
  abWinner: string | null;
  abDecidedAt: Date | null;
  @Field(() => Date, { nullable: true }) scheduledAt: Date | null;
  @Field(() => Date, { nullable: true }) startedAt: Date | null;
  @Field(() => Date, { nullable: true }) completedAt: Date | null;
  @Field() createdBy: string;
  @Field() createdAt: Date;
}

export const CampaignConnection = Connection(Campaign);

@ObjectType({ description: 'One routing decision and send: a recipient of a campaign (or of one of its follow-up steps)' })
export class CampaignMessage {
  @Field(() => ID) id: string;
  campaignId: string;
  contactId: string;
  @Field(() => ID, { nullable: true }) stepId: string | null;
  @Field(() => MarketingContact) contact?: MarketingContact;
  @Field(() => CampaignChannel, { nullable: true }) channel: CampaignChannel | null;
  @Field(() => String, { nullable: true, description: 'The address used (email, E.164 phone, postal lines, network:handle); null once erased' }) address: string | null;
  @Field(() => MessageStatus) status: MessageStatus;
  @Field(() => String, { nullable: true }) skipReason: string | null;
  @Field(() => [PassedOverChannel], { description: 'Preferred channels passed over before the chosen one, each with why' }) passedOver: PassedOverChannel[];
  @Field(() => String, { nullable: true }) variant: string | null;
  @Field() routedAt: Date;
  @Field(() => Date, { nullable: true }) sentAt: Date | null;
  @Field(() => Date, { nullable: true }) openedAt: Date | null;
  @Field(() => Date, { nullable: true }) clickedAt: Date | null;
}

@ObjectType()
export class PassedOverChannel {
  @Field(() => CampaignChannel) channel: CampaignChannel;
  @Field() reason: string;
}

export const CampaignMessageConnection = Connection(CampaignMessage);

@ObjectType({ description: 'An address no campaign message goes to (hard bounce, complaint, unsubscribe, or added by hand)' })
export class Suppression {
  @Field(() => CampaignChannel) channel: CampaignChannel;
  @Field() address: string;
  @Field(() => SuppressionReason) reason: SuppressionReason;
  @Field(() => String, { nullable: true }) note: string | null;
  @Field() createdAt: Date;
}
export const SuppressionConnection = Connection(Suppression);

@ObjectType({ description: 'The tenant’s campaign settings' })
export class CampaignSettings {
  @Field(() => Int, { description: 'At most this many campaign messages per contact…' }) frequencyCap: number;
  @Field(() => Int, { description: '…in this many days (across campaigns)' }) frequencyWindowDays: number;
  @Field({ description: 'IANA time zone for recipients without one' }) defaultTimeZone: string;
}

// ---- inputs

@InputType()
export class EmailContentInput {
  @Field() subject: string;
  @Field() html: string;
  @Field() text: string;
}
@InputType()
export class TextContentInput {
  @Field() text: string;
}
@InputType()
export class CallScriptInput {
  @Field() script: string;
}
@InputType()
export class TimeWindowInput {
  @Field({ description: 'HH:MM' }) start: string;
  @Field({ description: 'HH:MM' }) end: string;
}
@InputType()
export class ChannelThrottleInput {
  @Field(() => CampaignChannel) channel: CampaignChannel;
  @Field(() => Int) perMinute: number;
}
@InputType()
export class VariantInput {
  @Field({ description: 'A, B, C or D' }) key: string;
  @Field(() => String, { nullable: true, description: 'Overrides the email subject' }) subject?: string | null;
  @Field(() => EmailContentInput, { nullable: true }) email?: EmailContentInput | null;
  @Field(() => TextContentInput, { nullable: true }) sms?: TextContentInput | null;
  @Field(() => [CampaignChannel], { nullable: true, description: 'Try channels in this order (instead of the contact’s), only these' }) channelOrder?: CampaignChannel[] | null;
}
@InputType()
export class AbTestInput {
  @Field(() => [VariantInput]) variants: VariantInput[];
  @Field(() => Float, { description: '0 < share < 1' }) testShare: number;
  @Field(() => AbMetric) metric: AbMetric;
  @Field(() => Float) durationHours: number;
}
@InputType()
export class FollowUpInput {
  @Field(() => FollowUpCondition) condition: FollowUpCondition;
  @Field(() => Float) afterHours: number;
  @Field(() => [CampaignChannel]) channels: CampaignChannel[];
  @Field(() => EmailContentInput, { nullable: true }) email?: EmailContentInput | null;
  @Field(() => TextContentInput, { nullable: true }) sms?: TextContentInput | null;
  @Field(() => TextContentInput, { nullable: true }) post?: TextContentInput | null;
  @Field(() => CallScriptInput, { nullable: true }) phone?: CallScriptInput | null;
  @Field(() => TextContentInput, { nullable: true }) social?: TextContentInput | null;
}

@InputType()
export class CreateCampaignInput {
  @Field() name: string;
  @Field(() => String, { nullable: true }) goal?: string | null;
  @Field(() => [ID]) includeSegmentIds: string[];
  @Field(() => [ID], { nullable: true }) excludeSegmentIds?: string[] | null;
  @Field(() => [CampaignChannel]) channels: CampaignChannel[];
  @Field(() => EmailContentInput, { nullable: true }) email?: EmailContentInput | null;
  @Field(() => TextContentInput, { nullable: true }) sms?: TextContentInput | null;
  @Field(() => TextContentInput, { nullable: true, description: 'The letter' }) post?: TextContentInput | null;
  @Field(() => CallScriptInput, { nullable: true }) phone?: CallScriptInput | null;
  @Field(() => TextContentInput, { nullable: true }) social?: TextContentInput | null;
  @Field(() => TimeWindowInput, { nullable: true }) sendWindow?: TimeWindowInput | null;
  @Field(() => TimeWindowInput, { nullable: true }) quietHours?: TimeWindowInput | null;
  @Field(() => [ChannelThrottleInput], { nullable: true }) throttle?: ChannelThrottleInput[] | null;
  @Field(() => AbTestInput, { nullable: true }) abTest?: AbTestInput | null;
  @Field(() => [FollowUpInput], { nullable: true }) followUps?: FollowUpInput[] | null;
}

@InputType()
export class UpdateCampaignInput extends CreateCampaignInput {}

@InputType()
export class SuppressionInput {
  @Field(() => CampaignChannel) channel: CampaignChannel;
  @Field() address: string;
  @Field(() => String, { nullable: true }) note?: string | null;
}

@InputType()
export class CampaignSettingsInput {
  @Field(() => Int) frequencyCap: number;
  @Field(() => Int) frequencyWindowDays: number;
  @Field() defaultTimeZone: string;
}
