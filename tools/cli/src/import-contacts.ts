import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { SingleBar, Presets } from 'cli-progress';
import { fetchGateway } from './errors';

const MUTATION = `mutation Import($csv: String!, $country: String) {
  importContactsCsv(csv: $csv, defaultCountry: $country) { rows created skipped failed errors { row message } }
}`;

/**
 * Streams a CSV file through the gateway in chunks (each chunk one `importContactsCsv` call), so it
 * goes through the same auth, validation and outbox as any client. Row numbers in errors are
 * mapped back to lines of the original file. Re-running is safe: imported rows are skipped.
 */
export async function importContactsFile(file: string, opts: { gatewayUrl: string; token: string; chunkRows: number; country?: string }) {
  const size = statSync(file).size;
  const bar = new SingleBar({ format: 'import |{bar}| {percentage}% | {rows} rows | {created} created, {skipped} skipped, {failed} failed', hideCursor: true }, Presets.shades_classic);
  bar.start(size, 0, { rows: 0, created: 0, skipped: 0, failed: 0 });
  const totals = { rows: 0, created: 0, skipped: 0, failed: 0 };
  const errors: { row: number; message: string }[] = [];
  const stream = createReadStream(file);
  const parser = stream.pipe(parse({ skip_empty_lines: true, relax_column_count: true, bom: true, info: true }));
  let header: string[] | undefined;
  let chunk: string[][] = [];
  let lines: number[] = [];
  const send = async () => {
    if (!chunk.length) return;
    const res = await fetchGateway(opts.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
      body: JSON.stringify({ query: MUTATION, variables: { csv: stringify([header!, ...chunk]), country: opts.country ?? null } }),
    });
    const body = (await res.json()) as any;
    if (body.errors?.length) throw new Error(`import failed: ${body.errors.map((e: any) => `${e.extensions?.code ?? ''} ${e.message}`).join('; ')}`);
    const r = body.data.importContactsCsv;
    totals.rows += r.rows;
    totals.created += r.created;
    totals.skipped += r.skipped;
    totals.failed += r.failed;
    // Chunk line n (header is line 1) → original file line.
    for (const e of r.errors) errors.push({ row: lines[e.row - 2] ?? e.row, message: e.message });
    chunk = [];
    lines = [];
    bar.update(stream.bytesRead, totals);
  };
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (!header) {
      header = record;
      continue;
    }
    chunk.push(record);
    lines.push(info.lines);
    if (chunk.length >= opts.chunkRows) await send();
  }
  await send();
  bar.update(size, totals);
  bar.stop();
  return { ...totals, errors };
}
