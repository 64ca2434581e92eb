import { Directive, Field, ID, Int } from '@nestjs/graphql';
import { Money, MoneyInput } from '../common/graphql';
import { DateScalar, attributionTypes, type Attribution as SharedAttribution } from '@crm/shared-kernel';
import { Connection, InputType, ObjectType, registerEnumType, SalesSchemaScope } from '../schema-scope';

/** One attribution model for every module (@crm/shared-kernel). */
const { Attribution, AttributionInput } = attributionTypes(SalesSchemaScope);
/** Where a deal came from; the stored and returned shape. */
export type DealSource = SharedAttribution;
type Attribution = SharedAttribution;

export enum DealStatus {
  OPEN = 'open',
  WON = 'won',
  LOST = 'lost',
}
registerEnumType(DealStatus, { name: 'DealStatus' });

export enum ForecastCategory {
  PIPELINE = 'pipeline',
  BEST_CASE = 'best_case',
  COMMIT = 'commit',
  OMITTED = 'omitted',
}
registerEnumType(ForecastCategory, {
  name: 'ForecastCategory',
  description: 'How sure the owner is: COMMIT counts in the committed forecast, BEST_CASE in best case, OMITTED nowhere',
});

@ObjectType()
@Directive('@key(fields: "id")')
export class Deal {
  @Field(() => ID) id: string;
  @Field() title: string;
  contactId: string;
  companyId: string | null;
  @Field() ownerId: string;
  @Field(() => Money) amount: Money;
  @Field(() => ID) pipelineId: string;
  stageId: string;
  @Field(() => DealStatus) status: DealStatus;
  @Field(() => String, { nullable: true }) lostReason: string | null;
  @Field(() => DateScalar, { nullable: true }) expectedCloseDate: string | null;
  @Field(() => ForecastCategory) forecastCategory: ForecastCategory;
  @Field(() => Attribution, { nullable: true, description: 'Where the deal came from, so marketing can attribute revenue (lead source, UTM, paid keyword)' }) source: Attribution | null;
  @Field(() => String, { nullable: true }) notes: string | null;
  @Field(() => Date, { nullable: true, description: 'When it was won or lost' }) closedAt: Date | null;
  @Field(() => Int) version: number;
  @Field() createdBy: string;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
  @Field(() => Date, { nullable: true, description: 'Set while archived: hidden from lists and reports, restorable' }) archivedAt: Date | null;
}

@ObjectType({ description: 'One move of a deal between stages (creation is the first, from null)' })
export class StageChange {
  @Field(() => ID, { nullable: true }) fromStageId: string | null;
  @Field(() => ID) toStageId: string;
  @Field({ description: 'User who moved it' }) movedBy: string;
  @Field() movedAt: Date;
}

export const DealConnection = Connection(Deal);

@InputType()
export class CreateDealInput {
  @Field(() => ID) contactId: string;
  @Field() title: string;
  @Field(() => MoneyInput) amount: MoneyInput;
  @Field(() => ID, { nullable: true, description: 'Default: the tenant’s default pipeline' }) pipelineId?: string;
  @Field(() => ID, { nullable: true, description: 'Default: the first stage of the pipeline' }) stageId?: string;
  @Field(() => DateScalar, { nullable: true }) expectedCloseDate?: string;
  @Field(() => ID, { nullable: true }) companyId?: string;
  @Field(() => String, { nullable: true, description: 'Default: the caller' }) ownerId?: string;
  @Field(() => AttributionInput, { nullable: true }) source?: Partial<Attribution>;
  @Field(() => ForecastCategory, { nullable: true }) forecastCategory?: ForecastCategory;
  @Field(() => String, { nullable: true }) notes?: string;
}

@InputType({ description: 'Fields left out stay as they are; null clears a nullable field.' })
export class UpdateDealInput {
  @Field(() => String, { nullable: true }) title?: string;
  @Field(() => MoneyInput, { nullable: true }) amount?: MoneyInput;
  @Field(() => DateScalar, { nullable: true }) expectedCloseDate?: string | null;
  @Field(() => ID, { nullable: true }) companyId?: string | null;
  @Field(() => String, { nullable: true }) ownerId?: string;
  @Field(() => AttributionInput, { nullable: true }) source?: Partial<Attribution> | null;
  @Field(() => ForecastCategory, { nullable: true }) forecastCategory?: ForecastCategory;
  @Field(() => String, { nullable: true }) notes?: string | null;
}

@InputType()
export class DealFilter {
  @Field(() => DealStatus, { nullable: true }) status?: DealStatus;
  @Field(() => String, { nullable: true }) ownerId?: string;
  @Field(() => ID, { nullable: true, description: 'Deals owned by a member of this team' }) teamId?: string;
  @Field(() => ID, { nullable: true }) pipelineId?: string;
  @Field(() => ID, { nullable: true }) stageId?: string;
  @Field(() => ID, { nullable: true }) contactId?: string;
  @Field(() => Boolean, { nullable: true, description: 'true: only archived deals; default: only deals not archived' }) archived?: boolean;
}
