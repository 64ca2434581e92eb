import { Args, Field, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { currentUser, RequirePermission } from '@crm/platform';
import { CompanyFilter } from '../companies/companies.resolver';
import { ContactFilter } from '../contacts/contact.types';
import { ExportContactsCsv, MAX_EXPORT_PAGE } from '../contacts/use-cases/export-contacts-csv.use-case';
import { ContactsPermission } from '../permissions';
import { InputType, ObjectType } from '../schema-scope';
import { CompaniesCsv } from './companies-csv.use-case';
import { ImportContactsCsv } from './import-contacts-csv.use-case';

@ObjectType()
class ImportRowError {
  @Field(() => Int, { description: 'Line in the CSV file' }) row: number;
  @Field() message: string;
}

@ObjectType()
class ImportReport {
  @Field(() => ID) jobId: string;
  @Field({ description: 'True when nothing was written: the counts say what the import would do' }) dryRun: boolean;
  @Field(() => Int) rows: number;
  @Field(() => Int, { description: 'Created (or, in a dry run, that would be created)' }) created: number;
  @Field(() => Int, { description: 'Rows already imported by an earlier run' }) skipped: number;
  @Field(() => Int, { description: 'Rows reported in errors and not imported (malformed lines included)' }) failed: number;
  @Field(() => [ImportRowError]) errors: ImportRowError[];
}

@InputType({ description: 'Reads a CSV column under another name' })
class CsvColumnMapping {
  @Field({ description: 'Header of the column in the file' }) column: string;
  @Field({ description: 'What it holds: firstName, email, address.city, cf.<custom field key>, …; "" ignores the column' }) field: string;
}

@ObjectType({ description: 'One page of a CSV export' })
class CsvExportPage {
  @Field({ description: 'CSV text; the first page (no `after`) starts with the header line' }) csv: string;
  @Field(() => [String]) columns: string[];
  @Field(() => Int) rows: number;
  @Field(() => String, { nullable: true }) endCursor: string | null;
  @Field() hasNextPage: boolean;
  @Field(() => Int, { nullable: true, description: 'Matching rows in all pages; on the first page only' }) totalCount: number | null;
}

/** CSV in and out of the contacts list. */
@Resolver()
export class ContactsCsvResolver {
  constructor(
    private readonly exportCsv: ExportContactsCsv,
    private readonly importCsv: ImportContactsCsv,
    private readonly companiesCsv: CompaniesCsv,
  ) {}

  @Query(() => String, {
    description: `Contacts matching the filter as one CSV (the columns the import reads). Refuses above 10,000 rows rather than cutting the file short: use contactsCsvPage or \`crm export contacts\``,
  })
  @RequirePermission(ContactsPermission['contact.export'])
  exportContactsCsv(@Args('filter', { type: () => ContactFilter, nullable: true }) filter?: ContactFilter) {
    return this.exportCsv.execute(currentUser(), filter ?? {});
  }

  @Query(() => CsvExportPage, { description: `Contacts matching the filter as CSV, one page (up to ${MAX_EXPORT_PAGE} rows) at a time: every row, every column the import reads` })
  @RequirePermission(ContactsPermission['contact.export'])
  contactsCsvPage(
    @Args('filter', { type: () => ContactFilter, nullable: true }) filter?: ContactFilter,
    @Args('first', { type: () => Int, nullable: true, defaultValue: 1000 }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ) {
    return this.exportCsv.page(currentUser(), filter ?? {}, first ?? 1000, after ?? undefined);
  }

  @Mutation(() => ImportReport, {
    description:
      'Imports contacts from CSV text. Columns by header name (aliases such as "E-mail", "First Name" are understood): firstName, lastName, email, email 2, email 3… (the first is the primary; or otherEmails, a ;-separated list), phone, phone 2… (or otherPhones), company, tags, lifecycleStage, ownerId, address.<label|line1|line2|city|region|postalCode|country>, address 2.<part>…, consent.<email|sms|phone|post|social> (granted / withdrawn, recorded with source "import"), cf.<custom field key>. A row any of whose emails or phones an existing contact or an earlier row has is a duplicate. Delimiter , ; | or tab detected from the header. Malformed lines are reported with their line number and skipped.',
  })
  @RequirePermission(ContactsPermission['contact.import'])
  importContactsCsv(
    @Args('csv') csv: string,
    @Args('defaultCountry', { type: () => String, nullable: true }) defaultCountry?: string,
    @Args('map', { type: () => [CsvColumnMapping], nullable: true }) map?: CsvColumnMapping[],
    @Args('dryRun', { type: () => Boolean, nullable: true, defaultValue: false }) dryRun?: boolean,
    @Args('delimiter', { type: () => String, nullable: true, description: 'Overrides the detection' }) delimiter?: string,
  ) {
    return this.importCsv.execute(currentUser(), csv, { defaultCountry: defaultCountry ?? undefined, map: map ?? undefined, dryRun: dryRun ?? false, delimiter: delimiter ?? undefined });
  }

  @Query(() => CsvExportPage, {
    description: `Active companies as CSV (id, name, legalName, domains, industry, size, vatId, ownerId, tags, address.<part>, cf.<key>), one page (up to 5000 rows) at a time: the columns importCompaniesCsv reads`,
  })
  @RequirePermission(ContactsPermission['contact.export'])
  companiesCsvPage(
    @Args('first', { type: () => Int, nullable: true, defaultValue: 1000 }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
    @Args('filter', { type: () => CompanyFilter, nullable: true, description: "The companies list's filter" }) filter?: CompanyFilter,
  ) {
    return this.companiesCsv.page(currentUser(), first ?? 1000, after ?? undefined, filter ?? {});
  }

  @Mutation(() => ImportReport, {
    description:
      'Imports companies from CSV text: name (aliases "Company Name", "Account Name", …), legalName, domains (separated by ; or spaces; "Website" is understood), industry, size (a band such as 51-200, its name EMPLOYEES_51_200, or a head count), vatId, ownerId (an active user of the tenant; empty: the importing user), tags, address.<part>, cf.<custom field key>. A name that exists already is skipped. Malformed and refused lines are reported with their line number and skipped.',
  })
  @RequirePermission(ContactsPermission['contact.import'])
  importCompaniesCsv(
    @Args('csv') csv: string,
    @Args('map', { type: () => [CsvColumnMapping], nullable: true }) map?: CsvColumnMapping[],
    @Args('dryRun', { type: () => Boolean, nullable: true, defaultValue: false }) dryRun?: boolean,
    @Args('delimiter', { type: () => String, nullable: true, description: 'Overrides the detection' }) delimiter?: string,
  ) {
    return this.companiesCsv.import(currentUser(), csv, { map: map ?? undefined, dryRun: dryRun ?? false, delimiter: delimiter ?? undefined });
  }
}
