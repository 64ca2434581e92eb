import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds, money } from './money';

/** The customer declined a quote. Subject = quote id. */
export const QuoteDeclinedV1 = defineEvent({
  type: 'crm.sales.quote.declined.v1',
  module: 'sales',
  aggregate: 'quote',
  description: 'A draft or sent quote was declined.',
  schema: z.object({
    quoteId: uuid,
    number: z.string(),
    contactId: uuid,
    dealId: uuid.nullable(),
    ownerId: z.string(),
    total: money,
    declinedBy: z.string(),
    declinedAt: z.string(),
  }),
  example: {
    quoteId: exampleIds.quote,
    number: 'Q-000001',
    contactId: exampleIds.contact,
    dealId: exampleIds.deal,
    ownerId: 'user-1',
    total: { amount: '71.36', currency: 'EUR' },
    declinedBy: 'user-1',
    declinedAt: '2026-03-11T12:00:00.000Z',
  },
});
