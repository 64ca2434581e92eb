import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds, money } from './money';

/**
 * A product's price in a price list was set with the date it takes effect (setPrice). Subject =
 * price list id. A quote or order takes the price effective on its date, so a price effective later
 * changes nothing until then; `previousUnitPrice` is the price effective just before that date
 * (null: none). Documents already issued keep their prices. price-list.upserted still follows a
 * change effective today or earlier.
 */
export const PriceChangedV1 = defineEvent({
  type: 'crm.sales.price-list.price-changed.v1',
  module: 'sales',
  aggregate: 'price-list',
  description: 'A product’s price in a price list was set, effective from a date (price history); new quotes and orders use the price effective on their date.',
  schema: z.object({
    priceListId: uuid,
    productId: uuid,
    unitPrice: money,
    previousUnitPrice: money.nullable(),
    effectiveFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    changedBy: z.string(),
  }),
  example: {
    priceListId: '9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a',
    productId: exampleIds.product,
    unitPrice: { amount: '129.00', currency: 'EUR' },
    previousUnitPrice: { amount: '119.00', currency: 'EUR' },
    effectiveFrom: '2026-04-01',
    changedBy: 'user-1',
  },
});
