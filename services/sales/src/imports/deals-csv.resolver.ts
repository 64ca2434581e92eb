import { Args, Field, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { currentUser, RequirePermission } from '@crm/platform';
import { DealFilter } from '../deals/deal.types';
import { SalesPermission } from '../permissions';
import { InputType, ObjectType } from '../schema-scope';
import { ImportDealsCsv } from './import-deals-csv.use-case';

@ObjectType()
class DealImportRowError {
  @Field(() => Int, { description: 'Line in the CSV file' }) row: number;
  @Field() message: string;
}

@ObjectType()
class DealImportReport {
  @Field({ description: 'True when nothing was written: the counts say what the import would do' }) dryRun: boolean;
  @Field(() => Int) rows: number;
  @Field(() => Int, { description: 'Created (or, in a dry run, that would be created)' }) created: number;
  @Field(() => Int, { description: 'Of the created deals, those imported won (each won at its close date, with its commission and deal.won)' }) won: number;
  @Field(() => Int, { description: 'Of the created deals, those imported lost (at its close date, with its reason and deal.lost)' }) lost: number;
  @Field(() => Int, { description: 'Deals already there (same title, contact and pipeline)' }) skipped: number;
  @Field(() => Int, { description: 'Rows reported in errors and not imported (malformed lines included)' }) failed: number;
  @Field(() => [DealImportRowError]) errors: DealImportRowError[];
}

@InputType({ description: 'Reads a deals CSV column under another name' })
class DealCsvColumnMapping {
  @Field({ description: 'Header of the column in the file' }) column: string;
  @Field({ description: 'What it holds: title, amount, currency, contactEmail, contactId, pipeline, stage, expectedCloseDate, ownerId, notes, status, closedAt, lostReason; "" ignores the column' }) field: string;
}

@ObjectType({ description: 'One page of the deals CSV export' })
class DealCsvPage {
  @Field({ description: 'CSV text; the first page (no `after`) starts with the header line' }) csv: string;
  @Field(() => [String]) columns: string[];
  @Field(() => Int) rows: number;
  @Field(() => String, { nullable: true }) endCursor: string | null;
  @Field() hasNextPage: boolean;
  @Field(() => Int, { nullable: true, description: 'Deals in all pages; on the first page only' }) totalCount: number | null;
}

@Resolver()
export class DealsCsvResolver {
  constructor(private readonly importDeals: ImportDealsCsv) {}

  @Mutation(() => DealImportReport, {
    description:
      'Imports deals from CSV text: title, amount, currency, contactEmail (or contactId), pipeline and stage by name (default pipeline, first stage), expectedCloseDate, ownerId, notes, status (open, won, lost; "Closed Won", "Closed Lost" as status or stage), closedAt (a closed deal\'s close date; default its Close Date) and lostReason; aliases such as "Deal Name", "Deal Stage", "Close Date" are understood. A won or lost row is won or lost at its close date as in the CRM (commission dated at the close, deal.won / deal.lost). Malformed lines are reported with their line number and skipped.',
  })
  @RequirePermission(SalesPermission['deal.import'])
  importDealsCsv(
    @Args('csv') csv: string,
    @Args('map', { type: () => [DealCsvColumnMapping], nullable: true }) map?: DealCsvColumnMapping[],
    @Args('dryRun', { type: () => Boolean, nullable: true, defaultValue: false }) dryRun?: boolean,
    @Args('delimiter', { type: () => String, nullable: true, description: 'Overrides the detection' }) delimiter?: string,
  ) {
    return this.importDeals.execute(currentUser(), csv, { map: map ?? undefined, dryRun: dryRun ?? false, delimiter: delimiter ?? undefined });
  }

  @Query(() => DealCsvPage, {
    description: 'Every deal (or those the deals list filter selects; archived ones too unless `archived` says otherwise) as CSV, one page (up to 5000 rows) at a time: the columns importDealsCsv reads, status, closedAt and lostReason included',
  })
  @RequirePermission(SalesPermission['deal.export'])
  dealsCsvPage(
    @Args('first', { type: () => Int, nullable: true, defaultValue: 1000 }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
    @Args('filter', { type: () => DealFilter, nullable: true }) filter?: DealFilter,
  ) {
    return this.importDeals.page(currentUser(), first ?? 1000, after ?? undefined, filter ?? {});
  }
}
