import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { badUserInput } from '@crm/platform';
import { formatMinor, formatPercent, formatQuantity, fromDb, money, parsePercent, parseQuantity, toMinor } from '../common/money';
import { optionalId, optionalText } from '../common/validate';
import { ProductsService } from '../products/products.service';
import { computeLine, computeTotals, type DocumentTotals } from './document-math';
import type { DocumentFields, DocumentLine, DocumentLineInput, TaxLine } from './document.types';

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

/** Turns line inputs into exact, priced, taxed lines and totals; writes and reads them (quotes and orders alike). */
@Injectable()
export class DocumentBuilder {
  constructor(private readonly products: ProductsService) {}

  async build(m: EntityManager, tenantId: string, o: { currency: string; priceListId: string | null; pricesIncludeTax: boolean; lines: DocumentLineInput[] }): Promise<BuiltDocument> {
    if (!o.lines?.length) throw badUserInput('input.lines: at least one line is needed', { field: 'input.lines' });
    if (o.lines.length > MAX_LINES) throw badUserInput(`input.lines: at most ${MAX_LINES} lines`, { field: 'input.lines' });
    const parsed = o.lines.map((l, i) => {
      const f = `input.lines.${i}`;
      return {
        f,
        productId: optionalId(l.productId, `${f}.productId`, 'product id'),
        description: optionalText(l.description, `${f}.description`, 500),
        quantity: parseQuantity(l.quantity, `${f}.quantity`),
        unitPrice: l.unitPrice == null ? null : toMinor(l.unitPrice, o.currency, `${f}.unitPrice`),
        discountPpm: l.discountPercent == null ? null : parsePercent(l.discountPercent, `${f}.discountPercent`),
        discountAmount: l.discountAmount == null ? null : toMinor(l.discountAmount, o.currency, `${f}.discountAmount`),
        taxPpm: l.taxRate == null ? null : parsePercent(l.taxRate, `${f}.taxRate`),
      };
    });
    const { priceListId, products } = await this.products.forLines(m, tenantId, o.currency, o.priceListId, [...new Set(parsed.map((p) => p.productId).filter((x): x is string => !!x))]);
    const lines = parsed.map((p, i): BuiltLine => {
      const product = p.productId ? products.get(p.productId) : undefined;
      if (p.productId && !product) throw badUserInput(`${p.f}.productId: product ${p.productId} does not exist`, { field: `${p.f}.productId` });
      const unitPrice = p.unitPrice ?? product?.unitPrice;
      if (unitPrice == null) {
        throw badUserInput(
          product ? `${p.f}.unitPrice: product ${product.sku} has no ${o.currency} price in the price list; give unitPrice` : `${p.f}.unitPrice: required for a line without a product`,
          { field: `${p.f}.unitPrice` },
        );
      }
      const description = p.description ?? product?.name;
      if (!description) throw badUserInput(`${p.f}.description: required for a line without a product`, { field: `${p.f}.description` });
      const taxPpm = p.taxPpm ?? product?.taxRatePpm ?? 0n;
      const amounts = computeLine({ quantity: p.quantity, unitPrice, discountPpm: p.discountPpm, discountAmount: p.discountAmount, taxPpm }, o.pricesIncludeTax, p.f);
      return {
        id: randomUUID(), position: i, productId: p.productId, sku: product?.sku ?? null, description, quantity: p.quantity, unitPrice, discountPpm: p.discountPpm, taxPpm,
        discount: amounts.discount, net: amounts.net, tax: amounts.tax, gross: amounts.gross,
      };
    });
    return { currency: o.currency, pricesIncludeTax: o.pricesIncludeTax, priceListId, lines, totals: computeTotals(lines) };
  }

  /** Columns of a document row (quote/order) holding the totals. */
  totalsParams(d: BuiltDocument): unknown[] {
    const c = d.currency;
    return [
      c, d.pricesIncludeTax, formatMinor(d.totals.subtotal, c), formatMinor(d.totals.discountTotal, c), formatMinor(d.totals.taxTotal, c), formatMinor(d.totals.total, c),
      JSON.stringify(d.totals.taxes.map((t) => ({ rate: formatPercent(t.ratePpm), net: formatMinor(t.net, c), tax: formatMinor(t.tax, c) }))),
    ];
  }

  async insertLines(m: EntityManager, tenantId: string, table: 'quote_lines' | 'order_lines', parentColumn: 'quote_id' | 'order_id', parentId: string, d: BuiltDocument) {
    const c = d.currency;
    const col = <T>(f: (l: BuiltLine) => T) => d.lines.map(f);
    await m.query(
      `INSERT INTO ${table} (id, tenant_id, ${parentColumn}, position, product_id, sku, description, quantity, unit_price, discount_percent, discount, tax_rate, net, tax, gross)
       SELECT id, $1, $2, position, product_id, sku, description, quantity, unit_price, discount_percent, discount, tax_rate, net, tax, gross
       FROM unnest($3::uuid[], $4::int[], $5::uuid[], $6::text[], $7::text[], $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[], $13::numeric[], $14::numeric[], $15::numeric[])
         AS u(id, position, product_id, sku, description, quantity, unit_price, discount_percent, discount, tax_rate, net, tax, gross)`,
      [
        tenantId, parentId, col((l) => l.id), col((l) => l.position), col((l) => l.productId), col((l) => l.sku), col((l) => l.description),
        col((l) => formatQuantity(l.quantity)), col((l) => formatMinor(l.unitPrice, c)), col((l) => (l.discountPpm == null ? null : formatPercent(l.discountPpm))),
        col((l) => formatMinor(l.discount, c)), col((l) => formatPercent(l.taxPpm)), col((l) => formatMinor(l.net, c)), col((l) => formatMinor(l.tax, c)), col((l) => formatMinor(l.gross, c)),
      ],
    );
  }

  /** Copies a quote's lines onto an order (new line ids, same amounts). */
  async copyLines(m: EntityManager, quoteId: string, orderId: string) {
    await m.query(
      `INSERT INTO order_lines (id, tenant_id, order_id, position, product_id, sku, description, quantity, unit_price, discount_percent, discount, tax_rate, net, tax, gross)
       SELECT gen_random_uuid(), tenant_id, $2, position, product_id, sku, description, quantity, unit_price, discount_percent, discount, tax_rate, net, tax, gross
       FROM quote_lines WHERE quote_id = $1`,
      [quoteId, orderId],
    );
  }

  async loadLines(m: EntityManager, table: 'quote_lines' | 'order_lines', parentColumn: 'quote_id' | 'order_id', parents: { id: string; currency: string }[]): Promise<Map<string, DocumentLine[]>> {
    const out = new Map<string, DocumentLine[]>(parents.map((p) => [p.id, []]));
    if (!parents.length) return out;
    const currencyOf = new Map(parents.map((p) => [p.id, p.currency]));
    const rows = await m.query(`SELECT *, quantity::text AS qty, discount_percent::text AS dp, tax_rate::text AS tr FROM ${table} WHERE ${parentColumn} = ANY($1::uuid[]) ORDER BY position`, [
      parents.map((p) => p.id),
    ]);
    for (const r of rows) {
      const c = currencyOf.get(r[parentColumn])!;
      const mo = (v: string) => money(fromDb(v, c), c);
      out.get(r[parentColumn])!.push({
        id: r.id, productId: r.product_id, sku: r.sku, description: r.description, quantity: formatQuantity(parseQuantity(r.qty, 'quantity')), unitPrice: mo(r.unit_price),
        discountPercent: r.dp == null ? null : formatPercent(parsePercent(r.dp, 'discount')), discount: mo(r.discount), taxRate: formatPercent(parsePercent(r.tr, 'tax')),
        net: mo(r.net), tax: mo(r.tax), gross: mo(r.gross),
      });
    }
    return out;
  }
}

/** The totals columns of a quotes/orders row as GraphQL fields. */
export function documentFieldsOf(r: any): DocumentFields {
  const c = String(r.currency).trim();
  const mo = (v: string) => money(fromDb(v, c), c);
  return {
    currency: c,
    pricesIncludeTax: r.prices_include_tax,
    subtotal: mo(r.subtotal),
    discountTotal: mo(r.discount_total),
    taxTotal: mo(r.tax_total),
    total: mo(r.total),
    taxes: (r.taxes as { rate: string; net: string; tax: string }[]).map((t): TaxLine => ({ rate: t.rate, net: mo(t.net), tax: mo(t.tax) })),
  };
}

/** Lines and totals as the events carry them. */
export function eventDocument(fields: DocumentFields, lines: DocumentLine[]) {
  const m = (x: { amount: string; currency: string }) => ({ amount: x.amount, currency: x.currency });
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

export async function nextNumber(m: EntityManager, tenantId: string, kind: 'quote' | 'order'): Promise<string> {
  const [{ last_value }] = await m.query(
    `INSERT INTO document_counters (tenant_id, kind, last_value) VALUES ($1, $2, 1)
     ON CONFLICT (tenant_id, kind) DO UPDATE SET last_value = document_counters.last_value + 1 RETURNING last_value`,
    [tenantId, kind],
  );
  return `${kind === 'quote' ? 'Q' : 'O'}-${String(last_value).padStart(6, '0')}`;
}
