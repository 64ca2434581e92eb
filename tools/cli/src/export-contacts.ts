import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { SingleBar, Presets } from 'cli-progress';
import { fetchGateway } from './errors';

const QUERY = `query Export($filter: ContactFilter, $first: Int, $after: String) {
  contactsCsvPage(filter: $filter, first: $first, after: $after) { csv rows endCursor hasNextPage totalCount }
}`;

/**
 * Writes every contact matching the filter to a CSV file (or stdout), page by page through the
 * gateway (`contactsCsvPage`: same auth and permission as any client), with a progress bar over the
 * total the first page reports. The columns are those the import reads.
 */
export async function exportContactsFile(out: string | null, opts: { gatewayUrl: string; token: string; filter?: Record<string, unknown>; pageSize: number }) {
  const sink: WriteStream | NodeJS.WriteStream = out ? createWriteStream(out) : process.stdout;
  const bar = out ? new SingleBar({ format: 'export |{bar}| {percentage}% | {value}/{total} contacts', hideCursor: true }, Presets.shades_classic) : null;
  let after: string | null = null;
  let rows = 0;
  do {
    const res = await fetchGateway(opts.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
      body: JSON.stringify({ query: QUERY, variables: { filter: opts.filter ?? null, first: opts.pageSize, after } }),
    });
    const body = (await res.json()) as any;
    if (body.errors?.length) throw new Error(`export failed: ${body.errors.map((e: any) => `${e.extensions?.code ?? ''} ${e.message}`).join('; ')}`);
    const page = body.data.contactsCsvPage;
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
