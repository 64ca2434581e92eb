import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { MAX_FIRST, neutraliseCsvCell, type RequestContext } from '@crm/platform';
import { CompanyQueries } from '../../companies/company.queries';
import type { Company, Contact, ContactFilter } from '../contact.types';
import { ContactQueries } from '../contact.queries';

/** Most rows one export returns (the rest: narrow the filter, or page through `contacts`). */
const MAX_EXPORT_ROWS = 10000;

/** Contacts matching the filter as CSV, the same columns the import reads. */
@Injectable()
export class ExportContactsCsv {
  constructor(
    private readonly contacts: ContactQueries,
    private readonly companies: CompanyQueries,
  ) {}

  async execute(ctx: RequestContext, filter: ContactFilter): Promise<string> {
    const rows: Contact[] = [];
    let after: string | undefined;
    do {
      const page = await this.contacts.list(ctx.tenantId, { first: MAX_FIRST, after }, filter, undefined, false);
      rows.push(...page.edges.map((e) => e.node));
      after = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? undefined) : undefined;
    } while (after && rows.length < MAX_EXPORT_ROWS);
    const companies = await this.companies.getMany(ctx.tenantId, [...new Set(rows.map((r) => r.companyId).filter((id): id is string => !!id))]);
    const names = new Map(companies.filter((c): c is Company => !!c).map((c) => [c.id, c.name]));
    return stringify(
      // Every cell neutralised against spreadsheet formula injection; the import strips the guard again.
      rows.map((c) => [c.id, c.firstName, c.lastName, c.email, c.phone, c.companyId ? names.get(c.companyId) : '', c.tags.join(';'), c.lifecycleStage, c.ownerId].map(neutraliseCsvCell)),
      { header: true, columns: ['id', 'firstName', 'lastName', 'email', 'phone', 'company', 'tags', 'lifecycleStage', 'ownerId'] },
    );
  }
}
