import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { SingleBar, Presets } from 'cli-progress';
import { fetchGateway } from './errors';

const PAGE = 'csv rows endCursor hasNextPage totalCount';
const QUERIES = {
  contacts: { field: 'contactsCsvPage', query: `query Export($filter: ContactFilter, $first: Int, $after: String) { contactsCsvPage(filter: $filter, first: $first, after: $after) { ${PAGE} } }` },
  companies: { field: 'companiesCsvPage', query: `query Export($filter: CompanyFilter, $first: Int, $after: String) { companiesCsvPage(filter: $filter, first: $first, after: $after) { ${PAGE} } }` },
  deals: { field: 'dealsCsvPage', query: `query Export($filter: DealFilter, $first: Int, $after: String) { dealsCsvPage(filter: $filter, first: $first, after: $after) { ${PAGE} } }` },
} as const;
export type ExportKind = keyof typeof QUERIES;
export const EXPORT_KINDS = Object.keys(QUERIES) as ExportKind[];

/**
 * Writes every contact, company or deal matching the filter (the list's filter of that kind) to a CSV file (or stdout), page by page
 * through the gateway (`contactsCsvPage`, `companiesCsvPage`, `dealsCsvPage`: same auth and permission as any client), with a progress bar over the
 * total the first page reports. The columns are those the import reads.
 */
export async function exportContactsFile(out: string | null, opts: { kind?: ExportKind; gatewayUrl: string; token: string; filter?: Record<string, unknown>; pageSize: number }) {
  const q = QUERIES[opts.kind ?? 'contacts'];
  const sink: WriteStream | NodeJS.WriteStream = out ? createWriteStream(out) : process.stdout;
  const bar = out ? new SingleBar({ format: 'export |{bar}| {percentage}% | {value}/{total} rows', hideCursor: true }, Presets.shades_classic) : null;
  let after: string | null = null;
  let rows = 0;
  do {
    const res = await fetchGateway(opts.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
      body: JSON.stringify({ query: q.query, variables: { ...(opts.filter ? { filter: opts.filter } : {}), first: opts.pageSize, after } }),
    });
    const body = (await res.json()) as any;
    if (body.errors?.length) throw new Error(`export failed: ${body.errors.map((e: any) => `${e.extensions?.code ?? ''} ${e.message}`).join('; ')}`);
    const page = body.data[q.field];
    if (after === null) bar?.start(page.totalCount ?? 0, 0);
    if (!sink.write(page.csv)) await once(sink, 'drain');
    rows += page.rows;
    bar?.update(rows);
    after = page.hasNextPage ? page.endCursor : null;
  } while (after);
  bar?.stop();
  if (out) {
    (sink as WriteStream).end();
    await once(sink, 'finish');
  }
  return { rows };
}
