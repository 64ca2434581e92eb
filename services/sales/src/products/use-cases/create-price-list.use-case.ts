import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { conflict, conflictOnUnique, invalidField, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { currencyOf, formatMinor, idField, textField, toMinor } from '@crm/shared-kernel';
import { PriceListRepository } from '../price-list.repository';
import { ProductRepository } from '../product.repository';
import { emitPriceListUpserted } from '../products.events';
import type { CreatePriceListInput, PriceList } from '../product.types';

/** One price of a list (also setPrice's input). */
export const priceSchema = z.object({ productId: idField('product id'), unitPrice: z.string() });

const createPriceListSchema = z.object({
  name: textField(200),
  currency: z.string(),
  isDefault: z.boolean().nullish(),
  items: z.array(priceSchema).nullish(),
});

@Injectable()
export class CreatePriceList {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly lists: PriceListRepository,
    private readonly products: ProductRepository,
  ) {}

  async execute(ctx: RequestContext, raw: CreatePriceListInput): Promise<PriceList> {
    const input = parseInput(createPriceListSchema, raw, 'input');
    const currency = currencyOf(input.currency, 'input.currency');
    const items = (input.items ?? []).map((it, i) => ({ productId: it.productId, unitPrice: toMinor(it.unitPrice, currency, `input.items.${i}.unitPrice`) }));
    const { name } = input;
    const write = () =>
      this.uow.run(ctx.tenantId, async (tx) => {
        await this.lists.lockCatalogue(tx);
        const dup = await this.lists.idByName(tx, name);
        if (dup) throw conflict(`input.name: a price list named "${name}" already exists (${dup})`, { field: 'input.name' });
        // The first list of a currency is its default.
        const isDefault = !!input.isDefault || !(await this.lists.hasDefault(tx, currency));
        const demoted = input.isDefault ? await this.lists.demoteDefault(tx, currency) : [];
        const id = randomUUID();
        await this.lists.insert(tx, { id, name, currency, isDefault });
        for (const [i, it] of items.entries()) {
          if (!(await this.products.exists(tx, it.productId))) throw invalidField(`input.items.${i}.productId`, `product ${it.productId} does not exist`);
          await this.lists.setPrice(tx, { listId: id, productId: it.productId, unitPrice: formatMinor(it.unitPrice, currency), effectiveFrom: '-infinity', setBy: ctx.userId });
        }
        const all = await this.lists.all(tx);
        const list = all.find((p) => p.id === id)!;
        await emitPriceListUpserted(tx, ctx, list, list.items);
        // The previous default of the currency changed too (it no longer is).
        for (const old of all.filter((p) => demoted.includes(p.id))) await emitPriceListUpserted(tx, ctx, old, []);
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
}
