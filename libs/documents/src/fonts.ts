import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fonts as latinFonts } from '@embedpdf/fonts-latin';
import { fonts as cjkFonts } from '@embedpdf/fonts-sc';
import type * as Fontkit from 'fontkit';

/**
 * The fonts every PDF of the CRM embeds (pdfkit writes only the glyphs a document uses, as a subset):
 * Noto Sans for Latin, Greek and Cyrillic, Noto Sans CJK SC ("Noto Sans Hans", GB 2312 and beyond:
 * Chinese, the Kanji most Japanese names use, Hiragana and Katakana) for what Noto Sans lacks. A string
 * is split into runs, each drawn in the first font of the chain that has its characters, so a name in
 * any of those scripts prints as written. Not covered: Hangul, Arabic, Hebrew and the Indic scripts
 * (they would print as empty boxes); pdfkit also has no bidirectional layout, so right-to-left text
 * would print in the wrong order even with a font for it.
 */
export type Weight = 'regular' | 'bold';

interface Face {
  readonly name: string;
  readonly file: string;
}

// The font packages export their file list (an "exports" map hides the files themselves, which lie beside it).
type FontFile = { file: string; weight: number; italic?: boolean };
function fontFile(pkg: string, files: FontFile[], weight: number): string {
  const f = files.find((x) => x.weight === weight && !x.italic);
  if (!f) throw new Error(`${pkg} has no upright font of weight ${weight}`);
  return join(dirname(require.resolve(pkg)), '..', 'fonts', f.file);
}

/** Per weight, the fallback chain: the first font is the primary one (its metrics set the baseline). */
const CHAINS: Record<Weight, Face[]> = {
  regular: [
    { name: 'crm-noto-sans', file: fontFile('@embedpdf/fonts-latin', latinFonts, 400) },
    { name: 'crm-noto-sans-cjk', file: fontFile('@embedpdf/fonts-sc', cjkFonts, 400) },
  ],
  bold: [
    { name: 'crm-noto-sans-bold', file: fontFile('@embedpdf/fonts-latin', latinFonts, 700) },
    { name: 'crm-noto-sans-cjk-bold', file: fontFile('@embedpdf/fonts-sc', cjkFonts, 700) },
  ],
};

// Read and parsed once per process, on first use: the CJK files are 8 MB each and most documents never need them.
const loaded = new Map<string, { bytes: Buffer; font: Fontkit.Font }>();
function load(face: Face) {
  let f = loaded.get(face.name);
  if (!f) {
    const bytes = readFileSync(face.file);
    // Required here, like pdfkit in pdf.ts: no font parser in a process that never draws a PDF.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fontkit = require('fontkit') as typeof Fontkit;
    f = { bytes, font: fontkit.create(bytes) };
    loaded.set(face.name, f);
  }
  return f;
}

export interface TextRun {
  /** The pdfkit font name registered by DocumentText */
  font: string;
  text: string;
}

/** Splits text into runs of one font each; whitespace and characters no font has stay in the run they are in (or the primary font). */
export function fontRuns(text: string, weight: Weight = 'regular'): TextRun[] {
  const chain = CHAINS[weight];
  const runs: TextRun[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    let face: Face | undefined;
    if (!/\s/u.test(ch)) face = chain.find((f) => load(f).font.hasGlyphForCodePoint(cp));
    const last = runs[runs.length - 1];
    const name = face?.name ?? last?.font ?? chain[0].name;
    if (last && last.font === name) last.text += ch;
    else runs.push({ font: name, text: ch });
  }
  return runs;
}

/**
 * Text as a document draws it: NFC, control characters as spaces, line breaks kept only where the
 * text may wrap (`multiline`).
 */
export function documentText(s: string, multiline = false): string {
  return s
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, (c) => (c === '\n' && multiline ? c : ' '));
}

export interface LineOptions {
  weight?: Weight;
  size?: number;
  /** Right or left edge of the box the text is aligned in (default left, from x) */
  width?: number;
  align?: 'left' | 'right';
}

export interface FlowOptions {
  weight?: Weight;
  size?: number;
  width: number;
  lineGap?: number;
}

/** Draws Unicode text on a pdfkit document with the font chains above (one per document). */
export class DocumentText {
  private readonly registered = new Set<string>();

  constructor(private readonly doc: PDFKit.PDFDocument) {}

  /** Where the primary font puts the baseline below y: every run is drawn on it, so scripts of fonts with other ascenders line up. */
  private baseline(weight: Weight, size: number) {
    const { font } = load(CHAINS[weight][0]);
    return -((font.ascent / font.unitsPerEm) * size);
  }

  private use(run: TextRun, size: number) {
    if (!this.registered.has(run.font)) {
      // Registered on first use with the bytes read once per process (pdfkit would read a file path again for every document).
      const face = [...CHAINS.regular, ...CHAINS.bold].find((f) => f.name === run.font)!;
      this.doc.registerFont(face.name, load(face).bytes);
      this.registered.add(run.font);
    }
    return this.doc.font(run.font).fontSize(size);
  }

  width(text: string, weight: Weight = 'regular', size = 10): number {
    return fontRuns(documentText(text), weight).reduce((w, r) => w + this.use(r, size).widthOfString(r.text), 0);
  }

  /** One line, never wrapped (a cell, a heading): runs placed one after the other. */
  line(text: string, x: number, y: number, o: LineOptions = {}): void {
    const weight = o.weight ?? 'regular';
    const size = o.size ?? 10;
    const runs = fontRuns(documentText(text), weight);
    const widths = runs.map((r) => this.use(r, size).widthOfString(r.text));
    const total = widths.reduce((a, b) => a + b, 0);
    let cx = o.align === 'right' && o.width != null ? x + o.width - total : x;
    const baseline = this.baseline(weight, size);
    runs.forEach((r, i) => {
      this.use(r, size).text(r.text, cx, y, { lineBreak: false, baseline });
      cx += widths[i];
    });
  }

  /** Text that wraps within `width` (a description, notes, a letter's body); the document's y is below it afterwards. */
  flow(text: string, x: number, y: number, o: FlowOptions): void {
    const weight = o.weight ?? 'regular';
    const size = o.size ?? 10;
    const runs = fontRuns(documentText(text, true), weight);
    const baseline = this.baseline(weight, size);
    if (!runs.length) runs.push({ font: CHAINS[weight][0].name, text: '' });
    runs.forEach((r, i) => {
      const options = { width: o.width, lineGap: o.lineGap ?? 0, baseline, continued: i < runs.length - 1 };
      if (i === 0) this.use(r, size).text(r.text, x, y, options);
      else this.use(r, size).text(r.text, options);
    });
  }

  /** The height flow() will take. Text mixing fonts is measured in the fallback font, whose Latin metrics are close to the primary's. */
  height(text: string, o: FlowOptions): number {
    const weight = o.weight ?? 'regular';
    const t = documentText(text, true);
    const runs = fontRuns(t, weight);
    const measuring = runs.length > 1 ? { font: CHAINS[weight][1].name, text: t } : (runs[0] ?? { font: CHAINS[weight][0].name, text: t });
    return this.use(measuring, o.size ?? 10).heightOfString(t, { width: o.width, lineGap: o.lineGap ?? 0 });
  }
}

/** The font files documents embed (for the README and checks). */
export const DOCUMENT_FONT_FILES = Object.values(CHAINS).flat().map((f) => f.file);
