import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds } from './money';

/** A deal was archived: hidden from lists and reports, kept, restorable (deal.restored). Subject = deal id. */
export const DealArchivedV1 = defineEvent({
  type: 'crm.sales.deal.archived.v1',
  module: 'sales',
  aggregate: 'deal',
  description: 'A deal was archived (soft delete: hidden from lists and reports, restorable).',
  schema: z.object({ dealId: uuid, contactId: uuid, archivedAt: z.string(), archivedBy: z.string() }),
  example: { dealId: exampleIds.deal, contactId: exampleIds.contact, archivedAt: '2026-03-22T09:00:00.000Z', archivedBy: 'user-1' },
});

/** An archived deal was restored: listed and reported again. Subject = deal id. */
export const DealRestoredV1 = defineEvent({
  type: 'crm.sales.deal.restored.v1',
  module: 'sales',
  aggregate: 'deal',
  description: 'An archived deal was restored (listed and reported again).',
  schema: z.object({ dealId: uuid, contactId: uuid, restoredAt: z.string(), restoredBy: z.string() }),
  example: { dealId: exampleIds.deal, contactId: exampleIds.contact, restoredAt: '2026-03-23T09:00:00.000Z', restoredBy: 'user-1' },
});
