import { Directive, Field, ID, Int } from '@nestjs/graphql';
import { MarketingContact } from '../contacts/contact.graphql';
import { Connection, InputType, ObjectType, registerEnumType } from '../schema-scope';
import { RuleOp } from './rules/rule';

export enum SegmentKind {
  STATIC = 'static',
  DYNAMIC = 'dynamic',
}
registerEnumType(SegmentKind, { name: 'SegmentKind', description: 'STATIC: a list kept by hand or CSV; DYNAMIC: the contacts a rule selects, kept up to date as events arrive' });
registerEnumType(RuleOp, { name: 'SegmentRuleOp', description: 'Operators of a segment rule condition (which apply to which field: docs/marketing/segments.md)' });

/** A node of a rule: exactly one of and / or / not / a condition (field + op + operand). */
@ObjectType({ description: 'A segment rule node: exactly one of and, or, not, or a condition (field, op and its operand)' })
export class SegmentRule {
  @Field(() => [SegmentRule], { nullable: true }) and?: SegmentRule[];
  @Field(() => [SegmentRule], { nullable: true }) or?: SegmentRule[];
  @Field(() => SegmentRule, { nullable: true }) not?: SegmentRule;
  @Field(() => String, { nullable: true }) field?: string;
  @Field(() => RuleOp, { nullable: true }) op?: RuleOp;
  @Field(() => String, { nullable: true }) value?: string;
  @Field(() => [String], { nullable: true }) values?: string[];
  @Field(() => Int, { nullable: true }) days?: number;
  @Field(() => String, { nullable: true }) currency?: string;
}

@InputType({ description: 'A segment rule node: exactly one of and, or, not, or a condition (field, op and its operand)' })
export class SegmentRuleInput {
  @Field(() => [SegmentRuleInput], { nullable: true }) and?: SegmentRuleInput[] | null;
  @Field(() => [SegmentRuleInput], { nullable: true }) or?: SegmentRuleInput[] | null;
  @Field(() => SegmentRuleInput, { nullable: true }) not?: SegmentRuleInput | null;
  @Field(() => String, { nullable: true, description: 'tags, lifecycleStage, companyId, companyName, ownerId, country, timeZone, createdAt, reachableChannel, leadScore, received, opened, clicked, bounced, formsSubmitted, orders, dealsWon, productsBought, spent, customFields.<key>, consent.<channel>' })
  field?: string | null;
  @Field(() => RuleOp, { nullable: true }) op?: RuleOp | null;
  @Field(() => String, { nullable: true, description: 'The operand: text, a number or amount as a decimal string, an ISO date, a product id or SKU, a channel, a consent status' })
  value?: string | null;
  @Field(() => [String], { nullable: true, description: 'The operands of IN, NOT_IN, CONTAINS_ANY, CONTAINS_ALL' }) values?: string[] | null;
  @Field(() => Int, { nullable: true, description: 'WITHIN_LAST_DAYS / OLDER_THAN_DAYS; on a behaviour count, products or spent: only events of the last N days' })
  days?: number | null;
  @Field(() => String, { nullable: true, description: 'ISO 4217 currency of a spent condition' }) currency?: string | null;
}

@ObjectType({ description: 'How many members fall in one group of an audience portrait' })
export class PortraitBucket {
  @Field(() => String, { nullable: true, description: 'The group (a channel, stage, country, band); null: unknown / none' }) key: string | null;
  @Field(() => Int) count: number;
}

@ObjectType({ description: 'Who is in a segment: counts by reachable channel, lifecycle stage, country, lead-score band and RFM band' })
export class AudiencePortrait {
  @Field(() => Int) size: number;
  @Field(() => [PortraitBucket], { description: 'The channel a campaign allowing every channel would use (first preferred with consent and an address); null: unreachable' })
  reachableChannel: PortraitBucket[];
  @Field(() => [PortraitBucket]) lifecycleStage: PortraitBucket[];
  @Field(() => [PortraitBucket]) country: PortraitBucket[];
  @Field(() => [PortraitBucket], { description: '0-24, 25-49, 50-74, 75+' }) leadScoreBand: PortraitBucket[];
  @Field(() => [PortraitBucket], { description: 'champions, loyal, new, needs_attention, at_risk, lost, prospects (no order)' }) rfmBand: PortraitBucket[];
}

@ObjectType({ description: 'A static list or a dynamic segment of contacts' })
@Directive('@key(fields: "id")')
export class Segment {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => SegmentKind) kind: SegmentKind;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => SegmentRule, { nullable: true, description: 'The rule of a dynamic segment' }) rule: SegmentRule | null;
  @Field({ description: 'The rule depends on the clock (re-evaluated by the periodic sweep too)' }) timeRelative: boolean;
  @Field() createdBy: string;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
  @Field(() => Date, { nullable: true, description: 'Last full (set-based) evaluation' }) evaluatedAt: Date | null;
}

@ObjectType()
export class SegmentMember {
  @Field(() => MarketingContact) contact: InstanceType<typeof MarketingContact>;
  @Field() addedAt: Date;
}
export const SegmentMemberConnection = Connection(SegmentMember);

@ObjectType({ description: 'A contact joined or left a segment' })
export class SegmentMembershipChange {
  @Field(() => ID) id: string;
  @Field(() => ID) segmentId: string;
  @Field({ description: 'The segment’s name at the time' }) segmentName: string;
  @Field({ description: 'added | removed' }) change: string;
  @Field({ description: 'rule (an event changed the contact or the rule), sweep (time passed), list, import, merge' }) reason: string;
  @Field() changedAt: Date;
}
export const SegmentMembershipChangeConnection = Connection(SegmentMembershipChange);

@ObjectType({ description: 'What a rule would select now, before it is saved' })
export class SegmentPreview {
  @Field(() => Int) size: number;
  @Field(() => [MarketingContact], { description: 'The first 20 by display name' }) contacts: InstanceType<typeof MarketingContact>[];
}

@InputType()
export class CreateSegmentInput {
  @Field() name: string;
  @Field(() => SegmentKind) kind: SegmentKind;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => SegmentRuleInput, { nullable: true, description: 'Required for DYNAMIC, refused for STATIC' }) rule?: SegmentRuleInput | null;
}

@InputType()
export class UpdateSegmentInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => SegmentRuleInput, { nullable: true, description: 'A new rule (dynamic segments only): members are re-evaluated at once' }) rule?: SegmentRuleInput | null;
}

@ObjectType({ description: 'What a CSV import into a static list did' })
export class ListImportReport {
  @Field(() => Int, { description: 'Data rows read' }) rows: number;
  @Field(() => Int, { description: 'Contacts added to the list' }) added: number;
  @Field(() => Int, { description: 'Rows naming a contact already in the list (or named twice)' }) alreadyMembers: number;
  @Field(() => Int) failed: number;
  @Field(() => [ListImportError]) errors: ListImportError[];
}

@ObjectType()
export class ListImportError {
  @Field(() => Int, { description: 'Line in the file (the header is line 1)' }) line: number;
  @Field() message: string;
}
