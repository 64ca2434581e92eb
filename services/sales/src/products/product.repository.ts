import { Injectable } from '@nestjs/common';
import { SqlParams, type Tx } from '@crm/platform';
import { formatPercent, fromDb, parsePercent } from '@crm/shared-kernel';
import type { Product } from './product.types';

/** A `products` row as read here (tax_rate as text: exact decimal). */
export interface ProductRow {
  [column: string]: unknown;
  id: string;
  sku: string;
  name: string;
  description: string | null;
  unit: string | null;
  tax_rate: string;
  active: boolean;
}

const PRODUCT_COLUMNS = `id, sku, name, description, unit, tax_rate::text AS tax_rate, active`;

/** A product as a document line needs it: its default tax rate and its price in the chosen list. */
export interface PricedProduct {
  id: string;
  sku: string;
  name: string;
  taxRatePpm: bigint;
  active: boolean;
  /** Minor units in the list's currency; null when the list has no price for it. */
  unitPrice: bigint | null;
}

export const toProduct = (r: ProductRow): Product => ({
  id: r.id, sku: r.sku, name: r.name, description: r.description, unit: r.unit, taxRate: formatPercent(parsePercent(r.tax_rate, 'tax_rate')), active: r.active,
});

@Injectable()
export class ProductRepository {
  async idBySku(tx: Tx, sku: string): Promise<string | undefined> {
    return (await tx.maybeOne<{ id: string }>(`SELECT id FROM products WHERE tenant_id = $1 AND lower(sku) = lower($2)`, [tx.tenantId, sku]))?.id;
  }

  async exists(tx: Tx, id: string): Promise<boolean> {
    return !!(await tx.maybeOne(`SELECT 1 FROM products WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]));
  }

  insert(tx: Tx, p: { id: string; sku: string; name: string; description: string | null; unit: string | null; taxRate: string }): Promise<ProductRow> {
    return tx.one<ProductRow>(
      `INSERT INTO products (id, tenant_id, sku, name, description, unit, tax_rate) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${PRODUCT_COLUMNS}`,
      [p.id, tx.tenantId, p.sku, p.name, p.description, p.unit, p.taxRate],
    );
  }

  all(tx: Tx): Promise<ProductRow[]> {
    return tx.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE tenant_id = $1 ORDER BY lower(sku)`, [tx.tenantId]);
  }

  /**
   * Products by id with their price in one price list effective on the document's date, today
   * (null: no list given and the currency has no default, or no price effective yet).
   */
  async priced(tx: Tx, currency: string, priceListId: string | null, productIds: readonly string[]): Promise<Map<string, PricedProduct>> {
    if (!productIds.length) return new Map();
    const rows = await tx.query<{ id: string; sku: string; name: string; tax_rate: string; active: boolean; unit_price: string | null }>(
      `SELECT p.id, p.sku, p.name, p.tax_rate::text AS tax_rate, p.active, h.unit_price::text AS unit_price
       FROM products p LEFT JOIN LATERAL (
         SELECT unit_price FROM price_history WHERE tenant_id = $1 AND price_list_id = $3 AND product_id = p.id AND effective_from <= (now() AT TIME ZONE 'UTC')::date
         ORDER BY effective_from DESC, id DESC LIMIT 1
       ) h ON true
       WHERE p.tenant_id = $1 AND p.id = ANY($2::uuid[])`,
      [tx.tenantId, productIds, priceListId],
    );
    return new Map(
      rows.map((r) => [
        r.id,
        { id: r.id, sku: r.sku, name: r.name, taxRatePpm: parsePercent(r.tax_rate, 'tax_rate'), active: r.active, unitPrice: r.unit_price == null ? null : fromDb(r.unit_price, currency) },
      ]),
    );
  }

  lock(tx: Tx, id: string): Promise<ProductRow | undefined> {
    return tx.maybeOne<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tx.tenantId, id]);
  }

  /** Applies the changes (column → value; undefined: unchanged). */
  update(tx: Tx, id: string, changes: Partial<Record<'sku' | 'name' | 'description' | 'unit' | 'tax_rate' | 'active', unknown>>): Promise<ProductRow> {
    const q = new SqlParams(tx.tenantId, id);
    return tx.one<ProductRow>(`UPDATE products SET ${q.set(changes)} WHERE tenant_id = $1 AND id = $2 RETURNING ${PRODUCT_COLUMNS}`, q.values);
  }
}
