import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds, money } from './money';

/**
 * A price list was created or changed. Subject = price list id. Carries the list's header as it is
 * now (name, currency, default flag) and the prices this change wrote: every item when the list is
 * created, the one product's price on setPrice, none when only the default flag changed (another list
 * of the currency became the default).
 */
export const PriceListUpsertedV1 = defineEvent({
  type: 'crm.sales.price-list.upserted.v1',
  module: 'sales',
  aggregate: 'price-list',
  description: 'A price list was created or changed: its name, currency and default flag now, and the product prices set by this change (upserts).',
  schema: z.object({
    priceListId: uuid,
    name: z.string(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    isDefault: z.boolean(),
    /** Prices created or changed by this write (an upsert per product), not the whole list. */
    prices: z.array(z.object({ productId: uuid, unitPrice: money })),
    upsertedBy: z.string(),
  }),
  example: {
    priceListId: '9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a',
    name: 'EUR list',
    currency: 'EUR',
    isDefault: true,
    prices: [{ productId: exampleIds.product, unitPrice: { amount: '19.99', currency: 'EUR' } }],
    upsertedBy: 'user-1',
  },
});
