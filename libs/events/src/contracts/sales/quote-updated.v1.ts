import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { documentLine, documentTotals, exampleLine, exampleTotals } from './document';
import { exampleIds } from './money';

/**
 * A draft quote was edited (lines, discounts, validity, notes, price list). Subject = quote id.
 * Carries the quote as it now is and the names of the changed fields. Only drafts change in place;
 * a sent quote is revised into a new version (quote.revised).
 */
export const QuoteUpdatedV1 = defineEvent({
  type: 'crm.sales.quote.updated.v1',
  module: 'sales',
  aggregate: 'quote',
  description: 'A draft quote was edited: its lines, taxes and totals as they now are, and the changed fields.',
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
    changed: z.array(z.string()),
    updatedBy: z.string(),
  }),
  example: {
    quoteId: exampleIds.quote,
    number: 'Q-000001',
    contactId: exampleIds.contact,
    dealId: exampleIds.deal,
    ownerId: 'user-1',
    priceListId: null,
    validUntil: '2026-05-15',
    lines: [exampleLine],
    totals: exampleTotals,
    changed: ['lines', 'validUntil'],
    updatedBy: 'user-1',
  },
});

/**
 * A sent quote was revised: a new draft version (its own quote id and number, quote.created follows
 * for it) supersedes it; the old one is now `superseded` and can no longer be accepted. Subject = the
 * old quote's id.
 */
export const QuoteRevisedV1 = defineEvent({
  type: 'crm.sales.quote.revised.v1',
  module: 'sales',
  aggregate: 'quote',
  description: 'A sent quote was superseded by a new draft version of it (linked both ways).',
  schema: z.object({
    quoteId: uuid,
    number: z.string(),
    version: z.number().int().min(1),
    supersededById: uuid,
    supersededByNumber: z.string(),
    contactId: uuid,
    dealId: uuid.nullable(),
    revisedBy: z.string(),
    revisedAt: z.string(),
  }),
  example: {
    quoteId: exampleIds.quote,
    number: 'Q-000001',
    version: 1,
    supersededById: '7c8d9e0f-1a2b-4c3d-8e4f-6a7b8c9d0e1f',
    supersededByNumber: 'Q-000001-2',
    contactId: exampleIds.contact,
    dealId: exampleIds.deal,
    revisedBy: 'user-1',
    revisedAt: '2026-03-12T10:00:00.000Z',
  },
});
