import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { documentLine, documentTotals, exampleLine, exampleTotals } from './document';
import { exampleIds, fmt } from './money';

/** A quote was sent to the customer. Subject = quote id. */
export const QuoteSentV1 = defineEvent({
  type: 'crm.sales.quote.sent.v1',
  module: 'sales',
  aggregate: 'quote',
  description: 'A quote was sent to a contact: its number, lines, taxes and totals (exact decimal strings).',
  schema: z.object({
    quoteId: uuid,
    number: z.string(),
    contactId: uuid,
    dealId: uuid.nullable(),
    ownerId: z.string(),
    validUntil: z.string().nullable(),
    lines: z.array(documentLine),
    totals: documentTotals,
    sentBy: z.string(),
    sentAt: z.string(),
  }),
  example: {
    quoteId: exampleIds.quote,
    number: 'Q-000001',
    contactId: exampleIds.contact,
    dealId: exampleIds.deal,
    ownerId: 'user-1',
    validUntil: '2026-04-30',
    lines: [exampleLine],
    totals: exampleTotals,
    sentBy: 'user-1',
    sentAt: '2026-03-10T09:00:00.000Z',
  },
  timeline: (d) => ({ contactId: d.contactId, kind: 'quote', summary: `Quote ${d.number} sent (${fmt(d.totals.total)})` }),
});
