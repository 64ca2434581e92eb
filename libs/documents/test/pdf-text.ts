import { pathToFileURL } from 'node:url';

/**
 * The text of a PDF as a reader extracts it (pdf.js, the engine of Firefox's viewer): per page, the
 * text items in drawing order (pdf.js's own word-gap spaces left out), and lines (items whose
 * baselines are within 3 pt joined left to right). It reads the fonts' ToUnicode maps, so it proves
 * that a name in any script comes back out as written. pdf.js gives no-break spaces back as spaces.
 */
export interface PdfText {
  pages: { items: string[]; lines: string[] }[];
  /** Every page's lines */
  lines: string[];
  /** Every page's lines, joined with newlines */
  text: string;
  /** Every item of every page */
  items: string[];
  info: Record<string, unknown>;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjs: Promise<PdfJs> | undefined;
// pdf.js is an ES module; the tests are compiled to CommonJS, whose import() would become a require of it.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<PdfJs>;

export async function extractPdfText(pdf: Buffer): Promise<PdfText> {
  pdfjs ??= importEsm(pathToFileURL(require.resolve('pdfjs-dist/legacy/build/pdf.mjs')).href);
  const { getDocument } = await pdfjs;
  const task = getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, verbosity: 0 });
  const doc = await task.promise;
  try {
    const pages: PdfText['pages'] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      const items = content.items.filter((i): i is Extract<typeof i, { str: string }> => 'str' in i && i.str.trim() !== '');
      const rows: { y: number; cells: { x: number; end: number; size: number; str: string }[] }[] = [];
      for (const i of items) {
        const y = i.transform[5];
        const row = rows.find((r) => Math.abs(r.y - y) < 3) ?? rows[rows.push({ y, cells: [] }) - 1];
        row.cells.push({ x: i.transform[4], end: i.transform[4] + i.width, size: Math.abs(i.transform[3]) || 10, str: i.str });
      }
      // Items a gap apart (a space between two fonts' runs, two cells) are joined with one space.
      const lines = rows
        .sort((a, b) => b.y - a.y)
        .map((r) =>
          r.cells
            .sort((a, b) => a.x - b.x)
            .map((c, k, all) => (k > 0 && c.x - all[k - 1].end > 0.15 * c.size ? ' ' : '') + c.str.trim())
            .join(''),
        );
      pages.push({ items: items.map((i) => i.str), lines });
    }
    const { info } = await doc.getMetadata();
    return { pages, lines: pages.flatMap((p) => p.lines), text: pages.flatMap((p) => p.lines).join('\n'), items: pages.flatMap((p) => p.items), info: info as Record<string, unknown> };
  } finally {
    await task.destroy();
  }
}
