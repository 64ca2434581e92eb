import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { invalidField, mapCsvHeader, newCsvImportCounts, readCsvStream, refuseCsvLine, restoreCsvCell, unknownCsvColumns, UnitOfWork, type CsvImportCounts, type RequestContext } from '@crm/platform';
import { adSpendRow, spendKey, toSpendRow } from '../ad-spend.input';
import { emitAdSpendRecorded } from '../attribution.events';
import { AttributionRepository, type SpendRowInput } from '../attribution.repository';

/** Largest CSV accepted inline through GraphQL (as the contacts import). */
export const MAX_INLINE_SPEND_CSV = 5 * 1024 * 1024;
const BATCH = 500;

/** The columns, with the header names ad platforms' exports use for them. */
export const AD_SPEND_CSV_ALIASES = {
  day: ['date', 'day', 'reporting starts', 'tag', 'datum'],
  source: ['utm_source', 'network', 'platform'],
  medium: ['utm_medium', 'channel'],
  campaign: ['utm_campaign', 'campaign name'],
  keyword: ['utm_term', 'term', 'search keyword', 'search term', 'keyword text'],
  cost: ['spend', 'amount', 'amount spent', 'costs', 'kosten'],
  currency: ['currency code', 'currency', 'währung'],
  clicks: ['link clicks', 'klicks'],
  impressions: ['impr', 'impr.', 'impressionen'],
} as const;
const COLUMNS = Object.keys(AD_SPEND_CSV_ALIASES);

/** A cell of a count column: blank → null, else an integer (anything else fails the row's validation). */
const countCell = (s: string): number | null | string => (s === '' ? null : /^\d+$/.test(s) ? Number(s) : s);

/**
 * importAdSpendCsv: day, source, medium, campaign, keyword, cost, currency, clicks, impressions.
 * A bad line is refused with its line number and the others are recorded; a dry run writes nothing
 * and reports what it would record.
 */
@Injectable()
export class ImportAdSpendCsv {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly repo: AttributionRepository,
  ) {}

  async execute(ctx: RequestContext, csv: string, opts: { dryRun?: boolean; delimiter?: string } = {}): Promise<CsvImportCounts> {
    if (csv.length > MAX_INLINE_SPEND_CSV) throw invalidField('csv', `larger than ${MAX_INLINE_SPEND_CSV} bytes; split the file`);
    if (opts.delimiter !== undefined && ![',', ';', '\t', '|'].includes(opts.delimiter)) throw invalidField('delimiter', 'one of , ; | or a tab');
    const report = newCsvImportCounts(opts.dryRun ?? false);
    const read = await readCsvStream(Readable.from([csv]), { encoding: 'utf-8', delimiter: opts.delimiter });
    if (!read) return report;
    const columns = mapCsvHeader(read.header, AD_SPEND_CSV_ALIASES);
    const unknown = unknownCsvColumns(read.header, columns, COLUMNS);
    const missing = ['day', 'source', 'cost', 'currency'].filter((c) => !columns.includes(c));
    if (unknown || missing.length) {
      refuseCsvLine(report, 1, unknown ?? `import stopped: missing column(s): ${missing.join(', ')}`);
      return report;
    }
    const seen = new Map<string, number>();
    let batch: SpendRowInput[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const rows = batch;
      batch = [];
      await this.uow.run(
        ctx.tenantId,
        async (tx) => {
          const written = await this.repo.upsertSpend(tx, rows, ctx.userId);
          await emitAdSpendRecorded(tx, written, ctx.userId);
          report.created += written.length;
        },
        { rollback: report.dryRun },
      );
    };
    for await (const rec of read.records) {
      report.rows += 1;
      if (rec.error !== undefined) {
        refuseCsvLine(report, rec.line, rec.error);
        continue;
      }
      const get = (c: string) => {
        const i = columns.indexOf(c);
        return i === -1 ? '' : restoreCsvCell(rec.fields[i].trim());
      };
      const parsed = adSpendRow.safeParse({
        day: get('day'),
        source: get('source'),
        medium: get('medium'),
        campaign: get('campaign'),
        keyword: get('keyword'),
        cost: { amount: get('cost'), currency: get('currency') },
        clicks: countCell(get('clicks')),
        impressions: countCell(get('impressions')),
      });
      if (!parsed.success) {
        // cost.amount / cost.currency are the file's cost and currency columns.
        const column = (path: PropertyKey[]) => (path[0] === 'cost' ? (path[1] === 'currency' ? 'currency' : 'cost') : String(path[0] ?? 'row'));
        refuseCsvLine(report, rec.line, parsed.error.issues.map((i) => `${column(i.path)}: ${i.message}`).join('; '));
        continue;
      }
      const row = toSpendRow(parsed.data);
      const k = spendKey(row);
      if (seen.has(k)) {
        refuseCsvLine(report, rec.line, `same day, source, medium, campaign and keyword as line ${seen.get(k)}`);
        continue;
      }
      seen.set(k, rec.line);
      batch.push(row);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    return report;
  }
}
