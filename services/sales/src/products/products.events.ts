import { PriceChangedV1, PriceListUpsertedV1, ProductUpsertedV1 } from '@crm/events';
import type { RequestContext, Tx } from '@crm/platform';
import type { Money } from '@crm/shared-kernel';
import type { PriceList, Product } from './product.types';

export function emitProductUpserted(tx: Tx, ctx: RequestContext, p: Product): Promise<void> {
  return tx.emit(ProductUpsertedV1, p.id, {
    productId: p.id, sku: p.sku, name: p.name, description: p.description, unit: p.unit, taxRate: p.taxRate, active: p.active, upsertedBy: ctx.userId,
  });
}

/** `prices`: the prices that changed (all of a new list, one for setPrice, none for a list that only lost its default). */
export function emitPriceListUpserted(tx: Tx, ctx: RequestContext, list: PriceList, prices: { productId: string; unitPrice: Money }[]): Promise<void> {
  return tx.emit(PriceListUpsertedV1, list.id, {
    priceListId: list.id, name: list.name, currency: list.currency, isDefault: list.isDefault, upsertedBy: ctx.userId,
    prices: prices.map((p) => ({ productId: p.productId, unitPrice: { amount: p.unitPrice.amount, currency: p.unitPrice.currency } })),
  });
}

export function emitPriceChanged(
  tx: Tx,
  ctx: RequestContext,
  c: { priceListId: string; productId: string; unitPrice: Money; previousUnitPrice: Money | null; effectiveFrom: string },
): Promise<void> {
  return tx.emit(PriceChangedV1, c.priceListId, {
    priceListId: c.priceListId, productId: c.productId, effectiveFrom: c.effectiveFrom, changedBy: ctx.userId,
    unitPrice: { amount: c.unitPrice.amount, currency: c.unitPrice.currency },
    previousUnitPrice: c.previousUnitPrice && { amount: c.previousUnitPrice.amount, currency: c.previousUnitPrice.currency },
  });
}
