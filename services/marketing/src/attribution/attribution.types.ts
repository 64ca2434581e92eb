import { Field, Float, ID, Int } from '@nestjs/graphql';
import { DateScalar, moneyTypes, type Money } from '@crm/shared-kernel';
import { Connection, InputType, MarketingSchemaScope, ObjectType, registerEnumType } from '../schema-scope';

const { Money: MoneyType, MoneyInput } = moneyTypes(MarketingSchemaScope);

export enum AttributionModel {
  FIRST_TOUCH = 'first_touch',
  LAST_TOUCH = 'last_touch',
  LINEAR = 'linear',
}
registerEnumType(AttributionModel, {
  name: 'AttributionModel',
  description: 'How a conversion is credited to the touches before it (within the attribution window)',
  valuesMap: {
    FIRST_TOUCH: { description: 'All credit to the earliest touch in the window' },
    LAST_TOUCH: { description: 'All credit to the latest touch at or before the conversion' },
    LINEAR: { description: 'Equal shares to every touch in the window (amounts split to the cent, the remainder to the earliest)' },
  },
});

export enum FunnelGroupBy {
  SOURCE = 'source',
  CAMPAIGN = 'campaign',
}
registerEnumType(FunnelGroupBy, { name: 'FunnelGroupBy', description: 'The dimension of each lead’s first touch the funnel is grouped by' });

@InputType({ description: 'Spend for one day and one source / medium / campaign / keyword; recording the same five again replaces the figures' })
export class AdSpendInput {
  @Field(() => DateScalar) day: string;
  @Field({ description: 'utm_source, e.g. google' }) source: string;
  @Field(() => String, { nullable: true, description: 'utm_medium, e.g. cpc' }) medium?: string | null;
  @Field(() => String, { nullable: true, description: 'utm_campaign' }) campaign?: string | null;
  @Field(() => String, { nullable: true, description: 'The paid keyword (utm_term)' }) keyword?: string | null;
  @Field(() => MoneyInput, { description: 'Not negative, in a supported ISO 4217 currency' }) cost: Money;
  @Field(() => Int, { nullable: true }) clicks?: number | null;
  @Field(() => Int, { nullable: true }) impressions?: number | null;
}

@ObjectType({ description: 'Ad spend of one day and one source / medium / campaign / keyword' })
export class AdSpend {
  @Field(() => ID) id: string;
  @Field(() => DateScalar) day: string;
  @Field() source: string;
  @Field(() => String, { nullable: true }) medium: string | null;
  @Field(() => String, { nullable: true }) campaign: string | null;
  @Field(() => String, { nullable: true }) keyword: string | null;
  @Field(() => MoneyType) cost: Money;
  @Field(() => Int, { nullable: true }) clicks: number | null;
  @Field(() => Int, { nullable: true }) impressions: number | null;
  @Field({ description: 'Who recorded the current figures' }) recordedBy: string;
  @Field() recordedAt: Date;
}

export const AdSpendConnection = Connection(AdSpend);

@InputType()
export class AdSpendFilter {
  @Field(() => DateScalar, { nullable: true, description: 'From this day (inclusive)' }) from?: string | null;
  @Field(() => DateScalar, { nullable: true, description: 'To this day (inclusive)' }) to?: string | null;
  @Field(() => String, { nullable: true }) source?: string | null;
  @Field(() => String, { nullable: true }) campaign?: string | null;
  @Field(() => String, { nullable: true }) keyword?: string | null;
}

@ObjectType()
export class AdSpendImportError {
  @Field(() => Int, { description: 'Line in the CSV file (1 = header)' }) row: number;
  @Field() message: string;
}

@ObjectType({ description: 'What an ad-spend CSV import did (or, in a dry run, would do)' })
export class AdSpendImportReport {
  @Field({ description: 'True when nothing was written' }) dryRun: boolean;
  @Field(() => Int) rows: number;
  @Field(() => Int, { description: 'Rows recorded (inserted or replaced)' }) created: number;
  @Field(() => Int) skipped: number;
  @Field(() => Int, { description: 'Rows refused, each listed in errors with its line' }) failed: number;
  @Field(() => [AdSpendImportError]) errors: AdSpendImportError[];
}

/** What every ROI row reports. */
@ObjectType({ isAbstract: true })
export abstract class RoiFigures {
  @Field(() => String, { nullable: true, description: 'The currency of every amount of the row set; null when there was no spend and no revenue' }) currency: string | null;
  @Field(() => Float, { description: 'Leads of the period credited here (a fraction under LINEAR)' }) leads: number;
  @Field(() => Float, { nullable: true, description: 'Contacts whose first won deal or order of the period is credited here; null without sales data' }) customers: number | null;
  @Field(() => MoneyType, { nullable: true, description: 'Credited revenue (deal amounts, order totals net of tax); null without sales data' }) revenue: Money | null;
  @Field(() => MoneyType, { nullable: true, description: 'Ad spend of the period' }) cost: Money | null;
  @Field(() => MoneyType, { nullable: true, description: 'cost / customers' }) costPerAcquisition: Money | null;
  @Field(() => Float, { nullable: true, description: '(revenue − cost) / cost, e.g. 1.5 = 150 %; null without cost or sales data' }) roi: number | null;
  @Field(() => DateScalar, { nullable: true, description: 'The first day cumulative credited revenue reached cumulative cost (from the period’s first day); null if not yet' }) paybackDate: string | null;
  @Field({ description: 'False when no sales event was ever received for the tenant: revenue, customers, ROI and payback are unknown, not zero' }) revenueAvailable: boolean;
  @Field(() => String, { nullable: true, description: 'Why revenue is unavailable' }) revenueNote: string | null;
}

@ObjectType({ description: 'ROI of one keyword (with its source, medium and campaign); all-null dimensions hold what no touch explains' })
export class KeywordRoi extends RoiFigures {
  @Field(() => String, { nullable: true }) source: string | null;
  @Field(() => String, { nullable: true }) medium: string | null;
  @Field(() => String, { nullable: true }) campaign: string | null;
  @Field(() => String, { nullable: true }) keyword: string | null;
}

@ObjectType({ description: 'ROI of one campaign: a marketing campaign (campaignId set) or a UTM campaign (by name)' })
export class CampaignRoi extends RoiFigures {
  @Field(() => ID, { nullable: true, description: 'The marketing campaign; null for a UTM campaign' }) campaignId: string | null;
  @Field(() => String, { nullable: true, description: 'Campaign name (utm_campaign); null for what no touch explains' }) campaign: string | null;
}

@ObjectType({ description: 'Lead → MQL → deal → won for the leads of the period with one first-touch source or campaign' })
export class FunnelRow {
  @Field(() => String, { nullable: true, description: 'utm_source of the first touch (groupBy SOURCE)' }) source: string | null;
  @Field(() => String, { nullable: true, description: 'Campaign name of the first touch (groupBy CAMPAIGN)' }) campaign: string | null;
  @Field(() => ID, { nullable: true, description: 'The marketing campaign of the first touch (groupBy CAMPAIGN)' }) campaignId: string | null;
  @Field(() => Int) leads: number;
  @Field(() => Int, { description: 'Of those leads, qualified (MQL) by the end of the period, or further along (a deal or a purchase)' }) mqls: number;
  @Field(() => Int, { nullable: true, description: 'Of those leads, with a deal or a purchase by the end of the period; null without sales data' }) deals: number | null;
  @Field(() => Int, { nullable: true, description: 'Of those leads, with a won deal or an order by the end of the period; null without sales data' }) won: number | null;
  @Field(() => Float, { nullable: true, description: 'mqls / leads' }) leadToMqlRate: number | null;
  @Field(() => Float, { nullable: true, description: 'deals / mqls' }) mqlToDealRate: number | null;
  @Field(() => Float, { nullable: true, description: 'won / deals' }) dealToWonRate: number | null;
  @Field(() => Float, { nullable: true, description: 'won / leads' }) leadToWonRate: number | null;
  @Field() revenueAvailable: boolean;
  @Field(() => String, { nullable: true }) revenueNote: string | null;
}
