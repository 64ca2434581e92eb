import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, type Tx } from '@crm/platform';
import { formatMinor, formatPercent, fromDb, money, optionalIdField, optionalTextField, parsePercent, parseQuantity, toMinor, type Money } from '@crm/shared-kernel';
import { PriceListRepository } from '../products/price-list.repository';
import { ProductRepository } from '../products/product.repository';
import { computeLine, computeTotals, type DocumentTotals } from './document-math';
import type { DocumentFields, DocumentLine } from './document.types';

export interface BuiltLine {
  id: string;
  position: number;
  productId: string | null;
  sku: string | null;
  description: string;
  quantity: bigint;
  unitPrice: bigint;
  discountPpm: bigint | null;
  taxPpm: bigint;
  discount: bigint;
  net: bigint;
  tax: bigint;
  gross: bigint;
}

export interface BuiltDocument {
  currency: string;
  pricesIncludeTax: boolean;
  priceListId: string | null;
  lines: BuiltLine[];
  totals: DocumentTotals;
}

export const MAX_LINES = 500;

/** The structural rules of a line; amounts are parsed by parseLines (their precision depends on the currency). */
export const documentLineSchema = z.object({
  productId: optionalIdField('product id'),
  description: optionalTextField(500),
  quantity: z.string(),
  unitPrice: z.string().nullish(),
  discountPercent: z.string().nullish(),
  discountAmount: z.string().nullish(),
  taxRate: z.string().nullish(),
});
export const documentLinesSchema = z.array(documentLineSchema).min(1, 'at least one line is needed').max(MAX_LINES, `at most ${MAX_LINES} lines`);

/** A line whose numbers are parsed (exact, minor units / ppm) but not yet priced from the catalogue. */
export interface ParsedLine {
  field: string;
  productId: string | null;
  description: string | null;
  quantity: bigint;
  unitPrice: bigint | null;
  discountPpm: bigint | null;
  discountAmount: bigint | null;
  taxPpm: bigint | null;
}

/** The numbers of every line, before any transaction opens; errors name the line's field. */
export function parseLines(lines: z.output<typeof documentLinesSchema>, currency: string): ParsedLine[] {
  return lines.map((l, i) => {
    const f = `input.lines.${i}`;
    return {
      field: f,
      productId: l.productId,
      description: l.description,
      quantity: parseQuantity(l.quantity, `${f}.quantity`),
      unitPrice: l.unitPrice == null ? null : toMinor(l.unitPrice, currency, `${f}.unitPrice`),
      discountPpm: l.discountPercent == null ? null : parsePercent(l.discountPercent, `${f}.discountPercent`),
      discountAmount: l.discountAmount == null ? null : toMinor(l.discountAmount, currency, `${f}.discountAmount`),
      taxPpm: l.taxRate == null ? null : parsePercent(l.taxRate, `${f}.taxRate`),
    };
  });
}

/** Prices parsed lines from the catalogue: exact, taxed lines and totals (quotes and orders alike). */
@Injectable()
export class DocumentBuilder {
  constructor(
    private readonly products: ProductRepository,
    private readonly priceLists: PriceListRepository,
  ) {}

  async build(tx: Tx, o: { currency: string; priceListId: string | null; pricesIncludeTax: boolean; lines: ParsedLine[] }): Promise<BuiltDocument> {
    const priceListId = await this.priceListFor(tx, o.currency, o.priceListId);
    const ids = [...new Set(o.lines.map((p) => p.productId).filter((x): x is string => !!x))];
    const products = await this.products.priced(tx, o.currency, priceListId, ids);
    const lines = o.lines.map((p, i): BuiltLine => {
      const product = p.productId ? products.get(p.productId) : undefined;
      if (p.productId && !product) throw invalidField(`${p.field}.productId`, `product ${p.productId} does not exist`);
      if (product && !product.active) throw invalidField(`${p.field}.productId`, `product ${product.sku} is inactive; it cannot be put on a new quote or order`);
      const unitPrice = p.unitPrice ?? product?.unitPrice;
      if (unitPrice == null) {
        throw invalidField(`${p.field}.unitPrice`, product ? `product ${product.sku} has no ${o.currency} price in the price list; give unitPrice` : 'required for a line without a product');
      }
      const description = p.description ?? product?.name;
      if (!description) throw invalidField(`${p.field}.description`, 'required for a line without a product');
      const taxPpm = p.taxPpm ?? product?.taxRatePpm ?? 0n;
      const amounts = computeLine({ quantity: p.quantity, unitPrice, discountPpm: p.discountPpm, discountAmount: p.discountAmount, taxPpm }, o.pricesIncludeTax, p.field);
      return {
        id: randomUUID(), position: i, productId: p.productId, sku: product?.sku ?? null, description, quantity: p.quantity, unitPrice, discountPpm: p.discountPpm, taxPpm,
        discount: amounts.discount, net: amounts.net, tax: amounts.tax, gross: amounts.gross,
      };
    });
    return { currency: o.currency, pricesIncludeTax: o.pricesIncludeTax, priceListId, lines, totals: computeTotals(lines) };
  }

  /** The given price list (it must be in the document's currency), else the currency's default (or none). */
  private async priceListFor(tx: Tx, currency: string, priceListId: string | null): Promise<string | null> {
    if (!priceListId) return this.priceLists.defaultId(tx, currency);
    const list = await this.priceLists.byId(tx, priceListId);
    if (!list) throw invalidField('input.priceListId', `price list ${priceListId} does not exist`);
    if (list.currency !== currency) throw invalidField('input.priceListId', `price list ${priceListId} is in ${list.currency}, not ${currency}`);
    return list.id;
  }
}

/** The totals columns of a quote or order row. */
export interface DocumentTotalsRow {
  currency: string;
  prices_include_tax: boolean;
  subtotal: string;
  discount_total: string;
  tax_total: string;
  total: string;
  taxes: { rate: string; net: string; tax: string }[];
}

/** The select list of the totals columns (currency trimmed, amounts as exact text). */
export const TOTALS_COLUMNS = `btrim(currency) AS currency, prices_include_tax, subtotal::text AS subtotal, discount_total::text AS discount_total, tax_total::text AS tax_total, total::text AS total, taxes`;

/** The values of the totals columns, in TOTALS order: currency, prices_include_tax, subtotal, discount_total, tax_total, total, taxes. */
export function totalsValues(d: BuiltDocument): unknown[] {
  const c = d.currency;
  return [
    c, d.pricesIncludeTax, formatMinor(d.totals.subtotal, c), formatMinor(d.totals.discountTotal, c), formatMinor(d.totals.taxTotal, c), formatMinor(d.totals.total, c),
    JSON.stringify(d.totals.taxes.map((t) => ({ rate: formatPercent(t.ratePpm), net: formatMinor(t.net, c), tax: formatMinor(t.tax, c) }))),
  ];
}

/** The totals columns of a quotes/orders row as GraphQL fields. */
export function documentFieldsOf(r: DocumentTotalsRow): DocumentFields {
  const c = r.currency;
  const mo = (v: string) => money(fromDb(v, c), c);
  return {
    currency: c,
    pricesIncludeTax: r.prices_include_tax,
    subtotal: mo(r.subtotal),
    discountTotal: mo(r.discount_total),
    taxTotal: mo(r.tax_total),
    total: mo(r.total),
    taxes: r.taxes.map((t) => ({ rate: t.rate, net: mo(t.net), tax: mo(t.tax) })),
  };
}

/** Lines and totals as the events carry them. */
export function eventDocument(fields: DocumentFields, lines: DocumentLine[]) {
  const m = (x: Money) => ({ amount: x.amount, currency: x.currency });
  return {
    lines: lines.map((l) => ({
      lineId: l.id, productId: l.productId, sku: l.sku, description: l.description, quantity: l.quantity, unitPrice: m(l.unitPrice), discountPercent: l.discountPercent,
      discount: m(l.discount), taxRate: l.taxRate, net: m(l.net), tax: m(l.tax), gross: m(l.gross),
    })),
    totals: {
      pricesIncludeTax: fields.pricesIncludeTax, subtotal: m(fields.subtotal), discountTotal: m(fields.discountTotal), taxTotal: m(fields.taxTotal), total: m(fields.total),
      taxes: fields.taxes.map((t) => ({ rate: t.rate, net: m(t.net), tax: m(t.tax) })),
    },
  };
}
