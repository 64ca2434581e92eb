import PDFDocument from 'pdfkit';

/**
 * A quote as a PDF, drawn with pdfkit from the same data the HTML document is rendered from. Offline
 * by construction: only the standard PDF fonts (Helvetica, metrics shipped inside pdfkit), no font
 * files, no images, no network. Amounts are printed as the exact decimal strings stored for the quote;
 * nothing here does arithmetic on money. The output is deterministic for a given quote (CreationDate is
 * the quote's creation time, and the file id derives from the metadata).
 */

/** One line of a quote as the documents show it (all amounts exact decimal strings). */
export interface QuoteViewLine {
  no: number;
  description: string;
  sku: string | null;
  quantity: string;
  unitPrice: string;
  discountPercent: string | null;
  discount: string;
  taxRate: string;
  net: string;
  tax: string;
  gross: string;
}

/** The data a quote document is rendered from: the HTML template's placeholders and the PDF alike. */
export interface QuoteView {
  number: string;
  /** YYYY-MM-DD (UTC) of creation */
  date: string;
  validUntil: string | null;
  notes: string | null;
  currency: string;
  pricesIncludeTax: boolean;
  customer: { name: string; email: string | null };
  lines: QuoteViewLine[];
  subtotal: string;
  taxes: { rate: string; net: string; tax: string }[];
  discountTotal: string;
  taxTotal: string;
  total: string;
}

export interface QuotePdfInput extends QuoteView {
  /** Who issues the quote (the tenant) */
  seller: string;
  /** Becomes the PDF's CreationDate, which keeps the output byte-for-byte reproducible */
  createdAt: Date;
}

export interface QuotePdfOptions {
  /** Flate-compress the content streams (default true; false leaves the drawing operators readable) */
  compress?: boolean;
}

// Characters the standard fonts can show: WinAnsiEncoding (ASCII, Latin-1 and these extras, as pdfkit maps them).
const WIN_ANSI_EXTRAS = new Set([0x192, 0x2013, 0x2014, 0x2018, 0x2019, 0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x20ac, 0x2030, 0x2039, 0x203a, 0x2c6, 0x2122, 0x152, 0x153, 0x2dc, 0x160, 0x161, 0x178, 0x17d, 0x17e].map((c) => String.fromCharCode(c))); // ƒ – — ‘ ’ ‚ “ ” „ † ‡ • … € ‰ ‹ › ˆ ™ Œ œ ˜ Š š Ÿ Ž ž
const encodable = (c: string) => {
  const code = c.codePointAt(0)!;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.has(c);
};

/**
 * Text the standard fonts can draw: characters outside WinAnsiEncoding lose their accents when they
 * have a Latin base letter (ł stays '?', ź becomes 'z') or become '?'; control characters become spaces
 * (line breaks are kept where `multiline`).
 */
export function pdfText(s: string, multiline = false): string {
  let out = '';
  for (const c of s.normalize('NFC')) {
    if (c === '\n' && multiline) out += c;
    else if (encodable(c)) out += c;
    else if (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(c)) out += c === '\r' ? '' : ' ';
    else {
      const base = c.normalize('NFD').replace(/\p{M}/gu, '');
      out += base && [...base].every(encodable) ? base : '?';
    }
  }
  return out;
}

const PAGE = { size: 'A4', margin: 40 } as const;
const FOOTER_SPACE = 24;
const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const GREY = '#555555';
const RULE = '#cccccc';

interface Column {
  label: string;
  width: number;
  align: 'left' | 'right';
  value: (l: QuoteViewLine) => string;
}

const FIXED_COLUMNS: Column[] = [
  { label: 'Qty', width: 42, align: 'right', value: (l) => l.quantity },
  { label: 'Unit price', width: 58, align: 'right', value: (l) => l.unitPrice },
  { label: 'Discount', width: 52, align: 'right', value: (l) => l.discount },
  { label: 'Tax %', width: 34, align: 'right', value: (l) => l.taxRate },
  { label: 'Net', width: 58, align: 'right', value: (l) => l.net },
  { label: 'Tax', width: 52, align: 'right', value: (l) => l.tax },
  { label: 'Total', width: 62, align: 'right', value: (l) => l.gross },
];
const GAP = 4;
const TABLE_SIZE = 8;

/** Renders the quote as a PDF (A4, Helvetica). */
export function renderQuotePdf(q: QuotePdfInput, options: QuotePdfOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: PAGE.size,
    margins: { top: PAGE.margin, left: PAGE.margin, right: PAGE.margin, bottom: PAGE.margin + FOOTER_SPACE }, // the footer lives in the bottom margin
    compress: options.compress ?? true,
    bufferPages: true,
    font: REGULAR,
    info: { Title: `Quote ${q.number}`, Author: 'CRM', Creator: 'CRM', Subject: `Quote ${q.number} for ${q.customer.name}`, CreationDate: q.createdAt },
  });
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  try {
    draw(doc, q);
    doc.end();
  } catch (e) {
    doc.destroy();
    return Promise.reject(e);
  }
  return done;
}

function draw(doc: PDFKit.PDFDocument, q: QuotePdfInput) {
  const left = PAGE.margin;
  const width = doc.page.width - 2 * PAGE.margin;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  let y = PAGE.margin;

  // Heading and parties.
  doc.font(BOLD).fontSize(20).fillColor('black').text(pdfText(`Quote ${q.number}`), left, y, { width, lineBreak: false });
  y += 34;
  const colW = (width - 20) / 2;
  const block = (x: number, title: string, rows: string[]) => {
    let by = y;
    doc.font(BOLD).fontSize(9).fillColor(GREY).text(title, x, by, { width: colW });
    by += 13;
    doc.font(REGULAR).fontSize(10).fillColor('black');
    for (const r of rows) {
      doc.text(pdfText(r), x, by, { width: colW });
      by = doc.y + 1;
    }
    return by;
  };
  const from = block(left, 'From', [q.seller]);
  const to = block(left + colW + 20, 'For', [q.customer.name, ...(q.customer.email ? [q.customer.email] : [])]);
  y = Math.max(from, to) + 8;
  const facts: [string, string][] = [
    ['Date', q.date],
    ...(q.validUntil ? ([['Valid until', q.validUntil]] as [string, string][]) : []),
    ['Currency', q.currency],
    ['Prices', q.pricesIncludeTax ? 'include tax' : 'exclude tax'],
  ];
  for (const [k, v] of facts) {
    doc.font(BOLD).fontSize(9).fillColor(GREY).text(k, left, y, { width: 70, lineBreak: false });
    doc.font(REGULAR).fontSize(10).fillColor('black').text(pdfText(v), left + 70, y - 1, { width: width - 70, lineBreak: false });
    y += 14;
  }
  y += 10;

  // Lines.
  const fixed = FIXED_COLUMNS.reduce((s, c) => s + c.width + GAP, 0);
  const noW = 18;
  const descW = width - noW - GAP - fixed;
  const header = () => {
    doc.font(BOLD).fontSize(TABLE_SIZE).fillColor(GREY);
    let x = left;
    doc.text('#', x, y, { width: noW, lineBreak: false });
    x += noW + GAP;
    doc.text('Description', x, y, { width: descW, lineBreak: false });
    x += descW + GAP;
    for (const c of FIXED_COLUMNS) {
      doc.text(c.label, x, y, { width: c.width, align: c.align, lineBreak: false });
      x += c.width + GAP;
    }
    y += 12;
    rule(doc, left, y - 3, width);
    doc.fillColor('black');
  };
  header();
  for (const l of q.lines) {
    const desc = pdfText(l.description, true);
    const extra = [l.sku ? `SKU ${l.sku}` : null, l.discountPercent != null ? `discount ${l.discountPercent}%` : null].filter(Boolean).join(' · ');
    doc.font(REGULAR).fontSize(TABLE_SIZE);
    const descH = doc.heightOfString(desc, { width: descW });
    doc.fontSize(TABLE_SIZE - 1);
    const extraH = extra ? doc.heightOfString(pdfText(extra), { width: descW }) : 0;
    const h = Math.max(descH + extraH, 10) + 5;
    if (y + h > bottom()) {
      doc.addPage();
      y = PAGE.margin;
      header();
    }
    let x = left;
    doc.font(REGULAR).fontSize(TABLE_SIZE).fillColor('black');
    doc.text(String(l.no), x, y, { width: noW, lineBreak: false });
    x += noW + GAP;
    doc.text(desc, x, y, { width: descW });
    if (extra) doc.fontSize(TABLE_SIZE - 1).fillColor(GREY).text(pdfText(extra), x, y + descH, { width: descW }).fillColor('black');
    x += descW + GAP;
    for (const c of FIXED_COLUMNS) {
      cell(doc, pdfText(c.value(l)), x, y, c.width, c.align, REGULAR, TABLE_SIZE);
      x += c.width + GAP;
    }
    y += h;
    rule(doc, left, y - 3, width);
  }

  // Totals: the stored figures, never re-computed here.
  const rows: { label: string; amount: string; bold?: boolean }[] = [
    { label: 'Subtotal (net)', amount: q.subtotal },
    ...(isZero(q.discountTotal) ? [] : [{ label: 'Discounts (included above)', amount: q.discountTotal }]),
    ...q.taxes.map((t) => ({ label: `Tax ${t.rate}% on ${t.net}`, amount: t.tax })),
    { label: 'Tax total', amount: q.taxTotal },
    { label: 'Total', amount: q.total, bold: true },
  ];
  const totalsH = rows.length * 14 + 50;
  y += 6;
  if (y + totalsH > bottom()) {
    doc.addPage();
    y = PAGE.margin;
  }
  const labelW = 200;
  const amountW = 110;
  const tx = left + width - labelW - amountW;
  for (const r of rows) {
    const font = r.bold ? BOLD : REGULAR;
    const size = r.bold ? 11 : 9;
    if (r.bold) rule(doc, tx, y - 2, labelW + amountW);
    doc.font(font).fontSize(size).fillColor('black').text(pdfText(r.label), tx, y, { width: labelW, lineBreak: false, ellipsis: true });
    cell(doc, pdfText(`${r.amount} ${q.currency}`), tx + labelW, y, amountW, 'right', font, size);
    y += r.bold ? 16 : 13;
  }
  y += 8;
  doc.font(REGULAR).fontSize(8).fillColor(GREY);
  const note = q.pricesIncludeTax
    ? `Prices are in ${q.currency} and include tax: each line's net and tax are derived from its gross amount at the line's rate.`
    : `Prices are in ${q.currency} and exclude tax: tax is added to each line's net amount at the line's rate.`;
  doc.text(pdfText(note), left, y, { width });
  y = doc.y + 8;

  if (q.notes) {
    doc.font(REGULAR).fontSize(9).fillColor('black');
    const notes = pdfText(q.notes, true);
    // Notes flow onto further pages as pdfkit wraps them (they can be long); start on a new page if barely any room is left.
    if (y + 30 > bottom()) {
      doc.addPage();
      y = PAGE.margin;
    }
    doc.font(BOLD).fontSize(9).fillColor(GREY).text('Notes', left, y, { width });
    doc.font(REGULAR).fontSize(9).fillColor('black').text(notes, left, doc.y + 2, { width });
  }

  // Footer on every page (written last, so "of N" is known).
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const savedBottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // text below the bottom margin would otherwise open a new page
    doc.font(REGULAR).fontSize(8).fillColor(GREY)
      .text(pdfText(`Quote ${q.number} · page ${i - range.start + 1} of ${range.count}`), left, doc.page.height - PAGE.margin - 10, { width, align: 'right', lineBreak: false });
    doc.page.margins.bottom = savedBottom;
  }
}

/** One line of text in a cell; shrinks the font until it fits, so an amount is never wrapped or cut. */
function cell(doc: PDFKit.PDFDocument, text: string, x: number, y: number, width: number, align: 'left' | 'right', font: string, size: number) {
  let s = size;
  doc.font(font).fontSize(s);
  while (s > 4 && doc.widthOfString(text) > width) doc.fontSize((s -= 0.5));
  doc.text(text, x, y + (size - s) / 2, { width: Math.max(width, doc.widthOfString(text)), align, lineBreak: false });
  doc.fontSize(size);
}

function rule(doc: PDFKit.PDFDocument, x: number, y: number, width: number) {
  doc.save().moveTo(x, y).lineTo(x + width, y).lineWidth(0.5).strokeColor(RULE).stroke().restore();
}

/** "0", "0.00", "-0.000" (a decimal string, compared as text). */
const isZero = (amount: string) => /^-?0+(\.0+)?$/.test(amount);
