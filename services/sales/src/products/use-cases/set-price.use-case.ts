import { Injectable } from '@nestjs/common';
import { invalidField, isUuid, notFound, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { formatMinor, fromDb, money, parseDateOnly, toMinor } from '@crm/shared-kernel';
import { PriceListRepository } from '../price-list.repository';
import { ProductRepository } from '../product.repository';
import { emitPriceChanged, emitPriceListUpserted } from '../products.events';
import type { PriceInput, PriceList } from '../product.types';
import { priceSchema } from './create-price-list.use-case';

const todayUtc = () => new Date().toISOString().slice(0, 10);

/**
 * Sets one product's price in a list, effective from a date (default today, UTC): new quotes and
 * orders take the price effective on their date; issued ones keep theirs. Every price stays in the
 * history. price-list.price-changed carries the change; price-list.upserted follows as before when
 * the price is effective already.
 */
@Injectable()
export class SetPrice {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly lists: PriceListRepository,
    private readonly products: ProductRepository,
  ) {}

  async execute(ctx: RequestContext, listId: string, raw: PriceInput, rawEffectiveFrom?: string | null): Promise<PriceList> {
    if (!isUuid(listId)) throw invalidField('priceListId', `"${String(listId).slice(0, 60)}" is not a price list id`);
    const input = parseInput(priceSchema, raw, 'input');
    const effectiveFrom = rawEffectiveFrom == null ? todayUtc() : parseDateOnly(rawEffectiveFrom, 'effectiveFrom');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const list = await this.lists.lockById(tx, listId.toLowerCase());
      if (!list) throw notFound(`price list ${listId} does not exist`);
      // The amount's precision depends on the list's currency, known only now.
      const unitPrice = toMinor(input.unitPrice, list.currency, 'input.unitPrice');
      if (!(await this.products.exists(tx, input.productId))) throw invalidField('input.productId', `product ${input.productId} does not exist`);
      const previous = await this.lists.priceOn(tx, list.id, input.productId, effectiveFrom);
      await this.lists.setPrice(tx, { listId: list.id, productId: input.productId, unitPrice: formatMinor(unitPrice, list.currency), effectiveFrom, setBy: ctx.userId });
      const result = (await this.lists.all(tx)).find((p) => p.id === list.id)!;
      const price = money(unitPrice, list.currency);
      await emitPriceChanged(tx, ctx, {
        priceListId: list.id, productId: input.productId, unitPrice: price, effectiveFrom,
        previousUnitPrice: previous == null ? null : money(fromDb(previous, list.currency), list.currency),
      });
      if (effectiveFrom <= todayUtc()) await emitPriceListUpserted(tx, ctx, result, [{ productId: input.productId, unitPrice: price }]);
      return result;
    });
  }
}
