import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import { formatMinor, formatPercent, formatQuantity, fromDb, money, parsePercent, parseQuantity } from '@crm/shared-kernel';
import type { BuiltDocument } from './document-builder';
import type { DocumentLine } from './document.types';

/** Which document the lines belong to: the table and its parent column come from here, never from input. */
export type DocumentKind = 'quote' | 'order';
const TABLES: Record<DocumentKind, { table: string; parent: string }> = {
  quote: { table: 'quote_lines', parent: 'quote_id' },
  order: { table: 'order_lines', parent: 'order_id' },
};

interface DocumentLineRow {
  [column: string]: unknown;
  parent_id: string;
  id: string;
  product_id: string | null;
  sku: string | null;
  description: string;
  quantity: string;
  unit_price: string;
  discount_percent: string | null;
  discount: string;
  tax_rate: string;
  net: string;
  tax: string;
  gross: string;
}

/** The lines of quotes and orders, and their numbering. */
@Injectable()
export class DocumentLineRepository {
  async insert(tx: Tx, kind: DocumentKind, parentId: string, d: BuiltDocument): Promise<void> {
    const { table, parent } = TABLES[kind];
    const c = d.currency;
    const col = <T>(f: (l: BuiltDocument['lines'][number]) => T) => d.lines.map(f);
    await tx.query(
      `INSERT INTO ${table} (id, tenant_id, ${parent}, position, product_id, sku, description, quantity, unit_price, discount_percent, discount, tax_rate, net, tax, gross)
       SELECT id, $1, $2, position, product_id, sku, description, quantity, unit_price, discount_percent, discount, tax_rate, net, tax, gross
       FROM unnest($3::uuid[], $4::int[], $5::uuid[], $6::text[], $7::text[], $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[], $13::numeric[], $14::numeric[], $15::numeric[])
         AS u(id, position, product_id, sku, description, quantity, unit_price, discount_percent, discount, tax_rate, net, tax, gross)`,
      [
        tx.tenantId, parentId, col((l) => l.id), col((l) => l.position), col((l) => l.productId), col((l) => l.sku), col((l) => l.description),
        col((l) => formatQuantity(l.quantity)), col((l) => formatMinor(l.unitPrice, c)), col((l) => (l.discountPpm == null ? null : formatPercent(l.discountPpm))),
        col((l) => formatMinor(l.discount, c)), col((l) => formatPercent(l.taxPpm)), col((l) => formatMinor(l.net, c)), col((l) => formatMinor(l.tax, c)), col((l) => formatMinor(l.gross, c)),
      ],
    );
  }

  /** Removes a draft's lines before they are rebuilt. */
  async deleteOf(tx: Tx, kind: DocumentKind, parentId: string): Promise<void> {
    const { table, parent } = TABLES[kind];
    await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND ${parent} = $2`, [tx.tenantId, parentId]);
  }

  /** Copies a quote's lines onto its revision as they are (same prices: the quote was issued with them). */
  async copyQuoteLines(tx: Tx, fromQuoteId: string, toQuoteId: string): Promise<void> {
    await tx.query(
      `INSERT INTO quote_lines (id, tenant_id, quote_id, position, product_id, sku, description, quantity, unit_price, discount_percent, discount, tax_rate, net, tax, gross)
       SELECT gen_random_uuid(), tenant_id, $3, position, product_id, sku, description, quantity, unit_price, discount_percent, discount, tax_rate, net, tax, gross
       FROM quote_lines WHERE tenant_id = $1 AND quote_id = $2`,
      [tx.tenantId, fromQuoteId, toQuoteId],
    );
  }

  /** Copies a quote's lines onto its order (new line ids, same amounts). */
  async copyQuoteLinesToOrder(tx: Tx, quoteId: string, orderId: string): Promise<void> {
    await tx.query(
      `INSERT INTO order_lines (id, tenant_id, order_id, position, product_id, sku, description, quantity, unit_price, discount_percent, discount, tax_rate, net, tax, gross)
       SELECT gen_random_uuid(), tenant_id, $2, position, product_id, sku, description, quantity, unit_price, discount_percent, discount, tax_rate, net, tax, gross
       FROM quote_lines WHERE quote_id = $1`,
      [quoteId, orderId],
    );
  }

  /** The lines of many documents in one query, per document id. */
  async load(tx: Tx, kind: DocumentKind, parents: readonly { id: string; currency: string }[]): Promise<Map<string, DocumentLine[]>> {
    const out = new Map<string, DocumentLine[]>(parents.map((p) => [p.id, []]));
    if (!parents.length) return out;
    const { table, parent } = TABLES[kind];
    const currencyOf = new Map(parents.map((p) => [p.id, p.currency]));
    const rows = await tx.prepared<DocumentLineRow>(
      `SELECT ${parent} AS parent_id, id, product_id, sku, description, quantity::text AS quantity, unit_price::text AS unit_price, discount_percent::text AS discount_percent,
              discount::text AS discount, tax_rate::text AS tax_rate, net::text AS net, tax::text AS tax, gross::text AS gross
       FROM ${table} WHERE ${parent} = ANY($1::uuid[]) ORDER BY position`,
      [parents.map((p) => p.id)],
    );
    for (const r of rows) {
      const c = currencyOf.get(r.parent_id)!;
      const mo = (v: string) => money(fromDb(v, c), c);
      out.get(r.parent_id)!.push({
        id: r.id, productId: r.product_id, sku: r.sku, description: r.description, quantity: formatQuantity(parseQuantity(r.quantity, 'quantity')), unitPrice: mo(r.unit_price),
        discountPercent: r.discount_percent == null ? null : formatPercent(parsePercent(r.discount_percent, 'discount')), discount: mo(r.discount),
        taxRate: formatPercent(parsePercent(r.tax_rate, 'tax')), net: mo(r.net), tax: mo(r.tax), gross: mo(r.gross),
      });
    }
    return out;
  }

  /** The next number of the tenant's quotes or orders (Q-000001, O-000001): gap-free per tenant, serialised by the counter row. */
  async nextNumber(tx: Tx, kind: DocumentKind): Promise<string> {
    const { last_value } = await tx.one<{ last_value: string }>(
      `INSERT INTO document_counters (tenant_id, kind, last_value) VALUES ($1, $2, 1)
       ON CONFLICT (tenant_id, kind) DO UPDATE SET last_value = document_counters.last_value + 1 RETURNING last_value::text AS last_value`,
      [tx.tenantId, kind],
    );
    return `${kind === 'quote' ? 'Q' : 'O'}-${last_value.padStart(6, '0')}`;
  }
}
