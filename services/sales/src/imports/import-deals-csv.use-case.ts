import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { stringify } from 'csv-stringify/sync';
import { invalidField, isUuid, mapCsvHeader, neutraliseCsvCell, newCsvImportCounts, readCsvStream, refuseCsvLine, unknownCsvColumns, type CsvImportCounts, restoreCsvCell, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { dealAmount } from '../deals/deal-input';
import { CreateDeal } from '../deals/use-cases/create-deal.use-case';
import { DefaultPipeline } from '../pipelines/default-pipeline';
import { DealImportRepository } from './deal-import.repository';
import { DirectoryReplica } from '@crm/shared-directory';

export const MAX_INLINE_CSV = 5 * 1024 * 1024;

/** The deal columns, with the header names other tools use for them. */
export const DEAL_CSV_ALIASES = {
  id: ['deal id', 'record id'],
  /** Written by the export; read and ignored: imported deals are open (winning one is WinDeal's, with its commission). */
  status: ['deal status'],
  title: ['deal name', 'deal', 'name', 'opportunity name', 'opportunity', 'subject'],
  amount: ['value', 'deal value', 'amount', 'expected revenue', 'betrag', 'montant'],
  currency: ['currency code', 'währung', 'devise'],
  contactEmail: ['contact email', 'email', 'e-mail', 'email address', 'contact e-mail'],
  contactId: ['contact id'],
  pipeline: ['pipeline name'],
  stage: ['deal stage', 'stage name', 'phase'],
  expectedCloseDate: ['close date', 'expected close date', 'closing date'],
  ownerId: ['owner', 'deal owner', 'owner id'],
  notes: ['description', 'note', 'notes'],
} as const;
const COLUMNS = Object.keys(DEAL_CSV_ALIASES);
export const DEAL_EXPORT_COLUMNS = ['id', 'title', 'amount', 'currency', 'contactEmail', 'contactId', 'pipeline', 'stage', 'expectedCloseDate', 'ownerId', 'notes', 'status'];
const MAX_EXPORT_PAGE = 5000;

export type DealImportReport = CsvImportCounts;

type Resolved = string | { title: string; amount: string; contactId: string; pipelineId: string; stageId: string | undefined; exists: boolean };

/** A use case's refusal as one line: "field: message" for each named field. */
function messageOf(err: unknown): string {
  if (err instanceof GraphQLError) {
    const fields = err.extensions?.fields as { field: string; message: string }[] | undefined;
    return fields?.length ? fields.map((f) => `${f.field.replace(/^input\./, '')}: ${f.message}`).join('; ') : err.message;
  }
  throw err;
}

/**
 * Deals from CSV, one createDeal per row (same validation, stage history and deal.created event as
 * the API): the contact by `contactEmail` (or `contactId`), the pipeline and stage by name (default
 * pipeline, first stage when left out). A deal with the same title for the same contact in the same
 * pipeline exists already → skipped, so a re-run creates nothing twice. A bad line is reported with
 * its number and skipped.
 */
@Injectable()
export class ImportDealsCsv {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly lookups: DealImportRepository,
    private readonly defaultPipeline: DefaultPipeline,
    private readonly createDeal: CreateDeal,
    private readonly replica: ContactReplica,
    private readonly directory: DirectoryReplica,
  ) {}

  async execute(ctx: RequestContext, csv: string, opts: { map?: { column: string; field: string }[]; dryRun?: boolean; delimiter?: string } = {}): Promise<DealImportReport> {
    if (csv.length > MAX_INLINE_CSV) throw invalidField('csv', `larger than ${MAX_INLINE_CSV} bytes; use \`pnpm crm import deals FILE.csv\` for big files`);
    const report: DealImportReport = newCsvImportCounts(opts.dryRun ?? false);
    const fail = (row: number, message: string) => refuseCsvLine(report, row, message);
    const read = await readCsvStream(Readable.from([csv]), { encoding: 'utf-8', delimiter: opts.delimiter });
    if (!read) return report;
    const columns = mapCsvHeader(read.header, DEAL_CSV_ALIASES, { map: opts.map && Object.fromEntries(opts.map.map((m) => [m.column, m.field])) });
    const unknown = unknownCsvColumns(read.header, columns, COLUMNS);
    if (unknown) {
      fail(1, unknown);
      return report;
    }
    const seen = new Map<string, number>();
    // The owner rule's verdict per distinct owner id of the file (null: accepted): one look-up per owner, not per row.
    const ownerVerdicts = new Map<string, string | null>();
    for await (const rec of read.records) {
      report.rows += 1;
      if (rec.error !== undefined) {
        fail(rec.line, rec.error);
        continue;
      }
      const get = (c: string) => {
        const i = columns.indexOf(c);
        return (i === -1 ? '' : restoreCsvCell(rec.fields[i].trim())) || undefined;
      };
      try {
        // A dry run resolves in a transaction rolled back afterwards: a first deal creates the default pipeline.
        const resolved = await this.uow
          .run(ctx.tenantId, async (tx) => {
            const r = await this.resolve(tx, ctx, get);
            if (report.dryRun && typeof r !== 'string' && !r.exists) await this.check(tx, { amount: { amount: r.amount, currency: get('currency') ?? '' }, contactId: r.contactId });
            return r;
          }, { rollback: report.dryRun });
        if (typeof resolved === 'string') {
          fail(rec.line, resolved);
          continue;
        }
        // By the pipeline's name, not id: a dry run's default pipeline is created anew (and rolled back) per row.
        const key = `${resolved.contactId}|${(get('pipeline') ?? '').toLowerCase()}|${resolved.title.toLowerCase()}`;
        if (seen.has(key)) {
          fail(rec.line, `duplicate of an earlier row in this file (same title, contact and pipeline as line ${seen.get(key)})`);
          continue;
        }
        seen.set(key, rec.line);
        if (resolved.exists) {
          report.skipped += 1;
          continue;
        }
        const ownerId = get('ownerId');
        if (ownerId && !ownerVerdicts.has(ownerId)) {
          const rejected = await this.uow.run(ctx.tenantId, (tx) => this.directory.rejectedOwners(tx, ctx.userId, [ownerId]));
          ownerVerdicts.set(ownerId, rejected.get(ownerId) ?? null);
        }
        if (ownerId && ownerVerdicts.get(ownerId)) {
          fail(rec.line, `ownerId: ${ownerVerdicts.get(ownerId)}`);
          continue;
        }
        const input = {
          title: resolved.title, contactId: resolved.contactId, pipelineId: resolved.pipelineId, stageId: resolved.stageId,
          amount: { amount: resolved.amount, currency: get('currency') ?? '' }, expectedCloseDate: get('expectedCloseDate'), ownerId: get('ownerId'), notes: get('notes'),
        };
        if (!report.dryRun) await this.createDeal.execute(ctx, input);
        report.created += 1;
      } catch (err) {
        fail(rec.line, messageOf(err));
      }
    }
    return report;
  }

  /** What createDeal would refuse before writing: the amount and the contact (the rest is checked by resolve). */
  private async check(tx: Tx, input: { amount: { amount: string; currency: string }; contactId: string }): Promise<void> {
    dealAmount(input.amount, 'input.amount');
    await this.replica.requireActive(tx, input.contactId, 'input.contactId');
  }

  private async resolve(tx: Tx, ctx: RequestContext, get: (c: string) => string | undefined): Promise<Resolved> {
    const title = get('title');
    if (!title) return 'title is missing';
    const amount = get('amount');
    if (!amount) return 'amount is missing';
    // "1.234,50" (European spreadsheets) and "1,234.50" both mean 1234.50.
    const normalised = /^\d{1,3}(\.\d{3})*(,\d+)?$|^\d+,\d+$/.test(amount) ? amount.replace(/\./g, '').replace(',', '.') : amount.replace(/,/g, '');
    const email = get('contactEmail');
    const givenId = get('contactId');
    if (givenId && !isUuid(givenId)) return `contactId: not a contact id`;
    const contactId = givenId ?? (email ? await this.lookups.contactByEmail(tx, email) : undefined);
    if (!contactId) return email ? `contactEmail: no contact with this email` : 'contactEmail or contactId is missing';
    const pipelineName = get('pipeline');
    const defaultId = () => this.defaultPipeline.idFor(tx, ctx.userId);
    // A tenant's default pipeline is created with its first deal: a file naming it (an export of
    // another tenant does) may come before that, so make sure it exists before giving up on a name.
    const pipelineId = pipelineName
      ? ((await this.lookups.pipelineByName(tx, pipelineName)) ?? (await defaultId().then(() => this.lookups.pipelineByName(tx, pipelineName))))
      : await defaultId();
    if (!pipelineId) return `pipeline: no pipeline named "${pipelineName!.slice(0, 80)}"`;
    const stageName = get('stage');
    const stageId = stageName ? await this.lookups.stageByName(tx, pipelineId, stageName) : undefined;
    if (stageName && !stageId) return `stage: no stage named "${stageName.slice(0, 80)}" in this pipeline (stages: ${(await this.lookups.stageNames(tx, pipelineId)).join(', ')})`;
    return { title, amount: normalised, contactId, pipelineId, stageId, exists: await this.lookups.exists(tx, contactId, pipelineId, title) };
  }

  /** Every deal as CSV, one page at a time, the columns this import reads (status is informative). */
  async page(ctx: RequestContext, first: number, after?: string) {
    if (!Number.isInteger(first) || first < 1 || first > MAX_EXPORT_PAGE) throw invalidField('first', `must be between 1 and ${MAX_EXPORT_PAGE}`);
    if (after !== undefined && !isUuid(after)) throw invalidField('after', 'not a cursor of this export (use endCursor)');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const totalCount = after === undefined ? await this.lookups.count(tx) : null;
      const page = await this.lookups.exportPage(tx, after ?? null, first + 1);
      const rows = page.slice(0, first);
      const csv = stringify(
        rows.map((d) =>
          [d.id, d.title, d.amount, d.currency, d.contact_email, d.contact_id, d.pipeline, d.stage, d.expected_close_date, d.owner_id, d.notes, d.status].map(neutraliseCsvCell),
        ),
        { header: after === undefined, columns: DEAL_EXPORT_COLUMNS },
      );
      return { csv, columns: DEAL_EXPORT_COLUMNS, rows: rows.length, endCursor: rows.at(-1)?.id ?? after ?? null, hasNextPage: page.length > first, totalCount };
    });
  }
}
