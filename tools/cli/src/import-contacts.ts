import { createReadStream, statSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { stringify } from 'csv-stringify/sync';
import { readCsvStream } from '@crm/platform';
import { fetchGateway } from './errors';

const REPORT = 'rows created skipped failed errors { row message }';
const MUTATIONS = {
  contacts: {
    field: 'importContactsCsv',
    query: `mutation Import($csv: String!, $country: String, $map: [CsvColumnMapping!], $dryRun: Boolean, $delimiter: String) {
  importContactsCsv(csv: $csv, defaultCountry: $country, map: $map, dryRun: $dryRun, delimiter: $delimiter) { ${REPORT} }
}`,
  },
  companies: {
    field: 'importCompaniesCsv',
    query: `mutation Import($csv: String!, $map: [CsvColumnMapping!], $dryRun: Boolean, $delimiter: String) {
  importCompaniesCsv(csv: $csv, map: $map, dryRun: $dryRun, delimiter: $delimiter) { ${REPORT} }
}`,
  },
  deals: {
    field: 'importDealsCsv',
    query: `mutation Import($csv: String!, $map: [DealCsvColumnMapping!], $dryRun: Boolean, $delimiter: String) {
  importDealsCsv(csv: $csv, map: $map, dryRun: $dryRun, delimiter: $delimiter) { ${REPORT} }
}`,
  },
} as const;
export type ImportKind = keyof typeof MUTATIONS;
export const IMPORT_KINDS = Object.keys(MUTATIONS) as ImportKind[];

export interface ImportFileOptions {
  /** Default: contacts. */
  kind?: ImportKind;
  gatewayUrl: string;
  token: string;
  chunkRows: number;
  country?: string;
  /** Header name → column (`--map "E-Mail-Adresse=email,Punkte=cf.score"`). */
  map?: Record<string, string>;
  dryRun?: boolean;
  /** Overrides the detection (BOM, else UTF-8 when valid, else Windows-1252). */
  encoding?: string;
}

/** `--map "A=email,B=cf.tier"` → { A: 'email', B: 'cf.tier' }. */
export function parseColumnMap(spec: string | undefined): Record<string, string> | undefined {
  if (!spec) return undefined;
  return Object.fromEntries(
    spec.split(',').map((pair) => {
      const at = pair.lastIndexOf('=');
      if (at < 1) throw new Error(`--map: "${pair}" is not Header=column`);
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    }),
  );
}

/**
 * Streams a CSV file through the gateway in chunks (each chunk one `importContactsCsv` call), so it
 * goes through the same auth, validation and outbox as any client. The file is read here with the
 * service's own reader (readCsv: encoding and delimiter detected, malformed lines reported by file
 * line and skipped); good records are re-written as CSV per chunk, and the service's line numbers
 * are mapped back to the file's. Re-running is safe: imported rows are skipped.
 */
export async function importContactsFile(file: string, opts: ImportFileOptions) {
  const mutation = MUTATIONS[opts.kind ?? 'contacts'];
  const size = statSync(file).size;
  const bar = new SingleBar(
    { format: `${opts.dryRun ? 'dry run' : 'import'} |{bar}| {percentage}% | {rows} rows | {created} ${opts.dryRun ? 'would be created' : 'created'}, {skipped} skipped, {failed} failed`, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(size, 0, { rows: 0, created: 0, skipped: 0, failed: 0 });
  const totals = { rows: 0, created: 0, skipped: 0, failed: 0 };
  const errors: { row: number; message: string }[] = [];
  const stream = createReadStream(file);
  const map = opts.map ? Object.entries(opts.map).map(([column, field]) => ({ column, field })) : null;
  const csv = await readCsvStream(stream, { encoding: opts.encoding });
  if (!csv) throw new Error(`${file} is empty`);
  const { header, delimiter } = csv;
  let chunk: string[][] = [];
  /** File line of each chunk record. */
  let lines: number[] = [];
  const send = async () => {
    if (!chunk.length) return;
    const text = stringify([header, ...chunk], { delimiter });
    // Line of the chunk text (header = 1) → file line: records may span lines, so count them.
    const fileLine = new Map<number, number>();
    let at = 2;
    chunk.forEach((rec, i) => {
      fileLine.set(at, lines[i]);
      at += stringify([rec], { delimiter }).split('\n').length - 1;
    });
    const res = await fetchGateway(opts.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
      body: JSON.stringify({
        query: mutation.query,
        variables: { csv: text, map, dryRun: opts.dryRun ?? false, delimiter, ...(mutation.field === 'importContactsCsv' ? { country: opts.country ?? null } : {}) },
      }),
    });
    const body = (await res.json()) as any;
    if (body.errors?.length) throw new Error(`import failed: ${body.errors.map((e: any) => `${e.extensions?.code ?? ''} ${e.message}`).join('; ')}`);
    const r = body.data[mutation.field];
    totals.rows += r.rows;
    totals.created += r.created;
    totals.skipped += r.skipped;
    totals.failed += r.failed;
    for (const e of r.errors) errors.push({ row: fileLine.get(e.row) ?? e.row, message: e.message });
    chunk = [];
    lines = [];
    bar.update(stream.bytesRead, totals);
  };
  for await (const rec of csv.records) {
    if (rec.error !== undefined) {
      // Malformed lines never reach the service: reported here, with the file's line number.
      totals.rows += 1;
      totals.failed += 1;
      errors.push({ row: rec.line, message: rec.error });
      continue;
    }
    chunk.push(rec.fields);
    lines.push(rec.line);
    if (chunk.length >= opts.chunkRows) await send();
  }
  await send();
  bar.update(size, totals);
  bar.stop();
  errors.sort((x, y) => x.row - y.row);
  return { ...totals, errors };
}
