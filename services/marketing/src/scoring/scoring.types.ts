import { Field, ID, Int } from '@nestjs/graphql';
import { InputType, ObjectType, registerEnumType } from '../schema-scope';

export enum ScoringRuleKind {
  ATTRIBUTE = 'attribute',
  BEHAVIOUR = 'behaviour',
}
registerEnumType(ScoringRuleKind, { name: 'ScoringRuleKind', description: 'ATTRIBUTE: points while the contact matches; BEHAVIOUR: points per event, decaying' });

@ObjectType({ description: 'Points for a contact attribute or a behaviour (see docs/marketing/forms-and-scoring.md for the fields)' })
export class ScoringRule {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => ScoringRuleKind) kind: ScoringRuleKind;
  @Field({ description: 'lifecycleStage, companyName, country, tag, custom.<key>, emailOpened, linkClicked, pageVisited or formSubmitted' }) field: string;
  @Field(() => String, { nullable: true }) value: string | null;
  @Field(() => Int) points: number;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@InputType()
export class ScoringRuleInput {
  @Field() name: string;
  @Field() field: string;
  @Field(() => String, { nullable: true }) value?: string | null;
  @Field(() => Int, { description: '-1000..1000, not 0' }) points: number;
}

@ObjectType({ description: 'One line of a score’s breakdown' })
export class LeadScoreEntry {
  @Field(() => ID) ruleId: string;
  @Field() ruleName: string;
  @Field(() => ScoringRuleKind) kind: ScoringRuleKind;
  @Field(() => Int, { description: 'What it counts now (behaviour points halve every half-life)' }) points: number;
  @Field(() => Int) originalPoints: number;
  @Field() reason: string;
  @Field() occurredAt: Date;
}

@ObjectType()
export class LeadScore {
  @Field(() => ID) contactId: string;
  @Field(() => Int) score: number;
  @Field(() => Int, { description: 'The tenant’s MQL threshold' }) threshold: number;
  @Field({ description: 'At or above the threshold since qualifiedAt' }) qualified: boolean;
  @Field(() => Date, { nullable: true }) qualifiedAt: Date | null;
  @Field(() => Date, { nullable: true, description: 'When the score was last computed (the breakdown is as of then)' }) updatedAt: Date | null;
  @Field(() => [LeadScoreEntry]) breakdown: LeadScoreEntry[];
}

@ObjectType()
export class ScoringSettings {
  @Field(() => Int, { description: 'A contact whose score reaches it is a marketing-qualified lead (default 50)' }) mqlThreshold: number;
  @Field(() => Int, { description: 'Behaviour points halve every this many days (default 30)' }) halfLifeDays: number;
  // pendingRescores: ScoringSettingsResolver, counted only when asked for.
}

@InputType()
export class ScoringSettingsInput {
  @Field(() => Int, { nullable: true }) mqlThreshold?: number | null;
  @Field(() => Int, { nullable: true }) halfLifeDays?: number | null;
}
