import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import type { z } from 'zod';
import { invalidField, isUuid, mapCsvHeader, neutraliseCsvCell, parseInput, newCsvImportCounts, refuseCsvLine, unknownCsvColumns, readCsvStream, restoreCsvCell, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { CompanySize } from '../contacts/contact.types';
import { detailColumns } from '../companies/company-fields';
import { emitCompanyUpserted } from '../companies/company.events';
import { CompanyRepository, type CompanyFilterValue } from '../companies/company.repository';
import { companyFilterSchema } from '../companies/company.queries';
import { createCompanySchema } from '../companies/use-cases/create-company.use-case';
import type { CsvPage } from '../contacts/use-cases/export-contacts-csv.use-case';
import { CustomFieldRepository } from '../custom-fields/custom-field.repository';
import { coerceCustomFields, renderCustomFields } from '../custom-fields/custom-field.values';
import { OwnerRule } from '../directory/owner-rule';
import { ADDRESS_CSV_ALIASES, ADDRESS_PARTS, addressColumns, customFieldColumn, splitList } from './csv-columns';
import { CompanyCsvRepository } from './company-csv.repository';
import { MAX_INLINE_CSV } from './import-contacts-csv.use-case';
import type { ImportReport } from './import-contacts.use-case';

/** The company columns, with the header names other tools (HubSpot, Salesforce, Odoo, spreadsheets) use for them. */
export const COMPANY_CSV_ALIASES = {
  id: ['company id', 'record id', 'account id'],
  name: ['company', 'company name', 'account', 'account name', 'organization', 'organisation', 'firma', 'société', 'societe'],
  legalName: ['legal name', 'registered name', 'company legal name', 'legal entity', 'raison sociale'],
  domains: ['domain', 'website', 'web site', 'url', 'company domain name', 'webseite', 'websites'],
  industry: ['sector', 'branche', 'secteur'],
  size: ['company size', 'employees', 'number of employees', 'numberofemployees', 'headcount', 'mitarbeiter', 'effectif'],
  vatId: ['vat', 'vat id', 'vat number', 'vat no', 'tax id', 'tax number', 'ust-idnr', 'ust id', 'tva', 'numéro de tva'],
  ownerId: ['owner', 'owner id', 'company owner', 'account owner'],
  tags: ['labels', 'categories'],
  ...ADDRESS_CSV_ALIASES,
} as const;
const BASE_COLUMNS = ['id', 'name', 'legalName', 'domains', 'industry', 'size', 'vatId', 'ownerId', 'tags'];
const BATCH = 500;
const MAX_EXPORT_PAGE = 5000;

type CompanyInput = z.output<typeof createCompanySchema>;
interface CompanyLine {
  line: number;
  input: CompanyInput;
  customFields: Record<string, unknown>;
}

/** Employee bands as written by us and by others: `51-200`, `EMPLOYEES_51_200` (the API's name), or a head count (`120`). */
const SIZE_BANDS: [number, CompanySize][] = [
  [10, CompanySize.EMPLOYEES_1_10], [50, CompanySize.EMPLOYEES_11_50], [200, CompanySize.EMPLOYEES_51_200], [500, CompanySize.EMPLOYEES_201_500],
  [1000, CompanySize.EMPLOYEES_501_1000], [5000, CompanySize.EMPLOYEES_1001_5000], [Infinity, CompanySize.EMPLOYEES_5001_PLUS],
];
function companySizeOf(cell: string | null): string | null {
  if (cell === null) return null;
  const v = cell.replace(/\s/g, '');
  if ((Object.values(CompanySize) as string[]).includes(v)) return v;
  const byName = CompanySize[v.toUpperCase() as keyof typeof CompanySize];
  if (byName) return byName;
  if (/^\d+$/.test(v) && Number(v) > 0) return SIZE_BANDS.find(([max]) => Number(v) <= max)![1];
  return cell; // refused by the schema, with the allowed values
}
/** The size as the export writes it: the API's name (a band like "1-10" would become a date in a spreadsheet). */
const sizeName = (band: string | null) => (Object.entries(CompanySize).find(([, v]) => v === band)?.[0] ?? band ?? '');

/**
 * Companies in and out as CSV: every field of a company (name, legal name, domains separated by `;`,
 * industry, size, VAT id, owner, tags, the address as `address.<part>`, custom fields as `cf.<key>`),
 * with the rules of createCompany: a domain belongs to one company, owners are active users of the
 * tenant, custom values are checked against their definitions. A company whose name exists already
 * (case-insensitively) is skipped, so a re-run or an export of the same tenant creates nothing twice;
 * each created one is announced like createCompany's (company.upserted). A refused line is reported,
 * never an abort.
 */
@Injectable()
export class CompaniesCsv {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly companies: CompanyRepository,
    private readonly csvRows: CompanyCsvRepository,
    private readonly customFields: CustomFieldRepository,
    private readonly owners: OwnerRule,
  ) {}

  async import(ctx: RequestContext, csv: string, opts: { map?: { column: string; field: string }[]; dryRun?: boolean; delimiter?: string } = {}): Promise<ImportReport> {
    if (csv.length > MAX_INLINE_CSV) throw invalidField('csv', `larger than ${MAX_INLINE_CSV} bytes; use \`pnpm crm import companies FILE.csv\` for big files`);
    const report: ImportReport = { jobId: randomUUID(), ...newCsvImportCounts(opts.dryRun ?? false) };
    const fail = (row: number, message: string) => refuseCsvLine(report, row, message);
    const read = await readCsvStream(Readable.from([csv]), { encoding: 'utf-8', delimiter: opts.delimiter });
    if (!read) return report;
    const defs = await this.uow.run(ctx.tenantId, (tx) => this.customFields.definitions(tx));
    const columns = mapCsvHeader(read.header, COMPANY_CSV_ALIASES, { map: opts.map && Object.fromEntries(opts.map.map((m) => [m.column, m.field])), dynamic: customFieldColumn(defs) });
    const unknown = unknownCsvColumns(read.header, columns, [...Object.keys(COMPANY_CSV_ALIASES), ...[...defs.keys()].map((k) => `cf.${k}`)]);
    if (unknown) {
      fail(1, unknown);
      return report;
    }
    const seen = new Map<string, number>();
    let batch: CompanyLine[] = [];
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
        return i === -1 ? null : restoreCsvCell(rec.fields[i].trim()) || null;
      };
      const address = Object.fromEntries(ADDRESS_PARTS.map((p) => [p, get(`address.${p}`)]));
      const parsed = createCompanySchema.safeParse({
        name: get('name') ?? '', legalName: get('legalName'), domains: splitList(get('domains'), /[;|,\s]+/), industry: get('industry'), size: companySizeOf(get('size')),
        address: Object.values(address).some((v) => v !== null) ? address : null, vatId: get('vatId'), ownerId: get('ownerId'), tags: splitList(get('tags')),
      });
      if (!parsed.success) {
        fail(rec.line, parsed.error.issues.map((i) => `${i.path.join('.') || 'row'} ${i.message}`).join('; '));
        continue;
      }
      let customFields: Record<string, unknown> = {};
      try {
        const values = columns.flatMap((c) => (c?.startsWith('cf.') && get(c) !== null ? [{ key: c.slice(3), value: get(c)! }] : []));
        customFields = coerceCustomFields(defs, values);
      } catch (err) {
        fail(rec.line, (err as Error).message);
        continue;
      }
      const key = parsed.data.name.toLowerCase();
      if (seen.has(key)) {
        fail(rec.line, `duplicate of an earlier row in this file (same name as line ${seen.get(key)})`);
        continue;
      }
      seen.set(key, rec.line);
      batch.push({ line: rec.line, input: parsed.data, customFields });
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    return report;
  }

  private async write(tx: Tx, rows: CompanyLine[], report: ImportReport, fail: (row: number, message: string) => void, importingUser: string): Promise<void> {
    // One look-up of the batch's owners: an unknown or deactivated one fails its line, not the file.
    const badOwners = await this.owners.rejected(tx, rows.map((r) => r.input.ownerId));
    for (const { line, input, customFields } of rows) {
      if (input.ownerId && badOwners.has(input.ownerId)) {
        fail(line, `ownerId: ${badOwners.get(input.ownerId)}`);
        continue;
      }
      // A domain belongs to one company (the same rule, and lock, as createCompany).
      const holder = input.domains.length ? await this.companies.lockDomainsAndFindHolder(tx, input.domains) : undefined;
      if (holder && holder.name.toLowerCase() === input.name.toLowerCase()) {
        report.skipped += 1; // this company, imported before
        continue;
      }
      if (holder) {
        fail(line, `domain ${holder.domain} belongs to company "${holder.name}" (${holder.id})`);
        continue;
      }
      // The custom values are checked already (definitions read once per file, not per row).
      const details = await detailColumns(tx, this.customFields, { ...input, customFields: undefined });
      const row = await this.companies.insert(tx, randomUUID(), {
        ...details, name: input.name, domains: input.domains, owner_id: details.owner_id ?? importingUser,
        custom_fields: Object.keys(customFields).length ? JSON.stringify(customFields) : undefined,
      });
      if (!row) {
        report.skipped += 1; // the name exists: this company, imported or created before
        continue;
      }
      await emitCompanyUpserted(tx, row);
      report.created += 1;
    }
  }

  async page(ctx: RequestContext, first: number, after?: string, filter: CompanyFilterValue = {}): Promise<CsvPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_EXPORT_PAGE) throw invalidField('first', `must be between 1 and ${MAX_EXPORT_PAGE}`);
    if (after !== undefined && !isUuid(after)) throw invalidField('after', 'not a cursor of this export (use endCursor)');
    const f = parseInput(companyFilterSchema, filter, 'filter');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const defs = await this.customFields.definitions(tx);
      const keys = [...defs.keys()].sort();
      const columns = [...BASE_COLUMNS, ...addressColumns(1), ...keys.map((k) => `cf.${k}`)];
      const totalCount = after === undefined ? await this.csvRows.count(tx, f) : null;
      const page = await this.csvRows.page(tx, f, after ?? null, first + 1);
      const rows = page.slice(0, first);
      const csv = stringify(
        rows.map((c) => {
          const custom = new Map(renderCustomFields(defs, c.custom_fields).map((f) => [f.key, f.value]));
          // Every cell neutralised against spreadsheet formula injection; the import strips the guard again.
          return [
            c.id, c.name, c.legal_name, c.domains.join(';'), c.industry, sizeName(c.size), c.vat_id, c.owner_id, c.tags.join(';'),
            ...ADDRESS_PARTS.map((p) => c.address?.[p] ?? ''),
            ...keys.map((k) => custom.get(k) ?? ''),
          ].map(neutraliseCsvCell);
        }),
        { header: after === undefined, columns },
      );
      return { csv, columns, rows: rows.length, endCursor: rows.at(-1)?.id ?? after ?? null, hasNextPage: page.length > first, totalCount };
    });
  }
}
