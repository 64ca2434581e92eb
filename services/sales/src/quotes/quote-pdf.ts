import { DocumentText, renderPdf } from '@crm/documents';
import type { QuoteView, QuoteViewLine } from './quote-view';

/**
 * A quote as a PDF, drawn with pdfkit from the same view the HTML document is rendered from. Offline
 * by construction: the Noto fonts come from npm packages and are embedded as subsets (names in Latin,
 * Greek, Cyrillic and CJK scripts print as written), no network. Figures are the quote's stored
 * decimal strings written in the issuer's locale; nothing here does arithmetic on money. The output is
 * deterministic for a given quote (CreationDate is the quote's creation time, and the file id derives
 * from the metadata).
 */

export interface QuotePdfInput extends QuoteView {
  /** Becomes the PDF's CreationDate, which keeps the output byte-for-byte reproducible */
  createdAt: Date;
}

export interface QuotePdfOptions {
  /** Flate-compress the content streams (default true; false leaves the drawing operators readable) */
  compress?: boolean;
}

const PAGE = { size: 'A4', margin: 40 } as const;
const FOOTER_SPACE = 24;
const GREY = '#555555';
const RULE = '#cccccc';

interface Column {
  label: string;
  width: number;
  value: (l: QuoteViewLine) => string;
}

const FIXED_COLUMNS: Column[] = [
  { label: 'Qty', width: 42, value: (l) => l.formatted.quantity },
  { label: 'Unit price', width: 58, value: (l) => l.formatted.unitPrice },
  { label: 'Discount', width: 52, value: (l) => l.formatted.discount },
  { label: 'Tax %', width: 34, value: (l) => l.formatted.taxRate },
  { label: 'Net', width: 58, value: (l) => l.formatted.net },
  { label: 'Tax', width: 52, value: (l) => l.formatted.tax },
  { label: 'Total', width: 62, value: (l) => l.formatted.gross },
];
const GAP = 4;
const TABLE_SIZE = 8;

/** Renders the quote as a PDF (A4, Noto Sans with CJK fallback). */
export function renderQuotePdf(q: QuotePdfInput, options: QuotePdfOptions = {}): Promise<Buffer> {
  return renderPdf(
    {
      size: PAGE.size,
      margins: { top: PAGE.margin, left: PAGE.margin, right: PAGE.margin, bottom: PAGE.margin + FOOTER_SPACE }, // the footer lives in the bottom margin
      compress: options.compress ?? true,
      bufferPages: true,
      lang: q.issuer.locale,
      info: { Title: `Quote ${q.number}`, Author: q.issuer.legalName, Creator: 'CRM', Subject: `Quote ${q.number} for ${q.customer.name}`, CreationDate: q.createdAt },
    },
    (doc) => draw(doc, new DocumentText(doc), q),
  );
}

function draw(doc: PDFKit.PDFDocument, t: DocumentText, q: QuotePdfInput) {
  const left = PAGE.margin;
  const width = doc.page.width - 2 * PAGE.margin;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  let y = PAGE.margin;

  // Heading (and the issuer's logo at the right) and parties.
  if (q.issuer.logo) doc.image(q.issuer.logo, left + width - 140, y, { fit: [140, 40], align: 'right' });
  doc.fillColor('black');
  t.line(`Quote ${q.number}`, left, y, { weight: 'bold', size: 20 });
  y += q.issuer.logo ? 48 : 34;
  const colW = (width - 20) / 2;
  const block = (x: number, title: string, rows: string[], note: string | null) => {
    let by = y;
    doc.fillColor(GREY);
    t.line(title, x, by, { weight: 'bold', size: 9 });
    by += 13;
    doc.fillColor('black');
    rows.forEach((r, i) => {
      t.flow(r, x, by, { width: colW, size: 10, weight: i === 0 ? 'bold' : 'regular' });
      by = doc.y + 1;
    });
    if (note) {
      doc.fillColor(GREY);
      t.flow(note, x, by, { width: colW, size: 7 });
      by = doc.y + 1;
      doc.fillColor('black');
    }
    return by;
  };
  const from = block(left, 'From', [q.issuer.legalName, ...q.issuer.lines], q.issuer.note);
  const to = block(left + colW + 20, 'For', [q.customer.name, ...(q.customer.email ? [q.customer.email] : [])], null);
  y = Math.max(from, to) + 8;
  const facts: [string, string][] = [
    ['Date', q.formatted.date],
    ...(q.formatted.validUntil ? ([['Valid until', q.formatted.validUntil]] as [string, string][]) : []),
    ['Currency', q.currency],
    ['Prices', q.pricesIncludeTax ? 'include tax' : 'exclude tax'],
  ];
  for (const [k, v] of facts) {
    doc.fillColor(GREY);
    t.line(k, left, y, { weight: 'bold', size: 9 });
    doc.fillColor('black');
    t.line(v, left + 70, y - 1, { size: 10 });
    y += 14;
  }
  y += 10;

  // Lines.
  const fixed = FIXED_COLUMNS.reduce((s, c) => s + c.width + GAP, 0);
  const noW = 18;
  const descW = width - noW - GAP - fixed;
  const header = () => {
    doc.fillColor(GREY);
    let x = left;
    t.line('#', x, y, { weight: 'bold', size: TABLE_SIZE });
    x += noW + GAP;
    t.line('Description', x, y, { weight: 'bold', size: TABLE_SIZE });
    x += descW + GAP;
    for (const c of FIXED_COLUMNS) {
      t.line(c.label, x, y, { weight: 'bold', size: TABLE_SIZE, width: c.width, align: 'right' });
      x += c.width + GAP;
    }
    y += 12;
    rule(doc, left, y - 3, width);
    doc.fillColor('black');
  };
  header();
  for (const l of q.lines) {
    const extra = [l.sku ? `SKU ${l.sku}` : null, l.formatted.discountPercent != null ? `discount ${l.formatted.discountPercent}` : null].filter(Boolean).join(' · ');
    const descH = t.height(l.description, { width: descW, size: TABLE_SIZE });
    const extraH = extra ? t.height(extra, { width: descW, size: TABLE_SIZE - 1 }) : 0;
    const h = Math.max(descH + extraH, 10) + 5;
    if (y + h > bottom()) {
      doc.addPage();
      y = PAGE.margin;
      header();
    }
    let x = left;
    doc.fillColor('black');
    t.line(String(l.no), x, y, { size: TABLE_SIZE });
    x += noW + GAP;
    t.flow(l.description, x, y, { width: descW, size: TABLE_SIZE });
    if (extra) {
      doc.fillColor(GREY);
      t.flow(extra, x, y + descH, { width: descW, size: TABLE_SIZE - 1 });
      doc.fillColor('black');
    }
    x += descW + GAP;
    for (const c of FIXED_COLUMNS) {
      cell(t, c.value(l), x, y, c.width, 'regular', TABLE_SIZE);
      x += c.width + GAP;
    }
    y += h;
    rule(doc, left, y - 3, width);
  }

  // Totals: the stored figures, never re-computed here.
  const rows: { label: string; amount: string; bold?: boolean }[] = [
    { label: 'Subtotal (net)', amount: q.formatted.subtotal },
    ...(isZero(q.discountTotal) ? [] : [{ label: 'Discounts (included above)', amount: q.formatted.discountTotal }]),
    ...q.formatted.taxes.map((x) => ({ label: `Tax ${x.rate} on ${x.net}`, amount: x.tax })),
    { label: 'Tax total', amount: q.formatted.taxTotal },
    { label: 'Total', amount: q.formatted.total, bold: true },
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
    const weight = r.bold ? 'bold' : 'regular';
    const size = r.bold ? 11 : 9;
    if (r.bold) rule(doc, tx, y - 2, labelW + amountW);
    doc.fillColor('black');
    cell(t, r.label, tx, y, labelW, weight, size, 'left');
    cell(t, r.amount, tx + labelW, y, amountW, weight, size);
    y += r.bold ? 16 : 13;
  }
  y += 8;
  doc.fillColor(GREY);
  const note = q.pricesIncludeTax
    ? `Prices are in ${q.currency} and include tax: each line's net and tax are derived from its gross amount at the line's rate.`
    : `Prices are in ${q.currency} and exclude tax: tax is added to each line's net amount at the line's rate.`;
  t.flow(note, left, y, { width, size: 8 });
  y = doc.y + 8;

  if (q.notes) {
    // Notes flow onto further pages as pdfkit wraps them (they can be long); start on a new page if barely any room is left.
    if (y + 30 > bottom()) {
      doc.addPage();
      y = PAGE.margin;
    }
    doc.fillColor(GREY);
    t.line('Notes', left, y, { weight: 'bold', size: 9 });
    doc.fillColor('black');
    t.flow(q.notes, left, y + 13, { width, size: 9 });
  }

  // Footer on every page (written last, so "of N" is known).
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const savedBottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // text below the bottom margin would otherwise open a new page
    doc.fillColor(GREY);
    t.line(`Quote ${q.number} · page ${i - range.start + 1} of ${range.count}`, left, doc.page.height - PAGE.margin - 10, { size: 8, width, align: 'right' });
    doc.page.margins.bottom = savedBottom;
  }
}

/** One line of text in a cell; shrinks the type until it fits, so an amount is never wrapped or cut. */
function cell(t: DocumentText, text: string, x: number, y: number, width: number, weight: 'regular' | 'bold', size: number, align: 'left' | 'right' = 'right') {
  let s = size;
  while (s > 4 && t.width(text, weight, s) > width) s -= 0.5;
  t.line(text, x, y + (size - s) / 2, { width, align, weight, size: s });
}

function rule(doc: PDFKit.PDFDocument, x: number, y: number, width: number) {
  doc.save().moveTo(x, y).lineTo(x + width, y).lineWidth(0.5).strokeColor(RULE).stroke().restore();
}

/** "0", "0.00", "-0.000" (a decimal string, compared as text). */
const isZero = (amount: string) => /^-?0+(\.0+)?$/.test(amount);
