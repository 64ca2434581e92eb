import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { documentLine, documentTotals, exampleLine, exampleTotals } from './document';
import { exampleIds } from './money';

/** A draft quote was created. Subject = quote id. No recipient name or email (those stay in sales). */
export const QuoteCreatedV1 = defineEvent({
  type: 'crm.sales.quote.created.v1',
  module: 'sales',
  aggregate: 'quote',
  description: 'A draft quote was created for a contact: its number, lines, taxes and totals (exact decimal strings).',
  schema: z.object({
    quoteId: uuid,
    number: z.string(),
    contactId: uuid,
    dealId: uuid.nullable(),
    ownerId: z.string(),
    priceListId: uuid.nullable(),
    validUntil: z.string().nullable(),
    lines: z.array(documentLine),
    totals: documentTotals,
    createdBy: z.string(),
    createdAt: z.string(),
  }),
  example: {
    quoteId: exampleIds.quote,
    number: 'Q-000001',
    contactId: exampleIds.contact,
    dealId: exampleIds.deal,
    ownerId: 'user-1',
    priceListId: null,
    validUntil: '2026-04-30',
    lines: [exampleLine],
    totals: exampleTotals,
    createdBy: 'user-1',
    createdAt: '2026-03-09T09:00:00.000Z',
  },
});
