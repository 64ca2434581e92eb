import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds } from './money';

/** A product was created or changed: the product as it is now. Subject = product id. */
export const ProductUpsertedV1 = defineEvent({
  type: 'crm.sales.product.upserted.v1',
  module: 'sales',
  aggregate: 'product',
  description: 'A product of the catalogue was created or changed (full state: SKU, name, unit, tax rate, active).',
  schema: z.object({
    productId: uuid,
    sku: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    unit: z.string().nullable(),
    /** Tax rate percent as a decimal string, e.g. "19" or "7.5". */
    taxRate: z.string(),
    active: z.boolean(),
    upsertedBy: z.string(),
  }),
  example: {
    productId: exampleIds.product,
    sku: 'LIC-STD',
    name: 'Standard licence',
    description: null,
    unit: 'seat',
    taxRate: '19',
    active: true,
    upsertedBy: 'user-1',
  },
});
