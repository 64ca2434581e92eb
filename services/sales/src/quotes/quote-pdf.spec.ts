import { checkStructure, infoEntry, pageCount, parsePdf, textRuns } from '../../test/pdf-inspect';
import { pdfText, renderQuotePdf, type QuotePdfInput, type QuoteViewLine } from './quote-pdf';

const line = (no: number, over: Partial<QuoteViewLine> = {}): QuoteViewLine => ({
  no, description: `Item ${no}`, sku: null, quantity: '1', unitPrice: '10.00', discountPercent: null, discount: '0.00', taxRate: '19', net: '10.00', tax: '1.90', gross: '11.90', ...over,
});

// Figures as the quotes service stores them (3 × 19.99 at 19 %, 2 × 4.99 at 7 %, 100.00 at 0 % less 10 %).
const QUOTE: QuotePdfInput = {
  number: 'Q-000042',
  date: '2024-03-05',
  createdAt: new Date('2024-03-05T09:30:00.123Z'),
  validUntil: '2024-04-04',
  notes: 'Thank you for your business.\nPayment within 14 days.',
  currency: 'EUR',
  pricesIncludeTax: false,
  seller: 'tenant-acme',
  customer: { name: 'Ada Lovelace', email: 'ada@example.com' },
  lines: [
    line(1, { description: 'Licence', sku: 'LIC', quantity: '3', unitPrice: '19.99', net: '59.97', tax: '11.39', gross: '71.36' }),
    line(2, { description: 'Manual', sku: 'BOOK', quantity: '2', unitPrice: '4.99', taxRate: '7', net: '9.98', tax: '0.70', gross: '10.68' }),
    line(3, { description: 'Setup', quantity: '1', unitPrice: '100.00', discountPercent: '10', discount: '10.00', taxRate: '0', net: '90.00', tax: '0.00', gross: '90.00' }),
  ],
  subtotal: '159.95',
  taxes: [
    { rate: '0', net: '90.00', tax: '0.00' },
    { rate: '7', net: '9.98', tax: '0.70' },
    { rate: '19', net: '59.97', tax: '11.39' },
  ],
  discountTotal: '10.00',
  taxTotal: '12.09',
  total: '172.04',
};

describe('renderQuotePdf', () => {
  it('writes a well-formed PDF with the quote metadata and every figure as its exact string', async () => {
    const buf = await renderQuotePdf(QUOTE, { compress: false });
    const pdf = parsePdf(buf);
    checkStructure(pdf);
    expect(buf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(buf.toString('latin1')).toMatch(/%%EOF\n?$/);
    expect(infoEntry(pdf, 'Title')).toBe('Quote Q-000042');
    expect(infoEntry(pdf, 'Author')).toBe('CRM');
    expect(infoEntry(pdf, 'Creator')).toBe('CRM');
    expect(infoEntry(pdf, 'CreationDate')).toBe('D:20240305093000Z');
    expect(pageCount(pdf)).toBe(1);
    expect(buf.toString('latin1')).not.toContain('/FlateDecode');
    expect(buf.toString('latin1')).toContain('/BaseFont /Helvetica');
    expect(buf.toString('latin1')).not.toMatch(/\/FontFile|\/Subtype \/(TrueType|Type0)/); // standard fonts only, nothing embedded

    const runs = textRuns(pdf);
    expect(runs).toEqual(expect.arrayContaining([
      'Quote Q-000042', 'tenant-acme', 'Ada Lovelace', 'ada@example.com', '2024-03-05', '2024-04-04', 'EUR', 'exclude tax',
      'Licence', 'SKU LIC', 'Setup', 'discount 10%', '19.99', '59.97', '11.39', '71.36', '4.99', '9.98', '0.70', '10.68', '100.00', '10.00', '90.00',
      'Subtotal (net)', '159.95 EUR', 'Discounts (included above)', '10.00 EUR', 'Tax 0% on 90.00', '0.00 EUR', 'Tax 7% on 9.98', '0.70 EUR', 'Tax 19% on 59.97', '11.39 EUR',
      'Tax total', '12.09 EUR', 'Total', '172.04 EUR', 'Thank you for your business.', 'Payment within 14 days.', 'Quote Q-000042 · page 1 of 1',
    ]));
    // The totals are printed as given, never re-added (172.04 is not the sum of the lines: the renderer must not care).
    expect(runs.join('\n')).not.toContain('172.10');
    expect(runs.find((r) => /include|exclude/.test(r) && r.startsWith('Prices are'))).toBe(
      'Prices are in EUR and exclude tax: tax is added to each line\'s net amount at the line\'s rate.',
    );
  });

  it('is byte-for-byte reproducible, and compression only changes the encoding of the same drawing', async () => {
    const a = await renderQuotePdf(QUOTE);
    const b = await renderQuotePdf(QUOTE);
    expect(a.equals(b)).toBe(true);
    expect(a.toString('latin1')).toContain('/FlateDecode');
    const plain = await renderQuotePdf(QUOTE, { compress: false });
    expect(a.length).toBeLessThan(plain.length);
    expect(textRuns(parsePdf(a))).toEqual(textRuns(parsePdf(plain)));
    checkStructure(parsePdf(a));
  });

  it('says when prices include tax and leaves out an absent discount, validity and notes', async () => {
    const runs = textRuns(parsePdf(await renderQuotePdf({ ...QUOTE, pricesIncludeTax: true, discountTotal: '0.00', validUntil: null, notes: null, customer: { name: 'Bob', email: null } }, { compress: false })));
    expect(runs).toContain('include tax');
    expect(runs.some((r) => r.startsWith('Prices are in EUR and include tax'))).toBe(true);
    expect(runs).not.toContain('Discounts (included above)');
    expect(runs).not.toContain('Valid until');
    expect(runs).not.toContain('Notes');
  });

  it('breaks long quotes over pages, repeating the table header, with every line and the page count', async () => {
    const lines = Array.from({ length: 120 }, (_, i) => line(i + 1, { gross: `${1000 + i}.01` }));
    const pdf = parsePdf(await renderQuotePdf({ ...QUOTE, lines }, { compress: false }));
    checkStructure(pdf);
    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThan(2);
    const runs = textRuns(pdf);
    for (const l of lines) expect(runs).toContain(l.gross);
    expect(runs.filter((r) => r === 'Unit price')).toHaveLength(pages);
    expect(runs).toContain(`Quote Q-000042 · page ${pages} of ${pages}`);
  });

  it('keeps a very long amount on one line (smaller type) rather than wrapping or cutting it', async () => {
    const huge = '123456789012345678.99';
    const runs = textRuns(parsePdf(await renderQuotePdf({ ...QUOTE, lines: [line(1, { net: huge, gross: huge })], total: huge, subtotal: huge }, { compress: false })));
    expect(runs.filter((r) => r === huge)).toHaveLength(2);
    expect(runs).toContain(`${huge} EUR`);
  });

  it('draws text outside the standard fonts’ character set as the nearest Latin letter or ?', async () => {
    expect(pdfText('Łódź — Zürich · 5 €')).toBe('?ódz — Zürich · 5 €');
    expect(pdfText('Ада 😀 a\tb\u0000c')).toBe('??? ? a b c');
    expect(pdfText('one\r\ntwo', true)).toBe('one\ntwo');
    expect(pdfText('one\ntwo')).toBe('one two');
    const buf = await renderQuotePdf({ ...QUOTE, customer: { name: 'Анна Łódź', email: null }, lines: [line(1, { description: '中文 Crème brûlée' })] }, { compress: false });
    const runs = textRuns(parsePdf(buf));
    expect(runs).toEqual(expect.arrayContaining(['???? ?ódz', '?? Crème brûlée']));
    // Every hex string pdfkit wrote for the text is whole bytes (no malformed glyph codes).
    for (const m of buf.toString('latin1').matchAll(/<([0-9a-f]*)>/g)) expect(m[1].length % 2).toBe(0);
  });
});
