import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PriceListUpsertedV1, ProductUpsertedV1 } from '@crm/events';
import { badUserInput, conflict, EventPublisher, notFound, withTenant, type RequestContext, conflictOnUnique, updated, xactLock } from '@crm/platform';
import { currencyOf, formatMinor, formatPercent, fromDb, money, parsePercent, toMinor } from '../common/money';
import { optionalText, requireId, requireText } from '../common/validate';
import type { CreatePriceListInput, CreateProductInput, PriceInput, PriceList, Product } from './product.types';

const toProduct = (r: any): Product => ({
  id: r.id, sku: r.sku, name: r.name, description: r.description, unit: r.unit, taxRate: formatPercent(parsePercent(String(r.tax_rate), 'tax_rate')), active: r.active,
});

export interface ProductRow {
  id: string;
  sku: string;
  name: string;
  taxRatePpm: bigint;
}

@Injectable()
export class ProductsService {
  constructor(
    private readonly ds: DataSource,
    private readonly events: EventPublisher,
  ) {}

  async createProduct(ctx: RequestContext, input: CreateProductInput): Promise<Product> {
    const sku = requireText(input.sku, 'input.sku', 64);
    const name = requireText(input.name, 'input.name', 200);
    const taxRate = formatPercent(parsePercent(input.taxRate ?? '0', 'input.taxRate'));
    const description = optionalText(input.description, 'input.description', 2000);
    const unit = optionalText(input.unit, 'input.unit', 20);
    const write = () =>
      withTenant(this.ds, ctx.tenantId, async (m) => {
        const [dup] = await m.query(`SELECT id FROM products WHERE tenant_id = $1 AND lower(sku) = lower($2)`, [ctx.tenantId, sku]);
        if (dup) throw conflict(`input.sku: a product with SKU ${sku} already exists (${dup.id})`, { field: 'input.sku', existingProductId: dup.id });
        const [row] = await m.query(
          `INSERT INTO products (id, tenant_id, sku, name, description, unit, tax_rate) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          [randomUUID(), ctx.tenantId, sku, name, description, unit, taxRate],
        );
        const product = toProduct(row);
        await this.events.emit(m, ctx.tenantId, [
          {
            type: ProductUpsertedV1.type,
            subject: product.id,
            data: {
              productId: product.id, sku: product.sku, name: product.name, description: product.description, unit: product.unit, taxRate: product.taxRate,
              active: product.active, upsertedBy: ctx.userId,
            },
          },
        ]);
        return product;
      });
    // Two requests with the same SKU at once: the loser's insert hits the unique index.
    return conflictOnUnique(write, (constraint) =>
      constraint === 'products_sku' ? conflict(`input.sku: a product with SKU ${sku} was created at the same time`, { field: 'input.sku' }) : undefined,
    );
  }

  async products(tenantId: string): Promise<Product[]> {
    return withTenant(this.ds, tenantId, async (m) => (await m.query(`SELECT * FROM products WHERE tenant_id = $1 ORDER BY lower(sku)`, [tenantId])).map(toProduct));
  }

  async createPriceList(ctx: RequestContext, input: CreatePriceListInput): Promise<PriceList> {
    const name = requireText(input.name, 'input.name', 200);
    const currency = currencyOf(input.currency, 'input.currency');
    const items = (input.items ?? []).map((it, i) => this.parsePrice(it, currency, `input.items.${i}`));
    const write = () =>
      withTenant(this.ds, ctx.tenantId, async (m) => {
        // Price lists of a tenant are created one at a time: the name check and the default choice
        // (the first list of a currency is its default) then see each other's commits.
        await xactLock(m, `sales.price-lists:${ctx.tenantId}`);
        const [dup] = await m.query(`SELECT id FROM price_lists WHERE tenant_id = $1 AND lower(name) = lower($2)`, [ctx.tenantId, name]);
        if (dup) throw conflict(`input.name: a price list named "${name}" already exists (${dup.id})`, { field: 'input.name' });
        const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM price_lists WHERE tenant_id = $1 AND currency = $2 AND is_default`, [ctx.tenantId, currency]);
        const isDefault = !!input.isDefault || n === 0;
        const demoted: { id: string }[] = input.isDefault
          ? await updated(m, `UPDATE price_lists SET is_default = false WHERE tenant_id = $1 AND currency = $2 AND is_default RETURNING id`, [ctx.tenantId, currency])
          : [];
        const id = randomUUID();
        await m.query(`INSERT INTO price_lists (id, tenant_id, name, currency, is_default) VALUES ($1, $2, $3, $4, $5)`, [id, ctx.tenantId, name, currency, isDefault]);
        for (const [i, it] of items.entries()) await this.upsertPrice(m, ctx.tenantId, id, it.productId, formatMinor(it.unitPrice, currency), `input.items.${i}.productId`);
        const lists = await this.priceLists(ctx.tenantId, m);
        const list = lists.find((p) => p.id === id)!;
        await this.emitUpserted(m, ctx, list, list.items);
        // The previous default of the currency changed too (it no longer is).
        for (const d of demoted) {
          const old = lists.find((p) => p.id === d.id);
          if (old) await this.emitUpserted(m, ctx, old, []);
        }
        return list;
      });
    return conflictOnUnique(write, (constraint) =>
      constraint === 'price_lists_name'
        ? conflict(`input.name: a price list named "${name}" was created at the same time`, { field: 'input.name' })
        : constraint === 'price_lists_default'
          ? conflict(`input.isDefault: another ${currency} price list became the default at the same time; retry`, { field: 'input.isDefault' })
          : undefined,
    );
  }

  /** Sets (inserts or replaces) one product's price; emits price-list.upserted with that price. */
  async setPrice(ctx: RequestContext, rawListId: string, input: PriceInput): Promise<PriceList> {
    const listId = requireId(rawListId, 'priceListId', 'price list id');
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const [list] = await m.query(`SELECT * FROM price_lists WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [ctx.tenantId, listId]);
      if (!list) throw notFound(`price list ${listId} does not exist`);
      const currency = list.currency.trim();
      const it = this.parsePrice(input, currency, 'input');
      await this.upsertPrice(m, ctx.tenantId, listId, it.productId, formatMinor(it.unitPrice, currency), 'input.productId');
      const result = (await this.priceLists(ctx.tenantId, m)).find((p) => p.id === listId)!;
      await this.emitUpserted(m, ctx, result, [{ productId: it.productId, unitPrice: money(it.unitPrice, currency) }]);
      return result;
    });
  }

  private emitUpserted(m: EntityManager, ctx: RequestContext, list: PriceList, prices: { productId: string; unitPrice: { amount: string; currency: string } }[]) {
    return this.events.emit(m, ctx.tenantId, [
      {
        type: PriceListUpsertedV1.type,
        subject: list.id,
        data: {
          priceListId: list.id, name: list.name, currency: list.currency, isDefault: list.isDefault, upsertedBy: ctx.userId,
          prices: prices.map((p) => ({ productId: p.productId, unitPrice: { amount: p.unitPrice.amount, currency: p.unitPrice.currency } })),
        },
      },
    ]);
  }

  private parsePrice(it: PriceInput, currency: string, field: string) {
    return { productId: requireId(it.productId, `${field}.productId`, 'product id'), unitPrice: toMinor(it.unitPrice, currency, `${field}.unitPrice`) };
  }

  private async upsertPrice(m: EntityManager, tenantId: string, listId: string, productId: string, unitPrice: string, field: string) {
    const [p] = await m.query(`SELECT id FROM products WHERE tenant_id = $1 AND id = $2`, [tenantId, productId]);
    if (!p) throw badUserInput(`${field}: product ${productId} does not exist`, { field });
    await m.query(
      `INSERT INTO price_list_items (tenant_id, price_list_id, product_id, unit_price) VALUES ($1, $2, $3, $4)
       ON CONFLICT (price_list_id, product_id) DO UPDATE SET unit_price = EXCLUDED.unit_price`,
      [tenantId, listId, productId, unitPrice],
    );
  }

  async priceLists(tenantId: string, m?: EntityManager): Promise<PriceList[]> {
    const run = async (q: EntityManager) => {
      const lists = await q.query(`SELECT * FROM price_lists WHERE tenant_id = $1 ORDER BY currency, is_default DESC, lower(name)`, [tenantId]);
      const items = await q.query(`SELECT i.* FROM price_list_items i JOIN products p ON p.id = i.product_id WHERE i.tenant_id = $1 ORDER BY lower(p.sku)`, [tenantId]);
      return lists.map((l: any) => {
        const currency = l.currency.trim();
        return {
          id: l.id, name: l.name, currency, isDefault: l.is_default,
          items: items.filter((i: any) => i.price_list_id === l.id).map((i: any) => ({ productId: i.product_id, unitPrice: money(fromDb(i.unit_price, currency), currency) })),
        };
      });
    };
    return m ? run(m) : withTenant(this.ds, tenantId, run);
  }

  /** Products by id with their price in the given (or the currency's default) price list. */
  async forLines(m: EntityManager, tenantId: string, currency: string, priceListId: string | null, productIds: string[]) {
    let listId = priceListId;
    if (listId) {
      const [l] = await m.query(`SELECT currency FROM price_lists WHERE tenant_id = $1 AND id = $2`, [tenantId, listId]);
      if (!l) throw badUserInput(`input.priceListId: price list ${listId} does not exist`, { field: 'input.priceListId' });
      if (l.currency.trim() !== currency) throw badUserInput(`input.priceListId: price list ${listId} is in ${l.currency.trim()}, not ${currency}`, { field: 'input.priceListId' });
    } else {
      const [l] = await m.query(`SELECT id FROM price_lists WHERE tenant_id = $1 AND currency = $2 AND is_default`, [tenantId, currency]);
      listId = l?.id ?? null;
    }
    const rows = productIds.length
      ? await m.query(
          `SELECT p.id, p.sku, p.name, p.tax_rate::text AS tax_rate, i.unit_price::text AS unit_price
           FROM products p LEFT JOIN price_list_items i ON i.product_id = p.id AND i.price_list_id = $3
           WHERE p.tenant_id = $1 AND p.id = ANY($2::uuid[])`,
          [tenantId, productIds, listId],
        )
      : [];
    return {
      priceListId: listId,
      products: new Map<string, ProductRow & { unitPrice: bigint | null }>(
        rows.map((r: any) => [r.id, { id: r.id, sku: r.sku, name: r.name, taxRatePpm: parsePercent(r.tax_rate, 'tax_rate'), unitPrice: r.unit_price == null ? null : fromDb(r.unit_price, currency) }]),
      ),
    };
  }
}
