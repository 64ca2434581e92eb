import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { invalidField, isUuid, mapCsvHeader, neutraliseCsvCell, newCsvImportCounts, refuseCsvLine, unknownCsvColumns, readCsvStream, restoreCsvCell, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { companyDomains, companyName } from '../companies/company-input';
import { emitCompanyUpserted } from '../companies/company.events';
import { CompanyRepository } from '../companies/company.repository';
import type { CsvPage } from '../contacts/use-cases/export-contacts-csv.use-case';
import { CompanyCsvRepository } from './company-csv.repository';
import { MAX_INLINE_CSV } from './import-contacts-csv.use-case';
import type { ImportReport } from './import-contacts.use-case';

/** The company columns, with the header names other tools use for them. */
export const COMPANY_CSV_ALIASES = {
  id: ['company id', 'record id'],
  name: ['company', 'company name', 'account', 'account name', 'organization', 'organisation', 'firma', 'société', 'societe'],
  domains: ['domain', 'website', 'web site', 'url', 'company domain name', 'webseite'],
} as const;
const COLUMNS = ['id', 'name', 'domains'];
const rowSchema = z.object({ name: companyName, domains: companyDomains });
const BATCH = 500;
const MAX_EXPORT_PAGE = 5000;


/**
 * Companies in and out as CSV (`name`, `domains` separated by `;`). A company whose name exists
 * already (case-insensitively) is skipped, so a re-run or an export of the same tenant creates
 * nothing twice; each created one is announced like createCompany's (company.upserted).
 */
@Injectable()
export class CompaniesCsv {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly companies: CompanyRepository,
    private readonly csvRows: CompanyCsvRepository,
  ) {}

  async import(ctx: RequestContext, csv: string, opts: { map?: { column: string; field: string }[]; dryRun?: boolean; delimiter?: string } = {}): Promise<ImportReport> {
    if (csv.length > MAX_INLINE_CSV) throw invalidField('csv', `larger than ${MAX_INLINE_CSV} bytes; use \`pnpm crm import companies FILE.csv\` for big files`);
    const report: ImportReport = { jobId: randomUUID(), ...newCsvImportCounts(opts.dryRun ?? false) };
    const fail = (row: number, message: string) => refuseCsvLine(report, row, message);
    const read = await readCsvStream(Readable.from([csv]), { encoding: 'utf-8', delimiter: opts.delimiter });
    if (!read) return report;
    const columns = mapCsvHeader(read.header, COMPANY_CSV_ALIASES, { map: opts.map && Object.fromEntries(opts.map.map((m) => [m.column, m.field])) });
    const unknown = unknownCsvColumns(read.header, columns, COLUMNS);
    if (unknown) {
      fail(1, unknown);
      return report;
    }
    const seen = new Map<string, number>();
    let batch: { line: number; name: string; domains: string[] }[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const rows = batch;
      batch = [];
      await this.uow.run(ctx.tenantId, (tx) => this.write(tx, rows, report, fail, ctx.userId), { rollback: report.dryRun });
    };
    for await (const rec of read.records) {
      report.rows += 1;
      if (rec.error !== undefined) {
        fail(rec.line, rec.error);
        continue;
      }
      const get = (c: string) => {
        const i = columns.indexOf(c);
        return i === -1 ? '' : restoreCsvCell(rec.fields[i].trim());
      };
      const parsed = rowSchema.safeParse({ name: get('name'), domains: get('domains').split(/[;|,\s]+/).filter(Boolean) });
      if (!parsed.success) {
        fail(rec.line, parsed.error.issues.map((i) => `${String(i.path[0] ?? 'row')} ${i.message}`).join('; '));
        continue;
      }
      const key = parsed.data.name.toLowerCase();
      if (seen.has(key)) {
        fail(rec.line, `duplicate of an earlier row in this file (same name as line ${seen.get(key)})`);
        continue;
      }
      seen.set(key, rec.line);
      batch.push({ line: rec.line, ...parsed.data });
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    return report;
  }

  private async write(tx: Tx, rows: { line: number; name: string; domains: string[] }[], report: ImportReport, fail: (row: number, message: string) => void, ownerId: string): Promise<void> {
    for (const r of rows) {
      // A domain belongs to one company (the same rule, and lock, as createCompany).
      const holder = r.domains.length ? await this.companies.lockDomainsAndFindHolder(tx, r.domains) : undefined;
      if (holder && holder.name.toLowerCase() === r.name.toLowerCase()) {
        report.skipped += 1; // this company, imported before
        continue;
      }
      if (holder) {
        fail(r.line, `domain ${holder.domain} belongs to company "${holder.name}" (${holder.id})`);
        continue;
      }
      const row = await this.companies.insert(tx, randomUUID(), { name: r.name, domains: r.domains, owner_id: ownerId });
      if (!row) {
        report.skipped += 1;
        continue;
      }
      await emitCompanyUpserted(tx, row);
      report.created += 1;
    }
  }

  async page(ctx: RequestContext, first: number, after?: string): Promise<CsvPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_EXPORT_PAGE) throw invalidField('first', `must be between 1 and ${MAX_EXPORT_PAGE}`);
    if (after !== undefined && !isUuid(after)) throw invalidField('after', 'not a cursor of this export (use endCursor)');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const totalCount = after === undefined ? await this.csvRows.count(tx) : null;
      const page = await this.csvRows.page(tx, after ?? null, first + 1);
      const rows = page.slice(0, first);
      const csv = stringify(
        rows.map((c) => [c.id, c.name, c.domains.join(';')].map(neutraliseCsvCell)),
        { header: after === undefined, columns: COLUMNS },
      );
      return { csv, columns: COLUMNS, rows: rows.length, endCursor: rows.at(-1)?.id ?? after ?? null, hasNextPage: page.length > first, totalCount };
    });
  }
}
