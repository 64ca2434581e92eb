import { z } from 'zod';
import { uuid } from '../common';
import { money } from './money';

/** One line of a quote or order with its exact, per-line rounded amounts. */
export const documentLine = z.object({
  lineId: uuid,
  productId: uuid.nullable(),
  sku: z.string().nullable(),
  description: z.string(),
  /** Decimal string, > 0. */
  quantity: z.string(),
  unitPrice: money,
  /** Discount percent as a decimal string, or null. */
  discountPercent: z.string().nullable(),
  discount: money,
  /** Tax rate percent as a decimal string, e.g. "19" or "7.5". */
  taxRate: z.string(),
  net: money,
  tax: money,
  gross: money,
});

export const documentTotals = z.object({
  /** true: unit prices include tax (net = gross / (1 + rate)); false: tax = net × rate. */
  pricesIncludeTax: z.boolean(),
  subtotal: money,
  discountTotal: money,
  taxTotal: money,
  total: money,
  taxes: z.array(z.object({ rate: z.string(), net: money, tax: money })),
});

const m = (amount: string) => ({ amount, currency: 'EUR' });
export const exampleLine = {
  lineId: '7c8d9e0f-1a2b-4c3d-8e5f-6a7b8c9d0e1f',
  productId: '5a6b7c8d-9e0f-4a1b-8c3d-4e5f6a7b8c9d',
  sku: 'LIC-STD',
  description: 'Standard licence',
  quantity: '3',
  unitPrice: m('19.99'),
  discountPercent: null,
  discount: m('0.00'),
  taxRate: '19',
  net: m('59.97'),
  tax: m('11.39'),
  gross: m('71.36'),
};
export const exampleTotals = {
  pricesIncludeTax: false,
  subtotal: m('59.97'),
  discountTotal: m('0.00'),
  taxTotal: m('11.39'),
  total: m('71.36'),
  taxes: [{ rate: '19', net: m('59.97'), tax: m('11.39') }],
};
export { money };
