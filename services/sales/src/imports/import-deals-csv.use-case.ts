import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { stringify } from 'csv-stringify/sync';
import { invalidField, isUuid, mapCsvHeader, parseInput, neutraliseCsvCell, newCsvImportCounts, readCsvStream, refuseCsvLine, unknownCsvColumns, type CsvImportCounts, restoreCsvCell, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { type DealFilter, DealStatus } from '../deals/deal.types';
import { dealFilterSchema } from '../deals/use-cases/list-deals.use-case';
import { CreateDeal } from '../deals/use-cases/create-deal.use-case';
import { LoseDeal, lostReason } from '../deals/use-cases/lose-deal.use-case';
import { WinDeal } from '../deals/use-cases/win-deal.use-case';
import { DefaultPipeline } from '../pipelines/default-pipeline';
import { DealImportRepository } from './deal-import.repository';
import { DirectoryReplica } from '@crm/shared-directory';

export const MAX_INLINE_CSV = 5 * 1024 * 1024;

/** The deal columns, with the header names other tools use for them. */
export const DEAL_CSV_ALIASES = {
  id: ['deal id', 'record id'],
  /** open, won or lost (also "Closed Won", "Closed Lost", …: see statusOf); blank: open, or what the stage says ("Closed Won"). */
  status: ['deal status', 'state'],
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
  /** When a won or lost deal was closed; left out, a closed deal's "Close Date" (expectedCloseDate) is its close date, as in HubSpot and Salesforce. */
  closedAt: ['closed at', 'closed date', 'date closed', 'closed on', 'actual close date'],
  lostReason: ['lost reason', 'closed lost reason', 'loss reason', 'reason lost'],
} as const;
const COLUMNS = Object.keys(DEAL_CSV_ALIASES);
export const DEAL_EXPORT_COLUMNS = ['id', 'title', 'amount', 'currency', 'contactEmail', 'contactId', 'pipeline', 'stage', 'expectedCloseDate', 'ownerId', 'notes', 'status', 'closedAt', 'lostReason'];
const MAX_EXPORT_PAGE = 5000;

export interface DealImportReport extends CsvImportCounts {
  /** Of the created deals, those imported won, and lost. */
  won: number;
  lost: number;
}

/** How a closed deal's row closes it. */
type Closing = { status: DealStatus.OPEN } | { status: DealStatus.WON; at: Date } | { status: DealStatus.LOST; at: Date; reason: string };

type Resolved = string | { title: string; amount: string; contactId: string; pipelineId: string; stageId: string | undefined; closing: Closing; exists: boolean };

/** What other CRMs write for a deal's status (or, for won and lost, its closing stage), by its letters only: "Closed Won", "closedwon", "closed_won". */
const STATUS_WORDS: Record<string, DealStatus> = {
  open: DealStatus.OPEN, inprogress: DealStatus.OPEN, offen: DealStatus.OPEN, ouvert: DealStatus.OPEN,
  won: DealStatus.WON, closedwon: DealStatus.WON, gewonnen: DealStatus.WON, gagne: DealStatus.WON,
  lost: DealStatus.LOST, closedlost: DealStatus.LOST, verloren: DealStatus.LOST, perdu: DealStatus.LOST,
};
const wordOf = (v: string) => v.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z]/g, '');
export const statusOf = (v: string): DealStatus | undefined => STATUS_WORDS[wordOf(v)];

const CLOSE_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A close date: YYYY-MM-DD (midnight UTC, the day commission periods are counted in) or an ISO 8601
 * time (the export's, exact to the millisecond; without a zone: UTC). Undefined if it is neither or
 * not a real day.
 */
export function closeDateOf(v: string): Date | undefined {
  const m = CLOSE_DATE.exec(v);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const day = new Date(Date.UTC(+y, +mo - 1, +d));
  if (day.getUTCFullYear() !== +y || day.getUTCMonth() !== +mo - 1 || day.getUTCDate() !== +d) return undefined;
  if (h === undefined) return day;
  if (+h > 23 || +mi > 59 || +(sec ?? 0) > 59) return undefined;
  const z = !zone || zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const at = new Date(`${y}-${mo}-${d}T${h}:${mi}:${sec ?? '00'}${(frac ?? '').slice(0, 4)}${z}`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

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
 * pipeline, first stage when left out). A row whose status is won or lost (a history moved from
 * another CRM) is then won or lost in the same transaction, at its close date, exactly as winning
 * or losing it in the CRM would: a won deal earns its commission under the tenant's active deal
 * rules, dated (and counted in the period of) its close, and emits deal.won. A deal with the same
 * title for the same contact in the same pipeline exists already → skipped, so a re-run creates
 * nothing twice. A bad line is reported with its number and nothing of it is written.
 */
@Injectable()
export class ImportDealsCsv {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly lookups: DealImportRepository,
    private readonly defaultPipeline: DefaultPipeline,
    private readonly createDeal: CreateDeal,
    private readonly winDeal: WinDeal,
    private readonly loseDeal: LoseDeal,
    private readonly directory: DirectoryReplica,
  ) {}

  async execute(ctx: RequestContext, csv: string, opts: { map?: { column: string; field: string }[]; dryRun?: boolean; delimiter?: string } = {}): Promise<DealImportReport> {
    if (csv.length > MAX_INLINE_CSV) throw invalidField('csv', `larger than ${MAX_INLINE_CSV} bytes; use \`pnpm crm import deals FILE.csv\` for big files`);
    const report: DealImportReport = { ...newCsvImportCounts(opts.dryRun ?? false), won: 0, lost: 0 };
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
        // One transaction per row: the deal is created and, if the row says so, won or lost in it, so
        // a row is imported whole or not at all. A dry run does the same and rolls it back (a first
        // deal creates the default pipeline, rolled back too).
        const outcome = await this.uow.run(ctx.tenantId, (tx) => this.importRow(tx, ctx, rec.line, get, seen, ownerVerdicts), { rollback: report.dryRun });
        if (outcome === 'skipped') report.skipped += 1;
        else if (typeof outcome === 'string') fail(rec.line, outcome);
        else {
          report.created += 1;
          if (outcome.created === DealStatus.WON) report.won += 1;
          if (outcome.created === DealStatus.LOST) report.lost += 1;
        }
      } catch (err) {
        fail(rec.line, messageOf(err));
      }
    }
    return report;
  }

  /**
   * One row in the caller's transaction: 'skipped' (the deal is there already), a refusal, or the
   * status the deal was created with. A won deal is won through WinDeal (commission earned and
   * dated at its close, deal.won), a lost one through LoseDeal (deal.lost): an imported history
   * is the same history as one made in the CRM.
   */
  private async importRow(
    tx: Tx, ctx: RequestContext, line: number, get: (c: string) => string | undefined, seen: Map<string, number>, ownerVerdicts: Map<string, string | null>,
  ): Promise<'skipped' | string | { created: DealStatus }> {
    const r = await this.resolve(tx, ctx, get);
    if (typeof r === 'string') return r;
    // By the pipeline's name, not id: a dry run's default pipeline is created anew (and rolled back) per row.
    const key = `${r.contactId}|${(get('pipeline') ?? '').toLowerCase()}|${r.title.toLowerCase()}`;
    if (seen.has(key)) return `duplicate of an earlier row in this file (same title, contact and pipeline as line ${seen.get(key)})`;
    seen.set(key, line);
    if (r.exists) return 'skipped';
    const ownerId = get('ownerId');
    if (ownerId && !ownerVerdicts.has(ownerId)) ownerVerdicts.set(ownerId, (await this.directory.rejectedOwners(tx, ctx.userId, [ownerId])).get(ownerId) ?? null);
    if (ownerId && ownerVerdicts.get(ownerId)) return `ownerId: ${ownerVerdicts.get(ownerId)}`;
    const deal = await this.createDeal.create(tx, ctx, {
      title: r.title, contactId: r.contactId, pipelineId: r.pipelineId, stageId: r.stageId,
      amount: { amount: r.amount, currency: get('currency') ?? '' }, expectedCloseDate: get('expectedCloseDate'), ownerId, notes: get('notes'),
    });
    const c = r.closing;
    if (c.status === DealStatus.WON) await this.winDeal.win(tx, ctx, deal, c.at);
    if (c.status === DealStatus.LOST) await this.loseDeal.lose(tx, ctx, deal, c.reason, c.at);
    return { created: c.status };
  }

  /**
   * The row's status, close date and lost reason: the status column, else what a closing stage
   * ("Closed Won") says, else open. A won or lost deal needs its close date (closedAt, else the
   * "Close Date" column), not in the future; a lost one its reason; an open one neither.
   */
  private closing(get: (c: string) => string | undefined, stageStatus: DealStatus | undefined): Closing | string {
    const given = get('status');
    const said = given === undefined ? undefined : statusOf(given);
    if (given !== undefined && !said) return `status: "${given.slice(0, 40)}" is not open, won or lost (nor Closed Won, Closed Lost)`;
    if (said && stageStatus && said !== stageStatus) return `status: ${said} contradicts the stage "${get('stage')!.slice(0, 80)}" (${stageStatus})`;
    const status = said ?? stageStatus ?? DealStatus.OPEN;
    const closedAt = get('closedAt');
    const reason = get('lostReason');
    if (status === DealStatus.OPEN) {
      if (closedAt) return 'closedAt: an open deal has no close date (give its status: won or lost)';
      if (reason) return 'lostReason: only a lost deal has a lost reason';
      return { status };
    }
    if (status === DealStatus.WON && reason) return 'lostReason: only a lost deal has a lost reason';
    const field = closedAt ? 'closedAt' : 'expectedCloseDate';
    const raw = closedAt ?? get('expectedCloseDate');
    if (!raw) return `closedAt: a ${status} deal needs its close date (closedAt, or Close Date)`;
    const at = closeDateOf(raw);
    if (!at) return `${field}: "${raw.slice(0, 40)}" is not a close date (YYYY-MM-DD or an ISO 8601 time)`;
    if (at.getTime() > Date.now()) return `${field}: ${raw.slice(0, 40)} is in the future; a ${status} deal was closed already`;
    if (status === DealStatus.WON) return { status, at };
    if (!reason) return 'lostReason: a lost deal needs its reason, as losing one in the CRM does';
    return { status, at, reason: lostReason(reason, 'lostReason') };
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
    // "Closed Won" / "Closed Lost" (HubSpot, Salesforce), "Won" (Odoo) are statuses here, not stages:
    // unless the pipeline has a stage of that name, the deal is closed from the first stage.
    const stageStatus = stageName ? statusOf(stageName) : undefined;
    if (stageName && !stageId && (!stageStatus || stageStatus === DealStatus.OPEN)) {
      return `stage: no stage named "${stageName.slice(0, 80)}" in this pipeline (stages: ${(await this.lookups.stageNames(tx, pipelineId)).join(', ')})`;
    }
    const closing = this.closing(get, stageStatus === DealStatus.OPEN ? undefined : stageStatus);
    if (typeof closing === 'string') return closing;
    return { title, amount: normalised, contactId, pipelineId, stageId, closing, exists: await this.lookups.exists(tx, contactId, pipelineId, title) };
  }

  /** Every deal (or those the filter selects) as CSV, one page at a time, the columns this import reads (status, close time and lost reason included). */
  async page(ctx: RequestContext, first: number, after?: string, filter: DealFilter = {}) {
    if (!Number.isInteger(first) || first < 1 || first > MAX_EXPORT_PAGE) throw invalidField('first', `must be between 1 and ${MAX_EXPORT_PAGE}`);
    if (after !== undefined && !isUuid(after)) throw invalidField('after', 'not a cursor of this export (use endCursor)');
    // The deals list's filter; without `archived`, archived deals are exported too (the file is the whole history).
    const f = parseInput(dealFilterSchema, filter, 'filter');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const totalCount = after === undefined ? await this.lookups.count(tx, f) : null;
      const page = await this.lookups.exportPage(tx, f, after ?? null, first + 1);
      const rows = page.slice(0, first);
      const csv = stringify(
        rows.map((d) =>
          [d.id, d.title, d.amount, d.currency, d.contact_email, d.contact_id, d.pipeline, d.stage, d.expected_close_date, d.owner_id, d.notes, d.status, d.closed_at, d.lost_reason].map(
            neutraliseCsvCell,
          ),
        ),
        { header: after === undefined, columns: DEAL_EXPORT_COLUMNS },
      );
      return { csv, columns: DEAL_EXPORT_COLUMNS, rows: rows.length, endCursor: rows.at(-1)?.id ?? after ?? null, hasNextPage: page.length > first, totalCount };
    });
  }
}
