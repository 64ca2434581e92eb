import { Args, Info, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, PageArgs, RequirePermission, selectsField } from '@crm/platform';
import { DateScalar } from '@crm/shared-kernel';
import { MarketingPermission } from '../permissions';
import { AdSpendConnection, AdSpendFilter, AdSpendImportReport, AdSpendInput, AttributionModel, CampaignRoi, FunnelGroupBy, FunnelRow, KeywordRoi } from './attribution.types';
import { AttributionReports, DEFAULT_WINDOW_DAYS } from './use-cases/attribution-reports';
import { ImportAdSpendCsv } from './use-cases/import-ad-spend-csv.use-case';
import { RecordAdSpend } from './use-cases/record-ad-spend.use-case';

const windowArg = { type: () => Int, nullable: true, description: `Days before a conversion whose touches count (default ${DEFAULT_WINDOW_DAYS})` };
const currencyArg = { type: () => String, nullable: true, description: 'Report in this currency only; required when the period holds several (amounts are never converted)' };

/**
 * Ad spend, keyword and campaign ROI, the funnel. The reports are plain lists: one row per keyword
 * or campaign with activity in the period, bounded by what was spent on and touched, not paginated.
 */
@Resolver()
export class AttributionResolver {
  constructor(
    private readonly record: RecordAdSpend,
    private readonly importCsv: ImportAdSpendCsv,
    private readonly reports: AttributionReports,
  ) {}

  @Query(() => AdSpendConnection, { description: 'Recorded ad spend, newest day first' })
  @RequirePermission(MarketingPermission['attribution.read'])
  adSpend(@Args() page: PageArgs, @Args('filter', { type: () => AdSpendFilter, nullable: true }) filter: AdSpendFilter | undefined, @Info() info: GraphQLResolveInfo) {
    return this.reports.adSpend(currentUser(), filter ?? {}, page, selectsField(info, 'totalCount'));
  }

  @Mutation(() => Int, { description: 'Records ad spend rows (all or none); returns how many were recorded. A row with the same day, source, medium, campaign and keyword replaces the earlier figures.' })
  @RequirePermission(MarketingPermission['spend.write'])
  recordAdSpend(@Args('input', { type: () => [AdSpendInput] }) input: AdSpendInput[]) {
    return this.record.execute(currentUser(), input);
  }

  @Mutation(() => AdSpendImportReport, {
    description:
      'Imports ad spend from CSV text: day (or date), source, medium, campaign, keyword (or term), cost (or spend), currency, clicks, impressions. Delimiter , ; | or tab detected from the header. Bad lines are reported with their line number and skipped; dryRun writes nothing.',
  })
  @RequirePermission(MarketingPermission['spend.write'])
  importAdSpendCsv(
    @Args('csv') csv: string,
    @Args('dryRun', { type: () => Boolean, nullable: true, defaultValue: false }) dryRun?: boolean,
    @Args('delimiter', { type: () => String, nullable: true, description: 'Overrides the detection' }) delimiter?: string,
  ) {
    return this.importCsv.execute(currentUser(), csv, { dryRun: dryRun ?? false, delimiter: delimiter ?? undefined });
  }

  @Query(() => [KeywordRoi], { description: 'Per keyword (with source, medium, campaign): leads, customers, revenue, cost, CPA, ROI and payback date over the period (default model LAST_TOUCH)' })
  @RequirePermission(MarketingPermission['attribution.read'])
  keywordRoi(
    @Args('from', { type: () => DateScalar }) from: string,
    @Args('to', { type: () => DateScalar }) to: string,
    @Args('model', { type: () => AttributionModel, nullable: true }) model?: AttributionModel,
    @Args('windowDays', windowArg) windowDays?: number,
    @Args('currency', currencyArg) currency?: string,
  ) {
    return this.reports.keywordRoi(currentUser(), { from, to, model, windowDays, currency });
  }

  @Query(() => [CampaignRoi], { description: 'Per campaign (marketing campaigns by id, UTM campaigns by name): the figures of keywordRoi' })
  @RequirePermission(MarketingPermission['attribution.read'])
  campaignRoi(
    @Args('from', { type: () => DateScalar }) from: string,
    @Args('to', { type: () => DateScalar }) to: string,
    @Args('model', { type: () => AttributionModel, nullable: true }) model?: AttributionModel,
    @Args('windowDays', windowArg) windowDays?: number,
    @Args('currency', currencyArg) currency?: string,
  ) {
    return this.reports.campaignRoi(currentUser(), { from, to, model, windowDays, currency });
  }

  // Named apart from sales' `funnel` (its pipeline stage funnel): one supergraph, one meaning per root field.
  @Query(() => [FunnelRow], { name: 'leadFunnel', description: 'Lead → MQL → deal → won for the leads of the period, grouped by the source or campaign of each lead’s first touch' })
  @RequirePermission(MarketingPermission['attribution.read'])
  leadFunnel(
    @Args('from', { type: () => DateScalar }) from: string,
    @Args('to', { type: () => DateScalar }) to: string,
    @Args('groupBy', { type: () => FunnelGroupBy, nullable: true, description: 'Default SOURCE' }) groupBy?: FunnelGroupBy | null,
  ) {
    // No defaultValue in the schema: @nestjs/graphql hands an enum's default to the resolver as its name ("SOURCE"), not its value.
    return this.reports.funnel(currentUser(), { from, to, groupBy: groupBy ?? FunnelGroupBy.SOURCE });
  }
}
