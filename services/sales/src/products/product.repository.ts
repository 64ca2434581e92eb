import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
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

  /** Products by id with their price in one price list (null: none given and the currency has no default). */
  async priced(tx: Tx, currency: string, priceListId: string | null, productIds: readonly string[]): Promise<Map<string, PricedProduct>> {
    if (!productIds.length) return new Map();
    const rows = await tx.query<{ id: string; sku: string; name: string; tax_rate: string; unit_price: string | null }>(
      `SELECT p.id, p.sku, p.name, p.tax_rate::text AS tax_rate, i.unit_price::text AS unit_price
       FROM products p LEFT JOIN price_list_items i ON i.product_id = p.id AND i.price_list_id = $3
       WHERE p.tenant_id = $1 AND p.id = ANY($2::uuid[])`,
      [tx.tenantId, productIds, priceListId],
    );
    return new Map(
      rows.map((r) => [r.id, { id: r.id, sku: r.sku, name: r.name, taxRatePpm: parsePercent(r.tax_rate, 'tax_rate'), unitPrice: r.unit_price == null ? null : fromDb(r.unit_price, currency) }]),
    );
  }
}
