import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds, money } from './money';

/** A commission rule was created. Subject = rule id. */
export const CommissionRuleCreatedV1 = defineEvent({
  type: 'crm.sales.commission-rule.created.v1',
  module: 'sales',
  aggregate: 'commission-rule',
  description: 'A commission rule was created: whom and what it applies to (won deals or paid orders, an owner, a product) and how it pays (percentage, tiers, or a fixed amount).',
  schema: z.object({
    ruleId: uuid,
    name: z.string(),
    /** null: every owner. */
    ownerId: z.string().nullable(),
    /** null: every product (a fixed amount is then earned once per deal / order). */
    productId: uuid.nullable(),
    appliesTo: z.enum(['deals', 'orders']),
    kind: z.enum(['percentage', 'fixed']),
    /** Percent as a decimal string (percentage rules without tiers). */
    rate: z.string().nullable(),
    fixedAmount: money.nullable(),
    currency: z.string().regex(/^[A-Z]{3}$/).nullable(),
    tiers: z.array(z.object({ from: z.string(), rate: z.string() })),
    createdBy: z.string(),
  }),
  example: {
    ruleId: '0e1f2a3b-4c5d-4e6f-9a7b-8c9d0e1f2a3b',
    name: 'Widgets',
    ownerId: null,
    productId: exampleIds.product,
    appliesTo: 'orders',
    kind: 'fixed',
    rate: null,
    fixedAmount: { amount: '2.50', currency: 'EUR' },
    currency: 'EUR',
    tiers: [],
    createdBy: 'user-1',
  },
});
