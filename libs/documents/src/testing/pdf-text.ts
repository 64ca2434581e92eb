import { pathToFileURL } from 'node:url';

/**
 * The text of a PDF as a reader extracts it (pdf.js, the engine of Firefox's viewer): per page, the
 * text items in drawing order, and lines (items at the same height joined, left to right). It reads
 * the fonts' ToUnicode maps, so it proves that a name in any script comes back out as written.
 */
export interface PdfText {
  pages: { items: string[]; lines: string[] }[];
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
      const items = content.items.filter((i): i is Extract<typeof i, { str: string }> => 'str' in i && i.str !== '');
      const rows = new Map<number, { x: number; str: string }[]>();
      for (const i of items) {
        const y = Math.round(i.transform[5]);
        const row = rows.get(y) ?? rows.set(y, []).get(y)!;
        row.push({ x: i.transform[4], str: i.str });
      }
      const lines = [...rows.entries()].sort((a, b) => b[0] - a[0]).map(([, row]) => row.sort((a, b) => a.x - b.x).map((r) => r.str).join(''));
      pages.push({ items: items.map((i) => i.str), lines });
    }
    const { info } = await doc.getMetadata();
    return { pages, text: pages.flatMap((p) => p.lines).join('\n'), items: pages.flatMap((p) => p.items), info: info as Record<string, unknown> };
  } finally {
    await task.destroy();
  }
}
