import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { badUserInput, MAX_FIRST, neutraliseCsvCell, type RequestContext } from '@crm/platform';
import { CompanyQueries } from '../../companies/company.queries';
import { CustomFieldQueries } from '../../custom-fields/custom-field.queries';
import { ADDRESS_PARTS } from '../../imports/import-contacts.use-case';
import type { Company, Contact, ContactFilter } from '../contact.types';
import { ContactQueries } from '../contact.queries';

/** Rows the one-shot `exportContactsCsv` returns at most; beyond, it refuses instead of cutting the file short. */
export const MAX_INLINE_EXPORT_ROWS = 10000;
/** Rows one `contactsCsvPage` call may return. */
export const MAX_EXPORT_PAGE = 5000;
const BASE_COLUMNS = ['id', 'firstName', 'lastName', 'email', 'phone', 'company', 'tags', 'lifecycleStage', 'ownerId'];

export interface CsvPage {
  /** CSV text; the first page (no `after`) starts with the header line. */
  csv: string;
  columns: string[];
  rows: number;
  endCursor: string | null;
  hasNextPage: boolean;
  /** Matching contacts in all pages; counted on the first page only. */
  totalCount: number | null;
}

/**
 * Contacts matching the filter as CSV, every column the import reads: the base fields, the first
 * address (`address.<part>`) and every defined custom field (`cf.<key>`), so export → import is
 * faithful. Paged by cursor so a client (`crm export contacts`) streams any number of rows to a file
 * with bounded memory on both sides and a known total for its progress bar.
 */
@Injectable()
export class ExportContactsCsv {
  constructor(
    private readonly contacts: ContactQueries,
    private readonly companies: CompanyQueries,
    private readonly customFields: CustomFieldQueries,
  ) {}

  async page(ctx: RequestContext, filter: ContactFilter, first: number, after?: string): Promise<CsvPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_EXPORT_PAGE) {
      throw badUserInput(`first must be between 1 and ${MAX_EXPORT_PAGE}`, { fields: [{ field: 'first', message: `between 1 and ${MAX_EXPORT_PAGE}` }] });
    }
    const keys = (await this.customFields.definitions(ctx.tenantId)).map((d) => d.key).sort();
    const columns = [...BASE_COLUMNS, ...ADDRESS_PARTS.map((p) => `address.${p}`), ...keys.map((k) => `cf.${k}`)];
    const rows: Contact[] = [];
    let cursor = after;
    let hasNextPage = true;
    let totalCount: number | null = null;
    while (rows.length < first && hasNextPage) {
      const withTotal = after === undefined && totalCount === null;
      const page = await this.contacts.list(ctx.tenantId, { first: Math.min(MAX_FIRST, first - rows.length), after: cursor }, filter, undefined, withTotal);
      if (withTotal) totalCount = page.totalCount ?? null;
      rows.push(...page.edges.map((e) => e.node));
      hasNextPage = page.pageInfo.hasNextPage;
      cursor = page.pageInfo.endCursor ?? cursor;
    }
    const companyIds = [...new Set(rows.map((r) => r.companyId).filter((id): id is string => !!id))];
    const names = new Map((await this.companies.getMany(ctx.tenantId, companyIds)).filter((c): c is Company => !!c).map((c) => [c.id, c.name]));
    const csv = stringify(
      rows.map((c) => {
        const address = (c.addresses[0] ?? {}) as unknown as Record<string, string | null>;
        const custom = new Map(c.customFields.map((f) => [f.key, f.value]));
        // Every cell neutralised against spreadsheet formula injection; the import strips the guard again.
        return [
          c.id, c.firstName, c.lastName, c.email, c.phone, c.companyId ? names.get(c.companyId) : '', c.tags.join(';'), c.lifecycleStage, c.ownerId,
          ...ADDRESS_PARTS.map((p) => address[p] ?? ''),
          ...keys.map((k) => custom.get(k) ?? ''),
        ].map(neutraliseCsvCell);
      }),
      { header: after === undefined, columns },
    );
    return { csv, columns, rows: rows.length, endCursor: rows.length ? (cursor ?? null) : null, hasNextPage, totalCount };
  }

  /** The whole result as one CSV string; refuses (rather than truncates) above MAX_INLINE_EXPORT_ROWS. */
  async execute(ctx: RequestContext, filter: ContactFilter): Promise<string> {
    let out = '';
    let after: string | undefined;
    let rows = 0;
    for (;;) {
      const page = await this.page(ctx, filter, MAX_EXPORT_PAGE, after);
      rows += page.rows;
      if (rows > MAX_INLINE_EXPORT_ROWS) {
        throw badUserInput(
          `more than ${MAX_INLINE_EXPORT_ROWS} contacts match: narrow the filter, page with contactsCsvPage, or run \`crm export contacts\``,
          { fields: [{ field: 'filter', message: `matches more than ${MAX_INLINE_EXPORT_ROWS} contacts` }] },
        );
      }
      out += page.csv;
      if (!page.hasNextPage || !page.endCursor) return out;
      after = page.endCursor;
    }
  }
}
