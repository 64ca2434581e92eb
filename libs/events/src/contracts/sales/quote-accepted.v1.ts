import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds, money } from './money';

/**
 * The customer accepted a quote; it became the order `orderId` (whose crm.sales.order.placed.v1
 * carries the lines and totals). Subject = quote id.
 */
export const QuoteAcceptedV1 = defineEvent({
  type: 'crm.sales.quote.accepted.v1',
  module: 'sales',
  aggregate: 'quote',
  description: 'A quote was accepted and turned into an order (see order.placed for the order).',
  schema: z.object({
    quoteId: uuid,
    number: z.string(),
    contactId: uuid,
    dealId: uuid.nullable(),
    ownerId: z.string(),
    orderId: uuid,
    total: money,
    acceptedBy: z.string(),
    acceptedAt: z.string(),
  }),
  example: {
    quoteId: exampleIds.quote,
    number: 'Q-000001',
    contactId: exampleIds.contact,
    dealId: exampleIds.deal,
    ownerId: 'user-1',
    orderId: exampleIds.order,
    total: { amount: '71.36', currency: 'EUR' },
    acceptedBy: 'user-1',
    acceptedAt: '2026-03-11T12:00:00.000Z',
  },
});
