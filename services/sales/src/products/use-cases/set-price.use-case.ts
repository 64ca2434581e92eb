import { Injectable } from '@nestjs/common';
import { invalidField, isUuid, notFound, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { formatMinor, money, toMinor } from '@crm/shared-kernel';
import { PriceListRepository } from '../price-list.repository';
import { ProductRepository } from '../product.repository';
import { emitPriceListUpserted } from '../products.events';
import type { PriceInput, PriceList } from '../product.types';
import { priceSchema } from './create-price-list.use-case';

/** Sets (inserts or replaces) one product's price; price-list.upserted carries that price. */
@Injectable()
export class SetPrice {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly lists: PriceListRepository,
    private readonly products: ProductRepository,
  ) {}

  async execute(ctx: RequestContext, listId: string, raw: PriceInput): Promise<PriceList> {
    if (!isUuid(listId)) throw invalidField('priceListId', `"${String(listId).slice(0, 60)}" is not a price list id`);
    const input = parseInput(priceSchema, raw, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const list = await this.lists.lockById(tx, listId.toLowerCase());
      if (!list) throw notFound(`price list ${listId} does not exist`);
      // The amount's precision depends on the list's currency, known only now.
      const unitPrice = toMinor(input.unitPrice, list.currency, 'input.unitPrice');
      if (!(await this.products.exists(tx, input.productId))) throw invalidField('input.productId', `product ${input.productId} does not exist`);
      await this.lists.upsertPrice(tx, list.id, input.productId, formatMinor(unitPrice, list.currency));
      const result = (await this.lists.all(tx)).find((p) => p.id === list.id)!;
      await emitPriceListUpserted(tx, ctx, result, [{ productId: input.productId, unitPrice: money(unitPrice, list.currency) }]);
      return result;
    });
  }
}
