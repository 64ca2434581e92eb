import { issuerWithoutProfile, resolveIssuer, type DocumentIssuer } from '@crm/documents';
import { extractPdfText } from '@crm/documents/test/pdf-text';
import { checkStructure, infoEntry, pageCount, parsePdf } from '../../test/pdf-inspect';
import { renderQuotePdf, type QuotePdfInput } from './quote-pdf';
import { quoteView, type QuoteFacts, type QuoteFactsLine } from './quote-view';
import { DEFAULT_QUOTE_TEMPLATE, renderTemplate } from './template';

// pdf.js gives the no-break spaces Intl writes (1.234,50\u00a0€) back as plain spaces.
const NBSP = ' ';

const line = (no: number, over: Partial<QuoteFactsLine> = {}): QuoteFactsLine => ({
  no, description: `Item ${no}`, sku: null, quantity: '1', unitPrice: '10.00', discountPercent: null, discount: '0.00', taxRate: '19', net: '10.00', tax: '1.90', gross: '11.90', ...over,
});

// Figures as the quotes service stores them (3 × 19.99 at 19 %, 2 × 4.99 at 7 %, 100.00 at 0 % less 10 %).
const FACTS: QuoteFacts = {
  number: 'Q-000042',
  createdAt: new Date('2024-03-05T23:30:00.123Z'), // already 6 March in Berlin
  validUntil: '2024-04-04',
  notes: 'Thank you for your business.\nPayment within 14 days.',
  currency: 'EUR',
  pricesIncludeTax: false,
  customer: { name: 'Ada Lovelace', email: 'ada@example.com' },
  lines: [
    line(1, { description: 'Licence', sku: 'LIC', quantity: '3', unitPrice: '19.99', net: '59.97', tax: '11.39', gross: '71.36' }),
    line(2, { description: 'Manual', sku: 'BOOK', quantity: '2', unitPrice: '4.99', taxRate: '7', net: '9.98', tax: '0.70', gross: '10.68' }),
    line(3, { description: 'Setup', quantity: '1', unitPrice: '1000.00', discountPercent: '12.5', discount: '125.00', taxRate: '0', net: '875.00', tax: '0.00', gross: '875.00' }),
  ],
  subtotal: '944.95',
  taxes: [
    { rate: '0', net: '875.00', tax: '0.00' },
    { rate: '7', net: '9.98', tax: '0.70' },
    { rate: '19', net: '59.97', tax: '11.39' },
  ],
  discountTotal: '125.00',
  taxTotal: '12.09',
  total: '957.04',
};

const ACME: DocumentIssuer = {
  legalName: 'ACME Maschinenbau GmbH', addressLines: ['Hauptstraße 1', '10115 Berlin', 'Deutschland'], vatId: 'DE123456789', logo: null,
  locale: 'de-DE', timeZone: 'Europe/Berlin', currency: 'EUR',
};

const input = (facts: QuoteFacts, issuer: DocumentIssuer | null = ACME): QuotePdfInput => ({ ...quoteView(facts, resolveIssuer(issuer, 'tenant-acme')), createdAt: facts.createdAt });
const textOf = async (buf: Buffer) => extractPdfText(buf);

describe('renderQuotePdf', () => {
  it('writes a well-formed PDF with the metadata, the issuer’s From block and every figure in the issuer’s locale', async () => {
    const buf = await renderQuotePdf(input(FACTS), { compress: false });
    const pdf = parsePdf(buf);
    checkStructure(pdf);
    expect(buf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(buf.toString('latin1')).toMatch(/%%EOF\n?$/);
    expect(infoEntry(pdf, 'Title')).toBe('Quote Q-000042');
    expect(infoEntry(pdf, 'Creator')).toBe('CRM');
    expect(infoEntry(pdf, 'CreationDate')).toBe('D:20240305233000Z');
    expect(pageCount(pdf)).toBe(1);
    expect(buf.toString('latin1')).not.toContain('/FlateDecode');
    expect(buf.toString('latin1')).not.toContain('/BaseFont /Helvetica'); // Noto Sans, embedded
    expect(buf.toString('latin1')).toMatch(/\/FontFile2/);

    const { items, lines, info } = await textOf(buf);
    expect(info.Author).toBe('ACME Maschinenbau GmbH');
    expect(items).toEqual(expect.arrayContaining([
      'Quote Q-000042', 'From', 'ACME Maschinenbau GmbH', 'Hauptstraße 1', '10115 Berlin', 'Deutschland', 'VAT ID DE123456789', 'For', 'Ada Lovelace', 'ada@example.com',
      '6. März 2024', '4. April 2024', 'EUR', 'exclude tax',
      'Licence', 'SKU LIC', 'Setup', `discount 12,5${NBSP}%`, '19,99', '59,97', '11,39', '71,36', '4,99', '9,98', '0,70', '10,68', '1.000,00', '125,00', '875,00', `19${NBSP}%`, `7${NBSP}%`,
      'Subtotal (net)', `944,95${NBSP}€`, 'Discounts (included above)', `125,00${NBSP}€`, `Tax 0${NBSP}% on 875,00${NBSP}€`, `0,00${NBSP}€`, `Tax 7${NBSP}% on 9,98${NBSP}€`, `0,70${NBSP}€`,
      `Tax 19${NBSP}% on 59,97${NBSP}€`, `11,39${NBSP}€`, 'Tax total', `12,09${NBSP}€`, 'Total', `957,04${NBSP}€`, 'Thank you for your business.', 'Payment within 14 days.', 'Quote Q-000042 · page 1 of 1',
    ]));
    expect(items.join('\n')).not.toContain('Company profile not set');
    // The totals are printed as given, never re-added (957.04 is not the sum of the lines: the renderer must not care).
    expect(items.join('\n')).not.toContain('957,10');
    expect(lines).toContain('Prices are in EUR and exclude tax: tax is added to each line\'s net amount at the line\'s rate.');
  });

  it('writes figures and dates per locale: fr-FR in Paris, en-US in Los Angeles (the day before Berlin’s)', async () => {
    const fr = (await textOf(await renderQuotePdf(input(FACTS, { ...ACME, locale: 'fr-FR', timeZone: 'Europe/Paris' }), { compress: false }))).items;
    expect(fr).toEqual(expect.arrayContaining(['6 mars 2024', '4 avril 2024', `957,04${NBSP}€`, '1 000,00', `Tax 19${NBSP}% on 59,97${NBSP}€`]));
    const us = (await textOf(await renderQuotePdf(input(FACTS, { ...ACME, locale: 'en-US', timeZone: 'America/Los_Angeles' }), { compress: false }))).items;
    expect(us).toEqual(expect.arrayContaining(['March 5, 2024', 'April 4, 2024', '€957.04', '1,000.00', 'Tax 19% on €59.97', 'discount 12.5%']));
  });

  it('names the tenant and asks the admin for the company profile while there is none', async () => {
    const { items } = await textOf(await renderQuotePdf(input(FACTS, null), { compress: false }));
    expect(items).toEqual(expect.arrayContaining(['tenant-acme', 'March 5, 2024', '€957.04']));
    expect(items.join(' ')).toContain('Company profile not set yet: an admin enters the legal name, address and VAT ID in the tenant profile.');
  });

  it('prints the tenant’s and the contact’s names in Cyrillic, Greek and CJK exactly as written', async () => {
    const issuer = { ...ACME, legalName: 'ООО «Ромашка» 株式会社さくら', addressLines: ['Οδός Αιόλου 12', '東京都千代田区'] };
    const facts = { ...FACTS, customer: { name: 'Дмитрий Σωκράτης 李小龍', email: 'дмитрий@пример.рф' }, lines: [line(1, { description: '中文 Crème brûlée — Łódź' })] };
    const buf = await renderQuotePdf(input(facts, issuer), { compress: false });
    checkStructure(parsePdf(buf));
    expect(buf.toString('latin1')).toMatch(/\/FontFile3/); // the CJK font (CFF), embedded as a subset
    const { lines } = await textOf(buf);
    for (const text of ['ООО «Ромашка» 株式会社さくら', 'Οδός Αιόλου 12', '東京都千代田区', 'Дмитрий Σωκράτης 李小龍', 'дмитрий@пример.рф', '中文 Crème brûlée — Łódź']) {
      expect(lines.some((l) => l.includes(text))).toBe(true);
    }
    expect(lines.join('\n')).not.toContain('?');
  });

  it('is byte-for-byte reproducible, and compression only changes the encoding of the same drawing', async () => {
    const a = await renderQuotePdf(input(FACTS));
    const b = await renderQuotePdf(input(FACTS));
    expect(a.equals(b)).toBe(true);
    expect(a.toString('latin1')).toContain('/FlateDecode');
    const plain = await renderQuotePdf(input(FACTS), { compress: false });
    expect(a.length).toBeLessThan(plain.length);
    expect((await textOf(a)).items).toEqual((await textOf(plain)).items);
    checkStructure(parsePdf(a));
  });

  it('says when prices include tax and leaves out an absent discount, validity and notes', async () => {
    const { items } = await textOf(await renderQuotePdf(input({ ...FACTS, pricesIncludeTax: true, discountTotal: '0.00', validUntil: null, notes: null, customer: { name: 'Bob', email: null } }), { compress: false }));
    expect(items).toContain('include tax');
    expect(items.some((r) => r.startsWith('Prices are in EUR and include tax'))).toBe(true);
    expect(items).not.toContain('Discounts (included above)');
    expect(items).not.toContain('Valid until');
    expect(items).not.toContain('Notes');
  });

  it('breaks long quotes over pages, repeating the table header, with every line and the page count', async () => {
    const lines = Array.from({ length: 120 }, (_, i) => line(i + 1, { gross: `${1000 + i}.01` }));
    const buf = await renderQuotePdf(input({ ...FACTS, lines }), { compress: false });
    const pdf = parsePdf(buf);
    checkStructure(pdf);
    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThan(2);
    const { items } = await textOf(buf);
    for (const l of lines) expect(items).toContain(`${l.gross.slice(0, 1)}.${l.gross.slice(1).replace('.', ',')}`);
    // Every page with lines repeats the table header (the totals may start a page of their own).
    const { pages: perPage } = await textOf(buf);
    const withLines = perPage.filter((p) => lines.some((l) => p.items.includes(`${l.gross.slice(0, 1)}.${l.gross.slice(1).replace('.', ',')}`)));
    expect(withLines.length).toBeGreaterThanOrEqual(pages - 1);
    for (const p of withLines) expect(p.items.filter((r) => r === 'Unit price')).toHaveLength(1);
    expect(items).toContain(`Quote Q-000042 · page ${pages} of ${pages}`);
  });

  it('keeps a very long amount on one line (smaller type) rather than wrapping or cutting it', async () => {
    const huge = '123456789012345678.99';
    const { items } = await textOf(await renderQuotePdf(input({ ...FACTS, lines: [line(1, { net: huge, gross: huge })], total: huge, subtotal: huge }), { compress: false }));
    expect(items.filter((r) => r === '123.456.789.012.345.678,99')).toHaveLength(2);
    expect(items).toContain(`123.456.789.012.345.678,99${NBSP}€`);
  });
});

describe('the default HTML quote template', () => {
  it('shows the From block and the figures in the issuer’s locale, the data escaped', () => {
    const html = renderTemplate(DEFAULT_QUOTE_TEMPLATE, quoteView({ ...FACTS, customer: { name: 'Ada <Lovelace>', email: null } }, resolveIssuer(ACME, 't')) as unknown as Record<string, unknown>);
    expect(html).toContain('<html lang="de-DE">');
    expect(html).toContain('<strong>ACME Maschinenbau GmbH</strong><br>Hauptstraße 1<br>10115 Berlin<br>Deutschland<br>VAT ID DE123456789</td>');
    expect(html).toContain('<strong>Ada &lt;Lovelace&gt;</strong>');
    expect(html).toContain('Date: 6. März 2024 · valid until 4. April 2024');
    expect(html).toContain(`<td>Tax 19\u00a0% on 59,97\u00a0€</td><td class="n">11,39\u00a0€</td>`);
    expect(html).toContain(`<strong>957,04\u00a0€</strong>`);
    const none = renderTemplate(DEFAULT_QUOTE_TEMPLATE, quoteView(FACTS, issuerWithoutProfile('tenant-acme')) as unknown as Record<string, unknown>);
    expect(none).toContain('<strong>tenant-acme</strong><br><small>Company profile not set yet');
    expect(none).toContain('<strong>€957.04</strong>');
  });
});
