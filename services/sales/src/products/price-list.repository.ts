import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import { fromDb, money } from '@crm/shared-kernel';
import type { PriceList } from './product.types';

export interface PriceListRow {
  [column: string]: unknown;
  id: string;
  name: string;
  /** char(3): read trimmed. */
  currency: string;
  is_default: boolean;
}

export interface PriceHistoryRow {
  [column: string]: unknown;
  unit_price: string;
  /** YYYY-MM-DD; null: since always. */
  effective_from: string | null;
  set_by: string;
  set_at: Date;
}

/** The price of each product of each list effective today (price_history: latest effective date, then latest set). */
export const CURRENT_PRICES = `
  SELECT DISTINCT ON (h.price_list_id, h.product_id) h.price_list_id, h.product_id, h.unit_price
  FROM price_history h WHERE h.tenant_id = $1 AND h.effective_from <= (now() AT TIME ZONE 'UTC')::date
  ORDER BY h.price_list_id, h.product_id, h.effective_from DESC, h.id DESC`;

interface PriceListItemRow {
  [column: string]: unknown;
  price_list_id: string;
  product_id: string;
  unit_price: string;
}

const LIST_COLUMNS = `id, name, btrim(currency) AS currency, is_default`;

@Injectable()
export class PriceListRepository {
  /** Price lists of a tenant are created one at a time: the name check and the default choice see each other's commits. */
  async lockCatalogue(tx: Tx): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`sales.price-lists:${tx.tenantId}`]);
  }

  async idByName(tx: Tx, name: string): Promise<string | undefined> {
    return (await tx.maybeOne<{ id: string }>(`SELECT id FROM price_lists WHERE tenant_id = $1 AND lower(name) = lower($2)`, [tx.tenantId, name]))?.id;
  }

  async hasDefault(tx: Tx, currency: string): Promise<boolean> {
    return !!(await tx.maybeOne(`SELECT 1 FROM price_lists WHERE tenant_id = $1 AND currency = $2 AND is_default`, [tx.tenantId, currency]));
  }

  /** Clears the currency's default; returns the lists that were it. */
  async demoteDefault(tx: Tx, currency: string): Promise<string[]> {
    const rows = await tx.query<{ id: string }>(`UPDATE price_lists SET is_default = false WHERE tenant_id = $1 AND currency = $2 AND is_default RETURNING id`, [tx.tenantId, currency]);
    return rows.map((r) => r.id);
  }

  async insert(tx: Tx, l: { id: string; name: string; currency: string; isDefault: boolean }): Promise<void> {
    await tx.query(`INSERT INTO price_lists (id, tenant_id, name, currency, is_default) VALUES ($1, $2, $3, $4, $5)`, [l.id, tx.tenantId, l.name, l.currency, l.isDefault]);
  }

  lockById(tx: Tx, id: string): Promise<PriceListRow | undefined> {
    return tx.maybeOne<PriceListRow>(`SELECT ${LIST_COLUMNS} FROM price_lists WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tx.tenantId, id]);
  }

  byId(tx: Tx, id: string): Promise<PriceListRow | undefined> {
    return tx.maybeOne<PriceListRow>(`SELECT ${LIST_COLUMNS} FROM price_lists WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
  }

  async defaultId(tx: Tx, currency: string): Promise<string | null> {
    return (await tx.maybeOne<{ id: string }>(`SELECT id FROM price_lists WHERE tenant_id = $1 AND currency = $2 AND is_default`, [tx.tenantId, currency]))?.id ?? null;
  }

  /**
   * Records a price effective from a date ('-infinity': since always, for a list's initial prices);
   * `price_list_items` keeps the latest price set, history holds every one with its date.
   */
  async setPrice(tx: Tx, p: { listId: string; productId: string; unitPrice: string; effectiveFrom: string; setBy: string }): Promise<void> {
    await tx.query(
      `INSERT INTO price_list_items (tenant_id, price_list_id, product_id, unit_price) VALUES ($1, $2, $3, $4)
       ON CONFLICT (price_list_id, product_id) DO UPDATE SET unit_price = EXCLUDED.unit_price`,
      [tx.tenantId, p.listId, p.productId, p.unitPrice],
    );
    await tx.query(
      `INSERT INTO price_history (tenant_id, price_list_id, product_id, unit_price, effective_from, set_by) VALUES ($1, $2, $3, $4, $5::date, $6)`,
      [tx.tenantId, p.listId, p.productId, p.unitPrice, p.effectiveFrom, p.setBy],
    );
  }

  /** The price effective on `date` (the latest set for the latest effective date on or before it), as a decimal string. */
  async priceOn(tx: Tx, listId: string, productId: string, date: string): Promise<string | null> {
    const r = await tx.maybeOne<{ unit_price: string }>(
      `SELECT unit_price::text AS unit_price FROM price_history WHERE tenant_id = $1 AND price_list_id = $2 AND product_id = $3 AND effective_from <= $4::date
       ORDER BY effective_from DESC, id DESC LIMIT 1`,
      [tx.tenantId, listId, productId, date],
    );
    return r?.unit_price ?? null;
  }

  /** Every price set for a product in a list, by effective date then as set. */
  history(tx: Tx, listId: string, productId: string): Promise<PriceHistoryRow[]> {
    return tx.query<PriceHistoryRow>(
      `SELECT h.unit_price::text AS unit_price, CASE WHEN h.effective_from = '-infinity' THEN NULL ELSE h.effective_from::text END AS effective_from, h.set_by, h.set_at
       FROM price_history h WHERE h.tenant_id = $1 AND h.price_list_id = $2 AND h.product_id = $3 ORDER BY h.effective_from, h.id`,
      [tx.tenantId, listId, productId],
    );
  }

  /** Every price list of the tenant with its prices (configuration: read whole). */
  async all(tx: Tx): Promise<PriceList[]> {
    const lists = await tx.query<PriceListRow>(`SELECT ${LIST_COLUMNS} FROM price_lists WHERE tenant_id = $1 ORDER BY currency, is_default DESC, lower(name)`, [tx.tenantId]);
    const items = await tx.query<PriceListItemRow>(
      `SELECT i.price_list_id, i.product_id, i.unit_price::text AS unit_price FROM (${CURRENT_PRICES}) i JOIN products p ON p.id = i.product_id ORDER BY lower(p.sku)`,
      [tx.tenantId],
    );
    return lists.map((l) => ({
      id: l.id, name: l.name, currency: l.currency, isDefault: l.is_default,
      items: items.filter((i) => i.price_list_id === l.id).map((i) => ({ productId: i.product_id, unitPrice: money(fromDb(i.unit_price, l.currency), l.currency) })),
    }));
  }
}
